"""Set-based SQL of the store: bulk upserts and batched ``IN (...)`` look-ups and deletes.

Only SQLAlchemy's public Core API: the dialects' own ``insert(...).on_conflict_do_update``
(:func:`sqlalchemy.dialects.sqlite.insert`, :func:`sqlalchemy.dialects.postgresql.insert`)
executed with a list of parameter sets (executemany).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Table, bindparam, case, cast, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from .frames import _record_slices
from .schema import _IN_BATCH, _RECORD_ROWS, BATCH_ROWS


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE``, in batches of :data:`BATCH_ROWS` rows.

    Of rows with the same key the last one wins. ``new_values(excluded)`` gives SQL
    expressions for columns whose new value is not simply the incoming one. Rows whose values
    are all unchanged are not written again (``WHERE ... IS DISTINCT FROM``), so an idempotent
    re-run costs reads, not writes. SQLite runs one executemany per batch (SQLAlchemy's
    ``Connection.execute`` with a list of rows); PostgreSQL one
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
        source = select(
            *[
                func.unnest(
                    cast(bindparam(c, type_=ARRAY(table.c[c].type)), ARRAY(table.c[c].type))
                ).label(c)
                for c in columns
            ]
        )
        stmt = postgresql.insert(table).from_select(columns, source)
    else:
        stmt = sqlite.insert(table)
    set_ = {c: stmt.excluded[c] for c in update_columns}
    set_.update(new_values(stmt.excluded) if new_values else {})
    if set_:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_=set_,
            where=or_(*[table.c[c].is_distinct_from(value) for c, value in set_.items()]),
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    for chunk in _chunks(rows, BATCH_ROWS):
        if postgres:
            conn.execute(stmt, {c: [row[c] for row in chunk] for c in columns})
        else:
            conn.execute(stmt, list(chunk))
    return len(rows)


def _upsert_frame(
    conn: Connection,
    table: Table,
    frame: pd.DataFrame,
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """:func:`_upsert` of a frame's rows, made into Python records a slice at a time.

    Same result as ``_upsert(conn, table, _records(frame), ...)`` (of rows with the same key
    the last one wins), but a million rows never exist as a million dicts at once (about 1 KB
    each).
    """
    frame = frame.drop_duplicates(keys, keep="last")
    return sum(
        _upsert(conn, table, records, keys, update_columns, new_values)
        for records in _record_slices(frame, _RECORD_ROWS)
    )


def _earlier(new: Any, old: Any) -> Any:
    return case((old.is_(None), new), (new < old, new), else_=old)


def _later(new: Any, old: Any) -> Any:
    return case((old.is_(None), new), (new > old, new), else_=old)


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
