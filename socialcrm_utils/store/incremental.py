"""The store's part of incremental runs: cursors, files read, the run lock, the history window.

Tables (schema version 5, :mod:`socialcrm_utils.store.schema`):

================ ============================================================================
table            one row per
================ ============================================================================
source_cursors   client and source label: where a feed or API source stands (the JSON of a
                 :class:`~socialcrm_utils.sources.apis.SourceCursor`), ``updated_at``
seen_files       client, source label and file path read: ``size``, ``mtime``, ``sha256``
run_locks        client whose run is going on: ``pid``, ``host``, ``started_at``, ``command``
mention_metrics  mention (client, platform, ``mention_id``): ``reach``, ``likes``, ``shares``,
                 ``replies``, which ``interactions`` does not keep
================ ============================================================================

:func:`read_history` gives the client's stored mentions of a window back as canonical
mentions (text = ``text_redacted``), for a run on a rolling window (``docs/incremental.md``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from ..exceptions import RunLockedError
from .frames import _frame, _utc_ns
from .runs import _process_alive
from .schema import (
    _IN_BATCH,
    UNKNOWN_PLATFORM,
    identities,
    interactions,
    mention_metrics,
    run_locks,
    seen_files,
    source_cursors,
)
from .sql import _upsert, write_transaction

__all__ = [
    "HISTORY_SOURCE",
    "FileSeen",
    "RunLock",
    "acquire_lock",
    "known_mentions",
    "read_cursors",
    "read_history",
    "read_seen_files",
    "release_lock",
    "save_cursors",
    "save_mention_metrics",
    "save_seen_files",
]

logger = logging.getLogger(__name__)

#: ``source`` of the mentions :func:`read_history` gives back.
HISTORY_SOURCE = "history"

_METRICS = ("reach", "likes", "shares", "replies")


@dataclass(frozen=True)
class FileSeen:
    """A file an incremental run has read: where, how big, when changed, its SHA-256."""

    source: str
    path: str
    size: int
    mtime: float
    sha256: str


@dataclass(frozen=True)
class RunLock:
    """Who runs a client now: process id, host, start time and command."""

    client: str
    pid: int
    host: str
    started_at: dt.datetime
    command: str | None = None

    def describe(self) -> str:
        """``pid 4711 on host-a since 2026-05-04 09:30 UTC (socialcrm watch)``."""
        what = f" ({self.command})" if self.command else ""
        return f"pid {self.pid} on {self.host} since {self.started_at:%Y-%m-%d %H:%M:%S} UTC{what}"


# -- cursors ------------------------------------------------------------------------------------


def read_cursors(engine: Engine, client: str) -> dict[str, dict[str, Any]]:
    """The stored cursors of a client: source label -> the cursor's JSON values."""
    query = select(source_cursors.c.source, source_cursors.c.cursor).where(
        source_cursors.c.client == client
    )
    with engine.connect() as conn:
        return {row.source: json.loads(row.cursor) for row in conn.execute(query)}


def save_cursors(engine: Engine, client: str, cursors: Mapping[str, Mapping[str, Any]]) -> int:
    """Store (replace) the cursors of a client's sources; returns the number written.

    Examples:
        >>> from socialcrm_utils.store import open_store
        >>> with open_store("sqlite:///:memory:") as store:
        ...     _ = save_cursors(store.engine, "acme-air", {"x:'acme'": {"last_id": "42"}})
        ...     read_cursors(store.engine, "acme-air")
        {"x:'acme'": {'last_id': '42'}}
    """
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"client": client, "source": label, "cursor": json.dumps(dict(values)), "updated_at": now}
        for label, values in cursors.items()
    ]
    with write_transaction(engine) as conn:
        return _upsert(conn, source_cursors, rows, ["client", "source"], ["cursor", "updated_at"])


# -- files --------------------------------------------------------------------------------------


def read_seen_files(engine: Engine, client: str) -> dict[tuple[str, str], FileSeen]:
    """The files a client's incremental runs have read: (source, path) -> :class:`FileSeen`."""
    table = seen_files
    query = select(table.c.source, table.c.path, table.c.size, table.c.mtime, table.c.sha256)
    with engine.connect() as conn:
        rows = conn.execute(query.where(table.c.client == client)).all()
    return {
        (r.source, r.path): FileSeen(r.source, r.path, int(r.size), float(r.mtime), r.sha256)
        for r in rows
    }


