"""Alert deliveries: which alert went to which channel, when, after how many attempts.

One row of ``alert_deliveries`` per alert and channel, keyed by client, ``rule``, ``window``,
``subject`` and ``channel`` (:mod:`socialcrm_utils.alerts` sends an alert only to channels that
have no ``sent`` row for its key yet). A failed delivery keeps its row with ``status`` ``failed``
and the ``reason``; the next run tries again and adds its attempts. Rows hold identifiers and
delivery facts only: never a message text, an address's password or a webhook URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from .frames import _frame, _utc_ns
from .schema import DELIVERY_STATUSES, StoreError, UTCDateTime, alert_deliveries
from .sql import _upsert, write_transaction

__all__ = ["DELIVERY_KEY", "DeliveriesMixin"]

#: The columns that make an alert delivery unique (with ``client``).
DELIVERY_KEY: tuple[str, ...] = ("rule", "window", "subject", "channel")


class DeliveriesMixin:
    """Methods of :class:`~socialcrm_utils.store.Store` on alert deliveries."""

    engine: Engine

    def sent_alerts(self, client: str) -> set[tuple[str, str, str, str]]:
        """Keys ``(rule, window, subject, channel)`` of the client's alerts already sent.

        Examples:
            >>> from socialcrm_utils.store import open_store
            >>> with open_store("sqlite:///:memory:") as store:
            ...     _ = store.record_deliveries("acme-air", [{"rule": "spike",
            ...         "window": "2026-01-11", "subject": "complaints", "channel": "slack",
            ...         "status": "sent", "attempts": 1}])
            ...     store.sent_alerts("acme-air")
            {('spike', '2026-01-11', 'complaints', 'slack')}
        """
        table = alert_deliveries
        query = select(*[table.c[k] for k in DELIVERY_KEY]).where(
            table.c.client == client, table.c.status == "sent"
        )
        with self.engine.connect() as conn:
            return {tuple(row) for row in conn.execute(query).all()}

    def record_deliveries(
        self, client: str, deliveries: Sequence[Mapping[str, Any]], run_id: int | None = None
    ) -> int:
        """Record delivery outcomes, one per alert and channel (one transaction).

        A key seen before is updated: the new status, reason and time; its attempts are added
        to the earlier ones and its first attempt's time is kept.

        Args:
            client: The playbook's client id.
            deliveries: Mappings with the :data:`DELIVERY_KEY` columns, ``status`` (``sent`` or
                ``failed``), ``attempts``, and optionally ``severity``, ``reason``,
                ``tried_at`` (default now) and ``sent_at`` (default ``tried_at`` when sent).
            run_id: The run that delivered them (:meth:`record_run`), if any.

        Returns:
            The number of keys written.

        Raises:
            StoreError: If a status is not one of :data:`DELIVERY_STATUSES` or a key is missing.
        """
        now = dt.datetime.now(dt.UTC)
        rows = []
        for item in deliveries:
            missing = [k for k in (*DELIVERY_KEY, "status", "attempts") if item.get(k) is None]
            if missing:
                raise StoreError(f"an alert delivery lacks {', '.join(missing)}")
            if item["status"] not in DELIVERY_STATUSES:
                raise StoreError(
                    f"alert delivery status {item['status']!r} is not allowed "
                    f"(allowed: {', '.join(DELIVERY_STATUSES)})"
                )
            tried = item.get("tried_at") or now
            sent = item.get("sent_at") or (tried if item["status"] == "sent" else None)
            rows.append(
                {
                    "client": client,
                    **{k: str(item[k]) for k in DELIVERY_KEY},
                    "severity": item.get("severity"),
                    "status": item["status"],
                    "reason": item.get("reason"),
                    "attempts": int(item["attempts"]),
                    "first_tried_at": tried,
                    "last_tried_at": tried,
                    "sent_at": sent,
                    "run_id": run_id,
                }
            )
        table = alert_deliveries
        with write_transaction(self.engine) as conn:
            return _upsert(
                conn,
                table,
                rows,
                ["client", *DELIVERY_KEY],
                ["severity", "status", "reason", "last_tried_at", "sent_at", "run_id"],
                lambda new: {"attempts": table.c.attempts + new.attempts},
            )

    def alert_deliveries(
        self, client: str, since: dt.datetime | pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """The client's alert deliveries as a frame, oldest first.

        Args:
            client: The playbook's client id.
            since: Only deliveries last tried at or after this instant (naive: UTC).

        Returns:
            The table's columns; timestamps as ``datetime64[ns, UTC]``.
        """
        table = alert_deliveries
        query = select(table).where(table.c.client == client)
        if since is not None:
            since = pd.Timestamp(since)
            since = since.tz_localize("UTC") if since.tzinfo is None else since
            query = query.where(table.c.last_tried_at >= since.to_pydatetime())
        with self.engine.connect() as conn:
            result = conn.execute(query.order_by(table.c.id))
            frame = _frame(result.all(), list(result.keys()))
        for column in table.columns:
            if isinstance(column.type, UTCDateTime):
                frame[column.name] = _utc_ns(frame[column.name])
        return frame
