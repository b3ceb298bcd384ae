"""Posting slots: when the brand's posts (or, failing those, its audience) get engagement.

:func:`engagement_by_slot` measures engagement by local weekday and hour, :func:`best_slots`
ranks weekday x time window, :func:`slot_note` says what the figures rest on.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .text import brand_posts, empty_frame, require_columns

__all__ = ["BEST_SLOT_COLUMNS", "MIN_BRAND_POSTS", "MIN_SLOT_POSTS", "SLOT_HOURS",
           "SPIKE_DAY_FACTOR", "SPIKE_DAY_MAX_SHARE", "WEEKDAY_NAMES", "best_slots",
           "engagement_by_slot", "slot_note"]  # fmt: skip

logger = logging.getLogger(__name__)

#: (about seven weekdays times :data:`MIN_SLOT_POSTS`).
MIN_BRAND_POSTS: int = 50

#: Posts a weekday and a time window need before :func:`best_slots` ranks them.
MIN_SLOT_POSTS: int = 8

#: Widths of the time windows :func:`best_slots` tries, in hours (divisors of 24).
SLOT_HOURS: tuple[int, ...] = (1, 2, 3, 4, 6)

#: With all posts as the basis, days with more than this times the median posts per day are
#: incidents and left out of :func:`engagement_by_slot`.
SPIKE_DAY_FACTOR: float = 3.0

#: ... unless those days hold more than this share of all posts: then the export covers
#: little more than those days (every day looks like an incident) and they are kept.
SPIKE_DAY_MAX_SHARE: float = 0.5

# Fewer posts than this and :func:`engagement_by_slot` leaves no outlier out; fewer days and
# it leaves no spike day out.
_MIN_OUTLIER_POSTS = 8
_MIN_SPIKE_DAYS = 7

#: Weekday names by ``Timestamp.weekday()`` number (0 = Monday).
WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SLOT_COLUMNS: dict[str, str] = {
    "weekday": "int64",
    "weekday_name": "string",
    "hour": "int64",
    "posts": "int64",
    "engagement_index": "float64",
    "mean_engagement": "float64",
    "median_engagement": "float64",
    "basis": "string",
}
#: Columns of :func:`best_slots`, in order.
BEST_SLOT_COLUMNS: dict[str, str] = {
    "weekday": "int64",
    "weekday_name": "string",
    "hour": "int64",
    "hours": "int64",
    "window": "string",
    "expected_index": "float64",
    "weekday_index": "float64",
    "weekday_posts": "int64",
    "window_index": "float64",
    "window_posts": "int64",
    "posts": "int64",
    "basis": "string",
}

# --------------------------------------------------------------------------------------------
# Posting slots
# --------------------------------------------------------------------------------------------


def _engagement_index(engagement: pd.Series, platform: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Engagement relative to the platform's average post, and which posts are not outliers.

    A post's ratio to its platform's median engagement (mean where the median is 0) is
    compared on a log scale (``ln(1 + ratio)``): above ``Q3 + 3 * IQR`` (the IQR at least
    ``ln 2``, so that many equal posts do not make every other one an outlier) it is an
    outlier, left out with fewer than :data:`_MIN_OUTLIER_POSTS` posts never. The index of a
    kept post is its engagement divided by the mean engagement of the kept posts on its
    platform (1.0 where all of them have none).

    Returns:
        ``(index, kept)``: float index (NaN for outliers) and a boolean mask, both aligned
        with ``engagement``.
    """
    by_platform = engagement.groupby(platform)
    median = by_platform.transform("median")
    scale = median.where(median > 0, by_platform.transform("mean"))
    ratio = (engagement / scale.where(scale > 0)).fillna(0.0)
    kept = pd.Series(True, index=engagement.index)
    if len(ratio) >= _MIN_OUTLIER_POSTS:
        log = np.log1p(ratio)
        q1, q3 = log.quantile([0.25, 0.75])
        kept = log <= q3 + 3 * max(q3 - q1, np.log(2))
    mean = engagement[kept].groupby(platform[kept]).transform("mean")
    index = (engagement[kept] / mean.where(mean > 0)).fillna(1.0)
    return index.reindex(engagement.index), kept


