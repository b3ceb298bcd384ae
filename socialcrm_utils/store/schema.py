"""The store's tables, their schema version and the migrations between versions.

The Core ``Table`` objects here are the one schema definition (see :mod:`socialcrm_utils.store`
for what each table holds). :func:`prepare_schema` creates them in an empty database, migrates
an older store to :data:`SCHEMA_VERSION` (one transaction) and refuses a newer one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

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
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import DDL, CreateColumn

from ..exceptions import (  # raised here; defined with every other exception
    SchemaVersionError,
    StoreError,
    StoreNotFoundError,
    UnredactedTextError,
)

__all__ = [
    "SCHEMA_VERSION",
    "RUN_STATUSES",
    "BATCH_ROWS",
    "UNKNOWN_PLATFORM",
    "ERASED",
    "TABLES",
    "StoreError",
    "StoreNotFoundError",
    "SchemaVersionError",
    "UnredactedTextError",
    "UTCDateTime",
    "metadata",
    "schema_version",
    "contacts",
    "identities",
    "runs",
    "interactions",
    "cases",
    "kpi_snapshots",
    "alert_deliveries",
    "DELIVERY_STATUSES",
    "source_cursors",
    "seen_files",
    "run_locks",
    "mention_metrics",
    "stored_version",
    "prepare_schema",
]

logger = logging.getLogger(__name__)

#: Version of the tables below; bump it (and add a migration to ``_MIGRATIONS``) whenever they
#: change. Version 2: ``runs.period_start`` and ``runs.period_end``. Version 3: ``runs.status``,
#: ``runs.pid`` and ``runs.host`` (killed runs are marked failed). Version 4: the
#: ``alert_deliveries`` table. Version 5: ``source_cursors``, ``seen_files``, ``run_locks`` and
#: ``mention_metrics`` (incremental runs, :mod:`socialcrm_utils.store.incremental`).
SCHEMA_VERSION = 5

#: Values of ``runs.status``.
RUN_STATUSES = ("running", "ok", "failed")

#: Values of ``alert_deliveries.status``.
DELIVERY_STATUSES = ("sent", "failed")

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
    "schema_version", metadata, Column("version", Integer, primary_key=True, autoincrement=False)
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

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("client", String, nullable=False),
    Column("rule", String, nullable=False),
    Column("window", String, nullable=False),
    Column("subject", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("severity", String),
    Column("status", String, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False),
    Column("first_tried_at", UTCDateTime, nullable=False),
    Column("last_tried_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("run_id", Integer, ForeignKey("runs.id")),
    UniqueConstraint(
        "client", "rule", "window", "subject", "channel", name="uq_alert_deliveries_key"
    ),
)

# Incremental runs (schema version 5, docs/incremental.md): where each source stands, the
# files of a folder source already read, the one run of a client at a time, and the counts of a
# mention that interactions does not keep (a windowed run reads its history back with them).
source_cursors = Table(
    "source_cursors",
    metadata,
    Column("client", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("cursor", Text, nullable=False),  # JSON text (PostgreSQL json has no equality)
    Column("updated_at", UTCDateTime, nullable=False),
)

seen_files = Table(
    "seen_files",
    metadata,
    Column("client", String, primary_key=True),
    Column("source", String, primary_key=True),
    Column("path", Text, primary_key=True),
    Column("size", Integer, nullable=False),
    Column("mtime", Float, nullable=False),
    Column("sha256", String, nullable=False),
    Column("read_at", UTCDateTime, nullable=False),
)

run_locks = Table(
    "run_locks",
    metadata,
    Column("client", String, primary_key=True),
    Column("pid", Integer, nullable=False),
    Column("host", String, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("command", String),
)

mention_metrics = Table(
    "mention_metrics",
    metadata,
    Column("client", String, primary_key=True),
    Column("platform", String, primary_key=True),
    Column("mention_id", String, primary_key=True),
    Column("reach", Float),
    Column("likes", Float),
    Column("shares", Float),
    Column("replies", Float),
)

#: The data tables, in the order :meth:`Store.counts` reports them.
TABLES: tuple[str, ...] = (
    "contacts",
    "identities",
    "interactions",
    "cases",
    "runs",
    "kpi_snapshots",
)


# ---------------------------------------------------------------------------------------------
# version and migrations


def stored_version(conn: Connection) -> int | None:
    """The schema version stored in the database, None when it has no store tables.

    Raises:
        SchemaVersionError: If the ``schema_version`` table does not hold exactly one row.
    """
    if not inspect(conn).has_table("schema_version"):
        return None
    versions = conn.execute(select(schema_version.c.version)).scalars().all()
    if len(versions) > 1:
        raise SchemaVersionError(
            f"the schema_version table holds {len(versions)} rows {sorted(versions)}; it "
            "must hold exactly one"
        )
    return versions[0] if versions else None


def prepare_schema(engine: Engine, shown_url: str, create: bool = True) -> None:
    """Create the tables of an empty store, or migrate an older one (one transaction).

    Args:
        engine: The store's engine.
        shown_url: The store's URL with the password hidden, for messages.
        create: Create the store when the database has none.

    Raises:
        StoreNotFoundError: If ``create`` is False and there is no store yet.
        SchemaVersionError: If the store is newer than :data:`SCHEMA_VERSION`, or no
            migration leads from its version to the current one.
    """
    for attempt in range(3):
        try:
            _prepare_once(engine, shown_url, create)
            return
        except (OperationalError, ProgrammingError, IntegrityError) as exc:
            # Two runs creating one store at the same moment: the other one's tables appeared
            # between our check and our CREATE; its transaction is committed, so read again.
            if "already exists" not in str(exc) and "duplicate" not in str(exc).lower():
                raise
            if attempt == 2:
                raise
            logger.info("store %s was created by another run meanwhile: read again", shown_url)


def _prepare_once(engine: Engine, shown_url: str, create: bool) -> None:
    """One attempt of :func:`prepare_schema`, in one transaction."""
    with engine.begin() as conn:
        found = stored_version(conn)
        if found is None and not create:
            raise StoreNotFoundError(f"no store in {shown_url} yet (it has no socialcrm tables)")
        if found is not None and found > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"store {shown_url} has schema version {found}, but this version of "
                f"socialcrm-utils knows version {SCHEMA_VERSION} at most: upgrade "
                "socialcrm-utils (pip install -U socialcrm-utils) or use another store"
            )
        if found is not None and found < SCHEMA_VERSION:
            missing = [v for v in range(found, SCHEMA_VERSION) if v not in _MIGRATIONS]
            if missing:
                raise SchemaVersionError(
                    f"store {shown_url} has schema version {found} and no migration to "
                    f"{SCHEMA_VERSION} exists"
                )
            for version in range(found, SCHEMA_VERSION):
                _MIGRATIONS[version](conn)
                logger.info(
                    "migrated store %s from schema version %d to %d",
                    shown_url,
                    version,
                    version + 1,
                )
            conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
        metadata.create_all(conn)
        if found is None:
            conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))


def _add_columns(conn: Connection, table: Table, columns: list[Column[Any]]) -> None:
    """``ALTER TABLE ... ADD COLUMN`` for each of ``columns`` the table lacks.

    The column definition is SQLAlchemy's own (:class:`~sqlalchemy.schema.CreateColumn`,
    compiled for the connection's dialect); the table name is quoted by
    :class:`~sqlalchemy.schema.DDL`'s ``%(table)s``.
    """
    present = {c["name"] for c in inspect(conn).get_columns(table.name)}
    for column in columns:
        if column.name not in present:
            definition = str(CreateColumn(column).compile(dialect=conn.dialect))
            statement = f"ALTER TABLE %(table)s ADD COLUMN {definition.replace('%', '%%')}"
            conn.execute(DDL(statement).against(table))


def _add_run_periods(conn: Connection) -> None:
    """Schema 1 -> 2: the data period of each run (``runs.period_start``, ``period_end``).

    Nullable columns without a default: runs recorded before stay points of their own in the
    KPI history, placed at their start time. The type is the dialect's own ``DATE``.
    """
    _add_columns(conn, runs, [runs.c.period_start, runs.c.period_end])


def _add_run_status(conn: Connection) -> None:
    """Schema 2 -> 3: ``runs.status``, ``pid`` and ``host`` (killed runs are marked failed).

    Nullable columns without a default: runs recorded before have no known status (NULL).
    """
    _add_columns(conn, runs, [runs.c.status, runs.c.pid, runs.c.host])


def _add_alert_deliveries(conn: Connection) -> None:
    """Schema 3 -> 4: the ``alert_deliveries`` table (one row per alert and channel).

    A new table, empty: alerts raised before were never delivered, so nothing is recorded.
    """
    alert_deliveries.create(conn, checkfirst=True)


def _add_incremental_tables(conn: Connection) -> None:
    """Schema 4 -> 5: ``source_cursors``, ``seen_files``, ``run_locks``, ``mention_metrics``.

    New tables, empty: the next incremental run reads every source once and starts its cursors.
    """
    for table in (source_cursors, seen_files, run_locks, mention_metrics):
        table.create(conn, checkfirst=True)


#: Migration from each schema version to the next (run in one transaction by ``open_store``).
_MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _add_run_periods,
    2: _add_run_status,
    3: _add_alert_deliveries,
    4: _add_incremental_tables,
}
