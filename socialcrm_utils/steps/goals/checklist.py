"""Step 2: the method's guidelines as a checklist the consultant walks through."""

from __future__ import annotations

import logging

import pandas as pd

from ...playbook import Playbook, format_duration
from ...schema import INTENTS

logger = logging.getLogger(__name__)

#: The statuses of :func:`guidelines_checklist`: written in the playbook, missing from a section
#: the playbook has for it, or to agree with the client in the workshop.
CHECKLIST_STATUSES: tuple[str, ...] = ("in playbook", "missing", "to agree")

_WHY = {
    "empowered": (
        "Staff empowered to decide",
        "Customers expect an answer within the hour and every post is public: staff who must "
        "ask for approval answer late, and fear of answering publicly is why companies stay "
        "silent. Agree who may answer what, and decide what, without approval.",
    ),
    "privacy": (
        "Privacy: personal data only in a private channel",
        "Answering publicly seems risky when personal data is involved: booking numbers, "
        "addresses or phone numbers are asked for and given only in a private channel (DM, "
        "private message, e-mail), never in a public reply.",
    ),
    "voice": (
        "Brand voice",
        "Every reply is public and read by many more than the customer: one voice across all "
        "agents keeps the brand recognisable and keeps replies from making things worse.",
    ),
    "escalation": (
        "Escalation path (crisis -> PR)",
        "A complaint that spreads becomes a crisis; PR must get it at once, by an agreed path, "
        "instead of the team that happens to see it first.",
    ),
    "routing": (
        "Responsibilities per department",
        "Marketing owns the social accounts, so about 70% of social requests land there although "
        "service, sales or PR should answer them: every kind of request needs a department.",
    ),
    "owners": (
        "A named owner per department",
        "A department is no answer to 'who replies?': each one that gets requests needs a person "
        "or team accountable for them.",
    ),
    "response_times": (
        "Response-time targets",
        "43% of consumers want problems solved through social networks and only 25% of negative "
        "public posts get an answer: without a target nobody knows whether the team is fast "
        "enough.",
    ),
    "listening_hours": (
        "Who listens, when",
        "Nobody listens is the most common failure: agree the hours in which the channels are "
        "watched, and tell customers.",
    ),
}


def _item(key: str, status: str, evidence: str) -> dict[str, str]:
    item, why = _WHY[key]
    return {"id": key, "item": item, "why": why, "status": status, "evidence": evidence}


