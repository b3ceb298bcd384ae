"""Source checks for ``socialcrm validate``: open each source and read its first rows.

A playbook can be valid YAML with every file present and still fail at run time because the
export does not fit its preset or mapping. :func:`check_sources` reads the first rows of each
file source exactly as step 1 will (the same readers, presets and row checks of
:mod:`~socialcrm_utils.sources.files`), and says in one line per source what it found: how many
rows it read, how many are usable and the date range; or what is wrong and the fix. Feeds and
APIs are fetched only when asked (``online=True``): validation works offline by default.

Rules (see ``docs/runs.md``): a source is a *problem* when it cannot be read, when a column
the preset or mapping names is missing (the fix names a preset that fits the file's columns,
or the mapping to add), or when none of the rows read is usable (e.g. no date parses; the fix
names a ``date_format`` that parses them when one of the usual formats does). Some rejected
rows are not a problem: the run writes them to ``rejected.csv``.
"""

from __future__ import annotations

import difflib
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from ..exceptions import SourceError
from ..playbook import FileSource, Playbook, Source
from ..schema import REQUIRED_COLUMNS
from .apis import unset_env
from .files import ImportResult, read_file_source, read_table
from .presets import PRESETS, Preset, get_preset

__all__ = ["SAMPLE_ROWS", "SourceCheck", "check_file_source", "check_sources", "guess_date_format"]

logger = logging.getLogger(__name__)

#: Rows read from each source by default.
SAMPLE_ROWS = 200

#: At most this many bytes of a CSV or JSON-lines file are read for the sample.
_SAMPLE_BYTES = 4 << 20

#: Times the cut of a CSV sample moves on to reach the rows asked for (rows span lines).
_CUT_TRIES = 8

#: Timestamp layouts tried when a date column does not parse (German day-first first).
_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%a %b %d %H:%M:%S %z %Y",
    "%Y-%m-%d %H:%M:%S %z",
    "%d %b %Y %H:%M",
    "%b %d, %Y %I:%M %p",
)


@dataclass(frozen=True)
class SourceCheck:
    """What reading the first rows of one source showed.

    Attributes:
        index: Position in the playbook's ``sources`` list.
        label: How the source is named (its name, else its path as written or its feed).
        kind: The source's kind (``file``, ``rss``, ...).
        status: ``ok``, ``problem`` or ``skipped`` (a feed, not fetched offline).
        message: One line: what was read, or what is wrong ``->`` the fix.
        rows: Rows read.
        usable: Rows that would be kept.
        first: Earliest ``created_at`` of the usable rows (UTC).
        last: Latest ``created_at`` of the usable rows (UTC).
    """

    index: int
    label: str
    kind: str
    status: Literal["ok", "problem", "skipped"]
    message: str
    rows: int = 0
    usable: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    @property
    def line(self) -> str:
        """The one-line report, e.g. ``sources[0] x.csv: read 13 rows ...``."""
        return f"sources[{self.index}] {self.label}: {self.message}"


def check_sources(
    playbook: Playbook, *, rows: int = SAMPLE_ROWS, online: bool = False
) -> list[SourceCheck]:
    """Check every source of a playbook by reading its first rows.

    Args:
        playbook: The validated playbook.
        rows: Rows to read per source.
        online: Also fetch feeds and APIs (over the network); skipped otherwise.

    Returns:
        One check per source, in the playbook's order.
    """
    base = playbook.path.parent if playbook.path else Path.cwd()
    checks = []
    for index, source in enumerate(playbook.sources):
        if source.kind == "file":
            checks.append(
                check_file_source(
                    source,
                    index,
                    timezone=playbook.timezone,
                    handles=playbook.brand.handle_keys,
                    rows=rows,
                    base_dir=base,
                )
            )
        else:
            checks.append(_check_feed(source, index, playbook, rows=rows, online=online))
    return checks


