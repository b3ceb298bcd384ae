"""Store: step 5's writes to the CRM store at 100,000 and 1,000,000 mentions.

Issue 18, part 2 ("the store at bulk speed"). Step 5 (notebook 05) writes a run's mentions and
cases with ``store.record_run``, ``store.upsert_mentions(client, scored)`` and
``store.upsert_cases(client, routed)``. This script times exactly those calls, in one run and
each in its own process (so that peak memory is its own), for every size and path:

- **sqlite old**: the store as it was before the bulk path (kept here as :func:`baseline_upsert`,
  :func:`baseline_upsert_frames` and :func:`baseline_insert_frame`): SQLAlchemy's
  ``insert().on_conflict_do_update`` executed with :data:`~socialcrm_utils.store.BATCH_ROWS`
  rows per executemany, new contacts by ``INSERT ... RETURNING`` executemany, and only
  ``PRAGMA foreign_keys=ON`` on connect;
- **sqlite new**: the store as it is (staging table, one set-based upsert per table, pragmas);
- **postgresql new**: the same on PostgreSQL, rows staged with ``COPY ... FROM STDIN``, when
  ``--postgres URL`` or ``SOCIALCRM_TEST_POSTGRES_URL`` is given (the database is emptied).
- **postgresql old** with ``--postgres-baseline``: the former ``INSERT ... SELECT unnest()``.

Each path writes into an empty store (``first``), then the same rows again (``rewrite``: a
re-run of the same run folder, which must change nothing). Rows come from the suite's sample
generator (``socialcrm_utils.sample.write_sample`` to Parquet, cached in ``--work``), made into
step 3's scored mentions (``text_redacted``, sentiment, intent, priority; derived from the
mention ids, no scoring) and step 4's per-conversation clocks (customer, first customer post,
first brand reply, policy, status, due time) with plain pandas.

Memory: ``held MB`` is the process's RSS before the writes (the frames step 5 holds),
``peak MB`` the highest RSS during them (psutil, sampled every 50 ms), ``store MB`` the
difference: what the store's writes add on top of the frames.

Target: step 5's writes at 1M in under 30 s on SQLite.

Run: ``nice -n 5 .venv/bin/python benchmarks/store.py [--sizes 100000 1000000]
[--postgres URL] [--work DIR]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

logger = logging.getLogger("benchmarks.store")

CLIENT = "bench"
ENV_URL = "SOCIALCRM_TEST_POSTGRES_URL"
INTENTS = ("complaint", "question", "praise", "other")
PRIORITIES = ("low", "normal", "high")


# ---------------------------------------------------------------------------------------------
# rows as step 5 gets them


def sample_path(work: Path, size: int) -> Path:
    """The generated sample of ``size`` mentions as Parquet (written once, then reused)."""
    from socialcrm_utils.sample import write_sample

    path = work / f"mentions-{size}.parquet"
    if not path.is_file():
        write_sample(path, size, seed=7, include_malformed=False)
    return path


def scored_mentions(path: Path) -> pd.DataFrame:
    """Step 3's scored mentions, with scores derived from the ids (the store does not care)."""
    mentions = pd.read_parquet(path).rename(columns={"text": "text_redacted"})
    code = pd.util.hash_pandas_object(mentions["mention_id"], index=False).to_numpy()
    sentiment = (code % 2001).astype("float64") / 1000 - 1
    return mentions.assign(
        sentiment=sentiment,
        sentiment_label=np.where(sentiment < -0.05, "negative", "positive"),
        intent=np.asarray(INTENTS)[code % len(INTENTS)],
        priority=np.asarray(PRIORITIES)[(code // 7) % len(PRIORITIES)],
    )


def conversation_clocks(scored: pd.DataFrame) -> pd.DataFrame:
    """Step 4's clocks, one row per conversation with a customer post (plain pandas)."""
    keys = ["platform", "conversation_id"]
    customer = scored[~scored["is_brand"]].sort_values("created_at", kind="stable")
    first = customer.groupby(keys, sort=False).agg(
        customer_id=("author_id", "first"),
        first_customer_at=("created_at", "first"),
        url=("url", "first"),
        intent=("intent", "first"),
        priority=("priority", "first"),
    )
    replies = scored[scored["is_brand"]].groupby(keys, sort=False)["created_at"].min()
    clocks = first.join(replies.rename("first_response_at"), how="left").reset_index()
    answered = clocks["first_response_at"].notna()
    return clocks.assign(
        policy=np.where(clocks["priority"] == "high", "urgent", "standard"),
        due_at=clocks["first_customer_at"] + pd.Timedelta(hours=4),
        resolved_at=clocks["first_response_at"].where(clocks["intent"] != "complaint"),
        status=np.where(answered, "answered", "open"),
        resolution_status=np.where(answered, "resolved", "unresolved"),
    )


# ---------------------------------------------------------------------------------------------
# the store as it was before the bulk path


def baseline_upsert(
    conn: Any,
    table: Any,
    rows: list[dict[str, Any]],
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """The former ``_upsert``: ``on_conflict_do_update`` executemany per batch of rows."""
    from sqlalchemy import bindparam, cast, func, or_, select
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.dialects.postgresql import ARRAY

    from socialcrm_utils.store import BATCH_ROWS

    rows = list({tuple(row[k] for k in keys): row for row in rows}.values())
    if not rows:
        return 0
    columns = list(rows[0])
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        arrays = [
            func.unnest(
                cast(bindparam(c, type_=ARRAY(table.c[c].type)), ARRAY(table.c[c].type))
            ).label(c)
            for c in columns
        ]
        stmt = postgresql.insert(table).from_select(columns, select(*arrays))
    else:
        stmt = sqlite.insert(table)
    set_ = {c: stmt.excluded[c] for c in update_columns}
    set_.update(new_values(stmt.excluded) if new_values else {})
    if set_:
        where = or_(*[table.c[c].is_distinct_from(value) for c, value in set_.items()])
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_=set_, where=where)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = rows[start : start + BATCH_ROWS]
        if postgres:
            conn.execute(stmt, {c: [row[c] for row in chunk] for c in columns})
        else:
            conn.execute(stmt, chunk)
    return len(rows)


def baseline_upsert_frames(
    conn: Any,
    table: Any,
    columns: list[str],
    frames: Iterable[pd.DataFrame],
    keys: list[str],
    update_columns: Sequence[str],
    new_values: Callable[[Any], Mapping[str, Any]] | None = None,
) -> int:
    """The former per-slice upsert of frames: records, then :func:`baseline_upsert`."""
    from socialcrm_utils.store.frames import _records

    return sum(
        baseline_upsert(conn, table, _records(f[columns]), keys, update_columns, new_values)
        for f in frames
    )


def baseline_upsert_frame(conn, table, frame, keys, update_columns, new_values=None) -> int:
    """The former ``_upsert_frame``: 50,000-row slices of records, each upserted."""
    from socialcrm_utils.store.schema import _RECORD_ROWS

    frame = frame.drop_duplicates(keys, keep="last")
    slices = (frame.iloc[s : s + _RECORD_ROWS] for s in range(0, len(frame), _RECORD_ROWS))
    return baseline_upsert_frames(
        conn, table, list(frame.columns), slices, keys, update_columns, new_values
    )


def baseline_insert_frame(conn: Any, table: Any, frame: pd.DataFrame) -> None:
    """The former creation of new contacts: ``INSERT ... RETURNING`` executemany (SQLAlchemy's
    ``sort_by_parameter_order``), the database giving the ids (the same ones the new path
    reserves)."""
    from socialcrm_utils.store import BATCH_ROWS
    from socialcrm_utils.store.frames import _record_slices

    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    given = []
    for chunk in _record_slices(frame.drop(columns="id"), BATCH_ROWS):
        given += conn.execute(stmt, chunk).scalars().all()
    if given != frame["id"].tolist():
        raise AssertionError("the baseline's contact ids differ from the reserved ones")


def _foreign_keys_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def baseline_patches() -> list[Any]:
    """Patches that make the store write as it did before the bulk path."""
    return [
        mock.patch("socialcrm_utils.store.upserts._upsert_frames", baseline_upsert_frames),
        mock.patch("socialcrm_utils.store.upserts._upsert_frame", baseline_upsert_frame),
        mock.patch("socialcrm_utils.store.upserts._insert_frame", baseline_insert_frame),
        mock.patch("socialcrm_utils.store.runs._upsert", baseline_upsert),
        mock.patch("socialcrm_utils.store.deliveries._upsert", baseline_upsert),
        mock.patch("socialcrm_utils.store.core._sqlite_pragmas", _foreign_keys_only),
    ]


# ---------------------------------------------------------------------------------------------
# one measurement (its own process)


class PeakRSS:
    """The highest RSS of this process while in the ``with`` block (psutil, every 50 ms)."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.before_mb = self.peak_mb = self.process.memory_info().rss / 2**20
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_mb = max(self.peak_mb, self.process.memory_info().rss / 2**20)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.process.memory_info().rss / 2**20)


def measure(size: int, url: str, old: bool, work: Path) -> dict[str, Any]:
    """Step 5's writes of ``size`` mentions into an empty store at ``url``, then again."""
    from socialcrm_utils.store import open_store

    scored = scored_mentions(sample_path(work, size))
    clocks = conversation_clocks(scored)
    patches = baseline_patches() if old else []
    for patch in patches:
        patch.start()
    result: dict[str, Any] = {"mentions": len(scored), "cases": len(clocks)}
    for attempt in ("first", "rewrite"):
        with PeakRSS() as memory, open_store(url) as store:
            started, cpu = time.perf_counter(), time.process_time()
            run_id = store.record_run(CLIENT, f"reports/{CLIENT}/bench-{size}")
            store.upsert_mentions(CLIENT, scored, run_id=run_id)
            after_mentions = time.perf_counter()
            store.upsert_cases(CLIENT, clocks, run_id=run_id)
            done = time.perf_counter()
            counts = store.counts(CLIENT)
        result[attempt] = {
            "mentions_s": after_mentions - started,
            "cases_s": done - after_mentions,
            "total_s": done - started,
            "cpu_s": time.process_time() - cpu,
            "counts": counts,
            "held_mb": memory.before_mb,
            "peak_mb": memory.peak_mb,
        }
    for patch in patches:
        patch.stop()
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_child(size: int, url: str, old: bool, work: Path) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(size), url, "old" if old else "new"]
    done = subprocess.run([*argv, "--work", str(work)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--postgres", default=os.environ.get(ENV_URL), help="PostgreSQL URL")
    parser.add_argument("--postgres-baseline", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip sqlite old")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "store-bench")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        size, url, path = args.child
        print(json.dumps(measure(int(size), url, path == "old", args.work)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = [] if args.no_baseline else [("sqlite", True)]
    paths.append(("sqlite", False))
    if args.postgres:
        paths += [("postgresql", True)] if args.postgres_baseline else []
        paths.append(("postgresql", False))
    header = f"{'mentions':>9} {'cases':>8} {'backend':<10} {'path':<4} {'write':<7} "
    header += f"{'mentions s':>10} {'cases s':>8} {'total s':>8} {'CPU s':>6} {'held MB':>8} "
    header += f"{'peak MB':>8} {'store MB':>8}"
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(header)
    for size in args.sizes:
        sample_path(args.work, size)
        for backend, old in paths:
            if backend == "sqlite":
                db = args.work / f"crm-{size}-{'old' if old else 'new'}.sqlite"
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                url = f"sqlite:///{db}"
            else:
                url = args.postgres
                _reset_postgres(url)
            result = run_child(size, url, old, args.work)
            for attempt in ("first", "rewrite"):
                r = result[attempt]
                print(
                    f"{result['mentions']:>9,} {result['cases']:>8,} {backend:<10} "
                    f"{'old' if old else 'new':<4} {attempt:<7} {r['mentions_s']:>10.1f} "
                    f"{r['cases_s']:>8.1f} {r['total_s']:>8.1f} {r['cpu_s']:>6.1f} "
                    f"{r['held_mb']:>8.0f} {r['peak_mb']:>8.0f} "
                    f"{r['peak_mb'] - r['held_mb']:>8.0f}",
                    flush=True,
                )
            if backend == "sqlite":
                db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
