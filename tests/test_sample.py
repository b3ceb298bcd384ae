"""Tests of the deterministic sample data generator (socialcrm_utils.sample)."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from socialcrm_utils import config
from socialcrm_utils.sample import (
    _chunks,
    _generate_frame,
    _plan_mentions,
    generate_mentions,
    iter_mentions,
    write_sample,
)
from socialcrm_utils.schema import CANONICAL_COLUMNS

COMMITTED = config.SAMPLE_DIR / "mentions.csv"
BERLIN = "Europe/Berlin"
NEGATIVE = re.compile(
    r"delay|cancel|lost|refund|on hold|waiting|outage|grounded|stuck|down\b|"
    r"verspätung|gestrichen|verloren|erstattung|warteschleife|frechheit|störung|fest\b|ausfall",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
RESERVED_PHONE = re.compile(r"^(\+44 7700 900\d{3}|07700 900\d{3}|\+1 \d{3}-555-01\d{2})$")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
CARD = re.compile(r"\b(?:\d{4} ){3}\d{4}\b")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """The default sample (6,000 rows, default seed), canonical columns."""
    return generate_mentions()


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    """The default sample with the generator's internal labels (kind, intent, template)."""
    return _generate_frame(6000, seed=20261123, start="2026-08-31", weeks=9)


def _customer(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["is_brand"]]


def _local_day(df: pd.DataFrame) -> pd.Series:
    return df["created_at"].dt.tz_convert(BERLIN).dt.date


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    first = generate_mentions(500, seed=11)
    pd.testing.assert_frame_equal(first, generate_mentions(500, seed=11))
    other = generate_mentions(500, seed=12)
    assert not first["text"].equals(other["text"])


@pytest.mark.parametrize(("n", "tolerance"), [(200, 0.05), (1500, 0.02), (6000, 0.01)])
def test_size_close_to_requested(n: int, tolerance: float) -> None:
    assert abs(len(generate_mentions(n, seed=5)) - n) <= tolerance * n


def test_canonical_schema_sorted_unique(sample: pd.DataFrame) -> None:
    assert list(sample.columns) == list(CANONICAL_COLUMNS)
    assert {c: str(t) for c, t in sample.dtypes.items()} == CANONICAL_COLUMNS
    assert sample["mention_id"].is_unique
    assert set(sample["source"]) == {"sample"}
    assert sample["text"].notna().all() and (sample["text"].str.strip() != "").all()
    keys = sample[["created_at", "mention_id"]]
    assert keys.equals(keys.sort_values(["created_at", "mention_id"]).reset_index(drop=True))
    assert sample["mention_id"].str.fullmatch(r"(tw|fb|ig|rd|tp|fo)-\d{6,}").all()


def test_platforms_languages_and_period(sample: pd.DataFrame) -> None:
    counts = sample["platform"].value_counts()
    assert set(counts.index) == {
        "twitter",
        "facebook",
        "instagram",
        "reddit",
        "trustpilot",
        "forum",
    }
    assert counts.iloc[0] > 3 * counts.iloc[-1]  # different volumes
    share_de = (sample["lang"] == "de").mean()
    assert set(sample["lang"]) == {"en", "de"} and 0.35 <= share_de <= 0.55
    local = sample["created_at"].dt.tz_convert(BERLIN)
    assert local.min() >= pd.Timestamp("2026-08-31", tz=BERLIN)
    assert local.max() < pd.Timestamp("2026-11-02", tz=BERLIN)
    assert local.max() - local.min() >= pd.Timedelta(weeks=8)


def test_diurnal_and_weekly_rhythm(sample: pd.DataFrame) -> None:
    local = _customer(sample)["created_at"].dt.tz_convert(BERLIN)
    hours = local.dt.hour.value_counts()
    assert hours.loc[[2, 3, 4]].sum() * 10 < hours.loc[[10, 11, 12]].sum()


def test_threads_are_consistent(sample: pd.DataFrame) -> None:
    by_id = sample.set_index("mention_id")
    replies = sample[sample["in_reply_to_id"].notna()]
    assert replies["in_reply_to_id"].isin(by_id.index).all()
    parents = by_id.loc[replies["in_reply_to_id"]]
    assert (replies["created_at"].to_numpy() > parents["created_at"].to_numpy()).all()
    assert (replies["conversation_id"].to_numpy() == parents["conversation_id"].to_numpy()).all()
    assert (replies["platform"].to_numpy() == parents["platform"].to_numpy()).all()
    roots = sample[sample["in_reply_to_id"].isna()]
    assert (roots["conversation_id"] == roots["mention_id"]).all()
    brand = sample[sample["is_brand"]]
    assert set(brand["author_id"]) == {"AcmeAir", "AcmeAirHelp"}
    assert set(brand["author_name"]) == {"ACME Air", "ACME Air Help"}
    # Some threads continue: customer follow-up after the brand reply, then a second reply.
    follow_ups = replies[~replies["is_brand"]]
    assert len(follow_ups) > 50
    assert by_id.loc[follow_ups["in_reply_to_id"], "is_brand"].all()
    dm = brand["text"].str.contains(r"\bDM\b|private (?:message|Nachricht)", regex=True)
    assert dm.mean() > 0.1


