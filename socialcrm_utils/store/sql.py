"""Set-based SQL of the store: bulk upserts and batched ``IN (...)`` look-ups and deletes.

A bulk upsert stages the rows in a temporary table and merges them into the target with one
set-based statement (``INSERT INTO target SELECT ... FROM staged ON CONFLICT (...) DO UPDATE``,
SQLite >= 3.24 and PostgreSQL). The rows reach the staging table by the driver's fastest public
door: SQLite's DB-API ``executemany`` of a plain ``INSERT`` (through
:meth:`Connection.exec_driver_sql`), PostgreSQL's ``COPY ... FROM STDIN`` (psycopg's
``Cursor.copy``). Statements are SQLAlchemy Core (``insert(...).from_select(...)
.on_conflict_do_update``); no private SQLAlchemy name is used. ``docs/store.md`` has the
measurements.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    case,
    cast,
    delete,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable, DropTable

from .schema import _IN_BATCH, _RECORD_ROWS, BATCH_ROWS, UTCDateTime

#: Column of a staging table that keeps the rows' order: the merge inserts in that order, so
#: new rows get their ids in the order they were given, as a row-by-row insert would give them.
STAGE_ORDER = "stage_row"


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
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of Python rows, staged and merged at once.

    Of rows with the same key the last one wins. ``new_values(excluded)`` gives SQL
    expressions for columns whose new value is not simply the incoming one. Rows whose values
    are all unchanged are not written again (``WHERE ... IS DISTINCT FROM``), so an idempotent
    re-run costs reads, not writes. The rows are staged with SQLAlchemy's own executemany
    (their types convert them), then merged with one statement (:func:`_merge`).

    Returns:
        The number of distinct keys upserted.
    """
    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not rows:
        return 0
    columns = list(rows[0])
    with _staged(conn, table, columns) as stage:
        for start, chunk in enumerate(_chunks(rows, BATCH_ROWS)):
            first = start * BATCH_ROWS
            conn.execute(
                stage.insert(), [{STAGE_ORDER: first + i, **row} for i, row in enumerate(chunk)]
            )
        _merge(conn, table, stage, columns, keys, update_columns, new_values)
    return len(rows)