def _basis_posts(
    scored: pd.DataFrame, brand_only: bool, min_brand_posts: int
) -> tuple[pd.DataFrame, str, int]:
    """The posts engagement is measured on, their basis and the number of proactive brand posts.

    The brand's proactive posts (not replies) with ``brand_only`` and at least
    ``min_brand_posts`` of them (basis ``"brand_proactive"``); else all posts (``"all_posts"``).
    """
    if not brand_only:
        return scored, "all_posts", 0
    not_reply = scored["in_reply_to_id"].astype("string").str.strip().fillna("").eq("")
    proactive = brand_posts(scored) & not_reply
    n_proactive = int(proactive.sum())
    if n_proactive >= min_brand_posts:
        return scored[proactive], "brand_proactive", n_proactive
    logger.warning(
        "engagement_by_slot: only %d proactive brand posts (< %d); using all %d posts",
        n_proactive, min_brand_posts, len(scored),
    )  # fmt: skip
    return scored, "all_posts", n_proactive


def _without_spike_days(
    posts: pd.DataFrame, local: pd.Series
) -> tuple[pd.DataFrame, pd.Series, int, int]:
    """Posts without those of incident days: ``(posts, local, days left out, days kept)``.

    A day with more than :data:`SPIKE_DAY_FACTOR` times the median posts per day is an
    incident (at least :data:`_MIN_SPIKE_DAYS` days needed to tell), unless those days hold
    more than :data:`SPIKE_DAY_MAX_SHARE` of all posts: then they are kept.
    """
    day = local.dt.normalize()
    per_day = day.value_counts()
    if len(per_day) < _MIN_SPIKE_DAYS:
        return posts, local, 0, 0
    spikes = per_day.index[per_day > SPIKE_DAY_FACTOR * per_day.median()]
    if per_day[spikes].sum() > SPIKE_DAY_MAX_SHARE * per_day.sum():
        # An export of one or two busy days: the "incidents" are the data itself.
        logger.warning(
            "engagement_by_slot: %d busy days hold %d of %d posts; kept (too many "
            "to leave out as incidents)", len(spikes), int(per_day[spikes].sum()), len(posts),
        )  # fmt: skip
        return posts, local, 0, len(spikes)
    return posts[~day.isin(spikes)], local[~day.isin(spikes)], len(spikes), 0


