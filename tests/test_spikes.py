"""Spike alerts compare a day with the days the data covers (issue 13, item 4; docs/spikes.md).

Known answers, computed by hand in the comments: the coverage of ``daily_volume`` (per source,
first to last post, real zeros inside), the minimum history of ``detect_spikes`` (7 covered
days, posts on at least half of them), and the baseline an alert names.
"""

from __future__ import annotations

import math

import dask.dataframe as dd
import pandas as pd
import pytest

from socialcrm_utils.engine.partitioned import daily_volume_partitioned
from socialcrm_utils.playbook import Listening
from socialcrm_utils.steps.listening import (
    ALERT_COLUMNS,
    DAILY_COLUMNS,
    daily_volume,
    detect_spikes,
)

from .conftest import SHARED_DATA

TWCS = SHARED_DATA / "twcs" / "twcs_subset.csv"
AIRLINE = SHARED_DATA / "airline" / "Tweets.csv"
METRICS = ("mentions", "customer_mentions", "negative", "complaints")


def _complaints(per_day: dict[str, int], source: str = "export") -> pd.DataFrame:
    """Scored posts: ``n`` customer complaints at noon UTC on each day (no key: no posts)."""
    days = [day for day, n in per_day.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "created_at": pd.to_datetime([f"{day} 12:00" for day in days], utc=True),
            "source": source,
            "is_customer": True,
            "sentiment_label": "negative",
            "intent": "complaint",
        }
    )


def _daily(counts: list[int], start: str = "2026-01-01") -> pd.DataFrame:
    """Covered days in a row from ``start``: complaints, and as many posts as complaints."""
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=len(counts)),
            "mentions": counts,
            "complaints": counts,
        }
    )


def _days(start: str, n: int) -> list[str]:
    return [str(day.date()) for day in pd.date_range(start, periods=n)]


# --- coverage: which days are days of the data ------------------------------------------------


def test_a_one_day_export_gives_no_alert():
    daily = daily_volume(_complaints({"2017-10-31": 400}), "UTC")
    assert daily["date"].tolist() == [pd.Timestamp("2017-10-31")]
    for metric in METRICS:
        assert detect_spikes(daily, column=metric, min_count=0).empty


def test_a_big_first_day_gives_no_alert_on_that_day():
    # 300 complaints on day 1, then ten quiet days: day 1 has no covered day before it.
    per_day = {"2026-01-01": 300} | dict.fromkeys(_days("2026-01-02", 10), 2)
    daily = daily_volume(_complaints(per_day), "UTC")
    assert len(daily) == 11 and daily["complaints"].iloc[0] == 300
    assert detect_spikes(daily, min_count=0).empty


def test_days_inside_the_range_without_posts_count_as_zeros():
    # 10 covered days, 2026-01-03 without any post: 9 x 2 complaints and one real 0.
    per_day = dict.fromkeys(_days("2026-01-01", 10), 2) | {"2026-01-11": 20}
    del per_day["2026-01-03"]
    daily = daily_volume(_complaints(per_day), "UTC")
    assert daily["date"].tolist() == list(pd.date_range("2026-01-01", "2026-01-11"))
    assert daily.loc[2, ["mentions", "customer_mentions", "negative", "complaints"]].tolist() == [
        0,
        0,
        0,
        0,
    ]
    alert = detect_spikes(daily).iloc[0]
    # mean 18 / 10 = 1.8 (not 2.0: the empty day is a 0); squares 9 * 0.2^2 + 1.8^2 = 3.6;
    # sample variance 3.6 / 9 = 0.4.
    assert alert["baseline_days"] == 10
    assert alert["baseline_mean"] == pytest.approx(1.8)
    assert alert["baseline_std"] == pytest.approx(math.sqrt(0.4))
    assert alert["threshold"] == pytest.approx(1.8 + 3 * math.sqrt(0.4))
    assert "a mean of 1.8/day (std 0.6) over the 10 covered days before" in alert["message"]


def test_days_before_the_first_and_after_the_last_post_of_a_source_are_not_covered():
    # Source "shop" posts 01-01 .. 01-03, source "forum" 01-06 .. 01-07: 01-04 and 01-05 are
    # covered by neither (no row), 01-02 has no post of "shop" but lies in its range (a 0).
    scored = pd.concat(
        [
            _complaints({"2026-01-01": 1, "2026-01-03": 2}, source="shop"),
            _complaints({"2026-01-06": 3, "2026-01-07": 1}, source="forum"),
        ],
        ignore_index=True,
    )
    daily = daily_volume(scored, "UTC")
    assert daily["date"].dt.strftime("%m-%d").tolist() == [
        "01-01",
        "01-02",
        "01-03",
        "01-06",
        "01-07",
    ]
    assert daily["complaints"].tolist() == [1, 0, 2, 3, 1]
    assert list(daily.columns) == list(DAILY_COLUMNS)
    # Without a source column the data is one source: first to last post.
    one = daily_volume(scored.drop(columns="source"), "UTC")
    assert len(one) == 7 and one["complaints"].tolist() == [1, 0, 2, 0, 0, 3, 1]


