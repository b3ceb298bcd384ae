"""Reading file exports: encoding, CSV separator, line ends and malformed rows.

:func:`read_export` reads a CSV / JSON lines / JSON / Parquet file into an :class:`Export`: the
rows that could be read, where each came from, and the malformed rows set aside with their line
and reason. It detects the encoding (:func:`detect_encoding`: a byte order mark, UTF-8, UTF-16
without a mark, then ``charset-normalizer`` for legacy code pages such as Excel's cp1252),
sniffs the CSV separator among ``,`` ``;`` tab ``|`` (:func:`sniff_separator`) and normalises
line ends (see ``docs/imports.md``). Mapping the rows to the canonical schema and rejecting
rows is :mod:`socialcrm_utils.sources.files`' part.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SourceError

__all__ = [
    "Export",
    "decode_bytes",
    "detect_encoding",
    "read_export",
    "read_table",
    "sniff_separator",
]

logger = logging.getLogger(__name__)

_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: Byte order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32 LE (BOM)"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32 BE (BOM)"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 (BOM)"),
    (b"\xff\xfe", "utf-16", "UTF-16 LE (BOM)"),
    (b"\xfe\xff", "utf-16", "UTF-16 BE (BOM)"),
)

#: Code pages charset-normalizer may choose between for a file that is not UTF-8 or UTF-16.
_LEGACY_CANDIDATES = [
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "koi8_r",
    "mac_roman",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
]

#: Latin-script code pages: short texts cannot tell them apart, so cp1252 (the Western Windows
#: code page German and Western European Excel writes) is taken for all of them.
_LATIN_PAGES = {
    "cp1252",
    "cp1250",
    "cp1254",
    "cp1257",
    "mac_roman",
    "latin_1",
    "iso8859_1",
    "iso8859_2",
    "iso8859_9",
    "iso8859_15",
}

#: cp1252 as browsers read it (WHATWG "windows-1252"): its five undefined bytes map to U+0081 ...
_CP1252_TABLE = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))

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
    even = head[0 : pairs * 2 : 2].count(0)
    odd = head[1 : pairs * 2 : 2].count(0)
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
    frame.attrs.update(
        encoding=export.encoding, separator=export.separator, malformed=len(export.bad)
    )
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
                raise SourceError(
                    f"{path}: the file is empty ({len(data)} bytes); export it again with its rows"
                )
            text, codec, name = _decode(data)
            if codec == "utf-8+cp1252":
                _, other, first = _mixed_lines(data)
                logger.warning(
                    "%s: %d line(s) not UTF-8 (first on line %s) were read as cp1252; "
                    "re-export the file as UTF-8 if a character looks wrong",
                    path,
                    other,
                    first,
                )
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
        raise SourceError(
            f"{path}: no rows (only a header: {columns}); export it again with its rows"
            if columns
            else f"{path}: no rows; export it again with its rows"
        )
    if export.frame.empty and len(export.bad):
        logger.warning("%s: none of its %d rows could be read", path, len(export.bad))
    return export


def _whole(frame: pd.DataFrame, encoding: str | None) -> Export:
    """An export of a frame read whole: rows 1..n, no lines, nothing malformed."""
    frame = frame.reset_index(drop=True)
    return Export(
        frame,
        pd.Series(range(1, len(frame) + 1), dtype="int64"),
        pd.Series(pd.NA, index=frame.index, dtype="Int64"),
        _bad_rows([]),
        encoding,
    )


def _bad_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    bad = pd.DataFrame(rows, columns=["row", "line", "reason", "raw_line"])
    return bad.astype({"row": "int64", "line": "Int64", "reason": "string", "raw_line": "string"})


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
            bad.append(
                {
                    "row": number,
                    "line": line_no,
                    "raw_line": line[:1000],
                    "reason": f"not valid JSON ({exc.msg} at character {exc.pos + 1}); "
                    "the line may be cut off",
                }
            )
            continue
        if not isinstance(record, dict):
            bad.append(
                {
                    "row": number,
                    "line": line_no,
                    "raw_line": line[:1000],
                    "reason": f"a JSON {type(record).__name__}, not an object",
                }
            )
            continue
        records.append(record)
        rows.append(number)
        lines.append(line_no)
    if bad:
        logger.warning(
            "%s: %d JSON line(s) set aside (first: line %d, %s)",
            path,
            len(bad),
            bad[0]["line"],
            bad[0]["reason"],
        )
    return Export(
        pd.DataFrame.from_records(records),
        pd.Series(rows, dtype="int64"),
        pd.Series(lines, dtype="Int64"),
        _bad_rows(bad),
        encoding,
    )


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
    lines, mark = _split_lines(text)
    sep = sniff_separator(lines[:_SNIFF_LINES])
    parsed = _CsvRecords(lines, sep, mark, path)
    parsed.parse()
    if parsed.header is None:
        raise SourceError(
            f"{path}: the file is empty (no header line); export it again with its rows"
        )
    header, records = parsed.header, parsed.records
    frame = (
        pd.DataFrame(records, columns=header, dtype="string")
        if records
        else pd.DataFrame({name: pd.Series(dtype="string") for name in header})
    )
    frame = frame.mask(frame == "")
    if mark is not None:
        for column in frame.columns:
            if frame[column].str.contains(mark, regex=False).any():
                frame[column] = frame[column].str.replace(mark, "\r", regex=False)
    bad = parsed.bad
    if bad:
        logger.warning(
            "%s: %d malformed row(s) set aside (first: line %d, %s)",
            path,
            len(bad),
            bad[0]["line"],
            bad[0]["reason"],
        )
    return Export(
        frame,
        pd.Series(parsed.rows, dtype="int64"),
        pd.Series(parsed.starts, dtype="Int64"),
        _bad_rows(bad),
        encoding,
        _SEPARATORS[sep],
    )


def _split_lines(text: str) -> tuple[list[str], str | None]:
    """Lines of CSV text, each ending in ``\\n``, and the mark that stands for lone CRs.

    ``\\r\\n`` becomes ``\\n``; a text without ``\\n`` ends its lines at ``\\r`` (old Mac
    exports); any other ``\\r`` is replaced by a private-use character absent from the text
    (the mark, None when there is none), which the csv module does not treat as a line end.
    """
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
    return lines, mark


class _CsvRecords:
    """The records of CSV lines: the header, the good rows and the malformed ones set aside.

    After :meth:`parse`, ``records`` holds the good rows, ``rows`` their 1-based data row
    numbers, ``starts`` the 1-based line each starts on and ``bad`` the malformed rows (see
    :func:`read_export`); ``header`` is None when the lines hold no record at all.
    """

    def __init__(self, lines: list[str], sep: str, mark: str | None, path: Path) -> None:
        self.lines, self.sep, self.mark, self.path = lines, sep, mark, path
        self.header: list[str] | None = None
        self.width = -1
        self.records: list[list[str]] = []
        self.rows: list[int] = []
        self.starts: list[int] = []
        self.bad: list[dict[str, Any]] = []
        self.number = 0

    def parse(self) -> None:
        """Read every line; after a broken quote, start again on the line after it."""
        pos: int | None = 0
        while pos is not None and pos < len(self.lines):
            pos = self._parse_from(pos)

    def _keep(self, record: list[str], line: int) -> None:
        self.number += 1
        self.records.append(record)
        self.rows.append(self.number)
        self.starts.append(line)

    def _set_aside(self, index: int, reason: str) -> None:
        self.number += 1
        self.bad.append(_bad_line(self.number, index, self.lines, reason, self.mark))

    def _parse_from(self, pos: int) -> int | None:
        """Parse from line index ``pos``; the index to restart at, or None when done."""
        lines, width = self.lines, self.width
        reader = csv.reader(iter(lines[pos:]) if pos else lines, delimiter=self.sep)
        start = pos
        try:
            for record in reader:
                end = pos + reader.line_num
                if len(record) == width and end - start == 1:  # the usual row: one whole line
                    self._keep(record, end)
                    start = end
                    continue
                first, span, start = start, end - start, end
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if self.header is None:
                    self.header = [
                        _column_name(name, i, self.mark) for i, name in enumerate(record)
                    ]
                    _duplicate_columns(self.path, self.header)
                    width = self.width = len(self.header)
                    continue
                if len(record) == width:  # a row with line breaks in a quoted value
                    self._keep(record, first + 1)
                    continue
                if span > 1 or record[-1].endswith("\n"):  # a quote opened here ran on
                    runs = (
                        f"the row runs on over {span} lines and then has"
                        if span > 1
                        else "a quoted value never closes; the row has"
                    )
                    self._set_aside(
                        first, f"unclosed quote: {runs} {len(record)} fields, expected {width}"
                    )
                    return first + 1
                pieces = _split_at_cr(lines[first], self.mark, self.sep, width)
                if pieces:  # a line end written as a lone CR (mixed line ends)
                    for piece in pieces:
                        self._keep(piece, first + 1)
                    continue
                self._set_aside(
                    first,
                    (
                        f"expected {width} fields, found {len(record)} (separator "
                        f"'{_SEPARATORS[self.sep]}'); a value with the separator in it must be "
                        "quoted"
                    ),
                )
        except csv.Error as exc:  # e.g. a quoted value over the csv module's field limit
            self._set_aside(start, f"cannot be parsed: {exc}")
            return start + 1
        return None


def _column_name(name: str, index: int, mark: str | None) -> str:
    """A header cell as pandas names it: empty -> ``Unnamed: <index>``."""
    if mark is not None:
        name = name.replace(mark, "\r")
    return name if name != "" else f"Unnamed: {index}"


def _bad_line(
    number: int, index: int, lines: list[str], reason: str, mark: str | None
) -> dict[str, Any]:
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
