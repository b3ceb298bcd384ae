"""The numeric plan of a sample: calendar, threads, times, authors and every random draw, as
compact arrays (strings come later, chunk by chunk, in :mod:`.text`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .text import _Authors, _draw_texts, _make_authors, _Template
from .vocabulary import (
    _ANSWER_SHIFT,
    _BRAND_INTENT_P,
    _BRAND_KINDS,
    _BRAND_REACH,
    _CLOSE_S,
    _COMP_INTENT_P,
    _COMPETITOR_SHARE,
    _CRISIS_OFFSET_DAYS,
    _CRISIS_PLATFORM_P,
    _DAY_FACTOR,
    _DELAY_MEDIAN_MIN,
    _EXTRA_P,
    _FOLLOWUP_INTENT,
    _HASHTAGS,
    _HOURS_WEEKDAY,
    _HOURS_WEEKEND,
    _INTENTS,
    _LIKE_INTENT,
    _LIKE_PLATFORM,
    _OPEN_S,
    _P_ANSWER,
    _P_FOLLOWUP,
    _P_SECOND,
    _PLATFORM_P,
    _POST_BASE_LIKES,
    _POST_DAY_FACTOR,
    _POST_HOUR_FACTOR,
    _POST_SHARE_RATE,
    _PREFIX,
    _SECONDS_PER_DAY,
    _SHARE_RATE,
    COMPLAINT,
    DE,
    EN,
    FB,
    IG,
    K_CRISIS,
    K_FOLLOWUP,
    K_PROACTIVE,
    K_REPLY,
    K_REPLY2,
    K_ROOT,
    K_RT,
    K_STATEMENT,
    LEAD,
    OTHER,
    PRAISE,
    QUESTION,
    SAMPLE_TIMEZONE,
    TP,
    TW,
)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Calendar:
    """The period in local (Europe/Berlin) seconds since 1970, as if local time were UTC."""

    start_s: int
    n_days: int
    crisis_day: int  # day index

    @property
    def end_s(self) -> int:
        return self.start_s + self.n_days * _SECONDS_PER_DAY


class _Rows:
    """Column store the generator appends blocks of rows to; indices are global row numbers."""

    FIELDS = (
        "kind",
        "platform",
        "intent",
        "target",
        "comp",
        "handle",
        "t",
        "parent",
        "root",
        "ref",
        "group",
    )

    def __init__(self) -> None:
        self.blocks: dict[str, list[np.ndarray]] = {f: [] for f in self.FIELDS}
        self.size = 0

    def add(self, n: int, **cols: np.ndarray | int | str) -> np.ndarray:
        defaults: dict[str, object] = {
            "intent": OTHER,
            "target": 0,
            "comp": 0,
            "handle": -1,
            "parent": -1,
            "root": -1,
            "ref": -1,
            "group": "",
        }
        for field in self.FIELDS:
            value = cols.get(field, defaults.get(field))
            if value is None:
                raise KeyError(field)
            dtype = object if field == "group" else np.int64
            if np.ndim(value) == 0:
                value = np.full(n, value, dtype=dtype)
            self.blocks[field].append(np.asarray(value, dtype=dtype))
        idx = np.arange(self.size, self.size + n)
        self.size += n
        return idx

    def next_indices(self, n: int) -> np.ndarray:
        """Global indices the next ``n`` added rows will get (roots are their own root)."""
        return np.arange(self.size, self.size + n)

    def frame(self) -> dict[str, np.ndarray]:
        return {f: np.concatenate(v) if v else np.empty(0) for f, v in self.blocks.items()}


def _parse_period(start: str, weeks: int) -> _Calendar:
    try:
        day = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start must be a date like '2026-08-31', got {start!r}") from exc
    if day.tzinfo is not None:
        raise ValueError(f"start is a local day in {SAMPLE_TIMEZONE}; give it without a zone")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    start_s = int((day.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
    n_days = 7 * weeks
    crisis = _CRISIS_OFFSET_DAYS if n_days > _CRISIS_OFFSET_DAYS + 1 else n_days // 2
    return _Calendar(start_s, n_days, crisis)


def _weekday(t: np.ndarray) -> np.ndarray:
    """Monday = 0 for local seconds since 1970 (1970-01-01 was a Thursday)."""
    return (t // _SECONDS_PER_DAY + 3) % 7


def _sample_times(rng: np.random.Generator, cal: _Calendar, n: int) -> np.ndarray:
    """Local timestamps of customer posts with a weekly and diurnal rhythm."""
    days = np.arange(cal.n_days)
    day_start = cal.start_s + days * _SECONDS_PER_DAY
    weights = _DAY_FACTOR[_weekday(day_start)] * rng.lognormal(0.0, 0.12, cal.n_days)
    day = rng.choice(cal.n_days, size=n, p=weights / weights.sum())
    weekend = _weekday(day_start[day]) >= 5
    u = rng.random(n)
    cdf_wd = np.cumsum(_HOURS_WEEKDAY) / _HOURS_WEEKDAY.sum()
    cdf_we = np.cumsum(_HOURS_WEEKEND) / _HOURS_WEEKEND.sum()
    hour = np.where(weekend, np.searchsorted(cdf_we, u), np.searchsorted(cdf_wd, u))
    return day_start[day] + np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n)


def _next_opening(t: np.ndarray) -> np.ndarray:
    """The next start of business hours (Mon-Fri 08:00 local) at or after ``t``."""
    day = t // _SECONDS_PER_DAY
    sod = t % _SECONDS_PER_DAY
    same_day = (_weekday(t) < 5) & (sod < _OPEN_S)
    nxt = day + 1
    nwd = (nxt + 3) % 7
    nxt = nxt + np.where(nwd == 5, 2, np.where(nwd == 6, 1, 0))
    return np.where(same_day, day, nxt) * _SECONDS_PER_DAY + _OPEN_S


def _reply_times(
    rng: np.random.Generator, t: np.ndarray, platform: np.ndarray, scale: float | np.ndarray = 1.0
) -> np.ndarray:
    """When the brand answers posts made at local ``t`` (business-hours aware)."""
    n = len(t)
    median = _DELAY_MEDIAN_MIN[platform] * 60.0 * scale
    delay = np.clip(rng.lognormal(np.log(median), 0.8, n), 120, 10 * 3600)
    backlog = np.clip(rng.lognormal(np.log(median * 1.5), 0.7, n), 300, 6 * 3600)
    sod = t % _SECONDS_PER_DAY
    open_now = (_weekday(t) < 5) & (sod >= _OPEN_S) & (sod < _CLOSE_S)
    close = t - sod + _CLOSE_S
    spill = t + delay - close
    in_hours = np.where(spill > 0, _next_opening(close) + spill, t + delay)
    off_hours = _next_opening(t) + backlog
    return np.where(open_now, in_hours, off_hours).astype(np.int64)


@dataclass
class _Threads:
    """Reply structure of a set of root posts (one entry per root)."""

    has1: np.ndarray
    t1: np.ndarray
    hasf: np.ndarray
    tf: np.ndarray
    has2: np.ndarray
    t2: np.ndarray

    def size(self) -> np.ndarray:
        return 1 + self.has1.astype(int) + self.hasf.astype(int) + self.has2.astype(int)

    def subset(self, keep: np.ndarray) -> _Threads:
        return _Threads(
            *(getattr(self, f)[keep] for f in ("has1", "t1", "hasf", "tf", "has2", "t2"))
        )


def _make_threads(
    rng: np.random.Generator,
    cal: _Calendar,
    t: np.ndarray,
    platform: np.ndarray,
    p_answer: np.ndarray,
    p_followup: np.ndarray,
    p_second: float,
    scale: float = 1.0,
) -> _Threads:
    n = len(t)
    has1 = rng.random(n) < p_answer
    t1 = _reply_times(rng, t, platform, scale)
    has1 &= t1 < cal.end_s
    p_fu = np.where(platform == TP, 0.0, p_followup)  # no customer follow-ups on review sites
    hasf = has1 & (rng.random(n) < p_fu)
    tf = t1 + np.clip(rng.lognormal(np.log(50 * 60), 1.0, n), 120, 2 * _SECONDS_PER_DAY)
    hasf &= tf < cal.end_s
    tf = tf.astype(np.int64)
    has2 = hasf & (rng.random(n) < p_second)
    t2 = _reply_times(rng, tf, platform, scale)
    has2 &= t2 < cal.end_s
    return _Threads(has1, t1, hasf, tf, has2, t2)


def _add_threads(
    rows: _Rows,
    rng: np.random.Generator,
    root_idx: np.ndarray,
    th: _Threads,
    platform: np.ndarray,
    intent: np.ndarray,
    kind: int,
    reply_group: np.ndarray,
) -> None:
    """Append brand replies, customer follow-ups and second replies for the given roots."""
    handle = np.where(
        (intent == PRAISE) | (intent == OTHER),
        (rng.random(len(intent)) < 0.3).astype(int),
        np.where(intent == LEAD, (rng.random(len(intent)) < 0.4).astype(int), 1),
    )
    if kind == K_CRISIS:
        handle[:] = 1
    m1 = th.has1
    r1 = rows.add(
        int(m1.sum()),
        kind=K_REPLY,
        platform=platform[m1],
        intent=intent[m1],
        handle=handle[m1],
        t=th.t1[m1],
        parent=root_idx[m1],
        root=root_idx[m1],
        group=reply_group[m1],
    )
    reply_of = np.full(len(root_idx), -1)
    reply_of[m1] = r1
    dm = np.array([g.endswith(("_dm", "_pii")) for g in reply_group], dtype=bool)
    mf = th.hasf
    fu_group = np.where(dm[mf] | (intent[mf] == LEAD), "followup_dm", "followup_info")
    fu = rows.add(
        int(mf.sum()),
        kind=K_FOLLOWUP,
        platform=platform[mf],
        intent=OTHER,
        t=th.tf[mf],
        parent=reply_of[mf],
        root=root_idx[mf],
        group=fu_group.astype(object),
    )
    fu_of = np.full(len(root_idx), -1)
    fu_of[mf] = fu
    m2 = th.has2
    rows.add(
        int(m2.sum()),
        kind=K_REPLY2,
        platform=platform[m2],
        intent=intent[m2],
        handle=handle[m2],
        t=th.t2[m2],
        parent=fu_of[m2],
        root=root_idx[m2],
        group="reply2",
    )


def _reply_groups(rng: np.random.Generator, intent: np.ndarray) -> np.ndarray:
    groups = np.array(
        ["reply_complaint", "reply_question", "reply_praise", "reply_lead", "reply_other"],
        dtype=object,
    )[intent]
    u = rng.random(len(intent))
    groups[(intent == COMPLAINT) & (u < 0.45)] = "reply_complaint_dm"
    groups[(intent == QUESTION) & (u < 0.2)] = "reply_question_dm"
    return groups


def _counts(n: int) -> dict[str, int]:
    return {
        "proactive": max(2, round(n * 100 / 6000)),
        "crisis": max(5, round(n * 0.058)),
        "pii": max(1, round(n * 22 / 6000)),
    }


# long: one sequence of random draws; their order fixes the sample's bytes
def _plan_mentions(n_mentions: int, *, seed: int, start: str, weeks: int) -> _Plan:
    """Every row of the sample as numbers (threads, authors, times, ids, random draws)."""
    if n_mentions < 100:
        raise ValueError(f"n_mentions must be at least 100, got {n_mentions}")
    cal = _parse_period(start, weeks)
    rng = np.random.default_rng(seed)
    counts = _counts(n_mentions)
    rows = _Rows()

    # Proactive brand posts: posting times spread over 07-21 local so timing can be analysed.
    n_pro = counts["proactive"]
    days = np.arange(cal.n_days)
    day_w = np.where(_weekday(cal.start_s + days * _SECONDS_PER_DAY) < 5, 1.0, 0.5)
    pro_day = rng.choice(cal.n_days, size=n_pro, p=day_w / day_w.sum())
    pro_t = (
        cal.start_s
        + pro_day * _SECONDS_PER_DAY
        + rng.integers(7, 22, n_pro) * 3600
        + rng.integers(0, 60, n_pro) * 60
    )
    pro_platform = rng.choice([TW, FB, IG], size=n_pro, p=[0.4, 0.3, 0.3])
    pro_idx = rows.add(
        n_pro, kind=K_PROACTIVE, platform=pro_platform, handle=0, t=pro_t, group="proactive"
    )

    # Crisis statements (en + de, morning and afternoon).
    crisis_s = cal.start_s + cal.crisis_day * _SECONDS_PER_DAY
    st_t = crisis_s + np.array(
        [7 * 3600 + 48 * 60, 7 * 3600 + 52 * 60, 15 * 3600 + 10 * 60, 15 * 3600 + 14 * 60]
    )
    rows.add(4, kind=K_STATEMENT, platform=TW, handle=0, t=st_t, group="statement")

    # Retweets of proactive twitter posts (near-duplicates of the brand's text).
    tw_pro = pro_idx[pro_platform == TW]
    n_rt = rng.poisson(0.8, len(tw_pro))
    rt_src = np.repeat(tw_pro, n_rt)
    rt_t = np.repeat(pro_t[pro_platform == TW], n_rt) + np.clip(
        rng.lognormal(np.log(40 * 60), 1.0, len(rt_src)), 60, 2 * _SECONDS_PER_DAY
    ).astype(int)
    keep = rt_t < cal.end_s
    rows.add(
        int(keep.sum()),
        kind=K_RT,
        platform=TW,
        target=0,
        t=rt_t[keep],
        ref=rt_src[keep],
        group="rt",
    )

    # Crisis posts: an IT outage, onset around 05:45 local, peak in the morning.
    n_cr = counts["crisis"]
    cr_hours = np.minimum(5.75 + rng.gamma(2.2, 1.8, n_cr), 23.99)
    cr_t = crisis_s + (cr_hours * 3600).astype(np.int64)
    cr_platform = rng.choice(6, size=n_cr, p=_CRISIS_PLATFORM_P)
    cr_intent = np.where(rng.random(n_cr) < 0.88, COMPLAINT, QUESTION)
    cr_group = np.where(cr_intent == COMPLAINT, "crisis_complaint", "crisis_question")
    cr_idx = rows.add(
        n_cr,
        kind=K_CRISIS,
        platform=cr_platform,
        intent=cr_intent,
        t=cr_t,
        root=rows.next_indices(n_cr),
        group=cr_group.astype(object),
    )
    cr_th = _make_threads(
        rng, cal, cr_t, cr_platform, np.full(n_cr, 0.3), np.full(n_cr, 0.15), 0.6, scale=3.0
    )
    _add_threads(
        rows,
        rng,
        cr_idx,
        cr_th,
        cr_platform,
        cr_intent,
        K_CRISIS,
        np.full(n_cr, "reply_crisis", dtype=object),
    )

    # Regular customer threads: oversample, then keep whole threads until the total is reached.
    needed = n_mentions - rows.size
    m = int(needed / 1.55 * 1.2) + 30
    t = _sample_times(rng, cal, m)
    platform = rng.choice(6, size=m, p=_PLATFORM_P)
    target = (rng.random(m) < _COMPETITOR_SHARE).astype(int)
    intent = np.where(
        target == 1,
        rng.choice(5, size=m, p=_COMP_INTENT_P),
        rng.choice(5, size=m, p=_BRAND_INTENT_P),
    )
    review = platform == TP  # review sites: complaints and praise only
    intent[review] = np.where(rng.random(int(review.sum())) < 0.62, COMPLAINT, PRAISE)
    comp = (rng.random(m) < 0.4).astype(int)
    p_answer = np.where(
        target == 1, 0.0, np.clip(_P_ANSWER[intent] + _ANSWER_SHIFT[platform], 0, 1)
    )
    th = _make_threads(rng, cal, t, platform, p_answer, _P_FOLLOWUP[intent], _P_SECOND)
    order = rng.permutation(m)
    before = np.cumsum(th.size()[order]) - th.size()[order]
    keep = np.sort(order[before < needed])
    if len(keep) == m:
        short = needed - int(th.size().sum())
        logger.warning("sample: oversampling too small, %d rows short", short)
    t, platform, target, intent, comp = (a[keep] for a in (t, platform, target, intent, comp))
    th = th.subset(keep)
    k = len(keep)

    group = np.where(
        target == 1,
        np.array(["comp_" + i for i in _INTENTS], dtype=object)[intent],
        np.array(_INTENTS, dtype=object)[intent],
    )
    social = (platform == TW) | (platform == IG)
    campaign = (target == 0) & (intent == OTHER) & social & (rng.random(k) < 0.25)
    group[campaign] = "campaign"
    # Personal data: a few complaints/questions to the brand, preferably answered ones.
    candidates = np.flatnonzero((target == 0) & ((intent == COMPLAINT) | (intent == QUESTION)))
    prefer = th.has1[candidates] * 2.0 + 1.0
    n_pii = min(counts["pii"], len(candidates))
    pii = rng.choice(candidates, size=n_pii, replace=False, p=prefer / prefer.sum())
    group[pii] = "pii"
    reply_group = _reply_groups(rng, intent)
    reply_group[pii] = "reply_pii"

    root_idx = rows.add(
        k,
        kind=K_ROOT,
        platform=platform,
        intent=intent,
        target=target,
        comp=comp,
        t=t,
        root=rows.next_indices(k),
        group=group,
    )
    _add_threads(rows, rng, root_idx, th, platform, intent, K_ROOT, reply_group)

    plan = _plan_rows(rng, cal, rows.frame())
    logger.info("sample: %d mentions (seed %d)", plan.size, seed)
    return plan


@dataclass
class _Plan:
    """Every row of a generated sample as numbers, in creation order; strings come later.

    ``order`` lists the rows in output order (``created_at``, then ``mention_id``).
    """

    size: int
    width: int  # digits of the mention-id numbers
    kind: np.ndarray
    platform: np.ndarray
    intent: np.ndarray
    lang: np.ndarray
    target: np.ndarray
    comp: np.ndarray
    handle: np.ndarray
    t: np.ndarray  # local seconds
    parent: np.ndarray
    root_row: np.ndarray  # the row's thread root (itself for roots)
    ref: np.ndarray
    is_brand: np.ndarray
    author: np.ndarray  # index into authors, -1 for brand posts
    root_author: np.ndarray  # author of the thread root, -1 when none
    authors: _Authors
    templates: list[_Template]
    template_code: np.ndarray
    template_pos: np.ndarray
    extra: np.ndarray
    extra_pick: np.ndarray
    lower: np.ndarray
    tags: np.ndarray
    tag_a: np.ndarray
    tag_b: np.ndarray
    two_tags: np.ndarray
    reach: np.ndarray
    likes: np.ndarray
    shares: np.ndarray
    replies: np.ndarray
    created: pd.DatetimeIndex
    seq: np.ndarray
    code36: np.ndarray
    code64: np.ndarray
    sub_pick: np.ndarray
    hexes: np.ndarray
    snowflake: np.ndarray
    order: np.ndarray


def _small(values: np.ndarray) -> np.ndarray:
    """The same integers in the smallest of int8/int16/int32/int64 that holds them."""
    if not len(values):
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values


# long: one sequence of random draws; their order fixes the sample's bytes
def _plan_rows(rng: np.random.Generator, cal: _Calendar, cols: dict[str, np.ndarray]) -> _Plan:
    """Authors, languages, templates and slot values, engagement, times, ids and URL parts."""
    n = len(cols["kind"])
    kind, platform, parent, root = cols["kind"], cols["platform"], cols["parent"], cols["root"]
    is_brand = np.isin(kind, _BRAND_KINDS)
    starter = np.isin(kind, (K_ROOT, K_CRISIS, K_RT))

    # Authors: per platform pools sized to the number of customer posts there; heavy-tailed
    # activity so that some people post often.
    starters = np.flatnonzero(starter)
    st_platform = platform[starters]
    per_platform = np.bincount(st_platform, minlength=6)
    pool_size = np.maximum(3, np.ceil(per_platform * 1.15)).astype(int)
    authors = _make_authors(rng, np.repeat(np.arange(6), pool_size))
    offsets = np.concatenate([[0], np.cumsum(pool_size)])
    author = np.full(n, -1)
    for p in range(6):
        sel = starters[st_platform == p]
        if not len(sel):
            continue
        w = rng.lognormal(0.0, 1.0, pool_size[p])
        author[sel] = offsets[p] + rng.choice(pool_size[p], size=len(sel), p=w / w.sum())
    followup = kind == K_FOLLOWUP
    author[followup] = author[root[followup]]

    # Language: customer posts in the author's language; threads in the root's language.
    lang = np.zeros(n, dtype=int)
    lang[starter] = authors.lang[author[starter]]
    brand_own = np.isin(kind, (K_PROACTIVE, K_STATEMENT))
    lang[brand_own] = (rng.random(int(brand_own.sum())) < 0.5).astype(int)
    statements = np.flatnonzero(kind == K_STATEMENT)
    lang[statements] = np.array([EN, DE, EN, DE])[: len(statements)]
    in_thread = root >= 0
    lang[in_thread] = lang[root[in_thread]]
    rt = kind == K_RT
    lang[rt] = lang[cols["ref"][rt]]
    # Comparison templates need a competitor for brand posts as well.
    comp = cols["comp"].copy()
    no_comp = cols["target"] == 0
    comp[no_comp] = (rng.random(int(no_comp.sum())) < 0.4).astype(int)

    root_author = np.where(root >= 0, author[np.maximum(root, 0)], -1)
    ctx = {
        "group": cols["group"],
        "lang": lang,
        # Statements in order: en + de in the morning (template 0), en + de update (template 1).
        "choice_statement": ((np.cumsum(kind == K_STATEMENT) - 1) >= 2).astype(int),
    }
    templates: list[_Template] = []
    code = np.full(n, -1, dtype=np.int32)
    pos = np.zeros(n, dtype=np.int32)
    _draw_texts(rng, ctx, templates, code, pos)
    number = np.array([tpl.number for tpl in templates] or [0])

    # Follow-up intents come from their template.
    for name, labels in _FOLLOWUP_INTENT.items():
        sel = np.flatnonzero(cols["group"] == name)
        if len(sel):
            cols["intent"][sel] = np.array(labels)[number[code[sel]]]
    # Second replies: thank-you after a happy follow-up (drawn again for those rows).
    r2 = np.flatnonzero(kind == K_REPLY2)
    happy = r2[cols["intent"][parent[r2]] == PRAISE] if len(r2) else r2
    if len(happy):
        sub = {"lang": lang, "group": np.full(n, "", dtype=object)}
        sub["group"][happy] = "reply2_thanks"
        _draw_texts(rng, sub, templates, code, pos)

    # Long-form platforms get an extra sentence; some social posts are typed in lower case or
    # carry hashtags (applied to the strings in _texts).
    customer_root = np.isin(kind, (K_ROOT, K_CRISIS)) & ~np.isin(cols["group"], ("pii", "campaign"))
    extra = customer_root & (rng.random(n) < _EXTRA_P[platform])
    intent = cols["intent"]
    extra_pick = rng.integers(0, 5, n)
    lower = customer_root & np.isin(platform, (TW, IG)) & (rng.random(n) < 0.08)
    tags = customer_root & (platform == IG) & (rng.random(n) < 0.5)
    tag_a = rng.integers(0, len(_HASHTAGS), n)
    tag_b = (tag_a + rng.integers(1, len(_HASHTAGS), n)) % len(_HASHTAGS)
    two = rng.random(n) < 0.5

    # Reach and engagement.
    cust = author >= 0
    handle = cols["handle"]
    reach = np.zeros(n, dtype=np.int64)
    reach[cust] = authors.reach[author[cust]]
    reach[is_brand] = _BRAND_REACH[handle[is_brand], platform[is_brand]]
    children = np.bincount(parent[parent >= 0], minlength=n)
    noise = rng.lognormal(0.0, 0.7, n)
    intent_factor = _LIKE_INTENT[intent] * np.select(
        [kind == K_CRISIS, kind == K_RT, kind == K_FOLLOWUP, cols["group"] == "campaign"],
        [2.5, 0.1, 0.2, 0.3],
        1.0,
    )
    lam = 0.015 * reach.astype(float) ** 0.85 * _LIKE_PLATFORM[platform] * intent_factor * noise
    lam[is_brand] = 0.8 * _LIKE_PLATFORM[platform[is_brand]] * noise[is_brand]
    pro = kind == K_PROACTIVE
    t_local = cols["t"]
    wd, hour = _weekday(t_local), (t_local % _SECONDS_PER_DAY) // 3600
    boost = np.where((wd >= 1) & (wd <= 3) & np.isin(hour, (11, 12, 18, 19)), 1.25, 1.0)
    lam[pro] = (
        _POST_BASE_LIKES[platform[pro]]
        * _POST_DAY_FACTOR[wd[pro]]
        * _POST_HOUR_FACTOR[hour[pro]]
        * boost[pro]
        * rng.lognormal(0.0, 0.3, int(pro.sum()))
    )
    st = kind == K_STATEMENT
    lam[st] = 1200.0
    del noise, intent_factor, boost, wd, hour
    likes = rng.poisson(np.minimum(lam, 1e7))
    del lam
    share_rate = np.where(pro, _POST_SHARE_RATE[platform], _SHARE_RATE[platform])
    share_rate[st] = 0.5
    share_rate[np.isin(kind, (K_REPLY, K_REPLY2))] = 0.0
    shares = rng.poisson(likes * share_rate * rng.lognormal(0.0, 0.4, n))
    del share_rate
    reply_rate = np.where(pro | st, 0.06, 0.05)
    replies = children + rng.poisson(likes * reply_rate)
    replies[np.isin(kind, (K_REPLY, K_REPLY2, K_FOLLOWUP, K_RT))] = children[
        np.isin(kind, (K_REPLY, K_REPLY2, K_FOLLOWUP, K_RT))
    ]
    del children, reply_rate

    # Local time -> UTC; ids per platform in chronological order.
    local = pd.to_datetime(t_local, unit="s")
    created = (
        pd.DatetimeIndex(local)
        .tz_localize(SAMPLE_TIMEZONE, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward")
        .tz_convert("UTC")
    )
    del local
    utc_s = (created - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    utc_s = np.asarray(utc_s, dtype=np.int64)
    order = np.lexsort((np.arange(n), utc_s))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = pd.Series(platform[order]).groupby(platform[order]).cumcount().to_numpy() + 1
    width = max(6, len(str(int(seq.max())))) if n else 6
    # Output order: created_at, then mention_id ("<prefix>-<seq>", same width everywhere).
    prefix_rank = np.argsort(np.argsort(np.array(_PREFIX)))
    output_order = np.lexsort((seq, prefix_rank[platform], utc_s))

    # URL parts (drawn in the order the URLs were always drawn).
    code36 = rng.integers(0, 36, (n, 7)).astype(np.uint8)
    code64 = rng.integers(0, 64, (n, 11)).astype(np.uint8)
    sub_pick = rng.integers(0, 5, n)
    hexes = rng.integers(0, 2**62, (n, 2), dtype=np.int64)
    snowflake = ((utc_s * 1000 + rng.integers(0, 1000, n) - 1288834974657) << 22) + (seq % 4096)

    return _Plan(
        size=n,
        width=width,
        kind=_small(kind),
        platform=_small(platform),
        intent=_small(intent),
        lang=_small(lang),
        target=_small(cols["target"]),
        comp=_small(comp),
        handle=_small(handle),
        t=t_local,
        parent=parent,
        root_row=np.where(root >= 0, root, np.arange(n)),
        ref=cols["ref"],
        is_brand=is_brand,
        author=author,
        root_author=root_author,
        authors=authors,
        templates=templates,
        template_code=code,
        template_pos=pos,
        extra=extra,
        extra_pick=_small(extra_pick),
        lower=lower,
        tags=tags,
        tag_a=_small(tag_a),
        tag_b=_small(tag_b),
        two_tags=two,
        reach=reach,
        likes=likes,
        shares=shares,
        replies=replies,
        created=created,
        seq=seq,
        code36=code36,
        code64=code64,
        sub_pick=_small(sub_pick),
        hexes=hexes,
        snowflake=snowflake,
        order=output_order,
    )