def test_the_baseline_leaves_out_days_the_data_does_not_cover():
    # Covered: 01-01 .. 01-05 (5 days of 3) and 01-20 .. 01-24 (5 days of 5); 01-06 .. 01-19
    # have no row. 01-25 (40): its 28-day window 12-28 .. 01-24 holds those 10 covered days,
    # mean (15 + 25) / 10 = 4.0, squares 10 * 1^2 = 10, variance 10 / 9.
    daily = pd.concat(
        [_daily([3] * 5), _daily([5] * 5 + [40], start="2026-01-20")], ignore_index=True
    )
    alert = detect_spikes(daily).iloc[0]
    assert alert["date"] == pd.Timestamp("2026-01-25")
    assert alert["baseline_days"] == 10
    assert alert["baseline_from"] == pd.Timestamp("2026-01-01")
    assert alert["baseline_to"] == pd.Timestamp("2026-01-24")
    assert alert["baseline_mean"] == pytest.approx(4.0)
    assert alert["baseline_std"] == pytest.approx(math.sqrt(10 / 9))
    # Counted as zeros, the 14 uncovered days would have made 40 a 40 / (40 / 24) = 24x spike.
    assert alert["ratio"] == pytest.approx(10.0)


# --- minimum history ------------------------------------------------------------------------


def test_a_clear_spike_after_ten_covered_days_names_its_baseline():
    # Baseline 2, 4, 3, 5, 1, 3, 2, 4, 3, 3: mean 3.0; deviations -1 1 0 2 -2 0 -1 1 0 0,
    # squares 12, sample variance 12 / 9, std 1.1547; threshold 3 + 3 * 1.1547 = 6.4641.
    daily = _daily([2, 4, 3, 5, 1, 3, 2, 4, 3, 3, 30])
    alerts = detect_spikes(daily)
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert["date"] == pd.Timestamp("2026-01-11") and alert["count"] == 30
    assert alert["baseline_mean"] == pytest.approx(3.0)
    assert alert["baseline_std"] == pytest.approx(math.sqrt(12 / 9))
    assert alert["threshold"] == pytest.approx(6.46410, abs=1e-5)
    assert alert["ratio"] == pytest.approx(10.0)
    assert (alert["baseline_days"], alert["baseline_from"], alert["baseline_to"]) == (
        10,
        pd.Timestamp("2026-01-01"),
        pd.Timestamp("2026-01-10"),
    )
    assert alert["message"] == (
        "Spike: 30 complaints on 2026-01-11 vs a mean of 3.0/day (std 1.2) over the 10 covered "
        "days before (2026-01-01 to 2026-01-10); alert threshold 6.5, 10.0x the usual."
    )


def test_no_alert_before_seven_covered_days():
    assert detect_spikes(_daily([1] * 6 + [50]), min_count=0).empty  # 6 covered days before
    assert detect_spikes(_daily([1] * 7 + [50]))["baseline_days"].tolist() == [7]


def test_no_alert_on_data_too_sparse_for_a_baseline():
    # A thread dump's stray earlier posts: posts on 3 of the 9 covered days before the one day
    # the export really covers (1 of 3 < half) -- the "17 complaints, 153x the usual".
    sparse = pd.DataFrame(
        {
            "date": pd.date_range("2017-10-22", "2017-10-31"),
            "mentions": [1, 0, 0, 0, 0, 0, 2, 0, 1, 395],
            "complaints": [1, 0, 0, 0, 0, 0, 0, 0, 0, 17],
        }
    )
    assert detect_spikes(sparse, min_count=0).empty
    # Half the days with posts is enough: 5 of 10 (brand replies count as posts).
    enough = sparse.assign(mentions=[1, 1, 0, 1, 0, 1, 2, 0, 0, 395])
    alert = detect_spikes(enough).iloc[0]
    assert (alert["count"], alert["baseline_days"]) == (17, 9)
    assert alert["baseline_mean"] == pytest.approx(1 / 9)
    # Without a mentions column every covered day counts as a day with posts.
    assert len(detect_spikes(sparse.drop(columns="mentions"))) == 1


