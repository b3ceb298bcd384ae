"""Text work on every core: a pool of small worker processes while there is work to do.

Scoring a million mentions is pure-Python work per distinct text (VADER, the intent regexes),
so it runs in chunks on all cores. The workers are **not** forked from the caller: a Jupyter
kernel holding a million-row frame would be copied into every worker as far as the operating
system counts memory (each forked child's resident set includes the pages it shares with its
parent), and the whole process tree would look two or three times its real size. Instead the
workers are forked from a small ``forkserver`` process (``spawn`` where there is none) that
imports the text modules once; chunks of texts go to the workers and results come back by
pickling, a few megabytes per million texts.

Several submissions share the pool (:func:`submit_chunks`), so independent work keeps every
core busy. When the last submission is collected (or dropped), the workers, the fork server
and multiprocessing's resource tracker stop: no child process outlives the work, so a kernel
shuts down at once and idle workers hold no memory.

Results are the same as running the function on the whole list in this process (the function
must treat each item on its own). Work runs in this process instead when it is small (fewer
than ``min_items`` items), when there is one core, when ``SOCIALCRM_WORKERS`` is ``1`` (or
``0``), inside a process that is itself a worker of some pool (a Dask worker, for example: no
nested pools), or when worker processes cannot start (a warning says so).

Like every ``multiprocessing`` program outside Linux's ``fork``, a *script* that scores many
texts needs the ``if __name__ == "__main__":`` guard; notebooks, the CLI and tests need nothing.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import logging
import multiprocessing
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = [
    "MIN_ITEMS",
    "WORKERS_ENV",
    "Pending",
    "map_chunks",
    "shutdown",
    "submit_chunks",
    "workers",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Environment variable that sets the number of worker processes (default: one per core;
#: ``1`` or ``0``: no workers, everything in the calling process).
WORKERS_ENV = "SOCIALCRM_WORKERS"
#: Below this many items a call runs in the calling process (a round trip to the workers
#: costs more than it saves).
MIN_ITEMS = 2_000
#: Chunks per worker: enough for an even finish, few enough to keep pickling overhead small.
_CHUNKS_PER_WORKER = 4
#: Modules the worker processes import once, before the first chunk (they hold the functions
#: the workers run, and pandas).
_PRELOAD = ("socialcrm_utils.nlp.sentiment", "socialcrm_utils.nlp.intent")

_lock = threading.Lock()
_pool: concurrent.futures.ProcessPoolExecutor | None = None
_outstanding = 0  # submissions whose results nobody has collected (or dropped) yet


def workers() -> int:
    """Number of worker processes a call may use (1: none, work runs in this process)."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            logger.warning("%s=%r is not a number: using one worker per core", WORKERS_ENV,
                           wanted)
        else:
            return max(count, 1)
    if multiprocessing.parent_process() is not None or multiprocessing.current_process().daemon:
        return 1  # already a worker of some pool: no nested pools
    return os.cpu_count() or 1


def _get_pool(count: int) -> concurrent.futures.ProcessPoolExecutor:
    """The pool, started if needed; counts one more outstanding submission."""
    global _pool, _outstanding
    with _lock:
        if _pool is None or _pool._max_workers != count:  # noqa: SLF001 (no public attribute)
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn")
            if context.get_start_method() == "forkserver":
                context.set_forkserver_preload(list(_PRELOAD))
            _pool = concurrent.futures.ProcessPoolExecutor(count, mp_context=context)
        _outstanding += 1
        return _pool


def _release() -> None:
    """One submission was collected or dropped; the last one stops the workers.

    Workers live only while there is work: a kernel with live children takes up to half a
    minute to shut down (ipykernel signals its children and waits), and idle workers hold
    memory. A new submission starts new workers in milliseconds (forked from the server).
    """
    global _pool, _outstanding
    with _lock:
        _outstanding = max(_outstanding - 1, 0)
        if _outstanding == 0 and _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
            _stop_helper_processes()


def _stop_helper_processes() -> None:
    """Stop multiprocessing's fork server and resource tracker; they restart when needed.

    Both are children of this process that outlive the pool. ipykernel, shutting down, sends
    its children SIGTERM (which the resource tracker ignores), then SIGKILL, and waits while
    any child is left, zombies included: about 30 s per kernel. ``_stop`` (private, in
    CPython since 3.8) ends each and reaps it.
    """
    from multiprocessing import forkserver, resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):  # noqa: SLF001
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            try:
                stop()
            except Exception:  # noqa: BLE001 (best effort: a helper that is gone is fine)
                logger.debug("could not stop %s", type(helper).__name__, exc_info=True)


