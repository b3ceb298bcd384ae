"""Step 2: baselines measured like the KPIs, the goals table and goal progress."""

from __future__ import annotations

import datetime as dt
import logging
import math

import pandas as pd

from ...conversations import clock_conversations
from ...kpis import compute_kpis, format_kpi, kpi_label
from ...playbook import Goal, Playbook
from ...schema import KPIS

logger = logging.getLogger(__name__)

_DAYS_PER_MONTH = 365.25 / 12


def measure_kpis(scored: pd.DataFrame, playbook: Playbook) -> dict[str, float]:
    """Measure every KPI from scored mentions (the baseline of step 2).

    Runs the same functions as steps 4 and 5 (conversations, SLA clocks, KPIs) in memory, so a
    baseline is measured exactly like the KPI it is later compared with.

    Args:
        scored: Scored mentions (step 1 writes them: ``mentions_scored.parquet``; or
            :func:`socialcrm_utils.steps.listening.score_mentions`).
        playbook: The client's playbook.

    Returns:
        KPI name -> value.

    Raises:
        ValueError: If ``scored`` has no ``sentiment`` column (raw mentions).
    """
    if "sentiment" not in scored.columns:
        raise ValueError(
            "measure_kpis needs scored mentions (a sentiment column): read "
            "mentions_scored.parquet of step 1, or score them first"
        )
    return compute_kpis(scored, clock_conversations(scored, playbook), playbook.costs)


def goals_table(
    goals: list[Goal],
    baselines: dict[str, float],
    as_of: dt.date | None = None,
    currency: str = "USD",
) -> pd.DataFrame:
    """The goals as the client will sign them: baseline, target, deadline, pace and checks.

    ``monthly_pace`` is the change per month needed to go from the baseline to the target by
    the deadline: ``(target - baseline) / months_left``, with a month of 365.25 / 12 days.
    ``status`` is ``ok``, or what is wrong: ``unknown KPI``, ``deadline passed``, ``no baseline
    in the data``, ``already met`` (the baseline is at or beyond the target). The five SMART
    checks, one column each, are :func:`check_goals`.

    Args:
        goals: The playbook's goals.
        baselines: KPI values measured from the data (:func:`measure_kpis`).
        as_of: The date the goals are set (default: today).
        currency: The playbook's ``costs.currency``, for money KPIs.

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
        kpi = KPIS.get(goal.metric)
        baseline = baselines.get(goal.metric, math.nan)
        baseline = math.nan if baseline is None else float(baseline)
        months = (goal.by - as_of).days / _DAYS_PER_MONTH
        gap = goal.target - baseline
        improves = kpi is not None and (gap > 0 if kpi.higher_is_better else gap < 0)
        if kpi is None:
            status = "unknown KPI"
        elif months <= 0:
            status = "deadline passed"
        elif math.isnan(baseline):
            status = "no baseline in the data"
        elif not improves:
            status = "already met"
        else:
            status = "ok"
        rows.append(
            {
                "metric": goal.metric,
                "label": kpi_label(goal.metric),
                "unit": kpi.unit if kpi else "",
                "direction": ("increase" if kpi.higher_is_better else "decrease")
                if kpi
                else "unknown",
                "baseline": baseline,
                "target": goal.target,
                "by": goal.by.isoformat(),
                "months_left": months,
                "gap": gap,
                "monthly_pace": gap / months if months > 0 else math.nan,
                "status": status,
                "baseline_display": format_kpi(goal.metric, baseline, currency)
                if kpi
                else f"{baseline:g}",
                "target_display": format_kpi(goal.metric, goal.target, currency)
                if kpi
                else f"{goal.target:g}",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "metric",
            "label",
            "unit",
            "direction",
            "baseline",
            "target",
            "by",
            "months_left",
            "gap",
            "monthly_pace",
            "status",
            "baseline_display",
            "target_display",
        ],
    )


def goal_progress(
    goals: pd.DataFrame, current: dict[str, float], currency: str = "USD"
) -> pd.DataFrame:
    """Each goal with the current KPI value: progress from baseline to target, met or not.

    ``progress`` is ``(current - baseline) / (target - baseline)`` (1.0 = target reached;
    NaN when baseline equals target). ``on_track`` is True when the current value has reached
    the target in the KPI's direction, False when not, None when there is no current value.

    Args:
        goals: :func:`goals_table` or :func:`check_goals` output (or ``goals.csv`` read back).
        current: The KPI values now (:func:`kpis.compute_kpis`).
        currency: The playbook's ``costs.currency``, for money KPIs in ``current_display``.

    Returns:
        ``goals`` with ``current``, ``progress``, ``on_track`` and ``current_display``.

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
    out["current_display"] = [
        format_kpi(m, c, currency) if m in KPIS else f"{c:g}"
        for m, c in zip(out["metric"], out["current"], strict=True)
    ]
    return out
