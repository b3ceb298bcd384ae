"""One definition per number: the figures that step 1's platform table, step 2's baselines and
step 5's KPI cards share.

Every figure here is measured over one documented population, **customer posts about the
brand** (:func:`select_population`): posts not written by one of the client's handles that name
the brand or name no competitor (:func:`listening.about_brand`). Frames without brand tags
(canonical mentions before step 3 scores them) count every customer post.

A figure is written once, as a rate of counts: :func:`count_posts` counts (overall or per group,
e.g. per platform) and :func:`add_rates` turns counts into rates. A table per platform and the
KPI over all posts are therefore the same formula on different rows, and summing a table's
counts over its platforms gives exactly the overall figure (:func:`add_rates` of the sums).

=================== ======================================================================
figure              formula (population: customer posts about the brand)
=================== ======================================================================
``mentions``        number of posts (the KPI ``volume``)
``reach``           sum over distinct authors per platform of each author's largest follower
                    count; NaN (shown "n/a") when no author has a known follower count
``net_sentiment``   (positive - negative) / sentiment-scored posts, in [-1, 1]; posts labelled
                    ``unscored`` (a language without a sentiment model) are left out
``negative_share``  negative / sentiment-scored posts
``complaint_rate``  posts that are complaints (``is_complaint``; a complaint asked as a
                    question counts) / posts; frames without the flag (old artifacts) count
                    primary intent ``complaint``
``response_rate``   answered conversations / conversations the brand owes an answer (SLA clocks)
``share_of_voice``  posts / (posts + customer posts naming a competitor)
=================== ======================================================================

When the data cannot give a figure, it is NaN (shown "n/a") and one of the ``*_gap``
functions says why in one line (:func:`population_gap`, :func:`response_gap`,
:func:`reach_gap`, :func:`sentiment_gap`); ``docs/minimal-data.md`` lists them.

``docs/kpis.md`` explains the same formulas for clients.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .schema import about_brand, has_intent

__all__ = [
    "NOT_AVAILABLE",
    "SCORED_LABELS",
    "COUNT_COLUMNS",
    "RATE_COLUMNS",
    "RATE_DENOMINATORS",
    "CONVERSATION_COLUMNS",
    "select_population",
    "count_posts",
    "add_rates",
    "summarize_posts",
    "count_conversations",
    "volume",
    "reach",
    "net_sentiment",
    "negative_share",
    "complaint_rate",
    "response_rate",
    "share_of_voice",
    "has_reply_links",
    "population_gap",
    "response_gap",
    "reach_gap",
    "sentiment_gap",
]

logger = logging.getLogger(__name__)

#: Shown wherever a figure the data cannot measure would be (e.g. reach without follower
#: counts): never 0.
NOT_AVAILABLE = "n/a"
#: Sentiment labels of posts that have a sentiment score (``unscored`` is not one of them).
SCORED_LABELS: tuple[str, ...] = ("positive", "neutral", "negative")
#: Columns of :func:`count_posts` (besides the group keys); additive over groups, except
#: ``reach`` where an author posts on one platform only per row (audience per platform).
COUNT_COLUMNS: tuple[str, ...] = (
    "mentions",
    "sentiment_scored",
    "positive",
    "neutral",
    "negative",
    "complaints",
    "reach",
)
#: Columns :func:`add_rates` adds.
RATE_COLUMNS: tuple[str, ...] = ("net_sentiment", "negative_share", "complaint_rate")
#: The denominator of each rate: a rate over several groups (platforms) is the mean of the
#: groups' rates weighted by it, which is the rate of the summed counts.
RATE_DENOMINATORS: dict[str, str] = {
    "net_sentiment": "sentiment_scored",
    "negative_share": "sentiment_scored",
    "complaint_rate": "mentions",
    "response_rate": "conversations",
}
#: Columns of :func:`count_conversations` (besides the group keys).
CONVERSATION_COLUMNS: tuple[str, ...] = ("conversations", "answered", "response_rate")


def select_population(mentions: pd.DataFrame) -> pd.Series:
    """The posts every figure of this module counts: customer posts about the brand.

    With brand tags (``mentions_brand`` and ``competitor``, added by step 3):
    :func:`listening.about_brand`. Without them (canonical mentions): every post not written
    by one of the client's handles.

    Args:
        mentions: Canonical or scored mentions (``is_brand``; optionally ``mentions_brand``,
            ``competitor``).

    Returns:
        A boolean Series aligned with ``mentions``.

    Examples:
        >>> df = pd.DataFrame({"is_brand": [False, False, True],
        ...     "mentions_brand": [False, False, False], "competitor": [None, "Globex", None]})
        >>> select_population(df).tolist(), select_population(df[["is_brand"]]).tolist()
        ([True, False, False], [True, True, False])
    """
    if {"mentions_brand", "competitor"} <= set(mentions.columns):
        return about_brand(mentions).fillna(False).astype(bool)
    return ~mentions["is_brand"].fillna(False).astype(bool)


def _keys(by: str | Sequence[str] | None) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def count_posts(mentions: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Count the population (:func:`select_population`), overall or per group.

    Args:
        mentions: Canonical or scored mentions. ``sentiment_label``, ``is_complaint`` (else
            ``intent``), ``reach``, ``platform`` and ``author_id`` are used when present
            (without ``sentiment_label`` or either intent column their counts are 0, without
            ``reach`` the reach is NaN).
        by: Column(s) to group by (e.g. ``"platform"``), or None for one row over everything.

    Returns:
        The group columns plus :data:`COUNT_COLUMNS`: ``mentions``; ``sentiment_scored``
        (labelled positive, neutral or negative) and each label's count; ``complaints``
        (``is_complaint``, else primary intent ``complaint``:
        :func:`~socialcrm_utils.steps.listening.has_intent`); ``reach`` (the sum over distinct
        authors per platform of each author's largest follower count; NaN when no author's
        count is known). With
        ``by``, one row per group that has posts; without, always one row.

    Examples:
        >>> df = pd.DataFrame({"platform": ["x", "x", "y", "x"], "author_id": ["a", "a", "b", "B"],
        ...     "is_brand": [False, False, False, True], "reach": [10, 12, None, 900],
        ...     "sentiment_label": ["negative", "positive", "unscored", "neutral"],
        ...     "intent": ["complaint", "praise", "question", "other"]})
        >>> count_posts(df, by="platform")[["platform", "mentions", "sentiment_scored", "reach"]]
          platform  mentions  sentiment_scored  reach
        0        x         2                 2   12.0
        1        y         1                 0    NaN
    """
    keys = _keys(by)
    used = [*keys, "sentiment_label", "is_complaint", "intent", "reach", "author_id", "platform"]
    posts = mentions.loc[  # only the columns used: a million scored rows have about 40
        select_population(mentions).to_numpy(), [c for c in dict.fromkeys(used) if c in mentions]
    ]
    n = len(posts)
    labels = (
        posts["sentiment_label"].astype("string")
        if "sentiment_label" in posts
        else pd.Series(pd.NA, index=posts.index, dtype="string")
    )
    frame = pd.DataFrame(
        {
            "mentions": np.ones(n, dtype=np.int64),
            "positive": (labels == "positive").fillna(False).to_numpy(dtype=np.int64),
            "neutral": (labels == "neutral").fillna(False).to_numpy(dtype=np.int64),
            "negative": (labels == "negative").fillna(False).to_numpy(dtype=np.int64),
            "complaints": has_intent(posts, "complaint").to_numpy(dtype=np.int64),
        },
        index=posts.index,
    )
    frame["sentiment_scored"] = frame["positive"] + frame["neutral"] + frame["negative"]
    for key in keys:
        frame[key] = posts[key].to_numpy()
    if keys:
        counts = frame.groupby(keys, observed=True, sort=True, dropna=False).sum()
    else:
        counts = frame.drop(columns=keys).sum().to_frame().T.astype(np.int64)
    counts["reach"] = _reach(posts, keys, counts.index)
    for column in ("mentions", "sentiment_scored", "positive", "neutral", "negative", "complaints"):
        counts[column] = counts[column].astype(np.int64)
    counts["reach"] = counts["reach"].astype(float)
    out = counts.reset_index() if keys else counts.reset_index(drop=True)
    return out[keys + list(COUNT_COLUMNS)]


