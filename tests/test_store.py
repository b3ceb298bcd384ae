"""The CRM store on SQLite and PostgreSQL: idempotent upserts, contacts, redaction, erasure,
KPI history, schema version, UTC timestamps; and ``socialcrm forget`` end to end."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect, update

from socialcrm_utils.cli import main
from socialcrm_utils.store import (
    SCHEMA_VERSION,
    TABLES,
    SchemaVersionError,
    StoreError,
    StoreNotFoundError,
    UnredactedTextError,
    open_store,
    schema_version,
)

from .pg import reset_database

CLIENT = "tiny"


# ---------------------------------------------------------------------------------------------
# fixtures and frames with known answers


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    """An empty store URL on each backend (PostgreSQL: skipped when no server can start)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.sqlite'}"
    url = request.getfixturevalue("postgres_url")
    reset_database(url)
    return url


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as opened:
        yield opened


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def mention(
    mention_id: str,
    platform: str,
    author: str,
    at: str,
    text: str,
    *,
    brand: bool = False,
    conversation: str | None = None,
    reply_to: str | None = None,
    name: str | None = None,
    intent: str = "other",
) -> dict:
    return {
        "mention_id": mention_id,
        "platform": platform,
        "author_id": author,
        "author_name": name or author.title(),
        "created_at": utc(at),
        "is_brand": brand,
        "conversation_id": conversation or mention_id,
        "in_reply_to_id": reply_to,
        "text_redacted": text,
        "intent": intent,
        "priority": "normal",
        "sentiment": -0.5,
        "sentiment_label": "negative",
        "lang": "en",
        "url": f"https://{platform}.example.com/{author}/{mention_id}",
    }


def mentions_frame() -> pd.DataFrame:
    """ann on twitter (2 posts + a brand reply) and on reddit; bob on twitter naming @ann."""
    return pd.DataFrame(
        [
            mention(
                "t1",
                "twitter",
                "ann",
                "2026-01-05 10:00",
                "@AcmeAir my bag is lost",
                intent="complaint",
            ),
            mention(
                "t2",
                "twitter",
                "AcmeAir",
                "2026-01-05 10:30",
                "@ann sorry, please DM us",
                brand=True,
                conversation="t1",
                reply_to="t1",
            ),
            mention(
                "t3",
                "twitter",
                "ann",
                "2026-01-05 11:00",
                "@AcmeAir done",
                conversation="t1",
                reply_to="t2",
            ),
            mention("t4", "twitter", "bob", "2026-01-05 12:00", "@ann same here, @annette too"),
            mention(
                "r1",
                "reddit",
                "ann",
                "2026-01-06 09:00",
                "acme air lost my bag again",
                name="ann_r",
            ),
        ]
    )


def clocks_frame() -> pd.DataFrame:
    """One conversation per customer thread, as sla.sla_clocks writes them."""
    return pd.DataFrame(
        {
            "conversation_id": ["t1", "t4", "r1"],
            "platform": ["twitter", "twitter", "reddit"],
            "customer_id": ["ann", "bob", "ann"],
            "first_customer_at": [
                utc("2026-01-05 10:00"),
                utc("2026-01-05 12:00"),
                utc("2026-01-06 09:00"),
            ],
            "first_response_at": [utc("2026-01-05 10:30"), pd.NaT, pd.NaT],
            "resolved_at": [pd.NaT, pd.NaT, pd.NaT],
            "policy": ["complaint/any platform", "default", "default"],
            "status": ["met", "open_breached", "open"],
            "resolution_status": ["open", "open", "open"],
            "due_at": [utc("2026-01-05 11:00"), utc("2026-01-05 13:00"), utc("2026-01-06 10:00")],
            "url": [
                "https://twitter.example.com/ann/t1",
                "https://twitter.example.com/bob/t4",
                "https://reddit.example.com/ann/r1",
            ],
            "intent": ["complaint", "other", "other"],
            "priority": ["normal", "normal", "normal"],
        }
    )


KPI_ROWS = [
    {"name": "volume", "value": 4.0, "unit": "mentions"},
    {"name": "response_rate", "value": 1 / 3, "unit": "share"},
    {"name": "median_first_response_h", "value": 0.5, "unit": "hours"},
    {"name": "net_sentiment", "value": -1.0, "unit": "share"},
    {"name": "share_of_voice", "value": float("nan"), "unit": "share"},
    {"name": "sla_attainment", "value": 1 / 3, "unit": "share"},
    {"name": "complaint_rate", "value": 0.25, "unit": "share"},
]


def fill(store, run_started: str = "2026-01-07 06:00") -> int:
    run_dir = f"reports/tiny/{pd.Timestamp(run_started):%Y%m%dT%H%M%SZ}"
    run_id = store.record_run(CLIENT, run_dir, "playbooks/tiny.yaml", started_at=utc(run_started))
    store.upsert_mentions(CLIENT, mentions_frame(), run_id)
    store.upsert_cases(CLIENT, clocks_frame(), run_id)
    store.save_kpis(run_id, KPI_ROWS)
    return run_id


def everything(store) -> str:
    """Every row of every table as text, to search for traces of a person."""
    return "\n".join(store.read(table).to_csv(index=False) for table in TABLES)


