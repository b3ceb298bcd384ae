"""Delivering alerts: once per alert and channel, retried with back-off, recorded in the store.

:func:`deliver_alerts` sends each alert row (:data:`~.rules.ALERT_COLUMNS`) to every channel
of the playbook's ``alerts:`` section, except where the store already records it as ``sent``
under the same key (client, rule, window, subject, channel). A failed attempt is retried when
another could help (connection trouble, SMTP ``4xx``, HTTP ``429``/``5xx``): ``retries`` times,
waiting ``backoff * 2**(n-1)`` seconds before retry *n* (a ``Retry-After`` when the server
sends one), never longer than :data:`MAX_WAIT`. A channel that still fails after its retries
is not tried again in this run: its remaining alerts are recorded ``failed`` ("not tried") and
go out on the next run. Nothing here raises for a channel's failure: the caller gets a
:class:`DeliveryReport` and prints its lines.

Secrets stay out of everything written: reasons are cleaned by
:func:`~.channels.clean_reason`, the store gets keys, statuses, reasons and counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import requests
from sqlalchemy import select

from ..playbook import Playbook
from ..playbook.alerts import Alerts, EmailChannel
from ..sources.retry import MAX_BACKOFF
from ..store import Store, interactions
from .channels import Outcome, post_webhook, send_email
from .messages import email_message, webhook_payload
from .report import DELIVERY_COLUMNS, Delivery, DeliveryReport, check_alert_environment

__all__ = [
    "DELIVERY_COLUMNS",
    "MAX_WAIT",
    "Delivery",
    "DeliveryReport",
    "check_alert_environment",
    "deliver_alerts",
    "known_values",
    "send_test_alerts",
    "send_with_retries",
    "make_test_alert",
]

logger = logging.getLogger(__name__)

#: Longest wait between two attempts, in seconds (the HTTP client's cap).
MAX_WAIT = MAX_BACKOFF


def send_with_retries(
    send: Callable[[], Outcome],
    settings: Alerts,
    *,
    sleep: Callable[[float], None] = time.sleep,
    label: str = "channel",
) -> tuple[Outcome, int]:
    """Call ``send`` until it succeeds, fails for good, or the retries are spent.

    Args:
        send: One attempt (:func:`~.channels.send_email` or :func:`~.channels.post_webhook`
            bound to its message).
        settings: The playbook's ``alerts`` (``retries``, ``backoff``).
        sleep: Called with the seconds to wait between attempts (tests pass a recorder).
        label: The channel's label, for log lines.

    Returns:
        The last outcome and the number of attempts made.

    Examples:
        >>> answers = iter([Outcome(False, "HTTP 503", retry=True), Outcome(True)])
        >>> waits = []
        >>> send_with_retries(lambda: next(answers), Alerts(backoff=2), sleep=waits.append)
        (Outcome(ok=True, reason='', retry=False, wait=None), 2)
        >>> waits
        [2.0]
    """
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        outcome = send()
        if outcome.ok or not outcome.retry or attempt == attempts:
            return outcome, attempt
        wait = outcome.wait
        if wait is None:
            wait = min(settings.backoff * 2 ** (attempt - 1), MAX_WAIT)
        elif wait > MAX_WAIT:
            reason = f"{outcome.reason}; the server asks to wait {wait:.0f} s (over {MAX_WAIT:g})"
            return Outcome(False, reason, retry=True), attempt
        logger.warning(
            "alert to %s: %s; retry %d of %d in %.1f s",
            label,
            outcome.reason,
            attempt,
            attempts - 1,
            wait,
        )
        sleep(float(wait))
    raise AssertionError("unreachable")  # the loop returns on its last attempt


def _send_once(
    channel: Any,
    alert: Mapping[str, Any],
    client: str,
    settings: Alerts,
    environ: Mapping[str, str] | None,
    session: requests.Session | None,
) -> Outcome:
    if isinstance(channel, EmailChannel):
        return send_email(
            channel, email_message(alert, client), timeout=settings.timeout, environ=environ
        )
    return post_webhook(
        channel,
        webhook_payload(channel.kind, alert, client),
        timeout=settings.timeout,
        environ=environ,
        session=session,
    )


def deliver_alerts(
    alerts: pd.DataFrame,
    playbook: Playbook,
    store: Store | None = None,
    *,
    run_id: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> DeliveryReport:
    """Send every alert to every channel once; record each delivery in the store.

    Args:
        alerts: Alert rows (:func:`~.rules.evaluate_rules`).
        playbook: The client's playbook (``client`` and ``alerts``).
        store: The CRM store that deduplicates and records deliveries; without one every
            alert is sent and nothing is recorded.
        run_id: The run that raised them (:meth:`Store.record_run`), recorded with each row.
        sleep: Called with the seconds to wait between attempts.
        environ: The variables for ``${NAME}`` placeholders (default ``os.environ``).
        session: A requests session for webhooks (default: one per request).

    Returns:
        What was sent, what failed and why, and how many were skipped as already sent.
    """
    settings = playbook.alerts
    labels = tuple(channel.label for channel in settings.channels)
    if alerts.empty or not settings.channels:
        return DeliveryReport(channels=labels)
    done = store.sent_alerts(playbook.client) if store is not None else set()
    rows = alerts.to_dict("records")
    deliveries: list[Delivery] = []
    skipped = 0
    for channel in settings.channels:
        mine: list[Delivery] = []
        broken = ""
        for alert in rows:
            key = (str(alert["rule"]), str(alert["window"]), str(alert["subject"]), channel.label)
            if key in done:
                skipped += 1
                continue
            if broken:
                outcome, attempts = Outcome(False, f"not tried: {broken}"), 0
            else:
                outcome, attempts = send_with_retries(
                    lambda alert=alert, channel=channel: _send_once(
                        channel, alert, playbook.client, settings, environ, session
                    ),
                    settings,
                    sleep=sleep,
                    label=channel.label,
                )
                if not outcome.ok and outcome.retry:  # still down after the retries
                    broken = f"{channel.label} failed earlier in this run ({outcome.reason})"
            mine.append(
                Delivery(
                    *key,
                    severity=str(alert["severity"]),
                    status="sent" if outcome.ok else "failed",
                    attempts=attempts,
                    reason=outcome.reason,
                )
            )
        _log_channel(channel.label, mine)
        if store is not None and mine:
            store.record_deliveries(playbook.client, [vars(d) for d in mine], run_id)
        deliveries += mine
    return DeliveryReport(tuple(deliveries), skipped, labels)


def _log_channel(label: str, deliveries: list[Delivery]) -> None:
    failed = [d for d in deliveries if d.status == "failed"]
    if failed:
        logger.warning(
            "alerts to %s: %d of %d failed (%s); they are tried again on the next run",
            label,
            len(failed),
            len(deliveries),
            failed[0].reason,
        )
    elif deliveries:
        logger.info("alerts to %s: %d sent", label, len(deliveries))


def make_test_alert(playbook: Playbook, now: dt.datetime | None = None) -> dict[str, Any]:
    """The alert ``socialcrm alerts test`` sends (rule ``test``, never recorded).

    Examples:
        >>> from socialcrm_utils.playbook import Playbook
        >>> book = Playbook.model_validate({"client": "acme-air", "name": "ACME Air",
        ...     "brand": {"handles": ["@acme"]}, "sources": [{"kind": "rss",
        ...     "url": "https://x.example/feed"}]})
        >>> make_test_alert(book, dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC))["title"]
        'Test alert for ACME Air'
    """
    now = now or dt.datetime.now(dt.UTC)
    return {
        "rule": "test",
        "window": f"{now:%Y-%m-%dT%H:%MZ}",
        "subject": "test",
        "severity": "info",
        "title": f"Test alert for {playbook.name}",
        "message": (
            f"This is a test of the alert channels of {playbook.client}: if you read "
            "it, this channel works. Nothing happened."
        ),
        "url": None,
    }


def send_test_alerts(
    playbook: Playbook,
    *,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> list[str]:
    """``socialcrm alerts test PLAYBOOK``: one test message per channel, one line per channel.

    Test messages are retried like alerts but neither deduplicated nor recorded.

    Args:
        playbook: The client's playbook.
        sleep: Called with the seconds to wait between attempts.
        environ: The variables for ``${NAME}`` placeholders (default ``os.environ``).
        session: A requests session for webhooks.

    Returns:
        ``<channel>: sent`` or ``<channel>: failed after N attempts: <reason>`` per channel
        (a line saying there are none when the playbook has no channels).

    Raises:
        PlaybookError: If a variable a channel names is not set (before anything is sent).
    """
    check_alert_environment(playbook, environ)
    settings = playbook.alerts
    if not settings.channels:
        return ["no alert channels: add alerts.channels to the playbook (docs/alerts.md)"]
    alert = make_test_alert(playbook)
    lines = []
    for channel in settings.channels:
        outcome, attempts = send_with_retries(
            lambda channel=channel: _send_once(
                channel, alert, playbook.client, settings, environ, session
            ),
            settings,
            sleep=sleep,
            label=channel.label,
        )
        if outcome.ok:
            lines.append(
                f"{channel.label}: sent" + (f" ({outcome.reason})" if outcome.reason else "")
            )
        else:
            tries = f"{attempts} attempt{'s' * (attempts != 1)}"
            lines.append(f"{channel.label}: failed after {tries}: {outcome.reason}")
    return lines


def known_values(store: Store, client: str, column: str, before: Any = None) -> set[str]:
    """Distinct ``platform`` or ``lang`` values of the client's stored interactions.

    The history the ``new_platform`` and ``new_language`` rules compare with.

    Args:
        store: The CRM store.
        client: The playbook's client id.
        column: ``platform`` or ``lang``.
        before: Only interactions created before this instant (e.g. the window's first
            mention), so that this run's own mentions are never their own history.

    Returns:
        The values, lower-cased.

    Examples:
        >>> from socialcrm_utils.store import open_store
        >>> with open_store("sqlite:///:memory:") as store:
        ...     known_values(store, "acme-air", "platform")
        set()
    """
    if column not in ("platform", "lang"):
        raise ValueError(f"{column!r} is not a history column (allowed: platform, lang)")
    col = interactions.c[column]
    query = select(col).distinct().where(interactions.c.client == client, col.is_not(None))
    if before is not None and not pd.isna(before):
        stamp = pd.Timestamp(before)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        query = query.where(interactions.c.created_at < stamp.to_pydatetime())
    with store.engine.connect() as conn:
        values: Iterable[Any] = conn.execute(query).scalars().all()
    return {str(v).strip().lower() for v in values if str(v).strip()}