# long: one block per checklist item, in the checklist's order; splitting would scatter it
def guidelines_checklist(playbook: Playbook) -> pd.DataFrame:
    """The method's guidelines as a checklist: what the playbook already settles, what is open.

    Derived from the playbook where it can be (statuses :data:`CHECKLIST_STATUSES`):

    - ``empowered``: ``guidelines.empowered`` lists something -> in playbook, else to agree;
    - ``privacy``: ``voice.must_offer_private_channel_for_pii`` is on -> in playbook (evidence
      also names ``listening.pii_patterns``), switched off -> missing;
    - ``voice``: any brand-voice rule set (length, banned phrases, greeting, sign-off,
      sentiment, canned reuse) -> in playbook, else missing;
    - ``escalation``: ``routing.crisis`` set -> in playbook (evidence notes when it is not PR
      and adds ``guidelines.escalation``), else missing;
    - ``routing``: every intent routed explicitly -> in playbook, else missing (the evidence
      names the intents that fall to ``routing.default``);
    - ``owners``: ``guidelines.owners`` names every department that routing sends requests
      to -> in playbook, else to agree;
    - ``response_times``: SLA policies exist -> in playbook (evidence: each policy's first
      response target, and whether a catch-all policy exists), else missing;
    - ``listening_hours``: ``sla.business_hours`` set -> in playbook, else to agree.

    Args:
        playbook: The client's playbook.

    Returns:
        One row per item: ``id``, ``item``, ``why`` (the method's reason), ``status``,
        ``evidence`` (what in the playbook shows it, or what is missing).
    """
    g, voice, routing, sla = playbook.guidelines, playbook.voice, playbook.routing, playbook.sla
    rows = []

    rows.append(
        _item("empowered", "in playbook", "guidelines.empowered: " + "; ".join(g.empowered))
        if g.empowered
        else _item("empowered", "to agree", "not in the playbook (guidelines.empowered)")
    )

    patterns = ", ".join(playbook.listening.pii_patterns) or "none of the client's own"
    rows.append(
        _item(
            "privacy",
            "in playbook",
            "voice.must_offer_private_channel_for_pii: true; personal data is redacted "
            f"(listening.pii_patterns: {patterns})",
        )
        if voice.must_offer_private_channel_for_pii
        else _item("privacy", "missing", "voice.must_offer_private_channel_for_pii is switched off")
    )

    rules = []
    if voice.max_length:
        rules.append("max_length " + ", ".join(f"{k} {v}" for k, v in voice.max_length.items()))
    if voice.banned_phrases:
        rules.append(f"{len(voice.banned_phrases)} banned phrase(s)")
    if voice.greeting:
        rules.append(f"{len(voice.greeting)} greeting(s)")
    if voice.sign_off:
        rules.append(f"{len(voice.sign_off)} sign-off(s)")
    if voice.min_sentiment is not None:
        rules.append(f"min_sentiment {voice.min_sentiment:g}")
    if voice.max_canned_reuse is not None:
        rules.append(f"max_canned_reuse {voice.max_canned_reuse}")
    rows.append(
        _item("voice", "in playbook", "voice: " + "; ".join(rules))
        if rules
        else _item("voice", "missing", "no brand-voice rule in voice")
    )

    if routing.crisis is None:
        rows.append(_item("escalation", "missing", "routing.crisis is not set"))
    else:
        evidence = f"routing.crisis: {routing.crisis}"
        if routing.crisis != "pr":
            evidence += " (the method escalates crises to PR)"
        if g.escalation:
            evidence += f"; guidelines.escalation: {g.escalation}"
        rows.append(_item("escalation", "in playbook", evidence))

    unrouted = [i for i in INTENTS if i not in routing.by_intent]
    mapped = ", ".join(f"{k} -> {v}" for k, v in routing.by_intent.items())
    extra = f"; {len(routing.rules)} rule(s) by priority" if routing.rules else ""
    rows.append(
        _item("routing", "in playbook", f"routing: {mapped}{extra}")
        if not unrouted
        else _item(
            "routing",
            "missing",
            f"no department for {', '.join(unrouted)} (they go to {routing.default}, "
            f"routing.default)" + (f"; routed: {mapped}" if mapped else "") + extra,
        )
    )

    used = [
        d
        for d in dict.fromkeys(
            [
                *routing.by_intent.values(),
                *(r.department for r in routing.rules),
                *([routing.crisis] if routing.crisis else []),
                *([routing.default] if unrouted else []),
            ]
        )
    ]
    named = ", ".join(f"{k}: {v}" for k, v in g.owners.items())
    without = [d for d in used if d not in g.owners]
    rows.append(
        _item("owners", "in playbook", f"guidelines.owners: {named}")
        if not without
        else _item(
            "owners",
            "to agree",
            f"no owner named for {', '.join(without)} (guidelines.owners)"
            + (f"; named: {named}" if named else ""),
        )
    )

    if not sla.policies:
        rows.append(_item("response_times", "missing", "sla.policies is empty"))
    else:
        targets = "; ".join(f"{p.label} {format_duration(p.first_response)}" for p in sla.policies)
        catch_all = any(
            p.intent is None and p.priority is None and p.platform is None for p in sla.policies
        )
        note = "" if catch_all else " (no catch-all policy: some conversations have no target)"
        rows.append(_item("response_times", "in playbook", f"first response: {targets}{note}"))

    hours = sla.business_hours
    rows.append(
        _item(
            "listening_hours",
            "in playbook",
            f"sla.business_hours: {hours.describe()}, {playbook.timezone}",
        )
        if hours
        else _item(
            "listening_hours", "to agree", "sla.business_hours is not set: SLA clocks run 24/7"
        )
    )
    return pd.DataFrame(rows, columns=["id", "item", "why", "status", "evidence"])