def shutdown() -> None:
    """Stop the worker processes now, dropping work nobody has collected."""
    global _pool, _outstanding
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
            _stop_helper_processes()
        _outstanding = 0


def _split(items: Sequence[T], parts: int, weight: Callable[[T], int] | None) -> list[slice]:
    """``parts`` consecutive slices of about equal total weight (all of them non-empty)."""
    if weight is None:
        size = -(-len(items) // parts)
        return [slice(start, start + size) for start in range(0, len(items), size)]
    weights = [weight(item) + 20 for item in items]  # a per-item cost, so short items split too
    target = -(-sum(weights) // parts)
    slices, start, filled = [], 0, 0
    for i, w in enumerate(weights):
        if filled >= target:
            slices.append(slice(start, i))
            start, filled = i, 0
        filled += w
    slices.append(slice(start, len(items)))
    return slices


class Pending(Generic[R]):
    """Results of :func:`submit_chunks`, in item order once :meth:`result` returns."""

    def __init__(self, func: Callable[[list[T]], list[R]], items: Sequence[T],
                 futures: list[concurrent.futures.Future[list[R]]] | None) -> None:
        self._func, self._items, self._futures = func, items, futures
        self._out: list[R] | None = None
        # Collected or garbage-collected, the submission stops counting (once).
        self._release = weakref.finalize(self, _release) if futures is not None else None

    def result(self) -> list[R]:
        """Wait for every chunk; falls back to this process if the workers failed."""
        if self._out is not None:
            return self._out
        if self._futures is None:
            self._out = list(self._func(list(self._items)))
            return self._out
        try:
            out: list[R] = []
            for future in self._futures:
                out.extend(future.result())
        except (OSError, RuntimeError, concurrent.futures.process.BrokenProcessPool) as exc:
            logger.warning("working in one process: the worker processes failed (%s)", exc)
            out = list(self._func(list(self._items)))
        finally:
            self._futures = None
            if self._release is not None:
                self._release()
        self._out = out
        return out


def submit_chunks(func: Callable[[list[T]], list[R]], items: Sequence[T], *,
                  min_items: int | None = None,
                  weight: Callable[[T], int] | None = None) -> Pending[R]:
    """Start ``func`` on chunks of ``items`` in the worker processes; collect with ``result()``.

    Several submissions share the workers, so independent work (sentiment of the English
    texts, of the German texts, intent) keeps every core busy without a pause between them.

    Args:
        func: A function of a list that returns one result per item, each depending only on
            its item; module-level (or a :func:`functools.partial` of one), so it can be
            pickled.
        items: The items (picklable: texts, tuples of texts).
        min_items: Fewer items than this (default :data:`MIN_ITEMS`) run in this process,
            when ``result()`` is called.
        weight: Cost of an item (e.g. ``len`` for texts), to balance the chunks; default:
            every item costs the same.

    Returns:
        A :class:`Pending` whose ``result()`` equals ``func(list(items))``.
    """
    count = workers()
    minimum = MIN_ITEMS if min_items is None else min_items
    if count < 2 or len(items) < max(minimum, 2):
        return Pending(func, items, None)
    try:
        pool = _get_pool(count)
    except (OSError, RuntimeError) as exc:
        logger.warning("working in one process: worker processes cannot start (%s)", exc)
        return Pending(func, items, None)
    pending = Pending(func, items, [])  # counted from here: collected or dropped, it releases
    try:
        pending._futures = [pool.submit(func, list(items[part]))  # noqa: SLF001
                            for part in _split(items, count * _CHUNKS_PER_WORKER, weight)]
    except (OSError, RuntimeError, concurrent.futures.process.BrokenProcessPool) as exc:
        logger.warning("working in one process: worker processes cannot start (%s)", exc)
        pending._futures = None  # noqa: SLF001
        pending._release()  # noqa: SLF001
    return pending


def map_chunks(func: Callable[[list[T]], list[R]], items: Sequence[T], *,
               min_items: int | None = None, weight: Callable[[T], int] | None = None) -> list[R]:
    """``func(list(items))``, computed in chunks on every core (see :func:`submit_chunks`).

    Examples:
        >>> map_chunks(lambda texts: [t.upper() for t in texts], ["a", "b"])  # few: here
        ['A', 'B']
    """
    return submit_chunks(func, items, min_items=min_items, weight=weight).result()
