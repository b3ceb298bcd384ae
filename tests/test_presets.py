"""File presets (twcs, airline, hootsuite, sprout) and CSV robustness of read_table.

The fixture exports in tests/fixtures/presets/ are invented: same columns as the real exports,
none of their rows. The last test reads the real twcs subset from ../shared/data when present.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from socialcrm_utils.exceptions import SourceError
from socialcrm_utils.playbook import FILE_PRESETS, FileSource, load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.sources.files import read_file_source, read_table
from socialcrm_utils.sources.presets import PRESETS, clean_ids, get_preset

from .conftest import SHARED_DATA

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
TWCS_SUBSET = SHARED_DATA / "twcs" / "twcs_subset.csv"


def _read(
    path: Path,
    preset: str,
    *,
    playbook_tz: str = "Europe/Berlin",
    handles: frozenset[str] = frozenset(),
    **fields,
):
    """Read one file source as the importer does; ``fields`` are the source's playbook keys."""
    source = FileSource.model_validate({"kind": "file", "path": path, "preset": preset, **fields})
    return read_file_source(source, timezone=playbook_tz, handles=handles)


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_presets_match_the_playbook_choices():
    assert tuple(PRESETS) == FILE_PRESETS
    assert all(PRESETS[name].name == name for name in PRESETS)
    with pytest.raises(SourceError, match="allowed: canonical, twcs"):
        get_preset("excel")


def test_clean_ids_undoes_float_ids_only():
    ids = pd.Series(["119237.0", "570306133677760513", " 7 ", "", "v1.0", None])
    assert clean_ids(ids).tolist() == ["119237", "570306133677760513", "7", pd.NA, "v1.0", pd.NA]


def test_twcs_preset():
    result = _read(FIXTURES / "twcs_example.csv", "twcs")
    m = result.mentions.set_index("mention_id")
    assert m.index.tolist() == ["101", "102", "103", "104"]
    assert m["is_brand"].to_dict() == {"101": False, "102": True, "103": False, "104": False}
    assert m["in_reply_to_id"].tolist() == [pd.NA, "101", "102", "102"]  # not "101.0"
    assert m["author_id"].tolist() == ["900001", "AcmeAirHelp", "900001", "900002"]
    assert m["replies"].tolist() == [1, 2, 0, 0]
    assert (m["platform"] == "twitter").all()
    assert m.loc["102", "created_at"] == _utc("2026-03-02 09:40:30")
    assert m.loc["104", "created_at"] == _utc("2026-03-02 10:00:00")  # 11:00 at +0100
    assert m.loc["103", "text"] == "@AcmeAirHelp done \r\rthanks"  # raw \r stays in the text
    assert result.read == 5 and not result.notes
    [reason] = result.rejected["reason"].tolist()
    assert reason.startswith("unparseable created_at 'yesterday'")
    assert result.rejected["tweet_id"].tolist() == ["105"]  # the original row, verbatim


def test_airline_preset_keeps_exact_ids():
    result = _read(FIXTURES / "airline_example.csv", "airline")
    m = result.mentions
    assert m["mention_id"].tolist() == ["570306133677760513", "570306133677760999"]
    assert m["created_at"].tolist() == [_utc("2015-02-24 19:35:52"), _utc("2015-02-25 04:59:59")]
    assert m["author_id"].tolist() == ["jetsetjane", "travelertom"]
    assert m["shares"].tolist() == [2, 0]
    assert m["url"].iloc[0] == "https://twitter.com/jetsetjane/status/570306133677760513"
    assert (m["platform"] == "twitter").all() and not m["is_brand"].any()
    assert result.rejected["reason"].tolist() == [
        "duplicate mention_id '570306133677760513' (first in row 1)"
    ]


