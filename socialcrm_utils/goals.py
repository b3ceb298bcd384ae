"""Step 2, goals and guidelines: SMART goals with baselines measured from the data.

A goal in the playbook names a KPI (:data:`schema.KPIS`), a target and a deadline. This module
measures the baseline of every KPI from the mentions, checks each goal (specific: a known KPI;
measurable: a baseline exists; ambitious: the target improves on the baseline in the KPI's
direction; time-bound: the deadline is in the future) and computes the monthly pace needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

import pandas as pd

from .kpis import compute_kpis, format_kpi
from .listening import score_mentions
from .playbook import Goal, Playbook
from .schema import KPIS
from .sla import clock_conversations

__all__ = ["measure_kpis", "goals_table", "goal_progress"]

logger = logging.getLogger(__name__)

_DAYS_PER_MONTH = 365.25 / 12


def measure_kpis(mentions: pd.DataFrame, playbook: Playbook) -> dict[str, float]:
    """Measure every KPI from raw mentions (the baseline of step 2).

    Runs the same functions as steps 3 to 5 (scoring, conversations, SLA clocks, KPIs) in
    memory, so a baseline is measured exactly like the KPI it is later compared with.

    Args:
        mentions: Canonical mentions (step 1).
        playbook: The client's playbook.

    Returns:
        KPI name -> value.
    """
    scored = score_mentions(mentions, playbook)
    return compute_kpis(scored, clock_conversations(scored, playbook))


def goals_table(goals: list[Goal], baselines: dict[str, float],
                as_of: dt.date | None = None) -> pd.DataFrame:
    """The goals as the client will sign them: baseline, target, deadline, pace and checks.

    ``monthly_pace`` is the change per month needed to go from the baseline to the target by
    the deadline: ``(target - baseline) / months_left``, with a month of 365.25 / 12 days.
    ``status`` is ``ok``, or what is wrong: ``deadline passed``, ``no baseline in the data``,
    ``already met`` (the baseline is at or beyond the target).

    Args:
        goals: The playbook's goals.
        baselines: KPI values measured from the data (:func:`measure_kpis`).
        as_of: The date the goals are set (default: today).

    Returns:
        One row per goal: ``metric``, ``label``, ``unit``, ``direction``, ``baseline``,
        ``target``, ``by``, ``months_left``, ``gap``, ``monthly_pace``, ``status``, and the
        formatted ``baseline_display`` / ``target_display``.

    Examples:
        >>> g = [Goal(metric="response_rate", target=0.9, by=dt.date(2027, 3, 31))]
        >>> t = goals_table(g, {"response_rate": 0.6}, as_of=dt.date(2026, 11, 30))
        >>> t[["direction", "gap", "status"]].values.tolist()
        [['increase', 0.30000000000000004, 'ok']]
        >>> # 121 days / (365.25 / 12) = 3.975 months; 0.3 / 3.975 = 0.0755 per month
        >>> round(float(t.loc[0, "months_left"]), 2), round(float(t.loc[0, "monthly_pace"]), 4)
        (3.98, 0.0755)
    """
    as_of = as_of or dt.date.today()
    rows = []
    for goal in goals:
        kpi = KPIS[goal.metric]
        baseline = baselines.get(goal.metric, math.nan)
        months = (goal.by - as_of).days / _DAYS_PER_MONTH
        gap = goal.target - baseline
        improves = gap > 0 if kpi.higher_is_better else gap < 0
        if months <= 0:
            status = "deadline passed"
        elif baseline is None or math.isnan(baseline):
            status = "no baseline in the data"
        elif not improves:
            status = "already met"
        else:
            status = "ok"
        rows.append({
            "metric": goal.metric,
            "label": kpi.label,
            "unit": kpi.unit,
            "direction": "increase" if kpi.higher_is_better else "decrease",
            "baseline": baseline,
            "target": goal.target,
            "by": goal.by.isoformat(),
            "months_left": months,
            "gap": gap,
            "monthly_pace": gap / months if months > 0 else math.nan,
            "status": status,
            "baseline_display": format_kpi(goal.metric, baseline),
            "target_display": format_kpi(goal.metric, goal.target),
        })
    return pd.DataFrame(rows, columns=[
        "metric", "label", "unit", "direction", "baseline", "target", "by", "months_left", "gap",
        "monthly_pace", "status", "baseline_display", "target_display"])


def goal_progress(goals: pd.DataFrame, current: dict[str, float]) -> pd.DataFrame:
    """Each goal with the current KPI value: progress from baseline to target, met or not.

    ``progress`` is ``(current - baseline) / (target - baseline)`` (1.0 = target reached;
    NaN when baseline equals target). ``on_track`` is True when the current value has reached
    the target in the KPI's direction, False when not, None when there is no current value.

    Examples:
        >>> goals = pd.DataFrame({"metric": ["response_rate"], "direction": ["increase"],
        ...                       "baseline": [0.6], "target": [0.9]})
        >>> goal_progress(goals, {"response_rate": 0.75})[["progress", "on_track"]].values.tolist()
        [[0.5, False]]
    """
    out = goals.copy()
    out["current"] = [current.get(m, math.nan) for m in out["metric"]]
    span = out["target"] - out["baseline"]
    out["progress"] = ((out["current"] - out["baseline"]) / span.where(span != 0)).astype(float)
    reached = [
        None if math.isnan(c) else (c >= t if d == "increase" else c <= t)
        for c, t, d in zip(out["current"], out["target"], out["direction"], strict=True)
    ]
    out["on_track"] = pd.Series(reached, index=out.index, dtype=object)
    out["current_display"] = [format_kpi(m, c) for m, c in zip(out["metric"], out["current"],
                                                                 strict=True)]
    return out