def _upsert_frame(
    conn: Connection,
    table: Table,
    frame: pd.DataFrame,
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """:func:`_upsert` of a frame's rows (of rows with the same key the last one wins).

    Returns:
        The number of distinct keys upserted.
    """
    frame = frame.drop_duplicates(keys, keep="last")
    slices = (
        frame.iloc[start : start + _RECORD_ROWS] for start in range(0, len(frame), _RECORD_ROWS)
    )
    return _upsert_frames(
        conn, table, list(frame.columns), slices, keys, update_columns, new_values
    )


def _upsert_frames(
    conn: Connection,
    table: Table,
    columns: list[str],
    frames: Iterable[pd.DataFrame],
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """Stage frames (``columns``, keys distinct over all of them) and merge each in turn.

    Each frame is made into driver values on its own, staged, merged into ``table`` with one
    statement (:func:`_merge`) and cleared from the staging table, so neither a million rows
    as Python objects nor a million staged rows exist at once. Since no key is in two frames,
    this writes what one merge of all the frames would (rows and ids in the same order).

    Returns:
        The number of rows staged.
    """
    staged = 0
    with _staged(conn, table, columns) as stage:
        for count in _stage_each(conn, stage, table, columns, frames):
            if count:
                _merge(conn, table, stage, columns, keys, update_columns, new_values)
                conn.execute(delete(stage))
            staged += count
    return staged


@contextlib.contextmanager
def _staged(conn: Connection, table: Table, columns: Sequence[str]) -> Iterator[Table]:
    """A temporary table with ``columns`` of ``table`` (same types, no constraints or indexes)
    and :data:`STAGE_ORDER`; dropped afterwards (and replaced if a failed call left one)."""
    stage = Table(
        f"{table.name}_staged",
        MetaData(),
        # On SQLite an INTEGER PRIMARY KEY is the rowid: the merge reads the rows in that
        # order without sorting them (on PostgreSQL an index would only slow COPY down).
        Column(
            STAGE_ORDER,
            Integer,
            primary_key=conn.dialect.name == "sqlite",
            autoincrement=False,
            nullable=False,
        ),
        *[Column(c, table.c[c].type) for c in columns],
        prefixes=["TEMPORARY"],
    )
    conn.execute(DropTable(stage, if_exists=True))
    conn.execute(CreateTable(stage))
    yield stage
    conn.execute(DropTable(stage))


def _stage_each(
    conn: Connection, stage: Table, table: Table, columns: list[str], frames: Iterable[pd.DataFrame]
) -> Iterator[int]:
    """Write each frame's ``columns`` into the staging table in turn (rows numbered on from
    0 over all frames) and yield its number of rows, for the caller to merge and clear the
    staging table before it asks for the next.

    While the caller merges, a thread takes the next frame from ``frames`` and converts its
    values (:func:`_stage_values`): that work is pandas and numpy, the merge is the database's
    own (SQLite's and psycopg's drivers release the GIL while a statement runs), so on two
    cores one hides the other. The connection is only used by the caller's thread, and at most
    one frame's values wait beside the one staged. Called inside :func:`write_transaction`,
    which pauses the cyclic garbage collector for the whole write.
    """
    postgres = conn.dialect.name == "postgresql"
    frames = iter(frames)

    def prepare(first: int) -> list[list[Any]] | None:
        frame = next(frames, None)
        return None if frame is None else _stage_values(table, frame[columns], first, postgres)

    with ThreadPoolExecutor(1, thread_name_prefix="store-stage") as pool:
        values, staged = prepare(0), 0
        while values is not None:
            count = _write_stage(conn, stage, values)
            del values
            staged += count
            upcoming = pool.submit(prepare, staged)
            yield count
            values = upcoming.result()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (turned on again after, if it was on).

    Staging allocates a slice's values as millions of small objects (lists of strings,
    numbers, tuples) without a reference cycle among them; each allocation burst would start
    collections that walk every object of the process, a notebook kernel's included (1-2 s of
    a million-mention write). Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _stage_values(table: Table, frame: pd.DataFrame, first: int, postgres: bool) -> list[list[Any]]:
    """The staging table's columns for a frame's rows (numbered from ``first``): the row
    numbers, then each column's values as the driver takes them (:func:`_driver_values`)."""
    values: list[list[Any]] = [list(range(first, first + len(frame)))]
    values += [_driver_values(frame[c], table.c[c].type, postgres) for c in frame.columns]
    return values


def _write_stage(conn: Connection, stage: Table, values: list[list[Any]]) -> int:
    """Write rows (given as columns, :func:`_stage_values`) into the staging table.

    SQLite: the DB-API ``executemany`` of the compiled plain ``INSERT`` (values converted
    column by column with numpy, exactly as SQLAlchemy's types would bind them);
    PostgreSQL: ``COPY ... FROM STDIN``.

    Returns:
        The number of rows written.
    """
    count = len(values[0])
    if not count:
        return 0
    rows = zip(*values, strict=True)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, stage, rows)
    else:  # the driver's executemany takes the rows one by one: no list of a slice's tuples
        insert = str(stage.insert().compile(dialect=conn.dialect))
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.executemany(insert, rows)
        finally:
            cursor.close()
    return count


def _copy_rows(conn: Connection, stage: Table, rows: Iterable[tuple[Any, ...]]) -> None:
    """``COPY stage (columns) FROM STDIN`` of ``rows`` through psycopg's public ``copy()``."""
    from psycopg import sql as pgsql

    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(stage.name), pgsql.SQL(", ").join(map(pgsql.Identifier, stage.c.keys()))
    )
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _driver_values(values: pd.Series, column_type: Any, postgres: bool) -> list[Any]:
    """A column as the values SQLAlchemy's type would bind: None for missing values; UTC
    timestamps as SQLite's ``YYYY-MM-DD HH:MM:SS.ffffff`` text (``+00`` added for
    PostgreSQL's ``timestamptz``); Python bools, ints and floats."""
    missing = values.isna().to_numpy()
    if isinstance(column_type, UTCDateTime):
        stamps = pd.to_datetime(values, utc=True).dt.tz_localize(None).to_numpy("datetime64[us]")
        text = _sqlite_datetime_text(stamps)
        out = (np.char.add(text, "+00") if postgres else text).astype(object)
    elif isinstance(column_type, Float):
        out = pd.to_numeric(values).to_numpy("float64", na_value=np.nan).astype(object)
    elif isinstance(column_type, Boolean):
        out = values.fillna(False).to_numpy(bool).astype(object)
    elif isinstance(column_type, Integer):
        out = values.fillna(0).to_numpy("int64").astype(object)
    else:
        out = values.to_numpy(object, copy=True)
    out[missing] = None
    return out.tolist()


