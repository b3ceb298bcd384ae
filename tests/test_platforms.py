"""Step 1 platform table, ranking and share of voice on the tiny fixture, computed by hand.

About-brand customer posts (t8, t9 name only Globex): twitter t1 (neg), t3 (neutral), t10
(neutral), t11 (pos); facebook t5 (pos), t6 (neg). Reach per unique author: twitter ann 200 +
ben 80 + gus 300 = 580; facebook cara 150 + dan 12,000 = 12,150. Conversations: twitter t1, t3
answered, t10 not (2/3); facebook t6 answered, t5 not (1/2).

Sentiment figures are the KPI's, over every scored post (neutral ones too): twitter net
(1 - 1) / 4 = 0, negative share 1/4; facebook net (1 - 1) / 2 = 0, negative share 1/2.
"""

from __future__ import annotations

import pytest

from socialcrm_utils.kpis import compute_kpis
from socialcrm_utils.steps.platforms import (
    add_platform_total,
    rank_platforms,
    share_of_voice,
    summarize_platforms,
)

from .conftest import EXPECTED, ROOT


def test_platform_table_by_hand(tiny):
    _, _, scored, clocks = tiny
    table = summarize_platforms(scored, clocks).set_index("platform")
    assert table.index.tolist() == ["twitter", "facebook"]
    assert table["mentions"].tolist() == [4, 2]
    assert table["reach"].tolist() == [580, 12150]
    assert table["reach_share"].tolist() == pytest.approx([580 / 12730, 12150 / 12730])
    assert table["sentiment_scored"].tolist() == [4, 2]
    assert table["net_sentiment"].tolist() == pytest.approx([(1 - 1) / 4, (1 - 1) / 2])
    assert table["negative_share"].tolist() == pytest.approx([1 / 4, 1 / 2])
    assert table["complaint_rate"].tolist() == pytest.approx([1 / 4, 1 / 2])
    assert table[["conversations", "answered"]].values.tolist() == [[3, 2], [2, 1]]
    assert table["response_rate"].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert table["brand_posts"].tolist() == [3, 1]


def test_platform_total_is_the_kpi_cards(tiny):
    _, _, scored, clocks = tiny
    total = add_platform_total(summarize_platforms(scored, clocks)).set_index("platform")
    row = total.loc["all platforms"]
    # 6 posts, reach 12,730, net 0, complaints 2/6, 3 of 5 conversations answered: the KPIs
    assert row[["mentions", "reach", "net_sentiment", "complaint_rate", "response_rate"]].astype(
        float
    ).tolist() == pytest.approx(
        [
            EXPECTED["volume"],
            EXPECTED["reach"],
            EXPECTED["net_sentiment"],
            EXPECTED["complaint_rate"],
            EXPECTED["response_rate"],
        ]
    )
    assert row["negative_share"] == pytest.approx(2 / 6)
    assert row[["share", "reach_share"]].tolist() == [1.0, 1.0]


@pytest.fixture(scope="module")
def sample():
    """The example playbook on the shipped sample, scored and clocked as steps 1 and 5 do."""
    from socialcrm_utils.conversations import clock_conversations
    from socialcrm_utils.playbook import load_playbook
    from socialcrm_utils.sources import read_mentions
    from socialcrm_utils.steps.listening import score_mentions
    from socialcrm_utils.steps.prepare import prepare_mentions

    playbook = load_playbook(ROOT / "playbooks" / "example.yaml")
    scored = score_mentions(prepare_mentions(read_mentions(playbook).mentions, playbook), playbook)
    return playbook, scored, clock_conversations(scored, playbook)


def test_sample_platform_totals_equal_the_kpis(sample):
    playbook, scored, clocks = sample
    total = add_platform_total(summarize_platforms(scored, clocks)).iloc[-1]
    kpis = compute_kpis(scored, clocks, playbook.costs)
    assert int(total["mentions"]) == kpis["volume"] > 3000
    assert float(total["reach"]) == kpis["reach"]
    for name in ("net_sentiment", "complaint_rate", "response_rate"):
        assert float(total[name]) == pytest.approx(kpis[name], abs=1e-12), name
    sov = share_of_voice(scored, playbook.name, list(playbook.brand.competitors))
    assert float(sov.loc[0, "share"]) == pytest.approx(kpis["share_of_voice"])


def test_ranking_by_hand(tiny):
    _, _, scored, clocks = tiny
    ranked = rank_platforms(summarize_platforms(scored, clocks))
    # scaled factors: twitter mentions 1, reach 580/12150, negativity (1/4)/(1/2), unanswered
    # (1/3)/(1/2); facebook 0.5, 1, 1, 1. Weights 0.3, 0.3, 0.2, 0.2.
    twitter = 0.3 * 1 + 0.3 * 580 / 12150 + 0.2 * 0.5 + 0.2 * (2 / 3)
    assert ranked[["platform", "rank"]].values.tolist() == [["facebook", 1], ["twitter", 2]]
    assert ranked["score"].tolist() == pytest.approx([0.85, twitter], abs=1e-6)


def test_ranking_weights_from_the_playbook(tiny):
    _, _, scored, clocks = tiny
    ranked = rank_platforms(summarize_platforms(scored, clocks), {"mentions": 1.0})
    assert ranked["platform"].tolist() == ["twitter", "facebook"]
    assert ranked["score"].tolist() == pytest.approx([1.0, 0.5])


def test_share_of_voice(tiny):
    playbook, _, scored, _ = tiny
    sov = share_of_voice(scored, playbook.name, list(playbook.brand.competitors))
    assert sov[["name", "mentions"]].values.tolist() == [["Tiny Air", 6], ["Globex", 2]]
    assert sov["share"].tolist() == pytest.approx([0.75, 0.25])
