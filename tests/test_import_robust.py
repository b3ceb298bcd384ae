"""Robust import of real exports (issue 14, items 1, 3 and 7): table-driven, one case per bad file.

Every file is built in ``tmp_path`` from the first 20 rows of the shipped sample
(``data/sample/mentions.csv``) that Excel's cp1252 can hold (the sample's emoji rows are left
out so the same 20 rows can be written in every encoding). The known answer of each case: rows
kept, rows rejected with their line and reason, the encoding and separator named.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pytest

from socialcrm_utils.exceptions import SourceError
from socialcrm_utils.playbook import FileSource, load_playbook
from socialcrm_utils.sources import read_mentions, require_mentions
from socialcrm_utils.sources.files import read_export, read_file_source, read_table

from .conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "mentions.csv"
NOW = pd.Timestamp("2026-12-05 12:00", tz="UTC")  # the run's time in every case
ROWS = 20


def _sample() -> tuple[list[str], list[list[str]]]:
    """Header and the first 20 rows of the sample that cp1252 can encode."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    rows = [r for r in records[1:] if _fits_cp1252(",".join(r))][:ROWS]
    return records[0], rows


def _fits_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


HEADER, RECORDS = _sample()
IDS = [r[0] for r in RECORDS]
TEXTS = dict(zip(IDS, (r[5] for r in RECORDS), strict=True))
NAMES = dict(zip(IDS, (r[4] for r in RECORDS), strict=True))


def _csv_lines(records: list[list[str]], sep: str = ",") -> list[str]:
    """Each record as one CSV line (quoted where needed), without line end."""
    lines = []
    for record in records:
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="").writerow(record)
        lines.append(out.getvalue())
    return lines


def _text(lines: list[str], end: str = "\n") -> str:
    return end.join(lines) + end


GOOD = _csv_lines([HEADER, *RECORDS])


@dataclass(frozen=True)
class Case:
    """A file built from the sample and what the import must make of it."""

    name: str
    build: Callable[[], bytes]
    kept: int = ROWS
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason contains)
    encoding: str = "UTF-8"
    separator: str | None = ","
    suffix: str = ".csv"


def _mixed_line_ends() -> bytes:
    ends = ["\n", "\r\n", "\r"]
    return "".join(line + ends[i % 3] for i, line in enumerate(GOOD)).encode()


def _with_line(number: int, line: str) -> bytes:
    """The good file with ``line`` inserted as line ``number`` (1 = the header)."""
    lines = GOOD[: number - 1] + [line] + GOOD[number - 1 :]
    return _text(lines).encode()