def test_playbook_window_and_k_still_steer_the_rule():
    defaults = Listening()
    assert (defaults.spike_window, defaults.spike_k) == (28, 3.0)
    daily = _daily([2, 4, 3, 5, 1, 3, 2, 4, 3, 3, 30])
    # window 7: the baseline is 01-04 .. 01-10 = 5, 1, 3, 2, 4, 3, 3 (mean 3.0, squares 10,
    # variance 10 / 6); k 10: threshold 3 + 10 * 1.29099 = 15.91 < 30.
    alert = detect_spikes(daily, window=7, k=10).iloc[0]
    assert alert["baseline_days"] == 7 and alert["baseline_from"] == pd.Timestamp("2026-01-04")
    assert alert["threshold"] == pytest.approx(3 + 10 * math.sqrt(10 / 6))
    assert detect_spikes(daily, window=7, k=25).empty  # 3 + 25 * 1.29099 = 35.3 > 30


# --- the partitioned engine ---------------------------------------------------------------


def test_partitioned_daily_volume_keeps_the_sources_coverage():
    # "shop" spans two partitions (01-01 | 01-04): one source range 01-01 .. 01-04, not two.
    scored = pd.concat(
        [
            _complaints({"2026-01-01": 2}, source="shop"),
            _complaints({"2026-01-04": 1}, source="shop"),
            _complaints({"2026-01-09": 3, "2026-01-10": 1}, source="forum"),
        ],
        ignore_index=True,
    )
    parts = dd.from_pandas(scored, npartitions=2, sort=False)
    got = daily_volume_partitioned(parts, "UTC").compute(scheduler="sync")
    expected = daily_volume(scored, "UTC")
    assert expected["date"].dt.day.tolist() == [1, 2, 3, 4, 9, 10]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)


# --- real exports (skipped without ../shared/data) -----------------------------------------


def _posts(created_at: pd.Series, customer: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "created_at": created_at,
            "is_customer": customer.to_numpy(bool),
            "sentiment_label": "neutral",
            "intent": "other",
            "source": "export",
        }
    )


@pytest.mark.skipif(not TWCS.exists(), reason="needs ../shared/data/twcs")
def test_twcs_dump_alerts_only_against_covered_dense_days():
    raw = pd.read_csv(TWCS, index_col=0, lineterminator="\n")
    created = pd.to_datetime(raw["created_at"], format="%a %b %d %H:%M:%S %z %Y", utc=True)
    daily = daily_volume(_posts(created, raw["inbound"]), "UTC")
    # Before: 10-08 and 10-09 alerted (38x, 69x) against 28 days with posts on only 7 and 8 of them.
    alerts = detect_spikes(daily, column="mentions")
    assert alerts["date"].dt.strftime("%Y-%m-%d").tolist() == ["2017-10-30", "2017-10-31"]
    assert (alerts["baseline_days"] == 28).all()
    assert (
        alerts["message"]
        .iloc[0]
        .startswith(
            "Spike: 80 mentions on 2017-10-30 vs a mean of 7.9/day (std 16.5) over the 28 covered "
            "days before (2017-10-02 to 2017-10-29)"
        )
    )
    # One brand's threads (a customer names it or its account posts): one dense day, a few
    # stray days; before, 10-31 alerted at 886x (394 posts against 9 days mostly empty).
    brand = (raw["author_id"] == "ChipotleTweets") | raw["text"].str.contains(
        "chipotle", case=False
    )
    one = daily_volume(_posts(created[brand], raw.loc[brand, "inbound"]), "America/New_York")
    assert one["mentions"].max() == 394
    for metric in ("mentions", "customer_mentions"):
        assert detect_spikes(one, column=metric, min_count=0).empty


@pytest.mark.skipif(not AIRLINE.exists(), reason="needs ../shared/data/airline")
def test_airline_export_of_eight_days_judges_only_its_last_day():
    raw = pd.read_csv(AIRLINE)
    daily = daily_volume(
        _posts(pd.to_datetime(raw["tweet_created"], utc=True), pd.Series(True, index=raw.index)),
        "UTC",
    )
    assert len(daily) == 8 and daily["date"].iloc[0] == pd.Timestamp("2015-02-17")
    assert detect_spikes(daily, column="mentions").empty
    # Even with k 0 and no minimum count only 02-24 has 7 covered days before it.
    loose = detect_spikes(daily, column="mentions", k=0, min_count=0)
    assert loose["date"].tolist() == [pd.Timestamp("2015-02-24")]
    assert loose["baseline_days"].tolist() == [7]