def test_some_customer_posts_stay_unanswered(labelled: pd.DataFrame) -> None:
    answered = set(labelled.loc[labelled["is_brand"], "in_reply_to_id"].dropna())
    to_brand = labelled[
        (labelled["kind"] == "root")
        & ~labelled["template"].str.startswith("comp_")
        & labelled["intent"].isin(["complaint", "question"])
    ]
    unanswered = 1 - to_brand["mention_id"].isin(answered).mean()
    assert 0.15 <= unanswered <= 0.35
    competitors_only = labelled["template"].str.startswith("comp_")
    assert not labelled.loc[competitors_only, "mention_id"].isin(answered).any()


def test_first_responses_faster_on_twitter_than_forum_and_reviews(sample: pd.DataFrame) -> None:
    by_id = sample.set_index("mention_id")
    first = sample[sample["is_brand"] & sample["in_reply_to_id"].notna()]
    first = first[~by_id.loc[first["in_reply_to_id"], "in_reply_to_id"].notna().to_numpy()]
    delay = (
        first["created_at"].to_numpy() - by_id.loc[first["in_reply_to_id"], "created_at"].to_numpy()
    ) / np.timedelta64(1, "m")
    median = pd.Series(delay, index=first["platform"].to_numpy()).groupby(level=0).median()
    assert median["twitter"] < median["forum"] and median["twitter"] < median["trustpilot"]


def test_replies_wait_for_business_hours(sample: pd.DataFrame) -> None:
    local = sample.loc[sample["is_brand"] & sample["in_reply_to_id"].notna(), "created_at"]
    local = local.dt.tz_convert(BERLIN)
    in_hours = (local.dt.day_of_week < 5) & local.dt.hour.between(8, 19)
    assert in_hours.mean() > 0.9


def test_crisis_day_has_most_negative_posts_by_far(sample: pd.DataFrame) -> None:
    customer = _customer(sample)
    negative = customer[customer["text"].str.contains(NEGATIVE)]
    per_day = negative.groupby(_local_day(negative)).size().sort_values(ascending=False)
    assert str(per_day.index[0]) == "2026-10-14"
    assert per_day.iloc[0] > 4 * per_day.iloc[1]
    crisis_day = customer[_local_day(customer).astype(str) == "2026-10-14"]
    hours = crisis_day["created_at"].dt.tz_convert(BERLIN).dt.hour
    assert hours.between(6, 11).mean() > 0.5  # peaks in the morning
    statements = sample[
        sample["is_brand"]
        & sample["in_reply_to_id"].isna()
        & sample["text"].str.contains("IT outage|IT-Störung")
    ]
    assert set(statements["lang"]) == {"en", "de"}


def test_competitor_share_of_voice(sample: pd.DataFrame) -> None:
    brand = sample["text"].str.contains(r"acme ?air", case=False)
    competitor = sample["text"].str.contains(r"globex|initech ?air", case=False)
    assert 0.15 <= (competitor & ~brand).mean() <= 0.25
    assert (competitor & brand).sum() > 20  # comparisons


def test_personal_data_only_in_reserved_forms(sample: pd.DataFrame) -> None:
    text = _customer(sample)["text"]
    domains = text.str.findall(EMAIL).explode().dropna()
    assert len(domains) > 0
    assert domains.str.lower().isin(["example.com", "example.org", "example.net"]).all()
    without_accounts = text.str.replace(IBAN, "", regex=True).str.replace(CARD, "", regex=True)
    phones = without_accounts.str.findall(PHONE).explode().dropna()
    assert len(phones) > 0 and phones.str.fullmatch(RESERVED_PHONE).all(), phones.tolist()
    ibans = set(text.str.findall(IBAN).explode().dropna())
    assert ibans and ibans <= {"DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32"}
    cards = text.str.replace(IBAN, "", regex=True).str.findall(CARD).explode().dropna()
    assert set(cards) == {"4111 1111 1111 1111"}
    with_pii = text.str.contains(r"@example\.(?:com|org|net)|7700 900|555-01|DE89|GB82|4111")
    assert 15 <= with_pii.sum() <= 30
    assert text.str.contains(r"ACM-[A-Z0-9]{6}").sum() >= 15


def test_authors_invented_and_repeat(sample: pd.DataFrame) -> None:
    authors = _customer(sample)["author_id"].value_counts()
    assert 1500 <= len(authors) <= 2500
    assert authors.iloc[0] >= 5  # some repeat posters
    reach = _customer(sample).groupby(["platform", "author_id"])["reach"].nunique()
    assert (reach == 1).all()  # stable per author
    assert _customer(sample)["reach"].max() >= 50_000
    assert sample["url"].str.match(r"https://[\w.-]+\.example(?:\.com)?/").all()


