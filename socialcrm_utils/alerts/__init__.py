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

from .channels import Outcome, clean_reason, post_webhook, send_email
from .delivery import (
    DELIVERY_COLUMNS,
    MAX_WAIT,
    Delivery,
    DeliveryReport,
    check_alert_environment,
    deliver_alerts,
    known_values,
    make_test_alert,
    send_test_alerts,
    send_with_retries,
)
from .messages import (
    email_message,
    json_payload,
    mattermost_payload,
    slack_payload,
    teams_payload,
    webhook_payload,
)
from .rules import (
    ALERT_COLUMNS,
    empty_alerts,
    evaluate_rules,
    new_value_alerts,
    pii_alerts,
    reach_complaint_alerts,
    sla_due_alerts,
    spike_alerts,
)
from .window import deliver_window_alerts, raise_window_alerts

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
