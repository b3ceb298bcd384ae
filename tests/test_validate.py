"""`socialcrm validate` opens the sources: first rows, required columns, dates; fixes named.

Every file here is hand-made; expected lines are written out in full.
"""

from __future__ import annotations

import pandas as pd
import pytest

from socialcrm_utils.artifacts import store_url
from socialcrm_utils.cli import main
from socialcrm_utils.playbook import FileSource, load_playbook
from socialcrm_utils.sources import check
from socialcrm_utils.sources.check import check_file_source, check_sources, guess_date_format

from .conftest import TINY

HOOTSUITE = (
    "Post ID,Network,Author,Message,Date\n"
    "11,twitter,ann,@Tiny my order is late,2026-09-01 08:00\n"
    "12,facebook,ben,Where is my parcel?,2026-09-03 17:45\n"
)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def file_source(path, **fields):
    return FileSource(kind="file", path=path, **fields)


def test_wrong_preset_names_the_missing_columns_and_the_preset_that_fits(tmp_path):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "x.csv").write_text(HOOTSUITE)
    result = check_file_source(
        file_source(tmp_path / "exports" / "x.csv", preset="twcs"), base_dir=tmp_path
    )
    assert result.status == "problem"
    assert result.line == (
        "sources[0] exports/x.csv: columns 'tweet_id', 'text', 'created_at' of preset twcs not "
        "found; columns are: Post ID, Network, Author, Message, Date -> use preset hootsuite or a "
        "mapping"
    )


def test_good_file_says_rows_read_and_date_range():
    pb = load_playbook(TINY)
    [result] = check_sources(pb)
    # 13 rows; t13 has no text; t1 is 2026-09-01 08:00Z, the last post Mon 2026-09-07 07:30Z.
    assert (result.status, result.rows, result.usable) == ("ok", 13, 12)
    assert result.first == pd.Timestamp("2026-09-01 08:00", tz="UTC")
    assert result.last == pd.Timestamp("2026-09-07 07:30", tz="UTC")
    assert result.line == (
        "sources[0] mentions.csv: read 13 rows (the whole file), 12 usable; "
        "dates 2026-09-01 to 2026-09-07 (UTC); 1 would be rejected "
        "(1 empty text)"
    )


def test_only_the_first_rows_are_read(tmp_path):
    rows = [f"m{i},post {i},2026-09-{i:02d}T10:00:00Z" for i in range(1, 11)]
    (tmp_path / "m.csv").write_text("mention_id,text,created_at\n" + "\n".join(rows) + "\n")
    result = check_file_source(file_source(tmp_path / "m.csv"), rows=4, base_dir=tmp_path)
    assert result.line == (
        "sources[0] m.csv: read 4 rows (the first 4), 4 usable; dates "
        "2026-09-01 to 2026-09-04 (UTC)"
    )


def test_a_cut_inside_a_quoted_text_moves_on_to_the_row_end(tmp_path):
    (tmp_path / "m.csv").write_text(
        "mention_id,text,created_at\n"
        'm1,"two\nlines",2026-09-01T10:00:00Z\n'
        "m2,one line,2026-09-02T10:00:00Z\n"
    )
    result = check_file_source(file_source(tmp_path / "m.csv"), rows=1, base_dir=tmp_path)
    # Two lines end inside m1's text; the sample grows to its third line, the end of m1.
    assert result.line == (
        "sources[0] m.csv: read 1 row (the first 1), 1 usable; dates 2026-09-01 to 2026-09-01 (UTC)"
    )


def test_parquet_sample_is_its_first_rows(tmp_path):
    frame = pd.DataFrame(
        {
            "mention_id": [f"m{i}" for i in range(300)],
            "text": ["hello"] * 300,
            "created_at": pd.date_range("2026-01-01", periods=300, freq="D", tz="UTC"),
        }
    )
    frame.to_parquet(tmp_path / "m.parquet")
    result = check_file_source(file_source(tmp_path / "m.parquet"), base_dir=tmp_path)
    # the first 200 days of 2026 end on 19 July
    assert result.line == (
        "sources[0] m.parquet: read 200 rows (the first 200), 200 usable; "
        "dates 2026-01-01 to 2026-07-19 (UTC)"
    )


def test_dates_that_do_not_parse_name_a_date_format_that_does(tmp_path):
    (tmp_path / "de.csv").write_text(
        "id,Nachricht,Datum\n1,Hallo,24.12.2025 18:30\n2,Frage?,01.02.2026 09:00\n"
    )
    mapping = {"mention_id": "id", "text": "Nachricht", "created_at": "Datum"}
    result = check_file_source(file_source(tmp_path / "de.csv", mapping=mapping), base_dir=tmp_path)
    assert result.line == (
        "sources[0] de.csv: none of the 2 rows read is usable (2 unparseable created_at) -> "
        "dates (e.g. '24.12.2025 18:30') need a format: set date_format: '%d.%m.%Y %H:%M' in "
        "the source"
    )
    fixed = check_file_source(
        file_source(tmp_path / "de.csv", mapping=mapping, date_format="%d.%m.%Y %H:%M"),
        base_dir=tmp_path,
    )
    assert fixed.status == "ok" and fixed.usable == 2


