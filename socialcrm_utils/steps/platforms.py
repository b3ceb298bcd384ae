"""Step 1, find the platforms: where customers talk about the company, how much, how loud, how
angry.

Pure functions on the mention table. With the columns of the listening step (``intent``,
``sentiment_label``, ``mentions_brand``, ``competitor``) and, optionally, SLA clocks, the
platform table also says how negative each platform is, how many complaints land there, how
often the brand answers, and ranks the platforms with the playbook's weights.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..metrics import (
    RATE_DENOMINATORS,
    count_conversations,
    population_gap,
    reach_gap,
    response_gap,
    select_population,
    summarize_posts,
    volume,
)

__all__ = [
    "summarize_platforms",
    "add_platform_total",
    "rank_platforms",
    "share_of_voice",
    "DEFAULT_WEIGHTS",
    "PLATFORM_COLUMNS",
    "TOTAL_LABEL",
]

logger = logging.getLogger(__name__)

#: Ranking weights when the playbook sets none (``platforms.weights``).
DEFAULT_WEIGHTS: dict[str, float] = {
    "mentions": 0.3,
    "reach": 0.3,
    "negativity": 0.2,
    "unanswered": 0.2,
}


def summarize_platforms(mentions: pd.DataFrame, clocks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Summarise customer mentions per platform: volume, people, audience, tone, answers.

    Every figure is the KPI's own formula (:mod:`socialcrm_utils.metrics`) per platform, over
    the same population, customer posts about the brand (:func:`metrics.select_population`):
    posts about a competitor only are left out when the frame says which posts those are. The
    count columns (``mentions``, ``sentiment_scored``, ``complaints``, ``conversations``,
    ``answered``, ``reach``) add up over the platforms, and :func:`add_platform_total` turns
    their sums into the overall figures, equal to the KPIs of :func:`kpis.compute_kpis`.

    - ``reach``: the audience, the sum over unique authors of their largest follower count on
      that platform (an author who posts ten times is one audience, not ten); NaN when no author
      on the platform has a known follower count; ``reach_share`` is each platform's share of
      the known reach.
    - ``net_sentiment``: ``(positive - negative) / sentiment_scored`` (NaN without scored
      posts); ``negative_share``: ``negative / sentiment_scored``.
    - ``complaint_rate``: complaints / mentions.
    - ``response_rate``: answered / conversations on that platform (needs ``clocks``); NaN
      when :func:`metrics.response_gap` says the data cannot show answers (no brand posts or
      no reply links), as the KPI.

    Args:
        mentions: Canonical or scored mentions.
        clocks: SLA clocks of step 4 (``platform``, ``first_response_at``), optional.

    Returns:
        One row per platform, most customer mentions first: ``platform``, ``mentions``,
        ``share``, ``unique_authors``, ``reach``, ``reach_share``, ``sentiment_scored``,
        ``net_sentiment``, ``negative_share``, ``complaints``, ``complaint_rate``,
        ``conversations``, ``answered``, ``response_rate``, ``brand_posts``, ``first_at``,
        ``last_at``. ``attrs["gaps"]`` lists why figures are n/a, one line each
        (:mod:`~socialcrm_utils.metrics` gaps: no customer posts, no reach, no answers).

    Examples:
        >>> df = pd.DataFrame({"platform": ["x", "x", "y", "x"],
        ...     "author_id": ["a", "a", "b", "brand"],
        ...     "reach": [100, 120, 50, 9999], "is_brand": [False, False, False, True],
        ...     "created_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03",
        ...                                   "2026-01-02"], utc=True)})
        >>> summarize_platforms(df)[["platform", "mentions", "unique_authors", "reach",
        ...                          "brand_posts"]]
          platform  mentions  unique_authors  reach  brand_posts
        0        x         2               1  120.0            1
        1        y         1               1   50.0            0
    """
    brand = mentions["is_brand"].fillna(False).astype(bool).to_numpy()
    # Only the columns used are taken (a million scored rows have about 40).
    customers = mentions.loc[
        select_population(mentions).to_numpy(), ["platform", "author_id", "created_at"]
    ]
    counts = summarize_posts(mentions, by="platform").set_index("platform")
    by_platform = customers.groupby("platform", observed=True)
    table = counts.assign(
        unique_authors=by_platform["author_id"].nunique().reindex(counts.index),
        first_at=by_platform["created_at"].min().reindex(counts.index),
        last_at=by_platform["created_at"].max().reindex(counts.index),
    )
    if "sentiment_label" not in mentions:
        table[["net_sentiment", "negative_share"]] = np.nan
    if "intent" not in mentions:
        table["complaint_rate"] = np.nan
    conversations = (
        count_conversations(clocks, by="platform").set_index("platform")
        if clocks is not None and len(clocks)
        else None
    )
    brand_posts = mentions.loc[brand, ["platform"]].groupby("platform", observed=True).size()
    platforms = table.index.union(brand_posts.index)
    if conversations is not None:
        platforms = platforms.union(conversations.index)
    table = table.reindex(platforms)
    table["brand_posts"] = brand_posts.reindex(platforms).fillna(0).astype("int64")
    if conversations is not None:
        table = table.join(conversations.reindex(platforms))
        table[["conversations", "answered"]] = table[["conversations", "answered"]].fillna(0)
    else:
        table[["conversations", "answered"]] = 0
        table["response_rate"] = np.nan
    for column in (
        "mentions",
        "unique_authors",
        "sentiment_scored",
        "complaints",
        "conversations",
        "answered",
    ):
        table[column] = table[column].fillna(0).astype("int64")
    total, total_reach = table["mentions"].sum(), table["reach"].sum(min_count=1)
    table["share"] = table["mentions"] / total if total else 0.0
    table["reach_share"] = table["reach"] / total_reach if total_reach > 0 else np.nan
    for column in (
        "reach",
        "reach_share",
        "net_sentiment",
        "negative_share",
        "complaint_rate",
        "response_rate",
    ):
        table[column] = table[column].astype(float)
    gaps = [
        population_gap(mentions) or reach_gap(mentions),
        population_gap(mentions) or response_gap(mentions),
    ]
    if gaps[1]:
        table["response_rate"] = np.nan
    table = table.rename_axis("platform").reset_index()
    table = table.sort_values(["mentions", "platform"], ascending=[False, True], kind="stable")
    table = table[list(PLATFORM_COLUMNS)].reset_index(drop=True)
    table.attrs["gaps"] = list(dict.fromkeys(gap for gap in gaps if gap))
    return table