def _sqlite_datetime_text(stamps: np.ndarray) -> np.ndarray:
    """``datetime64[us]`` values as ``YYYY-MM-DD HH:MM:SS.ffffff`` (NaT as anything).

    The ``T`` of the ISO text is overwritten in place where every value has the same 26
    characters (always, for timestamps pandas can hold), else replaced string by string.

    Examples:
        >>> _sqlite_datetime_text(np.array(["2024-05-01T10:00:01.5"], "datetime64[us]"))
        array(['2024-05-01 10:00:01.500000'], dtype='<U26')
    """
    text = np.datetime_as_string(stamps, unit="us")
    width = len("YYYY-MM-DD HH:MM:SS.ffffff")
    if text.dtype != np.dtype(f"<U{width}") or not len(text):
        return np.char.replace(text, "T", " ")
    text.view("<U1").reshape(len(text), width)[:, 10] = " "
    return text


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` for a method that writes: on SQLite it takes the write lock first.

    SQLite's driver starts a transaction only at the first ``INSERT``, ``UPDATE`` or
    ``DELETE``; the reads before it (the identity map, ``max(id)`` for new ids) would see a
    store another writer changes before this one writes. ``BEGIN IMMEDIATE`` makes the whole
    method one transaction that other writers wait for (up to the connection's ``timeout``,
    :data:`~.core.SQLITE_TIMEOUT`), as PostgreSQL's sequences and row locks make it there.
    Readers are not blocked (WAL). The cyclic garbage collector pauses meanwhile
    (:func:`_gc_paused`: the rows read and written are many small objects without cycles).
    """
    with _gc_paused(), engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def _new_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` ids for new rows of ``table``, increasing: PostgreSQL takes them from the
    column's sequence; SQLite gets the ones its own ``INSERT`` would give (``max(id) + 1`` on);
    no other writer takes them meanwhile (:func:`write_transaction` holds the write lock)."""
    if conn.dialect.name == "postgresql":
        sequence = cast(func.pg_get_serial_sequence(table.name, "id"), postgresql.REGCLASS)
        query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(conn.execute(query).scalars().all())
    last = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(last + 1, last + count + 1))


def _insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Plain ``INSERT INTO table SELECT ... FROM staged`` of a frame's rows (in their order);
    a row that exists already is an error."""
    columns = list(frame.columns)
    slices = (
        frame.iloc[start : start + _RECORD_ROWS] for start in range(0, len(frame), _RECORD_ROWS)
    )
    with _staged(conn, table, columns) as stage:
        source = select(*[stage.c[c] for c in columns]).order_by(stage.c[STAGE_ORDER])
        for count in _stage_each(conn, stage, table, columns, slices):
            if count:
                conn.execute(table.insert().from_select(columns, source))
                conn.execute(delete(stage))


def _merge(
    conn: Connection,
    table: Table,
    stage: Table,
    columns: Sequence[str],
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None,
) -> None:
    """``INSERT INTO table SELECT ... FROM stage ON CONFLICT (keys) DO UPDATE ...``: one
    statement for every staged row, in the staged order.

    ``WHERE true`` keeps SQLite's parser from reading ``ON CONFLICT`` as a join constraint.
    Columns not in ``update_columns`` or ``new_values`` keep their stored values.
    """
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    source = select(*[stage.c[c] for c in columns]).where(true()).order_by(stage.c[STAGE_ORDER])
    stmt = insert(table).from_select(list(columns), source)
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
    conn.execute(stmt)


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
