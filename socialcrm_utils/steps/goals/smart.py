"""Step 2: the SMART checks of every goal."""

from __future__ import annotations

import datetime as dt
import logging
import math

import pandas as pd

from ...kpis import format_kpi, kpi_label
from ...playbook import Goal
from ...schema import KPIS
from .baselines import goals_table

logger = logging.getLogger(__name__)

#: The checks of :func:`check_goals`, in order; each is a bool column plus ``<check>_reason``.
SMART_CHECKS: tuple[str, ...] = (
    "specific",
    "measurable",
    "ambitious",
    "attainable",
    "relevant",
    "time_bound",
)

#: The fastest monthly pace a goal may need before :func:`check_goals` flags it as not
#: attainable, per KPI unit. Shares: percentage points per month (0.10 = 10 points), absolute;
#: every other unit (hours, mentions, people, currency): change per month relative to the
#: baseline (0.5 = half the baseline a month). Rules of thumb for the goals workshop, not
#: findings of a study: a team that changes owner, tools and targets moves a rate by a few
#: points a month, and a rate climbing more than 10 points every month, response times halving
#: every month, or volume, reach or money growing by a fifth every month are rare beyond the
#: first weeks. Pass ``max_pace`` to :func:`check_goals` to change them.
MAX_MONTHLY_PACE: dict[str, float] = {
    "share": 0.10,
    "hours": 0.5,
    "mentions": 0.2,
    "people": 0.2,
    "currency": 0.2,
}

#: KPI -> (step of the method it measures, why it matters there): the "relevant" check.
KPI_STEPS: dict[str, tuple[int, str]] = {
    "volume": (1, "find platforms: how much customers say about the brand, and where"),
    "reach": (1, "find platforms: how many people see what customers say about the brand"),
    "share_of_voice": (1, "find platforms: how loud the brand is next to its competitors"),
    "net_sentiment": (3, "listen: how customers feel about the brand"),
    "complaint_rate": (3, "listen: how many customer posts are complaints"),
    "response_rate": (4, "customer contact: how many customers get an answer at all"),
    "median_first_response_h": (4, "customer contact: how fast customers get an answer"),
    "p90_first_response_h": (4, "customer contact: how long the slowest tenth of customers wait"),
    "sla_attainment": (4, "customer contact: how often the agreed response times are met"),
    "advocacy": (4, "customer contact: how many unhappy customers a reply turns round"),
    "cost_per_contact": (5, "workflow and KPIs: what one social contact costs (phone: $15)"),
    "savings_vs_phone": (5, "workflow and KPIs: what answering on social saves against phone"),
}

#: Possible values of a KPI target: by name first, else by unit (inclusive bounds; hours > 0).
_RANGES: dict[str, tuple[float, float]] = {"net_sentiment": (-1.0, 1.0), "share": (0.0, 1.0)}


def _format_pace(unit: str, pace: float, currency: str = "USD") -> str:
    if math.isnan(pace):
        return "–"
    if unit == "share":
        return f"{pace * 100:+.1f} points/month"
    if unit == "hours":
        return f"{pace:+.2f} h/month"
    if unit == "currency":
        return f"{pace:+,.2f} {currency}/month"
    return f"{pace:+,.1f} {unit or 'units'}/month"


def _format_limit(unit: str, limit: float) -> str:
    return (
        f"{limit * 100:g} points a month"
        if unit == "share"
        else f"{limit:.0%} of the baseline a month"
    )


def _display(metric: str, value: float) -> str:
    return format_kpi(metric, value) if metric in KPIS else f"{value:g}"


