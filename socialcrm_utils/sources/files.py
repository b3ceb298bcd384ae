"""File exports: canonical CSV / JSON lines / JSON / Parquet, or any export through a mapping.

:func:`read_file_source` reads one ``kind: file`` source of a playbook into the canonical mention
table. Rows that cannot be mapped are not dropped: they are returned as *rejected* rows with the
original values, the 1-based data row number and a reason, so the run can write them to
``rejected.csv``.

HTML entities in texts and author names (``&amp;``, ``&lt;``, ``&#39;``: Twitter's API and the
exports built on it escape ``&``, ``<`` and ``>``) are decoded once, at import, by
:func:`decode_entities`; the rejected rows keep the file's values verbatim.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SourceError
from ..playbook import FileSource
from ..schema import CANONICAL_COLUMNS, REQUIRED_COLUMNS, conform_mentions
from .presets import get_preset, parse_preset_dates

__all__ = ["ImportResult", "conform_rows", "decode_entities", "read_file_source",
           "parse_timestamps", "read_table"]

logger = logging.getLogger(__name__)

_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
                   ".parquet": "parquet", ".pq": "parquet"}
_ZONE_SUFFIX = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"
# A character reference with its closing semicolon: named (``&amp;``), decimal (``&#39;``) or
# hexadecimal (``&#x27;``). Without the semicolon, "&not" in "&notice" is plain text.
_ENTITY_RE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_DECODED_COLUMNS = ("text", "author_name")


@dataclass(frozen=True)
class ImportResult:
    """What one source gave: the kept mentions, the rejected rows and a note for the reader.

    Attributes:
        source: The source's label.
        mentions: Kept rows in the canonical schema.
        rejected: Rejected rows: ``source``, ``row`` (1-based data row), ``reason`` and the
            original columns as text.
        read: Rows read from the source.
        notes: Human-readable remarks (e.g. timestamps read in the playbook's time zone).
    """

    source: str
    mentions: pd.DataFrame
    rejected: pd.DataFrame
    read: int
    notes: tuple[str, ...] = ()

    @property
    def kept(self) -> int:
        """Rows kept."""
        return len(self.mentions)


def read_table(path: Path, fmt: str | None = None) -> pd.DataFrame:
    """Read a CSV / JSON lines / JSON / Parquet file as a frame of raw values.

    CSV is read as text (no type guessing, empty cells as ``<NA>``) so nothing is lost before
    validation. Lines end at ``\\n`` or ``\\r\\n`` (``\\r\\n`` inside a quoted value becomes
    ``\\n``); a lone ``\\r`` inside a line is kept as part of the value (exports such as twcs.csv
    have them unquoted in tweet texts), and only a file without any ``\\n`` is read with ``\\r``
    as the line end (old Mac exports). Bytes that are not UTF-8 are replaced by U+FFFD and
    logged as a warning with the first bad line, so one damaged byte does not lose a whole
    export; the affected rows are kept (their text shows the replacement character).

    Args:
        path: The file.
        fmt: ``csv``, ``jsonl``, ``json`` or ``parquet``; from the suffix when None.

    Returns:
        The file's rows, columns as in the file.

    Raises:
        SourceError: If the format is unknown or the file cannot be parsed.
    """
    fmt = fmt or _SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"{path}: unknown file type '{path.suffix}' (allowed: .csv, .jsonl, .json, .parquet; "
            "or set format: in the source)"
        )
    try:
        if fmt == "csv":
            return _read_csv(path)
        if fmt == "jsonl":  # parsed by hand: pandas would guess types of columns named *_at
            with path.open(encoding="utf-8") as lines:
                return pd.DataFrame.from_records(
                    [json.loads(line) for line in lines if line.strip()]
                )
        if fmt == "json":
            records = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(records, dict):  # {"data": [...]} or {"mentions": [...]}
                lists = [v for v in records.values() if isinstance(v, list)]
                records = lists[0] if len(lists) == 1 else records
            return pd.DataFrame.from_records(records)
        return pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"{path}: cannot read as {fmt}: {first}") from None


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text: see :func:`read_table` for line ends and invalid UTF-8."""
    data = path.read_bytes()
    options: dict[str, Any] = {"dtype": "string", "keep_default_na": False, "na_values": [""],
                               "encoding": "utf-8-sig", "encoding_errors": "replace"}
    if b"\n" in data:
        if b"\r\n" in data:
            data = data.replace(b"\r\n", b"\n")
        options["lineterminator"] = "\n"
    bad = None if data.isascii() else _first_invalid_utf8(data)
    frame = pd.read_csv(io.BytesIO(data), **options)
    if bad is not None:
        line = data.count(b"\n", 0, bad) + 1
        logger.warning("%s: bytes that are not UTF-8 (first on line %d) were replaced by U+FFFD; "
                       "re-export the file as UTF-8 to keep the original characters", path, line)
    return frame


def _first_invalid_utf8(data: bytes, chunk: int = 1 << 20) -> int | None:
    """Byte offset (approximate, +-3) of the first invalid UTF-8 sequence; None when valid."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), chunk):
        try:
            decoder.decode(view[start:start + chunk], final=start + chunk >= len(data))
        except UnicodeDecodeError as exc:
            return max(start + exc.start - 3, 0)
    return None


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
    out[has] = [
        _ENTITY_RE.sub(lambda m: html.unescape(m.group()), str(t)) for t in strings[has]
    ]
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
    source: FileSource, *, timezone: str, handles: frozenset[str] = frozenset()
) -> ImportResult:
    """Read one file source into canonical mentions plus rejected rows.

    Columns are renamed by ``source.mapping`` (canonical -> file column); HTML entities in
    ``text`` and ``author_name`` are decoded once (:func:`decode_entities`). Rows are then
    checked by :func:`conform_rows`.

    Args:
        source: The playbook's source entry (path already resolved).
        timezone: Zone for timestamps without one (the source's ``timezone`` wins).
        handles: The brand's handles, lower-case without ``@``.

    Returns:
        The import result.

    Raises:
        SourceError: If the file cannot be read or a required column has no mapping.
    """
    raw = read_table(source.path, source.format).reset_index(drop=True)
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
    return conform_rows(raw, frame, label=source.label, timezone=source.timezone or timezone,
                        date_format=source.date_format, platform=source.platform,
                        handles=handles)


def conform_rows(
    raw: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    label: str,
    timezone: str,
    date_format: str | None = None,
    platform: str | None = None,
    handles: frozenset[str] = frozenset(),
) -> ImportResult:
    """Check rows already named in canonical columns; keep the good ones, reject the rest.

    Shared by every source kind (files, feeds, APIs). A row is rejected when its
    ``mention_id`` is missing or repeats an earlier row, its ``text`` is empty, or its
    ``created_at`` does not parse. ``is_brand`` is true when the row says so or the author is
    one of the brand's ``handles`` (case-insensitive, ``@`` optional).

    Args:
        raw: The rows as read (kept verbatim in the rejected table).
        frame: The same rows with canonical column names (at least mention_id, text,
            created_at).
        label: The source's name (the ``source`` column).
        timezone: Zone for timestamps without one.
        date_format: Explicit ``strftime`` format of ``created_at``; ISO 8601 when None.
        platform: Platform for rows without one.
        handles: The brand's handles, lower-case without ``@``.

    Returns:
        The import result.
    """
    raw = raw.reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    ids = frame["mention_id"].astype("string").str.strip()
    text = frame["text"].astype("string")
    created, naive = parse_timestamps(frame["created_at"], timezone, date_format)

    firsts = ids.dropna().drop_duplicates(keep="first")
    first_row = ids.map(pd.Series(firsts.index + 1, index=firsts.values)).astype("string")
    expected = f"format {date_format}" if date_format else "ISO 8601"
    hint = ")" if date_format else "; or set date_format: in the source)"
    raw_dates = frame["created_at"].astype("string").fillna("")
    rules = [  # (row is bad, reason); the first rule that applies names the row's reason
        (ids.isna() | (ids == ""), "missing mention_id"),
        (text.isna() | (text.str.strip() == ""), "empty text"),
        (created.isna(), "unparseable created_at '" + raw_dates + f"' (expected {expected}{hint}"),
        (ids.duplicated(keep="first") & ids.notna(),
         "duplicate mention_id '" + ids.fillna("") + "' (first in row " + first_row + ")"),
    ]
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    for bad, why in rules:
        reason = reason.mask(reason.isna() & bad.fillna(False).astype(bool), why)

    rejected_mask = reason.notna()
    rejected = raw[rejected_mask].astype("string")
    clashes = {c: f"original_{c}" for c in ("source", "row", "reason") if c in rejected.columns}
    rejected = rejected.rename(columns=clashes)  # keep the file's own values, under a new name
    rejected.insert(0, "reason", reason[rejected_mask])
    rejected.insert(0, "row", (rejected.index + 1).astype("int64"))
    rejected.insert(0, "source", label)

    kept = frame[~rejected_mask].copy()
    kept["mention_id"] = ids[~rejected_mask]
    kept["created_at"] = created[~rejected_mask]
    kept["source"] = label
    if "platform" not in kept.columns or kept["platform"].isna().all():
        kept["platform"] = platform or "unknown"
    elif platform:
        kept["platform"] = kept["platform"].fillna(platform)
    kept = conform_mentions(kept)
    kept["platform"] = kept["platform"].str.lower()
    if handles:
        author = kept["author_id"].str.lower().str.lstrip("@")
        kept["is_brand"] = kept["is_brand"] | author.isin(handles).fillna(False).astype(bool)

    notes = []
    if naive:
        notes.append(f"{naive} timestamps had no time zone and were read in {timezone}")
    result = ImportResult(label, kept, rejected.reset_index(drop=True), len(raw), tuple(notes))
    logger.info("source %s: read %d, kept %d, rejected %d", label, result.read, result.kept,
                len(result.rejected))
    return result


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
    if (preset.date_format and source.date_format is None and "created_at" in frame.columns
            and "created_at" not in source.mapping):
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
