"""Step 2: SMART checks, monthly pace, the guidelines checklist and the benchmark figures.

Pace by hand: from 2026-11-30 to 2027-03-31 are 121 days; a month is 365.25 / 12 = 30.4375
days, so 121 days = 3.97536 months.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from socialcrm_utils.exceptions import SocialCRMError
from socialcrm_utils.playbook import Costs, Goal, load_playbook
from socialcrm_utils.schema import KPIS
from socialcrm_utils.steps.goals import (
    CHECKLIST_STATUSES,
    KPI_STEPS,
    MAX_MONTHLY_PACE,
    SMART_CHECKS,
    BenchmarkError,
    check_goals,
    context_line,
    goals_table,
    guidelines_checklist,
    list_failed_checks,
    load_benchmarks,
    measure_answered_negatives,
    measure_kpis,
)
from socialcrm_utils.steps.workflow import MARKETING_SHARE_REFERENCE

from .conftest import ROOT

AS_OF = dt.date(2026, 11, 30)
BY = dt.date(2027, 3, 31)
MONTHS = 121 / (365.25 / 12)  # 3.97536
CSV = "mention_id,text,created_at\n1,hello,2026-09-01T10:00:00Z\n"


def _goal(metric: str, target: float, by: dt.date = BY) -> Goal:
    return Goal(metric=metric, target=target, by=by)


def _check(goal: Goal, baseline: float, **kwargs) -> pd.Series:
    return check_goals([goal], {goal.metric: baseline}, as_of=AS_OF, **kwargs).iloc[0]


# ---------------------------------------------------------------------------------------------
# SMART checks


def test_a_good_goal_passes_every_check():
    row = _check(_goal("response_rate", 0.9), 0.6)
    assert [bool(row[c]) for c in SMART_CHECKS] == [True] * 6 and bool(row["smart"])
    # pace: (0.9 - 0.6) / 3.97536 = 0.07547 per month = 7.5 points
    assert row["monthly_pace"] == pytest.approx(0.3 / MONTHS)
    assert row["months_left"] == pytest.approx(3.97536, abs=1e-5)
    assert row["pace_display"] == "+7.5 points/month"
    assert row["step"] == 4
    assert row["attainable_reason"] == "needs +7.5 points/month, within 10 points a month"
    assert row["time_bound_reason"] == "by 2027-03-31, 4.0 months ahead"


def test_specific_needs_a_known_kpi():
    goal = Goal.model_construct(metric="happiness", target=1.0, by=BY, note=None)
    row = check_goals([goal], {}, as_of=AS_OF).iloc[0]
    assert not row["specific"] and not row["relevant"] and not row["smart"]
    assert row["specific_reason"].startswith("'happiness' is not a KPI the suite measures")
    assert row["status"] == "unknown KPI"


def test_measurable_needs_a_baseline():
    row = _check(_goal("net_sentiment", 0.2), math.nan)
    assert not row["measurable"] and not row["ambitious"] and not row["attainable"]
    assert row["specific"] and row["relevant"] and row["time_bound"]
    assert row["measurable_reason"].startswith("no baseline")
    assert row["status"] == "no baseline in the data"


@pytest.mark.parametrize(
    ("metric", "baseline", "target", "ambitious"),
    [
        ("response_rate", 0.6, 0.9, True),  # higher is better, target higher
        ("response_rate", 0.6, 0.5, False),  # already met
        ("response_rate", 0.6, 0.6, False),  # no improvement at all
        ("median_first_response_h", 3.0, 1.0, True),  # lower is better, target lower
        ("median_first_response_h", 3.0, 4.0, False),
        ("complaint_rate", 0.4, 0.3, True),
    ],
)
def test_ambitious_follows_the_kpi_direction(metric, baseline, target, ambitious):
    row = _check(_goal(metric, target), baseline)
    assert bool(row["ambitious"]) is ambitious
    if not ambitious:
        assert row["ambitious_reason"].startswith("already met")
        assert list_failed_checks(
            check_goals([_goal(metric, target)], {metric: baseline}, as_of=AS_OF)
        )["check"].tolist() == ["ambitious"]


def test_attainable_flags_an_implausible_pace_for_shares():
    # 0.4 -> 0.9 in 3.97536 months = 0.12578 per month = 12.6 points > 10 points
    row = _check(_goal("response_rate", 0.9), 0.4)
    assert row["monthly_pace"] == pytest.approx(0.5 / MONTHS)
    assert not row["attainable"] and row["ambitious"]
    assert row["attainable_reason"] == (
        "needs +12.6 points/month, faster than 10 points a "
        "month: move the deadline or lower the target"
    )
    # a wider limit lets it pass
    assert _check(_goal("response_rate", 0.9), 0.4, max_pace={"share": 0.15})["attainable"]


def test_attainable_is_relative_to_the_baseline_for_hours():
    # 3 h -> 1 h in 3.97536 months: -0.5031 h a month = 16.8% of the baseline <= 50%
    row = _check(_goal("median_first_response_h", 1.0), 3.0)
    assert row["attainable"] and row["pace_display"] == "-0.50 h/month"
    assert row["monthly_pace"] == pytest.approx(-2.0 / MONTHS)
    assert "(17% of the baseline)" in row["attainable_reason"]
    # 10 h -> 1 h by 2026-12-30: 30 days = 0.98563 months, -9.131 h a month = 91% of 10 h > 50%
    row = _check(_goal("median_first_response_h", 1.0, by=dt.date(2026, 12, 30)), 10.0)
    assert row["monthly_pace"] == pytest.approx(-9.0 / (30 / (365.25 / 12)))
    assert not row["attainable"] and "(91% of the baseline)" in row["attainable_reason"]


@pytest.mark.parametrize(
    ("metric", "baseline", "target"),
    [
        ("response_rate", 0.6, 1.2),
        ("median_first_response_h", 3.0, 0.0),
        ("net_sentiment", -0.5, 1.5),
    ],
)
def test_attainable_rejects_impossible_targets(metric, baseline, target):
    row = _check(_goal(metric, target), baseline)
    assert not row["attainable"] and "is impossible" in row["attainable_reason"]


def test_net_sentiment_may_be_negative():
    # -0.5 -> -0.2: 0.3 / 3.97536 = 7.5 points a month
    row = _check(_goal("net_sentiment", -0.2), -0.5)
    assert row["smart"] and row["pace_display"] == "+7.5 points/month"


def test_time_bound_needs_a_future_deadline():
    row = _check(_goal("response_rate", 0.9, by=dt.date(2026, 11, 1)), 0.6)
    assert not row["time_bound"] and not row["attainable"] and not row["smart"]
    assert row["time_bound_reason"] == "the deadline 2026-11-01 has passed"
    assert math.isnan(row["monthly_pace"]) and row["pace_display"] == "–"
    assert row["status"] == "deadline passed"


def test_money_goals_use_the_playbook_currency():
    # 1,000 EUR -> 1,500 EUR: 500 x 30.4375 / 121 = +125.77 a month = 12.6% of the baseline,
    # within 20%
    row = _check(_goal("savings_vs_phone", 1500.0), 1000.0, currency="EUR")
    assert row["target_display"] == "1,500 EUR" and row["pace_display"] == "+125.77 EUR/month"
    assert row["smart"]


def test_every_kpi_is_relevant_and_every_unit_has_a_pace_limit():
    assert set(KPI_STEPS) == set(KPIS)
    assert {k.unit for k in KPIS.values()} <= set(MAX_MONTHLY_PACE)
    assert all(1 <= step <= 6 for step, _ in KPI_STEPS.values())


def test_check_goals_keeps_the_goals_table_columns():
    goals = [_goal("response_rate", 0.9), _goal("complaint_rate", 0.3)]
    baselines = {"response_rate": 0.6, "complaint_rate": 0.4}
    table = goals_table(goals, baselines, as_of=AS_OF)
    checked = check_goals(goals, baselines, as_of=AS_OF)
    pd.testing.assert_frame_equal(checked[list(table.columns)], table)
    assert all(checked[c].dtype == bool for c in (*SMART_CHECKS, "smart"))
    assert list_failed_checks(checked).empty


def test_measure_kpis_uses_the_playbook_costs():
    from socialcrm_utils.sources import read_mentions
    from socialcrm_utils.steps.listening import score_mentions

    playbook = load_playbook(ROOT / "tests" / "fixtures" / "tiny" / "tiny.yaml")
    playbook = playbook.model_copy(update={"costs": Costs(per_contact={"phone": 10, "social": 2})})
    values = measure_kpis(score_mentions(read_mentions(playbook).mentions, playbook), playbook)
    # 3 answered conversations x (10 - 2) = 24
    assert values["cost_per_contact"] == 2.0 and values["savings_vs_phone"] == pytest.approx(24.0)


# ---------------------------------------------------------------------------------------------
# Guidelines checklist


def _statuses(table: pd.DataFrame) -> dict[str, str]:
    return dict(zip(table["id"], table["status"], strict=True))


def test_checklist_of_a_bare_playbook(minimal_playbook):
    table = guidelines_checklist(load_playbook(minimal_playbook(CSV)))
    assert list(table.columns) == ["id", "item", "why", "status", "evidence"]
    assert _statuses(table) == {
        "empowered": "to agree",
        "privacy": "in playbook",  # the private-channel rule is on unless switched off
        "voice": "missing",
        "escalation": "missing",
        "routing": "missing",
        "owners": "to agree",
        "response_times": "missing",
        "listening_hours": "to agree",
    }
    evidence = dict(zip(table["id"], table["evidence"], strict=True))
    assert evidence["routing"] == (
        "no department for complaint, question, praise, lead, other "
        "(they go to marketing, routing.default)"
    )
    assert evidence["owners"] == "no owner named for marketing (guidelines.owners)"
    assert set(table["status"]) <= set(CHECKLIST_STATUSES)
    assert table["why"].str.len().gt(40).all()


def test_checklist_of_a_complete_playbook(minimal_playbook):
    path = minimal_playbook(
        CSV,
        """
        guidelines:
          empowered: ["rebook onto the next flight", "vouchers up to 50 EUR"]
          escalation: "PR on call"
          owners: {service: Care team, sales: Inside sales, pr: Head of PR}
        voice: {must_offer_private_channel_for_pii: false, banned_phrases: [calm down]}
        routing:
          complaint: service
          question: service
          praise: service
          lead: sales
          other: service
          crisis: pr
          rules: [{priority: high, department: service}]
        sla:
          policies: [{intent: complaint, first_response: 1h}]
        """,
    )
    table = guidelines_checklist(load_playbook(path))
    assert _statuses(table) == {
        "empowered": "in playbook",
        "privacy": "missing",  # switched off explicitly
        "voice": "in playbook",
        "escalation": "in playbook",
        "routing": "in playbook",
        "owners": "in playbook",  # marketing gets nothing, so needs no owner
        "response_times": "in playbook",
        "listening_hours": "to agree",
    }
    evidence = dict(zip(table["id"], table["evidence"], strict=True))
    assert evidence["empowered"] == (
        "guidelines.empowered: rebook onto the next flight; vouchers up to 50 EUR"
    )
    assert evidence["escalation"] == "routing.crisis: pr; guidelines.escalation: PR on call"
    assert evidence["voice"] == "voice: 1 banned phrase(s)"
    assert evidence["response_times"] == (
        "first response: complaint/any platform 1h (no "
        "catch-all policy: some conversations have no target)"
    )
    assert "1 rule(s) by priority" in evidence["routing"]


def test_checklist_crisis_not_to_pr_and_missing_owner(minimal_playbook):
    path = minimal_playbook(
        CSV,
        """
        guidelines: {owners: {service: Care team}}
        routing: {complaint: service, crisis: service}
        """,
    )
    table = guidelines_checklist(load_playbook(path)).set_index("id")
    assert table.loc["escalation", "status"] == "in playbook"
    assert table.loc["escalation", "evidence"] == (
        "routing.crisis: service (the method escalates crises to PR)"
    )
    assert table.loc["owners", "status"] == "to agree"
    assert table.loc["owners", "evidence"] == (
        "no owner named for marketing (guidelines.owners); named: service: Care team"
    )


def test_example_playbook_checklist():
    table = guidelines_checklist(load_playbook(ROOT / "playbooks" / "example.yaml"))
    statuses = _statuses(table)
    assert statuses["privacy"] == statuses["voice"] == statuses["escalation"] == "in playbook"
    assert statuses["routing"] == statuses["response_times"] == "in playbook"


# ---------------------------------------------------------------------------------------------
# Benchmarks


def test_shipped_benchmarks_load():
    table = load_benchmarks()
    assert table["id"].is_unique and len(table) >= 10
    by_id = table.set_index("id")
    # the method's figures, as given
    expected = {
        "feedback_in_social": 0.53,
        "dissatisfaction_in_social": 0.47,
        "airline_complaints_website": 0.41,
        "airline_complaints_email": 0.35,
        "airline_complaints_phone": 0.31,
        "airline_complaints_social": 0.02,
        "negative_posts_answered": 0.25,
        "want_problems_solved_in_social": 0.43,
        "requests_in_marketing": 0.70,
        "cost_per_contact_phone": 15,
        "cost_per_contact_email": 3,
        "cost_per_contact_store": 20,
    }
    assert by_id.loc[list(expected), "value"].to_dict() == pytest.approx(expected)
    assert by_id.loc["most_criticised_industries", "items"] == [
        "household products",
        "telecommunications",
        "health",
        "pharmaceuticals",
    ]
    assert math.isnan(by_id.loc["cost_per_contact_social", "value"])
    shares = table[table["unit"] == "share"]["value"]
    assert shares.between(0, 1).all()
    # honest sources: nothing is marked verified without a checked source
    unverified = table[~table["verified"]]
    assert unverified["source"].str.contains("not verified").all()
    assert (table["wording_de"].str.len() > 0).all() and (table["label_de"].str.len() > 0).all()


def test_benchmarks_agree_with_the_code_defaults():
    by_id = load_benchmarks().set_index("id")["value"]
    assert by_id["requests_in_marketing"] == MARKETING_SHARE_REFERENCE
    per_contact = Costs().per_contact
    assert [by_id[f"cost_per_contact_{c}"] for c in ("phone", "email", "store")] == [
        per_contact["phone"],
        per_contact["email"],
        per_contact["store"],
    ]


GOOD = """
benchmarks:
  - id: answered
    step: 4
    value: 0.25
    unit: share
    label: {en: "study: 25%", de: "Studie: 25 %"}
    wording: {en: "25% answered.", de: "25 % beantwortet."}
    source: cited in the method, original study not verified
    verified: false
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "value: 0.25",
            "value: 1.5",
            "entry 1 (answered): value 1.5 is not a share (allowed: 0 to 1, e.g. 0.25)",
        ),
        (
            "    verified: false",
            "    verified: false\n    sorce: x",
            "entry 1 (answered): sorce: unknown key",
        ),
        ('de: "25 % beantwortet."', "", "entry 1 (answered): wording.de: Field required"),
        ("unit: share", "unit: percent", "entry 1 (answered): unit: Input should be"),
        ("step: 4", "step: 9", "entry 1 (answered): step: Input should be less than or equal to 6"),
        (
            "value: 0.25",
            "value: 0.25\n    items: [a]",
            "entry 1 (answered): items are only for unit list",
        ),
        ("id: answered", "id: Answered Posts", "must be lower-case letters"),
    ],
)
def test_broken_benchmarks_give_one_line(tmp_path, old, new, message):
    path = tmp_path / "benchmarks.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(BenchmarkError) as info:
        load_benchmarks(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(f"{path}: entry 1") and message in text
    assert isinstance(info.value, SocialCRMError)


def test_benchmark_file_errors(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(GOOD + GOOD.split("benchmarks:\n", 1)[1])
    with pytest.raises(
        BenchmarkError,
        match=r"b.yaml: entry 2 \(answered\): duplicate id "
        r"\(first used by entry 1\)$",
    ):
        load_benchmarks(path)
    path.write_text("benchmarks: [a\n")
    with pytest.raises(BenchmarkError, match=r"b.yaml:2: invalid YAML"):
        load_benchmarks(path)
    path.write_text("figures: []\n")
    with pytest.raises(BenchmarkError, match="expected a non-empty list under 'benchmarks:'"):
        load_benchmarks(path)
    with pytest.raises(BenchmarkError, match="nope.yaml: benchmarks file not found"):
        load_benchmarks(tmp_path / "nope.yaml")


def test_context_line():
    table = load_benchmarks()
    assert context_line(table, "negative_posts_answered") == (
        0.25,
        "study: 25% of negative public posts answered (source not verified)",
    )
    value, label = context_line(table, "requests_in_marketing", "de")
    assert value == 0.70 and label.endswith("(Quelle nicht geprüft)")
    with pytest.raises(BenchmarkError, match="unknown benchmark id 'nope'"):
        context_line(table, "nope")
    with pytest.raises(BenchmarkError, match="has no number to draw"):
        context_line(table, "most_criticised_industries")


def test_add_context_line_draws_a_labelled_line():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from socialcrm_utils.plots import add_context_line

    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [0.4, 0.6])
    add_context_line(ax, 0.25, "study: 25%")
    line = ax.get_lines()[-1]
    assert list(line.get_ydata()) == [0.25, 0.25] and line.get_label() == "study: 25%"
    add_context_line(ax, 0.5, "v", vertical=True)
    assert list(ax.get_lines()[-1].get_xdata()) == [0.5, 0.5]
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Negative posts answered (the client's figure next to the 25% reference)


def test_measure_answered_negatives_by_hand():
    times = pd.to_datetime([f"2026-01-05 {h:02d}:00" for h in range(10, 18)], utc=True)
    scored = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3", "4", "5", "6", "7", "8"],
            # 1 <- 2 (brand answers 1); 3 <- 4 <- 5: brand posted 4 before the customer's 5
            "in_reply_to_id": [None, "1", None, "3", "4", None, None, None],
            "platform": ["x", "x", "x", "x", "x", "y", "y", "y"],
            "is_brand": [False, True, False, True, False, False, False, False],
            "mentions_brand": [True, False, True, False, False, True, False, True],
            "competitor": [None, None, None, None, None, None, "Globex", None],
            "sentiment_label": [
                "negative",
                "neutral",
                "positive",
                "neutral",
                "negative",
                "negative",
                "negative",
                "unscored",
            ],
            "created_at": times,
        }
    )
    # negatives about the brand: 1 (answered by 2), 5 (the brand's 4 came before it), 6 (none);
    # 7 names only a competitor, 8 has no sentiment score
    table = measure_answered_negatives(scored)
    assert table.to_dict("list") == {
        "platform": ["x", "y", "all"],
        "negative_posts": [2, 1, 3],
        "answered": [1, 0, 1],
        "answered_share": pytest.approx([0.5, 0.0, 1 / 3]),
    }
    overall = measure_answered_negatives(scored, by=None)
    assert overall[["negative_posts", "answered"]].values.tolist() == [[3, 1]]
    assert measure_answered_negatives(scored.iloc[[1, 2]], by=None)["answered_share"].isna().all()


def test_measure_kpis_wants_scored_mentions():
    playbook = load_playbook(ROOT / "tests" / "fixtures" / "tiny" / "tiny.yaml")
    raw = pd.DataFrame({"mention_id": ["1"], "text": ["hi"]})
    with pytest.raises(ValueError, match="needs scored mentions"):
        measure_kpis(raw, playbook)
