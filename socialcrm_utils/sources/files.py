"""File exports: canonical CSV / JSON lines / JSON / Parquet, or any export through a mapping.

:func:`read_file_source` reads one ``kind: file`` source of a playbook into the canonical mention
table. Rows that cannot be mapped are not dropped: they are returned as *rejected* rows with the
original values, the 1-based data row number, the file line and a reason, so the run can write
them to ``rejected.csv``.

Reading is robust to what real exports look like (see ``docs/imports.md``):
:func:`read_export` detects the encoding (:func:`detect_encoding`: a byte order mark, UTF-8,
UTF-16 without a mark, then ``charset-normalizer`` for legacy code pages such as Excel's
cp1252), sniffs the CSV separator among ``,`` ``;`` tab ``|`` (:func:`sniff_separator`),
normalises line ends, and sets aside each malformed row (wrong number of fields, an unclosed
quote, a JSON line that does not parse) with its line and reason while every other row is read.

HTML entities in texts and author names (``&amp;``, ``&lt;``, ``&#39;``: Twitter's API and the
exports built on it escape ``&``, ``<`` and ``>``) are decoded once, at import, by
:func:`decode_entities`; the rejected rows keep the file's values verbatim.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SourceError
from ..playbook import FileSource
from ..schema import (
    CANONICAL_COLUMNS,
    REQUIRED_COLUMNS,
    blank_missing_markers,
    conform_mentions,
)
from .presets import get_preset, parse_preset_dates

__all__ = ["COUNT_LIMIT", "FUTURE_TOLERANCE", "Export", "ImportResult", "conform_rows",
           "date_format_problem", "decode_bytes", "decode_entities", "detect_encoding",
           "parse_counts", "parse_timestamps", "read_export", "read_file_source", "read_table",
           "sniff_separator"]

logger = logging.getLogger(__name__)

_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".jsonl": "jsonl",
                   ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
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

#: Byte order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32", "UTF-32 LE (BOM)"),
         (b"\x00\x00\xfe\xff", "utf-32", "UTF-32 BE (BOM)"),
         (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 (BOM)"),
         (b"\xff\xfe", "utf-16", "UTF-16 LE (BOM)"),
         (b"\xfe\xff", "utf-16", "UTF-16 BE (BOM)"))

#: Code pages charset-normalizer may choose between for a file that is not UTF-8 or UTF-16.
_LEGACY_CANDIDATES = ["cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256",
                      "cp1257", "koi8_r", "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5",
                      "euc_kr"]

#: Latin-script code pages: short texts cannot tell them apart, so cp1252 (the Western Windows
#: code page German and Western European Excel writes) is taken for all of them.
_LATIN_PAGES = {"cp1252", "cp1250", "cp1254", "cp1257", "mac_roman", "latin_1", "iso8859_1",
                "iso8859_2", "iso8859_9", "iso8859_15"}

#: cp1252 as browsers read it (WHATWG "windows-1252"): its five undefined bytes map to U+0081 ...
_CP1252_TABLE = "".join(
    bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)
)

_SEPARATORS = {",": ",", ";": ";", "\t": "tab", "|": "|"}
_SNIFF_LINES = 200


@dataclass(frozen=True)
class Export:
    """A file as read: its good rows, where they came from, and the rows that could not be read.

    Attributes:
        frame: The rows that could be read, columns as in the file (CSV: all text).
        rows: 1-based data row (record) number of each row of ``frame`` in the file.
        lines: 1-based line of the file where each row starts (``<NA>`` for JSON and Parquet).
        bad: Malformed rows: ``row``, ``line``, ``reason`` and ``raw_line`` (the file's text).
        encoding: The encoding used, for people (``UTF-8``, ``cp1252``, ...); None for Parquet.
        separator: The CSV separator (``,`` ``;`` ``tab`` ``|``); None for other formats.
    """

    frame: pd.DataFrame
    rows: pd.Series
    lines: pd.Series
    bad: pd.DataFrame
    encoding: str | None = None
    separator: str | None = None

    @property
    def read(self) -> int:
        """Data rows in the file, good and malformed."""
        return len(self.frame) + len(self.bad)


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


# ---------------------------------------------------------------------------------------------
# Bytes to text


def detect_encoding(data: bytes) -> tuple[str, str]:
    """The codec that decodes ``data`` and its name for people.

    In this order: a byte order mark (UTF-8, UTF-16, UTF-32); UTF-16 without a mark (every
    second byte of the start zero); valid UTF-8; UTF-8 with some lines in another encoding
    (``utf-8+cp1252``: each line that is not UTF-8 is read as cp1252); otherwise
    ``charset-normalizer`` chooses among legacy code pages, and any Latin-script answer is read
    as cp1252 (short German texts look like cp1250 or worse to a detector; cp1252 is what
    German and Western European Excel writes). Non-Latin answers (cp1251, KOI8-R, Shift-JIS,
    ...) are kept.

    Args:
        data: The file's bytes.

    Returns:
        ``(codec for decode_bytes, name for people)``.

    Examples:
        >>> detect_encoding("Grüße".encode("utf-8"))
        ('utf-8', 'UTF-8')
        >>> detect_encoding("mention_id;text\\n1;Grüße aus Köln, 5 €\\n".encode("cp1252"))
        ('cp1252', 'cp1252')
        >>> detect_encoding("id,text\\n1,hi\\n".encode("utf-16-le"))
        ('utf-16-le', 'UTF-16 LE')
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return codec, name
    wide = _utf16_without_bom(data)  # before UTF-8: NUL bytes are valid UTF-8
    if wide:
        return wide, wide.upper().replace("UTF-16-", "UTF-16 ")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "UTF-8"
    utf8, other, _ = _mixed_lines(data)
    if utf8 and utf8 * 20 >= other:  # UTF-8 with some cp1252 lines (files appended together)
        return "utf-8+cp1252", "UTF-8 (some lines cp1252)"
    return _legacy_encoding(data)


def _mixed_lines(data: bytes) -> tuple[int, int, int | None]:
    """Lines with non-ASCII UTF-8, lines that are not UTF-8, and the first of those (1-based)."""
    utf8 = other = 0
    first = None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other += 1
            first = first or number
        else:
            utf8 += 1
    return utf8, other, first


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when every second byte of the start is zero."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even = head[0:pairs * 2:2].count(0)
    odd = head[1:pairs * 2:2].count(0)
    for codec, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= 0.4 * pairs and others <= 0.05 * pairs:
            try:
                data.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec
    return None


def _legacy_encoding(data: bytes) -> tuple[str, str]:
    """A legacy code page for bytes that are neither UTF-8 nor UTF-16 (see detect_encoding)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_LEGACY_CANDIDATES).best()
    codec = best.encoding if best is not None else "cp1252"
    if codec in _LATIN_PAGES:
        return "cp1252", "cp1252"
    return codec, codec.replace("_", "-")


def decode_bytes(data: bytes, codec: str) -> str:
    """Decode ``data`` with a codec from :func:`detect_encoding`.

    ``cp1252`` is read as browsers read it (its five undefined bytes kept as the characters of
    the same number, never an error); ``utf-8+cp1252`` reads each line as UTF-8 when it is and
    as cp1252 otherwise. Other codecs replace undecodable bytes by U+FFFD.

    Examples:
        >>> decode_bytes("Straße €".encode("cp1252"), "cp1252")
        'Straße €'
        >>> decode_bytes("für\\n".encode() + "café".encode("cp1252"), "utf-8+cp1252")
        'für\\ncafé'
    """
    if codec == "cp1252":
        return codecs.charmap_decode(data, "strict", _CP1252_TABLE)[0]
    if codec == "utf-8+cp1252":
        parts = []
        for line in data.split(b"\n"):
            try:
                parts.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append(codecs.charmap_decode(line, "strict", _CP1252_TABLE)[0])
        return "\n".join(parts)
    return data.decode(codec, errors="replace")


def _decode(data: bytes) -> tuple[str, str, str]:
    """``(text, codec, name)``: plain UTF-8 decoded once, anything else by detect_encoding."""
    if not data.startswith(tuple(bom for bom, _, _ in _BOMS)) and b"\x00" not in data[:4096]:
        try:
            return data.decode("utf-8"), "utf-8", "UTF-8"
        except UnicodeDecodeError:
            pass
    codec, name = detect_encoding(data)
    return decode_bytes(data, codec), codec, name


# ---------------------------------------------------------------------------------------------
# Reading files


def read_table(path: Path, fmt: str | None = None) -> pd.DataFrame:
    """Read a CSV / JSON lines / JSON / Parquet file as a frame of raw values.

    The readable rows of :func:`read_export` (malformed rows are left out; use
    :func:`read_export` to see them). CSV is read as text (no type guessing, empty cells as
    ``<NA>``) so nothing is lost before validation. ``frame.attrs`` holds ``encoding``,
    ``separator`` and ``malformed`` (how many rows were left out).

    Args:
        path: The file.
        fmt: ``csv``, ``jsonl``, ``json`` or ``parquet``; from the suffix when None.

    Returns:
        The file's rows, columns as in the file.

    Raises:
        SourceError: If the format is unknown or the file cannot be read at all (see
            :func:`read_export`).
    """
    export = read_export(path, fmt)
    frame = export.frame
    frame.attrs.update(encoding=export.encoding, separator=export.separator,
                       malformed=len(export.bad))
    return frame


def read_export(path: Path, fmt: str | None = None) -> Export:
    """Read a file export, setting aside malformed rows instead of failing on them.

    CSV: the encoding is detected (:func:`detect_encoding`) and the separator sniffed
    (:func:`sniff_separator`). Lines end at ``\\n``, ``\\r\\n`` or ``\\r``: ``\\r\\n`` becomes
    ``\\n``; a file without any ``\\n`` is read with ``\\r`` as the line end (old Mac exports); a
    lone ``\\r`` elsewhere is part of the value (exports such as twcs.csv have them unquoted in
    tweet texts) unless it separates complete rows (files with mixed line ends). A row with
    more or fewer fields than the header is set aside with its line; so is the first line of a
    quoted value that never closes, and reading goes on at the next line. JSON lines: a line
    that is not a JSON object is set aside. JSON documents and Parquet files are read whole.

    Args:
        path: The file.
        fmt: ``csv``, ``jsonl``, ``json`` or ``parquet``; from the suffix when None.

    Returns:
        The export.

    Raises:
        SourceError: If the format is unknown, the file cannot be read, is empty, has a header
            but no rows, or names two columns alike.
    """
    fmt = fmt or _SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"{path}: unknown file type '{path.suffix}' (allowed: .csv, .tsv, .jsonl, .json, "
            ".parquet; or set format: in the source)"
        )
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
            if frame.columns.duplicated().any():
                _duplicate_columns(path, list(frame.columns))
            export = _whole(frame, None)
        else:
            data = path.read_bytes()
            if not data.strip():
                raise SourceError(f"{path}: the file is empty ({len(data)} bytes); export it "
                                  "again with its rows")
            text, codec, name = _decode(data)
            if codec == "utf-8+cp1252":
                _, other, first = _mixed_lines(data)
                logger.warning("%s: %d line(s) not UTF-8 (first on line %s) were read as cp1252; "
                               "re-export the file as UTF-8 if a character looks wrong", path,
                               other, first)
            elif codec not in ("utf-8", "utf-8-sig"):
                logger.info("%s: read as %s", path, name)
            if fmt == "csv":
                export = _read_csv_text(text, path, name)
            elif fmt == "jsonl":
                export = _read_jsonl_text(text, path, name)
            else:
                export = _read_json_text(text, name)
    except SourceError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"{path}: cannot read as {fmt}: {first}") from None
    if not export.read:
        columns = ", ".join(map(str, export.frame.columns[:12]))
        raise SourceError(f"{path}: no rows (only a header: {columns}); export it again with "
                          "its rows" if columns else f"{path}: no rows; export it again with "
                          "its rows")
    if export.frame.empty and len(export.bad):
        logger.warning("%s: none of its %d rows could be read", path, len(export.bad))
    return export


def _whole(frame: pd.DataFrame, encoding: str | None) -> Export:
    """An export of a frame read whole: rows 1..n, no lines, nothing malformed."""
    frame = frame.reset_index(drop=True)
    return Export(frame, pd.Series(range(1, len(frame) + 1), dtype="int64"),
                  pd.Series(pd.NA, index=frame.index, dtype="Int64"), _bad_rows([]), encoding)


def _bad_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    bad = pd.DataFrame(rows, columns=["row", "line", "reason", "raw_line"])
    return bad.astype({"row": "int64", "line": "Int64", "reason": "string",
                       "raw_line": "string"})


def _duplicate_columns(path: Path, columns: list[str]) -> None:
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if name in seen:
            raise SourceError(
                f"{path}: two columns are named '{name}' (columns {seen[name]} and {number}); "
                "rename one of them in the file (e.g. to author_name) so the import cannot "
                "take the wrong one"
            )
        seen[name] = number


def _read_json_text(text: str, encoding: str) -> Export:
    records = json.loads(text)
    if isinstance(records, dict):  # {"data": [...]} or {"mentions": [...]}
        lists = [v for v in records.values() if isinstance(v, list)]
        records = lists[0] if len(lists) == 1 else records
    return _whole(pd.DataFrame.from_records(records), encoding)


def _read_jsonl_text(text: str, path: Path, encoding: str) -> Export:
    """JSON lines parsed by hand (pandas would guess types of columns named ``*_at``)."""
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    lines: list[int] = []
    bad: list[dict[str, Any]] = []
    number = 0
    for line_no, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        number += 1
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append({"row": number, "line": line_no, "raw_line": line[:1000],
                        "reason": f"not valid JSON ({exc.msg} at character {exc.pos + 1}); "
                                  "the line may be cut off"})
            continue
        if not isinstance(record, dict):
            bad.append({"row": number, "line": line_no, "raw_line": line[:1000],
                        "reason": f"a JSON {type(record).__name__}, not an object"})
            continue
        records.append(record)
        rows.append(number)
        lines.append(line_no)
    if bad:
        logger.warning("%s: %d JSON line(s) set aside (first: line %d, %s)", path, len(bad),
                       bad[0]["line"], bad[0]["reason"])
    return Export(pd.DataFrame.from_records(records), pd.Series(rows, dtype="int64"),
                  pd.Series(lines, dtype="Int64"), _bad_rows(bad), encoding)


def sniff_separator(lines: list[str]) -> str:
    """The CSV separator among ``,`` ``;`` tab ``|`` that splits the first lines most evenly.

    Each candidate must split the header into at least two fields; the one whose following
    rows have the header's number of fields most often wins, then the one with more fields,
    then the order ``,`` ``;`` tab ``|``. ``,`` when none splits the header.

    Args:
        lines: The first lines of the file (each ending in ``\\n``).

    Returns:
        The separator character.

    Examples:
        >>> sniff_separator(["mention_id;text;created_at\\n", "1;Hallo, Welt;2026-01-01\\n"])
        ';'
        >>> sniff_separator(["a,b\\n", "1,x;y\\n"])
        ','
    """
    best, best_score = ",", (-1.0, 0, 0)
    for rank, sep in enumerate(_SEPARATORS):
        try:
            records = [r for r in csv.reader(iter(lines), delimiter=sep) if r]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:] or records
        score = (sum(len(r) == width for r in body) / len(body), width, -rank)
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_csv_text(text: str, path: Path, encoding: str) -> Export:
    """Parse CSV text record by record; see :func:`read_export` for what is set aside."""
    text = text.replace("\r\n", "\n")
    if "\n" not in text:
        text = text.replace("\r", "\n")  # old Mac export: CR only
    mark = None
    if "\r" in text:  # lone CRs: kept as a mark the csv module does not treat as a line end
        mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
        text = text.replace("\r", mark)
    lines = [line + "\n" for line in text.split("\n")]
    if lines and lines[-1] == "\n":
        lines.pop()
    sep = sniff_separator(lines[:_SNIFF_LINES])

    header: list[str] | None = None
    width = -1
    records: list[list[str]] = []
    rows: list[int] = []
    starts: list[int] = []
    bad: list[dict[str, Any]] = []
    number = 0
    pos = 0
    while pos < len(lines):
        reader = csv.reader(iter(lines[pos:]) if pos else lines, delimiter=sep)
        start = pos
        restart = None
        try:
            for record in reader:
                end = pos + reader.line_num
                if len(record) == width and end - start == 1:  # the usual row: one whole line
                    number += 1
                    records.append(record)
                    rows.append(number)
                    starts.append(end)
                    start = end
                    continue
                first, span, start = start, end - start, end
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if header is None:
                    header = [_column_name(name, i, mark) for i, name in enumerate(record)]
                    _duplicate_columns(path, header)
                    width = len(header)
                    continue
                if len(record) == width:  # a row with line breaks in a quoted value
                    number += 1
                    records.append(record)
                    rows.append(number)
                    starts.append(first + 1)
                    continue
                if span > 1 or record[-1].endswith("\n"):  # a quote opened here ran on
                    number += 1
                    runs = (f"the row runs on over {span} lines and then has" if span > 1
                            else "a quoted value never closes; the row has")
                    bad.append(_bad_line(number, first, lines, (
                        f"unclosed quote: {runs} {len(record)} fields, expected {width}"), mark))
                    restart = first + 1
                    break
                pieces = _split_at_cr(lines[first], mark, sep, width)
                if pieces:  # a line end written as a lone CR (mixed line ends)
                    for piece in pieces:
                        number += 1
                        records.append(piece)
                        rows.append(number)
                        starts.append(first + 1)
                    continue
                number += 1
                bad.append(_bad_line(number, first, lines, (
                    f"expected {width} fields, found {len(record)} (separator "
                    f"'{_SEPARATORS[sep]}'); a value with the separator in it must be quoted"),
                    mark))
        except csv.Error as exc:  # e.g. a quoted value over the csv module's field limit
            number += 1
            bad.append(_bad_line(number, start, lines, f"cannot be parsed: {exc}", mark))
            restart = start + 1
        if restart is None:
            break
        pos = restart
    if header is None:
        raise SourceError(f"{path}: the file is empty (no header line); export it again with "
                          "its rows")
    frame = pd.DataFrame(records, columns=header, dtype="string") if records else pd.DataFrame(
        {name: pd.Series(dtype="string") for name in header})
    frame = frame.mask(frame == "")
    if mark is not None:
        for column in frame.columns:
            if frame[column].str.contains(mark, regex=False).any():
                frame[column] = frame[column].str.replace(mark, "\r", regex=False)
    if bad:
        logger.warning("%s: %d malformed row(s) set aside (first: line %d, %s)", path, len(bad),
                       bad[0]["line"], bad[0]["reason"])
    return Export(frame, pd.Series(rows, dtype="int64"), pd.Series(starts, dtype="Int64"),
                  _bad_rows(bad), encoding, _SEPARATORS[sep])


def _column_name(name: str, index: int, mark: str | None) -> str:
    """A header cell as pandas names it: empty -> ``Unnamed: <index>``."""
    if mark is not None:
        name = name.replace(mark, "\r")
    return name if name != "" else f"Unnamed: {index}"


def _bad_line(number: int, index: int, lines: list[str], reason: str,
              mark: str | None) -> dict[str, Any]:
    raw = lines[index].rstrip("\n")
    if mark is not None:
        raw = raw.replace(mark, "\r")
    return {"row": number, "line": index + 1, "reason": reason, "raw_line": raw[:1000]}


def _split_at_cr(line: str, mark: str | None, sep: str, width: int) -> list[list[str]] | None:
    """The rows of a line whose lone CRs are line ends: each piece a complete row, else None."""
    if mark is None or mark not in line:
        return None
    pieces = [p for p in line.rstrip("\n").split(mark) if p.strip()]
    try:
        records = [next(csv.reader([p], delimiter=sep)) for p in pieces]
    except (csv.Error, StopIteration):
        return None
    if len(records) < 2 or any(len(r) != width for r in records):
        return None
    return records


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

    Raises:
        SourceError: If the file cannot be read or a required column has no mapping.
    """
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
    result = conform_rows(raw, frame, label=source.label, timezone=source.timezone or timezone,
                          date_format=source.date_format, platform=source.platform,
                          handles=handles, rows=export.rows, lines=export.lines, now=now)
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
    return ImportResult(result.source, mentions, rejected, export.read, tuple(notes), outside,
                        export.encoding, export.separator)


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
        fix = (f"remove {key}.date_format (the values are ISO 8601)" if iso and source.date_format
               else f"set {key}.date_format to the values' layout")
        return (f"{where}: date_format '{fmt}' matches none of the {len(reasons)} created_at "
                f"values (e.g. '{value}'); {fix}")
    from .check import guess_date_format  # the usual layouts; check imports this module

    fits = guess_date_format(pd.Series([value]))
    layout = f" (e.g. '{fits[0]}')" if fits else " (a strftime pattern such as '%d.%m.%Y %H:%M')"
    return (f"{where}: none of the {len(reasons)} created_at values is ISO 8601 (e.g. "
            f"'{value}'); set {key}.date_format{layout}")


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
    number = (pd.Series(rows, dtype="int64").reset_index(drop=True) if rows is not None
              else pd.Series(range(1, len(frame) + 1), dtype="int64"))
    ids = frame["mention_id"].astype("string").str.strip()
    text = frame["text"].astype("string")
    created, naive = parse_timestamps(frame["created_at"], timezone, date_format)
    now_utc = pd.Timestamp(now if now is not None else pd.Timestamp.now(tz="UTC"))
    now_utc = now_utc.tz_localize("UTC") if now_utc.tzinfo is None else now_utc.tz_convert("UTC")
    latest = now_utc + FUTURE_TOLERANCE

    firsts = ids.dropna().drop_duplicates(keep="first")
    first_row = ids.map(pd.Series(number[firsts.index].to_numpy(), index=firsts.values))
    expected = f"format {date_format}" if date_format else "ISO 8601"
    hint = ")" if date_format else "; or set date_format: in the source)"
    raw_dates = frame["created_at"].astype("string").fillna("")
    future = created > latest
    shown = pd.Series("", index=frame.index, dtype="string")
    if future.any():
        shown[future] = created[future].dt.strftime("%Y-%m-%d %H:%M").astype("string")
    rules = [  # (row is bad, reason); the first rule that applies names the row's reason
        (ids.isna() | (ids == ""), "missing mention_id"),
        (text.isna() | (text.str.strip() == ""), "empty text"),
        (created.isna(), "unparseable created_at '" + raw_dates + f"' (expected {expected}{hint}"),
        (future,
         "created_at " + shown + " UTC is in the future (more than 1 day after the run's time "
         f"{now_utc:%Y-%m-%d %H:%M} UTC): fix the date or the time zone in the file"),
        (ids.duplicated(keep="first") & ids.notna(),
         "duplicate mention_id '" + ids.fillna("") + "' (first in row "
         + first_row.astype("string").fillna("") + ")"),
    ]
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    for bad, why in rules:
        reason = reason.mask(reason.isna() & bad.fillna(False).astype(bool), why)

    rejected_mask = reason.notna()
    rejected = raw[rejected_mask].astype("string")
    clashes = {c: f"original_{c}" for c in ("source", "row", "line", "reason")
               if c in rejected.columns}
    rejected = rejected.rename(columns=clashes)  # keep the file's own values, under a new name
    rejected.insert(0, "reason", reason[rejected_mask])
    if lines is not None:
        where = pd.Series(lines, dtype="Int64").reset_index(drop=True)
        rejected.insert(0, "line", where[rejected_mask])
    rejected.insert(0, "row", number[rejected_mask])
    rejected.insert(0, "source", label)

    kept = frame[~rejected_mask].copy()
    kept["mention_id"] = ids[~rejected_mask]
    kept["created_at"] = created[~rejected_mask]
    kept["source"] = label
    notes = []
    for column in _COUNT_COLUMNS:
        if column in kept.columns:
            kept[column], bad_count = parse_counts(kept[column])
            if bad_count.any():
                notes.append(_count_note(column, frame.loc[bad_count.index[bad_count], column],
                                         lines, number))
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
    for note in notes[1 if naive else 0:]:
        logger.warning("source %s: %s", label, note)
    logger.info("source %s: read %d, kept %d, rejected %d", label, result.read, result.kept,
                len(result.rejected))
    return result


def _count_note(column: str, values: pd.Series, lines: pd.Series | None,
                number: pd.Series) -> str:
    """``reach: 2 values not a count 0..10^15 set to n/a (e.g. '1e30' on line 5)``."""
    first = values.index[0]
    if lines is not None:
        where = f"line {pd.Series(lines).reset_index(drop=True).iloc[first]}"
    else:
        where = f"row {number.iloc[first]}"
    n = len(values)
    return (f"{column}: {n} value{'s' if n != 1 else ''} not a whole number from 0 to 10^15, "
            f"set to n/a (e.g. '{values.iloc[0]}' on {where})")


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
