"""The CRM store: contacts, identities, interactions, cases, runs and KPI snapshots across runs.

Social CRM is still CRM. Each run of a playbook writes its artifacts into its run folder; the
store keeps what must outlive a run folder, per client:

============== ==============================================================================
table          one row per
============== ==============================================================================
contacts       person (``display_name``, ``first_seen``, ``last_seen``)
identities     account of a person on a platform (``platform`` + ``author_id`` -> contact);
               unique per client, platform and author id
interactions   mention (post, reply, DM), unique per client, platform and ``mention_id``; the
               PII-redacted ``text_redacted`` only, never raw text
cases          conversation with a customer (step 4's SLA clocks), unique per client, platform
               and ``conversation_id``
runs           call of :meth:`Store.record_run` (one per playbook run), with the period its
               data covers (``period_start``, ``period_end``: local dates of the first and
               last post) and its ``status``: ``running`` from :meth:`Store.record_run`,
               ``ok`` once :meth:`Store.save_kpis` stored its KPIs, ``failed`` when the run
               stopped before (see below); NULL for runs recorded before schema version 3
kpi_snapshots  KPI of a run (``name``, ``value``, ``unit``), unique per run and KPI; one
               point per data period (see below)
schema_version the one version number of the tables (:data:`SCHEMA_VERSION`)
============== ==============================================================================

**Idempotent.** Upserting the same frames again changes no row count in contacts, identities,
interactions or cases: rows are keyed by the natural keys above and updated in place. Runs are
a history and grow on purpose, one per :meth:`Store.record_run`. KPI snapshots are one point
per **data period**: the KPI values of a run whose data covers the same period as an earlier run
of the client (same first and last day) replace that run's values, so re-running last year's
export neither adds a point nor one at today's date. Runs recorded without a period (and runs of
stores from before schema version 2) are points of their own. :meth:`Store.kpi_history` draws
the trends from these points, placed at the period they cover.

**Killed runs.** A run is ``running`` from :meth:`Store.record_run` until
:meth:`Store.save_kpis` stores its KPIs (one transaction: all or none) and makes it ``ok``. A
run killed in between (SIGKILL, a crash, a power cut) has stored nothing of that transaction
and stays ``running``; the next :meth:`Store.record_run`, :meth:`Store.kpi_history` or
``read("runs")`` of the client finds that the process that recorded it (``pid`` on ``host``)
is gone and marks it ``failed`` (:meth:`Store.settle_runs`). A run recorded on another host is
left as it is (its process cannot be checked from here). The runner also marks a run
``failed`` when its step 5 fails (:meth:`Store.mark_run`).

**Contacts.** A new identity (an author on a platform not seen before) gets a new contact; the
same author on the same platform is always the same contact, also across runs. The same person
on two platforms is two identities and, until someone says otherwise with
:meth:`Store.merge_contacts`, two contacts. The client's own accounts (``is_brand`` posts) are
not contacts: their interactions carry the handle in ``brand_handle`` instead.

**Time.** Timestamps are UTC. PostgreSQL stores ``timestamptz``; SQLite has no time zones, so
naive UTC is stored there, and both come back as tz-aware UTC.

**Why SQLAlchemy Core, not the ORM.** Every write is a set-based, dialect-aware bulk upsert of
DataFrame rows (``INSERT ... ON CONFLICT DO UPDATE``, executemany of :data:`BATCH_ROWS` rows per
statement) and every read returns a DataFrame; nothing needs per-object identity, change
tracking or lazy relationships, so mapped classes would be a second copy of the schema to keep
in step with the tables. Core ``Table`` objects are the one schema definition, usable for ad-hoc
SQL (``from socialcrm_utils.store import interactions``).

Only SQLite (the default: one file per client under ``reports/<client>/``) and PostgreSQL (for
teams: ``postgresql+psycopg://user@host/db``) are supported; a bare ``postgresql://`` URL uses
the psycopg 3 driver the suite installs.

Typical use in a notebook::

    with open_store(playbook.store_url) as store:
        run_id = store.record_run(playbook.client, run_dir, playbook.path)
        store.upsert_mentions(playbook.client, scored, run_id)
        store.upsert_cases(playbook.client, clocks, run_id)
        store.save_kpis(run_id, kpis)
        history = store.kpi_history(playbook.client)
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    case,
    cast,
    create_engine,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine, make_url

from .credentials import mask_urls_in_text
from .exceptions import SocialCRMError
from .schema import KPIS

__all__ = [
    "SCHEMA_VERSION",
    "RUN_STATUSES",
    "BATCH_ROWS",
    "TABLES",
    "RUN_ARTIFACTS",
    "Store",
    "StoreError",
    "SchemaVersionError",
    "StoreNotFoundError",
    "UnredactedTextError",
    "open_store",
    "forget_in_runs",
    "files_naming",
    "metadata",
    "contacts",
    "identities",
    "interactions",
    "cases",
    "runs",
    "kpi_snapshots",
    "schema_version",
]

logger = logging.getLogger(__name__)

#: Version of the tables below; bump it (and add a migration to ``_MIGRATIONS``) whenever they
#: change. Version 2: ``runs.period_start`` and ``runs.period_end``. Version 3: ``runs.status``,
#: ``runs.pid`` and ``runs.host`` (killed runs are marked failed).
SCHEMA_VERSION = 3

#: Values of ``runs.status``.
RUN_STATUSES = ("running", "ok", "failed")

#: Rows per executemany batch of an upsert.
BATCH_ROWS = 5000

#: Rows made into Python records at a time by an upsert (bounds its memory).
_RECORD_ROWS = 50_000

#: Values per ``IN (...)`` list of a look-up or delete.
_IN_BATCH = 900

#: Platform of mentions that have none, so that keys never hold NULL (NULLs never conflict).
UNKNOWN_PLATFORM = "unknown"

#: What an erased ``@handle`` in other people's posts becomes.
ERASED = "@[erased]"


class StoreError(SocialCRMError):
    """Raised when the CRM store cannot be opened or is asked for something it cannot do."""


class StoreNotFoundError(StoreError):
    """Raised when a store is opened with ``create=False`` and holds no store yet."""


class SchemaVersionError(StoreError):
    """Raised when a store's schema version is newer than this version of the suite knows."""


