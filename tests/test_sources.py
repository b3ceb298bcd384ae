"""File import: canonical files in three formats, mappings, UTC normalisation, rejected rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from socialcrm_utils.exceptions import SourceError
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.schema import CANONICAL_COLUMNS
from socialcrm_utils.sources import read_mentions

GOOD_AND_BAD = """
mention_id,platform,author_id,text,created_at,is_brand,reach
m1,Twitter,anna,Flight delayed again,2026-09-01T08:00:00Z,false,120
m2,twitter,AcmeHelp,Sorry to hear that,2026-09-01T08:30:00+02:00,,5000
m3,facebook,ben,,2026-09-01T09:00:00Z,false,10
m4,facebook,cara,Where is my bag?,not a date,false,10
m1,twitter,dora,copy of m1,2026-09-01T10:00:00Z,false,10
m5,forum,emil,Koffer weg,2026-09-01 12:00,false,
"""


def test_canonical_csv_kept_and_rejected(minimal_playbook):
    pb = load_playbook(minimal_playbook(GOOD_AND_BAD))
    result = read_mentions(pb)
    m = result.mentions
    assert list(m.columns) == list(CANONICAL_COLUMNS)
    assert m["mention_id"].tolist() == ["m2", "m1", "m5"]  # sorted by created_at (UTC)
    # m2 was 08:30 at +02:00 = 06:30 UTC; m5 had no zone: 12:00 Berlin (CEST) = 10:00 UTC
    assert m.set_index("mention_id")["created_at"].to_dict() == {
        "m2": pd.Timestamp("2026-09-01 06:30", tz="UTC"),
        "m1": pd.Timestamp("2026-09-01 08:00", tz="UTC"),
        "m5": pd.Timestamp("2026-09-01 10:00", tz="UTC"),
    }
    assert m["platform"].tolist() == ["twitter", "twitter", "forum"]  # lower-cased
    assert m["reach"].tolist()[:2] == [5000, 120] and pd.isna(m["reach"].iloc[2])
    rejected = result.rejected
    assert rejected[["row", "mention_id", "reason"]].values.tolist() == [
        [3, "m3", "empty text"],
        [
            4,
            "m4",
            "unparseable created_at 'not a date' (expected ISO 8601; or set date_format: "
            "in the source)",
        ],
        [5, "m1", "duplicate mention_id 'm1' (first in row 1)"],
    ]
    assert (rejected["source"] == "mentions.csv").all()
    counts = result.counts.iloc[0]
    assert (counts["read"], counts["kept"], counts["rejected"], counts["status"]) == (6, 3, 3, "ok")
    assert counts["notes"] == "1 timestamps had no time zone and were read in Europe/Berlin"


def test_brand_handles_mark_brand_posts(minimal_playbook):
    csv = """
    mention_id,author_id,text,created_at
    1,@TINY,hello,2026-09-01T08:00:00Z
    2,someone,hi @tiny,2026-09-01T08:01:00Z
    3,tiny,reply,2026-09-01T08:02:00Z
    """
    result = read_mentions(load_playbook(minimal_playbook(csv)))
    assert result.mentions["is_brand"].tolist() == [True, False, True]


def test_mapping_for_any_export(tmp_path, write_playbook):
    export = tmp_path / "export.csv"
    export.write_text(
        "Post ID,Network,Message,Date (local)\n"
        "a1,Instagram,Love the new app,2026-10-25 02:30\n"  # ambiguous: DST ends that night
        "a2,Instagram,Still waiting for my refund,2026-10-25 12:00\n",
        encoding="utf-8",
    )
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources:
          - kind: file
            path: export.csv
            name: hootsuite
            mapping: {mention_id: Post ID, platform: Network, text: Message,
                      created_at: Date (local)}
        """
    )
    result = read_mentions(load_playbook(path))
    m = result.mentions
    assert m["text"].tolist() == ["Love the new app", "Still waiting for my refund"]
    assert m["source"].unique().tolist() == ["hootsuite"]
    # 02:30 on 2026-10-25 happens twice in Berlin; the first (CEST, +02:00) is taken: 00:30 UTC.
    # 12:00 that day is CET (+01:00): 11:00 UTC.
    assert m["created_at"].dt.strftime("%H:%M").tolist() == ["00:30", "11:00"]


