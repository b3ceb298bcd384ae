"""Step 5, KPIs: every formula written once, here, and documented in its function.

The KPI vocabulary (names, labels, units, which way is better) is :data:`schema.KPIS`; the
formulas are explained for clients in ``docs/kpis.md``. Inputs are the scored mentions of
step 3, the SLA clocks of step 4 and the playbook's ``costs``; response figures come from
:func:`socialcrm_utils.sla.summarize_sla` so that step 4 and step 5 can never disagree.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from .listening import about_brand
from .playbook import Costs
from .schema import KPIS
from .sla import assign_conversations, brand_threads, summarize_sla

__all__ = [
    "compute_kpis",
    "advocacy",
    "cost_comparison",
    "format_kpi",
    "kpi_table",
    "kpis_document",
]

logger = logging.getLogger(__name__)


def advocacy(scored: pd.DataFrame, clocks: pd.DataFrame) -> tuple[int, int]:
    """Customers whose sentiment turned positive after a brand reply.

    Among answered conversations whose customer opened negatively (the first post of the
    conversation's customer is labelled ``negative``), those where that customer's latest post
    after the first brand reply is ``positive``.

    Args:
        scored: Scored mentions (``sentiment_label``, reply links, ``author_id``).
        clocks: SLA clocks (``conversation_id``, ``customer_id``, ``first_response_at``).

    Returns:
        ``(turned positive, opened negative and answered)``.

    Examples:
        >>> scored = pd.DataFrame({"mention_id": ["1", "2", "3", "4", "5"],
        ...     "in_reply_to_id": [None, "1", "2", None, "4"],
        ...     "conversation_id": [None] * 5, "author_id": ["ann", "Acme", "ann", "bo", "Acme"],
        ...     "is_brand": [False, True, False, False, True], "mentions_brand": True,
        ...     "competitor": None, "sentiment_label": ["negative", "neutral", "positive",
        ...                                            "negative", "neutral"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:10",
        ...         "2026-01-05 10:20", "2026-01-05 11:00", "2026-01-05 11:05"], utc=True)})
        >>> clocks = pd.DataFrame({"conversation_id": ["1", "4"], "customer_id": ["ann", "bo"],
        ...     "first_response_at": pd.to_datetime(["2026-01-05 10:10", "2026-01-05 11:05"],
        ...                                         utc=True)})
        >>> advocacy(scored, clocks)
        (1, 2)
    """
    if clocks.empty or scored.empty:
        return 0, 0
    threads = brand_threads(scored)
    posts = pd.DataFrame({
        "conversation_id": assign_conversations(threads).to_numpy(),
        "author_id": threads["author_id"].astype("string").to_numpy(),
        "created_at": pd.to_datetime(threads["created_at"], utc=True).to_numpy(),
        "label": threads["sentiment_label"].astype("string").to_numpy(),
        "brand": threads["is_brand"].astype(bool).to_numpy(),
    })
    conversations = pd.DataFrame({
        "conversation_id": clocks["conversation_id"].astype("string").to_numpy(),
        "customer_id": clocks["customer_id"].astype("string").to_numpy(),
        "replied_at": pd.to_datetime(clocks["first_response_at"], utc=True).to_numpy(),
    })
    posts = posts[~posts["brand"]].merge(conversations, on="conversation_id")
    posts = posts[posts["author_id"] == posts["customer_id"]].sort_values(
        ["conversation_id", "created_at"], kind="stable")
    opening = posts.groupby("conversation_id", sort=False).first()
    negative = opening.index[(opening["label"] == "negative") & opening["replied_at"].notna()]
    later = posts[posts["created_at"] > posts["replied_at"]]
    latest = later.groupby("conversation_id", sort=False)["label"].last()
    turned = int((latest.reindex(negative) == "positive").sum())
    return turned, len(negative)


def cost_comparison(answered: int, costs: Costs) -> pd.DataFrame:
    """What the answered social contacts cost, and would have cost on every other channel.

    Args:
        answered: Conversations the brand answered on social media.
        costs: The playbook's ``costs`` (per-contact cost by channel; ``social`` is required).

    Returns:
        One row per channel: ``channel``, ``cost_per_contact``, ``total`` (answered x cost),
        ``savings`` (the channel's total minus the social total; 0 for social itself).

    Examples:
        >>> cost_comparison(3, Costs())[["channel", "total", "savings"]]
          channel  total  savings
        0  social    3.0      0.0
        1   phone   45.0     42.0
        2   email    9.0      6.0
        3   store   60.0     57.0
    """
    per = dict(costs.per_contact)
    social = per.pop("social")
    rows = [("social", social)] + list(per.items())
    table = pd.DataFrame(rows, columns=["channel", "cost_per_contact"])
    table["total"] = answered * table["cost_per_contact"].astype(float)
    table["savings"] = table["total"] - answered * social
    return table


def compute_kpis(scored: pd.DataFrame, clocks: pd.DataFrame,
                 costs: Costs | None = None) -> dict[str, float]:
    """Compute every KPI of :data:`schema.KPIS` from scored mentions and SLA clocks.

    Formulas (customer posts about the brand, see :func:`listening.about_brand`; the same
    text for clients is in ``docs/kpis.md``):

    - ``volume``: number of those posts.
    - ``reach``: their audience: the sum over distinct authors (per platform) of each author's
      largest follower count, so a customer who posts ten times counts once.
    - ``complaint_rate``: posts with intent ``complaint`` / volume.
    - ``net_sentiment``: (positive - negative) / sentiment-scored posts, in [-1, 1]; posts
      labelled ``unscored`` (languages without a sentiment model) are left out.
    - ``share_of_voice``: brand posts / (brand posts + posts naming a competitor); a post naming
      two brands counts for each.
    - ``response_rate``, ``median_first_response_h``, ``p90_first_response_h`` (calendar hours,
      answered conversations), ``sla_attainment`` (first response): from
      :func:`sla.summarize_sla` over all conversations.
    - ``advocacy``: :func:`advocacy`, turned positive / opened negative and answered.
    - ``cost_per_contact``: the playbook's cost of one social contact (``costs.per_contact.social``).
    - ``savings_vs_phone``: answered conversations x (phone cost - social cost): what answering
      on social saved against the same contacts by phone (:func:`cost_comparison` has every
      channel).

    Args:
        scored: Scored mentions (step 3: ``is_brand``, ``intent``, ``sentiment_label``,
            ``mentions_brand``, ``competitor``, ``reach``, reply links).
        clocks: SLA clocks (step 4, :func:`sla.sla_clocks`).
        costs: The playbook's ``costs``; the method's reference figures when None.

    Returns:
        KPI name -> value (NaN where the data cannot say, e.g. no scored posts).

    Examples:
        >>> scored = pd.DataFrame({"mention_id": ["1", "2", "3", "4", "5"],
        ...     "author_id": ["a", "b", "c", "a", "Acme"], "platform": "x",
        ...     "is_brand": [False, False, False, False, True],
        ...     "mentions_brand": [True, True, False, True, False],
        ...     "competitor": [None, None, "Globex", None, None], "reach": [10, 5, 7, 12, 900],
        ...     "intent": ["complaint", "praise", "complaint", "question", "other"],
        ...     "sentiment_label": ["negative", "positive", "negative", "unscored", "neutral"]})
        >>> clocks = pd.DataFrame({"first_response_at": pd.to_datetime(["2026-01-05", None], utc=True),
        ...     "first_response_h": [2.0, float("nan")], "first_response_business_h": [1.0, float("nan")],
        ...     "status": ["met", "open_breached"]})
        >>> kpis = compute_kpis(scored, clocks)
        >>> kpis["volume"], kpis["reach"], kpis["share_of_voice"], kpis["savings_vs_phone"]
        (3, 17, 0.75, 14.0)
    """
    costs = costs or Costs()
    ours = scored[about_brand(scored)]
    customers = scored[~scored["is_brand"].astype(bool)]
    volume = len(ours)
    audience = 0
    if volume and "reach" in ours:
        platform = ours["platform"] if "platform" in ours else pd.Series("", index=ours.index)
        audience = (pd.to_numeric(ours["reach"], errors="coerce")
                    .groupby([platform.astype("string").fillna(""),
                              ours["author_id"].astype("string").fillna("")])
                    .max().fillna(0).sum())
    labels = ours["sentiment_label"].astype("string")
    scored_posts = labels.isin(["positive", "negative", "neutral"]).sum()
    net = ((labels == "positive").sum() - (labels == "negative").sum()) / scored_posts \
        if scored_posts else math.nan
    competitor_posts = customers["competitor"].notna().sum()
    voice = volume + competitor_posts
    overall = summarize_sla(clocks, by=None).iloc[0] if len(clocks) else None

    def sla_figure(column: str) -> float:
        return float(overall[column]) if overall is not None else math.nan

    answered = int(overall["answered"]) if overall is not None else 0
    turned, opened_negative = (advocacy(scored, clocks)
                               if "conversation_id" in clocks and "mention_id" in scored
                               else (0, 0))
    social = costs.per_contact["social"]
    values = {
        "volume": volume,
        "reach": float(audience),
        "response_rate": sla_figure("response_rate"),
        "median_first_response_h": sla_figure("median_first_response_h"),
        "p90_first_response_h": sla_figure("p90_first_response_h"),
        "net_sentiment": float(net),
        "share_of_voice": volume / voice if voice else math.nan,
        "sla_attainment": sla_figure("attainment"),
        "complaint_rate": (ours["intent"] == "complaint").sum() / volume if volume else math.nan,
        "advocacy": turned / opened_negative if opened_negative else math.nan,
        "cost_per_contact": float(social),
        "savings_vs_phone": answered * (costs.per_contact.get("phone", math.nan) - social),
    }
    assert set(values) == set(KPIS), "every KPI of schema.KPIS has exactly one formula here"
    integers = {"volume", "reach"}
    return {k: (int(v) if k in integers else float(v)) for k, v in values.items()}


def format_kpi(name: str, value: float | None, currency: str = "USD") -> str:
    """Format a KPI value for people: shares as percent, hours with one decimal, money with
    its currency.

    Examples:
        >>> format_kpi("response_rate", 0.8123), format_kpi("median_first_response_h", 2.04)
        ('81.2%', '2.0 h')
        >>> format_kpi("net_sentiment", -0.25), format_kpi("volume", 5230), format_kpi("volume", None)
        ('-25.0%', '5,230', '–')
        >>> format_kpi("savings_vs_phone", 25300.0, "EUR"), format_kpi("cost_per_contact", 1.5)
        ('25,300 EUR', '1.50 USD')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit = KPIS[name].unit
    if unit == "share":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "currency":
        return f"{value:,.2f} {currency}" if abs(value) < 100 else f"{value:,.0f} {currency}"
    return f"{value:,.0f}"


def kpi_table(values: dict[str, float], currency: str = "USD") -> pd.DataFrame:
    """KPI values as a table: ``name``, ``label``, ``unit``, ``value``, ``display``, ``better``."""
    rows = [
        {"name": name, "label": kpi.label, "unit": kpi.unit, "value": values.get(name, math.nan),
         "display": format_kpi(name, values.get(name), currency),
         "better": "higher" if kpi.higher_is_better else "lower"}
        for name, kpi in KPIS.items()
    ]
    return pd.DataFrame(rows)


def kpis_document(values: dict[str, float], progress: pd.DataFrame | None,
                  period: tuple[pd.Timestamp, pd.Timestamp], currency: str = "USD") -> dict:
    """The content of ``kpis.json``: the period, every KPI and every goal's progress.

    Missing values are ``null`` (never ``NaN``, which is not JSON).

    Args:
        values: KPI values (:func:`compute_kpis`).
        progress: Goal progress (:func:`goals.goal_progress`), or None without goals.
        period: First and last post of the data (local dates are written).
        currency: The playbook's currency, for the displayed money KPIs.

    Returns:
        ``{"period": {"start", "end"}, "currency", "kpis": [...], "goals": [...]}``.
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
        "currency": currency,
        "kpis": [clean(r) for r in kpi_table(values, currency).to_dict("records")],
        "goals": [clean(r) for r in goals],
    }
