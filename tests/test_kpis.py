"""KPIs and goals on the tiny fixture playbook, every figure computed by hand (the computation
is written beside ``EXPECTED`` in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from socialcrm_utils.kpis import advocacy, compute_kpis, kpis_document
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.steps.goals import goal_progress, goals_table, measure_kpis

from .conftest import EXPECTED


def test_clocks_by_hand(tiny):
    *_, clocks = tiny
    table = clocks.set_index("conversation_id")
    assert table["status"].to_dict() == {
        "t1": "met",
        "t3": "breached",
        "t5": "open_breached",
        "t6": "met",
        "t10": "open_breached",
    }
    assert table.loc["t6", "first_response_h"] == pytest.approx(64.75)
    assert table.loc["t6", "first_response_business_h"] == pytest.approx(0.75)
    assert str(table.loc["t6", "due_at"]) == "2026-09-07 07:45:00+00:00"


def test_kpis_by_hand(tiny):
    _, _, scored, clocks = tiny
    assert compute_kpis(scored, clocks) == pytest.approx(EXPECTED)


def test_baselines_measured_like_kpis(tiny):
    playbook, _, scored, _ = tiny
    assert measure_kpis(scored, playbook) == pytest.approx(EXPECTED)


def test_goals_and_progress(tiny):
    playbook, *_ = tiny
    goals = goals_table(playbook.goals, EXPECTED, as_of=dt.date(2026, 11, 23))
    assert goals[["metric", "direction", "status"]].values.tolist() == [
        ["response_rate", "increase", "ok"],
        ["median_first_response_h", "decrease", "ok"],
    ]
    assert goals["gap"].tolist() == pytest.approx([0.3, -2.0])
    progress = goal_progress(goals, {"response_rate": 0.75, "median_first_response_h": 0.8})
    # response rate: (0.75 - 0.6) / (0.9 - 0.6) = 0.5, not reached;
    # median: (0.8 - 3) / (1 - 3) = 1.1
    assert progress["progress"].tolist() == pytest.approx([0.5, 1.1])
    assert progress["on_track"].tolist() == [False, True]


def test_goal_status_rules():
    from socialcrm_utils.playbook import Goal

    goals = [
        Goal(metric="response_rate", target=0.5, by=dt.date(2027, 1, 1)),
        Goal(metric="complaint_rate", target=0.1, by=dt.date(2026, 1, 1)),
        Goal(metric="net_sentiment", target=0.2, by=dt.date(2027, 1, 1)),
    ]
    table = goals_table(
        goals,
        {"response_rate": 0.6, "complaint_rate": 0.3, "net_sentiment": float("nan")},
        as_of=dt.date(2026, 11, 23),
    )
    assert table["status"].tolist() == ["already met", "deadline passed", "no baseline in the data"]


def test_kpis_document_is_json_clean(tiny):
    import json

    _, _, scored, clocks = tiny
    values = dict(compute_kpis(scored, clocks), net_sentiment=float("nan"))
    period = (scored["created_at"].min(), scored["created_at"].max())
    document = kpis_document(values, None, period)
    text = json.dumps(document, allow_nan=False)
    assert document["period"] == {"start": "2026-09-01", "end": "2026-09-07"}
    assert {k["name"]: k["display"] for k in json.loads(text)["kpis"]}["response_rate"] == "60.0%"


def test_cost_comparison_with_the_clients_own_costs():
    from socialcrm_utils.kpis import cost_comparison
    from socialcrm_utils.playbook import Costs

    costs = Costs.model_validate(
        {"currency": "EUR", "per_contact": {"social": 2.5, "phone": 12, "chat": 4}}
    )
    table = cost_comparison(10, costs).set_index("channel")
    # 10 contacts: social 25 EUR; phone 120 (95 saved); chat 40 (15 saved).
    assert table["total"].to_dict() == {"social": 25.0, "phone": 120.0, "chat": 40.0}
    assert table["savings"].to_dict() == {"social": 0.0, "phone": 95.0, "chat": 15.0}


def test_costs_need_a_social_entry(write_playbook):
    from socialcrm_utils.exceptions import PlaybookValidationError

    path = write_playbook(
        "client: c1\nname: C\nbrand: {handles: ['@c']}\n"
        "sources: [{kind: file, path: m.csv}]\n"
        "costs: {per_contact: {phone: 15}}\n"
    )
    with pytest.raises(PlaybookValidationError) as info:
        load_playbook(path, check_files=False)
    assert any("costs.per_contact: needs a 'social' entry" in e for e in info.value.errors)


# ---------------------------------------------------------------------------------------------
# item 7 of issue 13: unknown reach, assumed costs, numbers for people, the trend by period


def test_unknown_reach_is_na_on_the_cards_never_zero(tiny):
    import json
    import math

    _, _, scored, clocks = tiny
    values = compute_kpis(scored.assign(reach=None), clocks)
    assert math.isnan(values["reach"])
    document = kpis_document(values, None, (scored["created_at"].min(), scored["created_at"].max()))
    reach = {k["name"]: k for k in json.loads(json.dumps(document, allow_nan=False))["kpis"]}
    assert reach["reach"]["value"] is None and reach["reach"]["display"] == "n/a"


def test_costs_are_labelled_as_the_playbooks_assumption(tiny):
    from socialcrm_utils.kpis import kpi_table

    _, _, scored, clocks = tiny
    table = kpi_table(compute_kpis(scored, clocks)).set_index("name")
    assert table.loc["cost_per_contact", "label"] == "Cost per social contact (playbook assumption)"
    assert table.loc["cost_per_contact", "basis"] == "assumption"
    assert table.loc["savings_vs_phone", "label"] == "Savings vs phone (from assumed costs)"
    assert table.loc["savings_vs_phone", "basis"] == "computed from assumption"
    assert (table.drop(index=["cost_per_contact", "savings_vs_phone"])["basis"] == "measured").all()
    # 3 answered x (15 - 1) = 42 USD, shown without a trail of decimals
    assert table.loc["savings_vs_phone", "display"] == "42.00 USD"


def test_goal_labels_and_displays_are_the_kpi_cards():
    from socialcrm_utils.kpis import format_kpi, kpi_label
    from socialcrm_utils.playbook import Goal
    from socialcrm_utils.steps.goals import goal_progress

    goals = goals_table(
        [Goal(metric="savings_vs_phone", target=5000, by=dt.date(2027, 1, 1))],
        {"savings_vs_phone": 4200.0},
        as_of=dt.date(2026, 11, 1),
        currency="EUR",
    )
    progress = goal_progress(goals, {"savings_vs_phone": 4600.0}, currency="EUR")
    assert progress.loc[0, "label"] == kpi_label("savings_vs_phone")
    assert (
        progress.loc[0, ["baseline_display", "current_display", "target_display"]].tolist()
        == [format_kpi("savings_vs_phone", v, "EUR") for v in (4200.0, 4600.0, 5000.0)]
        == ["4,200 EUR", "4,600 EUR", "5,000 EUR"]
    )


def test_data_period_is_the_first_and_last_post_in_local_time():
    import pandas as pd

    from socialcrm_utils.kpis import data_period

    posts = pd.DataFrame(
        {
            "created_at": pd.to_datetime(
                ["2017-10-31 23:30", "2017-10-01 12:00", "2017-11-30 22:59"], utc=True
            )
        }
    )
    start, end = data_period(posts, "Europe/Berlin")
    assert (start.date().isoformat(), end.date().isoformat()) == ("2017-10-01", "2017-11-30")
    assert all(pd.isna(t) for t in data_period(posts.iloc[:0], "UTC"))


def test_kpi_trend_stands_at_the_data_period_and_says_when_reach_is_unknown():
    import matplotlib.pyplot as plt
    import pandas as pd

    from socialcrm_utils.plots import plot_kpi_history

    # two periods of 2017 data, recorded (run) in 2026 in the opposite order
    history = pd.DataFrame(
        {
            "started_at": pd.to_datetime(
                ["2026-03-02", "2026-03-02", "2026-03-01", "2026-03-01"], utc=True
            ),
            "as_of": pd.to_datetime(["2017-10-31", "2017-10-31", "2017-11-30", "2017-11-30"]),
            "name": ["volume", "reach"] * 2,
            "value": [100.0, float("nan"), 120.0, float("nan")],
        }
    )
    fig = plot_kpi_history(history, labels={"volume": "Customer mentions"})
    volume, reach = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in volume.get_xticklabels()] == ["31 Oct 2017", "30 Nov 2017"]
    assert list(volume.lines[0].get_ydata()) == [100.0, 120.0]  # in the order of the periods
    assert not reach.lines and "no reach data" in reach.texts[0].get_text()
    assert fig._suptitle.get_text().startswith("KPIs over 2 data period(s)")
    plt.close(fig)


def test_tables_never_show_six_decimals_and_unknown_numbers_are_na():
    import pandas as pd

    from socialcrm_utils.plots import format_table

    table = pd.DataFrame(
        {
            "handle": ["Acme", None],
            "score": [98.1, 76.0],
            "pr": [0.0, 1862.0],
            "net_sentiment": [0.118, -0.073],
            "reach": [float("nan"), 5.0],
            "months_left": [3.811088295687885, 1.0],
            "requests": [2702, 3],
        }
    )
    html = format_table(table).to_html()
    cells = [c.split(">")[-1] for c in html.split("</td>")[:-1]]
    assert cells == [
        "Acme",
        "98.1",
        "0",
        "11.8%",
        "n/a",
        "3.81",
        "2,702",
        "–",
        "76",
        "1,862",
        "-7.3%",
        "5",
        "1",
        "3",
    ]


def test_advocacy_by_hand():
    """Advocacy on a thread set worked out by hand: the opening label is the customer's first
    labelled post, posts without a time come last and never count as after the reply, other
    authors do not count, an unclocked conversation is left out, and of two clock rows with the
    same conversation id the first is used."""
    at = pd.Timestamp("2026-01-05 10:00", tz="UTC")
    rows = [  # mention_id, in_reply_to_id, author, minutes after 10:00 (None: no time), label
        ("1", None, "ann", 0, None),  # A: opened by ann, her first labelled post is negative
        ("2", "1", "ann", 5, "negative"),
        ("3", "2", "Acme", 10, "neutral"),
        ("4", "3", "ann", 20, "neutral"),  # ann's latest after the reply: neutral
        ("5", "3", "ann", None, "positive"),  # no time: not after the reply
        ("6", "3", "bo", 30, "positive"),  # not the conversation's customer
        ("7", None, "cy", 60, "negative"),  # B: turns positive
        ("8", "7", "Acme", 65, "neutral"),
        ("9", "8", "cy", 70, "positive"),
        ("10", "9", "cy", 80, None),  # unlabelled: the positive before it counts
        ("11", None, "dee", 120, "negative"),  # C: no clock row
        ("12", None, "eve", 180, "negative"),  # D: two clock rows, the first is eve's
        ("13", "12", "Acme", 185, "neutral"),
        ("14", "13", "eve", 210, "positive"),
    ]
    scored = pd.DataFrame(
        {
            "mention_id": [r[0] for r in rows],
            "in_reply_to_id": [r[1] for r in rows],
            "conversation_id": None,
            "author_id": [r[2] for r in rows],
            "is_brand": [r[2] == "Acme" for r in rows],
            "mentions_brand": True,
            "competitor": None,
            "created_at": [
                at + pd.Timedelta(minutes=r[3]) if r[3] is not None else pd.NaT for r in rows
            ],  # fmt: skip
            "sentiment_label": [r[4] for r in rows],
        }
    )
    clocks = pd.DataFrame(
        {
            "conversation_id": ["1", "7", "12", "12"],
            "customer_id": ["ann", "cy", "eve", "zed"],
            "first_response_at": [at + pd.Timedelta(minutes=m) for m in (10, 65, 185, 185)],
        }
    )
    assert advocacy(scored, clocks) == (2, 3)
    # Without a first response a conversation is not counted; NaN labels are not labels.
    unanswered = clocks.assign(first_response_at=clocks["first_response_at"].where(
        clocks["conversation_id"] != "7"))  # fmt: skip
    assert advocacy(scored, unanswered) == (1, 2)
