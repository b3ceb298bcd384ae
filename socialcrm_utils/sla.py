"""Step 4, customer contact: conversations rebuilt from reply links, SLA clocks and attainment.

Pure functions on the canonical mention table and the playbook's :class:`~.playbook.Sla`:

1. :func:`assign_conversations` gives every mention a conversation id (from ``conversation_id``
   or the root of its ``in_reply_to_id`` chain);
2. :func:`build_conversations` turns mentions into one row per conversation with a customer in
   it: who asked first, when, when and by which brand handle it was first answered, and
   whether the brand had the last word (resolved);
3. :func:`response_turns` splits each conversation into customer turns: the first post, and
   every customer follow-up after a brand reply, each with the reply that answered it;
4. :func:`match_policies` picks each conversation's SLA policy (intent, priority, platform;
   first match wins, as in Zendesk);
5. :func:`sla_clocks` measures first response, next responses and resolution in calendar and
   business hours: due times, status (met, breached, open, open_breached), time to breach;
   :func:`next_response_clocks` gives the follow-up turns one by one;
6. :func:`summarize_sla` aggregates them per policy, platform, intent, brand handle or ISO
   week: response rate, mean / median / p90, breaches and attainment.

Business time comes from :class:`BusinessCalendar`, which turns a weekly schedule, a time zone,
public holidays and closed dates into sorted UTC open intervals and answers every question with
``np.searchsorted`` over them, so a million mentions cost a few array operations.

Nothing here reads files or touches the network.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .listening import about_brand
from .playbook import WEEKDAYS, BusinessHours, Playbook, Sla

__all__ = [
    "BusinessCalendar",
    "assign_conversations",
    "build_conversations",
    "match_policies",
    "response_turns",
    "sla_clocks",
    "next_response_clocks",
    "summarize_sla",
    "policy_table",
    "brand_threads",
    "clock_conversations",
    "CONVERSATION_COLUMNS",
    "CLOCK_COLUMNS",
    "TURN_COLUMNS",
    "STATUSES",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`build_conversations`, in order.
CONVERSATION_COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "platform",
    "root_mention_id",
    "customer_id",
    "first_customer_at",
    "first_response_at",
    "responder",
    "n_customer_posts",
    "n_brand_posts",
    "last_customer_at",
    "resolved_at",
    "n_responders",
    "last_at",
    "url",
    "intent",
    "priority",
)

#: Columns :func:`sla_clocks` adds to the conversations, in order. ``target_h``, ``due_at``,
#: ``status`` and ``time_to_breach_h`` are those of the first response.
CLOCK_COLUMNS: tuple[str, ...] = (
    "policy",
    "policy_index",
    "business_hours",
    "target_h",
    "first_response_h",
    "first_response_business_h",
    "due_at",
    "status",
    "time_to_breach_h",
    "resolution_target_h",
    "resolution_h",
    "resolution_business_h",
    "resolution_due_at",
    "resolution_status",
    "next_response_target_h",
    "next_responses",
    "next_responses_answered",
    "next_responses_met",
    "next_response_breaches",
    "max_next_response_h",
    "week",
    "weekday",
    "local_hour",
)

#: Columns of :func:`response_turns` (plus the clock columns of :func:`next_response_clocks`).
TURN_COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "turn",
    "mention_id",
    "started_at",
    "responded_at",
    "responder",
    "url",
)

#: The values of ``status``: answered in time, answered late, unanswered and not yet due,
#: unanswered and overdue.
STATUSES: tuple[str, ...] = ("met", "breached", "open", "open_breached")

_NS_PER_S = 1_000_000_000
_NAT = np.iinfo(np.int64).min
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_EXTENSION_YEARS = 100


# ---------------------------------------------------------------------------------------------
# Business time


def _utc_index(values: Any) -> pd.DatetimeIndex:
    """Array-like of timestamps as a UTC, nanosecond DatetimeIndex (naive values taken as UTC)."""
    if pd.api.types.is_scalar(values):
        values = [values]
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns")


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the epoch (int64); NaT becomes the int64 minimum."""
    return index.asi8.astype(np.int64, copy=False)


