"""The alerts of a run's window: the playbook's rules on step 3's frames, then delivery.

What notebook 03 (or the runner) calls with the frames it has in memory: the scored mentions
of the window and step 3's spikes. The SLA clocks are computed here, judged at ``as_of``
(default: now, because "due within 30 minutes" means from now), with the same chain step 4
uses (:func:`socialcrm_utils.conversations.clock_conversations`); the history for the
``new_platform`` and ``new_language`` rules is the store's, before the window's first post.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping

import pandas as pd
import requests

from ..conversations import clock_conversations
from ..playbook import Playbook
from ..playbook.alerts import NewLanguageRule, NewPlatformRule, SlaDueRule
from ..store import Store
from .delivery import DeliveryReport, deliver_alerts, known_values
from .rules import evaluate_rules

__all__ = ["deliver_window_alerts", "raise_window_alerts"]


def raise_window_alerts(
    playbook: Playbook,
    scored: pd.DataFrame,
    spikes: pd.DataFrame | None = None,
    *,
    store: Store | None = None,
    as_of: dt.datetime | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The alerts the playbook's rules raise on a run's window.

    Args:
        playbook: The client's playbook (``alerts.rules``, SLA, handles, time zone).
        scored: The window's scored mentions (step 3).
        spikes: Step 3's spike alerts (``alerts.csv``); None skips the ``spike`` rule.
        store: The CRM store, for the history of platforms and languages; without it the
            ``new_platform`` and ``new_language`` rules are skipped.
        as_of: The instant the SLA clocks are judged at (default now, UTC).

    Returns:
        Alert rows (:data:`~.rules.ALERT_COLUMNS`), most severe first.
    """
    rules = playbook.alerts.rules
    kinds = {type(rule) for rule in rules}
    clocks = None
    if SlaDueRule in kinds and len(scored):
        now = pd.Timestamp(as_of if as_of is not None else dt.datetime.now(dt.UTC))
        clocks = clock_conversations(scored, playbook, now)
    since = scored["created_at"].min() if "created_at" in scored.columns and len(scored) else None
    platforms = languages = None
    if store is not None and NewPlatformRule in kinds:
        platforms = known_values(store, playbook.client, "platform", before=since)
    if store is not None and NewLanguageRule in kinds:
        languages = known_values(store, playbook.client, "lang", before=since)
    return evaluate_rules(
        rules,
        spikes=spikes,
        clocks=clocks,
        mentions=scored,
        known_platforms=platforms,
        known_languages=languages,
        timezone=playbook.timezone,
    )


def deliver_window_alerts(
    playbook: Playbook,
    scored: pd.DataFrame,
    spikes: pd.DataFrame | None = None,
    *,
    store: Store | None = None,
    run_id: int | None = None,
    as_of: dt.datetime | pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, DeliveryReport]:
    """:func:`raise_window_alerts`, then :func:`~.delivery.deliver_alerts` of what they raise.

    Returns:
        The alerts and the delivery report (``report.frame()`` for a table, ``report.lines()``
        to print). Nothing raises for a channel's failure.
    """
    alerts = raise_window_alerts(playbook, scored, spikes, store=store, as_of=as_of)
    report = deliver_alerts(
        alerts, playbook, store, run_id=run_id, sleep=sleep, environ=environ, session=session
    )
    return alerts, report
