"""One definition per number: the platform table's total row and the KPI cards agree.

A hand-made frame on two platforms whose rates differ, so that a plain mean over platforms
would not give the overall figure (the bug: 11.8% net sentiment in the platform table, 7.3% on
the KPI card):

  post  platform  author  brand?  names            sentiment  intent     reach
  p1    x         a       no      the brand        positive   praise     100
  p2    x         a       no      -                negative   complaint  150   (a: 150 once)
  p3    x         b       no      -                negative   complaint  -
  p4    x         c       no      the brand        neutral    question   20
  p5    x         d       no      -                unscored   other      -
  p6    y         e       no      the brand        positive   praise     -
  p7    y         f       no      -                positive   other      -
  p8    y         g       no      Globex only      negative   complaint  5     (left out)
  p9    x         Brand   yes     -                neutral    other      9999  (left out)

Population (customer posts about the brand): p1-p7. x: 5 posts, 4 scored (1 pos, 2 neg,
1 neutral): net (1 - 2) / 4 = -0.25, negative share 2/4, complaints 2/5, reach 150 + 20 = 170.
y: 2 posts, 2 scored, both positive: net 1.0, negative share 0, complaints 0, reach unknown.
Overall: 7 posts, 6 scored (3 pos, 2 neg): net 1/6 (the plain mean of -0.25 and 1.0 would be
0.375), negative share 2/6, complaint rate 2/7, reach 170, share of voice 7 / (7 + 1) = 0.875.
Conversations: x 3 (1 answered), y 1 (answered): 2/4 = 0.5 (the plain mean would be 2/3).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from socialcrm_utils import metrics
from socialcrm_utils.kpis import compute_kpis, kpi_table
from socialcrm_utils.steps.platforms import add_platform_total, share_of_voice, summarize_platforms


@pytest.fixture
def posts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mention_id": [f"p{i}" for i in range(1, 10)],
            "platform": ["x", "x", "x", "x", "x", "y", "y", "y", "x"],
            "author_id": ["a", "a", "b", "c", "d", "e", "f", "g", "Brand"],
            "is_brand": [False] * 8 + [True],
            "mentions_brand": [True, False, False, True, False, True, False, False, False],
            "competitor": [None] * 7 + ["Globex", None],
            "sentiment_label": [
                "positive",
                "negative",
                "negative",
                "neutral",
                "unscored",
                "positive",
                "positive",
                "negative",
                "neutral",
            ],
            "intent": [
                "praise",
                "complaint",
                "complaint",
                "question",
                "other",
                "praise",
                "other",
                "complaint",
                "other",
            ],
            "reach": pd.array([100, 150, None, 20, None, None, None, 5, 9999], dtype="Int64"),
            "created_at": pd.date_range("2017-10-01", periods=9, freq="D", tz="UTC"),
        }
    )


@pytest.fixture
def clocks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": ["x", "x", "x", "y"],
            "first_response_at": pd.to_datetime(["2017-10-02", None, None, "2017-10-07"], utc=True),
            "first_response_h": [1.0, math.nan, math.nan, 2.0],
            "status": ["met", "open_breached", "open", "met"],
        }
    )


def test_population_is_customer_posts_about_the_brand(posts):
    assert posts.loc[metrics.select_population(posts), "mention_id"].tolist() == [
        "p1",
        "p2",
        "p3",
        "p4",
        "p5",
        "p6",
        "p7",
    ]


def test_counts_and_rates_per_platform_by_hand(posts):
    table = metrics.summarize_posts(posts, by="platform").set_index("platform")
    assert table["mentions"].to_dict() == {"x": 5, "y": 2}
    assert table["sentiment_scored"].to_dict() == {"x": 4, "y": 2}
    assert table["net_sentiment"].to_dict() == {"x": -0.25, "y": 1.0}
    assert table["negative_share"].to_dict() == {"x": 0.5, "y": 0.0}
    assert table["complaint_rate"].to_dict() == {"x": 0.4, "y": 0.0}
    assert table.loc["x", "reach"] == 170 and math.isnan(table.loc["y", "reach"])


def test_overall_figures_by_hand(posts, clocks):
    assert metrics.volume(posts) == 7
    assert metrics.reach(posts) == 170
    assert metrics.net_sentiment(posts) == pytest.approx(1 / 6)
    assert metrics.negative_share(posts) == pytest.approx(2 / 6)
    assert metrics.complaint_rate(posts) == pytest.approx(2 / 7)
    assert metrics.response_rate(clocks) == 0.5
    assert metrics.share_of_voice(posts) == 0.875


def test_platform_total_row_equals_the_kpi_cards(posts, clocks):
    platforms = summarize_platforms(posts, clocks)
    total = add_platform_total(platforms).iloc[-1]
    kpis = compute_kpis(posts, clocks)
    assert total["platform"] == "all platforms"
    # the weighted figures, by hand, and the KPI cards: one number each
    assert total["mentions"] == kpis["volume"] == 7
    assert total["reach"] == kpis["reach"] == 170
    assert total["net_sentiment"] == pytest.approx(kpis["net_sentiment"]) == pytest.approx(1 / 6)
    assert total["complaint_rate"] == pytest.approx(kpis["complaint_rate"])
    assert total["response_rate"] == pytest.approx(kpis["response_rate"]) == 0.5
    assert total["negative_share"] == pytest.approx(metrics.negative_share(posts))
    # a plain mean over the platforms would disagree: the weights matter on this frame
    assert platforms["net_sentiment"].mean() == pytest.approx(0.375)
    sov = share_of_voice(posts, "ACME", ["Globex"]).set_index("name")
    assert sov.loc["ACME", "share"] == pytest.approx(kpis["share_of_voice"]) == 0.875


def test_unknown_reach_is_not_zero(posts, clocks):
    unknown = posts.assign(reach=pd.array([None] * len(posts), dtype="Int64"))
    kpis = compute_kpis(unknown, clocks)
    assert math.isnan(kpis["reach"])
    card = kpi_table(kpis).set_index("name").loc["reach"]
    assert card["display"] == "n/a" and math.isnan(card["value"])
    table = summarize_platforms(unknown, clocks)
    assert table["reach"].isna().all() and table["reach_share"].isna().all()
    assert math.isnan(add_platform_total(table).iloc[-1]["reach"])


def test_figures_without_scores_or_clocks_are_nan_not_zero():
    canonical = pd.DataFrame(
        {
            "platform": ["x"],
            "author_id": ["a"],
            "is_brand": [False],
            "created_at": pd.to_datetime(["2026-01-01"], utc=True),
        }
    )
    assert metrics.volume(canonical) == 1
    assert math.isnan(metrics.net_sentiment(canonical))
    assert math.isnan(metrics.reach(canonical))
    empty = pd.DataFrame({"first_response_at": pd.Series([], dtype="datetime64[ns, UTC]")})
    assert math.isnan(metrics.response_rate(empty))


# --- complaints are counted by the flag (issue 15) ----------------------------------------------

# The fixture with multi-label flags: p4 ("why is it still broken?", primary intent question) is
# also a complaint, p2 is only a complaint, p8 (a complaint about Globex only) is left out as
# before. x: complaints p2, p3, p4 = 3/5; y: 0/2; overall 3/7. Without the flag column (an old
# artifact) the primary intent counts: 2/5, 0/2, 2/7 as above.
FLAG_CASES = [
    (
        "flags",
        [False, True, True, True, False, False, False, True, False],
        {"x": 0.6, "y": 0.0},
        3 / 7,
    ),
    ("old-artifact", None, {"x": 0.4, "y": 0.0}, 2 / 7),
]


@pytest.mark.parametrize(
    ("is_complaint", "per_platform", "overall"),
    [case[1:] for case in FLAG_CASES],
    ids=[c[0] for c in FLAG_CASES],
)
def test_complaint_rate_counts_is_complaint(posts, clocks, is_complaint, per_platform, overall):
    frame = posts if is_complaint is None else posts.assign(is_complaint=is_complaint)
    table = metrics.summarize_posts(frame, by="platform").set_index("platform")
    assert table["complaint_rate"].to_dict() == pytest.approx(per_platform)
    assert metrics.complaint_rate(frame) == pytest.approx(overall)
    total = add_platform_total(summarize_platforms(frame, clocks)).iloc[-1]
    assert total["complaint_rate"] == pytest.approx(compute_kpis(frame, clocks)["complaint_rate"])
    assert total["complaint_rate"] == pytest.approx(overall)