class UnredactedTextError(StoreError):
    """Raised when a frame with raw ``text`` but no ``text_redacted`` is about to be stored."""


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC: ``timestamptz`` on PostgreSQL, naive UTC on SQLite.

    Binds tz-aware datetimes (converted to UTC) and naive ones (taken as UTC); returns tz-aware
    UTC datetimes on every database.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None or value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            value = value.floor("us").to_pydatetime()
        if not isinstance(value, dt.datetime):
            raise TypeError(f"{value!r} is not a datetime")
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(tzinfo=dt.UTC) if dialect.name == "postgresql" else value

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False, index=True),
    Column("display_name", String),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False),
    Column("platform", String, nullable=False),
    Column("author_id", String, nullable=False),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("display_name", String),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    UniqueConstraint("client", "platform", "author_id", name="uq_identities_author"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("run_dir", Text),
    Column("playbook", Text),
    Column("counts", JSON),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("status", String),
    Column("pid", Integer),
    Column("host", String),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False),
    Column("platform", String, nullable=False),
    Column("mention_id", String, nullable=False),
    Column("identity_id", Integer, ForeignKey("identities.id"), index=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), index=True),
    Column("brand_handle", String),
    Column("conversation_id", String),
    Column("in_reply_to_id", String),
    Column("created_at", UTCDateTime, nullable=False),
    Column("is_brand", Boolean, nullable=False),
    Column("intent", String),
    Column("priority", String),
    Column("sentiment", Float),
    Column("sentiment_label", String),
    Column("lang", String),
    Column("url", Text),
    Column("text_redacted", Text),
    UniqueConstraint("client", "platform", "mention_id", name="uq_interactions_mention"),
    Index("ix_interactions_conversation", "client", "platform", "conversation_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False),
    Column("platform", String, nullable=False),
    Column("conversation_id", String, nullable=False),
    Column("identity_id", Integer, ForeignKey("identities.id"), index=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), index=True),
    Column("intent", String),
    Column("priority", String),
    Column("policy", String),
    Column("opened_at", UTCDateTime),
    Column("first_response_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("status", String),
    Column("resolution_status", String),
    Column("due_at", UTCDateTime),
    Column("url", Text),
    Column("last_run", Integer, ForeignKey("runs.id")),
    UniqueConstraint("client", "platform", "conversation_id", name="uq_cases_conversation"),
)

kpi_snapshots = Table(
    "kpi_snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("name", String, nullable=False),
    Column("value", Float),
    Column("unit", String),
    UniqueConstraint("run_id", "name", name="uq_kpi_snapshots_run_name"),
)

#: The data tables, in the order :meth:`Store.counts` reports them.
TABLES: tuple[str, ...] = (
    "contacts", "identities", "interactions", "cases", "runs", "kpi_snapshots",
)

#: Run-folder artifacts that hold rows of individual authors (rewritten by :func:`forget_in_runs`).
RUN_ARTIFACTS: tuple[str, ...] = (
    "mentions.parquet", "mentions_scored.parquet", "conversations.parquet", "sla.csv",
    "rejected.csv",
)

_SUPPORTED = ("sqlite", "postgresql")