def test_proactive_posts_show_a_best_posting_time(sample: pd.DataFrame) -> None:
    posts = sample[
        (sample["author_id"] == "AcmeAir")
        & sample["in_reply_to_id"].isna()
        & ~sample["text"].str.contains("IT outage|IT-Störung|Update:")
    ]
    assert 80 <= len(posts) <= 120
    local = posts["created_at"].dt.tz_convert(BERLIN)
    best = local.dt.day_of_week.between(1, 3) & local.dt.hour.isin([11, 12, 18, 19])
    ratio = posts["likes"] / posts.groupby("platform")["likes"].transform("median")
    assert ratio[best].mean() > 1.5 * ratio[~best].mean()


def test_twitter_texts_fit_280_characters(sample: pd.DataFrame) -> None:
    assert sample.loc[sample["platform"] == "twitter", "text"].str.len().max() <= 280


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="at least 100"):
        generate_mentions(10)
    with pytest.raises(ValueError, match="write_sample"):
        generate_mentions(200, include_malformed=True)
    with pytest.raises(ValueError, match="suffix"):
        write_sample("mentions.xlsx", 200)


def test_parquet_has_no_malformed_rows(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "m.parquet", 300, seed=2)
    back = pd.read_parquet(path)
    expected = generate_mentions(300, seed=2)
    assert len(back) == len(expected) and back["mention_id"].is_unique


def test_committed_sample_ends_with_exactly_three_malformed_rows() -> None:
    raw = pd.read_csv(COMMITTED, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(raw.columns) == list(CANONICAL_COLUMNS)
    good, bad = raw.iloc[:-3], raw.iloc[-3:]
    assert len(good) >= 5000
    assert (good["text"].str.strip() != "").all() and good["mention_id"].is_unique
    assert pd.to_datetime(good["created_at"], format="%Y-%m-%dT%H:%M:%SZ").notna().all()
    assert bad.iloc[0]["text"] == ""
    assert bad.iloc[1]["created_at"] == "not a date"
    assert bad.iloc[2]["mention_id"] in set(good["mention_id"])
    assert not bad.iloc[:2]["mention_id"].isin(good["mention_id"]).any()


def test_committed_sample_is_reproducible(tmp_path: Path) -> None:
    regenerated = write_sample(tmp_path / "mentions.csv")
    assert regenerated.read_bytes() == COMMITTED.read_bytes()


def test_chunks_concatenate_to_the_whole_frame() -> None:
    whole = generate_mentions(5000, seed=9)
    chunks = list(iter_mentions(5000, seed=9, chunk_rows=1000))
    assert [len(c) for c in chunks[:-1]] == [1000] * (len(chunks) - 1) and len(chunks[-1]) <= 1000
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    # Threads cross chunk boundaries: replies in later chunks answer posts in earlier ones.
    earlier = set(chunks[0]["mention_id"])
    later = pd.concat(chunks[1:])
    assert later["in_reply_to_id"].isin(earlier).sum() > 10
    assert later["conversation_id"].isin(earlier).sum() > 10


def test_chunked_files_equal_unchunked(tmp_path: Path) -> None:
    whole = generate_mentions(5000, seed=9)
    chunked = write_sample(tmp_path / "chunked.parquet", 5000, seed=9, chunk_rows=1000)
    assert pq.ParquetFile(chunked).metadata.num_row_groups == -(-len(whole) // 1000)
    pd.testing.assert_frame_equal(pd.read_parquet(chunked), whole)
    one = write_sample(tmp_path / "one.parquet", 5000, seed=9, chunk_rows=10**6)
    pd.testing.assert_frame_equal(pd.read_parquet(one), whole)
    csv_chunked = write_sample(tmp_path / "chunked.csv", 5000, seed=9, chunk_rows=1000)
    csv_one = write_sample(tmp_path / "one.csv", 5000, seed=9, chunk_rows=10**6)
    assert csv_chunked.read_bytes() == csv_one.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


def test_string_memory_is_bounded_by_the_chunk() -> None:
    """Only the numeric plan grows with the sample; strings are made one chunk at a time."""
    plan = _plan_mentions(3000, seed=4, start="2026-08-31", weeks=9)

    def peak(chunk_rows: int) -> int:
        tracemalloc.start()
        try:
            for _ in _chunks(plan, chunk_rows):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(300) < 0.35 * peak(3000)


def test_chunk_rows_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chunk_rows"):
        write_sample(tmp_path / "m.parquet", 200, chunk_rows=0)
    with pytest.raises(ValueError, match="chunk_rows"):
        next(iter_mentions(200, chunk_rows=0))