def test_date_format_guess_says_when_day_and_month_are_ambiguous():
    assert guess_date_format(pd.Series(["01/02/2026 09:00", "03/04/2026 10:00"])) == [
        "%d/%m/%Y %H:%M",
        "%m/%d/%Y %H:%M",
    ]
    assert guess_date_format(pd.Series(["01/02/2026 09:00", "12/31/2026 10:00"])) == [
        "%m/%d/%Y %H:%M"
    ]
    assert guess_date_format(pd.Series(["Tue Oct 31 22:10:47 +0000 2017"])) == [
        "%a %b %d %H:%M:%S %z %Y"
    ]


def test_mapping_typo_is_named_with_the_close_column(tmp_path):
    (tmp_path / "de.csv").write_text("id,Nachricht,Datum\n1,Hallo,2026-09-01T10:00:00Z\n")
    mapping = {"mention_id": "id", "text": "Nachrict", "created_at": "Datum"}
    result = check_file_source(file_source(tmp_path / "de.csv", mapping=mapping), base_dir=tmp_path)
    assert result.line == (
        "sources[0] de.csv: column 'Nachrict' (text) of the mapping not "
        "found; columns are: id, Nachricht, Datum -> fix the mapping (did you "
        "mean 'Nachricht' for 'Nachrict'?)"
    )


def test_no_preset_fits_suggests_a_mapping_with_the_likely_columns(tmp_path):
    (tmp_path / "de.csv").write_text("ID,Beitrag,Datum\n1,Hallo,2026-09-01T10:00:00Z\n")
    result = check_file_source(file_source(tmp_path / "de.csv"), base_dir=tmp_path)
    assert result.line == (
        "sources[0] de.csv: columns 'mention_id', 'text', 'created_at' not found; columns are: "
        "ID, Beitrag, Datum -> add to the source: mapping: {mention_id: 'ID', text: 'Beitrag', "
        "created_at: 'Datum'}"
    )


def test_unreadable_file_is_a_problem(tmp_path):
    (tmp_path / "m.parquet").write_bytes(b"this is not parquet")
    result = check_file_source(file_source(tmp_path / "m.parquet"), base_dir=tmp_path)
    assert result.status == "problem"
    assert result.line.startswith("sources[0] m.parquet: cannot be read: cannot read as parquet: ")
    assert result.line.endswith(
        "-> check that it is a csv, jsonl, json or parquet export (or set format: in the source)"
    )


def test_a_broken_row_costs_only_that_row(tmp_path):
    (tmp_path / "m.csv").write_bytes(b'mention_id,text,created_at\n1,"never closed,2026\n')
    result = check_file_source(file_source(tmp_path / "m.csv"), base_dir=tmp_path)
    assert result.status == "problem"
    assert result.line == (
        "sources[0] m.csv: none of the 1 rows read is usable (1 unclosed quote: a quoted value "
        "never closes; the row has 2 fields, expected 3) -> check the rows and the source's "
        "mapping"
    )


def test_empty_and_header_only_files_name_the_fix_once(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    (tmp_path / "h.csv").write_bytes(b"mention_id,text,created_at\n")
    assert check_file_source(file_source(tmp_path / "e.csv"), base_dir=tmp_path).line == (
        "sources[0] e.csv: cannot be read: the file is empty (0 bytes); export it again with its "
        "rows"
    )
    assert check_file_source(file_source(tmp_path / "h.csv"), base_dir=tmp_path).line == (
        "sources[0] h.csv: cannot be read: no rows (only a header: mention_id, text, "
        "created_at); export it again with its rows"
    )


def test_feeds_are_skipped_offline(write_playbook, tmp_path, monkeypatch):
    (tmp_path / "m.csv").write_text("mention_id,text,created_at\n1,hi,2026-09-01T10:00:00Z\n")
    path = write_playbook("""
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources:
          - {kind: file, path: m.csv}
          - {kind: rss, url: "https://example.org/feed.xml"}
        """)

    def no_network(*args, **kwargs):
        raise AssertionError("validate fetched a feed offline")

    monkeypatch.setattr("socialcrm_utils.sources.read_source", no_network)
    checks = check_sources(load_playbook(path))
    assert [c.status for c in checks] == ["ok", "skipped"]
    assert checks[1].line == (
        "sources[1] rss:https://example.org/feed.xml: not checked: a rss "
        "source is fetched over the network (validate --online fetches it)"
    )


def test_cli_prints_one_line_per_problem_and_exits_2(capsys, write_playbook, tmp_path):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "x.csv").write_text(HOOTSUITE)
    (tmp_path / "good.csv").write_text("mention_id,text,created_at\n1,hi,2026-09-01T10:00:00Z\n")
    path = write_playbook("""
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources:
          - {kind: file, path: exports/x.csv, preset: twcs}
          - {kind: file, path: good.csv}
        """)
    code, out, err = run(capsys, "validate", path)
    assert code == 2
    assert out.splitlines()[0] == f"{path}: keys valid; 1 source problem"
    assert "sources[0] exports/x.csv: see the error below" in out
    assert (
        "sources[1] good.csv: read 1 row (the whole file), 1 usable; dates 2026-09-01 to "
        "2026-09-01 (UTC)"
    ) in out
    assert err.splitlines() == [
        "error: sources[0] exports/x.csv: columns 'tweet_id', 'text', 'created_at' of preset "
        "twcs not found; columns are: Post ID, Network, Author, Message, Date -> use preset "
        "hootsuite or a mapping"
    ]
    # The fix the line names works.
    path.write_text(path.read_text().replace("preset: twcs", "preset: hootsuite"))
    code, out, err = run(capsys, "validate", path)
    assert code == 0 and err == "" and out.splitlines()[0] == f"{path}: valid"