def test_hootsuite_preset():
    result = _read(FIXTURES / "hootsuite_example.csv", "hootsuite", handles=frozenset({"anna_k"}))
    m = result.mentions
    assert m["mention_id"].tolist() == ["1830000000000000001", "fb_10220_778"]
    assert m["platform"].tolist() == ["twitter", "facebook"]
    assert m["text"].tolist() == ["Flight delayed, again.", "Koffer ist weg!"]
    assert m["author_name"].tolist() == ["@anna_k", "Ben Meyer"]
    assert m["is_brand"].tolist() == [True, False]  # the author is a brand handle
    # no zone in "Date": read in the playbook's zone (Berlin, CEST in September)
    assert m["created_at"].tolist() == [_utc("2026-09-01 06:00"), _utc("2026-09-01 08:30")]
    assert result.notes == ("2 timestamps had no time zone and were read in Europe/Berlin",)
    assert m["reach"].tolist()[0] == 1234 and pd.isna(m["reach"].iloc[1])  # "1,234"
    assert m["likes"].tolist() == [3, 12] and m["replies"].tolist() == [0, 4]
    assert m["url"].iloc[1] == "https://facebook.com/10220_778"


def test_sprout_preset_reads_timestamps_as_utc():
    result = _read(FIXTURES / "sprout_example.csv", "sprout")
    m = result.mentions
    assert m["mention_id"].tolist() == ["ig_17900000000000001", "li_7100000000000000001"]
    assert m["platform"].tolist() == ["instagram", "linkedin"]
    # "Timestamp (UTC)" has no zone but is UTC (not Berlin); an explicit offset is respected
    assert m["created_at"].tolist() == [_utc("2026-09-01 08:00"), _utc("2026-09-01 07:15")]
    assert not result.notes
    assert m["reach"].tolist() == [980, 12500]
    assert m["author_id"].tolist() == ["cara.c", "Dora D."]


def test_playbook_mapping_wins_column_by_column(tmp_path):
    frame = pd.read_csv(FIXTURES / "sprout_example.csv", dtype="string")
    frame = frame.rename(columns={"Message ID": "Guid", "From": "Sender"})
    frame["Handle"] = ["@cara", "@dora"]
    path = tmp_path / "sprout_variant.csv"
    frame.to_csv(path, index=False)
    result = _read(
        path, "sprout", mapping={"mention_id": "Guid", "author_id": "Handle"}, platform="instagram"
    )
    m = result.mentions
    assert m["mention_id"].tolist() == ["ig_17900000000000001", "li_7100000000000000001"]
    assert m["author_id"].tolist() == ["@cara", "@dora"]  # the playbook's column
    assert m["text"].tolist()[0] == "Where is my refund?"  # still the preset's column
    assert m["platform"].tolist() == ["instagram", "linkedin"]  # the file's Network wins


def test_source_date_format_and_platform_win_over_the_preset(tmp_path):
    path = tmp_path / "twcs_like.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text\n"
        "1,42,True,02.03.2026 10:15,Mein Koffer ist weg\n",
        encoding="utf-8",
    )
    result = _read(
        path,
        "twcs",
        date_format="%d.%m.%Y %H:%M",
        platform="mastodon",
        timezone="Europe/Berlin",
        playbook_tz="UTC",
    )
    m = result.mentions
    assert m["created_at"].tolist() == [_utc("2026-03-02 09:15")]  # Berlin, set on the source
    assert m["platform"].tolist() == ["mastodon"]


def test_preset_errors_name_the_fix(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,body,when\n1,hi,2026-01-01T00:00:00Z\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"no column for mention_id, text, created_at.*mapping"):
        _read(path, "hootsuite")
    with pytest.raises(SourceError, match="mapped column.*Body not in the file"):
        _read(path, "hootsuite", mapping={"text": "Body"})
    result = _read(
        path, "hootsuite", mapping={"mention_id": "id", "text": "body", "created_at": "when"}
    )
    assert result.kept == 1


def test_preset_does_not_modify_the_raw_rows():
    raw = read_table(FIXTURES / "twcs_example.csv")
    before = raw.copy()
    prepared = get_preset("twcs").prepare(raw)
    pd.testing.assert_frame_equal(raw, before)
    assert prepared["in_response_to_tweet_id"].tolist()[1] == "101"


# --- read_table: line ends and bytes that are not UTF-8 ------------------------------------