#: Columns of :func:`summarize_platforms`, in order.
PLATFORM_COLUMNS: tuple[str, ...] = (
    "platform",
    "mentions",
    "share",
    "unique_authors",
    "reach",
    "reach_share",
    "sentiment_scored",
    "net_sentiment",
    "negative_share",
    "complaints",
    "complaint_rate",
    "conversations",
    "answered",
    "response_rate",
    "brand_posts",
    "first_at",
    "last_at",
)

#: The ``platform`` of the row :func:`add_platform_total` adds.
TOTAL_LABEL = "all platforms"


def add_platform_total(table: pd.DataFrame) -> pd.DataFrame:
    """The platform table with a last row over all platforms.

    Counts are summed; each rate is the mean of the platforms' rates weighted by its
    denominator (:data:`metrics.RATE_DENOMINATORS`: net sentiment and negative share by
    ``sentiment_scored``, complaint rate by ``mentions``, response rate by ``conversations``),
    which is the rate of the summed counts. So the total row equals the KPI cards of step 5
    (:func:`kpis.compute_kpis`) by construction. Reach is the sum of the known reach (NaN when
    no platform has one). Do not rank the total row.

    Args:
        table: :func:`summarize_platforms` output (or :func:`rank_platforms` output).

    Returns:
        A new table with one more row, ``platform`` = :data:`TOTAL_LABEL`.

    Examples:
        >>> t = pd.DataFrame({"platform": ["x", "y"], "mentions": [3, 1],
        ...     "reach": [100.0, float("nan")], "sentiment_scored": [2, 1],
        ...     "net_sentiment": [0.0, -1.0], "complaint_rate": [1 / 3, 1.0],
        ...     "conversations": [2, 2], "answered": [2, 0], "response_rate": [1.0, 0.0]})
        >>> add_platform_total(t).round(4).iloc[[-1]][["platform", "mentions", "reach",
        ...     "net_sentiment", "complaint_rate", "response_rate"]]
                platform  mentions  reach  net_sentiment  complaint_rate  response_rate
        2  all platforms         4  100.0        -0.3333             0.5            0.5
    """
    total: dict[str, object] = {"platform": TOTAL_LABEL}
    for column in (
        "mentions",
        "unique_authors",
        "sentiment_scored",
        "complaints",
        "conversations",
        "answered",
        "brand_posts",
    ):
        if column in table:
            total[column] = int(table[column].sum())
    if "reach" in table:
        total["reach"] = float(table["reach"].sum(min_count=1))
    for rate, denominator in RATE_DENOMINATORS.items():
        if rate in table and denominator in table:
            weight = table[denominator].astype(float)
            known = table[rate].notna() & (weight > 0)
            total[rate] = (
                float((table.loc[known, rate] * weight[known]).sum() / weight[known].sum())
                if known.any()
                else np.nan
            )
    for column, count in (("share", "mentions"), ("reach_share", "reach")):
        if column in table:
            total[column] = 1.0 if total.get(count, 0) and total[count] > 0 else np.nan
    if "first_at" in table and "last_at" in table:
        total["first_at"], total["last_at"] = table["first_at"].min(), table["last_at"].max()
    row = pd.DataFrame([total]).reindex(columns=table.columns)
    return pd.concat([table, row], ignore_index=True)