def test_cli_store_and_runs_follow_out(capsys, tmp_path):
    out_dir = tmp_path / "elsewhere"
    code, out, _ = run(capsys, "validate", TINY, "--out", out_dir)
    assert code == 0
    client_dir = out_dir.resolve() / "tiny-air"
    # The store step 5 opens for a run folder under --out (artifacts.store_url).
    expected = store_url(None, client_dir / "20261101T090000Z")
    assert f"  store      {expected}\n" in out
    assert expected == f"sqlite:///{client_dir / 'crm.sqlite'}"
    assert f"  runs       {client_dir}/<UTC time>/, latest complete run: {client_dir}/latest" in out


def test_large_csv_is_sampled_from_its_first_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(check, "_SAMPLE_BYTES", 200)
    rows = [f"m{i},post number {i},2026-09-01T10:{i % 60:02d}:00Z" for i in range(100)]
    (tmp_path / "m.csv").write_text("mention_id,text,created_at\n" + "\n".join(rows) + "\n")
    result = check_file_source(file_source(tmp_path / "m.csv"), rows=1000, base_dir=tmp_path)
    # 200 bytes hold the header (27 bytes) and 4 rows of 38 bytes; the rest is not read.
    assert result.status == "ok" and result.rows == 4
    assert "(the first 4)" in result.line


@pytest.mark.parametrize("rows", [1, 2])
def test_rows_option_reaches_the_check(capsys, rows):
    code, out, _ = run(capsys, "validate", TINY, "--rows", rows)
    word = "row" if rows == 1 else "rows"
    assert code == 0 and f"read {rows} {word} (the first {rows}), {rows} usable" in out


def test_online_fetches_feeds_and_names_their_dates(write_playbook, monkeypatch):
    from socialcrm_utils.sources.files import conform_rows

    path = write_playbook("""
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources: [{kind: rss, url: "https://example.org/feed.xml"}]
        """)
    items = pd.DataFrame(
        {
            "mention_id": ["a", "b", "c"],
            "text": ["one", "two", ""],
            "created_at": ["2026-09-02T08:00:00Z", "2026-09-05T20:00:00Z", "2026-09-06T08:00:00Z"],
        }
    )

    def fetched(source, playbook):
        return conform_rows(items, items, label=source.label, timezone="UTC")

    monkeypatch.setattr("socialcrm_utils.sources.read_source", fetched)
    [result] = check_sources(load_playbook(path), online=True)
    assert result.line == (
        "sources[0] rss:https://example.org/feed.xml: fetched 3 items, 2 "
        "usable; dates 2026-09-02 to 2026-09-05 (UTC)"
    )


def test_a_folder_source_checks_its_first_file_and_counts_the_files(tmp_path, capsys):
    (tmp_path / "exports").mkdir()
    (tmp_path / "empty").mkdir()
    for name in ("b.csv", "a.csv"):
        (tmp_path / "exports" / name).write_text((TINY.parent / "mentions.csv").read_text())
    text = TINY.read_text()
    for folder in ("exports", "empty"):
        (tmp_path / f"{folder}.yaml").write_text(
            text.replace("path: mentions.csv", f"path: {folder}/*.csv")
        )
    assert main(["validate", str(tmp_path / "exports.yaml")]) == 0
    assert (
        "sources[0] exports/*.csv (2 files): read 13 rows (the whole file), 12 usable; "
        "dates 2026-09-01 to 2026-09-07 (UTC)" in capsys.readouterr().out
    )
    assert main(["validate", str(tmp_path / "empty.yaml")]) == 0
    assert (
        "sources[0] empty/*.csv (0 files): no file matches yet; each new one is read once"
        in capsys.readouterr().out
    )