def _reach(posts: pd.DataFrame, keys: list[str], index: pd.Index) -> pd.Series:
    """The audience per group: each author's largest follower count once per platform."""
    if "reach" not in posts or "author_id" not in posts:
        return pd.Series(np.nan, index=index)
    followers = pd.to_numeric(posts["reach"], errors="coerce").astype(float)
    platform = (
        posts["platform"].astype("string").fillna("")
        if "platform" in posts
        else pd.Series("", index=posts.index, dtype="string")
    )
    author = posts["author_id"].astype("string").fillna("")
    frame = pd.DataFrame(
        {
            "_followers": followers.to_numpy(),
            "_platform": platform.to_numpy(),
            "_author": author.to_numpy(),
        }
    )
    for key in keys:
        frame[key] = posts[key].to_numpy()
    inner = list(dict.fromkeys([*keys, "_platform", "_author"]))
    per_author = frame.groupby(inner, observed=True, sort=False, dropna=False)["_followers"].max()
    if not keys:
        total = per_author.sum(min_count=1) if len(per_author) else math.nan
        return pd.Series([total], index=index, dtype=float)
    audience = per_author.groupby(level=list(range(len(keys))), dropna=False).sum(min_count=1)
    if len(keys) == 1:
        audience.index = audience.index.get_level_values(0)
    return audience.reindex(index).astype(float)


