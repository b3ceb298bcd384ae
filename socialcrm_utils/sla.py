"""Step 4, customer contact: conversations rebuilt from reply links, SLA clocks and attainment.

Pure functions on the canonical mention table and the playbook's :class:`~.playbook.Sla`:

1. :func:`assign_conversations` gives every mention a conversation id (from ``conversation_id``
   or the root of its ``in_reply_to_id`` chain);
2. :func:`build_conversations` turns mentions into one row per conversation with a customer in
   it: who asked first, when, and when and by which brand handle it was first answered;
3. :func:`match_policies` picks each conversation's SLA policy (first match wins);
4. :func:`first_response_clocks` measures first-response times in calendar and business hours,
   the due time and the status (met, breached, open, open_breached);
5. :func:`summarize_sla` aggregates them: response rate, mean / median / p90, attainment.

Business time comes from :class:`BusinessCalendar`, which turns a weekly schedule, a time zone,
public holidays and closed dates into sorted UTC open intervals and answers every question with
``np.searchsorted`` over them, so a million mentions cost a few array operations.

Nothing here reads files or touches the network.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
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
    "first_response_clocks",
    "summarize_sla",
    "brand_threads",
    "clock_conversations",
    "CONVERSATION_COLUMNS",
    "CLOCK_COLUMNS",
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
    "last_at",
    "url",
    "intent",
    "priority",
)

#: Columns :func:`first_response_clocks` adds to the conversations, in order.
CLOCK_COLUMNS: tuple[str, ...] = (
    "policy",
    "policy_index",
    "target_h",
    "business_hours",
    "first_response_h",
    "first_response_business_h",
    "due_at",
    "status",
    "time_to_breach_h",
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

    The schedule is a list of daily windows (today one, ``start``-``end``) on the given
    weekdays, minus public holidays and closed dates. Internally the calendar keeps the open
    intervals as sorted UTC nanosecond arrays plus the cumulative open time before each
    interval, built per local day with zoneinfo (so DST days have 23 or 25 hours when the window
    spans the switch) and extended lazily to whatever dates are asked about.

    Args:
        timezone: IANA time zone of the schedule, e.g. ``Europe/Berlin``.
        days: Open weekdays, ``"mon"`` ... ``"sun"``.
        start: Daily opening time (local wall time).
        end: Daily closing time; ``datetime.time.max`` means midnight at the end of the day.
        holidays_country: ISO country code whose public holidays are closed, e.g. ``"DE"``.
        holidays_subdivision: Optional subdivision, e.g. ``"BE"`` for Berlin.
        closed_dates: Further local dates that are closed (company holidays).

    Raises:
        ValueError: If a weekday is unknown, ``end`` is not after ``start``, or the time zone is
            not an IANA name.

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
        days: Sequence[str],
        start: dt.time,
        end: dt.time,
        holidays_country: str | None = None,
        holidays_subdivision: str | None = None,
        closed_dates: Sequence[dt.date] = (),
    ) -> None:
        self.timezone = timezone
        self._tz = ZoneInfo(timezone)
        unknown = [d for d in days if str(d).lower() not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(
                f"unknown weekdays {unknown!r} (allowed: {', '.join(WEEKDAYS)}, at least one)"
            )
        self.days: tuple[str, ...] = tuple(d for d in WEEKDAYS if d in {x.lower() for x in days})
        self._weekdays = frozenset(WEEKDAYS.index(d) for d in self.days)
        # A list of daily windows: several shifts per day only need more entries here.
        self.windows: tuple[tuple[dt.time, dt.time], ...] = ((start, end),)
        for window_start, window_end in self.windows:
            if window_end <= window_start:
                raise ValueError(f"end {window_end:%H:%M} must be after start {window_start:%H:%M}")
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
            BusinessCalendar('Europe/Berlin', mon-tue-wed-thu-fri 08:00-20:00, holidays DE-BE)
        """
        holidays = hours.holidays
        return cls(
            timezone,
            hours.days,
            hours.start,
            hours.end,
            holidays_country=holidays.country if holidays else None,
            holidays_subdivision=holidays.subdivision if holidays else None,
            closed_dates=hours.closed_dates,
        )

    def __repr__(self) -> str:
        windows = ", ".join(
            f"{s:%H:%M}-{'24:00' if e == dt.time.max else format(e, '%H:%M')}"
            for s, e in self.windows
        )
        holidays = ""
        if self.holidays_country:
            sub = f"-{self.holidays_subdivision}" if self.holidays_subdivision else ""
            holidays = f", holidays {self.holidays_country}{sub}"
        closed = f", {len(self.closed_dates)} closed dates" if self.closed_dates else ""
        days = "-".join(self.days)
        return f"BusinessCalendar({self.timezone!r}, {days} {windows}{holidays}{closed})"

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
            if day.weekday() in self._weekdays and day not in closed:
                for window_start, window_end in self.windows:
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
        ``n_customer_posts``, ``n_brand_posts``, ``last_at`` (latest post of any side), ``url``,
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
        "last_at": stamp(last_row),
        "url": take("url", first_row),
        "intent": take("intent", first_row),
        "priority": take("priority", first_row),
    })
    for column in ("n_customer_posts", "n_brand_posts"):
        out[column] = out[column].astype(np.int64)
    out = out.sort_values(["first_customer_at", "conversation_id"], kind="stable")
    logger.info("%d conversations with a customer from %d mentions", len(out), len(mentions))
    return out.reset_index(drop=True)[list(CONVERSATION_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# SLA clocks


def match_policies(conversations: pd.DataFrame, sla: Sla) -> pd.Series:
    """Index of the first policy in ``sla.policies`` that matches each conversation.

    As in Zendesk, policies are tried in order and the first match wins, so specific policies
    go first and a policy without ``intent`` and ``platform`` at the end is the default. A
    policy's ``intent`` must equal the conversation's ``intent`` (a conversation without an
    intent only matches policies without one); ``platform`` is compared case-insensitively.

    Args:
        conversations: Output of :func:`build_conversations` (``intent``, ``platform``).
        sla: The playbook's SLA.

    Returns:
        ``Int64`` Series named ``policy_index``, aligned to ``conversations.index``; NA where no
        policy matches.

    Examples:
        >>> sla = Sla.model_validate({"policies": [
        ...     {"intent": "complaint", "platform": "Twitter", "first_response": "1h"},
        ...     {"intent": "complaint", "first_response": "2h"},
        ...     {"platform": "facebook", "first_response": "4h"}]})
        >>> conv = pd.DataFrame({"intent": ["complaint", "complaint", "praise", "praise"],
        ...                      "platform": ["twitter", "facebook", "facebook", "twitter"]})
        >>> match_policies(conv, sla).tolist()
        [0, 1, 2, <NA>]
    """
    intent = _text(conversations, "intent")
    platform = _text(conversations, "platform").str.lower()
    result = pd.Series(pd.NA, index=conversations.index, dtype="Int64", name="policy_index")
    for position, policy in enumerate(sla.policies):  # a handful of policies, vectorised rows
        matches = result.isna().to_numpy(copy=True)
        if policy.intent is not None:
            matches &= (intent == policy.intent).fillna(False).to_numpy(dtype=bool)
        if policy.platform is not None:
            matches &= (platform == policy.platform.lower()).fillna(False).to_numpy(dtype=bool)
        result[matches] = position
    return result


def _hours(delta: pd.Series) -> pd.Series:
    return delta / pd.Timedelta(hours=1)


def first_response_clocks(
    conversations: pd.DataFrame,
    sla: Sla,
    timezone: str,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """First-response SLA clocks: the matched policy, response times, due time and status.

    Calendar time is plain elapsed time. Business time counts only the opening hours of
    ``sla.business_hours`` in ``timezone``; it is measured for every answered conversation when
    the SLA has business hours, whatever the policy, so both views can be compared. The due time
    is the first customer post plus the policy's target, in business time for
    ``business_hours: true`` policies (a post after hours starts its clock at the next opening)
    and in calendar time otherwise.

    ``status`` is ``met`` when the first response came at or before the due time (a reply at
    exactly the due instant is in time), ``breached`` when it came later, ``open`` when there is
    no reply yet and ``as_of`` is before the due time, ``open_breached`` when there is no reply
    and ``as_of`` is at or after it. Conversations no policy matches keep NA in every SLA column.

    Args:
        conversations: Output of :func:`build_conversations`.
        sla: The playbook's SLA.
        timezone: The playbook's time zone (the business hours are local to it).
        as_of: The instant open conversations are judged at. Defaults to the latest timestamp
            in the data (``last_at``, ``first_customer_at``, ``first_response_at``), not to
            today: a sample or export from the past would otherwise show every unanswered
            conversation as breached merely because time has passed since the export. The
            runner passes "now" for live data. Naive values are taken as UTC.

    Returns:
        The conversations plus :data:`CLOCK_COLUMNS`: ``policy`` (name), ``policy_index``,
        ``target_h`` (first-response target, hours), ``business_hours`` (whether the policy
        counts business time), ``first_response_h`` (calendar hours), ``first_response_business_h``
        (business hours; NaN without ``sla.business_hours``), ``due_at`` (UTC), ``status`` (one
        of :data:`STATUSES`) and ``time_to_breach_h`` (calendar hours from the first response,
        or from ``as_of`` while open, to the due time; negative means late by that much).

    Examples:
        >>> sla = Sla.model_validate({"policies": [{"first_response": "1h"}]})
        >>> conv = pd.DataFrame({"platform": ["x", "x"], "intent": [None, None],
        ...     "first_customer_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00"],
        ...                                         utc=True),
        ...     "first_response_at": pd.to_datetime(["2026-01-05 10:45", None], utc=True),
        ...     "last_at": pd.to_datetime(["2026-01-05 10:45", "2026-01-05 11:30"], utc=True)})
        >>> clocks = first_response_clocks(conv, sla, "Europe/Berlin")
        >>> clocks[["first_response_h", "status", "time_to_breach_h"]]
           first_response_h status  time_to_breach_h
        0              0.75    met              0.25
        1               NaN   open              0.50
    """
    out = conversations.copy()
    first_at = pd.to_datetime(out["first_customer_at"], utc=True).dt.as_unit("ns")
    response_at = pd.to_datetime(out["first_response_at"], utc=True).dt.as_unit("ns")
    if as_of is None:
        latest = [pd.to_datetime(out[c], utc=True).max()
                  for c in ("last_at", "first_customer_at", "first_response_at") if c in out]
        as_of = max((t for t in latest if not pd.isna(t)), default=pd.NaT)
        logger.info("SLA clocks as of %s (latest timestamp in the data)", as_of)
    as_of = pd.Timestamp(as_of)
    if not pd.isna(as_of):
        as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")

    index = match_policies(out, sla)
    known = index.notna().to_numpy()
    positions = index.to_numpy(dtype=np.int64, na_value=0)

    def per_policy(values: list[Any], dtype: str) -> pd.Series:
        picked = np.full(len(out), None, dtype=object)
        if values:
            picked[known] = np.asarray(values, dtype=object)[positions[known]]
        return pd.Series(picked, index=out.index).astype(dtype)

    policies = sla.policies
    target_s = per_policy([p.first_response.total_seconds() for p in policies], "float64")
    business = per_policy([p.business_hours for p in policies], "boolean")
    use_business = business.fillna(False).to_numpy(dtype=bool)

    calendar = (BusinessCalendar.from_playbook(sla.business_hours, timezone)
                if sla.business_hours is not None else None)
    first_response_business_h = pd.Series(np.nan, index=out.index)
    if calendar is not None:
        first_response_business_h[:] = calendar.business_seconds(first_at, response_at) / 3600

    due_at = (first_at + pd.to_timedelta(target_s, unit="s")).dt.as_unit("ns")
    if calendar is not None and use_business.any():
        business_due = calendar.add_business_time(first_at, target_s.where(use_business))
        due_at = business_due.where(use_business, due_at)

    answered = response_at.notna().to_numpy()
    has_due = due_at.notna().to_numpy()
    in_time = (response_at <= due_at).to_numpy()
    overdue = (due_at <= as_of).to_numpy() if not pd.isna(as_of) else np.zeros(len(out), bool)
    status = np.select(
        [answered & in_time, answered, overdue, has_due],
        ["met", "breached", "open_breached", "open"],
        default=None,
    )
    status = pd.Series(np.where(has_due, status, None), index=out.index, dtype="string")
    time_to_breach = np.where(answered, _hours(due_at - response_at), _hours(due_at - as_of))

    out["policy"] = per_policy([p.name for p in policies], "string")
    out["policy_index"] = index
    out["target_h"] = target_s / 3600
    out["business_hours"] = business
    out["first_response_h"] = _hours(response_at - first_at)
    out["first_response_business_h"] = first_response_business_h
    out["due_at"] = due_at
    out["status"] = status
    out["time_to_breach_h"] = pd.Series(time_to_breach, index=out.index, dtype=float)
    return out


# ---------------------------------------------------------------------------------------------
# Summaries


def brand_threads(scored: pd.DataFrame) -> pd.DataFrame:
    """The mentions of every conversation the brand owes an answer to.

    A conversation (see :func:`assign_conversations`) is kept when any of its posts is a
    customer post about the brand (:func:`listening.about_brand`) or a brand post; threads that only talk
    about a competitor are left out of response and SLA figures.

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

    The chain of step 4 in one call: :func:`brand_threads`, :func:`build_conversations` with
    the playbook's handles, :func:`first_response_clocks` with its SLA and time zone.
    """
    conversations = build_conversations(brand_threads(scored), playbook.brand.handles)
    return first_response_clocks(conversations, playbook.sla, playbook.timezone, as_of)


def summarize_sla(clocks: pd.DataFrame, by: str | Sequence[str] | None = "policy") -> pd.DataFrame:
    """SLA figures per group: response rate, response times and attainment.

    Response times (mean, median, p90 with numpy's default linear interpolation) are taken over
    answered conversations only, in calendar and in business hours. ``breaches`` counts
    ``breached`` plus ``open_breached``. ``attainment`` is ``met / (met + breached +
    open_breached)``: open conversations that are not yet due are left out because their
    outcome is not known (counting them either way would flatter or punish the team for time
    that has not passed); unanswered overdue ones count as breaches. Conversations no policy
    matched count towards volume and response rate, not towards attainment.

    Args:
        clocks: Output of :func:`first_response_clocks`.
        by: Column(s) to group by, e.g. ``"policy"``, ``["platform", "policy"]``; ``None`` for
            one row over everything. NA keys form their own group.

    Returns:
        The group columns plus ``conversations``, ``answered``, ``response_rate``,
        ``mean_first_response_h``, ``median_first_response_h``, ``p90_first_response_h``,
        ``mean_first_response_business_h``, ``median_first_response_business_h``,
        ``p90_first_response_business_h``, ``met``, ``breaches``, ``open`` (not yet due) and
        ``attainment`` (NaN when nothing is decided yet).

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
    status = clocks["status"].astype("string")
    frame = pd.DataFrame({
        "_answered": clocks["first_response_at"].notna().to_numpy(),
        "_met": (status == "met").fillna(False).to_numpy(dtype=bool),
        "_breach": status.isin(["breached", "open_breached"]).fillna(False).to_numpy(dtype=bool),
        "_open": (status == "open").fillna(False).to_numpy(dtype=bool),
        "_h": pd.to_numeric(clocks["first_response_h"]).astype(float).to_numpy(),
        "_bh": pd.to_numeric(clocks["first_response_business_h"]).astype(float).to_numpy(),
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
    )
    table["p90_first_response_h"] = grouped["_h"].quantile(0.9)
    table["p90_first_response_business_h"] = grouped["_bh"].quantile(0.9)
    for column in ("conversations", "answered", "met", "breaches", "open"):
        table[column] = table[column].astype(np.int64)
    table["response_rate"] = table["answered"] / table["conversations"]
    decided = table["met"] + table["breaches"]
    table["attainment"] = (table["met"] / decided.where(decided > 0)).astype(float)
    columns = [
        "conversations", "answered", "response_rate",
        "mean_first_response_h", "median_first_response_h", "p90_first_response_h",
        "mean_first_response_business_h", "median_first_response_business_h",
        "p90_first_response_business_h", "met", "breaches", "open", "attainment",
    ]
    table = table.reset_index()
    return table[keys + columns]
