"""Reading the store: its schema version, row counts, whole tables and authors by id."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from .frames import _frame, _utc_ns
from .schema import TABLES, StoreError, UTCDateTime, identities, metadata, runs, stored_version

__all__ = ["ReadsMixin"]


class ReadsMixin:
    """Methods of :class:`~socialcrm_utils.store.Store` that read tables as frames."""

    engine: Engine

    def version(self) -> int:
        """The schema version stored in the database."""
        with self.engine.connect() as conn:
            return int(stored_version(conn) or 0)

    def counts(self, client: str) -> dict[str, int]:
        """Rows per table (:data:`TABLES`) for a client.

        Examples:
            >>> from socialcrm_utils.store import open_store
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
                    query = (
                        select(func.count())
                        .select_from(table.join(runs))
                        .where(runs.c.client == client)
                    )
                else:
                    query = select(func.count()).select_from(table).where(table.c.client == client)
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

    def find_authors(self, client: str, author_id: str) -> pd.DataFrame:
        """Identities whose author id equals ``author_id`` ignoring case (``platform``,
        ``author_id``), e.g. to suggest the exact spelling to :meth:`forget`."""
        query = (
            select(identities.c.platform, identities.c.author_id)
            .where(
                identities.c.client == client,
                func.lower(identities.c.author_id) == author_id.lower(),
            )
            .order_by(identities.c.platform, identities.c.author_id)
        )
        with self.engine.connect() as conn:
            return _frame(conn.execute(query).all(), ["platform", "author_id"])