def add_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Add the rates of :data:`RATE_COLUMNS` to counts of :func:`count_posts` (or their sums).

    - ``net_sentiment`` = (positive - negative) / sentiment_scored;
    - ``negative_share`` = negative / sentiment_scored;
    - ``complaint_rate`` = complaints / mentions.

    A rate whose denominator is 0 is NaN. The input is not modified.

    Examples:
        >>> counts = pd.DataFrame({"mentions": [4, 0], "sentiment_scored": [3, 0],
        ...     "positive": [1, 0], "negative": [2, 0], "complaints": [1, 0]})
        >>> add_rates(counts)[["net_sentiment", "negative_share", "complaint_rate"]].round(3)
           net_sentiment  negative_share  complaint_rate
        0         -0.333           0.667            0.25
        1            NaN             NaN             NaN
    """
    out = counts.copy()
    scored = out["sentiment_scored"].astype(float).where(lambda s: s > 0)
    posts = out["mentions"].astype(float).where(lambda s: s > 0)
    out["net_sentiment"] = (out["positive"] - out["negative"]).astype(float) / scored
    out["negative_share"] = out["negative"].astype(float) / scored
    out["complaint_rate"] = out["complaints"].astype(float) / posts
    return out


def summarize_posts(mentions: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`count_posts` with :func:`add_rates`: counts and rates, overall or per group."""
    return add_rates(count_posts(mentions, by))