def _jsonl(cut: int | None = None) -> bytes:
    lines = [json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False) for r in RECORDS]
    if cut is not None:
        lines[cut] = lines[cut][: len(lines[cut]) // 2]  # a line cut off mid-way
    return _text(lines).encode()


def _utf16(codec: str, bom: bytes = b"") -> Callable[[], bytes]:
    return lambda: bom + _text(GOOD, "\r\n").encode(codec)


CASES = [
    Case("utf8", lambda: _text(GOOD).encode()),
    Case("utf8_bom", lambda: b"\xef\xbb\xbf" + _text(GOOD).encode(), encoding="UTF-8 (BOM)"),
    Case("utf16_le_bom", _utf16("utf-16-le", b"\xff\xfe"), encoding="UTF-16 LE (BOM)"),
    Case("utf16_be_bom", _utf16("utf-16-be", b"\xfe\xff"), encoding="UTF-16 BE (BOM)"),
    Case("utf16_le", _utf16("utf-16-le"), encoding="UTF-16 LE"),
    Case("utf16_be", _utf16("utf-16-be"), encoding="UTF-16 BE"),
    Case("cp1252", lambda: _text(GOOD, "\r\n").encode("cp1252"), encoding="cp1252"),
    Case(
        "cp1252_semicolon",
        lambda: _text(_csv_lines([HEADER, *RECORDS], ";"), "\r\n").encode("cp1252"),
        encoding="cp1252",
        separator=";",
    ),
    Case("semicolon", lambda: _text(_csv_lines([HEADER, *RECORDS], ";")).encode(), separator=";"),
    Case("tab", lambda: _text(_csv_lines([HEADER, *RECORDS], "\t")).encode(), separator="tab"),
    Case("pipe", lambda: _text(_csv_lines([HEADER, *RECORDS], "|")).encode(), separator="|"),
    Case("crlf", lambda: _text(GOOD, "\r\n").encode()),
    Case("cr_only", lambda: _text(GOOD, "\r").encode()),
    Case("mixed_line_ends", _mixed_line_ends),
    Case("blank_lines", lambda: _text(GOOD[:5] + ["", "   "] + GOOD[5:]).encode()),
    # A row with extra fields (two rows pasted into one line, joined by a comma): 32 fields.
    Case(
        "extra_fields",
        lambda: _with_line(3, GOOD[1] + "," + GOOD[2]),
        rejected=[(3, "expected 16 fields, found 32")],
    ),
    Case(
        "too_few_fields",
        lambda: _with_line(4, "x-1,twitter,sample,anna"),
        rejected=[(4, "expected 16 fields, found 4")],
    ),
    # An opening quote that never closes: only its own line is lost.
    Case(
        "unclosed_quote",
        lambda: _with_line(
            6,
            'x-2,twitter,sample,a,a,"Kaputt ohne Ende,2026-09-01T10:00:00Z,,de,,x-2,false,1,0,0,0',
        ),
        rejected=[(6, "unclosed quote")],
    ),
    Case(
        "unclosed_quote_last",
        lambda: _text(GOOD + ['x-3,web,sample,a,a,"no end']).encode(),
        rejected=[(22, "unclosed quote")],
    ),
    Case("jsonl", lambda: _jsonl(), separator=None, suffix=".jsonl"),
    Case(
        "jsonl_truncated",
        lambda: _jsonl(cut=4),
        kept=ROWS - 1,
        rejected=[(5, "not valid JSON")],
        separator=None,
        suffix=".jsonl",
    ),
    Case(
        "jsonl_cp1252",
        lambda: _jsonl().decode().encode("cp1252"),
        encoding="cp1252",
        separator=None,
        suffix=".jsonl",
    ),
    Case(
        "future_date",
        lambda: _with_line(
            2, "x-4,twitter,sample,a,a,From the future,2099-01-01T00:00:00Z,,en,,x-4,false,1,0,0,0"
        ),
        rejected=[(2, "in the future")],
    ),
    Case(
        "future_within_a_day",
        lambda: _with_line(
            2, "x-5,twitter,sample,a,a,Tomorrow morning,2026-12-06T06:00:00Z,,en,,x-5,false,1,0,0,0"
        ),
        kept=ROWS + 1,
    ),
]


def _write(tmp_path, case: Case):
    path = tmp_path / f"{case.name}{case.suffix}"
    path.write_bytes(case.build())
    return path


def _read(path, **extra):
    source = FileSource(kind="file", path=path, **extra)
    return read_file_source(source, timezone="UTC", now=NOW)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_good_row_is_kept(tmp_path, case):
    result = _read(_write(tmp_path, case))
    assert (result.kept, len(result.rejected)) == (case.kept, len(case.rejected))
    assert result.read == case.kept + len(case.rejected)
    assert (result.encoding, result.separator) == (case.encoding, case.separator)
    got = [
        (int(line), reason)
        for line, reason in result.rejected[["line", "reason"]].itertuples(index=False)
    ]
    for (line, reason), (want_line, want) in zip(got, case.rejected, strict=True):
        assert line == want_line and want in reason, (line, reason)
    kept = result.mentions.set_index("mention_id")
    sample_ids = [i for i in IDS if i in kept.index]
    assert len(sample_ids) == ROWS - (case.name == "jsonl_truncated")
    # Every sample row arrives with its exact text and name: umlauts and euro signs included.
    assert kept.loc[sample_ids, "text"].tolist() == [TEXTS[i] for i in sample_ids]
    assert kept.loc[sample_ids, "author_name"].tolist() == [NAMES[i] for i in sample_ids]
    assert not kept["text"].str.contains("\ufffd").any()


def test_umlauts_of_a_cp1252_export(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "mention_id;text;created_at\r\n1;Grüße aus Köln: Straße gesperrt, 5 € "
        "zurück? „Danke“ – ÄÖÜ äöü ß;2026-09-01 10:00\r\n".encode("cp1252")
    )
    result = _read(path)
    assert result.mentions["text"].tolist() == [
        "Grüße aus Köln: Straße gesperrt, 5 € zurück? „Danke“ – ÄÖÜ äöü ß"
    ]
    assert (result.encoding, result.separator) == ("cp1252", ";")


def test_latin1_bytes_read_as_windows_1252(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "mention_id,text,created_at\n1,Tschüß,2026-09-01\n2,café,2026-09-01\n".encode("latin-1")
    )
    assert _read(path).mentions["text"].tolist() == ["Tschüß", "café"]


def test_utf8_file_with_appended_cp1252_lines(tmp_path):
    path = tmp_path / "appended.csv"
    path.write_bytes(
        "mention_id,text,created_at\n1,für,2026-09-01\n".encode()
        + "2,Größe,2026-09-01\n".encode("cp1252")
    )
    result = _read(path)
    assert result.mentions["text"].tolist() == ["für", "Größe"]
    assert result.encoding == "UTF-8 (some lines cp1252)"


def test_raw_carriage_return_inside_a_text_stays_text(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(
        b'mention_id,text,created_at\r\n1,"quoted\rline",2026-09-01\r\n'
        b"2,bare \r\rtext,2026-09-01\r\n3,plain,2026-09-01\r\n"
    )
    result = _read(path)
    assert result.mentions["text"].tolist() == ["quoted\rline", "bare \r\rtext", "plain"]
    assert result.rejected.empty


# --- numbers -------------------------------------------------------------------------------

NUMBERS = [  # (reach as written, reach imported)
    ('"1,234"', 1234),
    ("1.234", 1234),
    ("12.0", 12),
    ("NaN", None),
    ("", None),
    ("1e30", None),
    ("inf", None),
    ("-5", None),
    ("1" * 40, None),
    ("abc", None),
]


def test_counts_out_of_range_are_na_and_named(tmp_path):
    lines = ["mention_id,text,created_at,reach"] + [
        f"{i},t{i},2026-09-01T10:00:00Z,{value}" for i, (value, _) in enumerate(NUMBERS, start=1)
    ]
    path = tmp_path / "numbers.csv"
    path.write_text(_text(lines))
    result = _read(path)
    assert result.kept == len(NUMBERS)  # a bad count costs the count, not the mention
    reach = result.mentions.set_index("mention_id")["reach"]
    assert [None if pd.isna(v) else int(v) for v in reach] == [want for _, want in NUMBERS]
    assert reach.dropna().max() < 2**63 - 1  # never a wrapped int64
    assert result.notes == (
        "reach: 5 values not a whole number from 0 to 10^15, set to n/a (e.g. '1e30' on line 7)",
    )


@pytest.mark.parametrize("marker", ["NaN", "nan", "null", "None", "N/A", "#N/A"])
def test_missing_markers_are_empty_cells_at_import(tmp_path, marker):
    optional = ["platform", "lang", "in_reply_to_id", "conversation_id", "author_id"]
    lines = [
        "mention_id,text,created_at," + ",".join(optional),
        "1,None,2026-09-01T10:00:00Z," + ",".join([marker] * len(optional)),
        "2,hi,2026-09-01T11:00:00Z," + ",".join([""] * len(optional)),
    ]
    path = tmp_path / "markers.csv"
    path.write_text(_text(lines))
    mentions = _read(path).mentions.set_index("mention_id")
    # a marker reads as the empty cell of row 2 ("nan" is no language, and not one
    # conversation of every unlinked post); ids and texts stay as written
    marked, empty = mentions.loc["1", optional], mentions.loc["2", optional]
    assert [pd.isna(v) or v for v in marked] == [pd.isna(v) or v for v in empty]
    assert mentions.loc["1", "text"] == "None"


# --- since / until ------------------------------------------------------------------------


def test_since_until_on_a_file_source(tmp_path):
    lines = [
        "mention_id,text,created_at",
        "1,early,2026-08-31T23:59:59Z",
        "2,first day,2026-09-01T00:00:00Z",
        "3,last day,2026-09-02T23:59:59Z",
        "4,late,2026-09-03T00:00:00Z",
        "5,,2026-08-01T00:00:00Z",
    ]  # rejected (empty text) although outside
    path = tmp_path / "window.csv"
    path.write_text(_text(lines))
    result = _read(path, since="2026-09-01", until="2026-09-02")
    assert result.mentions["mention_id"].tolist() == ["2", "3"]
    assert (result.read, result.kept, len(result.rejected), result.outside) == (5, 2, 1, 2)
    assert "2 rows outside since/until (since 2026-09-01, until 2026-09-02) left out" in (
        result.notes
    )


# --- the import table and messages --------------------------------------------------------

PLAYBOOK = """
client: robust
name: Robust Co
timezone: Europe/Berlin
brand: {{handles: ["@AcmeAir"], terms: ["acme air"]}}
sources:
{sources}
"""


def _playbook(write_playbook, *sources: str):
    body = "\n".join(f"  - {s}" for s in sources)
    return load_playbook(write_playbook(textwrap.dedent(PLAYBOOK).format(sources=body)))


def test_import_table_names_encoding_and_separator(tmp_path, write_playbook):
    (tmp_path / "de.csv").write_bytes(
        _text(_csv_lines([HEADER, *RECORDS], ";"), "\r\n").encode("cp1252")
    )
    (tmp_path / "broken.csv").write_bytes(_with_line(3, GOOD[1] + "," + GOOD[2]))
    result = read_mentions(
        _playbook(
            write_playbook,
            "{kind: file, path: de.csv}",
            "{kind: file, path: broken.csv, name: broken}",
        ),
        now=NOW,
    )
    counts = result.counts.set_index("source")
    assert counts.loc[
        "de.csv", ["read", "kept", "rejected", "outside", "encoding", "separator", "status"]
    ].tolist() == [20, 20, 0, 0, "cp1252", ";", "ok"]
    # broken.csv holds the same 20 posts: kept once (the de.csv copy), plus one malformed line.
    assert counts.loc["broken", ["read", "kept", "rejected"]].tolist() == [21, 0, 21]
    bad = result.rejected[result.rejected["source"] == "broken"].iloc[0]
    assert (bad["row"], bad["line"]) == (2, 3)
    assert bad["reason"].startswith("expected 16 fields, found 32")
    assert bad["raw_line"] == GOOD[1] + "," + GOOD[2]


ERRORS = [  # (name, file bytes, source options, message pattern)
    ("empty", b"", "", r"empty\.csv: the file is empty \(0 bytes\); export it again"),
    ("blank", b"\r\n\n  \n", "", r"blank\.csv: the file is empty"),
    (
        "header_only",
        (GOOD[0] + "\n").encode(),
        "",
        r"header_only\.csv: no rows \(only a header: mention_id, platform",
    ),
    (
        "duplicate_columns",
        b"mention_id,text,created_at,text\n1,a,2026-09-01,b\n",
        "",
        r"two columns are named 'text' \(columns 2 and 4\); rename one of them",
    ),
    (
        "date_format",
        _text(GOOD).encode(),
        ", date_format: '%d.%m.%Y %H:%M'",
        r"sources\[0\] \(date_format\.csv\): date_format '%d\.%m\.%Y %H:%M' matches none of the 20 "
        r"created_at values \(e\.g\. '2026-08-31T03:20:20Z'\); remove sources\[0\]\.date_format "
        r"\(the values are ISO 8601\)",
    ),
    (
        "german_dates",
        b"mention_id,text,created_at\n1,a,24.11.2026 18:30\n",
        "",
        r"sources\[0\] \(german_dates\.csv\): none of the 1 created_at values is ISO 8601 \(e\.g\. "
        r"'24\.11\.2026 18:30'\); set sources\[0\]\.date_format \(e\.g\. '%d\.%m\.%Y %H:%M'\)",
    ),
    (
        "all_rejected",
        b"mention_id,text,created_at\n1,,2026-09-01\n2,,2026-09-02\n3,x,2099-01-01\n",
        "",
        r"no mentions kept: all 3 rows read were rejected, most often for 'empty text' "
        r"\(2 rows, e\.g\. all_rejected\.csv line 2\); see rejected\.csv",
    ),
    (
        "not_parquet",
        b"this is no parquet file",
        ", format: parquet",
        r"not_parquet\.csv: cannot read as parquet",
    ),
]


@pytest.mark.parametrize(("name", "data", "options", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_one_clear_line_when_nothing_can_be_used(
    tmp_path, write_playbook, name, data, options, message
):
    (tmp_path / f"{name}.csv").write_bytes(data)
    playbook = _playbook(write_playbook, f"{{kind: file, path: {name}.csv{options}}}")
    with pytest.raises(SourceError, match=message) as info:
        require_mentions(read_mentions(playbook, now=NOW))
    assert "\n" not in str(info.value)


def test_a_file_gone_after_validation_is_a_source_error(tmp_path):
    path = tmp_path / "gone.csv"
    path.write_text(_text(GOOD))
    source = FileSource(kind="file", path=path)
    path.unlink()
    with pytest.raises(SourceError, match=r"gone\.csv: cannot read as csv: .*No such file"):
        read_file_source(source, timezone="UTC")


def test_read_table_keeps_its_signature_and_says_what_it_found(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(_with_line(3, GOOD[1] + "," + GOOD[2]))
    table = read_table(path)
    assert len(table) == ROWS and table.columns.tolist() == HEADER
    assert table.attrs == {"encoding": "UTF-8", "separator": ",", "malformed": 1}
    assert read_export(path).bad["line"].tolist() == [3]


# --- a source that cannot be read never changes the store ----------------------------------

STORE_TABLES = ("contacts", "identities", "interactions", "cases", "kpi_snapshots")


@pytest.mark.e2e
def test_a_run_whose_only_source_fails_leaves_the_store_untouched(tmp_path, write_playbook):
    from socialcrm_utils.cli import main
    from socialcrm_utils.store import open_store

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    stored = pd.DataFrame(
        {  # what earlier runs stored for the client
            "mention_id": IDS[:3],
            "platform": ["reddit", "reddit", "twitter"],
            "author_id": ["a", "b", "c"],
            "author_name": ["A", "B", "Björn"],
            "text_redacted": ["Grüße aus Köln", "Straße gesperrt", "5 € zurück"],
            "created_at": pd.to_datetime(["2026-08-31T03:20:20Z"] * 3, utc=True),
            "is_brand": [False, False, False],
        }
    )
    with open_store(url) as store:
        store.upsert_mentions("robust", stored)
        before = {table: store.read(table, "robust") for table in STORE_TABLES}
    (tmp_path / "export.csv").write_bytes(b"")  # present for validation, unreadable at step 1
    playbook = write_playbook(
        textwrap.dedent(PLAYBOOK).format(sources="  - {kind: file, path: export.csv}")
        + f"store: {url}\n"
    )

    assert main(["run", str(playbook), "--out", str(tmp_path / "reports")]) != 0
    with open_store(url, create=False) as store:
        for table in STORE_TABLES:
            pd.testing.assert_frame_equal(store.read(table, "robust"), before[table])
        assert store.read("interactions", "robust")["text_redacted"].tolist() == [
            "Grüße aus Köln",
            "Straße gesperrt",
            "5 € zurück",
        ]