def check_file_source(
    source: FileSource,
    index: int = 0,
    *,
    timezone: str = "UTC",
    handles: frozenset[str] = frozenset(),
    rows: int = SAMPLE_ROWS,
    base_dir: Path | None = None,
) -> SourceCheck:
    """Read the first rows of a file source with its preset and mapping, as step 1 will.

    Args:
        source: The playbook's file source (path resolved).
        index: Its position in ``sources`` (for the message).
        timezone: The playbook's time zone (for timestamps without one).
        handles: The brand's handles, lower-case without ``@``.
        rows: Rows to read.
        base_dir: Folder the path is shown relative to (the playbook's folder).

    Returns:
        The check; ``status`` ``problem`` with the fix in ``message`` when the file does not fit.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "x.csv").write_text("Post ID,Message,Date\\n1,hi,2026-09-01 08:00\\n")
        >>> check = check_file_source(FileSource(kind="file", path=folder / "x.csv",
        ...                                      preset="twcs"), base_dir=folder)
        >>> print(check.line)  # doctest: +NORMALIZE_WHITESPACE
        sources[0] x.csv: columns 'tweet_id', 'text', 'created_at' of preset twcs not found;
        columns are: Post ID, Message, Date -> use preset hootsuite or a mapping
    """
    label = _file_label(source, base_dir)
    if source.is_glob:  # a folder of exports: check its first file, name how many match
        files = source.matching_files()
        label = f"{label} ({len(files)} file{'s' if len(files) != 1 else ''})"
        if not files:
            return SourceCheck(
                index, label, "file", "ok", "no file matches yet; each new one is read once"
            )
        source = source.model_copy(update={"path": files[0]})

    def problem(message: str) -> SourceCheck:
        return SourceCheck(index, label, "file", "problem", message)

    try:
        with _sample_file(source.path, source.format, rows) as (sample, whole):
            raw = read_table(sample, source.format).head(rows)
            wrong = _column_problem(raw, source)
            if wrong:
                return problem(wrong)
            result = read_file_source(
                source.model_copy(update={"path": sample}), timezone=timezone, handles=handles
            )
    except SourceError as exc:
        why = _without_path(str(exc), source.path)
        # The reader's own message may already name the fix ("export it again with its rows").
        has_fix = "set format:" in why or "export it again" in why
        fix = (
            ""
            if has_fix
            else (
                " -> check that it is a csv, jsonl, json or parquet export "
                "(or set format: in the source)"
            )
        )
        return problem(f"cannot be read: {why}{fix}")
    return _describe(result, raw, source, index, label, whole=whole)


def guess_date_format(values: pd.Series) -> list[str]:
    """The usual timestamp layouts that parse every value, most likely first.

    Args:
        values: Timestamps as text.

    Returns:
        Matching ``strftime`` patterns (two when the values do not tell day from month).

    Examples:
        >>> guess_date_format(pd.Series(["24.12.2026 18:30", "01.02.2027 09:00"]))
        ['%d.%m.%Y %H:%M']
        >>> guess_date_format(pd.Series(["01/02/2026 09:00"]))
        ['%d/%m/%Y %H:%M', '%m/%d/%Y %H:%M']
        >>> guess_date_format(pd.Series(["yesterday"]))
        []
    """
    text = values.dropna().astype("string").str.strip()
    text = text[text != ""]
    if text.empty:
        return []
    fits = []
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc="%z" in fmt)
        if parsed.notna().all():
            fits.append(fmt)
    return fits


def _describe(
    result: ImportResult,
    raw: pd.DataFrame,
    source: FileSource,
    index: int,
    label: str,
    *,
    whole: bool,
) -> SourceCheck:
    """The check of a file whose columns fit: rows, usable rows, dates; or why none is usable."""
    read = result.read
    scope = "the whole file" if whole else f"the first {read}"
    reasons = _reason_counts(result.rejected)
    if result.kept == 0:
        if not read:
            return SourceCheck(
                index,
                label,
                "file",
                "problem",
                "the file has no rows -> export it again with its rows",
            )
        return SourceCheck(
            index,
            label,
            "file",
            "problem",
            f"none of the {read} rows read is usable ({_join_reasons(reasons)}) -> "
            + "; ".join(_fix_for(why, raw, source) for why in reasons),
            rows=read,
        )
    created = result.mentions["created_at"]
    first, last = created.min(), created.max()
    message = (
        f"read {read} row{'s' if read != 1 else ''} ({scope}), {result.kept} usable; dates "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC)"
    )
    if reasons:
        message += f"; {len(result.rejected)} would be rejected ({_join_reasons(reasons)})"
    return SourceCheck(index, label, "file", "ok", message, read, result.kept, first, last)


def _reason_counts(rejected: pd.DataFrame) -> dict[str, int]:
    """Rejection reasons without the row's value: ``unparseable created_at`` -> count."""
    if rejected.empty:
        return {}
    short = rejected["reason"].astype("string").str.replace(r"\s*'.*$", "", regex=True)
    return {str(k): int(v) for k, v in short.value_counts().items()}


def _join_reasons(reasons: dict[str, int]) -> str:
    return ", ".join(f"{n} {why}" for why, n in reasons.items())