def engagement_by_slot(
    scored: pd.DataFrame,
    timezone: str,
    brand_only: bool = True,
    *,
    min_brand_posts: int = MIN_BRAND_POSTS,
) -> pd.DataFrame:
    """Engagement of posts by local weekday and hour.

    Engagement of a post = ``likes + shares + replies`` (missing counts as 0). With
    ``brand_only`` the basis is the brand's proactive content: posts with ``is_brand`` True
    that are not replies (``in_reply_to_id`` missing or blank). When there are fewer than
    ``min_brand_posts`` of them (a brand that hardly posts, or none at all), or with
    ``brand_only=False``, all posts are used, customers' included: when the audience is
    active is the next best guess; the ``basis`` column and ``attrs["basis"]`` say which
    (``"brand_proactive"`` or ``"all_posts"``). Weekday and hour are local time in
    ``timezone``, daylight saving time included (a post at 09:30 UTC is 11 in Berlin in June,
    10 in December).

    Platforms differ more than hours do (a brand post on instagram may get ten times the
    likes of one on twitter), so each post also gets an *engagement index*: its engagement
    divided by the mean of the basis posts on the same platform (1.0 = an average post
    there; no ``platform`` column: one platform). Posts far above their platform's usual
    engagement (a crisis statement, a post that went viral; see :func:`_engagement_index`)
    say little about the hour they were posted in and are left out; ``attrs["outliers"]``
    counts them, ``attrs["posts"]`` counts the posts used. With all posts, days with more
    than :data:`SPIKE_DAY_FACTOR` times the median posts per day (an outage, a shitstorm; at
    least :data:`_MIN_SPIKE_DAYS` days needed to tell) are left out too
    (``attrs["spike_days"]``). An empty table (no posts, or none with a date) gives an empty
    result with the same columns.

    Args:
        scored: Mention table with ``created_at`` (tz-aware, or naive UTC), ``likes``,
            ``shares``, ``replies``, ``is_brand``, ``in_reply_to_id`` and optionally
            ``platform``.
        timezone: IANA time zone of the audience, e.g. the playbook's ``"Europe/Berlin"``.
        brand_only: Use the brand's proactive posts where there are enough of them.
        min_brand_posts: Fewer proactive brand posts than this and all posts are used.

    Returns:
        One row per (weekday, hour) with at least one post: ``weekday`` (0 = Monday),
        ``weekday_name`` (``"Mon"`` ... ``"Sun"``), ``hour`` (0-23, local), ``posts``,
        ``engagement_index`` (mean index of the slot's posts), ``mean_engagement``,
        ``median_engagement`` and ``basis``; sorted by weekday and hour.

    Raises:
        ValueError: If a needed column is missing.

    Examples:
        >>> df = pd.DataFrame({
        ...     "created_at": pd.to_datetime(["2026-06-02 09:30", "2026-06-09 09:10",
        ...                                   "2026-06-10 16:00"], utc=True),
        ...     "likes": [10, 4, 6], "shares": [2, None, 0], "replies": [0, 2, 0],
        ...     "is_brand": [True, True, True], "in_reply_to_id": [None, None, None]})
        >>> engagement_by_slot(df, "Europe/Berlin", min_brand_posts=1)[
        ...     ["weekday_name", "hour", "posts", "engagement_index", "mean_engagement"]]
          weekday_name  hour  posts  engagement_index  mean_engagement
        0          Tue    11      2             1.125              9.0
        1          Wed    18      1             0.750              6.0
    """
    needed = ["created_at", "likes", "shares", "replies"]
    if brand_only:
        needed += ["is_brand", "in_reply_to_id"]
    require_columns(scored, needed, "engagement_by_slot")
    posts, basis, n_proactive = _basis_posts(scored, brand_only, min_brand_posts)
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(timezone)
    posts, local = posts[local.notna()], local[local.notna()]
    spike_days = spikes_kept = 0
    if basis == "all_posts":  # an incident day says when things broke, not when people read
        posts, local, spike_days, spikes_kept = _without_spike_days(posts, local)
    engagement = sum(
        (pd.to_numeric(posts[c], errors="coerce").fillna(0).astype("float64"))
        for c in ("likes", "shares", "replies")
    )
    platform = (
        posts["platform"].astype("string").str.strip().str.lower().fillna("")
        if "platform" in posts.columns
        else pd.Series("", index=posts.index)
    )
    index, kept = _engagement_index(engagement, platform)
    frame = pd.DataFrame(
        {
            "weekday": local[kept].dt.day_of_week.astype("int64"),
            "hour": local[kept].dt.hour.astype("int64"),
            "index": index[kept],
            "engagement": engagement[kept],
        }
    )
    if frame.empty:
        out = empty_frame(_SLOT_COLUMNS)
    else:
        out = (
            frame.groupby(["weekday", "hour"])
            .agg(
                posts=("engagement", "size"),
                engagement_index=("index", "mean"),
                mean_engagement=("engagement", "mean"),
                median_engagement=("engagement", "median"),
            )
            .reset_index()
        )
        out["weekday_name"] = out["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
        out["basis"] = basis
        out = out[list(_SLOT_COLUMNS)].astype(_SLOT_COLUMNS)
    out.attrs.update(
        basis=basis,
        posts=len(frame),
        outliers=int((~kept).sum()),
        spike_days=spike_days,
        spike_days_kept=spikes_kept,
        brand_posts=n_proactive,
    )
    logger.info(
        "engagement_by_slot: %d posts in %d slots (%s), %d outliers left out",
        len(frame), len(out), basis, out.attrs["outliers"],
    )  # fmt: skip
    return out


def _window_hours(by_slot: pd.DataFrame, min_posts: int) -> int:
    """The narrowest of :data:`SLOT_HOURS` at which windows with ``min_posts`` posts hold 80 %
    of the posts (the widest when none does)."""
    total = by_slot["posts"].sum()
    for hours in SLOT_HOURS:
        per_window = by_slot.groupby(by_slot["hour"] // hours)["posts"].sum()
        if per_window[per_window >= min_posts].sum() >= 0.8 * total:
            return hours
    return SLOT_HOURS[-1]


def best_slots(
    by_slot: pd.DataFrame, n: int = 5, min_posts: int = MIN_SLOT_POSTS, hours: int | None = None
) -> pd.DataFrame:
    """The ``n`` posting slots (weekday and time window) with the highest expected engagement.

    A brand posts a few times a week, so most weekday-hour slots hold one or two posts, and
    the best-looking slot is mostly luck. The expected engagement index of a slot is
    therefore the product of two better-founded figures: the mean engagement index
    (:func:`engagement_by_slot`) of all posts on that *weekday* and that of all posts in that
    *time window* (``hours`` wide, e.g. 18-20), each 1.0 for an average post. Only weekdays
    and windows with at least ``min_posts`` posts are ranked. That Tuesday noon might be
    better than Tuesday and noon each suggest is not modelled: it cannot be told from noise
    with this few posts.

    When ``by_slot`` rests on all posts (``attrs["basis"] == "all_posts"``: the brand hardly
    posts), the engagement of customers' posts says little about when the brand should
    publish; the indices then measure *activity*, when the audience posts: a weekday's posts
    divided by the mean posts per weekday, a window's by the mean posts per window of the day.

    Args:
        by_slot: Output of :func:`engagement_by_slot`.
        n: Slots to return.
        min_posts: Minimum posts on a weekday and in a time window for them to be ranked.
        hours: Width of the time windows (one of :data:`SLOT_HOURS`); None: the narrowest at
            which windows with ``min_posts`` posts hold 80 % of the posts.

    Returns:
        Columns :data:`BEST_SLOT_COLUMNS`: ``weekday``, ``weekday_name``, ``hour`` (window
        start, local), ``hours`` (window width), ``window`` (``"18-20"``),
        ``expected_index``, ``weekday_index``, ``weekday_posts``, ``window_index``,
        ``window_posts``, ``posts`` (posts in exactly this slot, often 0) and ``basis``;
        sorted by ``expected_index`` descending (ties: earlier weekday and hour); ``attrs``
        of ``by_slot`` kept, plus ``hours`` and ``min_posts``.

    Raises:
        ValueError: If ``n`` is negative, ``hours`` not in :data:`SLOT_HOURS` or a needed
            column is missing.

    Examples:
        >>> by_slot = pd.DataFrame({"weekday": [1, 1, 2, 2], "hour": [9, 18, 9, 18],
        ...                         "posts": [4, 4, 4, 4],
        ...                         "engagement_index": [0.5, 1.5, 0.7, 1.3]})
        >>> best_slots(by_slot, n=3, min_posts=8, hours=3)[
        ...     ["weekday_name", "window", "expected_index", "weekday_index", "window_index"]]
          weekday_name window  expected_index  weekday_index  window_index
        0          Tue  18-21             1.4            1.0           1.4
        1          Wed  18-21             1.4            1.0           1.4
        2          Tue  09-12             0.6            1.0           0.6
    """
    require_columns(by_slot, ("weekday", "hour", "posts", "engagement_index"), "best_slots")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    if hours is not None and hours not in SLOT_HOURS:
        raise ValueError(f"hours must be one of {SLOT_HOURS}, got {hours}.")
    width = hours or (_window_hours(by_slot, min_posts) if len(by_slot) else SLOT_HOURS[0])
    cells = pd.DataFrame(
        {
            "weekday": by_slot["weekday"].astype("int64"),
            "hour": (by_slot["hour"] // width * width).astype("int64"),
            "posts": by_slot["posts"].astype("int64"),
            "weighted": by_slot["engagement_index"] * by_slot["posts"],
        }
    )

    activity = by_slot.attrs.get("basis") == "all_posts"

    def effect(key: str, prefix: str, groups: int) -> pd.DataFrame:
        """Posts and index per weekday or per window (of ``groups``), those with ``min_posts``."""
        sums = cells.groupby(key)[["posts", "weighted"]].sum()
        index = (
            sums["posts"] / (sums["posts"].sum() / groups)
            if activity
            else sums["weighted"] / sums["posts"]
        )
        eligible = sums["posts"] >= min_posts
        return pd.DataFrame(
            {f"{prefix}_index": index[eligible], f"{prefix}_posts": sums["posts"][eligible]}
        ).reset_index()

    wanted = min_posts
    grid = effect("weekday", "weekday", 7).merge(effect("hour", "window", 24 // width), how="cross")
    if grid.empty and min_posts > 1 and len(cells):
        # Nothing reaches min_posts: rank what there is rather than plan nothing (the note
        # and attrs["min_posts_wanted"] say so).
        min_posts = 1
        grid = effect("weekday", "weekday", 7).merge(
            effect("hour", "window", 24 // width), how="cross"
        )
        logger.warning(
            "best_slots: no weekday and %d-hour window have %d posts; ranked with fewer",
            width, wanted,
        )  # fmt: skip
    in_slot = cells.groupby(["weekday", "hour"], as_index=False)["posts"].sum()
    grid = grid.merge(in_slot, on=["weekday", "hour"], how="left").fillna({"posts": 0})
    grid["expected_index"] = grid["weekday_index"] * grid["window_index"]
    grid["weekday_name"] = grid["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
    grid["hours"] = width
    grid["window"] = [f"{h:02d}-{h + width:02d}" for h in grid["hour"]]
    grid["basis"] = by_slot.attrs.get("basis", pd.NA)
    out = grid.sort_values(
        ["expected_index", "weekday", "hour"], ascending=[False, True, True], kind="stable"
    ).head(n)
    out = out[list(BEST_SLOT_COLUMNS)].astype(BEST_SLOT_COLUMNS).reset_index(drop=True)
    out.attrs = {
        **by_slot.attrs,
        "hours": width,
        "min_posts": min_posts,
        "min_posts_wanted": wanted,
    }
    if out.empty and n:
        logger.warning(
            "best_slots: no weekday and %d-hour window both have %d posts", width, min_posts
        )
    return out


def slot_note(by_slot: pd.DataFrame, slots: pd.DataFrame) -> str:
    """One paragraph for the notebook and report: what the best slots rest on.

    Args:
        by_slot: Output of :func:`engagement_by_slot`.
        slots: Output of :func:`best_slots` for it.

    Returns:
        Plain text (Markdown-safe) naming the posts used, the outliers left out, the window
        width and minimum, and what to do with the result.

    Examples:
        >>> by_slot = pd.DataFrame({"weekday": [1, 2], "hour": [9, 18], "posts": [9, 9],
        ...                         "engagement_index": [0.8, 1.2]})
        >>> by_slot.attrs = {"basis": "brand_proactive", "posts": 18, "outliers": 2}
        >>> print(slot_note(by_slot, best_slots(by_slot, min_posts=8, hours=3)))
        Based on 18 proactive brand posts; left out: 2 posts far above their platform's usual \
engagement (such as crisis statements). A slot's score is its weekday's engagement index \
times its 3-hour window's (1.0 = an average post on the same platform); weekdays and windows \
with fewer than 8 posts are not ranked. Treat the best slots as a starting point: post there \
for a few weeks and compare.
    """
    attrs = by_slot.attrs
    posts = attrs.get("posts", int(by_slot["posts"].sum()))
    activity = attrs.get("basis") == "all_posts"
    if activity:
        used = (
            f"Too few proactive brand posts to judge engagement, so these are the hours when "
            f"the audience is most active, from {posts} posts of all authors"
        )
    else:
        used = f"Based on {posts} proactive brand posts"
    left_out = []
    if attrs.get("outliers"):
        left_out.append(
            f"{attrs['outliers']} posts far above their platform's usual engagement (such as "
            "crisis statements)"
        )
    if attrs.get("spike_days"):
        days = attrs["spike_days"]
        left_out.append(
            f"the posts of {days} incident day{'s' if days != 1 else ''} (more than "
            f"{SPIKE_DAY_FACTOR:g}x the usual posts per day)"
        )
    if left_out:
        used += f"; left out: {' and '.join(left_out)}"
    if attrs.get("spike_days_kept"):
        days = attrs["spike_days_kept"]
        used += (
            f"; {days} busy day{'s' if days != 1 else ''} kept although above "
            f"{SPIKE_DAY_FACTOR:g}x the usual posts per day: they hold most of the export"
        )
    hours, min_posts = slots.attrs.get("hours", 1), slots.attrs.get("min_posts", MIN_SLOT_POSTS)
    wanted = slots.attrs.get("min_posts_wanted", min_posts)
    measure = (
        "activity index times its {h}-hour window's (1.0 = an average weekday or window)"
        if activity
        else "engagement index times its {h}-hour window's (1.0 = an average post on the same "
        "platform)"
    ).format(h=hours)
    method = (
        f"A slot's score is its weekday's {measure}; weekdays and windows with fewer than "
        f"{min_posts} posts are not ranked."
    )
    if wanted > min_posts:
        method = (
            f"A slot's score is its weekday's {measure}. No weekday and window had {wanted} "
            f"posts, so every one with a post is ranked: the figures rest on very few posts."
        )
    if slots.empty:
        verdict = "No slot can be ranked yet: publish more, or plan with the audience's hours."
    else:
        verdict = (
            "Treat the best slots as a starting point: post there for a few weeks and compare."
        )
    return f"{used}. {method} {verdict}"


# --------------------------------------------------------------------------------------------
# Content calendar
# --------------------------------------------------------------------------------------------
