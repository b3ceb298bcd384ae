"""KPIs and goals on the tiny fixture playbook, every figure computed by hand.

tests/fixtures/tiny/mentions.csv (Europe/Berlin = UTC+2 in September 2026; business hours
Mon-Fri 09:00-17:00; complaint 1h and question 2h in business time, anything else 4h calendar):

  conversation  first customer post         first brand reply         policy / due        status
  t1 (+t2,t11)  Tue 01.09 08:00Z complaint  08:30Z  = 0.5h            1h business 09:00Z  met
  t3 (+t4)      Tue 01.09 09:00Z question   12:00Z  = 3.0h            2h business 11:00Z  breached
  t5            Wed 02.09 10:00Z praise     none                      4h calendar 14:00Z  open_br.
  t6 (+t7)      Fri 04.09 14:45Z complaint  Mon 07.09 07:30Z = 64.75h 1h business:        met
                (business: Fri 16:45-17:00 + Mon 09:00-09:30 = 0.75h; due Mon 07:45Z)
  t10           Fri 04.09 16:00Z lead       none                      4h calendar 20:00Z  open_br.
  (open_br. = open_breached; t8, t9 name only Globex: no conversation the brand owes; t12 is a
   brand post without replies; t13 has no text and is rejected; as_of = latest timestamp =
   Mon 07:30Z, after every open due time)

Customer posts about the brand: t1, t3, t5, t6, t10, t11 -> volume 6.
Sentiment (VADER with the customer-service extension): positive t5, t11; negative t1, t6;
neutral t3 and t10 ("I would love a group fare...": a wish, not praise) -> net (2 - 2) / 6 = 0.
Complaints t1, t6 -> 2 / 6. Share of voice 6 / (6 + 2 Globex posts) = 0.75.
Response rate 3 answered / 5 = 0.6; median of 0.5, 3.0, 64.75 = 3.0 h; attainment 2 met / 5 decided.
p90 (numpy, linear): position 0.9 * 2 = 1.8 -> 3.0 + 0.8 * (64.75 - 3.0) = 52.4 h.
Reach: largest follower count per author and platform: ann 200 (two posts, counted once), ben 80,
cara 150, dan 12000, gus 300 -> 12,730.
Advocacy: answered conversations that opened negative: t1 and t6; ann's later "ok thanks" (t11,
after the reply t2) is positive, dan never wrote again -> 1 / 2.
Costs (defaults): social 1 per contact; 3 answered x (phone 15 - social 1) = 42 saved.
"""

from __future__ import annotations

import datetime as dt

import pytest

from socialcrm_utils.goals import goal_progress, goals_table, measure_kpis
from socialcrm_utils.kpis import compute_kpis, kpis_document
from socialcrm_utils.listening import score_mentions
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sla import brand_threads, build_conversations, sla_clocks
from socialcrm_utils.sources import read_mentions

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny" / "tiny.yaml"

EXPECTED = {
    "volume": 6,
    "reach": 12_730,
    "response_rate": 0.6,
    "median_first_response_h": 3.0,
    "p90_first_response_h": 52.4,
    "net_sentiment": 0.0,
    "share_of_voice": 0.75,
    "sla_attainment": 0.4,
    "complaint_rate": 2 / 6,
    "advocacy": 0.5,
    "cost_per_contact": 1.0,
    "savings_vs_phone": 42.0,
}


@pytest.fixture(scope="module")
def tiny():
    playbook = load_playbook(TINY)
    mentions = read_mentions(playbook).mentions
    scored = score_mentions(mentions, playbook)
    conversations = build_conversations(brand_threads(scored), playbook.brand.handles)
    clocks = sla_clocks(conversations, playbook.sla, playbook.timezone)
    return playbook, mentions, scored, clocks


def test_clocks_by_hand(tiny):
    *_, clocks = tiny
    table = clocks.set_index("conversation_id")
    assert table["status"].to_dict() == {"t1": "met", "t3": "breached", "t5": "open_breached",
                                         "t6": "met", "t10": "open_breached"}
    assert table.loc["t6", "first_response_h"] == pytest.approx(64.75)
    assert table.loc["t6", "first_response_business_h"] == pytest.approx(0.75)
    assert str(table.loc["t6", "due_at"]) == "2026-09-07 07:45:00+00:00"


def test_kpis_by_hand(tiny):
    _, _, scored, clocks = tiny
    assert compute_kpis(scored, clocks) == pytest.approx(EXPECTED)


def test_baselines_measured_like_kpis(tiny):
    playbook, mentions, *_ = tiny
    assert measure_kpis(mentions, playbook) == pytest.approx(EXPECTED)


def test_goals_and_progress(tiny):
    playbook, *_ = tiny
    goals = goals_table(playbook.goals, EXPECTED, as_of=dt.date(2026, 11, 23))
    assert goals[["metric", "direction", "status"]].values.tolist() == [
        ["response_rate", "increase", "ok"], ["median_first_response_h", "decrease", "ok"]]
    assert goals["gap"].tolist() == pytest.approx([0.3, -2.0])
    progress = goal_progress(goals, {"response_rate": 0.75, "median_first_response_h": 0.8})
    # response rate: (0.75 - 0.6) / (0.9 - 0.6) = 0.5, not reached;
    # median: (0.8 - 3) / (1 - 3) = 1.1
    assert progress["progress"].tolist() == pytest.approx([0.5, 1.1])
    assert progress["on_track"].tolist() == [False, True]