def test_crlf_lf_and_cr_only_csv_read_the_same(tmp_path):
    rows = [
        "mention_id,text,created_at",
        "1,hello,2026-01-01T10:00:00Z",
        '2,"two\nlines",2026-01-01T11:00:00Z',
        "3,,2026-01-01T12:00:00Z",
    ]
    frames = []
    for name, end in (("lf", "\n"), ("crlf", "\r\n")):
        path = tmp_path / f"{name}.csv"
        path.write_bytes((end.join(rows) + end).encode())
        frames.append(read_table(path))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert frames[0]["text"].tolist() == ["hello", "two\nlines", pd.NA]
    assert frames[0].columns.tolist() == ["mention_id", "text", "created_at"]
    cr_only = tmp_path / "cr.csv"
    cr_only.write_bytes(b"mention_id,text\r1,a\r2,b\r")  # old Mac export
    assert read_table(cr_only)["text"].tolist() == ["a", "b"]


def test_lone_carriage_return_is_data(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(
        b"mention_id,text,created_at\n1,a\r\rb,2026-01-01T10:00:00Z\n2,c,2026-01-01T11:00:00Z\n"
    )
    table = read_table(path)
    assert table["text"].tolist() == ["a\r\rb", "c"]


def test_invalid_utf8_lines_are_read_as_cp1252_and_logged(tmp_path, caplog):
    path = tmp_path / "m.csv"
    path.write_bytes(
        b"mention_id,text,created_at\n1,ok,2026-01-01T10:00:00Z\n"
        b"2,caf\xe9 \xff\xfe kaputt,2026-01-01T11:00:00Z\n"  # Latin-1 and junk
        b"3,f\xc3\xbcr,2026-01-01T12:00:00Z\n"
    )
    with caplog.at_level(logging.WARNING, logger="socialcrm_utils.sources.files"):
        result = _read(path, "canonical")
    assert result.kept == 3 and result.rejected.empty  # no row lost
    assert result.mentions["text"].tolist() == ["ok", "café ÿþ kaputt", "für"]  # never U+FFFD
    assert "not UTF-8 (first on line 3)" in caplog.text


def test_long_text_is_imported_whole(tmp_path):
    text = "Lange Beschwerde über den Zug. " * 1700  # 51,000 characters
    path = tmp_path / "m.csv"
    pd.DataFrame(
        {"mention_id": ["1"], "text": [text], "created_at": ["2026-01-01T10:00:00Z"]}
    ).to_csv(path, index=False)
    result = _read(path, "canonical")
    assert result.mentions["text"].str.len().tolist() == [len(text)]


# --- real data (skipped when ../shared/data is absent) -------------------------------------


@pytest.mark.realdata
@pytest.mark.skipif(not TWCS_SUBSET.is_file(), reason=f"{TWCS_SUBSET} not present")
def test_twcs_subset_through_a_playbook(write_playbook):
    path = write_playbook(
        f"""
        client: twcs-check
        name: TWCS check
        timezone: UTC
        brand: {{handles: ["@sprintcare"]}}
        sources:
          - {{kind: file, path: "{TWCS_SUBSET.resolve()}", preset: twcs}}
        """
    )
    result = read_mentions(load_playbook(path))
    m = result.mentions
    counts = result.counts.iloc[0]
    assert counts["read"] == 5000  # the raw \r in one text does not split its row
    assert counts["kept"] >= 4990 and counts["status"] == "ok"
    assert m["mention_id"].is_unique and not m["mention_id"].str.contains(r"\.").any()
    raw = pd.read_csv(TWCS_SUBSET, index_col=0, lineterminator="\n", dtype="string")
    inbound = raw.set_index("tweet_id")["inbound"].eq("True")
    assert (m.set_index("mention_id")["is_brand"] == ~inbound.reindex(m["mention_id"])).all()
    assert 0.3 < m["is_brand"].mean() < 0.6
    replies = m["in_reply_to_id"].dropna()
    assert len(replies) > 3000 and not replies.str.contains(r"\.").any()
    assert replies.isin(m["mention_id"]).mean() > 0.95  # reply links resolve
    assert str(m["created_at"].dt.tz) == "UTC"
    assert (m["created_at"].dt.year == 2017).mean() > 0.99
    assert (m["platform"] == "twitter").all()
