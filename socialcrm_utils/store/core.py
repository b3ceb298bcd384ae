"""Opening the store: :func:`open_store` and the :class:`Store` it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from ..credentials import mask_urls_in_text
from .deliveries import DeliveriesMixin
from .forget import ForgetMixin
from .reads import ReadsMixin
from .runs import RunsMixin
from .schema import StoreError, StoreNotFoundError, prepare_schema
from .upserts import UpsertsMixin

__all__ = ["Store", "open_store"]

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
    if (
        backend == "sqlite"
        and parsed.database
        and parsed.database != ":memory:"
        and not parsed.database.startswith("file:")
    ):
        path = Path(parsed.database).expanduser()
        if not create and not path.is_file():
            raise StoreNotFoundError(f"no store at {path} yet")
        path.parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {}
    if backend == "sqlite" and "timeout" not in parsed.query:
        connect_args["timeout"] = SQLITE_TIMEOUT
    try:
        engine = create_engine(
            parsed, pool_pre_ping=backend == "postgresql", connect_args=connect_args
        )
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"store {_shown(url)}: {exc} (install the driver: pip install 'psycopg[binary]')"
        ) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    try:
        prepare_schema(engine, store.url, create)
    except sa_exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(
            f"store {_shown(url)}: cannot open it: {reason} (check the URL, that "
            "the server runs and the database exists)"
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return store


#: Seconds an SQLite connection waits for another writer's transaction before it fails with
#: "database is locked" (the driver's default is 5; a store write of a million mentions takes
#: about 30). ``?timeout=`` in the store URL sets another.
SQLITE_TIMEOUT = 600.0

#: Pragmas of every SQLite connection of the store (``docs/store.md`` explains each choice
#: and what it costs in durability).
SQLITE_PRAGMAS = (
    "foreign_keys=ON",  # the schema's foreign keys are checked (off by default in SQLite)
    "synchronous=NORMAL",  # fsync at checkpoints, not at every commit (WAL keeps it consistent)
    "journal_mode=WAL",  # writes append to crm.sqlite-wal; readers do not block the writer
    "temp_store=MEMORY",  # the staging table (one 50,000-row slice at a time) in memory
    "cache_size=-131072",  # 128 MiB page cache per connection (default 2 MiB): index updates
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _shown(url: str | Any) -> str:
    """The URL with its password (and any ``?password=``-like argument) hidden, for messages."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        shown = str(url)
    return mask_urls_in_text(shown, keep_user=True)


class Store(RunsMixin, UpsertsMixin, ForgetMixin, ReadsMixin, DeliveriesMixin):
    """An open CRM store (see :mod:`socialcrm_utils.store`); create it with :func:`open_store`.

    Every method runs in one transaction: it is written completely or not at all. The methods
    come by concern from :class:`~.runs.RunsMixin` (runs, KPIs), :class:`~.upserts.UpsertsMixin`
    (mentions, cases, contacts), :class:`~.forget.ForgetMixin` (erasure) and
    :class:`~.reads.ReadsMixin` (tables as frames) and :class:`~.deliveries.DeliveriesMixin`
    (alert deliveries).

    Attributes:
        engine: The SQLAlchemy engine, for ad-hoc queries on the tables of
            :mod:`socialcrm_utils.store`.
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