def _from_ns(values: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(values.astype(np.int64).view("M8[ns]")).tz_localize("UTC")


def _local_to_ns(day: dt.date, clock: dt.time, tz: ZoneInfo) -> int:
    """A local wall time as UTC nanoseconds; ``time.max`` means 24:00, i.e. the next midnight.

    zoneinfo resolves DST with ``fold=0``: an ambiguous time (autumn) is its first occurrence,
    a time in the spring gap is read with the offset before the gap (02:30 becomes 03:30).
    """
    if clock == dt.time.max:
        day, clock = day + dt.timedelta(days=1), dt.time(0)
    delta = dt.datetime.combine(day, clock, tzinfo=tz) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _NS_PER_S + delta.microseconds * 1000


class BusinessCalendar:
    """Opening hours in a time zone: which instants count as business time.

    The weekly schedule is a set of daily windows (shifts) per weekday, minus public holidays
    and closed dates. Internally the calendar keeps the open intervals as sorted UTC nanosecond
    arrays plus the cumulative open time before each interval, built per local day with
    zoneinfo (so DST days have 23 or 25 hours when a window spans the switch) and extended
    lazily to whatever dates are asked about.

    Args:
        timezone: IANA time zone of the schedule, e.g. ``Europe/Berlin``.
        days: Open weekdays, ``"mon"`` ... ``"sun"`` (with ``start``/``end`` or ``shifts``).
        start: Daily opening time (local wall time).
        end: Daily closing time; ``datetime.time.max`` means midnight at the end of the day.
        shifts: Several daily windows ``[(start, end), ...]`` on each of ``days`` instead of
            one ``start``-``end`` window.
        schedule: Windows per weekday, ``{"mon": [(start, end), ...], "sat": [...]}``; when
            given it replaces ``days``, ``start``, ``end`` and ``shifts``.
        holidays_country: ISO country code whose public holidays are closed, e.g. ``"DE"``.
        holidays_subdivision: Optional subdivision, e.g. ``"BE"`` for Berlin.
        closed_dates: Further local dates that are closed (company holidays).

    Raises:
        ValueError: If a weekday is unknown, no day is open, a window ends before it starts,
            two windows of a day overlap, or the time zone is not an IANA name.

    Examples:
        >>> cal = BusinessCalendar("Europe/Berlin", ["mon", "tue", "wed", "thu", "fri"],
        ...                        dt.time(9), dt.time(17))
        >>> friday = pd.Timestamp("2026-01-16 16:45", tz="Europe/Berlin")
        >>> due = cal.add_business_time([friday], 3600)
        >>> str(due.tz_convert("Europe/Berlin")[0])
        '2026-01-19 09:45:00+01:00'
    """

    def __init__(
        self,
        timezone: str,
        days: Sequence[str] = WEEKDAYS[:5],
        start: dt.time = dt.time(8),
        end: dt.time = dt.time(20),
        *,
        shifts: Sequence[tuple[dt.time, dt.time]] | None = None,
        schedule: Mapping[str, Sequence[tuple[dt.time, dt.time]]] | None = None,
        holidays_country: str | None = None,
        holidays_subdivision: str | None = None,
        closed_dates: Sequence[dt.date] = (),
    ) -> None:
        self.timezone = timezone
        self._tz = ZoneInfo(timezone)
        if schedule is None:
            windows = tuple(shifts) if shifts is not None else ((start, end),)
            schedule = {day: windows for day in days}
        unknown = [d for d in schedule if str(d).lower() not in WEEKDAYS]
        if unknown or not any(schedule.values()):
            raise ValueError(
                f"unknown weekdays {unknown!r} (allowed: {', '.join(WEEKDAYS)}, at least one open)"
            )
        weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
        for day, day_windows in schedule.items():
            ordered = tuple(sorted(day_windows))
            for window_start, window_end in ordered:
                if window_end <= window_start:
                    raise ValueError(
                        f"end {window_end:%H:%M} must be after start {window_start:%H:%M}"
                    )
            for (_, before_end), (after_start, _) in zip(ordered, ordered[1:], strict=False):
                if after_start < before_end:
                    raise ValueError(f"windows of {day} overlap at {after_start:%H:%M}")
            if ordered:
                weekly[WEEKDAYS.index(str(day).lower())] = ordered
        #: Open windows per weekday (0 = Monday), sorted; closed weekdays are absent.
        self.weekly: dict[int, tuple[tuple[dt.time, dt.time], ...]] = dict(sorted(weekly.items()))
        self.days: tuple[str, ...] = tuple(WEEKDAYS[d] for d in self.weekly)
        self.holidays_country = holidays_country
        self.holidays_subdivision = holidays_subdivision
        self.closed_dates: frozenset[dt.date] = frozenset(closed_dates)
        self._first: dt.date | None = None
        self._last: dt.date | None = None
        self._starts = np.empty(0, dtype=np.int64)
        self._ends = np.empty(0, dtype=np.int64)
        self._cum = np.zeros(1, dtype=np.int64)

    @classmethod
    def from_playbook(cls, hours: BusinessHours, timezone: str) -> BusinessCalendar:
        """Build the calendar of a playbook's ``sla.business_hours`` in the playbook's time zone.

        Args:
            hours: The validated business hours.
            timezone: The playbook's time zone.

        Returns:
            The calendar.

        Examples:
            >>> hours = BusinessHours.model_validate({"start": "08:00", "end": "20:00",
            ...                                       "holidays": "DE-BE"})
            >>> BusinessCalendar.from_playbook(hours, "Europe/Berlin")
            BusinessCalendar('Europe/Berlin', mon-fri 08:00-20:00, holidays DE-BE)
            >>> split = BusinessHours.model_validate({"schedule": {
            ...     "mon": ["08:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"]}})
            >>> BusinessCalendar.from_playbook(split, "Europe/Berlin")
            BusinessCalendar('Europe/Berlin', mon 08:00-12:00, 13:00-17:00; sat 10:00-14:00)
        """
        holidays = hours.holidays
        return cls(
            timezone,
            schedule={WEEKDAYS[day]: windows for day, windows in hours.weekly().items()},
            holidays_country=holidays.country if holidays else None,
            holidays_subdivision=holidays.subdivision if holidays else None,
            closed_dates=hours.closed_dates,
        )

    def __repr__(self) -> str:
        hours = BusinessHours.model_validate({"schedule": {
            WEEKDAYS[day]: [f"{a:%H:%M}-{'24:00' if b == dt.time.max else format(b, '%H:%M')}"
                            for a, b in windows]
            for day, windows in self.weekly.items()}})
        holidays = ""
        if self.holidays_country:
            sub = f"-{self.holidays_subdivision}" if self.holidays_subdivision else ""
            holidays = f", holidays {self.holidays_country}{sub}"
        closed = f", {len(self.closed_dates)} closed dates" if self.closed_dates else ""
        return f"BusinessCalendar({self.timezone!r}, {hours.describe()}{holidays}{closed})"

    # -- building ------------------------------------------------------------------------------

    def _closed_days(self, first: dt.date, last: dt.date) -> set[dt.date]:
        closed = set(self.closed_dates)
        if self.holidays_country:
            import holidays as holidays_lib

            public = holidays_lib.country_holidays(
                self.holidays_country,
                subdiv=self.holidays_subdivision,
                years=range(first.year, last.year + 1),
            )
            closed.update(public.keys())
        return closed

    def _build(self, first: dt.date, last: dt.date) -> None:
        """(Re)build the open intervals for the local dates ``first`` .. ``last``."""
        closed = self._closed_days(first, last)
        starts: list[int] = []
        ends: list[int] = []
        day = first
        one = dt.timedelta(days=1)
        while day <= last:  # one step per calendar day, not per mention
            if day not in closed:
                for window_start, window_end in self.weekly.get(day.weekday(), ()):
                    starts.append(_local_to_ns(day, window_start, self._tz))
                    ends.append(_local_to_ns(day, window_end, self._tz))
            day += one
        start_arr = np.asarray(starts, dtype=np.int64)
        end_arr = np.asarray(ends, dtype=np.int64)
        order = np.argsort(start_arr, kind="stable")
        start_arr, end_arr = start_arr[order], end_arr[order]
        if len(start_arr) > 1:
            # Windows that touch a DST gap can overlap once in UTC: clip each to the previous end.
            previous_end = np.maximum.accumulate(end_arr)[:-1]
            start_arr[1:] = np.maximum(start_arr[1:], previous_end)
            keep = end_arr > start_arr
            start_arr, end_arr = start_arr[keep], end_arr[keep]
        self._starts, self._ends = start_arr, end_arr
        self._cum = np.concatenate(([0], np.cumsum(end_arr - start_arr))).astype(np.int64)
        self._first, self._last = first, last
        logger.debug("business calendar %s..%s: %d open intervals", first, last, len(start_arr))

    def _local_date(self, ns: int) -> dt.date:
        return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(self._tz).date()

    def _ensure(self, lo_ns: int, hi_ns: int) -> None:
        """Make sure the intervals cover the local days of ``lo_ns`` .. ``hi_ns`` (whole years)."""
        lo = self._local_date(lo_ns) - dt.timedelta(days=1)
        hi = self._local_date(hi_ns) + dt.timedelta(days=1)
        if self._first is not None and self._last is not None:
            if self._first <= lo and hi <= self._last:
                return
            lo, hi = min(lo, self._first), max(hi, self._last)
        self._build(dt.date(lo.year, 1, 1), dt.date(hi.year, 12, 31))

    def _extend(self) -> None:
        """Add one more year at the end (add_business_time ran past the built range)."""
        assert self._first is not None and self._last is not None
        self._build(self._first, dt.date(self._last.year + 1, 12, 31))

    def _open_before(self, t: np.ndarray) -> np.ndarray:
        """Open nanoseconds from the start of the built range up to each instant ``t``."""
        if len(self._starts) == 0:
            return np.zeros(len(t), dtype=np.int64)
        i = np.searchsorted(self._starts, t, side="right") - 1
        j = np.clip(i, 0, None)
        inside = np.minimum(t, self._ends[j]) - self._starts[j]
        return np.where(i >= 0, self._cum[j] + inside, 0)

    def _prepare(self, *arrays: np.ndarray) -> None:
        valid = np.concatenate([a[a != _NAT] for a in arrays])
        if len(valid):
            self._ensure(int(valid.min()), int(valid.max()))

    # -- queries -------------------------------------------------------------------------------

    def business_seconds(self, start: Any, end: Any) -> np.ndarray:
        """Open (business) seconds between each pair of instants.

        Args:
            start: Array-like of tz-aware timestamps (naive ones are taken as UTC, as in the
                canonical schema).
            end: Array-like of the same length.

        Returns:
            Float seconds per pair, positionally; NaN where either side is NaT. When ``end`` is
            before ``start`` the result is negative (minus the open time between them), so the
            function is antisymmetric and additive over consecutive spans.

        Examples:
            >>> cal = BusinessCalendar("Europe/Berlin", ["mon", "tue", "wed", "thu", "fri"],
            ...                        dt.time(9), dt.time(17))
            >>> start = pd.to_datetime(["2026-01-16 15:45", None], utc=True)
            >>> end = pd.to_datetime(["2026-01-19 08:45", "2026-01-19 00:00"], utc=True)
            >>> cal.business_seconds(start, end)
            array([3600.,   nan])
        """
        a = _ns(_utc_index(start))
        b = _ns(_utc_index(end))
        if len(a) != len(b):
            raise ValueError(f"start and end differ in length ({len(a)} != {len(b)})")
        out = np.full(len(a), np.nan)
        ok = (a != _NAT) & (b != _NAT)
        if ok.any():
            self._prepare(a[ok], b[ok])
            diff = self._open_before(b[ok]) - self._open_before(a[ok])
            out[ok] = diff / _NS_PER_S
        return out

    def add_business_time(self, start: Any, seconds: Any) -> pd.DatetimeIndex | pd.Series:
        """The instant when ``seconds`` of business time have passed after each ``start``.

        A start outside opening hours begins its clock at the next opening; a target that ends
        exactly at closing time is due at closing time (not at the next opening).

        Args:
            start: Array-like of tz-aware timestamps (naive ones are taken as UTC).
            seconds: Business seconds to add, a scalar or one per start; must not be negative.

        Returns:
            UTC due instants: a Series with ``start``'s index when ``start`` is a Series,
            otherwise a DatetimeIndex. NaT where ``start`` is NaT or ``seconds`` is NaN.

        Raises:
            ValueError: If a value of ``seconds`` is negative, or the calendar has no open time
                for a century after a start.

        Examples:
            >>> cal = BusinessCalendar("Europe/Berlin", ["mon", "tue", "wed", "thu", "fri"],
            ...                        dt.time(9), dt.time(17))
            >>> saturday = pd.Series(pd.to_datetime(["2026-01-17 12:00"], utc=True))
            >>> cal.add_business_time(saturday, 0).dt.tz_convert("Europe/Berlin")
            0   2026-01-19 09:00:00+01:00
            dtype: datetime64[ns, Europe/Berlin]
        """
        index = _utc_index(start)
        t = _ns(index)
        secs = np.broadcast_to(np.asarray(seconds, dtype=float), t.shape)
        if (secs < 0).any():
            raise ValueError("seconds must not be negative (business time only runs forward)")
        ok = (t != _NAT) & ~np.isnan(secs)
        result = np.full(len(t), _NAT, dtype=np.int64)
        if ok.any():
            t_ok = t[ok]
            add = np.round(secs[ok] * _NS_PER_S).astype(np.int64)
            self._prepare(t_ok)
            target = self._open_before(t_ok) + add
            years = 0
            latest = t_ok.max()
            # Extend until every target and the opening after every start lie in the range.
            while (len(self._starts) == 0 or target.max() > self._cum[-1]
                   or self._ends[-1] <= latest):
                if years >= _MAX_EXTENSION_YEARS:
                    raise ValueError(
                        f"{self!r} has no business time for {years} years after a start "
                        "(check days, holidays and closed_dates)"
                    )
                self._extend()
                years += 1
                target = self._open_before(t_ok) + add
            # First interval whose cumulative end reaches the target, but not before the
            # interval that contains the start or follows it (the clock starts at the opening).
            j = np.searchsorted(self._cum[1:], target, side="left")
            j = np.maximum(j, np.searchsorted(self._ends, t_ok, side="right"))
            result[ok] = self._starts[j] + (target - self._cum[j])
        due = _from_ns(result)
        if isinstance(start, pd.Series):
            return pd.Series(due, index=start.index, name=start.name)
        return due


# ---------------------------------------------------------------------------------------------
# Conversations


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as string dtype with empty strings as NA; all NA when the column is absent."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[column].astype("string")
    return values.mask(values.str.strip() == "")


def assign_conversations(mentions: pd.DataFrame) -> pd.Series:
    """The conversation id of every mention.

    A mention's ``conversation_id`` is used where given. Otherwise the ``in_reply_to_id`` chain
    is followed within the frame until it reaches a mention with a ``conversation_id`` (a reply
    joins its parent's conversation) or a root; the root's ``mention_id`` is the conversation id.
    A reply whose parent is not in the frame is the start of its own conversation, whose id is
    the missing parent's id (so two replies to the same missing post stay together). Chains are
    resolved by pointer jumping (each round doubles the distance looked ahead), ``O(n log
    depth)``. Reply cycles (bad data) terminate: each cycle becomes one conversation named after
    its smallest mention id, and a warning is logged. Duplicate ``mention_id`` values resolve to
    their first row.

    Args:
        mentions: Canonical mentions (``mention_id``; ``in_reply_to_id`` and
            ``conversation_id`` are used when present).

    Returns:
        String Series named ``conversation_id``, aligned to ``mentions.index``.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4"],
        ...                    "in_reply_to_id": [None, "1", "2", "99"]})
        >>> assign_conversations(df).tolist()
        ['1', '1', '1', '99']
    """
    codes, names = _conversation_codes(mentions)
    return pd.Series(names.take(codes, allow_fill=True), index=mentions.index,
                     dtype="string", name="conversation_id")


def _first_rows(codes: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per code (0 .. size-1): the first of ``rows`` whose code it is, or -1."""
    first = np.full(size, -1, dtype=np.int64)
    unique, where = np.unique(codes, return_index=True)  # first occurrence per code
    first[unique] = rows[where]
    return first


def _conversation_codes(mentions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Conversation of every row as an integer code into ``names`` (-1: none).

    The work behind :func:`assign_conversations`, on factorized ids (integers, not strings) so
    a million rows take well under a second.
    """
    n = len(mentions)
    stacked = pd.concat([_text(mentions, c) for c in ("mention_id", "in_reply_to_id",
                                                       "conversation_id")], ignore_index=True)
    all_codes, names = pd.factorize(stacked)
    id_code, parent_code, given_code = (all_codes[i * n:(i + 1) * n] for i in range(3))
    positions = np.arange(n, dtype=np.int64)

    has_id = id_code >= 0
    row_of_code = _first_rows(id_code[has_id], positions[has_id], len(names))
    duplicates = int(has_id.sum()) - int((row_of_code >= 0).sum())
    if duplicates:
        logger.warning("%d duplicate mention ids; replies link to the first", duplicates)
    has_parent = parent_code >= 0
    parent_row = np.where(has_parent, row_of_code[np.clip(parent_code, 0, None)], -1)
    has_given = given_code >= 0
    terminal = has_given | (parent_row < 0) | (parent_row == positions)
    # The label of a terminal row: its conversation id, else the missing parent, else itself.
    label = np.where(has_given, given_code,
                     np.where(has_parent & (parent_row < 0), parent_code, id_code))

    parent_or_self = np.where(terminal, positions, parent_row)
    rounds = int(np.ceil(np.log2(max(n, 2)))) + 1  # 2**rounds > n >= any chain or cycle length
    pointer = parent_or_self
    for _ in range(rounds):  # pointer jumping: each round doubles the distance looked ahead
        jumped = pointer[pointer]
        if np.array_equal(jumped, pointer):
            break
        pointer = jumped
    codes = label[pointer]
    cyclic = ~terminal[pointer]
    if cyclic.any():
        # Bad data: rows on (or leading into) a reply cycle never reach a root. Jump again over
        # those rows only, carrying the smallest id seen; after ``rounds`` rounds each row's
        # pointer sits on its cycle, and the smallest id seen covers the whole cycle.
        logger.warning("%d mentions in reply cycles; each cycle is one conversation",
                       int(cyclic.sum()))
        rows = np.flatnonzero(cyclic)
        sub_pointer = np.searchsorted(rows, parent_or_self[rows])
        by_name = np.argsort(names.take(id_code[rows]).to_numpy(dtype=object), kind="stable")
        smallest = np.empty(len(rows), dtype=np.int64)
        smallest[by_name] = np.arange(len(rows))
        for _ in range(rounds):
            smallest = np.minimum(smallest, smallest[sub_pointer])
            sub_pointer = sub_pointer[sub_pointer]
        codes = codes.copy()
        codes[rows] = id_code[rows[by_name[smallest[sub_pointer]]]]
    return codes.astype(np.int64), names


def _brand_mask(mentions: pd.DataFrame, handles: Iterable[str] | None) -> pd.Series:
    flags = pd.Series(False, index=mentions.index)
    if "is_brand" in mentions.columns:
        flags = mentions["is_brand"].astype("boolean").fillna(False).astype(bool)
    keys = {h.strip().lower().lstrip("@") for h in (handles or ()) if h and h.strip()}
    if keys:
        authors = _text(mentions, "author_id").str.strip().str.lower().str.lstrip("@")
        flags = flags | authors.isin(keys).fillna(False).astype(bool)
    return flags


def build_conversations(
    mentions: pd.DataFrame, handles: Iterable[str] | None = None
) -> pd.DataFrame:
    """One row per conversation that has at least one customer (non-brand) post.

    A post is the brand's when its ``is_brand`` is true or its ``author_id`` is one of
    ``handles`` (case-insensitive, with or without ``@``). The first customer post opens the
    clock; the first brand post strictly after it is the first response. Brand posts before the
    first customer post (e.g. the brand's own announcement the customer commented on) are not
    responses, but are counted in ``n_brand_posts``. Ties in time keep the frame's row order.
    A single customer post without replies is a one-post conversation.

    Args:
        mentions: Canonical mentions; ``intent`` and ``priority`` columns (from the listening
            step) are carried over when present.
        handles: The client's own handles, e.g. ``playbook.brand.handles``.

    Returns:
        Columns :data:`CONVERSATION_COLUMNS`: ``conversation_id``, ``platform`` (of the first
        customer post), ``root_mention_id`` (the earliest post of the conversation in the
        frame), ``customer_id`` (author of the first customer post), ``first_customer_at``,
        ``first_response_at`` (NaT if unanswered), ``responder`` (brand author of that reply),
        ``n_customer_posts``, ``n_brand_posts``, ``last_customer_at`` (the customer's latest
        post), ``resolved_at`` (the brand's latest reply when it came after the customer's
        latest post, i.e. the brand had the last word; NaT otherwise), ``n_responders``
        (distinct brand handles that replied), ``last_at`` (latest post of any side), ``url``,
        ``intent`` and ``priority`` (of the first customer post, NA without those columns).
        Sorted by ``first_customer_at`` then ``conversation_id``; a fresh RangeIndex.

    Raises:
        KeyError: If ``mention_id`` or ``created_at`` is missing.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "in_reply_to_id": [None, "1", "1"],
        ...     "author_id": ["ann", "AcmeAir", "ann"], "platform": "twitter",
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30",
        ...                                   "2026-01-05 11:00"], utc=True)})
        >>> conv = build_conversations(df, handles=["@acmeair"])
        >>> conv[["conversation_id", "customer_id", "responder", "n_customer_posts"]]
          conversation_id customer_id responder  n_customer_posts
        0               1         ann   AcmeAir                 2
        >>> str(conv.loc[0, "first_response_at"])
        '2026-01-05 10:30:00+00:00'
    """
    missing = [c for c in ("mention_id", "created_at") if c not in mentions.columns]
    if missing:
        raise KeyError(f"mentions lack column(s) {missing} (conform them with conform_mentions)")
    codes, names = _conversation_codes(mentions)
    size = len(names)
    created = _ns(_utc_index(mentions["created_at"]))
    is_brand = _brand_mask(mentions, handles).to_numpy(dtype=bool)
    if (codes < 0).any():
        logger.warning("%d mentions without mention_id or thread ignored", int((codes < 0).sum()))
    # Rows in time order, NaT last, frame order for ties; "first" is then a first occurrence.
    order = np.argsort(np.where(created == _NAT, np.iinfo(np.int64).max, created), kind="stable")
    order = order[codes[order] >= 0]
    customer_rows = order[~is_brand[order]]
    brand_rows = order[is_brand[order]]

    first_customer = _first_rows(codes[customer_rows], customer_rows, size)
    conv = np.flatnonzero(first_customer >= 0)  # conversations with a customer
    first_row = first_customer[conv]
    first_at = np.full(size, _NAT, dtype=np.int64)
    first_at[conv] = created[first_row]
    # A response is a brand post strictly after the first (timed) customer post.
    brand_codes = codes[brand_rows]
    clock = first_at[brand_codes]
    responses = brand_rows[(clock != _NAT) & (created[brand_rows] > clock)]
    reply_row = _first_rows(codes[responses], responses, size)[conv]
    earliest_row = _first_rows(codes[order], order, size)[conv]
    timed = order[created[order] != _NAT][::-1]  # latest first
    last_row = _first_rows(codes[timed], timed, size)[conv]
    timed_customers = timed[~is_brand[timed]]
    last_customer_row = _first_rows(codes[timed_customers], timed_customers, size)[conv]
    last_reply_row = _first_rows(codes[responses[::-1]], responses[::-1], size)[conv]
    last_customer_at = created[np.clip(last_customer_row, 0, None)]
    last_reply_at = np.where(last_reply_row >= 0, created[np.clip(last_reply_row, 0, None)], _NAT)
    # Resolved: the brand had the last word (a reply after the customer's latest post).
    resolved_row = np.where((last_reply_row >= 0) & (last_reply_at > last_customer_at),
                            last_reply_row, -1)
    responder_codes, _ = pd.factorize(_text(mentions, "author_id").str.lower().str.lstrip("@"))
    pairs = np.unique(np.stack([codes[responses], responder_codes[responses]]), axis=1)
    n_responders = np.bincount(pairs[0], minlength=size)[conv] if pairs.size else np.zeros(
        len(conv), dtype=np.int64)

    def take(column: str, rows: np.ndarray) -> Any:
        if column == "priority" and column in mentions.columns:
            values = mentions[column]  # whatever dtype the listening step gave it
        else:
            values = _text(mentions, column)
        return values.array.take(rows, allow_fill=True)  # row -1 -> NA

    def stamp(rows: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(rows >= 0, created[np.clip(rows, 0, None)], _NAT))

    out = pd.DataFrame({
        "conversation_id": names.take(conv).astype("string").array,
        "platform": take("platform", first_row),
        "root_mention_id": take("mention_id", earliest_row),
        "customer_id": take("author_id", first_row),
        "first_customer_at": stamp(first_row),
        "first_response_at": stamp(reply_row),
        "responder": take("author_id", reply_row),
        "n_customer_posts": np.bincount(codes[customer_rows], minlength=size)[conv],
        "n_brand_posts": np.bincount(brand_codes, minlength=size)[conv],
        "last_customer_at": stamp(last_customer_row),
        "resolved_at": stamp(resolved_row),
        "n_responders": n_responders,
        "last_at": stamp(last_row),
        "url": take("url", first_row),
        "intent": take("intent", first_row),
        "priority": take("priority", first_row),
    })
    for column in ("n_customer_posts", "n_brand_posts", "n_responders"):
        out[column] = out[column].astype(np.int64)
    out = out.sort_values(["first_customer_at", "conversation_id"], kind="stable")
    logger.info("%d conversations with a customer from %d mentions", len(out), len(mentions))
    return out.reset_index(drop=True)[list(CONVERSATION_COLUMNS)]


def response_turns(mentions: pd.DataFrame, handles: Iterable[str] | None = None) -> pd.DataFrame:
    """Every customer turn of every conversation and the brand reply that answered it.

    A turn starts with the customer's first post (turn 0, answered by the first response) and
    again with each customer follow-up that comes after a brand reply (turns 1, 2, ...: the
    next-response clocks, as Zendesk's "next reply time"). Several customer posts in a row are
    one turn, timed from the first of them. A turn is answered by the first brand post strictly
    after its start in the same conversation, whichever brand handle wrote it. Brand posts
    before the customer's first post are not replies.

    Args:
        mentions: Canonical mentions (see :func:`build_conversations`).
        handles: The client's own handles.

    Returns:
        Columns :data:`TURN_COLUMNS`: ``conversation_id``, ``turn`` (0 = first), ``mention_id``
        and ``url`` of the customer post that opened the turn, ``started_at``,
        ``responded_at`` (NaT while unanswered) and ``responder``. Ordered by conversation and
        turn; a fresh RangeIndex.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4", "5"],
        ...     "in_reply_to_id": [None, "1", "2", "2", "4"],
        ...     "author_id": ["ann", "AcmeAir", "ann", "ann", "AcmeHelp"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30",
        ...         "2026-01-05 11:00", "2026-01-05 11:05", "2026-01-05 12:00"], utc=True)})
        >>> turns = response_turns(df, handles=["@AcmeAir", "AcmeHelp"])
        >>> turns[["turn", "mention_id", "responder"]]
           turn mention_id responder
        0     0          1   AcmeAir
        1     1          3  AcmeHelp
    """
    missing = [c for c in ("mention_id", "created_at") if c not in mentions.columns]
    if missing:
        raise KeyError(f"mentions lack column(s) {missing} (conform them with conform_mentions)")
    codes, names = _conversation_codes(mentions)
    created = _ns(_utc_index(mentions["created_at"]))
    is_brand = _brand_mask(mentions, handles).to_numpy(dtype=bool)
    rows = np.flatnonzero((codes >= 0) & (created != _NAT))
    # Sort by conversation, then time, then frame order; one int64 key per row for searching.
    _, time_rank = np.unique(created[rows], return_inverse=True)
    key = codes[rows].astype(np.int64) * (int(time_rank.max(initial=0)) + 1) + time_rank
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    code = codes[rows]
    brand = is_brand[rows]
    customer = ~brand

    # Customer posts seen in the conversation up to and including each row.
    seen = np.cumsum(customer)
    starts_conv = np.r_[True, code[1:] != code[:-1]]
    before_conv = np.maximum.accumulate(np.where(starts_conv, seen - customer, 0))
    seen_in_conv = seen - before_conv
    prev_brand = np.r_[False, brand[:-1]] & ~starts_conv
    # A turn opens at the first customer post, and at a customer post right after a brand
    # post that itself came after the customer's first post (seen_in_conv counts this row).
    opens = customer & ((seen_in_conv == 1) | (prev_brand & (seen_in_conv > 1)))
    turn_pos = np.flatnonzero(opens)
    brand_pos = np.flatnonzero(brand)
    # The first brand post strictly later (by time, same conversation) than each turn start.
    j = np.searchsorted(key[brand_pos], key[turn_pos], side="right")
    reply_pos = np.full(len(turn_pos), -1, dtype=np.int64)
    inside = np.flatnonzero(j < len(brand_pos))
    candidate = brand_pos[j[inside]]
    same = code[candidate] == code[turn_pos[inside]]
    reply_pos[inside[same]] = candidate[same]
    turn_rows = rows[turn_pos]
    reply_rows = np.where(reply_pos >= 0, rows[np.clip(reply_pos, 0, None)], -1) \
        if len(rows) else reply_pos
    turn_code = code[turn_pos]
    turn_number = np.arange(len(turn_pos)) - np.searchsorted(turn_code, turn_code, side="left")

    def take(column: str, at: np.ndarray) -> Any:
        return _text(mentions, column).array.take(at, allow_fill=True)

    def stamp(at: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(at >= 0, created[np.clip(at, 0, None)], _NAT))

    return pd.DataFrame({
        "conversation_id": names.take(turn_code).astype("string").array,
        "turn": turn_number.astype(np.int64),
        "mention_id": take("mention_id", turn_rows),
        "started_at": stamp(turn_rows),
        "responded_at": stamp(reply_rows),
        "responder": take("author_id", reply_rows),
        "url": take("url", turn_rows),
    })[list(TURN_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# SLA clocks


def match_policies(conversations: pd.DataFrame, sla: Sla) -> pd.Series:
    """Index of the first policy in ``sla.policies`` that matches each conversation.

    As in Zendesk, policies are tried in order and the first match wins, so specific policies
    go first and a policy without conditions at the end is the default. A policy's ``intent``
    and ``priority`` lists must contain the conversation's value (a conversation without one
    only matches policies that leave it out); ``platform`` is compared case-insensitively.

    Args:
        conversations: Output of :func:`build_conversations` (``intent``, ``priority``,
            ``platform``).
        sla: The playbook's SLA.

    Returns:
        ``Int64`` Series named ``policy_index``, aligned to ``conversations.index``; NA where no
        policy matches.

    Examples:
        >>> sla = Sla.model_validate({"policies": [
        ...     {"intent": "complaint", "priority": "high", "first_response": "30m"},
        ...     {"intent": ["complaint", "question"], "platform": "Twitter",
        ...      "first_response": "1h"},
        ...     {"platform": "facebook", "first_response": "4h"}]})
        >>> conv = pd.DataFrame({"intent": ["complaint", "question", "complaint", "praise"],
        ...                      "priority": ["high", "normal", "normal", "low"],
        ...                      "platform": ["twitter", "twitter", "facebook", "twitter"]})
        >>> match_policies(conv, sla).tolist()
        [0, 1, 2, <NA>]
    """
    values = {
        "intent": _text(conversations, "intent"),
        "priority": _text(conversations, "priority"),
        "platform": _text(conversations, "platform").str.lower(),
    }
    result = pd.Series(pd.NA, index=conversations.index, dtype="Int64", name="policy_index")
    for position, policy in enumerate(sla.policies):  # a handful of policies, vectorised rows
        matches = result.isna().to_numpy(copy=True)
        for field, column in values.items():
            allowed = getattr(policy, field)
            if allowed is not None:
                wanted = [a.lower() for a in allowed] if field == "platform" else allowed
                matches &= column.isin(wanted).fillna(False).to_numpy(dtype=bool)
        result[matches] = position
    return result


def _hours(delta: pd.Series) -> pd.Series:
    return delta / pd.Timedelta(hours=1)


def _latest(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Timestamp:
    latest = [pd.to_datetime(frame[c], utc=True).max() for c in columns if c in frame]
    return max((t for t in latest if not pd.isna(t)), default=pd.NaT)


def _as_utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return stamp
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


class _Clock:
    """One kind of SLA clock over many rows: elapsed times, due times and statuses."""

    def __init__(self, calendar: BusinessCalendar | None, as_of: pd.Timestamp) -> None:
        self.calendar = calendar
        self.as_of = as_of

    def measure(self, start: pd.Series, end: pd.Series, target_s: pd.Series,
                business: np.ndarray) -> dict[str, pd.Series]:
        """Calendar and business hours from start to end, the due time and the status.

        ``business`` says per row whether its target counts business time. Rows without a
        target (NaN) get NA due times and statuses but still their elapsed times.
        """
        start = pd.to_datetime(start, utc=True).dt.as_unit("ns")
        end = pd.to_datetime(end, utc=True).dt.as_unit("ns")
        business_h = pd.Series(np.nan, index=start.index)
        due = (start + pd.to_timedelta(target_s, unit="s")).dt.as_unit("ns")
        if self.calendar is not None:
            business_h[:] = self.calendar.business_seconds(start, end) / 3600
            if business.any():
                business_due = self.calendar.add_business_time(start, target_s.where(business))
                due = business_due.where(business, due)
        done = end.notna().to_numpy()
        has_due = due.notna().to_numpy()
        in_time = (end <= due).to_numpy()
        overdue = ((due <= self.as_of).to_numpy() if not pd.isna(self.as_of)
                   else np.zeros(len(due), bool))
        status = np.select([done & in_time, done, overdue, has_due],
                           ["met", "breached", "open_breached", "open"], default=None)
        status = pd.Series(np.where(has_due, status, None), index=start.index, dtype="string")
        to_breach = np.where(done, _hours(due - end), _hours(due - self.as_of))
        return {
            "h": _hours(end - start),
            "business_h": business_h,
            "due_at": due,
            "status": status,
            "time_to_breach_h": pd.Series(to_breach, index=start.index, dtype=float),
        }


def _calendar(sla: Sla, timezone: str) -> BusinessCalendar | None:
    if sla.business_hours is None:
        return None
    return BusinessCalendar.from_playbook(sla.business_hours, timezone)


def _per_policy(index: pd.Series, values: list[Any], dtype: str) -> pd.Series:
    """``values[policy_index]`` per row; NA where no policy matched."""
    known = index.notna().to_numpy()
    positions = index.to_numpy(dtype=np.int64, na_value=0)
    picked = np.full(len(index), None, dtype=object)
    if values:
        picked[known] = np.asarray(values, dtype=object)[positions[known]]
    return pd.Series(picked, index=index.index).astype(dtype)


def _seconds(duration: dt.timedelta | None) -> float:
    return duration.total_seconds() if duration is not None else np.nan


def sla_clocks(
    conversations: pd.DataFrame,
    sla: Sla,
    timezone: str,
    as_of: pd.Timestamp | None = None,
    turns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SLA clocks per conversation: first response, next responses and resolution.

    Each conversation gets the first matching policy (:func:`match_policies`). Three clocks:

    - **first response**: from the customer's first post to the first brand reply;
    - **resolution**: from the customer's first post to ``resolved_at`` (the brand's last
      reply, when no customer post came after it);
    - **next response**: from each customer follow-up after a brand reply to the next brand
      reply (:func:`next_response_clocks`), counted per conversation here.

    Calendar time is plain elapsed time. Business time counts only the opening hours of
    ``sla.business_hours`` in ``timezone``; it is measured for every conversation when the SLA
    has business hours, whatever the policy, so both views can be compared. Due times add the
    policy's target to the start, in business time for ``business_hours: true`` policies (a
    post after hours or on a holiday starts its clock at the next opening) and in calendar
    time otherwise.

    A status is ``met`` when the clock stopped at or before the due time (exactly at the due
    instant is in time), ``breached`` when later, ``open`` while running and ``as_of`` is
    before the due time, ``open_breached`` while running at or after it. Conversations no
    policy matches, and clocks whose policy has no target, keep NA statuses.

    Args:
        conversations: Output of :func:`build_conversations`.
        sla: The playbook's SLA.
        timezone: The playbook's time zone (business hours, weeks and hours are local to it).
        as_of: The instant running clocks are judged at. Defaults to the latest timestamp in
            the data, not to today: an export from the past would otherwise show every
            unanswered conversation as breached merely because time has passed since. Naive
            values are taken as UTC.
        turns: Output of :func:`response_turns` for the same mentions; without it the
            next-response columns are 0 / NaN.

    Returns:
        The conversations plus :data:`CLOCK_COLUMNS`: ``policy`` (label), ``policy_index``,
        ``business_hours``; for the first response ``target_h``, ``first_response_h``,
        ``first_response_business_h``, ``due_at``, ``status``, ``time_to_breach_h`` (hours
        from the reply, or from ``as_of`` while open, to the due time; negative means late);
        for the resolution ``resolution_target_h``, ``resolution_h``,
        ``resolution_business_h``, ``resolution_due_at``, ``resolution_status``; for the next
        responses ``next_response_target_h``, ``next_responses`` (follow-up turns),
        ``next_responses_answered``, ``next_responses_met``, ``next_response_breaches``,
        ``max_next_response_h``; and ``week`` (local ISO week of the first post, e.g.
        ``2026-W03``), ``weekday`` (``mon`` ...) and ``local_hour`` (0-23) for breakdowns.

    Examples:
        >>> sla = Sla.model_validate({"policies": [{"first_response": "1h"}]})
        >>> conv = pd.DataFrame({"platform": ["x", "x"], "intent": [None, None],
        ...     "first_customer_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00"],
        ...                                         utc=True),
        ...     "first_response_at": pd.to_datetime(["2026-01-05 10:45", None], utc=True),
        ...     "last_at": pd.to_datetime(["2026-01-05 10:45", "2026-01-05 11:30"], utc=True)})
        >>> clocks = sla_clocks(conv, sla, "Europe/Berlin")
        >>> clocks[["first_response_h", "status", "time_to_breach_h", "week"]]
           first_response_h status  time_to_breach_h      week
        0              0.75    met              0.25  2026-W02
        1               NaN   open              0.50  2026-W02
    """
    out = conversations.copy()
    if as_of is None:
        as_of = _latest(out, ("last_at", "first_customer_at", "first_response_at"))
        if len(out):
            logger.info("SLA clocks as of %s (latest timestamp in the data)", as_of)
    as_of = _as_utc(as_of)
    index = match_policies(out, sla)
    policies = sla.policies
    business = _per_policy(index, [p.business_hours for p in policies], "boolean")
    use_business = business.fillna(False).to_numpy(dtype=bool)
    clock = _Clock(_calendar(sla, timezone), as_of)
    first_at = pd.to_datetime(out["first_customer_at"], utc=True)
    resolved_at = (pd.to_datetime(out["resolved_at"], utc=True) if "resolved_at" in out
                   else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]"))

    first_target = _per_policy(index, [_seconds(p.first_response) for p in policies], "float64")
    first = clock.measure(first_at, out["first_response_at"], first_target, use_business)
    resolution_target = _per_policy(index, [_seconds(p.resolution) for p in policies], "float64")
    resolution = clock.measure(first_at, resolved_at, resolution_target, use_business)
    next_target = _per_policy(index, [_seconds(p.next_response) for p in policies], "float64")

    out["policy"] = _per_policy(index, [p.label for p in policies], "string")
    out["policy_index"] = index
    out["business_hours"] = business
    out["target_h"] = first_target / 3600
    out["first_response_h"] = first["h"]
    out["first_response_business_h"] = first["business_h"]
    out["due_at"] = first["due_at"]
    out["status"] = first["status"]
    out["time_to_breach_h"] = first["time_to_breach_h"]
    out["resolution_target_h"] = resolution_target / 3600
    out["resolution_h"] = resolution["h"]
    out["resolution_business_h"] = resolution["business_h"]
    out["resolution_due_at"] = resolution["due_at"]
    out["resolution_status"] = resolution["status"]
    out["next_response_target_h"] = next_target / 3600
    _add_next_response_counts(out, turns, sla, clock)

    local = first_at.dt.tz_convert(timezone)
    iso = local.dt.isocalendar()
    week = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    out["week"] = week.astype("string")
    out["weekday"] = pd.Series(np.asarray(WEEKDAYS, dtype=object)[
        local.dt.day_of_week.fillna(0).astype(int).to_numpy()], index=out.index).where(
        local.notna()).astype("string")
    out["local_hour"] = local.dt.hour.astype("Int64")
    return out


def _add_next_response_counts(out: pd.DataFrame, turns: pd.DataFrame | None, sla: Sla,
                              clock: _Clock) -> None:
    """Per-conversation next-response figures from the follow-up turns (in place)."""
    columns = ("next_responses", "next_responses_answered", "next_responses_met",
               "next_response_breaches")
    for column in columns:
        out[column] = np.zeros(len(out), dtype=np.int64)
    out["max_next_response_h"] = np.nan
    if turns is None or turns.empty or out.empty:
        return
    follow_ups = _next_turn_clocks(turns, out, sla, clock)
    if follow_ups.empty:
        return
    status = follow_ups["status"]
    per = pd.DataFrame({
        "conversation_id": follow_ups["conversation_id"].to_numpy(),
        "next_responses": 1,
        "next_responses_answered": follow_ups["responded_at"].notna().to_numpy(dtype=np.int64),
        "next_responses_met": (status == "met").fillna(False).to_numpy(dtype=np.int64),
        "next_response_breaches": status.isin(["breached", "open_breached"]).fillna(False)
        .to_numpy(dtype=np.int64),
        "max_next_response_h": follow_ups["response_h"].to_numpy(dtype=float),
    }).groupby("conversation_id", sort=False).agg(
        {**{c: "sum" for c in columns}, "max_next_response_h": "max"})
    ids = out["conversation_id"].astype("string")
    joined = per.reindex(ids.to_numpy())
    for column in columns:
        out[column] = joined[column].fillna(0).to_numpy(dtype=np.int64)
    out["max_next_response_h"] = joined["max_next_response_h"].to_numpy(dtype=float)


def _next_turn_clocks(turns: pd.DataFrame, clocks: pd.DataFrame, sla: Sla,
                      clock: _Clock) -> pd.DataFrame:
    follow_ups = turns[turns["turn"] > 0].copy()
    policy = clocks.set_index(clocks["conversation_id"].astype("string"))["policy_index"]
    policy = policy[~policy.index.duplicated()]
    index = pd.Series(policy.reindex(follow_ups["conversation_id"].astype("string")).to_numpy(),
                      index=follow_ups.index, dtype="Int64")
    policies = sla.policies
    target = _per_policy(index, [_seconds(p.next_response) for p in policies], "float64")
    business = _per_policy(index, [p.business_hours for p in policies], "boolean")
    measured = clock.measure(follow_ups["started_at"], follow_ups["responded_at"], target,
                             business.fillna(False).to_numpy(dtype=bool))
    follow_ups["policy"] = _per_policy(index, [p.label for p in policies], "string")
    follow_ups["target_h"] = target / 3600
    follow_ups["response_h"] = measured["h"]
    follow_ups["response_business_h"] = measured["business_h"]
    follow_ups["due_at"] = measured["due_at"]
    follow_ups["status"] = measured["status"]
    follow_ups["time_to_breach_h"] = measured["time_to_breach_h"]
    return follow_ups


def next_response_clocks(turns: pd.DataFrame, clocks: pd.DataFrame, sla: Sla, timezone: str,
                         as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per customer follow-up after a brand reply, with its next-response clock.

    The policy is the conversation's (from ``clocks``), the target its ``next_response``
    (no target: NA due time and status, the response time is still measured). Statuses as in
    :func:`sla_clocks`; ``as_of`` defaults to the latest timestamp in ``clocks``.

    Returns:
        The follow-up rows of ``turns`` (``turn`` >= 1) plus ``policy``, ``target_h``,
        ``response_h``, ``response_business_h``, ``due_at``, ``status``, ``time_to_breach_h``.
    """
    if as_of is None:
        as_of = _latest(clocks, ("last_at", "first_customer_at", "first_response_at"))
    return _next_turn_clocks(turns, clocks, sla, _Clock(_calendar(sla, timezone),
                                                       _as_utc(as_of)))


def policy_table(sla: Sla, timezone: str) -> pd.DataFrame:
    """The SLA policies as a client signs them: what each covers and promises, in words.

    Args:
        sla: The playbook's SLA.
        timezone: The playbook's time zone.

    Returns:
        One row per policy in matching order: ``order`` (1 = tried first), ``policy``,
        ``intent``, ``priority``, ``platform`` ("any" when left out), ``first_response``,
        ``next_response``, ``resolution`` (e.g. ``1h``, ``-`` without a target) and ``clock``
        (the business hours in words, or ``calendar time (24/7)``).

    Examples:
        >>> sla = Sla.model_validate({"business_hours": {"holidays": "DE-BE"}, "policies": [
        ...     {"intent": "complaint", "first_response": "1h", "business_hours": True}]})
        >>> policy_table(sla, "Europe/Berlin").iloc[0]["clock"]
        'business hours: mon-fri 08:00-20:00, Europe/Berlin, closed on DE-BE public holidays'
    """
    from .playbook import format_duration

    def words(values: list[str] | None) -> str:
        return ", ".join(values) if values else "any"

    def target(value: dt.timedelta | None) -> str:
        return format_duration(value) if value is not None else "-"

    clock = "calendar time (24/7)"
    hours = sla.business_hours
    if hours is not None:
        business = f"business hours: {hours.describe()}, {timezone}"
        if hours.holidays is not None:
            sub = f"-{hours.holidays.subdivision}" if hours.holidays.subdivision else ""
            business += f", closed on {hours.holidays.country}{sub} public holidays"
        if hours.closed_dates:
            business += f" and {len(hours.closed_dates)} closed dates"
    rows = [{
        "order": position,
        "policy": policy.label,
        "intent": words(policy.intent),
        "priority": words(policy.priority),
        "platform": words(policy.platform),
        "first_response": target(policy.first_response),
        "next_response": target(policy.next_response),
        "resolution": target(policy.resolution),
        "clock": business if policy.business_hours else clock,
    } for position, policy in enumerate(sla.policies, start=1)]
    columns = ["order", "policy", "intent", "priority", "platform", "first_response",
               "next_response", "resolution", "clock"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# Summaries


def brand_threads(scored: pd.DataFrame) -> pd.DataFrame:
    """The mentions of every conversation the brand owes an answer to.

    A conversation (see :func:`assign_conversations`) is kept when any of its posts is a
    customer post about the brand (:func:`listening.about_brand`) or a brand post; threads that
    only talk about a competitor are left out of response and SLA figures.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "in_reply_to_id": [None, "1", None],
        ...     "conversation_id": [None, None, None], "is_brand": [False, True, False],
        ...     "mentions_brand": [False, False, False], "competitor": ["Globex", None, "Globex"]})
        >>> brand_threads(df)["mention_id"].tolist()
        ['1', '2']
    """
    conversation = assign_conversations(scored)
    relevant = about_brand(scored) | scored["is_brand"].astype(bool)
    keep = relevant.groupby(conversation.to_numpy()).transform("any").to_numpy()
    return scored[keep]


def clock_conversations(scored: pd.DataFrame, playbook: Playbook,
                        as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Scored mentions -> SLA clocks of every conversation the brand owes an answer.

    The chain of step 4 in one call: :func:`brand_threads`, :func:`build_conversations` and
    :func:`response_turns` with the playbook's handles, :func:`sla_clocks` with its SLA and
    time zone.
    """
    threads = brand_threads(scored)
    handles = playbook.brand.handles
    conversations = build_conversations(threads, handles)
    turns = response_turns(threads, handles)
    return sla_clocks(conversations, playbook.sla, playbook.timezone, as_of, turns=turns)


def _quantile(values: pd.core.groupby.SeriesGroupBy) -> pd.Series:
    return values.quantile(0.9)


def summarize_sla(clocks: pd.DataFrame, by: str | Sequence[str] | None = "policy") -> pd.DataFrame:
    """SLA figures per group: response rate, response and resolution times, attainment.

    Times (mean, median, p90 with numpy's default linear interpolation) are taken over the
    conversations whose clock stopped (answered, resolved), in calendar and in business hours.
    Unlike tools that average first response over resolved conversations only, every answered
    conversation counts, and unanswered ones count against the response rate. ``breaches``
    counts ``breached`` plus ``open_breached``. ``attainment`` is ``met / (met + breached +
    open_breached)``: open conversations that are not yet due are left out because their
    outcome is not known (counting them either way would flatter or punish the team for time
    that has not passed); unanswered overdue ones count as breaches. The same holds for
    resolution and next-response attainment. Conversations no policy matched count towards
    volume and response rate, not towards attainment.

    Args:
        clocks: Output of :func:`sla_clocks`.
        by: Column(s) to group by, e.g. ``"policy"``, ``"platform"``, ``"intent"``,
            ``"responder"`` (brand handle), ``"week"``, or a list; ``None`` for one row over
            everything. NA keys form their own group.

    Returns:
        The group columns plus ``conversations``, ``answered``, ``response_rate``;
        ``mean_``/``median_``/``p90_first_response_h`` and ``..._business_h``; ``met``,
        ``breaches``, ``open`` (not yet due), ``attainment`` (NaN when nothing is decided);
        ``resolved``, ``mean_``/``median_``/``p90_resolution_h`` and ``..._business_h``,
        ``resolution_breaches``, ``resolution_attainment``; ``next_responses``,
        ``next_response_breaches``, ``next_response_attainment``.

    Examples:
        >>> clocks = pd.DataFrame({"policy": ["a", "a", "a"],
        ...     "first_response_at": pd.to_datetime(["2026-01-05", None, None], utc=True),
        ...     "first_response_h": [2.0, np.nan, np.nan],
        ...     "first_response_business_h": [1.0, np.nan, np.nan],
        ...     "status": ["met", "open", "open_breached"]})
        >>> summarize_sla(clocks)[["policy", "response_rate", "breaches", "attainment"]]
          policy  response_rate  breaches  attainment
        0      a       0.333333         1         0.5
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)

    def flags(column: str) -> dict[str, np.ndarray]:
        status = (clocks[column].astype("string") if column in clocks
                  else pd.Series(pd.NA, index=clocks.index, dtype="string"))
        return {
            "met": (status == "met").fillna(False).to_numpy(dtype=bool),
            "breach": status.isin(["breached", "open_breached"]).fillna(False)
            .to_numpy(dtype=bool),
            "open": (status == "open").fillna(False).to_numpy(dtype=bool),
        }

    def numbers(column: str) -> np.ndarray:
        if column not in clocks:
            return np.full(len(clocks), np.nan)
        return pd.to_numeric(clocks[column]).astype(float).to_numpy()

    def counts(column: str) -> np.ndarray:
        if column not in clocks:
            return np.zeros(len(clocks), dtype=np.int64)
        return pd.to_numeric(clocks[column]).fillna(0).to_numpy(dtype=np.int64)

    first, resolution = flags("status"), flags("resolution_status")
    resolved = (clocks["resolved_at"].notna().to_numpy() if "resolved_at" in clocks
                else np.zeros(len(clocks), bool))
    frame = pd.DataFrame({
        "_answered": clocks["first_response_at"].notna().to_numpy(),
        "_met": first["met"], "_breach": first["breach"], "_open": first["open"],
        "_h": numbers("first_response_h"), "_bh": numbers("first_response_business_h"),
        "_resolved": resolved,
        "_r_met": resolution["met"], "_r_breach": resolution["breach"],
        "_rh": numbers("resolution_h"), "_rbh": numbers("resolution_business_h"),
        "_next": counts("next_responses"), "_n_met": counts("next_responses_met"),
        "_n_breach": counts("next_response_breaches"),
    }, index=clocks.index)
    group_keys = keys or ["_all"]
    for key in keys:
        frame[key] = clocks[key]
    if not keys:
        frame["_all"] = 0
    grouped = frame.groupby(group_keys, dropna=False, sort=True, observed=True)
    table = grouped.agg(
        conversations=("_answered", "size"),
        answered=("_answered", "sum"),
        mean_first_response_h=("_h", "mean"),
        median_first_response_h=("_h", "median"),
        mean_first_response_business_h=("_bh", "mean"),
        median_first_response_business_h=("_bh", "median"),
        met=("_met", "sum"),
        breaches=("_breach", "sum"),
        open=("_open", "sum"),
        resolved=("_resolved", "sum"),
        mean_resolution_h=("_rh", "mean"),
        median_resolution_h=("_rh", "median"),
        mean_resolution_business_h=("_rbh", "mean"),
        median_resolution_business_h=("_rbh", "median"),
        resolution_met=("_r_met", "sum"),
        resolution_breaches=("_r_breach", "sum"),
        next_responses=("_next", "sum"),
        next_met=("_n_met", "sum"),
        next_response_breaches=("_n_breach", "sum"),
    )
    for name, column in (("p90_first_response_h", "_h"), ("p90_first_response_business_h", "_bh"),
                         ("p90_resolution_h", "_rh"), ("p90_resolution_business_h", "_rbh")):
        table[name] = grouped[column].quantile(0.9)
    integer = ("conversations", "answered", "met", "breaches", "open", "resolved",
               "resolution_met", "resolution_breaches", "next_responses", "next_met",
               "next_response_breaches")
    for column in integer:
        table[column] = table[column].astype(np.int64)
    table["response_rate"] = table["answered"] / table["conversations"]

    def share(met: str, breaches: str) -> pd.Series:
        decided = table[met] + table[breaches]
        return (table[met] / decided.where(decided > 0)).astype(float)

    table["attainment"] = share("met", "breaches")
    table["resolution_attainment"] = share("resolution_met", "resolution_breaches")
    table["next_response_attainment"] = share("next_met", "next_response_breaches")
    columns = [
        "conversations", "answered", "response_rate",
        "mean_first_response_h", "median_first_response_h", "p90_first_response_h",
        "mean_first_response_business_h", "median_first_response_business_h",
        "p90_first_response_business_h", "met", "breaches", "open", "attainment",
        "resolved", "mean_resolution_h", "median_resolution_h", "p90_resolution_h",
        "mean_resolution_business_h", "median_resolution_business_h",
        "p90_resolution_business_h", "resolution_breaches", "resolution_attainment",
        "next_responses", "next_response_breaches", "next_response_attainment",
    ]
    table = table.reset_index()
    return table[keys + columns]
