"""Step 5, KPIs: every formula written once, here, and documented in its function.

The KPI vocabulary (names, labels, units, which way is better) is :data:`schema.KPIS`. Inputs are
the scored mentions of step 3 and the SLA clocks of step 4; response figures come from
:func:`socialcrm_utils.sla.summarize_sla` so that step 4 and step 5 can never disagree.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from .schema import KPIS
from .listening import about_brand
from .sla import summarize_sla

__all__ = [
    "compute_kpis",
    "format_kpi",
    "kpi_table",
    "kpis_document",
]

logger = logging.getLogger(__name__)


def compute_kpis(scored: pd.DataFrame, clocks: pd.DataFrame) -> dict[str, float]:
    """Compute every KPI of :data:`schema.KPIS` from scored mentions and SLA clocks.

    Formulas (customer posts about the brand, see :func:`listening.about_brand`):

    - ``volume``: number of those posts.
    - ``complaint_rate``: posts with intent ``complaint`` / volume.
    - ``net_sentiment``: (positive - negative) / sentiment-scored posts, in [-1, 1]; posts
      labelled ``unscored`` (languages without a sentiment model) are left out.
    - ``share_of_voice``: brand posts / (brand posts + posts naming a competitor); a post naming
      two brands counts for each.
    - ``response_rate``, ``median_first_response_h`` (calendar hours, answered conversations),
      ``sla_attainment``: from :func:`sla.summarize_sla` over all conversations.

    Args:
        scored: Scored mentions (step 3: ``is_brand``, ``intent``, ``sentiment_label``,
            ``mentions_brand``, ``competitor``).
        clocks: SLA clocks (step 4, :func:`sla.sla_clocks`).

    Returns:
        KPI name -> value (NaN where the data cannot say, e.g. no scored posts).

    Examples:
        >>> scored = pd.DataFrame({"is_brand": [False, False, False, False, True],
        ...     "mentions_brand": [True, True, False, True, False],
        ...     "competitor": [None, None, "Globex", None, None],
        ...     "intent": ["complaint", "praise", "complaint", "question", "other"],
        ...     "sentiment_label": ["negative", "positive", "negative", "unscored", "neutral"]})
        >>> clocks = pd.DataFrame({"first_response_at": pd.to_datetime(["2026-01-05", None], utc=True),
        ...     "first_response_h": [2.0, float("nan")], "first_response_business_h": [1.0, float("nan")],
        ...     "status": ["met", "open_breached"]})
        >>> {k: round(v, 3) for k, v in compute_kpis(scored, clocks).items()}  # doctest: +NORMALIZE_WHITESPACE
        {'volume': 3, 'response_rate': 0.5, 'median_first_response_h': 2.0, 'net_sentiment': 0.0,
         'share_of_voice': 0.75, 'sla_attainment': 0.5, 'complaint_rate': 0.333}
    """
    ours = scored[about_brand(scored)]
    customers = scored[~scored["is_brand"].astype(bool)]
    volume = len(ours)
    labels = ours["sentiment_label"].astype("string")
    scored_posts = labels.isin(["positive", "negative", "neutral"]).sum()
    net = ((labels == "positive").sum() - (labels == "negative").sum()) / scored_posts \
        if scored_posts else math.nan
    competitor_posts = customers["competitor"].notna().sum()
    voice = volume + competitor_posts
    overall = summarize_sla(clocks, by=None).iloc[0] if len(clocks) else None
    values = {
        "volume": volume,
        "response_rate": float(overall["response_rate"]) if overall is not None else math.nan,
        "median_first_response_h": (float(overall["median_first_response_h"])
                                    if overall is not None else math.nan),
        "net_sentiment": float(net),
        "share_of_voice": volume / voice if voice else math.nan,
        "sla_attainment": float(overall["attainment"]) if overall is not None else math.nan,
        "complaint_rate": (ours["intent"] == "complaint").sum() / volume if volume else math.nan,
    }
    assert set(values) == set(KPIS), "every KPI of schema.KPIS has exactly one formula here"
    return {k: (int(v) if k == "volume" else float(v)) for k, v in values.items()}


def format_kpi(name: str, value: float | None) -> str:
    """Format a KPI value for people: shares as percent, hours with one decimal.

    Examples:
        >>> format_kpi("response_rate", 0.8123), format_kpi("median_first_response_h", 2.04)
        ('81.2%', '2.0 h')
        >>> format_kpi("net_sentiment", -0.25), format_kpi("volume", 5230), format_kpi("volume", None)
        ('-25.0%', '5,230', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit = KPIS[name].unit
    if unit == "share":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:.1f} h"
    return f"{value:,.0f}"


def kpi_table(values: dict[str, float]) -> pd.DataFrame:
    """KPI values as a table: ``name``, ``label``, ``unit``, ``value``, ``display``, ``better``."""
    rows = [
        {"name": name, "label": kpi.label, "unit": kpi.unit, "value": values.get(name, math.nan),
         "display": format_kpi(name, values.get(name)),
         "better": "higher" if kpi.higher_is_better else "lower"}
        for name, kpi in KPIS.items()
    ]
    return pd.DataFrame(rows)


def kpis_document(values: dict[str, float], progress: pd.DataFrame | None,
                  period: tuple[pd.Timestamp, pd.Timestamp]) -> dict:
    """The content of ``kpis.json``: the period, every KPI and every goal's progress.

    Missing values are ``null`` (never ``NaN``, which is not JSON).

    Args:
        values: KPI values (:func:`compute_kpis`).
        progress: Goal progress (:func:`goals.goal_progress`), or None without goals.
        period: First and last post of the data (local dates are written).

    Returns:
        ``{"period": {"start", "end"}, "kpis": [...], "goals": [...]}``.
    """
    def clean(record: dict) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in record.items()}

    goal_columns = ["metric", "label", "baseline", "target", "by", "current", "progress",
                    "on_track", "status", "baseline_display", "target_display",
                    "current_display"]
    goals = [] if progress is None else progress[goal_columns].to_dict("records")
    return {
        "period": {"start": period[0].date().isoformat(), "end": period[1].date().isoformat()},
        "kpis": [clean(r) for r in kpi_table(values).to_dict("records")],
        "goals": [clean(r) for r in goals],
    }