def _fix_for(reason: str, raw: pd.DataFrame, source: FileSource) -> str:
    """The fix for one reason of rejected rows (as :func:`_reason_counts` names it)."""
    preset = get_preset(source.preset)
    if reason.startswith("unparseable created_at"):
        column = _resolved(source, preset, "created_at")
        values = raw[column] if column in raw.columns else pd.Series(dtype="string")
        example = values.dropna().astype(str).head(1).tolist()
        shown = f" (e.g. {example[0]!r})" if example else ""
        fits = guess_date_format(values)
        if fits:
            also = (
                f" (or '{fits[1]}': the rows read do not tell day from month)"
                if len(fits) > 1
                else ""
            )
            return f"dates{shown} need a format: set date_format: '{fits[0]}'{also} in the source"
        return (
            f"dates{shown} are not ISO 8601: set date_format: (a strftime pattern, e.g. "
            "'%d.%m.%Y %H:%M') in the source"
        )
    if reason == "empty text":
        return (
            f"rows without text in column '{_resolved(source, preset, 'text')}': map text to "
            "the column that holds the post"
        )
    if reason == "missing mention_id":
        return (
            f"rows without an id in column '{_resolved(source, preset, 'mention_id')}': map "
            "mention_id to the column that holds each post's id"
        )
    return "check the rows and the source's mapping"


def _column_problem(raw: pd.DataFrame, source: FileSource) -> str | None:
    """One line naming the columns the preset or mapping needs and the file lacks; None if fine."""
    preset = get_preset(source.preset)
    table = preset.prepare(raw)
    columns = _shown_columns(raw)
    mapped_missing = {c: col for c, col in source.mapping.items() if col not in table.columns}
    if mapped_missing:
        wrong = ", ".join(f"'{col}' ({c})" for c, col in mapped_missing.items())
        hints = [
            f"'{m[0]}' for '{col}'"
            for col in mapped_missing.values()
            if (m := difflib.get_close_matches(col, map(str, raw.columns), n=1))
        ]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        return (
            f"column{'s' if len(mapped_missing) > 1 else ''} {wrong} of the mapping not "
            f"found; columns are: {columns} -> fix the mapping{hint}"
        )
    missing = [c for c in REQUIRED_COLUMNS if _resolved(source, preset, c) not in table.columns]
    if not missing:
        return None
    names = ", ".join(f"'{_resolved(source, preset, c)}'" for c in missing)
    fitting = [
        name
        for name, other in PRESETS.items()
        if name != source.preset and not _missing_with(raw, source, other)
    ]
    if fitting:
        fix = f"use preset {' or '.join(fitting)} or a mapping"
    else:
        guesses = ", ".join(f"{c}: {_guess_column(c, raw)}" for c in missing)
        fix = f"add to the source: mapping: {{{guesses}}}"
    of = f"of preset {preset.name} " if preset.name != "canonical" else ""
    return (
        f"column{'s' if len(missing) > 1 else ''} {names} {of}not found; columns are: "
        f"{columns} -> {fix}"
    )


def _missing_with(raw: pd.DataFrame, source: FileSource, preset: Preset) -> list[str]:
    """Required columns still missing if the source used ``preset`` (with its own mapping)."""
    try:
        table = preset.prepare(raw)
    except (SourceError, KeyError, ValueError, TypeError):
        return list(REQUIRED_COLUMNS)
    return [c for c in REQUIRED_COLUMNS if _resolved(source, preset, c) not in table.columns]


def _resolved(source: FileSource, preset: Preset, column: str) -> str:
    """The file column a canonical column is read from: the mapping's, the preset's or itself."""
    return source.mapping.get(column) or preset.mapping.get(column, column)


#: Usual export column names of the required columns (English and German), for the hint.
_USUAL_NAMES = {
    "mention_id": ("id", "post_id", "message_id", "tweet_id", "status_id", "beitrag_id"),
    "text": ("message", "content", "body", "post", "tweet", "nachricht", "inhalt", "beitrag"),
    "created_at": (
        "date",
        "time",
        "timestamp",
        "created",
        "published",
        "datum",
        "zeit",
        "erstellt",
        "veröffentlicht",
    ),
}


def _guess_column(canonical: str, raw: pd.DataFrame) -> str:
    """A file column named like a canonical column (or a usual name of it), else ``<column>``.

    Examples:
        >>> _guess_column("created_at", pd.DataFrame(columns=["ID", "Datum"]))
        "'Datum'"
    """
    names = {str(c).strip().lower().replace(" ", "_"): str(c) for c in raw.columns}
    for wanted in (canonical, *_USUAL_NAMES.get(canonical, ())):
        if wanted in names:
            return repr(names[wanted])
    match = difflib.get_close_matches(canonical, names, n=1, cutoff=0.75)
    return repr(names[match[0]]) if match else "<column>"