def open_store(url: str, create: bool = True) -> Store:
    """Open (and create, when empty) the CRM store at a SQLAlchemy URL.

    An SQLite file's folder is created when missing. An empty database gets every table and the
    current :data:`SCHEMA_VERSION`; an existing one must not be newer than this code.

    Args:
        url: ``sqlite:///path/crm.sqlite`` (e.g. :attr:`Playbook.store_url`),
            ``sqlite:///:memory:``, or ``postgresql+psycopg://user:pw@host:5432/db``.
        create: Create the store when there is none (default). With False, a missing SQLite
            file or a database without the store's tables raises :class:`StoreNotFoundError`
            and nothing is created.

    Returns:
        The open store; close it with :meth:`Store.close` or use it in a ``with`` block.

    Raises:
        StoreError: If the URL is not SQLite or PostgreSQL, or the database cannot be reached.
        StoreNotFoundError: If ``create`` is False and there is no store yet.
        SchemaVersionError: If the store was written by a newer version of the suite.

    Examples:
        >>> with open_store("sqlite:///:memory:") as store:
        ...     store.counts("acme-air")["contacts"]
        0
    """
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        raise StoreError(
            f"store {mask_urls_in_text(repr(url))} is not a database URL (allowed: "
            "sqlite:///path/crm.sqlite or "
            "postgresql+psycopg://user@host:5432/database)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise StoreError(
            f"store {_shown(url)}: {backend} is not supported (allowed: sqlite, postgresql)"
        )
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        path = Path(parsed.database).expanduser()
        if not create and not path.is_file():
            raise StoreNotFoundError(f"no store at {path} yet")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=backend == "postgresql")
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"store {_shown(url)}: {exc} (install the driver: pip install "
                         "'psycopg[binary]')") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    try:
        store._prepare(create)
    except sa_exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"store {_shown(url)}: cannot open it: {reason} (check the URL, that "
                         "the server runs and the database exists)") from None
    except BaseException:
        engine.dispose()
        raise
    return store


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _shown(url: str | Any) -> str:
    """The URL with its password (and any ``?password=``-like argument) hidden, for messages."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        shown = str(url)
    return mask_urls_in_text(shown, keep_user=True)


class Store:
    """An open CRM store (see the module documentation); create it with :func:`open_store`.

    Every method runs in one transaction: it is written completely or not at all.

    Attributes:
        engine: The SQLAlchemy engine, for ad-hoc queries on the tables of this module.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({_shown(self.engine.url)!r})"

    @property
    def url(self) -> str:
        """The store's URL with the password hidden."""
        return _shown(self.engine.url)

    def close(self) -> None:
        """Release the store's database connections."""
        self.engine.dispose()

    # ----------------------------------------------------------------------------------------
    # schema

    def _prepare(self, create: bool = True) -> None:
        with self.engine.begin() as conn:
            found = self._stored_version(conn)
            if found is None and not create:
                raise StoreNotFoundError(f"no store in {self.url} yet (it has no socialcrm "
                                         "tables)")
            if found is not None and found > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"store {self.url} has schema version {found}, but this version of "
                    f"socialcrm-utils knows version {SCHEMA_VERSION} at most: upgrade "
                    "socialcrm-utils (pip install -U socialcrm-utils) or use another store"
                )
            if found is not None and found < SCHEMA_VERSION:
                missing = [v for v in range(found, SCHEMA_VERSION) if v not in _MIGRATIONS]
                if missing:
                    raise SchemaVersionError(
                        f"store {self.url} has schema version {found} and no migration to "
                        f"{SCHEMA_VERSION} exists"
                    )
                for version in range(found, SCHEMA_VERSION):
                    _MIGRATIONS[version](conn)
                    logger.info("migrated store %s from schema version %d to %d", self.url,
                                version, version + 1)
                conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
            metadata.create_all(conn)
            if found is None:
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))

    @staticmethod
    def _stored_version(conn: Connection) -> int | None:
        if not inspect(conn).has_table("schema_version"):
            return None
        versions = conn.execute(select(schema_version.c.version)).scalars().all()
        if len(versions) > 1:
            raise SchemaVersionError(
                f"the schema_version table holds {len(versions)} rows {sorted(versions)}; it "
                "must hold exactly one"
            )
        return versions[0] if versions else None

    def version(self) -> int:
        """The schema version stored in the database."""
        with self.engine.connect() as conn:
            return int(self._stored_version(conn) or 0)

    # ----------------------------------------------------------------------------------------
    # runs and KPIs

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
        with self.engine.begin() as conn:
            existing = conn.execute(
                select(runs.c.id).where(runs.c.client == client,
                                        runs.c.run_dir == values["run_dir"])
                .order_by(runs.c.id)
            ).scalars().first()
            if existing is not None:
                conn.execute(runs.update().where(runs.c.id == existing).values(**values))
                run_id = existing
            else:
                run_id = conn.execute(runs.insert().values(**values)).inserted_primary_key[0]
        logger.info("recorded run %s of %s", run_id, client)
        return int(run_id)

    def save_kpis(self, run_id: int,
                  kpis: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> int:
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
            rows.append({"run_id": run_id, "name": name, "value": _number(record.get("value")),
                         "unit": unit})
        with self.engine.begin() as conn:
            self._check_run(conn, run_id)
            saved = _upsert(conn, kpi_snapshots, rows, ["run_id", "name"], ["value", "unit"])
            conn.execute(update(runs).where(runs.c.id == run_id).values(status="ok"))
            run = conn.execute(select(runs.c.client, runs.c.period_start, runs.c.period_end)
                               .where(runs.c.id == run_id)).one()
            if run.period_start is not None and run.period_end is not None:
                same_period = (select(runs.c.id)
                               .where(runs.c.client == run.client, runs.c.id != run_id,
                                      runs.c.period_start == run.period_start,
                                      runs.c.period_end == run.period_end))
                replaced = conn.execute(delete(kpi_snapshots)
                                        .where(kpi_snapshots.c.run_id.in_(same_period))).rowcount
                if replaced:
                    logger.info("replaced %d KPI values of earlier runs over %s to %s",
                                replaced, run.period_start, run.period_end)
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
            select(runs.c.id.label("run_id"), runs.c.started_at, runs.c.run_dir,
                   runs.c.period_start, runs.c.period_end,
                   kpi_snapshots.c.name, kpi_snapshots.c.value, kpi_snapshots.c.unit)
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
        frame.insert(5, "as_of", frame["period_end"].fillna(started_day)
                     .astype("datetime64[ns]"))
        return frame.sort_values(["as_of", "started_at", "run_id"], kind="stable",
                                 ignore_index=True)

    # ----------------------------------------------------------------------------------------
    # mentions and cases

    def upsert_mentions(self, client: str, mentions: pd.DataFrame,
                        run_id: int | None = None) -> dict[str, int]:
        """Store scored mentions: contacts and identities of their authors, one interaction each.

        Customer authors (``is_brand`` false, ``author_id`` set) become identities keyed by
        ``platform`` + ``author_id``; new ones get a new contact, known ones keep theirs, and
        both have ``first_seen``, ``last_seen`` and ``display_name`` (the ``author_name`` of the
        latest post) widened to cover the new posts. Each mention is upserted by ``platform`` +
        ``mention_id``. Running it again with the same frame changes no row count.

        Args:
            client: The client id.
            mentions: Mentions with ``mention_id``, ``created_at`` and ``text_redacted``
                (step 3's ``mentions_scored.parquet``); optional ``platform``, ``author_id``,
                ``author_name``, ``is_brand``, ``conversation_id``, ``in_reply_to_id``,
                ``intent``, ``priority``, ``sentiment``, ``sentiment_label``, ``lang``, ``url``.
                A raw ``text`` column is never stored. The frame is not modified.
            run_id: Adds ``mentions`` to that run's counts.

        Returns:
            ``{"interactions": rows upserted, "identities": distinct customer authors,
            "new_contacts": contacts created}``.

        Raises:
            UnredactedTextError: If the frame has ``text`` but no ``text_redacted``.
            StoreError: If a required column is missing.
        """
        _check_redacted(mentions)
        _require(mentions, ("mention_id", "created_at", "text_redacted"), "mentions")
        mentions = mentions.reset_index(drop=True)
        frame = pd.DataFrame({
            "platform": _platforms(mentions),
            "mention_id": _strings(mentions, "mention_id"),
            "author_id": _strings(mentions, "author_id"),
            "author_name": _strings(mentions, "author_name"),
            "created_at": _utc(mentions["created_at"]),
            "is_brand": _flags(mentions, "is_brand"),
        })
        if frame["mention_id"].isna().any():
            raise StoreError(f"{int(frame['mention_id'].isna().sum())} mentions have no "
                             "mention_id (every mention needs one)")
        if frame["created_at"].isna().any():
            raise StoreError(f"{int(frame['created_at'].isna().sum())} mentions have no "
                             "created_at (every mention needs one)")
        customers = frame[~frame["is_brand"] & frame["author_id"].notna()]
        authors = (
            customers.sort_values("created_at", kind="stable")
            .groupby(["platform", "author_id"], sort=False)
            .agg(first_seen=("created_at", "min"), last_seen=("created_at", "max"),
                 display_name=("author_name", "last"))
            .reset_index()
        )
        with self.engine.begin() as conn:
            ids, created = _ensure_identities(conn, client, authors)
            keyed = frame.merge(ids, how="left", on=["platform", "author_id"])
            keyed.loc[frame["is_brand"].to_numpy(), ["identity_id", "contact_id"]] = None
            # Of mentions with the same key the last one wins. The rest become Python objects a
            # slice at a time: a million rows at once would take gigabytes.
            last = np.flatnonzero(~frame.duplicated(["platform", "mention_id"], keep="last"))
            written = 0
            for start in range(0, len(last), _RECORD_ROWS):
                rows = last[start:start + _RECORD_ROWS]
                part, source, ident = frame.iloc[rows], mentions.iloc[rows], keyed.iloc[rows]
                columns = {
                    "client": pd.Series(client, index=part.index),
                    "platform": part["platform"],
                    "mention_id": part["mention_id"],
                    "identity_id": ident["identity_id"],
                    "contact_id": ident["contact_id"],
                    "brand_handle": part["author_id"].where(part["is_brand"]),
                    "conversation_id": _strings(source, "conversation_id"),
                    "in_reply_to_id": _strings(source, "in_reply_to_id"),
                    "created_at": part["created_at"],
                    "is_brand": part["is_brand"],
                    "intent": _strings(source, "intent"),
                    "priority": _strings(source, "priority"),
                    "sentiment": _floats(source, "sentiment"),
                    "sentiment_label": _strings(source, "sentiment_label"),
                    "lang": _strings(source, "lang"),
                    "url": _strings(source, "url"),
                    "text_redacted": _strings(source, "text_redacted"),
                }
                written += _upsert(conn, interactions, _records(pd.DataFrame(columns)),
                                   ["client", "platform", "mention_id"],
                                   [c for c in columns
                                    if c not in ("client", "platform", "mention_id")])
            if run_id is not None:
                _add_run_counts(conn, run_id, {"mentions": written})
        logger.info("upserted %d interactions, %d identities (%d new) of %s",
                    written, len(authors), created, client)
        return {"interactions": written, "identities": len(authors), "new_contacts": created}

    def upsert_cases(self, client: str, clocks: pd.DataFrame,
                     run_id: int | None = None) -> int:
        """Store one case per conversation from step 4's SLA clocks.

        The customer (``customer_id`` on ``platform``) is looked up among the identities; one
        not stored yet (cases stored before their mentions) gets an identity and contact.

        Args:
            client: The client id.
            clocks: :func:`sla.sla_clocks` output (``conversations.parquet`` or ``sla.csv``):
                ``conversation_id``, ``platform``, ``customer_id``, ``first_customer_at``
                (stored as ``opened_at``), ``first_response_at``, ``resolved_at``, ``policy``,
                ``status``, ``resolution_status``, ``due_at``, ``url``, ``intent``,
                ``priority``; all but ``conversation_id`` optional. Not modified.
            run_id: Stored as each case's ``last_run``; adds ``cases`` to the run's counts.

        Returns:
            The number of cases upserted.

        Raises:
            StoreError: If ``conversation_id`` is missing or the run does not exist.
        """
        _require(clocks, ("conversation_id",), "clocks")
        clocks = clocks.reset_index(drop=True)
        opened = _utc(clocks["first_customer_at"]) if "first_customer_at" in clocks \
            else pd.Series(pd.NaT, index=clocks.index, dtype="datetime64[ns, UTC]")
        frame = pd.DataFrame({
            "platform": _platforms(clocks),
            "conversation_id": _strings(clocks, "conversation_id"),
            "author_id": _strings(clocks, "customer_id"),
            "opened_at": opened,
        })
        if frame["conversation_id"].isna().any():
            raise StoreError("some conversations have no conversation_id")
        customers = frame[frame["author_id"].notna()]
        authors = (
            customers.groupby(["platform", "author_id"], sort=False)
            .agg(first_seen=("opened_at", "min"), last_seen=("opened_at", "max"))
            .reset_index()
            .assign(display_name=None)
        )
        with self.engine.begin() as conn:
            if run_id is not None:
                self._check_run(conn, run_id)
            ids, _ = _ensure_identities(conn, client, authors, widen=False)
            keyed = frame.merge(ids, how="left", on=["platform", "author_id"])
            columns = {
                "client": pd.Series(client, index=frame.index),
                "platform": frame["platform"],
                "conversation_id": frame["conversation_id"],
                "identity_id": keyed["identity_id"],
                "contact_id": keyed["contact_id"],
                "intent": _strings(clocks, "intent"),
                "priority": _strings(clocks, "priority"),
                "policy": _strings(clocks, "policy"),
                "opened_at": opened,
                "first_response_at": _utc_column(clocks, "first_response_at"),
                "resolved_at": _utc_column(clocks, "resolved_at"),
                "status": _strings(clocks, "status"),
                "resolution_status": _strings(clocks, "resolution_status"),
                "due_at": _utc_column(clocks, "due_at"),
                "url": _strings(clocks, "url"),
                "last_run": pd.Series(run_id, index=frame.index, dtype="Int64"),
            }
            written = _upsert_frame(conn, cases, pd.DataFrame(columns),
                                    ["client", "platform", "conversation_id"],
                                    [c for c in columns
                                     if c not in ("client", "platform", "conversation_id")])
            if run_id is not None:
                _add_run_counts(conn, run_id, {"cases": written})
        logger.info("upserted %d cases of %s", written, client)
        return written

    # ----------------------------------------------------------------------------------------
    # contacts

    def merge_contacts(self, client: str, keep: int, other: int) -> int:
        """Merge contact ``other`` into ``keep`` (the same person on two platforms).

        Identities, interactions and cases of ``other`` move to ``keep``; ``other`` is deleted;
        ``keep``'s first/last seen and display name are recomputed. Later upserts keep the
        merge (an identity never changes contact on its own).

        Returns:
            The number of identities moved.

        Raises:
            StoreError: If either contact is not one of the client's, or they are the same.
        """
        if keep == other:
            raise StoreError(f"cannot merge contact {keep} into itself")
        with self.engine.begin() as conn:
            found = set(conn.execute(select(contacts.c.id).where(
                contacts.c.client == client, contacts.c.id.in_([keep, other]))).scalars())
            missing = {keep, other} - found
            if missing:
                raise StoreError(f"contact(s) {sorted(missing)} not found for client {client}")
            moved = conn.execute(update(identities).where(identities.c.contact_id == other)
                                 .values(contact_id=keep)).rowcount
            for table in (interactions, cases):
                conn.execute(update(table).where(table.c.contact_id == other)
                             .values(contact_id=keep))
            conn.execute(delete(contacts).where(contacts.c.id == other))
            _refresh_contacts(conn, client, [keep])
        return int(moved)

    # ----------------------------------------------------------------------------------------
    # right to erasure

    def forget(self, client: str, author_id: str, platform: str | None = None) -> dict[str, int]:
        """Erase an author (GDPR art. 17): nothing of them is left in any table.

        Deletes, for the author's identities (on ``platform``, or on every platform):

        - ``interactions`` they wrote, and the brand's replies to them (replies to one of
          their mentions, and brand posts in conversations where they are the customer);
        - ``cases`` where they are the customer;
        - their ``identities``;
        - ``contacts`` left without identities (a contact that keeps an identity on another
          platform stays, its first/last seen and name recomputed from what is left).

        Other people's posts that name them as ``@author_id`` (on the same platforms) are kept
        with the handle replaced by ``@[erased]``. Runs and KPI snapshots hold no personal data.

        Args:
            client: The client id.
            author_id: The author's id on the platform, exactly as stored (case matters).
            platform: Only this platform's identity (default: every platform).

        Returns:
            Rows deleted per table (``identities``, ``contacts``, ``interactions``,
            ``cases``; all 0 when the author is not in the store) and
            ``interactions_redacted``, the other posts whose text was rewritten.
        """
        result = {"identities": 0, "contacts": 0, "interactions": 0, "cases": 0,
                  "interactions_redacted": 0}
        query = select(identities.c.id, identities.c.contact_id, identities.c.platform).where(
            identities.c.client == client, identities.c.author_id == author_id)
        if platform is not None:
            query = query.where(identities.c.platform == platform)
        with self.engine.begin() as conn:
            found = conn.execute(query).all()
            if not found:
                return result
            identity_ids = [r.id for r in found]
            contact_ids = sorted({r.contact_id for r in found})
            platforms = sorted({r.platform for r in found})
            own = _select_in(conn, select(interactions.c.id, interactions.c.platform,
                                          interactions.c.mention_id),
                             interactions.c.identity_id, identity_ids)
            their_cases = _select_in(conn, select(cases.c.id, cases.c.platform,
                                                  cases.c.conversation_id),
                                     cases.c.identity_id, identity_ids)
            brand = select(interactions.c.id, interactions.c.platform).where(
                interactions.c.client == client, interactions.c.is_brand.is_(True))
            posts = {(m.platform, m.mention_id) for m in own}
            replies = {
                r.id for r in _select_in(conn, brand.add_columns(interactions.c.in_reply_to_id),
                                         interactions.c.in_reply_to_id,
                                         sorted({m for _, m in posts}))
                if (r.platform, r.in_reply_to_id) in posts
            }
            conversations = {(c.platform, c.conversation_id) for c in their_cases}
            replies |= {
                r.id for r in _select_in(conn, brand.add_columns(interactions.c.conversation_id),
                                         interactions.c.conversation_id,
                                         sorted({c for _, c in conversations}))
                if (r.platform, r.conversation_id) in conversations
            }
            doomed = sorted({m.id for m in own} | replies)
            result["interactions"] = _delete_in(conn, interactions, doomed)
            result["cases"] = _delete_in(conn, cases, [c.id for c in their_cases])
            result["identities"] = _delete_in(conn, identities, identity_ids)
            left = set(conn.execute(select(identities.c.contact_id).where(
                identities.c.contact_id.in_(contact_ids))).scalars())
            orphans = [c for c in contact_ids if c not in left]
            for table in (interactions, cases):  # a merged contact's other rows (none usually)
                for chunk in _chunks(orphans, _IN_BATCH):
                    conn.execute(update(table).where(table.c.contact_id.in_(chunk))
                                 .values(contact_id=None))
            result["contacts"] = _delete_in(conn, contacts, orphans)
            _refresh_contacts(conn, client, sorted(left))
            result["interactions_redacted"] = _redact_handle(conn, client, author_id, platforms)
        self._drop_freed_pages()
        logger.info("forgot %s on %s for %s: %s", author_id, platform or "every platform",
                    client, result)
        return result

    def _drop_freed_pages(self) -> None:
        """Rewrite an SQLite file (``VACUUM``) so deleted rows leave no bytes in free pages.

        PostgreSQL keeps deleted rows in its table files until ``VACUUM FULL`` (see
        ``docs/erasure.md``); no query returns them.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")

    def find_authors(self, client: str, author_id: str) -> pd.DataFrame:
        """Identities whose author id equals ``author_id`` ignoring case (``platform``,
        ``author_id``), e.g. to suggest the exact spelling to :meth:`forget`."""
        query = select(identities.c.platform, identities.c.author_id).where(
            identities.c.client == client,
            func.lower(identities.c.author_id) == author_id.lower(),
        ).order_by(identities.c.platform, identities.c.author_id)
        with self.engine.connect() as conn:
            return _frame(conn.execute(query).all(), ["platform", "author_id"])

    # ----------------------------------------------------------------------------------------
    # reading

    def counts(self, client: str) -> dict[str, int]:
        """Rows per table (:data:`TABLES`) for a client.

        Examples:
            >>> with open_store("sqlite:///:memory:") as store:
            ...     _ = store.record_run("acme-air", "reports/acme-air/20260101T000000Z")
            ...     store.counts("acme-air")  # doctest: +NORMALIZE_WHITESPACE
            {'contacts': 0, 'identities': 0, 'interactions': 0, 'cases': 0, 'runs': 1,
             'kpi_snapshots': 0}
        """
        out = {}
        with self.engine.connect() as conn:
            for name in TABLES:
                table = metadata.tables[name]
                if name == "kpi_snapshots":
                    query = (select(func.count()).select_from(table.join(runs))
                             .where(runs.c.client == client))
                else:
                    query = select(func.count()).select_from(table).where(
                        table.c.client == client)
                out[name] = int(conn.execute(query).scalar_one())
        return out

    def read(self, table: str, client: str | None = None) -> pd.DataFrame:
        """A whole table (of one client, or of all) as a frame, ordered by id.

        Timestamps come back as ``datetime64[ns, UTC]``.

        Raises:
            StoreError: If ``table`` is not one of :data:`TABLES` or ``schema_version``.
        """
        if table not in (*TABLES, "schema_version"):
            raise StoreError(f"{table!r} is not a store table (allowed: {', '.join(TABLES)})")
        source = metadata.tables[table]
        query = select(source)
        if client is not None and table == "kpi_snapshots":
            query = query.join(runs).where(runs.c.client == client)
        elif client is not None and table != "schema_version":
            query = query.where(source.c.client == client)
        query = query.order_by(*source.primary_key.columns)
        if table == "runs":
            self.settle_runs(client)
        with self.engine.connect() as conn:
            result = conn.execute(query)
            frame = _frame(result.all(), list(result.keys()))
        for column in source.columns:
            if isinstance(column.type, UTCDateTime):
                frame[column.name] = _utc_ns(frame[column.name])
        return frame

    # ----------------------------------------------------------------------------------------

    def mark_run(self, run_id: int, status: str) -> None:
        """Set a run's status (``running``, ``ok`` or ``failed``).

        Raises:
            StoreError: If the run does not exist or the status is not one of
                :data:`RUN_STATUSES`.
        """
        if status not in RUN_STATUSES:
            raise StoreError(f"run status {status!r} is not allowed (allowed: "
                             f"{', '.join(RUN_STATUSES)})")
        with self.engine.begin() as conn:
            self._check_run(conn, run_id)
            conn.execute(update(runs).where(runs.c.id == run_id).values(status=status))

    def find_run(self, client: str, run_dir: str | Path) -> int | None:
        """The id of the run recorded for a run folder, None when there is none."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(runs.c.id).where(runs.c.client == client, runs.c.run_dir == str(run_dir))
                .order_by(runs.c.id)
            ).scalars().first()

    def settle_runs(self, client: str | None = None) -> int:
        """Mark ``failed`` the runs left ``running`` by a process of this host that is gone.

        Args:
            client: Only this client's runs (default: every client's).

        Returns:
            The number of runs marked failed.

        Examples:
            >>> with open_store("sqlite://") as store:
            ...     run_id = store.record_run("acme", "reports/acme/x")
            ...     with store.engine.begin() as conn:  # as if its process had been killed
            ...         _ = conn.execute(update(runs).values(pid=_gone_pid()))
            ...     (store.settle_runs("acme"), store.read("runs")["status"].tolist())
            (1, ['failed'])
        """
        host = socket.gethostname()
        query = select(runs.c.id, runs.c.pid).where(runs.c.status == "running",
                                                      runs.c.host == host)
        if client is not None:
            query = query.where(runs.c.client == client)
        with self.engine.begin() as conn:
            gone = [row.id for row in conn.execute(query) if not _process_alive(row.pid)]
            if gone:
                conn.execute(update(runs).where(runs.c.id.in_(gone), runs.c.status == "running")
                             .values(status="failed"))
                logger.warning("runs %s stopped before their KPIs were stored (the process is "
                               "gone): marked failed", ", ".join(map(str, gone)))
        return len(gone)

    @staticmethod
    def _check_run(conn: Connection, run_id: int) -> None:
        if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
            raise StoreError(f"run {run_id} not found in the store (call record_run first)")


