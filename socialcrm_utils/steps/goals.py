"""Step 2, goals and guidelines: SMART goals with baselines measured from the data.

A goal in the playbook names a KPI (:data:`schema.KPIS`), a target and a deadline. This module

- measures the baseline of every KPI from the mentions (:func:`measure_kpis`);
- lays the goals out with their gap and monthly pace (:func:`goals_table`) and checks each one
  against the five SMART criteria (:func:`check_goals`, :func:`list_failed_checks`);
- turns the method's guidelines (who may answer what, privacy, brand voice, escalation,
  responsibilities, response times) into a checklist the consultant walks through with the
  client (:func:`guidelines_checklist`);
- loads the method's reference figures from ``data/benchmarks.yaml`` (:func:`load_benchmarks`)
  and measures the client's figure the best known one is compared with: the share of negative
  public posts the brand answered (:func:`measure_answered_negatives`, :func:`context_line`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..config import BENCHMARKS_FILE
from ..conversations import assign_conversations, clock_conversations
from ..exceptions import BenchmarkError
from ..kpis import compute_kpis, format_kpi, kpi_label
from ..metrics import select_population
from ..playbook import Goal, Playbook, format_duration
from ..schema import INTENTS, KPIS

__all__ = [
    "measure_kpis",
    "goals_table",
    "goal_progress",
    "check_goals",
    "list_failed_checks",
    "SMART_CHECKS",
    "MAX_MONTHLY_PACE",
    "KPI_STEPS",
    "guidelines_checklist",
    "CHECKLIST_STATUSES",
    "BENCHMARKS_PATH",
    "BenchmarkError",
    "load_benchmarks",
    "context_line",
    "measure_answered_negatives",
]

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
        raise ValueError("measure_kpis needs scored mentions (a sentiment column): read "
                         "mentions_scored.parquet of step 1, or score them first")
    return compute_kpis(scored, clock_conversations(scored, playbook), playbook.costs)


def goals_table(goals: list[Goal], baselines: dict[str, float],
                as_of: dt.date | None = None, currency: str = "USD") -> pd.DataFrame:
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
        rows.append({
            "metric": goal.metric,
            "label": kpi_label(goal.metric),
            "unit": kpi.unit if kpi else "",
            "direction": ("increase" if kpi.higher_is_better else "decrease") if kpi
            else "unknown",
            "baseline": baseline,
            "target": goal.target,
            "by": goal.by.isoformat(),
            "months_left": months,
            "gap": gap,
            "monthly_pace": gap / months if months > 0 else math.nan,
            "status": status,
            "baseline_display": format_kpi(goal.metric, baseline, currency) if kpi
            else f"{baseline:g}",
            "target_display": format_kpi(goal.metric, goal.target, currency) if kpi
            else f"{goal.target:g}",
        })
    return pd.DataFrame(rows, columns=[
        "metric", "label", "unit", "direction", "baseline", "target", "by", "months_left", "gap",
        "monthly_pace", "status", "baseline_display", "target_display"])


def goal_progress(goals: pd.DataFrame, current: dict[str, float],
                  currency: str = "USD") -> pd.DataFrame:
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
    out["current_display"] = [format_kpi(m, c, currency) if m in KPIS else f"{c:g}"
                              for m, c in zip(out["metric"], out["current"], strict=True)]
    return out


# ---------------------------------------------------------------------------------------------
# SMART checks

#: The checks of :func:`check_goals`, in order; each is a bool column plus ``<check>_reason``.
SMART_CHECKS: tuple[str, ...] = (
    "specific", "measurable", "ambitious", "attainable", "relevant", "time_bound")

#: The fastest monthly pace a goal may need before :func:`check_goals` flags it as not
#: attainable, per KPI unit. Shares: percentage points per month (0.10 = 10 points), absolute;
#: every other unit (hours, mentions, people, currency): change per month relative to the
#: baseline (0.5 = half the baseline a month). Rules of thumb for the goals workshop, not
#: findings of a study: a team that changes owner, tools and targets moves a rate by a few
#: points a month, and a rate climbing more than 10 points every month, response times halving
#: every month, or volume, reach or money growing by a fifth every month are rare beyond the
#: first weeks. Pass ``max_pace`` to :func:`check_goals` to change them.
MAX_MONTHLY_PACE: dict[str, float] = {
    "share": 0.10, "hours": 0.5, "mentions": 0.2, "people": 0.2, "currency": 0.2}

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
_RANGES: dict[str, tuple[float, float]] = {
    "net_sentiment": (-1.0, 1.0), "share": (0.0, 1.0),
}


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
    return f"{limit * 100:g} points a month" if unit == "share" \
        else f"{limit:.0%} of the baseline a month"


def _display(metric: str, value: float) -> str:
    return format_kpi(metric, value) if metric in KPIS else f"{value:g}"


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
        f"one KPI: {kpi_label(metric)} ({metric})" if known
        else f"'{metric}' is not a KPI the suite measures (allowed: {', '.join(KPIS)})")

    out["measurable"] = known and has_baseline
    out["measurable_reason"] = (
        f"baseline {base_text} measured from the data" if out["measurable"]
        else "no KPI to measure" if not known
        else "no baseline: the data cannot measure this KPI (e.g. no scored or answered posts)")

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
            f"({'higher' if better else 'lower'} is better)" if improves
            else f"already met: the baseline {base_text} is at or beyond the target {target_text} "
                 f"({'higher' if better else 'lower'} is better); set a more ambitious target")

    low, high = _RANGES.get(metric, _RANGES.get(unit, (0.0, math.inf)))
    pace = row["monthly_pace"]
    limit = max_pace.get(unit)
    if not known:
        attainable, reason = False, "no KPI to judge"
    elif not (low <= target <= high) or (unit == "hours" and target <= 0):
        shown = f"{_display(metric, low)} to {_display(metric, high)}" if high < math.inf \
            else "above 0"
        attainable, reason = False, f"target {target_text} is impossible (possible: {shown})"
    elif not months > 0:
        attainable, reason = False, "no time left before the deadline"
    elif not has_baseline:
        attainable, reason = False, "cannot tell without a baseline"
    elif not out["ambitious"]:
        attainable, reason = True, "already reached"
    elif limit is None:
        attainable, reason = True, (f"needs {_format_pace(unit, pace, currency)} "
                                    f"(no limit for unit {unit!r})")
    else:
        speed = abs(pace) if unit == "share" else (abs(pace) / abs(baseline) if baseline
                                                   else math.inf)
        attainable = speed <= limit
        needs = f"needs {_format_pace(unit, pace, currency)}"
        if unit != "share":
            needs += f" ({speed:.0%} of the baseline)" if baseline else " from a baseline of 0"
        reason = (f"{needs}, within {_format_limit(unit, limit)}" if attainable
                  else f"{needs}, faster than {_format_limit(unit, limit)}: move the deadline "
                       "or lower the target")
    out["attainable"], out["attainable_reason"] = attainable, reason

    step = KPI_STEPS.get(metric)
    out["relevant"] = step is not None
    out["relevant_reason"] = (f"step {step[0]}, {step[1]}" if step
                              else "the KPI maps to no step of the method (add it to KPI_STEPS)")
    out["step"] = step[0] if step else pd.NA

    out["time_bound"] = months > 0
    out["time_bound_reason"] = (
        f"by {row['by']}, {months:.1f} months ahead" if months > 0
        else f"the deadline {row['by']} has passed")
    out["pace_display"] = _format_pace(unit, pace, currency)
    return out


def check_goals(goals: list[Goal], baselines: dict[str, float], as_of: dt.date | None = None,
                *, max_pace: dict[str, float] | None = None,
                currency: str = "USD") -> pd.DataFrame:
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
    columns = ["pace_display", "step"] + [c for name in SMART_CHECKS
                                          for c in (name, f"{name}_reason")]
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
    rows = [{"metric": row["metric"], "label": row["label"], "check": name,
             "reason": row[f"{name}_reason"]}
            for _, row in checked.iterrows() for name in SMART_CHECKS if not row[name]]
    return pd.DataFrame(rows, columns=["metric", "label", "check", "reason"])


# ---------------------------------------------------------------------------------------------
# Guidelines checklist

#: The statuses of :func:`guidelines_checklist`: written in the playbook, missing from a section
#: the playbook has for it, or to agree with the client in the workshop.
CHECKLIST_STATUSES: tuple[str, ...] = ("in playbook", "missing", "to agree")

_WHY = {
    "empowered": (
        "Staff empowered to decide",
        "Customers expect an answer within the hour and every post is public: staff who must "
        "ask for approval answer late, and fear of answering publicly is why companies stay "
        "silent. Agree who may answer what, and decide what, without approval."),
    "privacy": (
        "Privacy: personal data only in a private channel",
        "Answering publicly seems risky when personal data is involved: booking numbers, "
        "addresses or phone numbers are asked for and given only in a private channel (DM, "
        "private message, e-mail), never in a public reply."),
    "voice": (
        "Brand voice",
        "Every reply is public and read by many more than the customer: one voice across all "
        "agents keeps the brand recognisable and keeps replies from making things worse."),
    "escalation": (
        "Escalation path (crisis -> PR)",
        "A complaint that spreads becomes a crisis; PR must get it at once, by an agreed path, "
        "instead of the team that happens to see it first."),
    "routing": (
        "Responsibilities per department",
        "Marketing owns the social accounts, so about 70% of social requests land there although "
        "service, sales or PR should answer them: every kind of request needs a department."),
    "owners": (
        "A named owner per department",
        "A department is no answer to 'who replies?': each one that gets requests needs a person "
        "or team accountable for them."),
    "response_times": (
        "Response-time targets",
        "43% of consumers want problems solved through social networks and only 25% of negative "
        "public posts get an answer: without a target nobody knows whether the team is fast "
        "enough."),
    "listening_hours": (
        "Who listens, when",
        "Nobody listens is the most common failure: agree the hours in which the channels are "
        "watched, and tell customers."),
}


def _item(key: str, status: str, evidence: str) -> dict[str, str]:
    item, why = _WHY[key]
    return {"id": key, "item": item, "why": why, "status": status, "evidence": evidence}


def guidelines_checklist(playbook: Playbook) -> pd.DataFrame:
    """The method's guidelines as a checklist: what the playbook already settles, what is open.

    Derived from the playbook where it can be (statuses :data:`CHECKLIST_STATUSES`):

    - ``empowered``: ``guidelines.empowered`` lists something -> in playbook, else to agree;
    - ``privacy``: ``voice.must_offer_private_channel_for_pii`` is on -> in playbook (evidence
      also names ``listening.pii_patterns``), switched off -> missing;
    - ``voice``: any brand-voice rule set (length, banned phrases, greeting, sign-off,
      sentiment, canned reuse) -> in playbook, else missing;
    - ``escalation``: ``routing.crisis`` set -> in playbook (evidence notes when it is not PR
      and adds ``guidelines.escalation``), else missing;
    - ``routing``: every intent routed explicitly -> in playbook, else missing (the evidence
      names the intents that fall to ``routing.default``);
    - ``owners``: ``guidelines.owners`` names every department that routing sends requests
      to -> in playbook, else to agree;
    - ``response_times``: SLA policies exist -> in playbook (evidence: each policy's first
      response target, and whether a catch-all policy exists), else missing;
    - ``listening_hours``: ``sla.business_hours`` set -> in playbook, else to agree.

    Args:
        playbook: The client's playbook.

    Returns:
        One row per item: ``id``, ``item``, ``why`` (the method's reason), ``status``,
        ``evidence`` (what in the playbook shows it, or what is missing).
    """
    g, voice, routing, sla = playbook.guidelines, playbook.voice, playbook.routing, playbook.sla
    rows = []

    rows.append(_item("empowered", "in playbook", "guidelines.empowered: " + "; ".join(g.empowered))
                if g.empowered else
                _item("empowered", "to agree", "not in the playbook (guidelines.empowered)"))

    patterns = ", ".join(playbook.listening.pii_patterns) or "none of the client's own"
    rows.append(
        _item("privacy", "in playbook",
              "voice.must_offer_private_channel_for_pii: true; personal data is redacted "
              f"(listening.pii_patterns: {patterns})")
        if voice.must_offer_private_channel_for_pii else
        _item("privacy", "missing", "voice.must_offer_private_channel_for_pii is switched off"))

    rules = []
    if voice.max_length:
        rules.append("max_length " + ", ".join(f"{k} {v}" for k, v in voice.max_length.items()))
    if voice.banned_phrases:
        rules.append(f"{len(voice.banned_phrases)} banned phrase(s)")
    if voice.greeting:
        rules.append(f"{len(voice.greeting)} greeting(s)")
    if voice.sign_off:
        rules.append(f"{len(voice.sign_off)} sign-off(s)")
    if voice.min_sentiment is not None:
        rules.append(f"min_sentiment {voice.min_sentiment:g}")
    if voice.max_canned_reuse is not None:
        rules.append(f"max_canned_reuse {voice.max_canned_reuse}")
    rows.append(_item("voice", "in playbook", "voice: " + "; ".join(rules)) if rules
                else _item("voice", "missing", "no brand-voice rule in voice"))

    if routing.crisis is None:
        rows.append(_item("escalation", "missing", "routing.crisis is not set"))
    else:
        evidence = f"routing.crisis: {routing.crisis}"
        if routing.crisis != "pr":
            evidence += " (the method escalates crises to PR)"
        if g.escalation:
            evidence += f"; guidelines.escalation: {g.escalation}"
        rows.append(_item("escalation", "in playbook", evidence))

    unrouted = [i for i in INTENTS if i not in routing.by_intent]
    mapped = ", ".join(f"{k} -> {v}" for k, v in routing.by_intent.items())
    extra = f"; {len(routing.rules)} rule(s) by priority" if routing.rules else ""
    rows.append(
        _item("routing", "in playbook", f"routing: {mapped}{extra}") if not unrouted else
        _item("routing", "missing",
              f"no department for {', '.join(unrouted)} (they go to {routing.default}, "
              f"routing.default)" + (f"; routed: {mapped}" if mapped else "") + extra))

    used = [d for d in dict.fromkeys([*routing.by_intent.values(), *(r.department
                                                                     for r in routing.rules),
                                      *([routing.crisis] if routing.crisis else []),
                                      *([routing.default] if unrouted else [])])]
    named = ", ".join(f"{k}: {v}" for k, v in g.owners.items())
    without = [d for d in used if d not in g.owners]
    rows.append(
        _item("owners", "in playbook", f"guidelines.owners: {named}") if not without else
        _item("owners", "to agree",
              f"no owner named for {', '.join(without)} (guidelines.owners)"
              + (f"; named: {named}" if named else "")))

    if not sla.policies:
        rows.append(_item("response_times", "missing", "sla.policies is empty"))
    else:
        targets = "; ".join(f"{p.label} {format_duration(p.first_response)}" for p in sla.policies)
        catch_all = any(p.intent is None and p.priority is None and p.platform is None
                        for p in sla.policies)
        note = "" if catch_all else " (no catch-all policy: some conversations have no target)"
        rows.append(_item("response_times", "in playbook",
                          f"first response: {targets}{note}"))

    hours = sla.business_hours
    rows.append(_item("listening_hours", "in playbook",
                      f"sla.business_hours: {hours.describe()}, {playbook.timezone}") if hours
                else _item("listening_hours", "to agree",
                           "sla.business_hours is not set: SLA clocks run 24/7"))
    return pd.DataFrame(rows, columns=["id", "item", "why", "status", "evidence"])


# ---------------------------------------------------------------------------------------------
# Benchmarks: the method's reference figures

#: The reference figures shipped with the suite.
BENCHMARKS_PATH: Path = BENCHMARKS_FILE

_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_UNITS = ("share", "USD per contact", "list")


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    de: str = Field(min_length=1)


class _Benchmark(BaseModel):
    """One reference figure of ``benchmarks.yaml`` (see the comment at the top of the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    step: int = Field(ge=1, le=6)
    value: float | None
    unit: Literal[_UNITS]  # type: ignore[valid-type]
    items: list[str] = Field(default_factory=list)
    label: _Text
    wording: _Text
    source: str = Field(min_length=1)
    verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _Benchmark:
        if not _ID_RE.fullmatch(self.id):
            raise ValueError(f"id {self.id!r} must be lower-case letters, digits and underscores")
        if self.unit == "list":
            if self.value is not None or not self.items:
                raise ValueError("unit list needs items and value: null")
        elif self.items:
            raise ValueError(f"items are only for unit list, not {self.unit!r}")
        if self.unit == "share" and (self.value is None or not 0 <= self.value <= 1):
            raise ValueError(f"value {self.value!r} is not a share (allowed: 0 to 1, e.g. 0.25)")
        if self.value is not None and self.value < 0:
            raise ValueError(f"value {self.value!r} must not be negative")
        return self


def _describe_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        parts.append(f"{key}: {message}" if key else message)
    return "; ".join(parts)


def load_benchmarks(path: str | Path | None = None) -> pd.DataFrame:
    """Load and check the method's reference figures (``data/benchmarks.yaml``).

    Args:
        path: The YAML file (default: :data:`BENCHMARKS_PATH`).

    Returns:
        One row per figure, in file order: ``id``, ``step``, ``value`` (float, NaN when the
        method gives no number), ``unit``, ``items`` (list), ``label_en``, ``label_de``,
        ``wording_en``, ``wording_de``, ``source``, ``verified``, ``note``.

    Raises:
        BenchmarkError: On one line, naming the file and the entry (number and id) and what is
            wrong: missing file, invalid YAML, unknown or missing keys, a share outside 0-1, a
            duplicate id.

    Examples:
        >>> row = load_benchmarks().set_index("id").loc["negative_posts_answered"]
        >>> float(row["value"]), row["unit"], bool(row["verified"])
        (0.25, 'share', False)
    """
    path = Path(path) if path is not None else BENCHMARKS_PATH
    if not path.is_file():
        raise BenchmarkError(f"{path}: benchmarks file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise BenchmarkError(f"{path}{where}: invalid YAML: "
                             f"{getattr(exc, 'problem', None) or exc}") from None
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BenchmarkError(f"{path}: expected a non-empty list under 'benchmarks:'")
    rows, seen = [], {}
    for number, entry in enumerate(entries, start=1):
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"{path}: entry {number}" + (f" ({name})" if name else "")
        if not isinstance(entry, dict):
            raise BenchmarkError(f"{where}: expected a mapping of keys (id:, value:, ...)")
        try:
            item = _Benchmark.model_validate(entry)
        except ValidationError as exc:
            raise BenchmarkError(f"{where}: {_describe_error(exc)}") from None
        if item.id in seen:
            raise BenchmarkError(f"{where}: duplicate id (first used by entry {seen[item.id]})")
        seen[item.id] = number
        rows.append({
            "id": item.id, "step": item.step,
            "value": math.nan if item.value is None else item.value, "unit": item.unit,
            "items": list(item.items), "label_en": item.label.en, "label_de": item.label.de,
            "wording_en": item.wording.en, "wording_de": item.wording.de, "source": item.source,
            "verified": item.verified, "note": item.note,
        })
    logger.debug("loaded %d benchmarks from %s", len(rows), path)
    return pd.DataFrame(rows)


def context_line(benchmarks: pd.DataFrame, benchmark_id: str,
                 lang: str = "en") -> tuple[float, str]:
    """A reference figure as a chart's context line: its value and a label that says what it is.

    Draw it with :func:`socialcrm_utils.plots.add_context_line`. The label is the figure's
    short ``label`` in ``lang``, marked "(source not verified)" unless the file says verified.

    Args:
        benchmarks: Output of :func:`load_benchmarks`.
        benchmark_id: The figure's ``id``.
        lang: ``en`` or ``de``.

    Returns:
        ``(value, label)``.

    Raises:
        BenchmarkError: If the id is unknown or the figure has no number.

    Examples:
        >>> context_line(load_benchmarks(), "negative_posts_answered")
        (0.25, 'study: 25% of negative public posts answered (source not verified)')
    """
    match = benchmarks[benchmarks["id"] == benchmark_id]
    if match.empty:
        raise BenchmarkError(f"unknown benchmark id {benchmark_id!r} "
                             f"(allowed: {', '.join(benchmarks['id'])})")
    row = match.iloc[0]
    if pd.isna(row["value"]):
        raise BenchmarkError(f"benchmark {benchmark_id!r} has no number to draw "
                             f"(unit: {row['unit']})")
    unverified = {"en": " (source not verified)", "de": " (Quelle nicht geprüft)"}
    label = row[f"label_{lang}"] + ("" if row["verified"] else unverified[lang])
    return float(row["value"]), label


def measure_answered_negatives(scored: pd.DataFrame, by: str | None = "platform",
                               total: bool = True) -> pd.DataFrame:
    """The client's share of negative public posts it answered (the method's 25% reference).

    A negative post is a customer post about the brand (:func:`metrics.select_population`, the
    population of every KPI) with
    ``sentiment_label`` ``negative``. It is answered when a brand post in the same conversation
    (:func:`sla.assign_conversations`) came after it. Unscored posts (languages without a
    sentiment model) are left out. Every mention counts as public: the canonical table does not
    tell DMs apart, so on a source of DMs this is the share of all negative posts.

    Args:
        scored: Scored mentions (step 3: ``is_brand``, ``sentiment_label``, ``mentions_brand``,
            ``competitor``, ``created_at``, ``mention_id``; reply links when present).
        by: Column to group by (e.g. ``platform``), or None for one row over everything.
        total: With ``by``, add a last row over everything, labelled ``all``.

    Returns:
        ``by`` (when given), ``negative_posts``, ``answered``, ``answered_share`` (NaN when
        there is no negative post).

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4"],
        ...     "in_reply_to_id": [None, "1", None, None], "platform": ["x", "x", "x", "y"],
        ...     "is_brand": [False, True, False, False],
        ...     "mentions_brand": [True, False, True, True],
        ...     "competitor": [None, None, None, None],
        ...     "sentiment_label": ["negative", "neutral", "negative", "negative"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00",
        ...                                   "2026-01-05 12:00", "2026-01-05 13:00"], utc=True)})
        >>> measure_answered_negatives(df).values.tolist()
        [['x', 2, 1, 0.5], ['y', 1, 0, 0.0], ['all', 3, 1, 0.3333333333333333]]
    """
    conversation = assign_conversations(scored).to_numpy()
    created = pd.to_datetime(scored["created_at"], utc=True)
    brand = scored["is_brand"].fillna(False).astype(bool).to_numpy()
    last_brand = created[brand].groupby(conversation[brand]).max()
    last_reply = pd.Series(last_brand.reindex(conversation).array, index=scored.index)
    negative = (select_population(scored)
                & (scored["sentiment_label"] == "negative").fillna(False))
    frame = pd.DataFrame({
        "negative_posts": negative.astype("int64"),
        "answered": (negative & (last_reply > created).fillna(False)).astype("int64"),
    }, index=scored.index)
    keys = [] if by is None else [by]
    for key in keys:
        frame[key] = scored[key].astype("string").fillna("unknown")
    frame = frame[negative.to_numpy()]
    if keys:
        table = frame.groupby(keys, sort=True)[["negative_posts", "answered"]].sum().reset_index()
        if total:
            overall = pd.DataFrame({by: ["all"],
                                    "negative_posts": [int(frame["negative_posts"].sum())],
                                    "answered": [int(frame["answered"].sum())]})
            table = pd.concat([table, overall], ignore_index=True)
    else:
        table = pd.DataFrame({"negative_posts": [int(frame["negative_posts"].sum())],
                              "answered": [int(frame["answered"].sum())]})
    table["negative_posts"] = table["negative_posts"].astype("int64")
    table["answered"] = table["answered"].astype("int64")
    posts = table["negative_posts"]
    table["answered_share"] = (table["answered"] / posts.where(posts > 0)).astype(float)
    return table
