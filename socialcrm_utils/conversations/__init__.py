"""Conversations and SLA clocks: the measurement core steps 1, 2, 4 and 5 share.

Pure functions on the canonical mention table and the playbook's :class:`~..playbook.Sla`
(:mod:`.threads`, :mod:`.clocks`, :mod:`.business_time`):

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

from .business_time import BusinessCalendar
from .clocks import (
    CLOCK_COLUMNS,
    STATUSES,
    clock_conversations,
    match_policies,
    next_response_clocks,
    sla_clocks,
    summarize_sla,
)
from .threads import (
    CONVERSATION_COLUMNS,
    TURN_COLUMNS,
    assign_conversations,
    brand_conversations,
    brand_thread_codes,
    brand_threads,
    build_conversations,
    response_turns,
)

__all__ = [
    "BusinessCalendar",
    "CLOCK_COLUMNS",
    "CONVERSATION_COLUMNS",
    "STATUSES",
    "TURN_COLUMNS",
    "assign_conversations",
    "brand_conversations",
    "brand_thread_codes",
    "brand_threads",
    "build_conversations",
    "clock_conversations",
    "match_policies",
    "next_response_clocks",
    "response_turns",
    "sla_clocks",
    "summarize_sla",
]
