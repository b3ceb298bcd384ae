"""Where customers talk, and a content calendar: what to post, when and where.

:func:`platform_volumes` counts customer posts per platform and language;
:func:`content_calendar` plans proactive posts on FAQ and complaint topics in the best slots.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ...nlp.sentiment import normalize_lang
from ...playbook import Holidays
from .slots import WEEKDAY_NAMES
from .text import UNKNOWN_LANG, customer_posts, empty_frame, lang_name, require_columns

__all__ = ["CALENDAR_COLUMNS", "NON_PUBLISHING_PLATFORMS", "VOLUME_COLUMNS", "content_calendar",
           "platform_volumes"]  # fmt: skip

logger = logging.getLogger(__name__)

#: Review sites and app stores: customers talk there, but the brand cannot publish posts.
NON_PUBLISHING_PLATFORMS: frozenset[str] = frozenset(
    {
        "trustpilot", "google", "google_reviews", "tripadvisor", "yelp", "reviews", "kununu",
        "appstore", "playstore",
    }
)  # fmt: skip

#: Topics that involve personal data: kind -> (the ``pii_types`` named in the reply, word
#: stems). A topic term starting with a stem (or, from five letters on, containing it, for
#: German compounds such as "Rückerstattung") makes the reply move the customer to a private
#: Columns of :func:`platform_volumes`, in order.
VOLUME_COLUMNS: dict[str, str] = {
    "platform": "string",
    "lang": "string",
    "mentions": "int64",
    "share": "float64",
}
#: Columns of :func:`content_calendar` (``content_calendar.csv``), in order.
CALENDAR_COLUMNS: tuple[str, ...] = (
    "date", "time", "platform", "topic", "lang", "kind", "format", "example", "rationale",
)  # fmt: skip
# --------------------------------------------------------------------------------------------
# Where customers talk
# --------------------------------------------------------------------------------------------


def platform_volumes(scored: pd.DataFrame) -> pd.DataFrame:
    """Customer posts per platform and language: where customers talk.

    Args:
        scored: Mentions with ``platform`` and optionally ``lang`` (missing: ``"und"``) and
            ``is_brand`` (brand posts are not counted).

    Returns:
        One row per platform and language, columns :data:`VOLUME_COLUMNS`: ``platform``
        (lower case), ``lang``, ``mentions`` and ``share`` (of the customer posts in that
        language); sorted by language, then ``mentions`` descending, then platform.

    Raises:
        ValueError: If ``platform`` is missing.

    Examples:
        >>> df = pd.DataFrame({"platform": ["Twitter", "twitter", "facebook", "twitter"],
        ...                    "lang": ["en", "en", "en", "de"],
        ...                    "is_brand": [False, False, False, True]})
        >>> platform_volumes(df)
           platform lang  mentions     share
        0   twitter   en         2  0.666667
        1  facebook   en         1  0.333333
    """
    require_columns(scored, ("platform",), "platform_volumes")
    posts = scored.loc[customer_posts(scored).to_numpy(dtype=bool)]
    frame = pd.DataFrame(
        {
            "platform": posts["platform"].astype("string").str.strip().str.lower(),
            "lang": (
                normalize_lang(posts["lang"]).fillna(UNKNOWN_LANG)
                if "lang" in posts.columns
                else UNKNOWN_LANG
            ),
        }
    ).dropna(subset=["platform"])
    if frame.empty:
        return empty_frame(VOLUME_COLUMNS)
    out = frame.groupby(["platform", "lang"]).size().rename("mentions").reset_index()
    out["share"] = out["mentions"] / out.groupby("lang")["mentions"].transform("sum")
    out = out.sort_values(
        ["lang", "mentions", "platform"], ascending=[True, False, True], kind="stable"
    )
    return out[list(VOLUME_COLUMNS)].astype(VOLUME_COLUMNS).reset_index(drop=True)


# Content calendar
# --------------------------------------------------------------------------------------------


def _ordinal(rank: int) -> str:
    """``"highest"`` for 1, ``"2nd-highest"`` for 2, ..."""
    if rank == 1:
        return "highest"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}-highest"


#: Which kind of topic follows which in the calendar: two FAQ posts, then one post that
#: heads off a complaint topic.
_KIND_PATTERN: tuple[str, ...] = ("question", "complaint", "question")
# Formats per kind and platform, used in turn on each platform; others: the default.
_FORMATS: dict[str, dict[str, tuple[str, ...]]] = {
    "question": {
        "twitter": ("FAQ post", "FAQ thread"), "x": ("FAQ post", "FAQ thread"),
        "mastodon": ("FAQ post",), "bluesky": ("FAQ post",), "threads": ("FAQ post",),
        "facebook": ("FAQ post", "how-to video"), "linkedin": ("FAQ post",),
        "instagram": ("carousel", "how-to video"), "tiktok": ("how-to video",),
        "youtube": ("how-to video",), "reddit": ("FAQ thread",), "forum": ("FAQ thread",),
    },
    "complaint": {
        "twitter": ("status update", "how-to thread"), "x": ("status update", "how-to thread"),
        "facebook": ("how-to video", "status update"), "instagram": ("carousel", "how-to video"),
        "tiktok": ("how-to video",), "youtube": ("how-to video",), "reddit": ("help thread",),
        "forum": ("help article",),
    },
}  # fmt: skip
_DEFAULT_FORMATS: dict[str, tuple[str, ...]] = {
    "question": ("FAQ post",),
    "complaint": ("status update",),
}


def _percent(share: float) -> str:
    """``"12%"``; below 1 % with one decimal (``"0.4%"``)."""
    return f"{share:.1%}" if share < 0.01 else f"{share:.0%}"


def _topic_queue(table: pd.DataFrame | None, kind: str, count: str) -> list[dict[str, object]]:
    """The topics of one kind in table order, as dicts with the figures a rationale needs."""
    if table is None or table.empty:
        return []
    require_columns(table, ("topic", "lang", count, "share"), f"content_calendar ({kind}s)")
    examples = table["example"] if "example" in table.columns else pd.Series(pd.NA, table.index)
    return [
        {"kind": kind, "topic": r.topic, "lang": r.lang, "count": int(getattr(r, count)),
         "share": float(r.share), "example": example}
        for r, example in zip(table.itertuples(index=False), examples, strict=True)
    ]  # fmt: skip


class _Rotation:
    """Smooth weighted round robin (as in nginx): platforms in turn, each as often as its
    weight says, interleaved rather than in runs; deterministic."""

    def __init__(self, platforms: Sequence[str], weights: Sequence[float]) -> None:
        """Platforms and their weights (e.g. customer posts), in tie-break order."""
        self.platforms = list(platforms)
        self.weights = [float(w) for w in weights]
        self.current = [0.0] * len(self.platforms)

    def next(self) -> str:
        """The next platform: the one furthest behind its share."""
        total = sum(self.weights)
        for i, weight in enumerate(self.weights):
            self.current[i] += weight
        best = max(range(len(self.platforms)), key=lambda i: (self.current[i], -i))
        self.current[best] -= total
        return self.platforms[best]


def _closed_days(
    holidays: Holidays | str | None, closed_dates: Iterable[date], first: date, last: date
) -> dict[date, str]:
    """Days from ``first`` to ``last`` to keep free -> why (the holiday's name or "closed").

    Examples:
        >>> days = _closed_days("DE-BE", [date(2026, 12, 24)], date(2026, 12, 21),
        ...                     date(2027, 1, 3))
        >>> [d.isoformat() for d in sorted(days)], days[date(2026, 12, 24)]
        (['2026-12-24', '2026-12-25', '2026-12-26', '2027-01-01'], 'closed')
    """
    closed = {d: "closed" for d in closed_dates if first <= d <= last}
    if holidays is None:
        return closed
    if isinstance(holidays, str):
        country, _, subdivision = holidays.partition("-")
    else:
        country, subdivision = holidays.country, holidays.subdivision or ""
    import holidays as holidays_lib

    public = holidays_lib.country_holidays(
        country, subdiv=subdivision or None, years=range(first.year, last.year + 1)
    )
    for day, name in public.items():
        if first <= day <= last:
            closed.setdefault(day, str(name))
    return closed


def _calendar_note(slots: pd.DataFrame, skipped: list[tuple[date, str]], planned: int) -> str:
    """One paragraph: what the plan's slots rest on and which days were kept free."""
    attrs = slots.attrs
    if (slots.get("basis") == "all_posts").any() if "basis" in slots else False:
        brand = attrs.get("brand_posts")
        few = (
            "too few proactive brand posts" if brand is None
            else "no proactive brand posts" if brand == 0
            else f"only {brand} proactive brand post{'s' if brand != 1 else ''}"
        )  # fmt: skip
        parts = [
            f"{planned} posts planned in the hours when the audience is most active: there "
            f"are {few} to judge engagement by."
        ]
    else:
        parts = [f"{planned} posts planned in the slots with the best brand engagement."]
    if attrs.get("min_posts_wanted", 0) > attrs.get("min_posts", 0):
        parts.append("The slots rest on very few posts; revisit them as data comes in.")
    if skipped:
        days = ", ".join(f"{d.isoformat()} ({why})" for d, why in sorted(set(skipped)))
        parts.append(f"No post on holidays or closed dates: {days}.")
    return " ".join(parts)


def _platform_targets(
    publishing: pd.DataFrame, volumes: pd.DataFrame, max_platforms: int
) -> tuple[dict[str, _Rotation], dict[str, dict[str, float]]]:
    """Per language (``""``: all) the rotation of its top platforms and their shares."""

    def top(frame: pd.DataFrame) -> pd.DataFrame:
        """The ``max_platforms`` platforms with the most customer posts."""
        return frame.sort_values(
            ["mentions", "platform"], ascending=[False, True], kind="stable"
        ).head(max_platforms)

    overall = publishing.groupby("platform", as_index=False)["mentions"].sum()
    overall["share"] = overall["mentions"] / volumes["mentions"].sum()
    targets: dict[str, pd.DataFrame] = {"": top(overall)}
    for lang, group in publishing.groupby("lang"):
        targets[str(lang)] = top(group)
    rotations = {
        k: _Rotation(t["platform"].tolist(), t["mentions"].tolist()) for k, t in targets.items()
    }
    shares = {k: dict(zip(t["platform"], t["share"], strict=True)) for k, t in targets.items()}
    return rotations, shares


def _dated_slots(
    ranked: pd.DataFrame, start: date, weeks: int, posts_per_week: int, closed: dict[date, str]
) -> Iterator[tuple[int, Any, date]]:
    """``(rank, slot, day)`` of every post, week by week, best slot first.

    A slot on a closed day comes as ``(rank, None, day)`` and the next best slot of the week
    takes its place.
    """
    for week in range(weeks):
        week_start = start + timedelta(days=7 * week)
        taken = 0
        for rank, slot in enumerate(ranked.itertuples(index=False), start=1):
            if taken >= posts_per_week:
                break
            day = week_start + timedelta(days=(int(slot.weekday) - week_start.weekday()) % 7)
            if day in closed:
                yield rank, None, day
                continue
            taken += 1
            yield rank, slot, day


def _rationale(
    item: dict[str, object], slot: Any, rank: int, platform: str, share: float, key: str
) -> str:
    """One line with the figures behind a post: the topic, the slot and the platform."""
    kind, lang = item["kind"], str(item["lang"])
    language = lang_name(lang)
    audience = f"{language} customer posts" if key else "customer posts"
    what = (
        f"FAQ: {item['count']} {language} questions ({_percent(float(item['share']))}) ask this"
        if kind == "question"
        else f"Proactive: {item['count']} {language} complaints "
        f"({_percent(float(item['share']))}) are about this"
    )
    index = float(slot.expected_index)
    measure = (
        f"audience activity ({index:.1f}x an average slot); "
        if str(getattr(slot, "basis", "")) == "all_posts"
        else f"expected engagement ({index:.1f}x an average post); "
    )
    return (
        f"{what}; {WEEKDAY_NAMES[int(slot.weekday)]} {int(slot.hour):02d}:00 has the "
        f"{_ordinal(rank)} {measure}{platform} has {_percent(share)} of {audience}."
    )


def content_calendar(
    faq: pd.DataFrame,
    complaints: pd.DataFrame | None,
    slots: pd.DataFrame,
    volumes: pd.DataFrame,
    start: date,
    weeks: int = 4,
    *,
    posts_per_week: int = 3,
    max_platforms: int = 3,
    holidays: Holidays | str | None = None,
    closed_dates: Iterable[date] = (),
) -> pd.DataFrame:
    """Plan proactive posts: what people ask and complain about, in the best slots.

    Week ``w`` covers the seven days from ``start + 7w``; each week gets one post in each of
    the first ``posts_per_week`` rows of ``slots`` (best first). Posts are numbered week by
    week, best slot first, and take their kind from the pattern question, complaint,
    question (two FAQ posts, then one that answers a complaint topic before customers
    complain); each kind takes its topics in table order (most mentioned first) and starts
    over when they run out. Without complaint topics every post is a FAQ post, and the other
    way round.

    The platform of a post comes from the customer posts in the topic's language
    (:func:`platform_volumes`): the ``max_platforms`` platforms with the most posts, review
    sites and app stores left out (:data:`NON_PUBLISHING_PLATFORMS`), in turn by smooth
    weighted round robin, so a platform with twice the posts gets twice the posts, spread
    out. A language without volumes uses the volumes of all languages. The format depends on
    the kind and platform (a FAQ post or thread on twitter, a carousel or how-to video on
    instagram, a status update or how-to thread for a complaint topic on twitter ...) and
    changes each time the same kind comes back to a platform.

    Args:
        faq: Output of :func:`faq_candidates` (``topic``, ``lang``, ``questions``, ``share``).
        complaints: Output of :func:`complaint_topics` (``complaints`` instead of
            ``questions``), or None.
        slots: Output of :func:`best_slots` (``weekday``, ``hour``, ``expected_index``,
            optionally ``basis``: ``"all_posts"`` says the index is audience activity).
        volumes: Output of :func:`platform_volumes`.
        start: First day of the plan (any weekday; no post is dated before it).
        weeks: Number of weeks to plan.
        posts_per_week: Maximum posts per week (the best slots are used).
        max_platforms: Platforms to publish on per language.
        holidays: Public holidays to keep free (the playbook's
            ``sla.business_hours.holidays``: a :class:`~socialcrm_utils.playbook.Holidays` or
            ``"DE-BE"``), via the ``holidays`` package; None: none.
        closed_dates: Further days to keep free (``sla.business_hours.closed_dates``).

    A slot that falls on a holiday or closed date is left out that week and the next best
    slot of the week takes its place (so 25 Dec and 1 Jan get no post where the country has
    them); ``attrs["skipped"]`` lists the days left out, ``attrs["note"]`` says in one
    paragraph what the plan rests on (brand engagement or audience activity, holidays kept
    free) or, when it is empty, why.

    Returns:
        One row per post, columns :data:`CALENDAR_COLUMNS`: ``date`` (local
        ``datetime.date``), ``time`` (``"HH:00"``), ``platform``, ``topic``, ``lang``,
        ``kind`` (``"question"`` or ``"complaint"``), ``format``, ``example`` (the topic's
        representative mention, what the post should answer; NA if the topic table has no
        ``example``) and ``rationale`` (one line with the figures). Sorted by date and time.
        Empty with these columns when there are no topics, no slots or no platform to publish
        on.

    Raises:
        ValueError: If ``weeks``, ``posts_per_week`` or ``max_platforms`` is out of range or
            a needed column is missing.

    Examples:
        >>> faq = pd.DataFrame({"topic": ["change seat"], "lang": ["en"], "questions": [42],
        ...                     "share": [0.12]})
        >>> slots = pd.DataFrame({"weekday": [1], "hour": [11], "expected_index": [1.46]})
        >>> volumes = pd.DataFrame({"platform": ["twitter"], "lang": ["en"], "mentions": [90],
        ...                         "share": [0.6]})
        >>> plan = content_calendar(faq, None, slots, volumes, date(2026, 6, 1), weeks=1)
        >>> plan.loc[0, "date"], plan.loc[0, "time"], plan.loc[0, "platform"], plan.loc[0, "format"]
        (datetime.date(2026, 6, 2), '11:00', 'twitter', 'FAQ post')
        >>> print(plan.loc[0, "rationale"].replace("; ", ";\\n"))
        FAQ: 42 English questions (12%) ask this;
        Tue 11:00 has the highest expected engagement (1.5x an average post);
        twitter has 60% of English customer posts.
    """
    if weeks < 0 or posts_per_week < 0 or max_platforms < 1:
        raise ValueError(
            "weeks and posts_per_week must be >= 0 and max_platforms >= 1, got "
            f"{weeks}, {posts_per_week} and {max_platforms}."
        )
    require_columns(slots, ("weekday", "hour", "expected_index"), "content_calendar (slots)")
    require_columns(volumes, ("platform", "lang", "mentions", "share"), "content_calendar")
    queues = {
        "question": _topic_queue(faq, "question", "questions"),
        "complaint": _topic_queue(complaints, "complaint", "complaints"),
    }
    pattern = [kind for kind in _KIND_PATTERN if queues[kind]]
    publishing = volumes[
        ~volumes["platform"].astype("string").str.lower().isin(NON_PUBLISHING_PLATFORMS)
        & (volumes["mentions"] > 0)
    ]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in CALENDAR_COLUMNS})
    if not pattern or slots.empty or publishing.empty:
        missing = [
            what for what, none in (
                ("no FAQ or complaint topic to post about", not pattern),
                ("no posting slot could be ranked", slots.empty),
                ("no platform where customers talk and the brand can publish",
                 publishing.empty),
            ) if none
        ]  # fmt: skip
        empty.attrs = {"skipped": [], "note": "No posts planned: " + "; ".join(missing) + "."}
        logger.warning("content_calendar: %s", empty.attrs["note"])
        return empty
    last_day = start + timedelta(days=7 * max(weeks, 1) - 1)
    closed = _closed_days(holidays, closed_dates, start, last_day)
    rotations, shares = _platform_targets(publishing, volumes, max_platforms)
    cursor = dict.fromkeys(queues, 0)
    format_turn: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, object]] = []
    skipped: list[tuple[date, str]] = []
    dated = _dated_slots(slots.reset_index(drop=True), start, weeks, posts_per_week, closed)
    for rank, slot, day in dated:
        if slot is None:  # a holiday or closed date
            skipped.append((day, closed[day]))
            continue
        kind = pattern[len(rows) % len(pattern)]
        item = queues[kind][cursor[kind] % len(queues[kind])]
        cursor[kind] += 1
        lang = str(item["lang"])
        key = lang if lang in rotations else ""
        platform = rotations[key].next()
        formats = _FORMATS[kind].get(platform, _DEFAULT_FORMATS[kind])
        fmt = formats[format_turn[(platform, kind)] % len(formats)]
        format_turn[(platform, kind)] += 1
        rows.append(
            {"date": day, "time": f"{int(slot.hour):02d}:00", "platform": platform,
             "topic": item["topic"], "lang": lang, "kind": kind, "format": fmt,
             "example": item["example"],
             "rationale": _rationale(item, slot, rank, platform, shares[key][platform], key)}
        )  # fmt: skip
    note = _calendar_note(slots, skipped, len(rows))
    if not rows:
        empty.attrs = {"skipped": skipped, "note": note}
        return empty
    plan = pd.DataFrame(rows, columns=list(CALENDAR_COLUMNS))
    plan = plan.sort_values(["date", "time"], kind="stable").reset_index(drop=True)
    plan.attrs = {"skipped": skipped, "note": note}
    logger.info("content_calendar: %d posts over %d weeks from %s", len(plan), weeks, start)
    return plan
