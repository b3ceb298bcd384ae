"""Alerts delivered: rules raise them from a run's artifacts, channels deliver each one once.

The playbook's ``alerts:`` section (:class:`~socialcrm_utils.playbook.alerts.Alerts`) names the
rules and the channels; ``docs/alerts.md`` is the reference. A run uses three calls::

    from socialcrm_utils.alerts import deliver_alerts, evaluate_rules, known_values

    alerts = evaluate_rules(playbook.alerts.rules, spikes=spikes, clocks=clocks,
                            mentions=scored, timezone=playbook.timezone,
                            known_platforms=known_values(store, client, "platform", since),
                            known_languages=known_values(store, client, "lang", since))
    report = deliver_alerts(alerts, playbook, store, run_id=run_id)
    for line in report.lines():
        print(line)

Modules: :mod:`.rules` (pure functions from frames to alert rows), :mod:`.messages` (the
e-mail and the Slack, Teams, Mattermost and JSON bodies), :mod:`.channels` (one SMTP or webhook
attempt), :mod:`.delivery` (dedupe in the store, retries, the report, ``alerts test``),
:mod:`.window` (both for a run's window in one call: :func:`deliver_window_alerts`).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives: the package imports a module when one of its names is
#: first used (PEP 562), so the runner, which needs only :mod:`.report`, imports neither
#: pandas nor the HTTP and SMTP clients.
_MODULES: dict[str, str] = {
    "ALERT_COLUMNS": "rules",
    "check_alert_environment": "report",
    "clean_reason": "channels",
    "deliver_alerts": "delivery",
    "deliver_window_alerts": "window",
    "Delivery": "report",
    "DELIVERY_COLUMNS": "report",
    "DeliveryReport": "report",
    "email_message": "messages",
    "empty_alerts": "rules",
    "evaluate_rules": "rules",
    "json_payload": "messages",
    "known_values": "delivery",
    "make_test_alert": "delivery",
    "mattermost_payload": "messages",
    "MAX_WAIT": "delivery",
    "new_value_alerts": "rules",
    "Outcome": "channels",
    "pii_alerts": "rules",
    "post_webhook": "channels",
    "raise_window_alerts": "window",
    "reach_complaint_alerts": "rules",
    "send_email": "channels",
    "send_test_alerts": "delivery",
    "send_with_retries": "delivery",
    "sla_due_alerts": "rules",
    "slack_payload": "messages",
    "spike_alerts": "rules",
    "teams_payload": "messages",
    "webhook_payload": "messages",
}

__all__ = [
    "ALERT_COLUMNS",
    "DELIVERY_COLUMNS",
    "MAX_WAIT",
    "Delivery",
    "DeliveryReport",
    "Outcome",
    "check_alert_environment",
    "clean_reason",
    "deliver_alerts",
    "deliver_window_alerts",
    "email_message",
    "empty_alerts",
    "evaluate_rules",
    "json_payload",
    "known_values",
    "make_test_alert",
    "mattermost_payload",
    "new_value_alerts",
    "pii_alerts",
    "post_webhook",
    "raise_window_alerts",
    "reach_complaint_alerts",
    "send_email",
    "send_test_alerts",
    "send_with_retries",
    "slack_payload",
    "sla_due_alerts",
    "spike_alerts",
    "teams_payload",
    "webhook_payload",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
