"""Step 1, find the platforms: where customers talk about the company, how much and how loud.

Pure functions on the canonical mention table.
"""

from __future__ import annotations

import logging

import pandas as pd

__all__ = ["summarize_platforms"]

logger = logging.getLogger(__name__)


def summarize_platforms(mentions: pd.DataFrame) -> pd.DataFrame:
    """Summarise mentions per platform: volume, people, audience and the brand's own activity.

    ``reach`` is the audience: the sum over unique customer authors of their largest follower
    count on that platform (an author who posts ten times is one audience, not ten).
    ``reach_share`` is each platform's share of that audience; ``share`` its share of customer
    mentions.

    Args:
        mentions: Canonical mentions.

    Returns:
        One row per platform, most customer mentions first: ``platform``, ``mentions``
        (customer posts), ``share``, ``unique_authors``, ``reach``, ``reach_share``,
        ``brand_posts``, ``first_at``, ``last_at``.

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
    customers = mentions[~mentions["is_brand"].astype(bool)]
    by_platform = customers.groupby("platform", observed=True)
    table = pd.DataFrame({
        "mentions": by_platform.size(),
        "unique_authors": by_platform["author_id"].nunique(),
        "first_at": by_platform["created_at"].min(),
        "last_at": by_platform["created_at"].max(),
    })
    audience = (customers.groupby(["platform", "author_id"], observed=True)["reach"].max()
                .groupby(level="platform").sum())
    table["reach"] = audience.reindex(table.index).fillna(0).astype("int64")
    brand = mentions[mentions["is_brand"].astype(bool)].groupby("platform", observed=True).size()
    all_platforms = table.index.union(brand.index)
    table = table.reindex(all_platforms)
    table["brand_posts"] = brand.reindex(all_platforms).fillna(0).astype("int64")
    table["mentions"] = table["mentions"].fillna(0).astype("int64")
    table["unique_authors"] = table["unique_authors"].fillna(0).astype("int64")
    table["reach"] = table["reach"].fillna(0).astype("int64")
    total, total_reach = table["mentions"].sum(), table["reach"].sum()
    table["share"] = table["mentions"] / total if total else 0.0
    table["reach_share"] = table["reach"] / total_reach if total_reach else 0.0
    table = table.rename_axis("platform").reset_index()
    table = table.sort_values(["mentions", "platform"], ascending=[False, True], kind="stable")
    columns = ["platform", "mentions", "share", "unique_authors", "reach", "reach_share",
               "brand_posts", "first_at", "last_at"]
    return table[columns].reset_index(drop=True)
