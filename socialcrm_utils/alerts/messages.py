"""What an alert looks like on each channel: an e-mail, and Slack, Teams, Mattermost, JSON bodies.

Pure functions of one alert (a mapping with :data:`~.rules.ALERT_COLUMNS`) and the client id;
nothing here knows an address, a URL or a secret (the channel adds sender and recipients).
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from .. import __version__

__all__ = [
    "ADAPTIVE_CARD_SCHEMA",
    "email_message",
    "json_payload",
    "mattermost_payload",
    "slack_payload",
    "teams_payload",
    "webhook_payload",
]

#: The JSON schema an Adaptive Card names (Teams).
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_TEAMS_COLOR = {"critical": "Attention", "warning": "Warning", "info": "Default"}


def _headline(alert: Mapping[str, Any], client: str) -> str:
    """``[CRITICAL] acme-air: <title>``."""
    return f"[{str(alert['severity']).upper()}] {client}: {alert['title']}"


def _facts(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Rule", str(alert["rule"])),
        ("Window", str(alert["window"])),
        ("Subject", str(alert["subject"])),
        ("Severity", str(alert["severity"])),
    ]


def email_message(alert: Mapping[str, Any], client: str) -> EmailMessage:
    """The e-mail of an alert, without ``From`` and ``To`` (the channel sets them).

    Examples:
        >>> alert = {"rule": "spike", "window": "2026-01-11", "subject": "complaints",
        ...     "severity": "warning", "title": "Spike: 30 complaints on 2026-01-11",
        ...     "message": "Spike: 30 complaints ...", "url": None}
        >>> message = email_message(alert, "acme-air")
        >>> message["Subject"]
        'acme-air alert (warning): Spike: 30 complaints on 2026-01-11'
        >>> message.get_content().splitlines()[:3]
        ['Spike: 30 complaints ...', '', 'Rule: spike']
    """
    lines = [str(alert["message"]), ""]
    lines += [f"{name}: {value}" for name, value in _facts(alert)]
    if alert.get("url"):
        lines.append(f"Link: {alert['url']}")
    lines += ["", f"Sent by socialcrm-suite {__version__} for {client}; each alert is sent once."]
    message = EmailMessage()
    # Not "[WARNING] ...": Python's header folding breaks a long subject that opens with "[".
    message["Subject"] = f"{client} alert ({alert['severity']}): {alert['title']}"
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = email.utils.make_msgid(domain="socialcrm.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n")
    return message


def _slack_escape(text: str) -> str:
    """Slack's three control characters as entities (its formatting docs)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(alert: Mapping[str, Any], client: str) -> dict[str, Any]:
    """A Slack incoming-webhook body: one ``text`` in mrkdwn.

    Examples:
        >>> slack_payload({"rule": "sla_due", "window": "w", "subject": "x:c1",
        ...     "severity": "critical", "title": "SLA due in 15 min", "message": "Reply <now>",
        ...     "url": "https://x.example/c1"}, "acme-air")
        {'text': '*[CRITICAL] acme-air: SLA due in 15 min*\\nReply &lt;now&gt;\\n<https://x.example/c1>'}
    """
    text = f"*{_slack_escape(_headline(alert, client))}*\n{_slack_escape(str(alert['message']))}"
    if alert.get("url"):
        text += f"\n<{alert['url']}>"
    return {"text": text}


def mattermost_payload(alert: Mapping[str, Any], client: str) -> dict[str, Any]:
    """A Mattermost incoming-webhook body: one ``text`` in Markdown.

    Examples:
        >>> mattermost_payload({"rule": "spike", "window": "2026-01-11", "subject": "complaints",
        ...     "severity": "warning", "title": "Spike", "message": "30 complaints",
        ...     "url": None}, "acme-air")
        {'text': '#### [WARNING] acme-air: Spike\\n30 complaints'}
    """
    text = f"#### {_headline(alert, client)}\n{alert['message']}"
    if alert.get("url"):
        text += f"\n{alert['url']}"
    return {"text": text}


def teams_payload(alert: Mapping[str, Any], client: str) -> dict[str, Any]:
    """A Microsoft Teams webhook body: a message with one Adaptive Card (version 1.4).

    The form Teams' incoming webhooks and Workflows ("Post to a channel when a webhook request
    is received") both accept: ``type: message`` with an ``attachments`` list.
    """
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": _headline(alert, client),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": _TEAMS_COLOR.get(str(alert["severity"]), "Default"),
        },
        {"type": "TextBlock", "text": str(alert["message"]), "wrap": True},
        {"type": "FactSet", "facts": [{"title": n, "value": v} for n, v in _facts(alert)]},
    ]
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if alert.get("url"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": alert["url"]}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def json_payload(alert: Mapping[str, Any], client: str) -> dict[str, Any]:
    """A plain-JSON webhook body: the client and the alert's fields as they are.

    Examples:
        >>> json_payload({"rule": "spike", "window": "2026-01-11", "subject": "complaints",
        ...     "severity": "warning", "title": "Spike", "message": "30 complaints",
        ...     "url": None}, "acme-air")["subject"]
        'complaints'
    """
    return {
        "client": client,
        "rule": alert["rule"],
        "window": alert["window"],
        "subject": alert["subject"],
        "severity": alert["severity"],
        "title": alert["title"],
        "message": alert["message"],
        "url": alert.get("url"),
        "sender": f"socialcrm-suite/{__version__}",
    }


_PAYLOADS = {
    "slack": slack_payload,
    "teams": teams_payload,
    "mattermost": mattermost_payload,
    "webhook": json_payload,
}


def webhook_payload(kind: str, alert: Mapping[str, Any], client: str) -> dict[str, Any]:
    """The body for a webhook channel of ``kind`` (``slack``, ``teams``, ``mattermost``,
    ``webhook``)."""
    return _PAYLOADS[kind](alert, client)