def rank_platforms(table: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Rank platforms by where the client should be present first.

    Each factor is scaled to [0, 1] by dividing by its largest value across platforms;
    ``score`` is the weighted mean of the scaled factors (missing factors count 0):

    - ``mentions``: customer mentions; ``reach``: audience;
    - ``negativity``: ``negative_share``; ``complaints``: ``complaint_rate``;
    - ``unanswered``: ``1 - response_rate`` (what the brand leaves unanswered there).

    Args:
        table: :func:`summarize_platforms` output.
        weights: Factor -> weight (the playbook's ``platforms.weights``); default
            :data:`DEFAULT_WEIGHTS`.

    Returns:
        ``table`` with ``score`` (0..1) and ``rank`` (1 = first), best first.

    Examples:
        >>> t = pd.DataFrame({"platform": ["a", "b"], "mentions": [100, 50], "reach": [10, 40],
        ...     "negative_share": [0.5, 0.5], "complaint_rate": [0.2, 0.4],
        ...     "response_rate": [0.8, 0.4]})
        >>> rank_platforms(t, {"mentions": 1, "reach": 1})[["platform", "score", "rank"]]
          platform  score  rank
        0        b  0.750     1
        1        a  0.625     2
    """
    weights = dict(weights or DEFAULT_WEIGHTS)
    factors = pd.DataFrame(
        {
            "mentions": table["mentions"].astype(float),
            "reach": table["reach"].astype(float),
            "negativity": table.get("negative_share", pd.Series(np.nan, index=table.index)),
            "complaints": table.get("complaint_rate", pd.Series(np.nan, index=table.index)),
            "unanswered": 1 - table.get("response_rate", pd.Series(np.nan, index=table.index)),
        },
        index=table.index,
    ).astype(float)
    scaled = factors / factors.max().where(lambda m: m > 0)
    total = sum(weights.values())
    score = sum(scaled[f].fillna(0.0) * w for f, w in weights.items()) / total
    out = table.assign(score=score.round(6))
    out = out.sort_values(["score", "platform"], ascending=[False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def share_of_voice(scored: pd.DataFrame, brand_name: str, competitors: list[str]) -> pd.DataFrame:
    """Share of voice of the brand and each competitor among customer posts.

    The brand's voice is the customer posts about it (naming it, or naming no competitor:
    :func:`metrics.volume`); a competitor's voice is the posts tagged with its name. A post
    naming the brand and a competitor counts for both. The client's ``share`` is the KPI
    ``share_of_voice`` (:func:`metrics.share_of_voice`).

    Args:
        scored: Mentions with ``is_brand``, ``mentions_brand`` and ``competitor``.
        brand_name: The client's display name.
        competitors: The competitors' names (from the playbook).

    Returns:
        ``name``, ``mentions``, ``share``, ``is_client``; the client first, then by mentions.

    Examples:
        >>> df = pd.DataFrame({"is_brand": [False] * 4,
        ...                    "mentions_brand": [True, False, True, False],
        ...                    "competitor": [None, "Globex", "Globex", None]})
        >>> share_of_voice(df, "ACME", ["Globex", "Initech"])[["name", "mentions", "share"]]
              name  mentions  share
        0     ACME         3    0.6
        1   Globex         2    0.4
        2  Initech         0    0.0
    """
    ours = volume(scored)  # the KPI's population: customer posts about the brand
    counts = scored.loc[~scored["is_brand"].astype(bool), "competitor"].value_counts()
    rows = [{"name": brand_name, "mentions": ours, "is_client": True}]
    rows += sorted(
        ({"name": c, "mentions": int(counts.get(c, 0)), "is_client": False} for c in competitors),
        key=lambda r: (-r["mentions"], r["name"]),
    )
    out = pd.DataFrame(rows)
    total = out["mentions"].sum()
    out["share"] = out["mentions"] / total if total else 0.0
    return out[["name", "mentions", "share", "is_client"]]