def _shown_columns(raw: pd.DataFrame, limit: int = 12) -> str:
    names = [str(c) for c in raw.columns]
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _file_label(source: FileSource, base_dir: Path | None) -> str:
    """The source's path as written in the playbook (relative to its folder), with its name."""
    path = str(source.path)
    if base_dir is not None:
        relative = os.path.relpath(source.path, base_dir)
        path = relative if not relative.startswith("..") or len(relative) < len(path) else path
    return f"'{source.name}' ({path})" if source.name else path


def _without_path(message: str, path: Path) -> str:
    return message.replace(f"{path}: ", "").replace(f" ({path})", "")


@contextmanager
def _sample_file(path: Path, fmt: str | None, rows: int) -> Iterator[tuple[Path, bool]]:
    """A file with the first ``rows`` rows of ``path`` (or ``path`` itself) and whether it is whole.

    A CSV or JSON-lines file is cut after its header and ``rows`` line ends, and the cut moves on
    while the piece has fewer rows (values with line breaks) or does not parse (a cut inside a
    quoted value), within its first 4 MB; failing that, the whole file is used if small, else its
    first 4 MB cut at a line end. A Parquet file is sampled by its
    first row batch. JSON documents and UTF-16 files are read whole.
    """
    kind = fmt or {
        ".csv": "csv",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".parquet": "parquet",
        ".pq": "parquet",
    }.get(path.suffix.lower())
    if kind not in ("csv", "jsonl", "parquet") or not path.is_file():
        yield path, True
        return
    with tempfile.TemporaryDirectory(prefix="socialcrm-check-") as folder:
        sample = Path(folder) / path.name
        if kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                table = pq.ParquetFile(path)
                batch = next(table.iter_batches(batch_size=rows), None)
            except (OSError, ValueError, pa.ArrowException):
                batch = None  # read_table says what is wrong with the file
            if batch is None or table.metadata.num_rows <= rows:
                yield path, True
                return
            pq.write_table(pa.Table.from_batches([batch]), sample)
            yield sample, False
            return
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\n" not in head:
            yield path, True
            return
        end = _line_end(head, rows + (kind == "csv"))
        for _ in range(_CUT_TRIES):  # a value with line breaks makes a row of several lines
            if end is None or end >= size:
                break
            sample.write_bytes(head[:end])
            try:
                missing = rows - len(read_table(sample, fmt))
            except SourceError:  # the cut fell inside a quoted value
                missing = 1
            if missing <= 0:
                yield sample, False
                return
            end = _line_end(head, missing, start=end)
        if size > _SAMPLE_BYTES:
            sample.write_bytes(head[: head.rindex(b"\n") + 1])
            try:
                read_table(sample, fmt)
            except SourceError:
                pass
            else:
                yield sample, False
                return
        yield path, True


def _line_end(data: bytes, lines: int, start: int = 0) -> int | None:
    r"""The offset just after the ``lines``-th line end from ``start``; None if there are fewer.

    Examples:
        >>> _line_end(b"a\nb\nc\n", 2), _line_end(b"a\nb\nc\n", 1, start=2), _line_end(b"a\n", 2)
        (4, 4, None)
    """
    end = start - 1
    for _ in range(lines):
        end = data.find(b"\n", end + 1)
        if end < 0:
            return None
    return end + 1


def _check_feed(
    source: Source, index: int, playbook: Playbook, *, rows: int, online: bool
) -> SourceCheck:
    """A feed or API source: its environment variables always; fetched only when ``online``."""
    unset = unset_env(source)
    if unset:
        return SourceCheck(
            index,
            source.label,
            source.kind,
            "problem",
            unset.replace("; set it", " -> set it").replace("; set them", " -> set them"),
        )
    if not online:
        return SourceCheck(
            index,
            source.label,
            source.kind,
            "skipped",
            f"not checked: a {source.kind} source is fetched over the network "
            "(validate --online fetches it)",
        )
    from . import read_source

    try:
        result = read_source(source, playbook)
    except SourceError as exc:
        return SourceCheck(
            index,
            source.label,
            source.kind,
            "problem",
            f"cannot be fetched: {exc} -> check its address and query, or the network",
        )
    if result.kept == 0:
        return SourceCheck(
            index,
            source.label,
            source.kind,
            "problem",
            f"fetched {result.read} items, none usable -> check its query",
            rows=result.read,
        )
    created = result.mentions["created_at"]
    first, last = created.min(), created.max()
    return SourceCheck(
        index,
        source.label,
        source.kind,
        "ok",
        f"fetched {result.read} items, {result.kept} usable; dates "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC)",
        result.read,
        result.kept,
        first,
        last,
    )
