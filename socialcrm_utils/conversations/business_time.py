"""Business time: a weekly schedule, a time zone, public holidays and closed dates as sorted UTC
open intervals; due times and business seconds by ``np.searchsorted`` over them, so a million
mentions cost a few array operations."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..playbook import WEEKDAYS, BusinessHours

__all__ = ["BusinessCalendar"]

logger = logging.getLogger(__name__)

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
        hours = BusinessHours.model_validate(
            {
                "schedule": {
                    WEEKDAYS[day]: [
                        f"{a:%H:%M}-{'24:00' if b == dt.time.max else format(b, '%H:%M')}"
                        for a, b in windows
                    ]
                    for day, windows in self.weekly.items()
                }
            }
        )
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
            while (
                len(self._starts) == 0 or target.max() > self._cum[-1] or self._ends[-1] <= latest
            ):
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
