"""Step 5 workflow: routing matrix, route(), workload, SLA per department and the 70% problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.exceptions import PlaybookValidationError
from socialcrm_utils.playbook import Routing, load_playbook
from socialcrm_utils.schema import DEPARTMENTS, INTENTS, PRIORITIES
from socialcrm_utils.steps.workflow import (
    MARKETING_SHARE_REFERENCE,
    compare_marketing_load,
    department_sla,
    department_workload,
    mark_crisis,
    route,
    routing_matrix,
)

from .conftest import ROOT

CSV = "mention_id,text,created_at\n1,hello,2026-09-01T10:00:00Z\n"

ROUTING = Routing.model_validate(
    {
        "complaint": "service",
        "question": "service",
        "lead": "sales",
        "crisis": "pr",
        "rules": [
            {"intent": "praise", "priority": "high", "department": "pr"},
            {"priority": "high", "department": "service"},
            {"intent": ["lead", "question"], "priority": "low", "department": "marketing"},
        ],
    }
)


# ---------------------------------------------------------------------------------------------
# The routing section of the playbook


def test_routing_fields_cover_every_intent():
    assert set(INTENTS) <= set(Routing.model_fields)


def test_flat_routing_still_loads(minimal_playbook):
    path = minimal_playbook(CSV, "routing: {complaint: service, lead: sales, crisis: pr}\n")
    routing = load_playbook(path).routing
    assert routing.mapping == {"complaint": "service", "lead": "sales", "crisis": "pr"}
    assert routing.by_intent == {"complaint": "service", "lead": "sales"}
    assert routing.default == "marketing" and routing.rules == []


def test_routing_rules_load(minimal_playbook):
    path = minimal_playbook(
        CSV,
        """
        routing:
          complaint: service
          default: service
          rules:
            - {priority: high, department: pr}
            - {intent: [lead, question], priority: [normal, low], department: sales}
        """,
    )
    routing = load_playbook(path).routing
    assert routing.rules[1].intent == ["lead", "question"] and routing.rules[0].intent is None
    assert routing.department_for("other", "normal") == ("service", "default")
    assert routing.department_for("question", "low") == ("sales", "rule 2")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "routing: {complaint: servce}\n",
            "line 5: routing.complaint: 'servce' is not allowed; did you mean 'service'? (allowed: "
            "'service', 'marketing', 'pr' or 'sales')",
        ),
        (
            "routing: {complant: service}\n",
            "line 5: routing.complant: unknown key; did you mean 'complaint'? (allowed: complaint, "
            "question, praise, lead, other, crisis, default, rules)",
        ),
        (
            "routing: {default: it}\n",
            "line 5: routing.default: 'it' is not allowed "
            "(allowed: 'service', 'marketing', 'pr' or 'sales')",
        ),
        (
            "routing: {rules: [{priority: urgent, department: service}]}\n",
            "line 5: routing.rules[0].priority[0]: 'urgent' is not allowed (allowed: 'high', "
            "'normal' or 'low')",
        ),
        (
            "routing: {rules: [{intent: complain, department: service}]}\n",
            "line 5: routing.rules[0].intent[0]: 'complain' is not allowed; did you mean "
            "'complaint'? (allowed: 'complaint', 'question', 'praise', 'lead' or 'other')",
        ),
        (
            "routing: {rules: [{department: service}]}\n",
            "line 5: routing.rules[0]: a rule needs intent or priority (or both); "
            "to send all other requests to one department, set routing.default",
        ),
        (
            "routing: {rules: [{intent: lead, dept: sales}]}\n",
            "line 5: routing.rules[0].dept: unknown key; did you mean 'department'? (allowed: "
            "intent, priority, department)",
        ),
        (
            "guidelines: {owners: {it: Bob}}\n",
            "line 5: guidelines.owners.it.[key]: 'it' is not allowed (allowed: 'service', "
            "'marketing', 'pr' or 'sales')",
        ),
        (
            "guidelines: {empowerd: [refunds]}\n",
            "line 5: guidelines.empowerd: unknown key; did you mean 'empowered'? (allowed: "
            "empowered, escalation, owners)",
        ),
        (
            "guidelines: {escalation: ''}\n",
            "line 5: guidelines.escalation: must not be empty (leave the key out instead)",
        ),
    ],
)
def test_bad_routing_and_guidelines_give_one_line_errors(write_playbook, extra, expected):
    base = "client: c1\nname: C\nbrand: {handles: ['@c']}\nsources: [{kind: file, path: m.csv}]\n"
    with pytest.raises(PlaybookValidationError) as info:
        load_playbook(write_playbook(base + extra), check_files=False)
    assert expected in info.value.errors
    assert all("\n" not in e for e in info.value.errors)


# ---------------------------------------------------------------------------------------------
# Routing matrix


def test_routing_matrix_of_the_example_playbook():
    matrix = routing_matrix(load_playbook(ROOT / "playbooks" / "example.yaml"))
    assert list(matrix.index) == [*INTENTS, "crisis"] and list(matrix.columns) == list(PRIORITIES)
    # The rule {priority: high, department: service} wins over the intent map for high
    # priority; normal and low follow the intent map; crisis goes to PR at every priority.
    expected = {
        "complaint": "service",
        "question": "service",
        "praise": "marketing",
        "lead": "sales",
        "other": "marketing",
        "crisis": "pr",
    }
    for intent, department in expected.items():
        high = "pr" if intent == "crisis" else "service"
        assert matrix.loc[intent].tolist() == [high, department, department]


def test_routing_matrix_with_priority_rules():
    matrix = routing_matrix(ROUTING)
    assert matrix.to_dict("index") == {
        #            high       normal       low
        "complaint": {"high": "service", "normal": "service", "low": "service"},
        "question": {"high": "service", "normal": "service", "low": "marketing"},
        "praise": {"high": "pr", "normal": "marketing", "low": "marketing"},
        "lead": {"high": "service", "normal": "sales", "low": "marketing"},
        "other": {"high": "service", "normal": "marketing", "low": "marketing"},
        "crisis": {"high": "pr", "normal": "pr", "low": "pr"},
    }


def test_routing_matrix_without_crisis_route():
    matrix = routing_matrix(Routing())
    assert matrix.loc["crisis"].isna().all()
    assert (matrix.drop(index="crisis") == "marketing").all().all()


# ---------------------------------------------------------------------------------------------
# route()


FRAME = pd.DataFrame(
    {
        "intent": [
            "complaint",
            "praise",
            "praise",
            "lead",
            "lead",
            "question",
            "other",
            None,
            "complaint",
            "other",
        ],
        "priority": [
            "normal",
            "high",
            "low",
            "high",
            "low",
            "normal",
            "low",
            "normal",
            "low",
            None,
        ],
        "crisis": [False, False, False, False, False, False, False, False, True, False],
        "is_brand": [False, False, False, False, False, False, False, False, False, True],
    }
)


def test_route_by_hand():
    routed = route(FRAME, ROUTING)
    assert routed["department"].tolist() == [
        "service",  # complaint -> intent
        "pr",  # praise/high -> rule 1 (before rule 2)
        "marketing",  # praise/low -> default
        "service",  # lead/high -> rule 2
        "marketing",  # lead/low -> rule 3
        "service",  # question -> intent
        "marketing",  # other -> default
        "marketing",  # unknown intent -> default
        "pr",  # crisis outranks everything
        pd.NA,  # a brand post is no request
    ]
    assert routed["routed_by"].tolist() == [
        "intent",
        "rule 1",
        "default",
        "rule 2",
        "rule 3",
        "intent",
        "default",
        "default",
        "crisis",
        pd.NA,
    ]
    assert str(routed["department"].dtype) == "string"
    assert list(routed.columns) == [*FRAME.columns, "department", "routed_by"]
    assert "department" not in FRAME.columns  # the input is not modified


def test_route_agrees_with_the_matrix():
    rows = [(i, p) for i in INTENTS for p in PRIORITIES]
    frame = pd.DataFrame(rows, columns=["intent", "priority"])
    routed = route(frame, ROUTING)
    matrix = routing_matrix(ROUTING)
    assert routed["department"].tolist() == [matrix.loc[i, p] for i, p in rows]


def test_route_without_crisis_route_or_columns():
    routing = Routing.model_validate({"complaint": "service"})
    frame = pd.DataFrame({"intent": ["complaint", "complaint"], "crisis": [True, False]})
    # no routing.crisis: a crisis follows its intent; no priority column: priority rules never match
    assert route(frame, routing)["department"].tolist() == ["service", "service"]
    assert route(pd.DataFrame({"x": [1]}), routing)["department"].tolist() == ["marketing"]


def test_route_accepts_the_playbook(minimal_playbook):
    playbook = load_playbook(minimal_playbook(CSV, "routing: {question: sales}\n"))
    assert route(pd.DataFrame({"intent": ["question"]}), playbook)["department"].tolist() == [
        "sales"
    ]


def test_mark_crisis_by_hand():
    frame = pd.DataFrame(
        {
            "priority": ["high", "normal", "high", "high"],
            # Berlin is UTC+1 in March: 23:30Z on the 1st is 00:30 on the 2nd
            "first_customer_at": pd.to_datetime(
                ["2026-03-01 23:30", "2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00"],
                utc=True,
            ),
        }
    )
    alerts = pd.DataFrame(
        {"date": ["2026-03-02", "2026-03-04"], "metric": ["negative", "mentions"]}
    )  # a volume spike is no crisis
    marked = mark_crisis(frame, alerts, "Europe/Berlin")
    assert marked["crisis"].tolist() == [True, False, False, False]
    assert "crisis" not in frame.columns
    assert route(marked, ROUTING)["department"].tolist()[0] == "pr"
    assert not mark_crisis(frame, alerts.iloc[0:0], "Europe/Berlin")["crisis"].any()
    with pytest.raises(KeyError, match="no time column"):
        mark_crisis(frame.drop(columns="first_customer_at"), alerts, "Europe/Berlin")


# ---------------------------------------------------------------------------------------------
# Workload and SLA per department


def test_department_workload_by_hand():
    routed = pd.DataFrame(
        {
            "department": ["service", "service", "service", "sales", "pr", None],
            "first_customer_at": pd.to_datetime(
                [
                    "2026-01-01",
                    "2026-01-10",
                    "2026-01-20",
                    "2026-01-29",
                    "2026-01-15",
                    "2026-03-01",
                ],
                utc=True,
            ),
        }
    )
    # requests span 2026-01-01 .. 2026-01-29 = 28 days = 4 weeks (the brand row does not count)
    table = department_workload(routed)
    assert table["department"].tolist() == list(DEPARTMENTS)
    assert table["conversations"].tolist() == [3, 0, 1, 1]
    assert table["per_week"].tolist() == pytest.approx([0.75, 0.0, 0.25, 0.25])
    assert table["share"].tolist() == pytest.approx([0.6, 0.0, 0.2, 0.2])
    assert department_workload(routed, weeks=2)["per_week"].tolist() == pytest.approx(
        [1.5, 0.0, 0.5, 0.5]
    )


def test_department_workload_short_period_counts_as_one_week():
    routed = pd.DataFrame(
        {
            "department": ["service", "sales"],
            "created_at": pd.to_datetime(["2026-01-01", "2026-01-03"], utc=True),
        }
    )
    assert department_workload(routed)["per_week"].tolist() == [1.0, 0.0, 0.0, 1.0]
    no_time = department_workload(routed.drop(columns="created_at"))
    assert no_time["per_week"].isna().all() and no_time["share"].tolist() == [0.5, 0, 0, 0.5]


CLOCKS = pd.DataFrame(
    {
        "intent": ["complaint", "complaint", "lead", "praise", "question"],
        "priority": ["normal", "high", "normal", "low", "low"],
        "first_response_at": pd.to_datetime(
            ["2026-01-05 10:00", None, "2026-01-05 12:00", "2026-01-05 13:00", None], utc=True
        ),
        "first_response_h": [1.0, np.nan, 3.0, 5.0, np.nan],
        "first_response_business_h": [1.0, np.nan, 2.0, 5.0, np.nan],
        "status": ["met", "open_breached", "breached", "met", "open"],
    }
)


def test_department_sla_by_hand():
    routing = Routing.model_validate(
        {"complaint": "service", "question": "service", "lead": "sales"}
    )
    table = department_sla(CLOCKS, routing).set_index("department")
    # service: two complaints (1 answered, met + open_breached) and one question (open)
    assert table.loc["service", "conversations"] == 3 and table.loc["service", "answered"] == 1
    assert table.loc["service", "response_rate"] == pytest.approx(1 / 3)
    assert table.loc["service", "attainment"] == pytest.approx(0.5)
    assert table.loc["sales", "attainment"] == 0.0
    assert table.loc["marketing", "median_first_response_h"] == 5.0
    routed = route(CLOCKS, routing)
    pd.testing.assert_frame_equal(department_sla(routed), department_sla(CLOCKS, routing))
    with pytest.raises(ValueError, match="pass the playbook"):
        department_sla(CLOCKS)


# ---------------------------------------------------------------------------------------------
# The 70% problem


def test_compare_marketing_load_by_hand():
    routed = route(FRAME, ROUTING)
    # 9 requests (the brand post is none): service 3, pr 2, marketing 4, sales 0
    table = compare_marketing_load(routed).set_index("scenario")
    assert list(table.index) == ["today", "method reference", "with routing"]
    assert table["requests"].tolist() == [9, 9, 9]
    today, reference, routed_row = (table.loc[s] for s in table.index)
    assert today[list(DEPARTMENTS)].tolist() == [0.0, 9.0, 0.0, 0.0]
    assert today["marketing_share"] == 1.0 and today["moved_from_marketing"] == 0.0
    assert reference["marketing_share"] == 0.7
    assert reference["marketing"] == pytest.approx(6.3)
    assert reference["moved_from_marketing"] == pytest.approx(2.7)
    assert reference[["service", "pr", "sales"]].isna().all()
    assert routed_row[list(DEPARTMENTS)].tolist() == [3.0, 4.0, 2.0, 0.0]
    assert routed_row["marketing_share"] == pytest.approx(4 / 9)
    assert routed_row["moved_from_marketing"] == 5.0


def test_compare_marketing_load_reference_and_empty():
    routed = pd.DataFrame({"department": ["service", "marketing"]})
    table = compare_marketing_load(routed, reference=0.5).set_index("scenario")
    assert table.loc["method reference", "marketing"] == 1.0
    assert MARKETING_SHARE_REFERENCE == 0.70
    empty = compare_marketing_load(pd.DataFrame({"department": pd.Series([], dtype="string")}))
    assert empty["requests"].tolist() == [0, 0, 0]
    assert np.isnan(empty.loc[0, "marketing_share"]) and np.isnan(empty.loc[2, "marketing_share"])
