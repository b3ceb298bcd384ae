"""Step 1, find the platforms: where customers talk about the company, how much, how loud, how angry.

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

from .listening import about_brand

__all__ = ["summarize_platforms", "rank_platforms", "share_of_voice", "DEFAULT_WEIGHTS"]

logger = logging.getLogger(__name__)

#: Ranking weights when the playbook sets none (``platforms.weights``).
DEFAULT_WEIGHTS: dict[str, float] = {"mentions": 0.3, "reach": 0.3, "negativity": 0.2,
                                     "unanswered": 0.2}


def summarize_platforms(mentions: pd.DataFrame, clocks: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """Summarise customer mentions per platform: volume, people, audience, tone, answers.

    Customer posts about a competitor only are left out when the frame says which posts those
    are (``mentions_brand`` and ``competitor`` columns): this is where customers talk about
    *the client*.

    - ``reach``: the audience, the sum over unique authors of their largest follower count on
      that platform (an author who posts ten times is one audience, not ten);
      ``reach_share`` is each platform's share of it (the reach-weighted share).
    - ``net_sentiment``: ``(positive - negative) / (positive + negative)`` over the platform's
      scored posts (NaN where none is positive or negative).
    - ``negative_share``: ``negative / (positive + negative)``.
    - ``complaint_share``: complaints / customer mentions.
    - ``response_rate``: answered / conversations on that platform (needs ``clocks``).

    Args:
        mentions: Canonical or scored mentions.
        clocks: SLA clocks of step 4 (``platform``, ``first_response_at``), optional.

    Returns:
        One row per platform, most customer mentions first: ``platform``, ``mentions``,
        ``share``, ``unique_authors``, ``reach``, ``reach_share``, ``net_sentiment``,
        ``negative_share``, ``complaint_share``, ``response_rate``, ``brand_posts``,
        ``first_at``, ``last_at``.

    Examples:
        >>> df = pd.DataFrame({"platform": ["x", "x", "y", "x"], "author_id": ["a", "a", "b", "brand"],
        ...     "reach": [100, 120, 50, 9999], "is_brand": [False, False, False, True],
        ...     "created_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03",
        ...                                   "2026-01-02"], utc=True)})
        >>> summarize_platforms(df)[["platform", "mentions", "unique_authors", "reach", "brand_posts"]]
          platform  mentions  unique_authors  reach  brand_posts
        0        x         2               1    120            1
        1        y         1               1     50            0
    """
    brand = mentions["is_brand"].astype(bool)
    if {"mentions_brand", "competitor"} <= set(mentions.columns):
        customers = mentions[about_brand(mentions).to_numpy()]
    else:
        customers = mentions[~brand]
    by_platform = customers.groupby("platform", observed=True)
    table = pd.DataFrame({
        "mentions": by_platform.size(),
        "unique_authors": by_platform["author_id"].nunique(),
        "first_at": by_platform["created_at"].min(),
        "last_at": by_platform["created_at"].max(),
    })
    audience = (customers.groupby(["platform", "author_id"], observed=True)["reach"].max()
                .groupby(level="platform").sum())
    table["reach"] = audience.reindex(table.index)
    if "sentiment_label" in customers.columns:
        labels = pd.crosstab(customers["platform"], customers["sentiment_label"])
        pos = labels.get("positive", pd.Series(0, index=labels.index)).reindex(table.index)
        neg = labels.get("negative", pd.Series(0, index=labels.index)).reindex(table.index)
        polar = (pos + neg).where(lambda s: s > 0)
        table["net_sentiment"] = (pos - neg) / polar
        table["negative_share"] = neg / polar
    if "intent" in customers.columns:
        complaints = (customers["intent"] == "complaint").groupby(customers["platform"]).sum()
        table["complaint_share"] = complaints.reindex(table.index) / table["mentions"]
    if clocks is not None and len(clocks):
        answered = clocks["first_response_at"].notna().groupby(clocks["platform"])
        table["response_rate"] = answered.mean().reindex(table.index)
    brand_posts = mentions[brand].groupby("platform", observed=True).size()
    platforms = table.index.union(brand_posts.index)
    table = table.reindex(platforms)
    table["brand_posts"] = brand_posts.reindex(platforms).fillna(0).astype("int64")
    for column in ("mentions", "unique_authors", "reach"):
        table[column] = table[column].fillna(0).astype("int64")
    total, total_reach = table["mentions"].sum(), table["reach"].sum()
    table["share"] = table["mentions"] / total if total else 0.0
    table["reach_share"] = table["reach"] / total_reach if total_reach else 0.0
    for column in ("net_sentiment", "negative_share", "complaint_share", "response_rate"):
        if column not in table:
            table[column] = np.nan
        table[column] = table[column].astype(float)
    table = table.rename_axis("platform").reset_index()
    table = table.sort_values(["mentions", "platform"], ascending=[False, True], kind="stable")
    columns = ["platform", "mentions", "share", "unique_authors", "reach", "reach_share",
               "net_sentiment", "negative_share", "complaint_share", "response_rate",
               "brand_posts", "first_at", "last_at"]
    return table[columns].reset_index(drop=True)


def rank_platforms(table: pd.DataFrame, weights: Mapping[str, float] | None = None
                   ) -> pd.DataFrame:
    """Rank platforms by where the client should be present first.

    Each factor is scaled to [0, 1] by dividing by its largest value across platforms;
    ``score`` is the weighted mean of the scaled factors (missing factors count 0):

    - ``mentions``: customer mentions; ``reach``: audience;
    - ``negativity``: ``negative_share``; ``complaints``: ``complaint_share``;
    - ``unanswered``: ``1 - response_rate`` (what the brand leaves unanswered there).

    Args:
        table: :func:`summarize_platforms` output.
        weights: Factor -> weight (the playbook's ``platforms.weights``); default
            :data:`DEFAULT_WEIGHTS`.

    Returns:
        ``table`` with ``score`` (0..1) and ``rank`` (1 = first), best first.

    Examples:
        >>> t = pd.DataFrame({"platform": ["a", "b"], "mentions": [100, 50], "reach": [10, 40],
        ...     "negative_share": [0.5, 0.5], "complaint_share": [0.2, 0.4],
        ...     "response_rate": [0.8, 0.4]})
        >>> rank_platforms(t, {"mentions": 1, "reach": 1})[["platform", "score", "rank"]]
          platform  score  rank
        0        b  0.750     1
        1        a  0.625     2
    """
    weights = dict(weights or DEFAULT_WEIGHTS)
    factors = pd.DataFrame({
        "mentions": table["mentions"].astype(float),
        "reach": table["reach"].astype(float),
        "negativity": table.get("negative_share", pd.Series(np.nan, index=table.index)),
        "complaints": table.get("complaint_share", pd.Series(np.nan, index=table.index)),
        "unanswered": 1 - table.get("response_rate", pd.Series(np.nan, index=table.index)),
    }, index=table.index).astype(float)
    scaled = factors / factors.max().where(lambda m: m > 0)
    total = sum(weights.values())
    score = sum(scaled[f].fillna(0.0) * w for f, w in weights.items()) / total
    out = table.assign(score=score.round(6))
    out = out.sort_values(["score", "platform"], ascending=[False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def share_of_voice(scored: pd.DataFrame, brand_name: str, competitors: list[str]) -> pd.DataFrame:
    """Share of voice of the brand and each competitor among customer posts.

    The brand's voice is the customer posts about it (naming it, or naming no competitor); a
    competitor's voice is the posts tagged with its name. A post naming the brand and a
    competitor counts for both.

    Args:
        scored: Mentions with ``is_brand``, ``mentions_brand`` and ``competitor``.
        brand_name: The client's display name.
        competitors: The competitors' names (from the playbook).

    Returns:
        ``name``, ``mentions``, ``share``, ``is_client``; the client first, then by mentions.

    Examples:
        >>> df = pd.DataFrame({"is_brand": [False] * 4, "mentions_brand": [True, False, True, False],
        ...                    "competitor": [None, "Globex", "Globex", None]})
        >>> share_of_voice(df, "ACME", ["Globex", "Initech"])[["name", "mentions", "share"]]
              name  mentions  share
        0     ACME         3    0.6
        1   Globex         2    0.4
        2  Initech         0    0.0
    """
    ours = int(about_brand(scored).sum())
    counts = scored.loc[~scored["is_brand"].astype(bool), "competitor"].value_counts()
    rows = [{"name": brand_name, "mentions": ours, "is_client": True}]
    rows += sorted(({"name": c, "mentions": int(counts.get(c, 0)), "is_client": False}
                    for c in competitors), key=lambda r: (-r["mentions"], r["name"]))
    out = pd.DataFrame(rows)
    total = out["mentions"].sum()
    out["share"] = out["mentions"] / total if total else 0.0
    return out[["name", "mentions", "share", "is_client"]]