def save_seen_files(engine: Engine, client: str, files: Iterable[FileSeen]) -> int:
    """Record files as read (a file read again replaces its row); returns the number written."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "client": client,
            "source": f.source,
            "path": f.path,
            "size": f.size,
            "mtime": f.mtime,
            "sha256": f.sha256,
            "read_at": now,
        }
        for f in files
    ]
    with write_transaction(engine) as conn:
        return _upsert(
            conn,
            seen_files,
            rows,
            ["client", "source", "path"],
            ["size", "mtime", "sha256", "read_at"],
        )


# -- the run lock -------------------------------------------------------------------------------


def acquire_lock(engine: Engine, client: str, command: str | None = None) -> RunLock:
    """Take the client's run lock for this process, or say who holds it.

    A lock held by a process of this host that is gone (killed, crashed) is stale: it is taken
    over, with a log line. A lock of another host is never taken over (its process cannot be
    checked from here); delete its row once you know that run is gone.

    Args:
        engine: The store's engine.
        client: The playbook's client id.
        command: What runs (``socialcrm run --incremental``), shown to a second run.

    Returns:
        The lock now held.

    Raises:
        RunLockedError: If another live process holds it (the message names pid, host, start).
            The process that holds it already gets it again.

    Examples:
        >>> from socialcrm_utils.store import open_store
        >>> with open_store("sqlite:///:memory:") as store:
        ...     lock = acquire_lock(store.engine, "acme-air", "socialcrm watch")
        ...     print(lock.pid == os.getpid(), release_lock(store.engine, lock))
        True True
    """
    mine = RunLock(client, os.getpid(), socket.gethostname(), _now(), command)
    values = {
        "client": client,
        "pid": mine.pid,
        "host": mine.host,
        "started_at": mine.started_at,
        "command": command,
    }
    for _ in range(3):  # a race with another process taking or freeing the lock: look again
        holder = _lock_holder(engine, client)
        if holder is None:
            try:
                with write_transaction(engine) as conn:
                    conn.execute(run_locks.insert().values(**values))
                return mine
            except sa_exc.IntegrityError:
                continue
        if holder.pid == mine.pid and holder.host == mine.host:
            return holder  # this process holds it already
        if holder.host != mine.host or _process_alive(holder.pid):
            raise RunLockedError(
                f"{client} is already running: {holder.describe()}; this run stops (the lock "
                "is in the store's run_locks table and goes when that run ends)"
            )
        with write_transaction(engine) as conn:
            taken = conn.execute(
                update(run_locks)
                .where(
                    run_locks.c.client == client,
                    run_locks.c.pid == holder.pid,
                    run_locks.c.host == holder.host,
                )
                .values(**values)
            ).rowcount
        if taken == 1:
            logger.warning(
                "%s: took over the stale run lock of %s (that process is gone)",
                client,
                holder.describe(),
            )
            return mine
    raise RunLockedError(f"{client}: could not take the run lock (other runs keep taking it)")


def release_lock(engine: Engine, lock: RunLock) -> bool:
    """Give the lock back (only if this process still holds it); True when a row was removed."""
    with write_transaction(engine) as conn:
        gone = conn.execute(
            delete(run_locks).where(
                run_locks.c.client == lock.client,
                run_locks.c.pid == lock.pid,
                run_locks.c.host == lock.host,
            )
        ).rowcount
    return gone == 1


def _lock_holder(engine: Engine, client: str) -> RunLock | None:
    with engine.connect() as conn:
        row = conn.execute(select(run_locks).where(run_locks.c.client == client)).first()
    if row is None:
        return None
    started = row.started_at
    return RunLock(row.client, int(row.pid), row.host, started, row.command)


# -- history ------------------------------------------------------------------------------------


def known_mentions(engine: Engine, client: str, keys: pd.DataFrame) -> pd.Series:
    """Which of ``keys`` (``platform``, ``mention_id``) the store holds as interactions.

    Args:
        engine: The store's engine.
        client: The playbook's client id.
        keys: A frame with ``platform`` (None is stored as ``unknown``) and ``mention_id``.

    Returns:
        A boolean Series on ``keys``' index.
    """
    platforms = keys["platform"].astype("string").fillna(UNKNOWN_PLATFORM)
    ids = keys["mention_id"].astype("string")
    wanted = sorted(set(ids.dropna()))
    found: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        for start in range(0, len(wanted), _IN_BATCH):
            query = select(interactions.c.platform, interactions.c.mention_id).where(
                interactions.c.client == client,
                interactions.c.mention_id.in_(wanted[start : start + _IN_BATCH]),
            )
            found.update((r.platform, r.mention_id) for r in conn.execute(query))
    pairs = zip(platforms, ids, strict=True)
    return pd.Series([pair in found for pair in pairs], index=keys.index, dtype=bool)


def save_mention_metrics(engine: Engine, client: str, mentions: pd.DataFrame) -> int:
    """Store the counts of mentions (``reach``, ``likes``, ``shares``, ``replies``).

    Rows whose interaction is gone (erased with ``socialcrm forget``) are removed at the same
    time, so these counts never outlive the mention they belong to.

    Args:
        engine: The store's engine.
        client: The playbook's client id.
        mentions: Step 1's mentions (``platform``, ``mention_id`` and the counts present).

    Returns:
        The number of mentions written.
    """
    frame = pd.DataFrame(
        {
            "client": client,
            "platform": mentions["platform"].astype("string").fillna(UNKNOWN_PLATFORM),
            "mention_id": mentions["mention_id"].astype("string"),
        }
    )
    for name in _METRICS:
        values = mentions[name] if name in mentions.columns else pd.Series(index=mentions.index)
        frame[name] = pd.to_numeric(values, errors="coerce").astype("float64")
    frame = frame.dropna(subset=["mention_id"]).drop_duplicates(
        ["platform", "mention_id"], keep="last"
    )
    rows = [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")
    ]
    table = mention_metrics
    orphan = ~exists().where(
        and_(
            interactions.c.client == table.c.client,
            interactions.c.platform == table.c.platform,
            interactions.c.mention_id == table.c.mention_id,
        )
    )
    with write_transaction(engine) as conn:
        written = _upsert(conn, table, rows, ["client", "platform", "mention_id"], list(_METRICS))
        conn.execute(delete(table).where(table.c.client == client, orphan))
    return written


def read_history(
    engine: Engine, client: str, start: dt.datetime, end: dt.datetime | None = None
) -> pd.DataFrame:
    """The client's stored mentions created in ``[start, end)``, as canonical mentions.

    ``text`` is the stored ``text_redacted`` (the store never holds raw text); ``author_id``
    and ``author_name`` come from the author's identity (brand posts: their ``brand_handle``);
    ``reach``, ``likes``, ``shares`` and ``replies`` from ``mention_metrics`` (empty for
    mentions stored before schema version 5); ``source`` is :data:`HISTORY_SOURCE`.

    Args:
        engine: The store's engine.
        client: The playbook's client id.
        start: First instant of the window (UTC; naive is taken as UTC).
        end: End of the window (exclusive); open when None.

    Returns:
        Canonical mention columns, ordered by ``created_at`` and ``mention_id``.
    """
    i, who, m = interactions, identities, mention_metrics
    joined = i.outerjoin(who, who.c.id == i.c.identity_id).outerjoin(
        m,
        and_(
            m.c.client == i.c.client, m.c.platform == i.c.platform, m.c.mention_id == i.c.mention_id
        ),
    )
    query = (
        select(
            i.c.mention_id,
            i.c.platform,
            func.coalesce(who.c.author_id, i.c.brand_handle).label("author_id"),
            func.coalesce(who.c.display_name, i.c.brand_handle).label("author_name"),
            i.c.text_redacted.label("text"),
            i.c.created_at,
            i.c.url,
            i.c.lang,
            i.c.in_reply_to_id,
            i.c.conversation_id,
            i.c.is_brand,
            *(m.c[name] for name in _METRICS),
        )
        .select_from(joined)
        .where(i.c.client == client, i.c.created_at >= _utc(start))
        .order_by(i.c.created_at, i.c.mention_id)
    )
    if end is not None:
        query = query.where(i.c.created_at < _utc(end))
    with engine.connect() as conn:
        result = conn.execute(query)
        frame = _frame(result.all(), list(result.keys()))
    frame["created_at"] = _utc_ns(frame["created_at"])
    frame["is_brand"] = frame["is_brand"].astype(bool)
    for name in _METRICS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    frame["source"] = HISTORY_SOURCE
    return frame


def _utc(value: dt.datetime) -> dt.datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
