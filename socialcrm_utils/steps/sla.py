"""Step 4, customer contact: the SLA policies as a client signs them.

The clocks themselves (conversations, first and next responses, resolution, attainment) are
measured by :mod:`socialcrm_utils.conversations`, which steps 1, 2, 4 and 5 share.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..playbook import Sla, format_duration

__all__ = ["policy_table"]


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
    rows = [
        {
            "order": position,
            "policy": policy.label,
            "intent": words(policy.intent),
            "priority": words(policy.priority),
            "platform": words(policy.platform),
            "first_response": target(policy.first_response),
            "next_response": target(policy.next_response),
            "resolution": target(policy.resolution),
            "clock": business if policy.business_hours else clock,
        }
        for position, policy in enumerate(sla.policies, start=1)
    ]
    columns = [
        "order",
        "policy",
        "intent",
        "priority",
        "platform",
        "first_response",
        "next_response",
        "resolution",
        "clock",
    ]
    return pd.DataFrame(rows, columns=columns)
