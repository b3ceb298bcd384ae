"""Helpers of the SLA tests (test_sla.py, test_sla_clocks.py): Berlin times, mention frames."""

from __future__ import annotations

import pandas as pd

from socialcrm_utils.conversations import BusinessCalendar
from socialcrm_utils.schema import conform_mentions

BERLIN = "Europe/Berlin"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ALL_DAYS = [*WEEKDAYS, "sat", "sun"]
HOUR = 3600.0


def berlin(text: str) -> pd.Timestamp:
    """A Berlin wall-clock time as a tz-aware timestamp."""
    return pd.Timestamp(text, tz=BERLIN)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def due(calendar: BusinessCalendar, start: pd.Timestamp, seconds: float) -> pd.Timestamp:
    """One due instant, in Berlin wall time for readable comparisons."""
    return calendar.add_business_time([start], seconds).tz_convert(BERLIN)[0]


def seconds(calendar: BusinessCalendar, start: pd.Timestamp, end: pd.Timestamp) -> float:
    return float(calendar.business_seconds([start], [end])[0])


def make_mentions(*rows: dict, **extra: list) -> pd.DataFrame:
    """Canonical mentions from short dicts (created_at in UTC); ``extra`` adds e.g. intent."""
    frame = pd.DataFrame(list(rows))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["text"] = frame.get("text", "...")
    default = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["platform"] = frame.get("platform", default).fillna("twitter")
    frame["url"] = "https://example.org/" + frame["mention_id"]
    out = conform_mentions(frame)
    for column, values in extra.items():
        out[column] = values
    return out