def test_goal_status_rules():
    from socialcrm_utils.playbook import Goal

    goals = [Goal(metric="response_rate", target=0.5, by=dt.date(2027, 1, 1)),
             Goal(metric="complaint_rate", target=0.1, by=dt.date(2026, 1, 1)),
             Goal(metric="net_sentiment", target=0.2, by=dt.date(2027, 1, 1))]
    table = goals_table(goals, {"response_rate": 0.6, "complaint_rate": 0.3,
                                "net_sentiment": float("nan")}, as_of=dt.date(2026, 11, 23))
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

    costs = Costs.model_validate({"currency": "EUR",
                                  "per_contact": {"social": 2.5, "phone": 12, "chat": 4}})
    table = cost_comparison(10, costs).set_index("channel")
    # 10 contacts: social 25 EUR; phone 120 (95 saved); chat 40 (15 saved).
    assert table["total"].to_dict() == {"social": 25.0, "phone": 120.0, "chat": 40.0}
    assert table["savings"].to_dict() == {"social": 0.0, "phone": 95.0, "chat": 15.0}


def test_costs_need_a_social_entry(write_playbook):
    from socialcrm_utils.exceptions import PlaybookValidationError

    path = write_playbook("client: c1\nname: C\nbrand: {handles: ['@c']}\n"
                          "sources: [{kind: file, path: m.csv}]\n"
                          "costs: {per_contact: {phone: 15}}\n")
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
    document = kpis_document(values, None, (scored["created_at"].min(),
                                            scored["created_at"].max()))
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
    assert (table.drop(index=["cost_per_contact", "savings_vs_phone"])["basis"]
            == "measured").all()
    # 3 answered x (15 - 1) = 42 USD, shown without a trail of decimals
    assert table.loc["savings_vs_phone", "display"] == "42.00 USD"


def test_goal_labels_and_displays_are_the_kpi_cards():
    from socialcrm_utils.goals import goal_progress
    from socialcrm_utils.kpis import format_kpi, kpi_label
    from socialcrm_utils.playbook import Goal

    goals = goals_table([Goal(metric="savings_vs_phone", target=5000, by=dt.date(2027, 1, 1))],
                        {"savings_vs_phone": 4200.0}, as_of=dt.date(2026, 11, 1),
                        currency="EUR")
    progress = goal_progress(goals, {"savings_vs_phone": 4600.0}, currency="EUR")
    assert progress.loc[0, "label"] == kpi_label("savings_vs_phone")
    assert progress.loc[0, ["baseline_display", "current_display", "target_display"]].tolist() \
        == [format_kpi("savings_vs_phone", v, "EUR") for v in (4200.0, 4600.0, 5000.0)] \
        == ["4,200 EUR", "4,600 EUR", "5,000 EUR"]


def test_data_period_is_the_first_and_last_post_in_local_time():
    import pandas as pd

    from socialcrm_utils.kpis import data_period

    posts = pd.DataFrame({"created_at": pd.to_datetime(
        ["2017-10-31 23:30", "2017-10-01 12:00", "2017-11-30 22:59"], utc=True)})
    start, end = data_period(posts, "Europe/Berlin")
    assert (start.date().isoformat(), end.date().isoformat()) == ("2017-10-01", "2017-11-30")
    assert all(pd.isna(t) for t in data_period(posts.iloc[:0], "UTC"))


def test_kpi_trend_stands_at_the_data_period_and_says_when_reach_is_unknown():
    import matplotlib.pyplot as plt
    import pandas as pd

    from socialcrm_utils.plots import plot_kpi_history

    # two periods of 2017 data, recorded (run) in 2026 in the opposite order
    history = pd.DataFrame({
        "started_at": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-01", "2026-03-01"],
                                     utc=True),
        "as_of": pd.to_datetime(["2017-10-31", "2017-10-31", "2017-11-30", "2017-11-30"]),
        "name": ["volume", "reach"] * 2, "value": [100.0, float("nan"), 120.0, float("nan")]})
    fig = plot_kpi_history(history, labels={"volume": "Customer mentions"})
    volume, reach = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in volume.get_xticklabels()] == ["31 Oct 2017", "30 Nov 2017"]
    assert list(volume.lines[0].get_ydata()) == [100.0, 120.0]   # in the order of the periods
    assert not reach.lines and "no reach data" in reach.texts[0].get_text()
    assert fig._suptitle.get_text().startswith("KPIs over 2 data period(s)")
    plt.close(fig)


def test_tables_never_show_six_decimals_and_unknown_numbers_are_na():
    import pandas as pd

    from socialcrm_utils.plots import format_table

    table = pd.DataFrame({"handle": ["Acme", None], "score": [98.1, 76.0], "pr": [0.0, 1862.0],
                          "net_sentiment": [0.118, -0.073], "reach": [float("nan"), 5.0],
                          "months_left": [3.811088295687885, 1.0], "requests": [2702, 3]})
    html = format_table(table).to_html()
    cells = [c.split(">")[-1] for c in html.split("</td>")[:-1]]
    assert cells == ["Acme", "98.1", "0", "11.8%", "n/a", "3.81", "2,702",
                     "–", "76", "1,862", "-7.3%", "5", "1", "3"]