def count_conversations(
    clocks: pd.DataFrame, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Conversations the brand owes an answer, answered ones and the response rate.

    ``response_rate`` = answered / conversations, where a conversation is answered when it has
    a ``first_response_at`` (the SLA clocks of step 4 hold only the conversations the brand
    owes an answer: threads about a competitor only are not among them). This is the formula
    of :func:`conversations.summarize_sla`.

    Args:
        clocks: SLA clocks (``first_response_at`` and the ``by`` columns).
        by: Column(s) to group by, or None for one row over everything.

    Returns:
        The group columns plus :data:`CONVERSATION_COLUMNS` (NaN rate without conversations).

    Examples:
        >>> clocks = pd.DataFrame({"platform": ["x", "x", "y"],
        ...     "first_response_at": pd.to_datetime(["2026-01-05", None, None], utc=True)})
        >>> count_conversations(clocks, "platform").values.tolist()
        [['x', 2, 1, 0.5], ['y', 1, 0, 0.0]]
    """
    keys = _keys(by)
    frame = pd.DataFrame(
        {
            "conversations": np.ones(len(clocks), dtype=np.int64),
            "answered": clocks["first_response_at"].notna().to_numpy(dtype=np.int64),
        },
        index=clocks.index,
    )
    for key in keys:
        frame[key] = clocks[key].to_numpy()
    if keys:
        counts = frame.groupby(keys, observed=True, sort=True, dropna=False).sum().reset_index()
    else:
        counts = frame.sum().to_frame().T.astype(np.int64)
    counts["response_rate"] = counts["answered"].astype(float) / counts["conversations"].astype(
        float
    ).where(lambda s: s > 0)
    return counts[keys + list(CONVERSATION_COLUMNS)]


def _overall(mentions: pd.DataFrame, column: str) -> float:
    return float(summarize_posts(mentions).iloc[0][column])


def volume(mentions: pd.DataFrame) -> int:
    """Customer posts about the brand (the KPI ``volume``).

    Examples:
        >>> volume(pd.DataFrame({"is_brand": [False, True, False]}))
        2
    """
    return int(select_population(mentions).sum())


def reach(mentions: pd.DataFrame) -> float:
    """The audience of the posts: see :func:`count_posts`; NaN when no follower count is known.

    Examples:
        >>> df = pd.DataFrame({"is_brand": False, "platform": ["x", "x", "y"],
        ...     "author_id": ["a", "a", "a"], "reach": [10, 12, 5]})
        >>> reach(df), reach(df.assign(reach=None))
        (17.0, nan)
    """
    return _overall(mentions, "reach")


def net_sentiment(mentions: pd.DataFrame) -> float:
    """(positive - negative) / sentiment-scored posts, in [-1, 1]; NaN without scored posts.

    Neutral posts count in the denominator; ``unscored`` posts do not count at all.

    Examples:
        >>> df = pd.DataFrame({"is_brand": False,
        ...     "sentiment_label": ["positive", "neutral", "negative", "negative", "unscored"]})
        >>> net_sentiment(df)
        -0.25
    """
    return _overall(mentions, "net_sentiment")


def negative_share(mentions: pd.DataFrame) -> float:
    """Negative / sentiment-scored posts; NaN without scored posts.

    Examples:
        >>> df = pd.DataFrame({"is_brand": False,
        ...     "sentiment_label": ["positive", "neutral", "negative", "negative", "unscored"]})
        >>> negative_share(df)
        0.5
    """
    return _overall(mentions, "negative_share")


def complaint_rate(mentions: pd.DataFrame) -> float:
    """Posts that are complaints / posts; NaN without posts.

    A post is a complaint when ``is_complaint`` is True (a problem asked as a question counts,
    though its primary ``intent`` may be ``question``); frames without the flag (old
    artifacts) count primary intent ``complaint``.

    Examples:
        >>> complaint_rate(pd.DataFrame({"is_brand": False,
        ...     "intent": ["complaint", "question", "praise", "complaint"]}))
        0.5
        >>> complaint_rate(pd.DataFrame({"is_brand": False,
        ...     "intent": ["complaint", "question", "praise", "question"],
        ...     "is_complaint": [True, True, False, False]}))
        0.5
    """
    return _overall(mentions, "complaint_rate")


def response_rate(clocks: pd.DataFrame) -> float:
    """Answered conversations / conversations the brand owes an answer.

    The overall ``response_rate`` of :func:`count_conversations`.

    Examples:
        >>> response_rate(pd.DataFrame({"first_response_at": pd.to_datetime(
        ...     ["2026-01-05", None, "2026-01-06"], utc=True)}))
        0.6666666666666666
    """
    return float(count_conversations(clocks).iloc[0]["response_rate"])


def share_of_voice(mentions: pd.DataFrame) -> float:
    """Posts about the brand / (those + customer posts naming a competitor); NaN when both are 0.

    A post naming the brand and a competitor counts for both.

    Examples:
        >>> df = pd.DataFrame({"is_brand": False, "mentions_brand": [True, False, True, False],
        ...                    "competitor": [None, "Globex", "Globex", None]})
        >>> share_of_voice(df)
        0.6
    """
    ours = volume(mentions)
    customers = ~mentions["is_brand"].fillna(False).astype(bool)
    competitor = (
        mentions.loc[customers, "competitor"].notna().sum() if "competitor" in mentions else 0
    )
    total = ours + int(competitor)
    return ours / total if total else math.nan


#: Why a figure is n/a: one line each, shown in the notebooks, the KPI table and the report.
GAP_NO_CUSTOMER_POSTS = (
    "no customer posts about the brand in the data: the sources hold only "
    "the brand's own posts or posts about competitors"
)
GAP_NO_BRAND_POSTS = (
    "no brand replies in the data: response times need the brand's own posts "
    "(set brand.handles to the accounts that answer)"
)
GAP_NO_REPLY_LINKS = (
    "no reply links in the data: response times need in_reply_to_id or "
    "conversation_id (map them in the source's mapping)"
)
GAP_NO_REACH = "no reach data: the sources give no follower counts"
GAP_NO_SENTIMENT = (
    "no sentiment scores: no customer post about the brand is in a language "
    "with a sentiment model (English, German)"
)


def has_reply_links(mentions: pd.DataFrame) -> bool:
    """Whether any post is linked to another (a reply, or a conversation of two or more posts).

    Frames without ``in_reply_to_id`` and ``conversation_id`` cannot tell and count as linked.

    Examples:
        >>> has_reply_links(pd.DataFrame({"in_reply_to_id": [None, "1"]}))
        True
        >>> has_reply_links(pd.DataFrame({"mention_id": ["1", "2"], "in_reply_to_id": [None, None],
        ...                               "conversation_id": ["1", "2"]}))
        False
    """
    if not {"in_reply_to_id", "conversation_id"} & set(mentions.columns):
        return True
    if "in_reply_to_id" in mentions and mentions["in_reply_to_id"].notna().any():
        return True
    if "conversation_id" in mentions:
        conversations = mentions["conversation_id"].dropna()
        return bool(conversations.duplicated().any())
    return False


def population_gap(mentions: pd.DataFrame) -> str | None:
    """Why there is no figure over customer posts about the brand; None when there are some.

    Examples:
        >>> population_gap(pd.DataFrame({"is_brand": [True]})) == GAP_NO_CUSTOMER_POSTS
        True
        >>> population_gap(pd.DataFrame({"is_brand": [False]})) is None
        True
    """
    return None if select_population(mentions).any() else GAP_NO_CUSTOMER_POSTS


def response_gap(mentions: pd.DataFrame) -> str | None:
    """Why response figures (response rate, response times, SLA attainment) are n/a, or None.

    In this order: no customer posts about the brand (nothing to answer); no post of the
    client's handles (``is_brand``: whether the brand answered cannot be seen); no reply links
    (which post a brand post answers cannot be seen). Without these, a response rate of 0%
    would be a finding the data does not support.

    Args:
        mentions: Canonical or scored mentions (``is_brand``; reply links when present).

    Returns:
        One line for people, or None when response figures can be measured.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2"], "is_brand": [False, True],
        ...     "in_reply_to_id": [None, "1"], "conversation_id": ["1", "1"]})
        >>> response_gap(df) is None
        True
        >>> response_gap(df.assign(is_brand=False)) == GAP_NO_BRAND_POSTS
        True
        >>> response_gap(df.assign(in_reply_to_id=None, conversation_id=["1", "2"]))[:22]
        'no reply links in the '
    """
    gap = population_gap(mentions)
    if gap:
        return gap
    if not mentions["is_brand"].fillna(False).astype(bool).any():
        return GAP_NO_BRAND_POSTS
    if not has_reply_links(mentions):
        return GAP_NO_REPLY_LINKS
    return None


def reach_gap(mentions: pd.DataFrame) -> str | None:
    """Why reach is n/a (no posts, or no follower count among them), or None.

    Examples:
        >>> reach_gap(pd.DataFrame({"is_brand": False, "author_id": ["a"], "reach": [None]}))
        'no reach data: the sources give no follower counts'
    """
    gap = population_gap(mentions)
    if gap:
        return gap
    return GAP_NO_REACH if math.isnan(reach(mentions)) else None


def sentiment_gap(mentions: pd.DataFrame) -> str | None:
    """Why net sentiment is n/a (no posts, or none with a sentiment score), or None.

    Examples:
        >>> sentiment_gap(pd.DataFrame({"is_brand": False, "sentiment_label": ["unscored"]}))[:22]
        'no sentiment scores: n'
    """
    gap = population_gap(mentions)
    if gap:
        return gap
    scored = int(count_posts(mentions).iloc[0]["sentiment_scored"])
    return None if scored else GAP_NO_SENTIMENT