# ---------------------------------------------------------------------------------------------
# writing helpers


def _add_run_periods(conn: Connection) -> None:
    """Schema 1 -> 2: the data period of each run (``runs.period_start``, ``period_end``).

    Nullable columns without a default: runs recorded before stay points of their own in the
    KPI history, placed at their start time. The type is the dialect's own ``DATE``.
    """
    present = {c["name"] for c in inspect(conn).get_columns("runs")}
    quote = conn.dialect.identifier_preparer.quote
    for column in (runs.c.period_start, runs.c.period_end):
        if column.name not in present:
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {quote(runs.name)} ADD COLUMN {quote(column.name)} {kind}")


def _add_run_status(conn: Connection) -> None:
    """Schema 2 -> 3: ``runs.status``, ``pid`` and ``host`` (killed runs are marked failed).

    Nullable columns without a default: runs recorded before have no known status (NULL).
    """
    present = {c["name"] for c in inspect(conn).get_columns("runs")}
    quote = conn.dialect.identifier_preparer.quote
    for column in (runs.c.status, runs.c.pid, runs.c.host):
        if column.name not in present:
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {quote(runs.name)} ADD COLUMN {quote(column.name)} {kind}")


#: Migration from each schema version to the next (run in one transaction by ``open_store``).
_MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _add_run_periods, 2: _add_run_status}


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


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]],
            keys: list[str], update_columns: Sequence[str],
            new_values: Callable[[Any], Mapping[str, Any]] | None = None) -> int:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE``, in batches of :data:`BATCH_ROWS` rows.

    Of rows with the same key the last one wins. ``new_values(excluded)`` gives SQL
    expressions for columns whose new value is not simply the incoming one. Rows whose values
    are all unchanged are not written again (``WHERE ... IS DISTINCT FROM``), so an idempotent
    re-run costs reads, not writes. SQLite runs one executemany per batch; PostgreSQL one
    ``INSERT ... SELECT unnest(CAST(:column AS type[])), ...`` per batch (one array per
    column), as psycopg's executemany would send one statement per row.

    Returns:
        The number of distinct keys upserted.
    """
    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not rows:
        return 0
    columns = list(rows[0])
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        source = select(*[
            func.unnest(cast(bindparam(c, type_=ARRAY(table.c[c].type)),
                             ARRAY(table.c[c].type))).label(c)
            for c in columns
        ])
        stmt = postgresql.insert(table).from_select(columns, source)
    else:
        stmt = sqlite.insert(table)
    set_ = {c: stmt.excluded[c] for c in update_columns}
    set_.update(new_values(stmt.excluded) if new_values else {})
    if set_:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_=set_,
            where=or_(*[table.c[c].is_distinct_from(value) for c, value in set_.items()]),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    if postgres:
        for chunk in _chunks(rows, BATCH_ROWS):
            conn.execute(stmt, {c: [row[c] for row in chunk] for c in columns})
        return len(rows)
    # SQLite: the compiled statement and the columns' own bind processors, applied a column
    # at a time, straight to the driver's executemany. What SQLAlchemy would send row by row,
    # without its per-row parameter handling (half the time of a million-row upsert).
    compiled = stmt.compile(dialect=conn.dialect, column_keys=columns)
    order = [compiled.binds[name].key for name in compiled.positiontup]
    processors = {c: table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                  for c in columns}
    for chunk in _chunks(rows, BATCH_ROWS):
        values = []
        for c in order:
            column = [row[c] for row in chunk]
            process = processors[c]
            values.append([process(v) for v in column] if process is not None else column)
        conn.exec_driver_sql(compiled.string, list(zip(*values, strict=True)))
    return len(rows)


def _upsert_frame(conn: Connection, table: Table, frame: pd.DataFrame, keys: list[str],
                  update_columns: Sequence[str],
                  new_values: Callable[[Any], Mapping[str, Any]] | None = None) -> int:
    """:func:`_upsert` of a frame's rows, made into Python records a slice at a time.

    Same result as ``_upsert(conn, table, _records(frame), ...)`` (of rows with the same key
    the last one wins), but a million rows never exist as a million dicts at once (about 1 KB
    each).
    """
    frame = frame.drop_duplicates(keys, keep="last")
    return sum(_upsert(conn, table, records, keys, update_columns, new_values)
               for records in _record_slices(frame, _RECORD_ROWS))


def _earlier(new: Any, old: Any) -> Any:
    return case((old.is_(None), new), (new < old, new), else_=old)


def _later(new: Any, old: Any) -> Any:
    return case((old.is_(None), new), (new > old, new), else_=old)


def _ensure_identities(conn: Connection, client: str, authors: pd.DataFrame,
                       widen: bool = True) -> tuple[pd.DataFrame, int]:
    """Upsert identities (``platform``, ``author_id``, ``display_name``, ``first_seen``,
    ``last_seen``), creating a contact for each new one.

    Returns:
        ``platform``, ``author_id``, ``identity_id``, ``contact_id`` of every author given,
        and the number of contacts created.
    """
    empty = pd.DataFrame({"platform": pd.Series(dtype=object),
                          "author_id": pd.Series(dtype=object),
                          "identity_id": pd.Series(dtype="Int64"),
                          "contact_id": pd.Series(dtype="Int64")})
    if authors.empty:
        return empty, 0
    known = _identity_map(conn, client)
    authors = authors.merge(known, how="left", on=["platform", "author_id"])
    new = authors[authors["identity_id"].isna()]
    created: list[int] = []
    if len(new):
        contact_rows = pd.DataFrame({
            "client": client,
            "display_name": new["display_name"].where(new["display_name"].notna(),
                                                      new["author_id"]),
            "first_seen": new["first_seen"],
            "last_seen": new["last_seen"],
        })
        stmt = contacts.insert().returning(contacts.c.id, sort_by_parameter_order=True)
        for chunk in _record_slices(contact_rows, BATCH_ROWS):
            created += conn.execute(stmt, chunk).scalars().all()
        del contact_rows
        new = new.assign(contact_id=created)
        rows = pd.DataFrame({
            "client": client,
            "platform": new["platform"],
            "author_id": new["author_id"],
            "contact_id": new["contact_id"],
            "display_name": new["display_name"].where(new["display_name"].notna(),
                                                      new["author_id"]),
            "first_seen": new["first_seen"],
            "last_seen": new["last_seen"],
        })
        # Another writer may have added the same identity meanwhile: keep theirs.
        _upsert_frame(conn, identities, rows, ["client", "platform", "author_id"], [])
    old = authors[authors["identity_id"].notna()]
    if widen and len(old):
        ident = identities.c

        def widened(ex: Any) -> dict[str, Any]:
            return {
                "display_name": case(
                    (ident.last_seen.is_(None) | (ex.last_seen >= ident.last_seen),
                     func.coalesce(ex.display_name, ident.display_name)),
                    else_=ident.display_name),
                "first_seen": _earlier(ex.first_seen, ident.first_seen),
                "last_seen": _later(ex.last_seen, ident.last_seen),
            }

        rows = pd.DataFrame({
            "client": client,
            "platform": old["platform"],
            "author_id": old["author_id"],
            "contact_id": old["contact_id"].astype("Int64"),
            "display_name": old["display_name"],
            "first_seen": old["first_seen"],
            "last_seen": old["last_seen"],
        })
        _upsert_frame(conn, identities, rows, ["client", "platform", "author_id"], [], widened)
    ids = _identity_map(conn, client) if created else known
    ids = authors[["platform", "author_id"]].merge(ids, how="left", on=["platform", "author_id"])
    used = set(ids["contact_id"].dropna().astype(int))
    lost = [c for c in created if c not in used]
    if lost:  # lost a race for the identity: drop the contacts made for nothing
        _delete_in(conn, contacts, lost)
    if widen:  # contacts created here already hold their identity's values
        _refresh_contacts(conn, client, sorted(used - set(created)))
    return ids, len(created) - len(lost)


def _identity_map(conn: Connection, client: str) -> pd.DataFrame:
    query = select(identities.c.platform, identities.c.author_id,
                   identities.c.id.label("identity_id"), identities.c.contact_id).where(
        identities.c.client == client)
    frame = _frame(conn.execute(query).all(),
                   ["platform", "author_id", "identity_id", "contact_id"])
    frame["platform"] = frame["platform"].astype(object)
    frame["author_id"] = frame["author_id"].astype(object)
    for column in ("identity_id", "contact_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _refresh_contacts(conn: Connection, client: str, contact_ids: Sequence[int]) -> None:
    """Recompute contacts' first/last seen and display name from their identities.

    The aggregation runs in pandas over one read of the identities (portable, and a handful of
    set-based statements where correlated subqueries per contact would be slow); unchanged
    contacts are not written.
    """
    if not len(contact_ids):
        return
    query = select(identities.c.contact_id, identities.c.id, identities.c.first_seen,
                   identities.c.last_seen, identities.c.display_name)
    if len(contact_ids) > 10 * _IN_BATCH:
        found = conn.execute(query.where(identities.c.client == client)).all()
        wanted = set(contact_ids)
        found = [r for r in found if r.contact_id in wanted]
    else:
        found = _select_in(conn, query, identities.c.contact_id, sorted(set(contact_ids)))
    if not found:
        return
    frame = _frame(found, ["contact_id", "id", "first_seen", "last_seen", "display_name"])
    for column in ("first_seen", "last_seen"):
        frame[column] = _utc_ns(frame[column])
    frame = frame.sort_values(["last_seen", "id"], na_position="first", kind="stable")
    agg = frame.groupby("contact_id", sort=True).agg(
        first_seen=("first_seen", "min"), last_seen=("last_seen", "max"),
        display_name=("display_name", "last")).reset_index()
    rows = pd.DataFrame({
        "id": agg["contact_id"].astype("int64"), "client": client,
        "display_name": agg["display_name"], "first_seen": agg["first_seen"],
        "last_seen": agg["last_seen"],
    })
    _upsert_frame(conn, contacts, rows, ["id"], ["display_name", "first_seen", "last_seen"])


def _add_run_counts(conn: Connection, run_id: int, counts: Mapping[str, int]) -> None:
    current = conn.execute(select(runs.c.counts).where(runs.c.id == run_id)).first()
    if current is None:
        raise StoreError(f"run {run_id} not found in the store (call record_run first)")
    merged = {**(current[0] or {}), **{k: int(v) for k, v in counts.items()}}
    conn.execute(update(runs).where(runs.c.id == run_id).values(counts=merged))


def _select_in(conn: Connection, query: Any, column: Any, values: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for chunk in _chunks(list(values), _IN_BATCH):
        rows += conn.execute(query.where(column.in_(list(chunk)))).all()
    return rows


def _delete_in(conn: Connection, table: Table, ids: Sequence[int]) -> int:
    deleted = 0
    for chunk in _chunks(list(ids), _IN_BATCH):
        deleted += conn.execute(delete(table).where(table.c.id.in_(list(chunk)))).rowcount
    return deleted


def _handle_pattern(author_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(author_id)}(?!\w)", re.IGNORECASE)


def _redact_handle(conn: Connection, client: str, author_id: str,
                   platforms: Sequence[str]) -> int:
    """Replace ``@author_id`` in other interactions' text; returns the rows changed."""
    like = "%@" + re.sub(r"([\\%_])", r"\\\1", author_id) + "%"
    query = select(interactions.c.id, interactions.c.text_redacted).where(
        interactions.c.client == client, interactions.c.platform.in_(list(platforms)),
        interactions.c.text_redacted.ilike(like, escape="\\"))
    pattern = _handle_pattern(author_id)
    changed = []
    for row in conn.execute(query).all():
        text = pattern.sub(ERASED, row.text_redacted)
        if text != row.text_redacted:
            changed.append({"row_id": row.id, "text": text})
    if changed:
        stmt = update(interactions).where(interactions.c.id == bindparam("row_id")).values(
            text_redacted=bindparam("text"))
        for chunk in _chunks(changed, BATCH_ROWS):
            conn.execute(stmt, list(chunk))
    return len(changed)


