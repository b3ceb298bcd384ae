"""Runs and their KPI snapshots: recording a run, saving its KPIs, the KPI history, and the
status of runs whose process was killed (see "Killed runs" in :mod:`socialcrm_utils.store`)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from ..schema import KPIS
from .frames import _frame, _number, _utc_ns
from .schema import RUN_STATUSES, StoreError, kpi_snapshots, runs
from .sql import _upsert, write_transaction

__all__ = ["RunsMixin"]

logger = logging.getLogger(__name__)


class RunsMixin:
    """Methods of :class:`~socialcrm_utils.store.Store` on runs and KPI snapshots."""

    engine: Engine

    def record_run(
        self,
        client: str,
        run_dir: str | Path,
        playbook_path: str | Path | None = None,
        started_at: dt.datetime | pd.Timestamp | None = None,
        counts: Mapping[str, int] | None = None,
        period: tuple[Any, Any] | None = None,
    ) -> int:
        """Add a run with status ``running`` and return its id; a folder recorded keeps its id.

        Recording the same folder again (notebook 05 executed twice in one run, or an analyst
        re-running the ``interactive`` folder) returns the existing run, with ``started_at``,
        the counts and the period updated, so its KPI values are replaced rather than added.
        A new run folder is a new point in the KPI history unless its data covers the same
        period as an earlier run: then :meth:`save_kpis` replaces that run's point. The run
        remembers this process (``pid``, ``host``), so that it is marked ``failed`` when the
        process is gone before :meth:`save_kpis` made it ``ok``; earlier runs of the client
        left ``running`` by a killed process are marked ``failed`` first.

        Args:
            client: The playbook's client id.
            run_dir: The run folder.
            playbook_path: The playbook file.
            started_at: When the run started (default: now); naive values are UTC.
            counts: Row counts to remember with the run; :meth:`upsert_mentions` and
                :meth:`upsert_cases` add theirs when given the run id.
            period: First and last day the run's data covers (dates, timestamps or ISO
                strings; :func:`kpis.data_period`), where its KPI values stand on the trend.
                None: unknown, the run is a point of its own at ``started_at``.

        Returns:
            The new run's id.
        """
        values = {
            "client": client,
            "started_at": started_at if started_at is not None else dt.datetime.now(dt.UTC),
            "run_dir": str(run_dir),
            "playbook": None if playbook_path is None else str(playbook_path),
            "counts": {k: int(v) for k, v in (counts or {}).items()},
            "status": "running",
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        if period is not None:
            start, end = (_as_date(day) for day in period)
            if start is not None and end is not None and start > end:
                raise StoreError(f"run period {start} to {end}: the start is after the end")
            values.update(period_start=start, period_end=end)
        self.settle_runs(client)
        with write_transaction(self.engine) as conn:
            existing = (
                conn.execute(
                    select(runs.c.id)
                    .where(runs.c.client == client, runs.c.run_dir == values["run_dir"])
                    .order_by(runs.c.id)
                )
                .scalars()
                .first()
            )
            if existing is not None:
                conn.execute(runs.update().where(runs.c.id == existing).values(**values))
                run_id = existing
            else:
                run_id = conn.execute(runs.insert().values(**values)).inserted_primary_key[0]
        logger.info("recorded run %s of %s", run_id, client)
        return int(run_id)

    def save_kpis(self, run_id: int, kpis: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> int:
        """Save a run's KPI values and mark the run ``ok``; saving a KPI again replaces it.

        When the run has a data period (:meth:`record_run`), the KPI values of the client's
        other runs over the same period (same first and last day) are removed: one point per
        data period, the latest saved one. Their runs stay in ``runs``.

        Args:
            run_id: From :meth:`record_run`.
            kpis: The ``kpis`` list of ``kpis.json`` (dicts with ``name``, ``value`` and
                ``unit``; the unit defaults to the KPI's), the whole ``kpis.json`` document, or
                the ``{name: value}`` dict of :func:`kpis.compute_kpis`. NaN is stored as NULL.

        Returns:
            The number of KPI values saved (of a name given twice, the last one counts).

        Raises:
            StoreError: If the run does not exist.
        """
        if isinstance(kpis, Mapping) and isinstance(kpis.get("kpis"), list):
            kpis = kpis["kpis"]
        if isinstance(kpis, Mapping):
            records = [{"name": k, "value": v} for k, v in kpis.items()]
        else:
            records = [dict(r) for r in kpis]
        rows = []
        for record in records:
            name = str(record["name"])
            known = KPIS.get(name)
            unit = record.get("unit") or (known.unit if known else None)
            rows.append(
                {
                    "run_id": run_id,
                    "name": name,
                    "value": _number(record.get("value")),
                    "unit": unit,
                }
            )
        with write_transaction(self.engine) as conn:
            _check_run(conn, run_id)
            saved = _upsert(conn, kpi_snapshots, rows, ["run_id", "name"], ["value", "unit"])
            conn.execute(update(runs).where(runs.c.id == run_id).values(status="ok"))
            run = conn.execute(
                select(runs.c.client, runs.c.period_start, runs.c.period_end).where(
                    runs.c.id == run_id
                )
            ).one()
            if run.period_start is not None and run.period_end is not None:
                same_period = select(runs.c.id).where(
                    runs.c.client == run.client,
                    runs.c.id != run_id,
                    runs.c.period_start == run.period_start,
                    runs.c.period_end == run.period_end,
                )
                replaced = conn.execute(
                    delete(kpi_snapshots).where(kpi_snapshots.c.run_id.in_(same_period))
                ).rowcount
                if replaced:
                    logger.info(
                        "replaced %d KPI values of earlier runs over %s to %s",
                        replaced,
                        run.period_start,
                        run.period_end,
                    )
            return saved

    def kpi_history(self, client: str, names: Sequence[str] | None = None) -> pd.DataFrame:
        """Every KPI point of a client: one row per data period (or run without one) and KPI.

        Args:
            client: The client id.
            names: Only these KPIs (default: all).

        Returns:
            Columns ``run_id``, ``started_at`` (UTC), ``run_dir``, ``period_start``,
            ``period_end`` (the local dates the run's data covers, NaT when unknown),
            ``as_of`` (the day the values describe: ``period_end``, else the UTC day the run
            started), ``name``, ``value``, ``unit``; ordered by ``as_of``, ``started_at``, run
            and the order the KPIs were saved in. Pivot it for a trend chart:
            ``history.pivot(index="as_of", columns="name", values="value")``.
        """
        query = (
            select(
                runs.c.id.label("run_id"),
                runs.c.started_at,
                runs.c.run_dir,
                runs.c.period_start,
                runs.c.period_end,
                kpi_snapshots.c.name,
                kpi_snapshots.c.value,
                kpi_snapshots.c.unit,
            )
            .join(kpi_snapshots, kpi_snapshots.c.run_id == runs.c.id)
            .where(runs.c.client == client)
            .order_by(runs.c.started_at, runs.c.id, kpi_snapshots.c.id)
        )
        if names is not None:
            query = query.where(kpi_snapshots.c.name.in_(list(names)))
        self.settle_runs(client)
        with self.engine.connect() as conn:
            result = conn.execute(query)
            frame = _frame(result.all(), list(result.keys()))
        frame["started_at"] = _utc_ns(frame["started_at"])
        frame["value"] = frame["value"].astype("float64")
        for column in ("period_start", "period_end"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        started_day = frame["started_at"].dt.tz_localize(None).dt.normalize()
        frame.insert(5, "as_of", frame["period_end"].fillna(started_day).astype("datetime64[ns]"))
        return frame.sort_values(
            ["as_of", "started_at", "run_id"], kind="stable", ignore_index=True
        )

    def mark_run(self, run_id: int, status: str) -> None:
        """Set a run's status (``running``, ``ok`` or ``failed``).

        Raises:
            StoreError: If the run does not exist or the status is not one of
                :data:`RUN_STATUSES`.
        """
        if status not in RUN_STATUSES:
            raise StoreError(
                f"run status {status!r} is not allowed (allowed: {', '.join(RUN_STATUSES)})"
            )
        with write_transaction(self.engine) as conn:
            _check_run(conn, run_id)
            conn.execute(update(runs).where(runs.c.id == run_id).values(status=status))

    def find_run(self, client: str, run_dir: str | Path) -> int | None:
        """The id of the run recorded for a run folder, None when there is none."""
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(runs.c.id)
                    .where(runs.c.client == client, runs.c.run_dir == str(run_dir))
                    .order_by(runs.c.id)
                )
                .scalars()
                .first()
            )

    def settle_runs(self, client: str | None = None) -> int:
        """Mark ``failed`` the runs left ``running`` by a process of this host that is gone.

        Args:
            client: Only this client's runs (default: every client's).

        Returns:
            The number of runs marked failed.

        Examples:
            >>> from socialcrm_utils.store import open_store
            >>> with open_store("sqlite://") as store:
            ...     run_id = store.record_run("acme", "reports/acme/x")
            ...     with store.engine.begin() as conn:  # as if its process had been killed
            ...         _ = conn.execute(update(runs).values(pid=_gone_pid()))
            ...     (store.settle_runs("acme"), store.read("runs")["status"].tolist())
            (1, ['failed'])
        """
        host = socket.gethostname()
        query = select(runs.c.id, runs.c.pid).where(runs.c.status == "running", runs.c.host == host)
        if client is not None:
            query = query.where(runs.c.client == client)
        with write_transaction(self.engine) as conn:
            gone = [row.id for row in conn.execute(query) if not _process_alive(row.pid)]
            if gone:
                conn.execute(
                    update(runs)
                    .where(runs.c.id.in_(gone), runs.c.status == "running")
                    .values(status="failed")
                )
                logger.warning(
                    "runs %s stopped before their KPIs were stored (the process is "
                    "gone): marked failed",
                    ", ".join(map(str, gone)),
                )
        return len(gone)


def _check_run(conn: Connection, run_id: int) -> None:
    if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
        raise StoreError(f"run {run_id} not found in the store (call record_run first)")


def _add_run_counts(conn: Connection, run_id: int, counts: Mapping[str, int]) -> None:
    current = conn.execute(select(runs.c.counts).where(runs.c.id == run_id)).first()
    if current is None:
        raise StoreError(f"run {run_id} not found in the store (call record_run first)")
    merged = {**(current[0] or {}), **{k: int(v) for k, v in counts.items()}}
    conn.execute(update(runs).where(runs.c.id == run_id).values(counts=merged))


def _process_alive(pid: int | None) -> bool:
    """Whether a process of this host runs under ``pid`` (unknown pids count as alive).

    POSIX only: on Windows, signal 0 would terminate the process, so every pid counts as alive
    there (runs of killed processes stay ``running``).
    """
    if pid is None or os.name == "nt":
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # another user's process, or no pid
        return True
    return True


def _gone_pid() -> int:
    """A pid no process of this host has (for examples and tests)."""
    pid = 4_000_000
    while _process_alive(pid):
        pid += 1
    return pid


def _as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO string; None for missing values."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