def test_jsonl_and_parquet_read_the_same(tmp_path, write_playbook):
    rows = [
        {
            "mention_id": "j1",
            "platform": "reddit",
            "text": "Anyone flown ACME?",
            "created_at": "2026-09-02T10:00:00Z",
            "likes": 3,
        },
        {
            "mention_id": "j2",
            "platform": "reddit",
            "text": "Yes, fine",
            "created_at": "2026-09-02T11:00:00Z",
            "in_reply_to_id": "j1",
        },
    ]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame.to_parquet(tmp_path / "m.parquet")
    results = []
    for name in ("m.jsonl", "m.parquet"):
        path = write_playbook(
            f"""
            client: c1
            name: C
            brand: {{handles: ["@c"]}}
            sources: [{{kind: file, path: {name}}}]
            """,
            name=f"{name}.yaml",
        )
        results.append(read_mentions(load_playbook(path)).mentions)
    pd.testing.assert_frame_equal(
        results[0].drop(columns="source"), results[1].drop(columns="source")
    )
    assert results[0]["in_reply_to_id"].tolist()[1] == "j1"
    assert results[0]["likes"].tolist()[0] == 3


def test_missing_required_column_names_the_fix(minimal_playbook):
    pb = load_playbook(minimal_playbook("id,body,date\n1,x,2026-01-01\n"))
    with pytest.raises(SourceError) as info:
        read_mentions(pb)
    message = str(info.value)
    assert "no column for mention_id, text, created_at" in message
    assert "mapping: {mention_id: <column>, text: <column>, created_at: <column>}" in message


def test_one_failing_source_does_not_stop_the_others(tmp_path, write_playbook):
    (tmp_path / "good.csv").write_text("mention_id,text,created_at\n1,ok,2026-09-01T10:00:00Z\n")
    (tmp_path / "bad.csv").write_text("something,else\n1,2\n")
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources:
          - {kind: file, path: good.csv}
          - {kind: file, path: bad.csv}
        """
    )
    result = read_mentions(load_playbook(path))
    assert len(result.mentions) == 1
    assert result.failed == ["bad.csv"]
    assert "no column for mention_id" in result.counts.loc[1, "status"]


def test_same_post_from_two_sources_is_kept_once(tmp_path, write_playbook):
    row = "mention_id,platform,text,created_at\n1,twitter,hi,2026-09-01T10:00:00Z\n"
    (tmp_path / "a.csv").write_text(row)
    (tmp_path / "b.csv").write_text(row)
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources: [{kind: file, path: a.csv}, {kind: file, path: b.csv}]
        """
    )
    result = read_mentions(load_playbook(path))
    assert len(result.mentions) == 1
    assert result.counts[["source", "kept", "rejected"]].values.tolist() == [
        ["a.csv", 1, 0],
        ["b.csv", 0, 1],
    ]
    assert result.rejected["reason"].str.startswith("duplicate of a mention").all()


def test_explicit_date_format(minimal_playbook, tmp_path):
    csv = "mention_id,text,created_at\n1,x,24.12.2025 18:30\n"
    data = tmp_path / "de.csv"
    data.write_text(csv)
    path = minimal_playbook(csv)
    text = path.read_text().replace(
        "{kind: file, path: mentions.csv}",
        "{kind: file, path: de.csv, date_format: '%d.%m.%Y %H:%M'}",
    )
    path.write_text(text)
    m = read_mentions(load_playbook(path)).mentions
    assert m["created_at"].iloc[0] == pd.Timestamp("2025-12-24 17:30", tz="UTC")  # CET = UTC+1


def test_rejected_rows_keep_a_source_column_of_the_file(minimal_playbook):
    csv = """
    mention_id,text,created_at,source,reason
    1,,2026-09-01T10:00:00Z,export-7,n/a
    """
    rejected = read_mentions(load_playbook(minimal_playbook(csv))).rejected
    assert rejected.loc[0, ["source", "reason", "original_source", "original_reason"]].tolist() == [
        "mentions.csv",
        "empty text",
        "export-7",
        "n/a",
    ]


def test_reasons_are_built_for_their_rows_and_row_numbers_stay_whole():
    # A missing id next to a duplicate once made every "first in row" a float ("1.0"); the
    # reasons are now built for the rows they name only.
    from socialcrm_utils.sources.files import conform_rows

    frame = pd.DataFrame(
        {
            "mention_id": ["a", None, "a", "b", "c"],
            "text": ["x", "y", "z", "  ", "w"],
            "created_at": ["2026-09-01T08:00:00Z", "2026-09-01T09:00:00Z",
                           "2026-09-01T10:00:00Z", "2026-09-01T11:00:00Z", "2030-01-01T00:00:00Z"],
        }
    )  # fmt: skip
    result = conform_rows(
        frame, frame, label="s", timezone="UTC", now=pd.Timestamp("2026-12-05", tz="UTC")
    )
    assert result.rejected["reason"].tolist() == [
        "missing mention_id",
        "duplicate mention_id 'a' (first in row 1)",
        "empty text",
        "created_at 2030-01-01 00:00 UTC is in the future (more than 1 day after the run's time "
        "2026-12-05 00:00 UTC): fix the date or the time zone in the file",
    ]
    assert result.mentions["mention_id"].tolist() == ["a"]