# ---------------------------------------------------------------------------------------------
# frame helpers


def _check_redacted(frame: pd.DataFrame) -> None:
    if "text" in frame.columns and "text_redacted" not in frame.columns:
        raise UnredactedTextError(
            "the mentions have raw 'text' but no 'text_redacted': the store keeps PII-redacted "
            "text only; pass step 3's scored mentions (listening.score_mentions redacts them)"
        )


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise StoreError(f"the {what} lack column(s) {', '.join(missing)} "
                         f"(they have: {', '.join(map(str, frame.columns))})")


def _strings(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[column]
    out = values.astype("string").astype(object)
    return out.where(values.notna(), None)


def _platforms(frame: pd.DataFrame) -> pd.Series:
    values = _strings(frame, "platform")
    return values.where(values.notna() & (values != ""), UNKNOWN_PLATFORM)


def _flags(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[column]
    if values.dtype == bool:
        return values.copy()
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.fillna(False).astype(bool)
    return values.astype("string").str.strip().str.lower().isin(["true", "1", "yes"]) \
        .fillna(False).astype(bool)


def _floats(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="mixed") if values.dtype == object \
        or pd.api.types.is_string_dtype(values) else pd.to_datetime(values, utc=True)


def _utc_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return _utc(frame[column])


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Result rows as a frame (via plain tuples: pandas is slow on Row objects)."""
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def _utc_ns(values: pd.Series) -> pd.Series:
    """Datetimes read back from the database as ``datetime64[ns, UTC]`` (the canonical dtype)."""
    return pd.to_datetime(values, utc=True).dt.as_unit("ns")


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _python_values(values: pd.Series) -> list[Any]:
    """A column as Python objects for the DB driver: None for missing, naive UTC datetimes."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values.to_numpy(dtype="datetime64[us]").tolist()
    if pd.api.types.is_float_dtype(values):
        return [None if math.isnan(v) else v for v in values.astype("float64").tolist()]
    return values.astype(object).where(values.notna(), None).tolist()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = list(frame.columns)
    data = [_python_values(frame[c]) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*data, strict=True)]


def _record_slices(frame: pd.DataFrame, size: int) -> Iterator[list[dict[str, Any]]]:
    """:func:`_records` of ``size`` rows at a time: never all rows as Python objects at once."""
    for start in range(0, len(frame), size):
        yield _records(frame.iloc[start:start + size])


# ---------------------------------------------------------------------------------------------
# run folders


def _author_mask(frame: pd.DataFrame, column: str, author_id: str,
                 platform: str | None) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    mask = (frame[column].astype("string") == author_id).fillna(False)
    if platform is not None and "platform" in frame.columns:
        mask &= (frame["platform"].astype("string") == platform).fillna(False)
    return mask.astype(bool)


def _read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_any(frame: pd.DataFrame, path: Path) -> None:
    from .artifacts import write_artifact  # the suite's writer: atomic, CSV cells made safe

    write_artifact(frame, path.parent, path.name)


def forget_in_runs(client_dir: str | Path, author_id: str,
                   platform: str | None = None) -> dict[Path, int]:
    """Rewrite a client's run folders without an author's rows (see :meth:`Store.forget`).

    In every run folder under ``client_dir`` (``reports/<client>/<run>/``, the ``latest`` link
    skipped), each of :data:`RUN_ARTIFACTS` present loses the author's rows: posts they wrote
    and the brand's replies to them (mentions, scored mentions, rejected rows), the
    conversations where they are the customer (conversations, sla.csv); ``@author_id`` in the
    remaining text becomes ``@[erased]``. Files are replaced atomically. Every other file
    (tables that quote them, JSON, executed notebooks, report.html) is rewritten by
    :func:`socialcrm_utils.erasure.erase_runs`, which ``socialcrm forget --runs`` runs next.

    Args:
        client_dir: The client's folder of run folders.
        author_id: The author's id, exactly as in the data.
        platform: Only rows of this platform (default: every platform).

    Returns:
        Path -> rows removed or rewritten, for every file that changed.
    """
    changed: dict[Path, int] = {}
    pattern = _handle_pattern(author_id)
    for run_dir in _run_dirs(Path(client_dir)):
        frames = {name: _read_any(run_dir / name) for name in RUN_ARTIFACTS
                  if (run_dir / name).is_file()}
        conversations: set[tuple[str, str]] = set()
        mentions: set[tuple[str, str]] = set()
        for name in ("conversations.parquet", "sla.csv"):
            if name in frames:
                frame = frames[name]
                hit = frame[_author_mask(frame, "customer_id", author_id, platform)]
                conversations |= set(zip(_key(hit, "platform"), _key(hit, "conversation_id"),
                                         strict=True))
        for name in ("mentions.parquet", "mentions_scored.parquet", "rejected.csv"):
            if name in frames:
                frame = frames[name]
                hit = frame[_author_mask(frame, "author_id", author_id, platform)]
                mentions |= set(zip(_key(hit, "platform"), _key(hit, "mention_id"), strict=True))
        for name, frame in frames.items():
            if "customer_id" in frame.columns:
                drop = _author_mask(frame, "customer_id", author_id, platform)
            else:
                drop = _author_mask(frame, "author_id", author_id, platform)
                if "is_brand" in frame.columns:
                    brand = _flags(frame, "is_brand").to_numpy()
                    platforms = _key(frame, "platform")
                    replies = [(p, r) in mentions for p, r in
                               zip(platforms, _key(frame, "in_reply_to_id"), strict=True)]
                    threads = [(p, c) in conversations for p, c in
                               zip(platforms, _key(frame, "conversation_id"), strict=True)]
                    drop |= brand & (np.array(replies, dtype=bool)
                                     | np.array(threads, dtype=bool))
            kept = frame[~drop.to_numpy()].reset_index(drop=True)
            rewritten = 0
            for column in ("text_redacted", "text"):
                if column in kept.columns:
                    text = kept[column].astype("string")
                    new = text.str.replace(pattern, ERASED, regex=True)
                    diff = (new != text).fillna(False)
                    if diff.any():
                        rewritten += int(diff.sum())
                        kept[column] = kept[column].where(~diff.to_numpy(), new.astype(object))
            count = int(drop.sum()) + rewritten
            if count:
                _write_any(kept, run_dir / name)
                changed[run_dir / name] = count
                logger.info("%s: removed %d rows, redacted %d", run_dir / name,
                            int(drop.sum()), rewritten)
    return changed


def _key(frame: pd.DataFrame, column: str) -> list[Any]:
    if column not in frame.columns:
        return [None] * len(frame)
    values = frame[column]
    if column == "platform":
        values = _platforms(frame)
    return values.astype("string").astype(object).where(values.notna(), None).tolist()


def _run_dirs(client_dir: Path) -> list[Path]:
    if not client_dir.is_dir():
        return []
    return sorted(p for p in client_dir.iterdir()
                  if p.is_dir() and not p.is_symlink() and p.name != "models")


_TEXT_SUFFIXES = (".csv", ".json", ".html", ".ipynb", ".txt", ".md", ".svg")


def files_naming(client_dir: str | Path, author_id: str) -> list[Path]:
    """Files in a client's run folders that still contain ``author_id`` as a word.

    Text files (CSV, JSON, HTML, notebooks, ...) are searched ignoring case, Parquet files by
    their string columns; images and other binaries are not searched.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = Path(tmp, "20260101T000000Z"); run.mkdir()
        ...     _ = (run / "faq.csv").write_text("question\\nwhere is my bag, asked ann\\n")
        ...     [p.name for p in files_naming(tmp, "Ann")], files_naming(tmp, "annette")
        (['faq.csv'], [])
    """
    word = re.compile(rf"(?<!\w){re.escape(author_id)}(?!\w)", re.IGNORECASE)
    found = []
    for run_dir in _run_dirs(Path(client_dir)):
        for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
            if path.suffix == ".parquet":
                frame = pd.read_parquet(path)
                hit = any(frame[c].astype("string").str.contains(word, na=False).any()
                          for c in frame.columns
                          if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object)
            elif path.suffix in _TEXT_SUFFIXES:
                hit = bool(word.search(path.read_text(encoding="utf-8", errors="replace")))
            else:
                continue
            if hit:
                found.append(path)
    return found