def _attainable(
    row: pd.Series, ambitious: bool, max_pace: dict[str, float], currency: str
) -> tuple[bool, str]:
    """The "attainable" check of one goal: a possible target, time left, a pace within limits."""
    metric, unit = row["metric"], row["unit"]
    known = metric in KPIS
    baseline, target, months = row["baseline"], row["target"], row["months_left"]
    has_baseline = not math.isnan(baseline)
    target_text = row["target_display"]
    low, high = _RANGES.get(metric, _RANGES.get(unit, (0.0, math.inf)))
    pace = row["monthly_pace"]
    limit = max_pace.get(unit)
    if not known:
        attainable, reason = False, "no KPI to judge"
    elif not (low <= target <= high) or (unit == "hours" and target <= 0):
        shown = (
            f"{_display(metric, low)} to {_display(metric, high)}" if high < math.inf else "above 0"
        )
        attainable, reason = False, f"target {target_text} is impossible (possible: {shown})"
    elif not months > 0:
        attainable, reason = False, "no time left before the deadline"
    elif not has_baseline:
        attainable, reason = False, "cannot tell without a baseline"
    elif not ambitious:
        attainable, reason = True, "already reached"
    elif limit is None:
        attainable, reason = (
            True,
            (f"needs {_format_pace(unit, pace, currency)} (no limit for unit {unit!r})"),
        )
    else:
        speed = (
            abs(pace) if unit == "share" else (abs(pace) / abs(baseline) if baseline else math.inf)
        )
        attainable = speed <= limit
        needs = f"needs {_format_pace(unit, pace, currency)}"
        if unit != "share":
            needs += f" ({speed:.0%} of the baseline)" if baseline else " from a baseline of 0"
        reason = (
            f"{needs}, within {_format_limit(unit, limit)}"
            if attainable
            else f"{needs}, faster than {_format_limit(unit, limit)}: move the deadline "
            "or lower the target"
        )
    return attainable, reason


def _smart_row(row: pd.Series, max_pace: dict[str, float], currency: str) -> dict[str, object]:
    """The six checks of one goal (a row of :func:`goals_table`)."""
    metric, unit = row["metric"], row["unit"]
    known = metric in KPIS
    baseline, target, months = row["baseline"], row["target"], row["months_left"]
    has_baseline = not math.isnan(baseline)
    base_text, target_text = row["baseline_display"], row["target_display"]
    out: dict[str, object] = {}

    out["specific"] = known
    out["specific_reason"] = (
        f"one KPI: {kpi_label(metric)} ({metric})"
        if known
        else f"'{metric}' is not a KPI the suite measures (allowed: {', '.join(KPIS)})"
    )

    out["measurable"] = known and has_baseline
    out["measurable_reason"] = (
        f"baseline {base_text} measured from the data"
        if out["measurable"]
        else "no KPI to measure"
        if not known
        else "no baseline: the data cannot measure this KPI (e.g. no scored or answered posts)"
    )

    if not (known and has_baseline):
        out["ambitious"] = False
        out["ambitious_reason"] = "cannot tell without a baseline"
    else:
        better = KPIS[metric].higher_is_better
        improves = target > baseline if better else target < baseline
        out["ambitious"] = improves
        verb = "raises" if better else "lowers"
        out["ambitious_reason"] = (
            f"target {target_text} {verb} the baseline {base_text} "
            f"({'higher' if better else 'lower'} is better)"
            if improves
            else f"already met: the baseline {base_text} is at or beyond the target {target_text} "
            f"({'higher' if better else 'lower'} is better); set a more ambitious target"
        )

    out["attainable"], out["attainable_reason"] = _attainable(
        row, out["ambitious"], max_pace, currency
    )

    step = KPI_STEPS.get(metric)
    out["relevant"] = step is not None
    out["relevant_reason"] = (
        f"step {step[0]}, {step[1]}"
        if step
        else "the KPI maps to no step of the method (add it to KPI_STEPS)"
    )
    out["step"] = step[0] if step else pd.NA

    out["time_bound"] = months > 0
    out["time_bound_reason"] = (
        f"by {row['by']}, {months:.1f} months ahead"
        if months > 0
        else f"the deadline {row['by']} has passed"
    )
    out["pace_display"] = _format_pace(unit, row["monthly_pace"], currency)
    return out


