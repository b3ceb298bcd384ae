"""File exports: canonical CSV / JSON lines / JSON / Parquet, or any export through a mapping.

:func:`read_file_source` reads one ``kind: file`` source of a playbook into the canonical mention
table. Rows that cannot be mapped are not dropped: they are returned as *rejected* rows with the
original values, the 1-based data row number, the file line and a reason, so the run can write
them to ``rejected.csv``.

Reading the file itself (encoding, CSV separator, line ends, malformed rows set aside with
their line and reason) is :mod:`socialcrm_utils.sources.exports`' part (see ``docs/imports.md``);
its names (:func:`read_export`, :func:`read_table`, :func:`detect_encoding`,
:func:`decode_bytes`, :func:`sniff_separator`, :class:`Export`) stay importable from here. This
module maps the rows to the canonical schema and rejects the rows that do not fit.

HTML entities in texts and author names (``&amp;``, ``&lt;``, ``&#39;``: Twitter's API and the
exports built on it escape ``&``, ``<`` and ``>``) are decoded once, at import, by
:func:`decode_entities`; the rejected rows keep the file's values verbatim.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..exceptions import SourceError
from ..playbook import FileSource
from ..schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS, blank_missing_markers, conform_mentions
from .exports import Export, decode_bytes, detect_encoding, read_export, read_table, sniff_separator
from .presets import get_preset, parse_preset_dates

__all__ = [
    "COUNT_LIMIT",
    "FUTURE_TOLERANCE",
    "Export",
    "ImportResult",
    "conform_rows",
    "date_format_problem",
    "decode_bytes",
    "decode_entities",
    "detect_encoding",
    "parse_counts",
    "parse_timestamps",
    "read_export",
    "read_file_source",
    "read_file_sources",
    "read_table",
    "sniff_separator",
]

logger = logging.getLogger(__name__)

_ZONE_SUFFIX = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"
# A character reference with its closing semicolon: named (``&amp;``), decimal (``&#39;``) or
# hexadecimal (``&#x27;``). Without the semicolon, "&not" in "&notice" is plain text.
_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_DECODED_COLUMNS = ("text", "author_name")

#: Posts dated more than this after the run's time are rejected (a wrong date or time zone).
FUTURE_TOLERANCE = pd.Timedelta(days=1)

#: Largest count (reach, likes, shares, replies) taken; larger values become n/a with a note.
COUNT_LIMIT = 10**15

_COUNT_COLUMNS = ("reach", "likes", "shares", "replies")
_MISSING_WORDS = ("nan", "null", "none", "n/a", "na", "-", "—")


@dataclass(frozen=True)
class ImportResult:
    """What one source gave: the kept mentions, the rejected rows and a note for the reader.

    Attributes:
        source: The source's label.
        mentions: Kept rows in the canonical schema.
        rejected: Rejected rows: ``source``, ``row`` (1-based data row), ``line`` (file line,
            when known), ``reason`` and the original columns as text.
        read: Rows read from the source (kept + rejected + outside).
        notes: Human-readable remarks (e.g. timestamps read in the playbook's time zone).
        outside: Rows left out because they lie outside the source's ``since``/``until``.
        encoding: The file's encoding as detected (None for feeds and Parquet).
        separator: The CSV separator as sniffed (None for other formats and feeds).
    """

    source: str
    mentions: pd.DataFrame
    rejected: pd.DataFrame
    read: int
    notes: tuple[str, ...] = ()
    outside: int = 0
    encoding: str | None = None
    separator: str | None = None

    @property
    def kept(self) -> int:
        """Rows kept."""
        return len(self.mentions)


def decode_entities(texts: pd.Series) -> pd.Series:
    """Decode HTML character references in texts, once.

    Only complete references (with their ``;``) are decoded, each by :func:`html.unescape`,
    in a single left-to-right pass: ``&amp;amp;`` becomes ``&amp;``, not ``&``, and text such
    as ``AT&T``, ``Q&A`` or ``&notice`` is left alone. Unknown names (``&foo;``) stay as
    written. The input is not modified.

    Args:
        texts: Texts; NA stays NA.

    Returns:
        A ``string`` Series on the same index.

    Examples:
        >>> decode_entities(pd.Series(["Fish &amp; chips &lt;3", "&amp;amp; &#39;hi&#x27;",
        ...                            "AT&T Q&A &notice", None])).tolist()
        ['Fish & chips <3', "&amp; 'hi'", 'AT&T Q&A &notice', <NA>]
    """
    strings = texts.astype("string")
    has = strings.str.contains("&", regex=False).fillna(False).to_numpy(bool)
    if not has.any():
        return strings
    out = strings.copy()
    out[has] = [_ENTITY_RE.sub(lambda m: html.unescape(m.group()), str(t)) for t in strings[has]]
    return out


def parse_timestamps(
    values: pd.Series, timezone: str, date_format: str | None = None
) -> tuple[pd.Series, int]:
    """Parse timestamps to UTC; values without a zone are read in ``timezone``.

    ISO 8601 is expected unless ``date_format`` (a ``strftime`` pattern) is given. Values that do
    not parse become ``NaT``. Local times that do not exist (spring-forward gap) move forward;
    ambiguous ones (fall-back hour) take the first occurrence (DST).

    Args:
        values: Raw timestamps (text, or datetimes from Parquet/JSON).
        timezone: IANA zone for values without an offset.
        date_format: Optional explicit format.

    Returns:
        ``(timestamps in UTC, number of values that had no zone)``.

    Examples:
        >>> ts, naive = parse_timestamps(pd.Series(["2026-07-01T10:00:00Z", "2026-07-01 12:00"]),
        ...                              "Europe/Berlin")
        >>> [t.isoformat() for t in ts], naive
        (['2026-07-01T10:00:00+00:00', '2026-07-01T10:00:00+00:00'], 1)
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC"), 0
    if pd.api.types.is_datetime64_dtype(values.dtype):
        local = values.dt.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        return local.dt.tz_convert("UTC"), int(values.notna().sum())
    text = values.astype("string").str.strip()
    fmt = date_format or "ISO8601"
    has_zone = text.str.contains(_ZONE_SUFFIX, regex=True, na=False)
    if date_format and "%z" in date_format:
        has_zone = text.notna()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if has_zone.any():
        parsed = pd.to_datetime(text[has_zone], format=fmt, utc=True, errors="coerce")
        out[has_zone] = parsed.astype("datetime64[ns, UTC]")
    naive = ~has_zone & text.notna()
    if naive.any():
        parsed = pd.to_datetime(text[naive], format=fmt, errors="coerce")
        local = parsed.dt.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        out[naive] = local.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    return out, int((naive & out.notna()).sum())


def read_file_source(
    source: FileSource,
    *,
    timezone: str,
    handles: frozenset[str] = frozenset(),
    now: pd.Timestamp | dt.datetime | None = None,
) -> ImportResult:
    """Read one file source into canonical mentions plus rejected rows.

    The file is read by :func:`read_export` (malformed rows become rejected rows with their
    line). Columns are renamed by ``source.mapping`` (canonical -> file column); HTML entities
    in ``text`` and ``author_name`` are decoded once (:func:`decode_entities`). Rows are then
    checked by :func:`conform_rows`. Kept rows outside the source's ``since``/``until`` (whole
    UTC days, both inclusive, as for feeds) are left out and counted in ``outside``; they are
    not errors and do not go to the rejected rows.

    Args:
        source: The playbook's source entry (path already resolved).
        timezone: Zone for timestamps without one (the source's ``timezone`` wins).
        handles: The brand's handles, lower-case without ``@``.
        now: The run's time for the future-date check; the current time when None.

    Returns:
        The import result.

    A ``path`` with a pattern (``exports/*.csv``) reads every matching file, in name order,
    as one source (:func:`read_file_sources`).

    Raises:
        SourceError: If the file cannot be read or a required column has no mapping.
    """
    if source.is_glob:
        return read_file_sources(source, timezone=timezone, handles=handles, now=now)
    export = read_export(source.path, source.format)
    raw = export.frame.reset_index(drop=True)
    frame = _apply_mapping(raw, source)
    for column in _DECODED_COLUMNS:
        if column in frame.columns:
            frame[column] = decode_entities(frame[column])
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        hint = ", ".join(f"{c}: <column>" for c in missing)
        raise SourceError(
            f"source '{source.label}' ({source.path}): no column for {', '.join(missing)}; the "
            f"file has {', '.join(map(str, raw.columns[:12]))}; add to the source: mapping: "
            f"{{{hint}}}"
        )
    result = conform_rows(
        raw,
        frame,
        label=source.label,
        timezone=source.timezone or timezone,
        date_format=source.date_format,
        platform=source.platform,
        handles=handles,
        rows=export.rows,
        lines=export.lines,
        now=now,
    )
    rejected = result.rejected
    if len(export.bad):
        bad = export.bad.copy()
        bad.insert(0, "source", source.label)
        rejected = pd.concat([rejected, bad], ignore_index=True) if len(rejected) else bad
        rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    mentions, outside = _within(result.mentions, source)
    notes = list(result.notes)
    if outside:
        notes.append(f"{outside} rows outside since/until ({_window_text(source)}) left out")
    return ImportResult(
        result.source,
        mentions,
        rejected,
        export.read,
        tuple(notes),
        outside,
        export.encoding,
        export.separator,
    )


def read_file_sources(
    source: FileSource,
    *,
    timezone: str,
    handles: frozenset[str] = frozenset(),
    now: pd.Timestamp | dt.datetime | None = None,
    files: list[Path] | None = None,
) -> ImportResult:
    """Read the files of a pattern source (``path: exports/*.csv``) as one source.

    Each file is read like a single-file source; the results are joined in name order, the
    rejected rows get a ``file`` column, and one note per file says how many rows it gave.

    Args:
        source: A file source whose ``path`` is a pattern (or one file).
        timezone: Zone for timestamps without one (the source's ``timezone`` wins).
        handles: The brand's handles, lower-case without ``@``.
        now: The run's time for the future-date check; the current time when None.
        files: The files to read (incremental runs pass the new ones); default: every match.

    Returns:
        The joined import result.

    Raises:
        SourceError: If no file matches, or a file cannot be read (names the file).
    """
    files = source.matching_files() if files is None else files
    if not files:
        raise SourceError(
            f"source '{source.label}': no file matches {source.path} (check the pattern; "
            "relative paths start at the playbook's folder)"
        )
    parts = [
        read_file_source(
            source.model_copy(update={"path": path}), timezone=timezone, handles=handles, now=now
        )
        for path in files
    ]
    pairs = list(zip(parts, files, strict=True))
    rejected = [part.rejected.assign(file=path.name) for part, path in pairs if len(part.rejected)]
    notes = [f"{path.name}: {part.kept} kept of {part.read}" for part, path in pairs]
    encodings = {part.encoding for part in parts}
    separators = {part.separator for part in parts}
    return ImportResult(
        source.label,
        pd.concat([part.mentions for part in parts], ignore_index=True),
        pd.concat(rejected, ignore_index=True) if rejected else parts[0].rejected,
        sum(part.read for part in parts),
        tuple(dict.fromkeys(n for part in parts for n in part.notes)) + tuple(notes),
        sum(part.outside for part in parts),
        encodings.pop() if len(encodings) == 1 else "mixed",
        separators.pop() if len(separators) == 1 else "mixed",
    )


def _within(mentions: pd.DataFrame, source: FileSource) -> tuple[pd.DataFrame, int]:
    """Mentions inside ``since``/``until`` (whole UTC days, inclusive) and how many were not."""
    if source.since is None and source.until is None:
        return mentions, 0
    created = mentions["created_at"]
    inside = pd.Series(True, index=mentions.index)
    if source.since is not None:
        inside &= created >= pd.Timestamp(source.since, tz="UTC")
    if source.until is not None:
        inside &= created < pd.Timestamp(source.until, tz="UTC") + pd.Timedelta(days=1)
    return mentions[inside].reset_index(drop=True), int((~inside).sum())


def _window_text(source: FileSource) -> str:
    parts = []
    if source.since is not None:
        parts.append(f"since {source.since}")
    if source.until is not None:
        parts.append(f"until {source.until}")
    return ", ".join(parts)


def date_format_problem(result: ImportResult, source: FileSource, key: str) -> str | None:
    """The one-line fix when no ``created_at`` of a file source parses, else None.

    A ``date_format`` (the source's or its preset's) that matches none of the dates, or dates
    that are not ISO 8601 when none is set, leave every row rejected for the same reason; this
    names the playbook key to fix and a sample value instead.

    Args:
        result: The source's import result.
        source: The source.
        key: Its key path in the playbook (``sources[0]``).

    Returns:
        The message, or None when some date parsed or rows were rejected for other reasons.
    """
    reasons = result.rejected["reason"].astype("string") if len(result.rejected) else None
    if result.kept or result.outside or reasons is None:
        return None
    dated = reasons.str.startswith("unparseable created_at").fillna(False)
    if not dated.all():
        return None
    sample = re.match(r"unparseable created_at '(.*)' \(", str(reasons.iloc[0]), re.S)
    value = sample.group(1) if sample else ""
    fmt = source.date_format or get_preset(source.preset).date_format
    where = f"{key} ({source.label})"
    if fmt:
        iso = parse_timestamps(pd.Series([value]), "UTC")[0].notna().all()
        fix = (
            f"remove {key}.date_format (the values are ISO 8601)"
            if iso and source.date_format
            else f"set {key}.date_format to the values' layout"
        )
        return (
            f"{where}: date_format '{fmt}' matches none of the {len(reasons)} created_at "
            f"values (e.g. '{value}'); {fix}"
        )
    from .check import guess_date_format  # the usual layouts; check imports this module

    fits = guess_date_format(pd.Series([value]))
    layout = f" (e.g. '{fits[0]}')" if fits else " (a strftime pattern such as '%d.%m.%Y %H:%M')"
    return (
        f"{where}: none of the {len(reasons)} created_at values is ISO 8601 (e.g. "
        f"'{value}'); set {key}.date_format{layout}"
    )


def parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts (reach, likes, shares, replies) as whole numbers; what cannot be one is n/a.

    Thousands separators are dropped (``1,234``, ``1.234``, ``1 234``, ``1'234``); decimals are
    rounded; empty cells and words for nothing (``NaN``, ``null``, ``n/a``, ``-``) are n/a.
    Values that are not numbers, not finite, negative or above :data:`COUNT_LIMIT` are n/a
    too, and flagged, so the caller can say so (never a wrapped 64-bit number).

    Args:
        values: Raw counts (text or numbers).

    Returns:
        ``(counts as Int64, True where a value was given but is not a usable count)``.

    Examples:
        >>> counts, bad = parse_counts(pd.Series(["1,234", "1.234", "12.0", "1e30", "inf", "-5",
        ...                                       "1" * 40, "NaN", None, "abc"]))
        >>> counts.tolist()
        [1234, 1234, 12, <NA>, <NA>, <NA>, <NA>, <NA>, <NA>, <NA>]
        >>> bad.tolist()
        [False, False, False, True, True, True, True, False, False, True]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("Int64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        number = pd.to_numeric(values, errors="coerce").astype("float64")
        given = values.notna()
    else:
        text = values.astype("string").str.strip()
        text = text.str.replace("[\\s\u00a0\u202f'’_]", "", regex=True)
        given = text.notna() & (text != "") & ~text.str.lower().isin(_MISSING_WORDS)
        comma = text.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False)
        dot = text.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+").fillna(False)
        text = text.mask(comma, text.str.replace(",", "", regex=False))
        text = text.mask(dot, text.str.replace(".", "", regex=False))
        number = pd.to_numeric(text.where(given), errors="coerce").astype("float64")
    usable = number.notna() & (number >= 0) & (number <= COUNT_LIMIT)  # inf > the limit
    counts = number.where(usable).round().astype("Int64")
    return counts, (given & ~usable).fillna(False).astype(bool)


def _rejected_rows(
    raw: pd.DataFrame, reason: pd.Series, number: pd.Series, lines: pd.Series | None, label: str
) -> pd.DataFrame:
    """The rejected rows as written to rejected.csv: source, row, line, reason, then the file's
    own columns (as text; a column of the same name as ours is kept as ``original_<name>``)."""
    rejected_mask = reason.notna()
    rejected = raw[rejected_mask].astype("string")
    clashes = {
        c: f"original_{c}" for c in ("source", "row", "line", "reason") if c in rejected.columns
    }
    rejected = rejected.rename(columns=clashes)  # keep the file's own values, under a new name
    rejected.insert(0, "reason", reason[rejected_mask])
    if lines is not None:
        where = pd.Series(lines, dtype="Int64").reset_index(drop=True)
        rejected.insert(0, "line", where[rejected_mask])
    rejected.insert(0, "row", number[rejected_mask])
    rejected.insert(0, "source", label)
    return rejected


def _parse_count_columns(
    kept: pd.DataFrame, frame: pd.DataFrame, lines: pd.Series | None, number: pd.Series
) -> list[str]:
    """Parse the count columns of ``kept`` in place (out of range -> NA); one note per column
    that had such values, naming rows and lines."""
    notes = []
    for column in _COUNT_COLUMNS:
        if column in kept.columns:
            kept[column], bad_count = parse_counts(kept[column])
            if bad_count.any():
                bad = frame.loc[bad_count.index[bad_count], column]
                notes.append(_count_note(column, bad, lines, number))
    return notes


def conform_rows(
    raw: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    label: str,
    timezone: str,
    date_format: str | None = None,
    platform: str | None = None,
    handles: frozenset[str] = frozenset(),
    rows: pd.Series | None = None,
    lines: pd.Series | None = None,
    now: pd.Timestamp | dt.datetime | None = None,
) -> ImportResult:
    """Check rows already named in canonical columns; keep the good ones, reject the rest.

    Shared by every source kind (files, feeds, APIs). A row is rejected when its
    ``mention_id`` is missing or repeats an earlier row, its ``text`` is empty, its
    ``created_at`` does not parse, or it is dated more than :data:`FUTURE_TOLERANCE` after
    ``now`` (a wrong date or time zone would make every open SLA clock breached). ``is_brand``
    is true when the row says so or the author is one of the brand's ``handles``
    (case-insensitive, ``@`` optional). Counts that are not usable (:func:`parse_counts`) are
    set to n/a and named in the notes with the column, a value and its line.

    Args:
        raw: The rows as read (kept verbatim in the rejected table).
        frame: The same rows with canonical column names (at least mention_id, text,
            created_at).
        label: The source's name (the ``source`` column).
        timezone: Zone for timestamps without one.
        date_format: Explicit ``strftime`` format of ``created_at``; ISO 8601 when None.
        platform: Platform for rows without one.
        handles: The brand's handles, lower-case without ``@``.
        rows: Each row's 1-based data row in its file (default: its position).
        lines: Each row's line in its file; adds a ``line`` column to the rejected rows.
        now: The run's time (tz-aware or UTC); the current time when None.

    Returns:
        The import result.
    """
    raw = raw.reset_index(drop=True)
    # "NaN", "null", "N/A" in optional columns are empty cells (ids and texts stay verbatim)
    frame = blank_missing_markers(frame.reset_index(drop=True), platform_default=None)
    number = (
        pd.Series(rows, dtype="int64").reset_index(drop=True)
        if rows is not None
        else pd.Series(range(1, len(frame) + 1), dtype="int64")
    )
    ids = frame["mention_id"].astype("string").str.strip()
    text = frame["text"].astype("string")
    created, naive = parse_timestamps(frame["created_at"], timezone, date_format)
    now_utc = pd.Timestamp(now if now is not None else pd.Timestamp.now(tz="UTC"))
    now_utc = now_utc.tz_localize("UTC") if now_utc.tzinfo is None else now_utc.tz_convert("UTC")
    latest = now_utc + FUTURE_TOLERANCE

    expected = f"format {date_format}" if date_format else "ISO 8601"
    hint = ")" if date_format else "; or set date_format: in the source)"
    future = created > latest
    duplicate = ids.duplicated(keep="first") & ids.notna()

    # Each rule's message is built for the rows it names only (a message for every one of a
    # million rows is hundreds of MB of strings that are thrown away).
    def unparseable(at: pd.Series) -> pd.Series:
        raw_dates = frame["created_at"][at].astype("string").fillna("")
        return "unparseable created_at '" + raw_dates + f"' (expected {expected}{hint}"

    def in_future(at: pd.Series) -> pd.Series:
        shown = created[at].dt.strftime("%Y-%m-%d %H:%M").astype("string")
        return (
            "created_at " + shown + " UTC is in the future (more than 1 day after the run's time "
            f"{now_utc:%Y-%m-%d %H:%M} UTC): fix the date or the time zone in the file"
        )

    def repeated(at: pd.Series) -> pd.Series:
        firsts = ids.dropna().drop_duplicates(keep="first")
        first_row = ids[at].map(pd.Series(number[firsts.index].to_numpy(), index=firsts.values))
        return (
            "duplicate mention_id '"
            + ids[at].fillna("")
            + "' (first in row "
            + first_row.astype("string").fillna("")
            + ")"
        )

    rules = [  # (row is bad, its reason); the first rule that applies names the row's reason
        (ids.isna() | (ids == ""), "missing mention_id"),
        (text.isna() | (text.str.strip() == ""), "empty text"),
        (created.isna(), unparseable),
        (future, in_future),
        (duplicate, repeated),
    ]
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    for bad, why in rules:
        at = reason.isna() & bad.fillna(False).astype(bool)
        if at.any():
            reason[at] = why if isinstance(why, str) else why(at).to_numpy()

    rejected_mask = reason.notna()
    rejected = _rejected_rows(raw, reason, number, lines, label)

    kept = frame[~rejected_mask].copy()
    kept["mention_id"] = ids[~rejected_mask]
    kept["created_at"] = created[~rejected_mask]
    kept["source"] = label
    notes = _parse_count_columns(kept, frame, lines, number)
    if "platform" not in kept.columns or kept["platform"].isna().all():
        kept["platform"] = platform or "unknown"
    elif platform:
        kept["platform"] = kept["platform"].fillna(platform)
    kept = conform_mentions(kept)
    kept["platform"] = kept["platform"].str.lower()
    if handles:
        author = kept["author_id"].str.lower().str.lstrip("@")
        kept["is_brand"] = kept["is_brand"] | author.isin(handles).fillna(False).astype(bool)

    if naive:
        notes.insert(0, f"{naive} timestamps had no time zone and were read in {timezone}")
    result = ImportResult(label, kept, rejected.reset_index(drop=True), len(raw), tuple(notes))
    for note in notes[1 if naive else 0 :]:
        logger.warning("source %s: %s", label, note)
    logger.info(
        "source %s: read %d, kept %d, rejected %d",
        label,
        result.read,
        result.kept,
        len(result.rejected),
    )
    return result


def _count_note(column: str, values: pd.Series, lines: pd.Series | None, number: pd.Series) -> str:
    """``reach: 2 values not a count 0..10^15 set to n/a (e.g. '1e30' on line 5)``."""
    first = values.index[0]
    if lines is not None:
        where = f"line {pd.Series(lines).reset_index(drop=True).iloc[first]}"
    else:
        where = f"row {number.iloc[first]}"
    n = len(values)
    return (
        f"{column}: {n} value{'s' if n != 1 else ''} not a whole number from 0 to 10^15, "
        f"set to n/a (e.g. '{values.iloc[0]}' on {where})"
    )


def _apply_mapping(raw: pd.DataFrame, source: FileSource) -> pd.DataFrame:
    """Rename file columns to canonical names through the preset and the source's mapping.

    The preset (:mod:`~socialcrm_utils.sources.presets`) first repairs or derives columns, then
    its mapping is used for the columns the file has; the source's own ``mapping`` wins column
    by column and must name existing columns. Canonical columns in the file are kept as they
    are. The preset's ``date_format`` and ``platform`` apply unless the source sets its own (or
    maps ``created_at`` itself).
    """
    preset = get_preset(source.preset)
    table = preset.prepare(raw)
    missing = [col for col in source.mapping.values() if col not in table.columns]
    if missing:
        raise SourceError(
            f"source '{source.label}' ({source.path}): mapped column(s) {', '.join(missing)} "
            f"not in the file (it has: {', '.join(map(str, raw.columns[:20]))})"
        )
    mapping = {c: col for c, col in preset.mapping.items() if col in table.columns}
    mapping.update(source.mapping)
    frame = pd.DataFrame(index=raw.index)
    for column in CANONICAL_COLUMNS:
        name = mapping.get(column, column)
        if name in table.columns:
            frame[column] = table[name]
    if "is_brand" in frame.columns:
        frame["is_brand"] = _to_bool(frame["is_brand"])
    if (
        preset.date_format
        and source.date_format is None
        and "created_at" in frame.columns
        and "created_at" not in source.mapping
    ):
        frame["created_at"] = parse_preset_dates(frame["created_at"], preset.date_format)
    if preset.platform and source.platform is None:
        current = frame["platform"] if "platform" in frame.columns else None
        frame["platform"] = preset.platform if current is None else current.fillna(preset.platform)
    return frame


def _to_bool(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "t", "wahr", "ja"]).fillna(False).astype(bool)
