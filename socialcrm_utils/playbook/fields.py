"""Field types of the playbook: durations, clock times, the strict base model, validators."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: str | int | float | dt.timedelta) -> dt.timedelta:
    """Parse a duration such as ``30m``, ``4h``, ``2d``, ``1h30m`` or ``1w``.

    Args:
        value: A string of number+unit pairs (units w, d, h, m, s), a timedelta, or a number of
            seconds.

    Returns:
        The duration as a timedelta.

    Raises:
        ValueError: If the text is not a duration.

    Examples:
        >>> parse_duration("1h30m")
        datetime.timedelta(seconds=5400)
        >>> parse_duration("2d").days
        2
    """
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        return dt.timedelta(seconds=float(value))
    text = str(value).strip().lower().replace(" ", "")
    if not text or _DURATION_RE.sub("", text):
        raise ValueError(f"{value!r} is not a duration")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_RE.findall(text))
    return dt.timedelta(seconds=seconds)


def format_duration(value: dt.timedelta) -> str:
    """Format a timedelta the way playbooks write it.

    Examples:
        >>> format_duration(dt.timedelta(hours=1, minutes=30))
        '1h30m'
        >>> format_duration(dt.timedelta(days=2))
        '2d'
    """
    seconds = int(round(value.total_seconds()))
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _duration(value: Any) -> dt.timedelta:
    try:
        parsed = parse_duration(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a duration (allowed: a number with a unit, e.g. 30m, 4h, 2d, 1h30m)"
        ) from None
    if parsed <= dt.timedelta(0):
        raise ValueError(f"{value!r} must be longer than zero (e.g. 30m, 4h, 2d)")
    return parsed


Duration = Annotated[
    dt.timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, return_type=str)
]


def _clock(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 08:00 as the sexagesimal integer 480.
        hours, minutes = divmod(value, 60)
        if 0 <= hours <= 24:
            value = f"{hours:02d}:{minutes:02d}"
    text = str(value).strip()
    if text in ("24:00", "24:00:00"):
        return dt.time.max
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise ValueError(f'{value!r} is not a time of day (allowed: HH:MM, e.g. "08:00")') from None


Clock = Annotated[dt.time, BeforeValidator(_clock)]


class _Model(BaseModel):
    """Base of every playbook section: unknown keys are errors and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not an IANA time zone (allowed: e.g. Europe/Berlin, UTC)"
        ) from None
    return value