ANN = re.compile(r"(?<!\w)ann(?!\w)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# upserts


def test_fill_counts_and_idempotence(store):
    run_id = fill(store)
    expected = {
        "contacts": 3,
        "identities": 3,
        "interactions": 5,
        "cases": 3,
        "runs": 1,
        "kpi_snapshots": 7,
    }
    assert store.counts(CLIENT) == expected
    before = {t: store.read(t, CLIENT) for t in ("contacts", "identities", "interactions", "cases")}
    # The same frames again: no row count in the CRM tables changes, no value either.
    assert store.upsert_mentions(CLIENT, mentions_frame()) == {
        "interactions": 5,
        "identities": 3,
        "new_contacts": 0,
    }
    assert store.upsert_cases(CLIENT, clocks_frame(), run_id) == 3
    store.save_kpis(run_id, KPI_ROWS)
    assert store.counts(CLIENT) == expected
    for table, frame in before.items():
        pd.testing.assert_frame_equal(store.read(table, CLIENT), frame, obj=table)
    # Runs (and their KPI snapshots) are a history: a new run adds one run and 7 snapshots.
    fill(store, "2026-01-14 06:00")
    assert store.counts(CLIENT) == {**expected, "runs": 2, "kpi_snapshots": 14}
    assert store.counts("someone-else") == dict.fromkeys(TABLES, 0)
    # Empty frames (a run without mentions) change nothing.
    assert store.upsert_mentions(CLIENT, mentions_frame().iloc[:0]) == {
        "interactions": 0,
        "identities": 0,
        "new_contacts": 0,
    }
    assert store.upsert_cases(CLIENT, clocks_frame().iloc[:0]) == 0
    assert store.counts(CLIENT)["interactions"] == 5


def test_run_counts_are_recorded(store):
    run_id = fill(store)
    run = store.read("runs", CLIENT).iloc[0]
    assert run["id"] == run_id and run["counts"] == {"mentions": 5, "cases": 3}
    assert run["playbook"] == "playbooks/tiny.yaml"


def test_same_author_same_platform_is_one_contact(store):
    fill(store)
    later = pd.DataFrame(
        [
            mention("t9", "twitter", "ann", "2026-02-01 08:00", "still no bag", name="Ann B."),
            mention("t0", "twitter", "ann", "2025-12-24 08:00", "flying home", name="old name"),
        ]
    )
    assert store.upsert_mentions(CLIENT, later)["new_contacts"] == 0
    counts = store.counts(CLIENT)
    assert (counts["contacts"], counts["identities"], counts["interactions"]) == (3, 3, 7)
    ident = store.read("identities", CLIENT).set_index(["platform", "author_id"])
    ann = ident.loc[("twitter", "ann")]
    assert ann["first_seen"] == utc("2025-12-24 08:00")  # widened to the older post
    assert ann["last_seen"] == utc("2026-02-01 08:00")
    assert ann["display_name"] == "Ann B."  # the name of the latest post
    contact = store.read("contacts", CLIENT).set_index("id").loc[ann["contact_id"]]
    assert (contact["display_name"], contact["first_seen"], contact["last_seen"]) == (
        "Ann B.",
        utc("2025-12-24 08:00"),
        utc("2026-02-01 08:00"),
    )
    posts = store.read("interactions", CLIENT).set_index("mention_id")
    assert posts.loc["t9", "contact_id"] == posts.loc["t1", "contact_id"] == ann["contact_id"]


def test_different_platforms_are_different_identities_until_merged(store):
    fill(store)
    ident = store.read("identities", CLIENT).set_index(["platform", "author_id"])
    twitter, reddit = ident.loc[("twitter", "ann")], ident.loc[("reddit", "ann")]
    assert twitter["id"] != reddit["id"] and twitter["contact_id"] != reddit["contact_id"]
    assert reddit["display_name"] == "ann_r"

    assert store.merge_contacts(CLIENT, int(twitter["contact_id"]), int(reddit["contact_id"])) == 1
    assert store.counts(CLIENT)["contacts"] == 2
    keep = store.read("contacts", CLIENT).set_index("id").loc[twitter["contact_id"]]
    assert (keep["first_seen"], keep["last_seen"], keep["display_name"]) == (
        utc("2026-01-05 10:00"),
        utc("2026-01-06 09:00"),
        "ann_r",
    )
    # A later upsert keeps the merge.
    store.upsert_mentions(CLIENT, mentions_frame())
    store.upsert_cases(CLIENT, clocks_frame())
    posts = store.read("interactions", CLIENT).set_index("mention_id")
    assert posts.loc["r1", "contact_id"] == posts.loc["t1", "contact_id"] == twitter["contact_id"]
    case = store.read("cases", CLIENT).set_index("conversation_id")
    assert case.loc["r1", "contact_id"] == twitter["contact_id"]
    assert store.counts(CLIENT)["contacts"] == 2
    with pytest.raises(StoreError, match="not found"):
        store.merge_contacts(CLIENT, int(twitter["contact_id"]), int(reddit["contact_id"]))


def test_brand_posts_are_interactions_not_contacts(store):
    fill(store)
    reply = store.read("interactions", CLIENT).set_index("mention_id").loc["t2"]
    assert bool(reply["is_brand"]) and reply["brand_handle"] == "AcmeAir"
    assert pd.isna(reply["contact_id"]) and pd.isna(reply["identity_id"])
    assert "AcmeAir" not in set(store.read("identities", CLIENT)["author_id"])


def test_cases_link_customers_and_create_missing_identities(store):
    assert store.upsert_cases(CLIENT, clocks_frame()) == 3  # before any mention
    assert store.counts(CLIENT)["contacts"] == 3
    cases = store.read("cases", CLIENT).set_index("conversation_id")
    ident = store.read("identities", CLIENT).set_index("id")
    assert ident.loc[cases.loc["t4", "identity_id"], "author_id"] == "bob"
    assert cases.loc["t1", "opened_at"] == utc("2026-01-05 10:00")
    assert cases.loc["t1", "status"] == "met" and pd.isna(cases.loc["t4", "first_response_at"])
    store.upsert_mentions(CLIENT, mentions_frame())
    assert store.counts(CLIENT)["contacts"] == 3


def test_cases_from_sla_csv_equal_cases_from_parquet(store, tmp_path):
    run_id = fill(store)
    before = store.read("cases", CLIENT)
    path = tmp_path / "sla.csv"
    clocks_frame().to_csv(path, index=False)
    store.upsert_cases(CLIENT, pd.read_csv(path), run_id)
    pd.testing.assert_frame_equal(store.read("cases", CLIENT), before)


# ---------------------------------------------------------------------------------------------
# redaction


def test_raw_text_is_refused_and_never_stored(store):
    raw = mentions_frame().rename(columns={"text_redacted": "text"})
    with pytest.raises(UnredactedTextError, match="text_redacted"):
        store.upsert_mentions(CLIENT, raw)
    assert store.counts(CLIENT) == dict.fromkeys(TABLES, 0)

    both = mentions_frame().assign(text="call me at +49 170 1234567")
    store.upsert_mentions(CLIENT, both)
    assert "+49 170" not in everything(store)
    columns = {
        c["name"]
        for t in inspect(store.engine).get_table_names()
        for c in inspect(store.engine).get_columns(t)
    }
    assert "text" not in columns and "text_redacted" in columns


def test_missing_columns_are_named(store):
    with pytest.raises(StoreError, match="lack column.*text_redacted"):
        store.upsert_mentions(CLIENT, mentions_frame().drop(columns="text_redacted"))


# ---------------------------------------------------------------------------------------------
# right to erasure


def test_forget_leaves_nothing_of_the_author(store):
    fill(store)
    assert ANN.search(everything(store))
    deleted = store.forget(CLIENT, "ann")
    # ann's posts t1, t3, r1 and the brand's reply t2; her cases t1 and r1; two identities and
    # their contacts; bob's post names @ann and is redacted, not deleted.
    assert deleted == {
        "identities": 2,
        "contacts": 2,
        "interactions": 4,
        "cases": 2,
        "interactions_redacted": 1,
    }
    assert not ANN.search(everything(store))
    assert store.counts(CLIENT) == {
        "contacts": 1,
        "identities": 1,
        "interactions": 1,
        "cases": 1,
        "runs": 1,
        "kpi_snapshots": 7,
    }
    bob = store.read("interactions", CLIENT).iloc[0]
    assert bob["mention_id"] == "t4"
    assert bob["text_redacted"] == "@[erased] same here, @annette too"
    assert store.read("identities", CLIENT)["author_id"].tolist() == ["bob"]
    assert store.read("cases", CLIENT)["conversation_id"].tolist() == ["t4"]
    assert store.forget(CLIENT, "ann") == {
        "identities": 0,
        "contacts": 0,
        "interactions": 0,
        "cases": 0,
        "interactions_redacted": 0,
    }


def test_forget_one_platform_keeps_the_other(store):
    fill(store)
    assert store.forget(CLIENT, "ann", platform="reddit") == {
        "identities": 1,
        "contacts": 1,
        "interactions": 1,
        "cases": 1,
        "interactions_redacted": 0,
    }
    ident = store.read("identities", CLIENT)
    assert sorted(zip(ident["platform"], ident["author_id"], strict=True)) == [
        ("twitter", "ann"),
        ("twitter", "bob"),
    ]
    assert sorted(store.read("interactions", CLIENT)["mention_id"]) == ["t1", "t2", "t3", "t4"]


def test_forget_one_identity_of_a_merged_contact_keeps_the_contact(store):
    fill(store)
    ident = store.read("identities", CLIENT).set_index(["platform", "author_id"])
    keep = int(ident.loc[("twitter", "ann"), "contact_id"])
    store.merge_contacts(CLIENT, keep, int(ident.loc[("reddit", "ann"), "contact_id"]))
    assert store.forget(CLIENT, "ann", platform="reddit")["contacts"] == 0
    contact = store.read("contacts", CLIENT).set_index("id").loc[keep]
    # recomputed from the twitter identity alone: the reddit name and dates are gone
    assert (contact["display_name"], contact["last_seen"]) == ("Ann", utc("2026-01-05 11:00"))


def test_find_authors_ignores_case(store):
    fill(store)
    found = store.find_authors(CLIENT, "ANN")
    assert list(zip(found["platform"], found["author_id"], strict=True)) == [
        ("reddit", "ann"),
        ("twitter", "ann"),
    ]


# ---------------------------------------------------------------------------------------------
# KPI history, schema version, time


def test_kpi_history_three_runs_in_order(store):
    starts = ["2026-01-14 06:00", "2026-01-07 06:00", "2026-01-21 06:00"]  # recorded out of order
    for week, start in enumerate(starts):
        run_id = store.record_run(CLIENT, f"reports/tiny/{week}", started_at=utc(start))
        rows = [{**r, "value": r["value"] + week} for r in KPI_ROWS]
        store.save_kpis(run_id, rows)
    store.save_kpis(run_id, {"volume": 99.0})  # again for the last run: replaced
    history = store.kpi_history(CLIENT)
    assert len(history) == 3 * len(KPI_ROWS)
    assert list(history.columns) == [
        "run_id",
        "started_at",
        "run_dir",
        "period_start",
        "period_end",
        "as_of",
        "name",
        "value",
        "unit",
    ]
    assert history["started_at"].is_monotonic_increasing
    # recorded without a data period: each run is a point of its own, at its start day
    assert history["period_end"].isna().all()
    assert sorted(set(history["as_of"].dt.strftime("%Y-%m-%d"))) == [
        "2026-01-07",
        "2026-01-14",
        "2026-01-21",
    ]
    assert str(history["started_at"].dtype) == "datetime64[ns, UTC]"
    volume = history[history["name"] == "volume"]
    assert volume["started_at"].tolist() == sorted(utc(s) for s in starts)
    assert volume["value"].tolist() == [5.0, 4.0, 99.0]  # run of 01-07, 01-14, 01-21
    assert volume["unit"].tolist() == ["mentions"] * 3
    assert history[history["name"] == "share_of_voice"]["value"].isna().all()
    trend = history.pivot(index="started_at", columns="name", values="value")
    assert trend.shape == (3, 7)
    assert math.isclose(trend["complaint_rate"].iloc[0], 1.25)
    assert len(store.kpi_history(CLIENT, names=["volume"])) == 3
    assert store.kpi_history("someone-else").empty
    with pytest.raises(StoreError, match="run 999 not found"):
        store.save_kpis(999, KPI_ROWS)


def test_kpi_points_are_the_data_periods_not_the_run_times(store):
    """Re-running an export of October 2017 in 2026 replaces its point; the trend is by period."""
    october, november = ("2017-10-01", "2017-10-31"), ("2017-11-01", "2017-11-30")
    runs = [
        ("2026-03-01 09:00", october, 10.0),
        ("2026-03-02 09:00", november, 20.0),
        ("2026-03-03 09:00", october, 11.0),  # October again: replaces 10.0
        (
            "2026-03-04 09:00",
            (
                pd.Timestamp("2017-10-01 00:10", tz="Europe/Berlin"),
                pd.Timestamp("2017-10-31 23:50", tz="Europe/Berlin"),
            ),
            12.0,
        ),
    ]
    for started, period, volume in runs:
        run_id = store.record_run(
            CLIENT, f"reports/tiny/{started}", started_at=utc(started), period=period
        )
        store.save_kpis(
            run_id, [{**r, "value": volume} if r["name"] == "volume" else r for r in KPI_ROWS]
        )
    history = store.kpi_history(CLIENT)
    volume = history[history["name"] == "volume"]
    assert volume["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2017-10-31", "2017-11-30"]
    assert volume["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2017-10-01", "2017-11-01"]
    assert volume["value"].tolist() == [12.0, 20.0]  # the latest October run, then November
    # every run is remembered, but only one point per period holds KPI values
    assert store.counts(CLIENT)["runs"] == 4
    assert store.counts(CLIENT)["kpi_snapshots"] == 2 * len(KPI_ROWS)
    # the same run folder again (notebook 05 re-executed) keeps its one point
    again = store.record_run(CLIENT, "reports/tiny/2026-03-02 09:00", period=november)
    store.save_kpis(again, KPI_ROWS)
    counts = store.counts(CLIENT)
    assert (counts["runs"], counts["kpi_snapshots"]) == (4, 2 * len(KPI_ROWS))
    with pytest.raises(StoreError, match="start is after the end"):
        store.record_run(CLIENT, "reports/tiny/bad", period=("2017-11-30", "2017-11-01"))


def test_version_1_store_is_migrated_and_keeps_its_history(store_url):
    """A store written before the data periods (schema 1) opens, gains the columns, and its
    runs stay points of their own at their start day."""
    from sqlalchemy import text

    with open_store(store_url) as store, store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN period_start"))
        conn.execute(text("ALTER TABLE runs DROP COLUMN period_end"))
        conn.execute(update(schema_version).values(version=1))
        conn.execute(
            text(
                "INSERT INTO runs (client, started_at, run_dir) VALUES (:c, :s, 'reports/tiny/old')"
            ),
            {"c": CLIENT, "s": pd.Timestamp("2026-02-01 08:00").to_pydatetime()},
        )
    with open_store(store_url) as store:
        assert store.version() == SCHEMA_VERSION == 5
        columns = {c["name"] for c in inspect(store.engine).get_columns("runs")}
        assert {"period_start", "period_end"} <= columns
        old = int(store.read("runs", CLIENT)["id"].iloc[0])
        store.save_kpis(old, {"volume": 3.0})
        new = store.record_run(
            CLIENT,
            "reports/tiny/new",
            started_at=utc("2026-02-02 08:00"),
            period=("2017-10-01", "2017-10-31"),
        )
        store.save_kpis(new, {"volume": 5.0})
        history = store.kpi_history(CLIENT)
    assert history["as_of"].dt.strftime("%Y-%m-%d").tolist() == ["2017-10-31", "2026-02-01"]
    assert history["value"].tolist() == [5.0, 3.0]
    with open_store(store_url) as store:  # opening again migrates nothing twice
        assert store.version() == SCHEMA_VERSION


def test_save_kpis_takes_the_kpis_document_and_compute_kpis_values(store):
    run_id = store.record_run(CLIENT, "reports/tiny/x")
    assert store.save_kpis(run_id, {"period": {}, "kpis": KPI_ROWS, "goals": []}) == 7
    assert store.save_kpis(run_id, {"volume": 3, "complaint_rate": float("nan")}) == 2
    history = store.kpi_history(CLIENT).set_index("name")
    assert history.loc["volume", "value"] == 3.0 and history.loc["volume", "unit"] == "mentions"
    assert pd.isna(history.loc["complaint_rate", "value"])


def test_empty_database_is_created_with_the_version(store_url):
    with open_store(store_url) as store:
        assert store.version() == SCHEMA_VERSION
        assert set(TABLES) <= set(inspect(store.engine).get_table_names())
    with open_store(store_url) as store:  # opening again keeps everything
        assert store.version() == SCHEMA_VERSION


def test_newer_schema_version_is_a_clear_error(store_url):
    with open_store(store_url) as store, store.engine.begin() as conn:
        conn.execute(update(schema_version).values(version=SCHEMA_VERSION + 1))
    with pytest.raises(SchemaVersionError) as error:
        open_store(store_url)
    message = str(error.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"knows version {SCHEMA_VERSION} at most" in message and "upgrade" in message


def test_timestamps_round_trip_as_utc(store_url):
    if store_url.startswith("postgresql"):  # sessions in another time zone write and read UTC
        store_url += "?options=-c%20timezone%3DAmerica/New_York"
    berlin = mentions_frame()
    berlin["created_at"] = berlin["created_at"].dt.tz_convert("Europe/Berlin")
    naive = pd.DataFrame([mention("n1", "web", "cy", "2026-07-01 23:30", "hi")])
    naive["created_at"] = naive["created_at"].dt.tz_localize(None)  # naive = UTC
    with open_store(store_url) as store:
        store.upsert_mentions(CLIENT, berlin)
        store.upsert_mentions(CLIENT, naive)
        store.upsert_cases(CLIENT, clocks_frame())
        store.record_run(CLIENT, "x", started_at=pd.Timestamp("2026-07-01 12:00", tz="Asia/Tokyo"))
    expected = dict(
        zip(mentions_frame()["mention_id"], mentions_frame()["created_at"], strict=True)
    ) | {"n1": utc("2026-07-01 23:30")}
    with open_store(store_url) as store:
        posts = store.read("interactions", CLIENT)
        runs = store.read("runs", CLIENT)
        cases = store.read("cases", CLIENT).set_index("conversation_id")
        ident = store.read("identities", CLIENT).set_index(["platform", "author_id"])
    assert str(posts["created_at"].dtype) == "datetime64[ns, UTC]"
    assert dict(zip(posts["mention_id"], posts["created_at"], strict=True)) == expected
    assert runs["started_at"].iloc[0] == utc("2026-07-01 03:00")
    assert cases.loc["t1", "due_at"] == utc("2026-01-05 11:00")
    assert ident.loc[("twitter", "ann"), "last_seen"] == utc("2026-01-05 11:00")


def test_missing_store_is_not_created(tmp_path):
    path = tmp_path / "nested" / "crm.sqlite"
    with pytest.raises(StoreNotFoundError):
        open_store(f"sqlite:///{path}", create=False)
    assert not path.parent.exists()
    with open_store(f"sqlite:///{path}") as store:
        assert store.counts(CLIENT)["contacts"] == 0
    assert path.is_file()


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://u@localhost/db", "mysql is not supported"),
        ("not a url", "is not a database URL"),
        ("postgres://u@127.0.0.1:1/db?connect_timeout=2", "cannot open it"),  # old alias: psycopg
    ],
)
def test_unsupported_urls(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_unreachable_postgres_is_a_store_error():
    with pytest.raises(StoreError, match="cannot open it"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


# ---------------------------------------------------------------------------------------------
# socialcrm forget


@pytest.fixture
def tiny_playbook(minimal_playbook) -> Path:
    """A tiny playbook whose store is crm.sqlite next to it, filled with the frames above."""
    path = minimal_playbook(
        "mention_id,text,created_at\n1,hi,2026-01-05T10:00:00Z\n",
        extra="store: sqlite:///crm.sqlite\n",
    )
    with open_store(f"sqlite:///{path.parent / 'crm.sqlite'}") as store:
        fill(store)
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_forget(capsys, tiny_playbook, tmp_path):
    code, out, err = run_cli(
        capsys,
        "forget",
        "--playbook",
        tiny_playbook,
        "--author",
        "ann",
        "--out",
        tmp_path / "reports",
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"store: sqlite:///{tmp_path / 'crm.sqlite'} (client tiny)"
    assert lines[1:6] == [
        "identities    2 deleted",
        "contacts      2 deleted",
        "interactions  4 deleted",
        "cases         2 deleted",
        "interactions  1 redacted (other people's posts naming @ann)",
    ]
    assert lines[6].startswith(
        f"note: run folders under {tmp_path / 'reports' / 'tiny'}/ "
        "still hold artifacts of earlier runs (mentions.parquet"
    )
    assert len(lines) == 7
    with open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        assert not ANN.search(everything(store))

    code, out, _ = run_cli(capsys, "forget", "--playbook", tiny_playbook, "--author", "ann")
    assert code == 0 and out.splitlines()[1] == "nothing found for author ann"


def test_cli_forget_hints_and_platform(capsys, tiny_playbook):
    code, out, _ = run_cli(capsys, "forget", "--playbook", tiny_playbook, "--author", "ANN")
    assert code == 0
    assert out.splitlines()[1] == (
        "nothing found for author ANN (author ids are "
        "case-sensitive; stored: ann on reddit, ann on twitter)"
    )
    code, out, _ = run_cli(
        capsys, "forget", "--playbook", tiny_playbook, "--author", "ann", "--platform", "reddit"
    )
    assert code == 0 and out.splitlines()[1:5] == [
        "identities    1 deleted",
        "contacts      1 deleted",
        "interactions  1 deleted",
        "cases         1 deleted",
    ]


def test_cli_forget_without_a_store_creates_none(capsys, minimal_playbook, tmp_path):
    path = minimal_playbook(
        "mention_id,text,created_at\n1,hi,2026-01-05T10:00:00Z\n",
        extra="store: sqlite:///db/crm.sqlite\n",
    )
    code, out, _ = run_cli(capsys, "forget", "--playbook", path, "--author", "ann")
    assert code == 0
    assert out.splitlines()[:2] == [
        f"store: no store at {tmp_path / 'db' / 'crm.sqlite'} yet (client tiny)",
        "nothing found for author ann",
    ]
    assert not (tmp_path / "db").exists()


def test_cli_forget_default_store_is_in_the_out_folder(capsys, minimal_playbook, tmp_path):
    path = minimal_playbook("mention_id,text,created_at\n1,hi,2026-01-05T10:00:00Z\n")
    store_file = tmp_path / "reports" / "tiny" / "crm.sqlite"
    with open_store(f"sqlite:///{store_file}") as store:
        fill(store)
    code, out, _ = run_cli(
        capsys, "forget", "--playbook", path, "--author", "bob", "--out", tmp_path / "reports"
    )
    assert code == 0
    assert out.splitlines()[:5] == [
        f"store: sqlite:///{store_file} (client tiny)",
        "identities    1 deleted",
        "contacts      1 deleted",
        "interactions  1 deleted",
        "cases         1 deleted",
    ]


def test_cli_forget_playbook_errors(capsys, tmp_path):
    code, _, err = run_cli(
        capsys, "forget", "--playbook", tmp_path / "nope.yaml", "--author", "ann"
    )
    assert code == 2
    assert err == (
        f"error: {tmp_path / 'nope.yaml'}: playbook not found (create one with: "
        "socialcrm new CLIENT)\n"
    )


def write_run(run_dir: Path) -> None:
    """A run folder as the notebooks leave it (only the files --runs cares about)."""
    run_dir.mkdir(parents=True)
    mentions_frame().to_parquet(run_dir / "mentions_scored.parquet", index=False)
    mentions_frame().drop(
        columns=["intent", "priority", "sentiment", "sentiment_label"]
    ).to_parquet(run_dir / "mentions.parquet", index=False)
    clocks = clocks_frame()
    clocks.assign(policy_index=0).to_parquet(run_dir / "conversations.parquet", index=False)
    clocks.to_csv(run_dir / "sla.csv", index=False)
    pd.DataFrame(
        {
            "source": ["s"],
            "row": [7],
            "reason": ["no created_at"],
            "author_id": ["ann"],
            "platform": ["twitter"],
            "text": ["@AcmeAir hello"],
        }
    ).to_csv(run_dir / "rejected.csv", index=False)
    (run_dir / "report.html").write_text("<td>ann</td>", encoding="utf-8")
    (run_dir / "faq.csv").write_text("question\nwhere is my bag\n", encoding="utf-8")


def test_cli_forget_runs_rewrites_run_folders(capsys, tiny_playbook, tmp_path):
    client_dir = tmp_path / "reports" / "tiny"
    write_run(client_dir / "20260107T060000Z")
    (client_dir / "latest").symlink_to("20260107T060000Z", target_is_directory=True)
    code, out, err = run_cli(
        capsys,
        "forget",
        "--playbook",
        tiny_playbook,
        "--author",
        "ann",
        "--runs",
        "--out",
        tmp_path / "reports",
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    run = "20260107T060000Z"
    # mentions: t1, t3, r1 by ann and the brand's reply t2 removed, bob's @ann redacted;
    # conversations: t1 and r1 (hers) removed; rejected: her one row.
    assert lines[6:] == [
        f"{run}/mentions.parquet: 5 rows removed or redacted",
        f"{run}/mentions_scored.parquet: 5 rows removed or redacted",
        f"{run}/conversations.parquet: 2 rows removed or redacted",
        f"{run}/sla.csv: 2 rows removed or redacted",
        f"{run}/rejected.csv: 1 rows removed or redacted",
        f"{run}/report.html: removed (quoted the author; cannot be rebuilt: no notebooks)",
        "note: post ids shorter than 6 characters ('t1', 't3', 'r1', 't2'): matched only as "
        "whole identifier cells, not searched as words",
        "scan: no trace of ann left in the run folders or the store (searched 6 ids/names, 2 "
        "texts (4 fragments))",
    ]
    folder = client_dir / run
    for name in ("mentions.parquet", "mentions_scored.parquet"):
        kept = pd.read_parquet(folder / name)
        assert kept["mention_id"].tolist() == ["t4"]
        assert kept["text_redacted"].tolist() == ["@[erased] same here, @annette too"]
        assert kept["created_at"].dtype == mentions_frame()["created_at"].dtype  # kept as is
    assert pd.read_parquet(folder / "conversations.parquet")["customer_id"].tolist() == ["bob"]
    sla = pd.read_csv(folder / "sla.csv")
    assert sla["customer_id"].tolist() == ["bob"] and list(sla.columns) == list(clocks_frame())
    assert pd.read_csv(folder / "rejected.csv").empty
    assert (folder / "faq.csv").read_text() == "question\nwhere is my bag\n"

    code, out, _ = run_cli(
        capsys,
        "forget",
        "--playbook",
        tiny_playbook,
        "--author",
        "ann",
        "--runs",
        "--out",
        tmp_path / "reports",
    )
    assert out.splitlines()[2:] == [
        f"run folders under {client_dir}/: no rows of ann",
        "scan: no trace of ann left in the run folders or the store (searched 1 ids/names, 0 "
        "texts (0 fragments))",
    ]


def test_recording_the_same_run_folder_again_keeps_one_run(store):
    first = store.record_run(CLIENT, "reports/tiny/20260107T060000Z")
    store.save_kpis(first, {"volume": 5})
    again = store.record_run(CLIENT, "reports/tiny/20260107T060000Z")
    store.save_kpis(again, {"volume": 6})
    other = store.record_run(CLIENT, "reports/tiny/20260114T060000Z")
    store.save_kpis(other, {"volume": 7})
    assert again == first and other != first
    history = store.kpi_history(CLIENT, ["volume"])
    assert history.loc[history["run_id"] == first, "value"].tolist() == [6.0]
    assert history["run_id"].nunique() == 2


def test_sqlite_bulk_path_stores_what_sqlalchemy_would(tmp_path, monkeypatch):
    # The bulk path stages rows through the driver and merges them with one INSERT ... SELECT;
    # the raw rows in the file (ids, datetime text, booleans) must be exactly those that
    # SQLAlchemy's own executemany of the same rows writes, new contacts' ids included.
    import importlib
    import sqlite3

    from socialcrm_utils.store import frames, upserts
    from socialcrm_utils.store import sql as store_module

    def filled(path: Path) -> dict[str, list[tuple]]:
        with open_store(f"sqlite:///{path}") as opened:
            fill(opened)
            fill(opened)  # a rewrite of the same rows changes nothing
        with sqlite3.connect(path) as raw:
            return {
                t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("contacts", "identities", "interactions", "cases", "runs")
            }

    bulk = filled(tmp_path / "bulk.sqlite")

    def sqlalchemy_upsert(conn, table, rows, keys, update_columns, new_values=None):
        rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
        if not rows:
            return 0
        stmt = store_module.sqlite.insert(table)
        set_ = {c: stmt.excluded[c] for c in update_columns}
        set_.update(new_values(stmt.excluded) if new_values else {})
        stmt = (
            stmt.on_conflict_do_update(index_elements=keys, set_=set_)
            if set_
            else stmt.on_conflict_do_nothing(index_elements=keys)
        )
        conn.execute(stmt, rows)
        return len(rows)

    def sqlalchemy_frames(conn, table, columns, parts, keys, update_columns, new_values=None):
        rows = [row for part in parts for row in frames._records(part[columns])]
        return sqlalchemy_upsert(conn, table, rows, keys, update_columns, new_values)

    def sqlalchemy_frame(conn, table, frame, keys, update_columns, new_values=None):
        frame = frame.drop_duplicates(keys, keep="last")
        return sqlalchemy_frames(
            conn, table, list(frame.columns), [frame], keys, update_columns, new_values
        )

    def sqlalchemy_insert(conn, table, frame):  # the database gives the ids
        conn.execute(table.insert(), frames._records(frame.drop(columns="id")))

    for module in (store_module, upserts):
        monkeypatch.setattr(module, "_upsert_frames", sqlalchemy_frames, raising=False)
        monkeypatch.setattr(module, "_upsert_frame", sqlalchemy_frame, raising=False)
    monkeypatch.setattr(upserts, "_insert_frame", sqlalchemy_insert)
    for module in ("runs", "deliveries"):  # (the package's ``runs`` is the table)
        module = importlib.import_module(f"socialcrm_utils.store.{module}")
        monkeypatch.setattr(module, "_upsert", sqlalchemy_upsert)
    plain = filled(tmp_path / "plain.sqlite")
    assert bulk["interactions"][0][:0] == ()  # tuples of raw values
    assert any(
        isinstance(v, str) and v.startswith("2026-01-05 10:00:00.000000")
        for v in bulk["interactions"][0]
    )
    assert all(bulk.values())  # every table has rows
    assert bulk == plain


def test_bulk_path_merging_slice_by_slice_stores_what_one_merge_would(tmp_path, monkeypatch):
    # Big writes are staged and merged a slice of _RECORD_ROWS rows at a time; the raw rows
    # (ids in the order given, widened identities, refreshed contacts, datetime text) must be
    # those of one merge of all rows: here slices of 2 rows against one slice.
    import sqlite3

    from socialcrm_utils.store import sql as store_sql
    from socialcrm_utils.store import upserts

    def later(frame: pd.DataFrame) -> pd.DataFrame:  # new posts of the same authors
        return frame.assign(
            mention_id=frame["mention_id"] + "-2",
            created_at=pd.to_datetime(frame["created_at"], utc=True) + pd.Timedelta(days=3),
            author_name=frame["author_id"] + " (new name)",
        )

    def filled(path: Path) -> dict[str, list[tuple]]:
        with open_store(f"sqlite:///{path}") as opened:
            run_id = fill(opened)
            fill(opened)
            opened.upsert_mentions(CLIENT, later(mentions_frame()), run_id)
            opened.upsert_cases(CLIENT, clocks_frame().iloc[::-1], run_id)
        with sqlite3.connect(path) as raw:
            return {
                t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("contacts", "identities", "interactions", "cases")
            }

    whole = filled(tmp_path / "whole.sqlite")
    for module in (store_sql, upserts):
        monkeypatch.setattr(module, "_RECORD_ROWS", 2)
    sliced = filled(tmp_path / "sliced.sqlite")
    assert len(whole["interactions"]) == 10 and len(whole["contacts"]) == 3
    assert any("(new name)" in str(row) for row in whole["contacts"])  # contacts refreshed
    assert sliced == whole


def test_a_slice_failing_in_the_helper_thread_writes_nothing(tmp_path, monkeypatch):
    # The next slice's values are built in a helper thread while the current slice merges, with
    # the cyclic garbage collector paused: an error there reaches the caller, the transaction
    # writes nothing, and the collector is on again afterwards (off if it was off before).
    import gc
    import sqlite3
    import threading

    from socialcrm_utils.store import sql as store_sql
    from socialcrm_utils.store import upserts

    for module in (store_sql, upserts):
        monkeypatch.setattr(module, "_RECORD_ROWS", 2)
    built = store_sql._stage_values
    seen: list[tuple[str, int, bool]] = []

    def failing(table, frame, first, postgres):
        seen.append((threading.current_thread().name, first, gc.isenabled()))
        if table.name == "interactions" and first >= 4:
            raise RuntimeError("slice 3 cannot be converted")
        return built(table, frame, first, postgres)

    monkeypatch.setattr(store_sql, "_stage_values", failing)
    path = tmp_path / "crm.sqlite"
    with open_store(f"sqlite:///{path}") as opened:
        run_id = opened.record_run(CLIENT, "reports/tiny/a", None)
        with pytest.raises(RuntimeError, match="slice 3"):
            opened.upsert_mentions(CLIENT, mentions_frame(), run_id)
        assert gc.isenabled()
        gc.disable()
        try:
            with pytest.raises(RuntimeError, match="slice 3"):
                opened.upsert_mentions(CLIENT, mentions_frame(), run_id)
            assert not gc.isenabled()
        finally:
            gc.enable()
    with sqlite3.connect(path) as raw:
        for table in ("contacts", "identities", "interactions"):
            assert raw.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    assert {first for _, first, _ in seen} >= {0, 2, 4}  # the slices before the failing one
    assert not any(enabled for _, _, enabled in seen)  # built with the collector paused
    later = [name for name, first, _ in seen if first > 0]
    assert later and all(name.startswith("store-stage") for name in later)  # in the helper


def test_new_identities_are_known_without_reading_them_back(tmp_path, monkeypatch):
    # New identities take their ids as new contacts do, and the map of authors is built from
    # them without reading every identity again; a write where that check fails (another
    # writer's identity) reads the map back. Both store the same raw rows and return the same.
    import sqlite3

    from socialcrm_utils.store import upserts

    def filled(path: Path) -> tuple[list, dict[str, list[tuple]]]:
        results = []
        with open_store(f"sqlite:///{path}") as opened:
            run_id = opened.record_run(CLIENT, "reports/tiny/a", None)
            results.append(opened.upsert_cases(CLIENT, clocks_frame().iloc[1:], run_id))
            results.append(opened.upsert_mentions(CLIENT, mentions_frame().iloc[2:], run_id))
            results.append(opened.upsert_mentions(CLIENT, mentions_frame(), run_id))
            results.append(opened.upsert_cases(CLIENT, clocks_frame(), run_id))
        with sqlite3.connect(path) as raw:
            return results, {
                t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("contacts", "identities", "interactions", "cases")
            }

    reads = []
    identity_map = upserts._identity_map
    monkeypatch.setattr(upserts, "_identity_map", lambda *a: reads.append(1) or identity_map(*a))
    direct = filled(tmp_path / "direct.sqlite")
    assert len(reads) == 4  # one read per write: none after creating identities
    monkeypatch.setattr(upserts, "_all_stored", lambda *a: False)
    read_back = filled(tmp_path / "read_back.sqlite")
    assert len(reads) == 4 + 6
    assert direct[0][1]["new_contacts"] == 1 and len(direct[1]["identities"]) == 3
    assert read_back == direct


def test_identity_added_by_another_writer_meanwhile_is_kept(store, monkeypatch):
    # A stale read of the identities (another writer stored ann's meanwhile): the insert of
    # ann's identity does nothing, the contact made for it is dropped, interactions use theirs.
    from socialcrm_utils.store import upserts

    store.upsert_mentions(CLIENT, mentions_frame().iloc[:1])
    theirs = store.read("identities", CLIENT)
    identity_map = upserts._identity_map
    stale = iter([True])
    monkeypatch.setattr(
        upserts,
        "_identity_map",
        lambda *a: identity_map(*a).iloc[:0] if next(stale, False) else identity_map(*a),
    )
    result = store.upsert_mentions(CLIENT, mentions_frame())
    assert result["new_contacts"] == 2  # bob on twitter and ann on reddit, not ann on twitter
    identities_now = store.read("identities", CLIENT)
    assert len(identities_now) == 3 and len(store.read("contacts", CLIENT)) == 3
    ann = theirs.iloc[0]
    stored = store.read("interactions", CLIENT).set_index("mention_id")
    assert stored.loc["t1", "identity_id"] == ann["id"]
    assert stored.loc["t3", "contact_id"] == ann["contact_id"]


def test_two_writers_at_once_wait_for_each_other_instead_of_taking_the_same_ids(
    tmp_path, monkeypatch
):
    # Writer A has read the identity map (none yet) and is paused before it writes; writer B
    # starts the same write meanwhile. B must wait for A's transaction (SQLite: BEGIN
    # IMMEDIATE), then see A's contacts: without it B took the ids A was about to take, and A
    # failed with "UNIQUE constraint failed: contacts.id" (two runs of one client at once).
    import threading

    from socialcrm_utils.store import upserts

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    paused, resume = threading.Event(), threading.Event()
    identity_map = upserts._identity_map

    def pausing_map(*args):
        found = identity_map(*args)
        if threading.current_thread().name == "A" and not resume.is_set():
            paused.set()
            assert resume.wait(30)
        return found

    monkeypatch.setattr(upserts, "_identity_map", pausing_map)
    with open_store(url):
        pass  # the tables exist before both writers open the store
    results: dict[str, object] = {}

    def write(name: str) -> None:
        try:
            with open_store(url) as opened:
                results[name] = opened.upsert_mentions(CLIENT, mentions_frame())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = exc

    a = threading.Thread(target=write, args=("A",), name="A")
    a.start()
    assert paused.wait(30)
    b = threading.Thread(target=write, args=("B",), name="B")
    b.start()
    b.join(1.0)
    assert b.is_alive(), "B wrote while A's transaction was open"
    resume.set()
    a.join(60)
    b.join(60)
    assert isinstance(results["A"], dict) and isinstance(results["B"], dict), results
    assert results["A"]["new_contacts"] == 3 and results["B"]["new_contacts"] == 0
    with open_store(url) as opened:
        assert len(opened.read("contacts", CLIENT)) == 3
        assert len(opened.read("identities", CLIENT)) == 3
        assert len(opened.read("interactions", CLIENT)) == len(mentions_frame())


def test_sqlite_store_waits_for_other_writers_longer_than_the_driver_default(tmp_path):
    from socialcrm_utils.store.core import SQLITE_TIMEOUT

    def busy_timeout(url: str) -> int:
        with open_store(url) as opened, opened.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert busy_timeout(f"sqlite:///{tmp_path / 'a.sqlite'}") == SQLITE_TIMEOUT * 1000 >= 60_000
    assert busy_timeout(f"sqlite:///{tmp_path / 'b.sqlite'}?timeout=2") == 2000


@pytest.mark.parametrize("dtype", [object, "str", "string"])
def test_each_mention_gets_its_authors_identity_whatever_the_string_type(store_url, dtype):
    # Mentions are matched to identities by the grouping that finds the authors (no merge on
    # the text keys): brand posts, posts without an author and an author who is also a
    # brand handle on another platform each get what the merge gave.
    rows = [
        mention("a1", "twitter", "ann", "2026-01-05 10:00", "one"),
        mention("b1", "twitter", "AcmeAir", "2026-01-05 10:05", "brand", brand=True),
        mention("a2", "reddit", "ann", "2026-01-05 10:10", "two", name="ann_r"),
        mention("c1", "reddit", "AcmeAir", "2026-01-05 10:20", "a customer called AcmeAir"),
        mention("n1", "twitter", "x", "2026-01-05 10:30", "no author"),
        mention("a3", "twitter", "ann", "2026-01-05 09:00", "earlier", name="Ann Early"),
    ]
    frame = pd.DataFrame(rows)
    frame.loc[4, "author_id"] = None
    for column in ("mention_id", "platform", "author_id", "author_name"):
        frame[column] = frame[column].astype(dtype)
    with open_store(store_url) as opened:
        assert opened.upsert_mentions(CLIENT, frame) == {
            "interactions": 6,
            "identities": 3,
            "new_contacts": 3,
        }
        posts = opened.read("interactions", CLIENT).set_index("mention_id")
        ident = opened.read("identities", CLIENT).set_index(["platform", "author_id"])
    by_key = {key: (row["id"], row["contact_id"]) for key, row in ident.iterrows()}
    assert ident.loc[("twitter", "ann"), "display_name"] == "Ann"  # the latest post's name
    for mention_id, key in [
        ("a1", ("twitter", "ann")),
        ("a3", ("twitter", "ann")),
        ("a2", ("reddit", "ann")),
        ("c1", ("reddit", "AcmeAir")),
    ]:
        assert (posts.loc[mention_id, "identity_id"], posts.loc[mention_id, "contact_id"]) == (
            by_key[key]
        )
    for mention_id in ("b1", "n1"):
        assert pd.isna(posts.loc[mention_id, "identity_id"])
        assert pd.isna(posts.loc[mention_id, "contact_id"])


@pytest.mark.parametrize("dtype", [object, "str", "string"])
def test_each_case_gets_its_customers_identity_whatever_the_string_type(store_url, dtype):
    clocks = pd.concat([clocks_frame(), clocks_frame().iloc[[1]]], ignore_index=True)
    clocks.loc[3, ["conversation_id", "customer_id"]] = ["x1", None]  # no customer
    for column in ("conversation_id", "platform", "customer_id", "url", "status", "policy"):
        clocks[column] = clocks[column].astype(dtype)
    with open_store(store_url) as opened:
        assert opened.upsert_cases(CLIENT, clocks) == 4
        cases = opened.read("cases", CLIENT).set_index("conversation_id")
        ident = opened.read("identities", CLIENT).set_index(["platform", "author_id"])
    assert len(ident) == 3
    for conversation, key in [
        ("t1", ("twitter", "ann")),
        ("t4", ("twitter", "bob")),
        ("r1", ("reddit", "ann")),
    ]:
        assert cases.loc[conversation, "identity_id"] == ident.loc[key, "id"]
        assert cases.loc[conversation, "contact_id"] == ident.loc[key, "contact_id"]
    assert pd.isna(cases.loc["x1", "identity_id"]) and pd.isna(cases.loc["x1", "contact_id"])
    assert cases.loc["t1", "url"] == "https://twitter.example.com/ann/t1"
    assert cases.loc["t4", "status"] == "open_breached"
