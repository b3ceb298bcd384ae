"""Step 2, goals and guidelines: SMART goals with baselines measured from the data.

A goal in the playbook names a KPI (:data:`schema.KPIS`), a target and a deadline. This package

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

from .baselines import goal_progress, goals_table, measure_kpis
from .benchmarks import (
    BENCHMARKS_PATH,
    BenchmarkError,
    context_line,
    load_benchmarks,
    measure_answered_negatives,
)
from .checklist import CHECKLIST_STATUSES, guidelines_checklist
from .smart import KPI_STEPS, MAX_MONTHLY_PACE, SMART_CHECKS, check_goals, list_failed_checks

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