def check_goals(
    goals: list[Goal],
    baselines: dict[str, float],
    as_of: dt.date | None = None,
    *,
    max_pace: dict[str, float] | None = None,
    currency: str = "USD",
) -> pd.DataFrame:
    """Check every goal against the SMART criteria: one row per goal, one column per check.

    The checks (each a bool column and a ``<check>_reason`` column in words):

    - ``specific``: the goal names one KPI the suite measures (:data:`schema.KPIS`);
    - ``measurable``: a baseline was measured from the data (not NaN);
    - ``ambitious``: the target improves on the baseline in the KPI's direction (a goal whose
      baseline already meets it fails);
    - ``attainable``: the target is possible (shares 0-100%, net sentiment -100% to 100%, hours
      above 0) and the monthly pace it needs is within :data:`MAX_MONTHLY_PACE` (shares:
      ``|monthly_pace|`` in points; other units: ``|monthly_pace| / |baseline|``); a target
      already reached counts as attainable;
    - ``relevant``: the KPI maps to a step of the method (:data:`KPI_STEPS`, column ``step``);
    - ``time_bound``: the deadline is after ``as_of``.

    ``smart`` is True when all six pass.

    Args:
        goals: The playbook's goals.
        baselines: KPI values measured from the data (:func:`measure_kpis`).
        as_of: The date the goals are set (default: today).
        max_pace: Unit -> pace limit, replacing :data:`MAX_MONTHLY_PACE` for those units.
        currency: The playbook's ``costs.currency``, for money KPIs.

    Returns:
        The columns of :func:`goals_table`, then ``pace_display``, ``step``, each check and its
        reason, and ``smart``.

    Examples:
        >>> g = [Goal(metric="response_rate", target=0.9, by=dt.date(2027, 3, 31)),
        ...      Goal(metric="sla_attainment", target=0.9, by=dt.date(2027, 1, 30))]
        >>> t = check_goals(g, {"response_rate": 0.6, "sla_attainment": 0.5},
        ...                 as_of=dt.date(2026, 11, 30))
        >>> t[["metric", "pace_display", "attainable", "smart"]].values.tolist()
        ... # doctest: +NORMALIZE_WHITESPACE
        [['response_rate', '+7.5 points/month', True, True],
         ['sla_attainment', '+20.0 points/month', False, False]]
        >>> print(t.loc[1, "attainable_reason"])  # doctest: +NORMALIZE_WHITESPACE
        needs +20.0 points/month, faster than 10 points a month: move the deadline or lower the
        target
    """
    limits = {**MAX_MONTHLY_PACE, **(max_pace or {})}
    table = goals_table(goals, baselines, as_of, currency)
    checks = [_smart_row(row, limits, currency) for _, row in table.iterrows()]
    columns = ["pace_display", "step"] + [
        c for name in SMART_CHECKS for c in (name, f"{name}_reason")
    ]
    extra = pd.DataFrame(checks, columns=columns, index=table.index)
    for name in SMART_CHECKS:
        extra[name] = extra[name].astype(bool)
    extra["step"] = extra["step"].astype("Int64")
    out = pd.concat([table, extra], axis=1)
    out["smart"] = out[list(SMART_CHECKS)].all(axis=1).astype(bool)
    return out


def list_failed_checks(checked: pd.DataFrame) -> pd.DataFrame:
    """Every SMART check that failed, one row each: what to fix before the client signs.

    Args:
        checked: Output of :func:`check_goals`.

    Returns:
        ``metric``, ``label``, ``check``, ``reason``, in goal then check order.

    Examples:
        >>> g = [Goal(metric="response_rate", target=0.5, by=dt.date(2027, 3, 31))]
        >>> list_failed_checks(check_goals(g, {"response_rate": 0.6}, as_of=dt.date(2026, 11, 30)))[
        ...     ["metric", "check"]].values.tolist()
        [['response_rate', 'ambitious']]
    """
    rows = [
        {
            "metric": row["metric"],
            "label": row["label"],
            "check": name,
            "reason": row[f"{name}_reason"],
        }
        for _, row in checked.iterrows()
        for name in SMART_CHECKS
        if not row[name]
    ]
    return pd.DataFrame(rows, columns=["metric", "label", "check", "reason"])
