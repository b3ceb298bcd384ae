"""The canonical mention table's columns and the shared vocabularies, without pandas.

:mod:`socialcrm_utils.schema` re-exports every name here with the functions on the table; the
playbook model imports this module, so validating a playbook (and the runner process of
``socialcrm run``) does not import pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "INTENTS",
    "PRIORITIES",
    "DEPARTMENTS",
    "KPIS",
    "Kpi",
    "TEXT_COLUMNS",
    "MISSING_MARKERS",
]

#: The text of a mention: ``text_redacted`` once personal data has been redacted (every
#: artifact), ``text`` straight after import (in memory only).
TEXT_COLUMNS: tuple[str, ...] = ("text_redacted", "text")

#: Column -> pandas dtype of the canonical mention table, in order.
CANONICAL_COLUMNS: dict[str, str] = {
    "mention_id": "string",
    "platform": "string",
    "source": "string",
    "author_id": "string",
    "author_name": "string",
    "text": "string",
    "created_at": "datetime64[ns, UTC]",
    "url": "string",
    "lang": "string",
    "in_reply_to_id": "string",
    "conversation_id": "string",
    "is_brand": "bool",
    "reach": "Int64",
    "likes": "Int64",
    "shares": "Int64",
    "replies": "Int64",
}

#: Columns an import must provide (after mapping); the rest get defaults.
REQUIRED_COLUMNS: tuple[str, ...] = ("mention_id", "text", "created_at")

Intent = Literal["complaint", "question", "praise", "lead", "other"]
INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "lead", "other")

#: Every value of ``priority`` (set by the listening step), most urgent first.
PRIORITIES: tuple[str, ...] = ("high", "normal", "low")

Department = Literal["service", "marketing", "pr", "sales"]
DEPARTMENTS: tuple[str, ...] = ("service", "marketing", "pr", "sales")


@dataclass(frozen=True)
class Kpi:
    """A KPI the suite measures: its name in playbooks, a label, a unit, which way is better."""

    name: str
    label: str
    unit: str
    higher_is_better: bool


KPIS: dict[str, Kpi] = {
    k.name: k
    for k in (
        Kpi("volume", "Customer mentions", "mentions", True),
        Kpi("reach", "Audience reach", "people", True),
        Kpi("response_rate", "Response rate", "share", True),
        Kpi("median_first_response_h", "Median first response", "hours", False),
        Kpi("p90_first_response_h", "p90 first response", "hours", False),
        Kpi("net_sentiment", "Net sentiment", "share", True),
        Kpi("share_of_voice", "Share of voice", "share", True),
        Kpi("sla_attainment", "SLA attainment", "share", True),
        Kpi("complaint_rate", "Complaint rate", "share", False),
        Kpi("advocacy", "Advocacy (turned positive)", "share", True),
        Kpi("cost_per_contact", "Cost per social contact", "currency", False),
        Kpi("savings_vs_phone", "Savings vs phone", "currency", True),
    )
}


#: Cell values that only say "no value" (spreadsheets and pandas write them): lower-cased.
MISSING_MARKERS: frozenset[str] = frozenset({"nan", "null", "none", "n/a", "#n/a", "<na>"})
