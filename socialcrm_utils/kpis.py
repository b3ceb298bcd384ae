"""Step 5, KPIs: every formula written once, here, and documented in its function.

The KPI vocabulary (names, labels, units, which way is better) is :data:`schema.KPIS`; the
formulas are explained for clients in ``docs/kpis.md``. Inputs are the scored mentions of
step 3, the SLA clocks of step 4 and the playbook's ``costs``; response figures come from
:func:`socialcrm_utils.conversations.summarize_sla` so that step 4 and step 5 can never disagree.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .conversations import brand_thread_codes, summarize_sla
from .conversations.business_time import _NAT, _ns, _utc_index
from .metrics import (
    NOT_AVAILABLE,
    population_gap,
    reach_gap,
    response_gap,
    response_rate,
    sentiment_gap,
    share_of_voice,
    summarize_posts,
)
from .playbook import Costs
from .schema import KPIS

__all__ = [
    "compute_kpis",
    "kpi_gaps",
    "RESPONSE_KPIS",
    "advocacy",
    "cost_comparison",
    "KPI_BASIS",
    "NOT_AVAILABLE",
    "kpi_label",
    "format_kpi",
    "kpi_table",
    "data_period",
    "kpis_document",
]

logger = logging.getLogger(__name__)


def advocacy(scored: pd.DataFrame, clocks: pd.DataFrame) -> tuple[int, int]:
    """Customers whose sentiment turned positive after a brand reply.

    Among answered conversations whose customer opened negatively (the first post of the
    conversation's customer is labelled ``negative``), those where that customer's latest post
    after the first brand reply is ``positive``. A customer's labels are read in time order
    (posts without a time last, never after the reply); unlabelled posts are skipped; of clock
    rows with the same conversation id the first is used.

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
    # On integer codes: the conversations of brand_threads(scored) as codes, each post's
    # conversation looked up once among the clocks' ids, then sorting and picking per
    # conversation in numpy (a million mentions: a fraction of a second, no copy of the rows).
    rows, codes, names = brand_thread_codes(scored)
    clock = _clock_rows(clocks["conversation_id"], codes, names)
    brand = scored["is_brand"].take(rows).fillna(False).astype(bool).to_numpy()
    posts = np.flatnonzero((clock >= 0) & ~brand)  # customer posts of clocked conversations
    authors = scored["author_id"].take(rows[posts]).astype("string").array
    customers = clocks["customer_id"].astype("string").array.take(clock[posts])
    posts = posts[(authors == customers).fillna(False).to_numpy(dtype=bool)]
    created = _ns(_utc_index(scored["created_at"].take(rows[posts])))
    replied = _ns(_utc_index(clocks["first_response_at"]))
    conversation = clock[posts]
    # Each conversation's posts by time (a post without a time last), in their order on ties.
    order = np.lexsort((np.where(created == _NAT, np.iinfo(np.int64).max, created), conversation))
    conversation, created = conversation[order], created[order]
    labels = scored["sentiment_label"].take(rows[posts[order]]).astype("string").array
    labelled = ~labels.isna()
    opened, opening = _first_per_group(conversation[labelled], labels[labelled])
    answered = replied[opened] != _NAT
    negative = opened[np.asarray(opening == "negative", dtype=bool) & answered]
    reply = replied[conversation]
    later = labelled & (created != _NAT) & (reply != _NAT) & (created > reply)
    ended, latest = _first_per_group(conversation[later][::-1], labels[later][::-1])
    positive = ended[np.asarray(latest == "positive", dtype=bool)]
    return int(np.isin(positive, negative).sum()), len(negative)


def _clock_rows(conversation_ids: pd.Series, codes: np.ndarray, names: pd.Index) -> np.ndarray:
    """For each code (into ``names``; -1: none), the first clock row with that conversation
    id, or -1. Each distinct code is looked up once, in Arrow's hash table of the ids."""
    clock = np.full(len(codes), -1, dtype=np.int64)
    valid = codes >= 0
    used, inverse = np.unique(codes[valid], return_inverse=True)
    found = pc.index_in(
        _arrow_strings(names.take(used)), value_set=_arrow_strings(conversation_ids)
    )
    clock[valid] = found.fill_null(-1).to_numpy().astype(np.int64, copy=False)[inverse]
    return clock


def _arrow_strings(values: Any) -> pa.Array:
    """Strings (any pandas string or object values) as one Arrow ``large_string`` array."""
    return pa.array(pd.array(values, dtype="string[pyarrow]")).cast(pa.large_string())


def _first_per_group(groups: np.ndarray, values: Any) -> tuple[np.ndarray, Any]:
    """The distinct ``groups`` (sorted) and each one's first value in the given order."""
    distinct, first = np.unique(groups, return_index=True)
    return distinct, values.take(first)


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


def compute_kpis(
    scored: pd.DataFrame, clocks: pd.DataFrame, costs: Costs | None = None
) -> dict[str, float]:
    """Compute every KPI of :data:`schema.KPIS` from scored mentions and SLA clocks.

    The figures shared with step 1's platform table (volume, reach, net sentiment, complaint
    rate, response rate, share of voice) come from :mod:`socialcrm_utils.metrics`, over its one
    population, customer posts about the brand (:func:`metrics.select_population`); the same
    text for clients is in ``docs/kpis.md``:

    - ``volume``: number of those posts.
    - ``reach``: their audience: the sum over distinct authors (per platform) of each author's
      largest follower count, so a customer who posts ten times counts once; NaN (shown "n/a")
      when no author has a known follower count.
    - ``complaint_rate``: posts that are complaints (``is_complaint``, else intent
      ``complaint`` in frames without the flag) / volume.
    - ``net_sentiment``: (positive - negative) / sentiment-scored posts, in [-1, 1]; posts
      labelled ``unscored`` (languages without a sentiment model) are left out.
    - ``share_of_voice``: brand posts / (brand posts + posts naming a competitor); a post naming
      two brands counts for each.
    - ``response_rate``: answered / conversations (:func:`metrics.response_rate`);
      ``median_first_response_h``, ``p90_first_response_h`` (calendar hours, answered
      conversations), ``sla_attainment`` (first response): from
      :func:`conversations.summarize_sla` over
      all conversations.
    - ``advocacy``: :func:`advocacy`, turned positive / opened negative and answered.
    - ``cost_per_contact``: not measured: the playbook's assumed cost of one social contact
      (``costs.per_contact.social``, see :data:`KPI_BASIS`).
    - ``savings_vs_phone``: computed from the playbook's assumed costs: answered conversations x
      (phone cost - social cost), what answering on social saved against the same contacts by
      phone (:func:`cost_comparison` has every channel).

    The response KPIs (:data:`RESPONSE_KPIS`) are NaN when :func:`metrics.response_gap` says
    the data cannot show answers (no brand posts, no reply links, no customer posts): 0% would
    be a finding the data does not support. :func:`kpi_gaps` says why each NaN is NaN.

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
        >>> clocks = pd.DataFrame({
        ...     "first_response_at": pd.to_datetime(["2026-01-05", None], utc=True),
        ...     "first_response_h": [2.0, float("nan")],
        ...     "first_response_business_h": [1.0, float("nan")],
        ...     "status": ["met", "open_breached"]})
        >>> kpis = compute_kpis(scored, clocks)
        >>> kpis["volume"], kpis["reach"], kpis["share_of_voice"], kpis["savings_vs_phone"]
        (3, 17, 0.75, 14.0)
        >>> compute_kpis(scored.assign(reach=None), clocks)["reach"]
        nan
    """
    costs = costs or Costs()
    posts = summarize_posts(scored).iloc[0]
    overall = summarize_sla(clocks, by=None).iloc[0] if len(clocks) else None

    def sla_figure(column: str) -> float:
        return float(overall[column]) if overall is not None else math.nan

    answered = int(overall["answered"]) if overall is not None else 0
    turned, opened_negative = (
        advocacy(scored, clocks)
        if "conversation_id" in clocks and "mention_id" in scored
        else (0, 0)
    )
    social = costs.per_contact["social"]
    values = {
        "volume": int(posts["mentions"]),
        "reach": float(posts["reach"]),
        "response_rate": response_rate(clocks),
        "median_first_response_h": sla_figure("median_first_response_h"),
        "p90_first_response_h": sla_figure("p90_first_response_h"),
        "net_sentiment": float(posts["net_sentiment"]),
        "share_of_voice": share_of_voice(scored),
        "sla_attainment": sla_figure("attainment"),
        "complaint_rate": float(posts["complaint_rate"]),
        "advocacy": turned / opened_negative if opened_negative else math.nan,
        "cost_per_contact": float(social),
        "savings_vs_phone": answered * (costs.per_contact.get("phone", math.nan) - social),
    }
    assert set(values) == set(KPIS), "every KPI of schema.KPIS has exactly one formula here"
    if response_gap(scored):
        values.update(dict.fromkeys(RESPONSE_KPIS, math.nan))
    return {k: (_integer(v) if k in _INTEGERS else float(v)) for k, v in values.items()}


_INTEGERS = frozenset({"volume", "reach"})

#: KPIs that need the brand's answers in the data (:func:`metrics.response_gap`).
RESPONSE_KPIS: tuple[str, ...] = (
    "response_rate",
    "median_first_response_h",
    "p90_first_response_h",
    "sla_attainment",
    "advocacy",
    "savings_vs_phone",
)


def kpi_gaps(scored: pd.DataFrame, clocks: pd.DataFrame) -> dict[str, str]:
    """Why a KPI may be n/a, one line per KPI (the *note* of :func:`kpi_table` when it is).

    Args:
        scored: Scored mentions, as for :func:`compute_kpis`.
        clocks: SLA clocks, as for :func:`compute_kpis`.

    Returns:
        KPI name -> reason, for the KPIs the data cannot measure when their value is NaN.

    Examples:
        >>> scored = pd.DataFrame({"is_brand": [False], "author_id": ["a"], "reach": [None],
        ...     "sentiment_label": ["negative"], "mention_id": ["1"], "in_reply_to_id": [None],
        ...     "conversation_id": ["1"]})
        >>> gaps = kpi_gaps(scored, pd.DataFrame({"first_response_at": [pd.NaT]}))
        >>> gaps["reach"], gaps["response_rate"][:24]
        ('no reach data: the sources give no follower counts', 'no brand replies in the ')
    """
    response = response_gap(scored)
    population = population_gap(scored)
    answered = "first_response_at" in clocks and bool(clocks["first_response_at"].notna().any())
    no_answer = None if answered else "no conversation in the data was answered"
    if len(clocks) and "policy" in clocks and clocks["policy"].isna().all():
        no_attainment = "no SLA policy applies: add sla.policies to the playbook"
    else:
        no_attainment = "no SLA clock is decided yet (every one is open and not yet due)"
    gaps = {
        "volume": population,
        "reach": reach_gap(scored),
        "net_sentiment": sentiment_gap(scored),
        "complaint_rate": population,
        "share_of_voice": population,
        "response_rate": response,
        "median_first_response_h": response or no_answer,
        "p90_first_response_h": response or no_answer,
        "sla_attainment": response or no_attainment,
        "advocacy": response or no_answer or "no answered conversation opened with a negative post",
        "savings_vs_phone": response,
    }
    return {name: reason for name, reason in gaps.items() if reason}


def _integer(value: float) -> int | float:
    """A count as an int; NaN (unknown, e.g. reach without follower counts) stays NaN."""
    return value if isinstance(value, float) and math.isnan(value) else int(value)


#: Where a KPI's value comes from, when it is not measured in the data. ``assumption``: the
#: playbook's figure, repeated as it is; ``computed from assumption``: computed from the data
#: and such a figure. Every other KPI is measured.
KPI_BASIS: dict[str, str] = {
    "cost_per_contact": "assumption",
    "savings_vs_phone": "computed from assumption",
}

_BASIS_NOTES: dict[str, str] = {
    "measured": "",
    "assumption": "playbook assumption (costs.per_contact), not measured",
    "computed from assumption": "computed from the playbook's assumed costs per contact",
}

_LABEL_SUFFIX: dict[str, str] = {
    "assumption": " (playbook assumption)",
    "computed from assumption": " (from assumed costs)",
}


def kpi_label(name: str) -> str:
    """The one label of a KPI wherever it is shown: cards, tables, goals, trends, the report.

    The label of :data:`schema.KPIS`, marked when the value is not measured (:data:`KPI_BASIS`).

    Examples:
        >>> kpi_label("response_rate"), kpi_label("cost_per_contact")
        ('Response rate', 'Cost per social contact (playbook assumption)')
        >>> kpi_label("savings_vs_phone"), kpi_label("no_such_kpi")
        ('Savings vs phone (from assumed costs)', 'no_such_kpi')
    """
    kpi = KPIS.get(name)
    if kpi is None:
        return name
    return kpi.label + _LABEL_SUFFIX.get(KPI_BASIS.get(name, "measured"), "")


def format_kpi(name: str, value: float | None, currency: str = "USD") -> str:
    """Format a KPI value for people: shares as percent, hours with one decimal, money with
    its currency, counts with thousands separators; "n/a" when the data cannot say.

    Examples:
        >>> format_kpi("response_rate", 0.8123), format_kpi("median_first_response_h", 2.04)
        ('81.2%', '2.0 h')
        >>> format_kpi("net_sentiment", -0.25), format_kpi("volume", 5230)
        ('-25.0%', '5,230')
        >>> format_kpi("reach", None), format_kpi("reach", float("nan"))
        ('n/a', 'n/a')
        >>> format_kpi("savings_vs_phone", 25300.0, "EUR"), format_kpi("cost_per_contact", 1.5)
        ('25,300 EUR', '1.50 USD')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_AVAILABLE
    unit = KPIS[name].unit
    if unit == "share":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "currency":
        return f"{value:,.2f} {currency}" if abs(value) < 100 else f"{value:,.0f} {currency}"
    return f"{value:,.0f}"


def kpi_table(
    values: dict[str, float], currency: str = "USD", gaps: dict[str, str] | None = None
) -> pd.DataFrame:
    """KPI values as a table, the KPI cards of notebooks 02 and 05, ``kpis.json`` and the report.

    Returns:
        One row per KPI of :data:`schema.KPIS`: ``name``, ``label`` (:func:`kpi_label`),
        ``unit``, ``value`` (NaN when unknown), ``display`` (:func:`format_kpi`), ``better``
        (``higher`` / ``lower``), ``basis`` (``measured``, ``assumption`` or ``computed from
        assumption``, :data:`KPI_BASIS`) and ``note`` (why an n/a value is n/a, from
        ``gaps`` (:func:`kpi_gaps`); else where a value that is not measured comes from;
        empty for measured ones).

    Examples:
        >>> table = kpi_table({"reach": float("nan"), "cost_per_contact": 1.0})
        >>> table.set_index("name").loc[["reach", "cost_per_contact"],
        ...                             ["display", "basis"]].values.tolist()
        [['n/a', 'measured'], ['1.00 USD', 'assumption']]
        >>> kpi_table({"reach": float("nan")}, gaps={"reach": "no follower counts"}).loc[1, "note"]
        'no follower counts'
    """
    gaps = gaps or {}
    rows = []
    for name, kpi in KPIS.items():
        value = values.get(name, math.nan)
        basis = KPI_BASIS.get(name, "measured")
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        rows.append(
            {
                "name": name,
                "label": kpi_label(name),
                "unit": kpi.unit,
                "value": math.nan if value is None else float(value),
                "display": format_kpi(name, value, currency),
                "better": "higher" if kpi.higher_is_better else "lower",
                "basis": basis,
                "note": gaps[name] if missing and name in gaps else _BASIS_NOTES[basis],
            }
        )
    return pd.DataFrame(rows)


def data_period(scored: pd.DataFrame, timezone: str = "UTC") -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period the data covers: its first and last post, in the client's time zone.

    This is what a KPI value describes, and where it stands on the KPI trend (not when the
    suite ran: re-running last year's export must not add a point at today's date).

    Args:
        scored: Mentions with ``created_at`` (tz-aware UTC).
        timezone: The playbook's time zone.

    Returns:
        ``(first, last)`` as tz-aware timestamps; ``(NaT, NaT)`` without posts.

    Examples:
        >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2017-10-31 23:30",
        ...                                                  "2017-11-02 08:00"], utc=True)})
        >>> [t.date().isoformat() for t in data_period(df, "Europe/Berlin")]
        ['2017-11-01', '2017-11-02']
    """
    created = pd.to_datetime(scored["created_at"], utc=True)
    if created.dropna().empty:
        return pd.NaT, pd.NaT
    return created.min().tz_convert(timezone), created.max().tz_convert(timezone)


def kpis_document(
    values: dict[str, float],
    progress: pd.DataFrame | None,
    period: tuple[pd.Timestamp, pd.Timestamp],
    currency: str = "USD",
    gaps: dict[str, str] | None = None,
) -> dict:
    """The content of ``kpis.json``: the period, every KPI and every goal's progress.

    Missing values are ``null`` (never ``NaN``, which is not JSON).

    Args:
        values: KPI values (:func:`compute_kpis`).
        progress: Goal progress (:func:`socialcrm_utils.steps.goals.goal_progress`), or None
            without goals.
        period: First and last post of the data (:func:`data_period`; local dates are
            written, ``null`` without posts).
        currency: The playbook's currency, for the displayed money KPIs.
        gaps: Why KPIs are n/a (:func:`kpi_gaps`), written as their ``note``.

    Returns:
        ``{"period": {"start", "end"}, "currency", "kpis": [...], "goals": [...]}``.
    """

    def clean(record: dict) -> dict:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()
        }

    goal_columns = [
        "metric",
        "label",
        "baseline",
        "target",
        "by",
        "current",
        "progress",
        "on_track",
        "status",
        "baseline_display",
        "target_display",
        "current_display",
    ]
    goals = [] if progress is None else progress[goal_columns].to_dict("records")

    def day(value: pd.Timestamp) -> str | None:
        return None if pd.isna(value) else value.date().isoformat()

    return {
        "period": {"start": day(period[0]), "end": day(period[1])},
        "currency": currency,
        "kpis": [clean(r) for r in kpi_table(values, currency, gaps).to_dict("records")],
        "goals": [clean(r) for r in goals],
    }
