"""Text work on every core: worker processes owned by a :class:`WorkerPool`.

Scoring a million mentions is pure-Python work per distinct text (VADER, the intent regexes),
so it runs in chunks on all cores. A :class:`WorkerPool` owns its workers::

    with WorkerPool() as pool:
        english = pool.submit(score_chunk, texts, weight=len)
        intent = pool.submit(classify_chunk, pairs)
        scores, intents = english.result(), intent.result()

The workers start at the first submission that needs them and stop, with everything they
started, when the block ends (or :meth:`WorkerPool.close` is called; a pool nobody holds any
more stops too). Submissions to one pool share its workers, so independent work keeps every
core busy without a pause between them.

The workers are **not** forked from the caller: a Jupyter kernel holding a million-row frame
would be copied into every worker as far as the operating system counts memory (each forked
child's resident set includes the pages it shares with its parent). Instead a pool starts one
small *host* process (:mod:`subprocess`, ``python -c``) that imports the text modules once and
forks the workers from itself (a :class:`concurrent.futures.ProcessPoolExecutor`); chunks of
texts go to the host and results come back, pickled, over its standard input and output, a few
megabytes per million texts. The host, not the caller, is the workers' parent, so the caller's
process-wide ``multiprocessing`` helpers (fork server, resource tracker), which other libraries
in the same kernel may use, are neither started nor stopped; closing a pool ends its host and
workers, so a kernel shuts down at once (ipykernel waits for every child it has).

Code that cannot be handed a pool (a library function that scores texts) submits with
:func:`submit_chunks`: inside ``with pool.active():`` the submissions go to that pool;
elsewhere each one gets a pool of its own, closed when its result is collected.

Results are the same as running the function on the whole list in this process (the function
must treat each item on its own). Work runs in this process instead when it is small (fewer
than ``min_items`` items), when there is one core, when ``SOCIALCRM_WORKERS`` is ``1`` (or
``0``), inside a process that is itself a worker of some pool (a Dask worker, for example: no
nested pools), or when worker processes cannot start (a warning says so).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import functools
import gc
import itertools
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, Generic, TypeVar

__all__ = [
    "MIN_ITEMS",
    "WORKERS_ENV",
    "Pending",
    "WorkerPool",
    "map_chunks",
    "serve_workers",
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
#: Modules the host imports once, before it forks the workers (they hold the functions the
#: workers run, and pandas).
_PRELOAD = ("socialcrm_utils.nlp.sentiment", "socialcrm_utils.nlp.intent")
#: The host's thread switch interval (Python's default is 0.005 s): see :func:`serve_workers`.
_HOST_SWITCH_S = 0.001
#: Seconds between a worker's checks that its host is still there.
_WATCH_S = 1.0
#: Seconds :meth:`WorkerPool.close` waits for the host to finish its running chunks.
_CLOSE_TIMEOUT_S = 60.0
#: The host's program: read its settings (the caller's ``sys.path`` first, as ``spawn`` does),
#: then serve.
_HOST_CODE = (
    "import pickle, sys\n"
    "settings = pickle.load(sys.stdin.buffer)\n"
    "sys.path[:] = settings['sys_path']\n"
    "from socialcrm_utils.nlp.parallel import serve_workers\n"
    "serve_workers(settings)\n"
    "import os; os._exit(0)  # no interpreter teardown: the pool waits for this exit\n"
)

#: The pool that :func:`submit_chunks` uses inside ``with pool.active():`` (None elsewhere).
_active_pool: contextvars.ContextVar[WorkerPool | None] = contextvars.ContextVar(
    "socialcrm_active_worker_pool", default=None
)


def workers() -> int:
    """Number of worker processes a call may use (1: none, work runs in this process)."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            logger.warning("%s=%r is not a number: using one worker per core", WORKERS_ENV, wanted)
        else:
            return max(count, 1)
    if multiprocessing.parent_process() is not None or multiprocessing.current_process().daemon:
        return 1  # already a worker of some pool: no nested pools
    return os.cpu_count() or 1


def _split(items: Sequence[T], parts: int, weight: Callable[[T], int] | None) -> list[slice]:
    """``parts`` consecutive slices of about equal total weight (all of them non-empty)."""
    if weight is None:
        size = -(-len(items) // parts)
        return [slice(start, start + size) for start in range(0, len(items), size)]
    strings = getattr(items, "str", None)  # a pandas Index or Series of texts: lengths in Arrow
    if weight is len and strings is not None:
        weights = (strings.len().to_numpy(dtype="int64") + 20).tolist()
    else:  # + 20: a per-item cost, so short items split too
        weights = [weight(item) + 20 for item in items]
    target = -(-sum(weights) // parts)
    slices, start, filled = [], 0, 0
    for i, w in enumerate(weights):
        if filled >= target:
            slices.append(slice(start, i))
            start, filled = i, 0
        filled += w
    slices.append(slice(start, len(items)))
    return slices


def _defined_in_main(func: Callable[..., object]) -> bool:
    """True for a function of the running script or notebook: the workers cannot import it."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__module__", None) == "__main__"


# ---------------------------------------------------------------------------------------------
# The host process (runs in its own interpreter, started by WorkerPool).


def _run_pickled(payload: bytes) -> bytes:
    """In a worker: ``func(items)`` of a pickled ``(func, items)``, pickled."""
    func, items = pickle.loads(payload)  # noqa: S301 (our own host, over our own pipe)
    return pickle.dumps(list(func(items)), protocol=pickle.HIGHEST_PROTOCOL)


def _start_worker(reply_fd: int | None) -> None:
    """In a new worker: close the host's reply pipe (forked workers) and end with the host.

    A worker whose host is gone (killed) would wait for work forever; a small thread ends it
    once its parent changes.
    """
    if reply_fd is not None:
        os.close(reply_fd)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_S)
        os._exit(1)

    threading.Thread(target=watch, name="socialcrm-host-watch", daemon=True).start()


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` if it can be pickled, else a RuntimeError carrying its text."""
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001 (any exception type can fail to pickle)
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _warm_up(calls: bytes | None) -> None:
    """In the host, before it forks: run the pickled warm-up calls (their failures are logged).

    What they compile or load (regexes, lexicons) is then shared by every forked worker
    instead of being built again in each one.
    """
    if not calls:
        return
    try:
        for call in pickle.loads(calls):  # noqa: S301 (from our own caller)
            call()
    except Exception as exc:  # noqa: BLE001 (a warm-up is optional: the work still runs)
        print(f"socialcrm workers: warm-up failed: {exc!r}", file=sys.stderr, flush=True)


def serve_workers(settings: dict[str, Any]) -> None:
    """The host's main loop: run pickled chunks until standard input ends.

    The host is one of the workers: a thread of its own runs chunks next to ``workers - 1``
    forked processes (one process fewer holding a copy of the imported modules, about 160 MB
    of resident memory, and the host's chunks run on what its warm-up compiled). Each free
    worker takes the next chunk, so they finish together.

    Requests are ``(key, payload)`` pairs on standard input, replies ``(key, ok, data)`` on
    standard output (``data``: the pickled result, or the exception). At the end of the input
    (the pool closed, or its owner is gone) work not started is dropped, running chunks
    finish, and the workers and the host exit.

    Args:
        settings: ``workers`` (how many), ``preload`` (modules to import before forking),
            ``warm`` (pickled calls to run before forking, see :meth:`WorkerPool.start`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's; it closes the pool
    requests = sys.stdin.buffer
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # anything a worker prints goes to standard error, not into the replies
    replies = os.fdopen(reply_fd, "wb")
    for module in settings.get("preload", ()):
        __import__(module)
    _warm_up(settings.get("warm"))
    # What the imports and the warm-up built (modules, lexicons, compiled rules) lives as long
    # as the host: out of the collector's reach, the forked workers do not copy its pages
    # when a collection would touch them, and no collection walks it again (the real texts'
    # scoring CPU about 0.25 s less: docs/workers.md).
    gc.freeze()
    # The host's own thread runs chunks and holds the interpreter lock; the threads that pass
    # chunks to the forked worker and write its replies wait for it up to the switch interval
    # (5 ms by default) at every hand-over, while the worker waits idle.
    sys.setswitchinterval(_HOST_SWITCH_S)
    write_lock = threading.Lock()

    def reply(key: int, run: Callable[[], bytes]) -> None:
        try:
            message = (key, True, run())
        except BaseException as exc:  # noqa: BLE001 (the caller decides)
            message = (key, False, _sendable(exc))
        with contextlib.suppress(OSError), write_lock:  # OSError: the caller is gone
            pickle.dump(message, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()

    executor = _fork_workers(settings["workers"] - 1, reply_fd)
    executor.submit(int).result()  # fork now, before this process has threads of its own
    jobs: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()

    def serve(here: bool) -> None:
        while (job := jobs.get()) is not None:
            key, payload = job
            if here:
                reply(key, functools.partial(_run_pickled, payload))
            else:
                reply(key, executor.submit(_run_pickled, payload).result)

    threads = [
        threading.Thread(target=serve, args=(i == 0,), name=f"socialcrm-worker-{i}", daemon=True)
        for i in range(settings["workers"])
    ]
    for thread in threads:
        thread.start()
    try:
        while True:
            try:
                jobs.put(pickle.load(requests))  # noqa: S301 (from our own caller)
            except EOFError:
                break
    finally:
        with contextlib.suppress(queue.Empty):
            while True:  # work not started is dropped
                jobs.get_nowait()
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()
        executor.shutdown(wait=True, cancel_futures=True)
        replies.close()


def _fork_workers(count: int, reply_fd: int) -> concurrent.futures.ProcessPoolExecutor:
    """``count`` worker processes, forked from the host (Linux), else started fresh."""
    methods = multiprocessing.get_all_start_methods()
    fork = "fork" in methods and sys.platform.startswith("linux")
    method = "fork" if fork else ("forkserver" if "forkserver" in methods else "spawn")
    # Forked workers close their copy of the reply pipe, so it ends when the host ends.
    return concurrent.futures.ProcessPoolExecutor(
        max(count, 1),
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(reply_fd if fork else None,),
    )


# ---------------------------------------------------------------------------------------------
# The caller's side.


class _Reply:
    """One chunk's answer from the host, filled in by the reader thread."""

    __slots__ = ("_done", "_ok", "_data")

    def __init__(self) -> None:
        self._done = threading.Event()
        self._ok = False
        self._data: object = None

    def set(self, ok: bool, data: object) -> None:
        """The chunk's answer: its pickled results (unpickled here, in the reader thread, while
        the caller may still wait for other chunks) or its exception."""
        if ok:
            try:
                data = pickle.loads(data)  # type: ignore[arg-type]  # noqa: S301 (our host)
            except (EOFError, pickle.UnpicklingError) as exc:
                ok, data = False, exc
        self._ok, self._data = ok, data
        self._done.set()

    def value(self) -> list[Any]:
        """The chunk's results; waits; raises the chunk's exception."""
        self._done.wait()
        if not self._ok:
            raise self._data  # type: ignore[misc]
        return self._data  # type: ignore[return-value]


def _read_replies(
    process: subprocess.Popen[bytes],
    waiting: dict[int, _Reply],
    lock: threading.Lock,
    ended: threading.Event,
) -> None:
    """The reader thread: hand each reply to its chunk; at the end, fail the rest and reap.

    It holds the host's process and output, never its input: a pool nobody holds closes the
    input, the host then ends, and this thread reaps it.
    """
    stream = process.stdout
    assert stream is not None
    try:
        while True:
            try:
                key, ok, data = pickle.load(stream)  # noqa: S301 (from our own host)
            except (EOFError, OSError, pickle.UnpicklingError):
                break
            with lock:
                reply = waiting.pop(key, None)
            if reply is not None:
                reply.set(ok, data)
    finally:
        stream.close()
        with lock:
            ended.set()  # no chunk is accepted from here on
            left = list(waiting.values())
            waiting.clear()
        for reply in left:
            reply.set(
                False,
                RuntimeError(
                    "the worker processes stopped before this chunk "
                    "was done (pool closed, or a worker failed)"
                ),
            )
        with contextlib.suppress(ChildProcessError):  # reaped by close() already
            process.wait()


def _fail(waiting: dict[int, _Reply], lock: threading.Lock, key: int, why: str) -> None:
    with lock:
        reply = waiting.pop(key, None)
    if reply is not None:
        reply.set(False, RuntimeError(why))


def _write_requests(
    outbox: queue.SimpleQueue[tuple[int, Callable[..., Any], list[Any]] | None],
    requests: IO[bytes],
    waiting: dict[int, _Reply],
    lock: threading.Lock,
) -> None:
    """The writer thread: pickle each queued chunk and send it to the host; ``None`` ends.

    The caller never waits for the pipe (the host reads its first chunk only once it has
    imported the text modules). Ending closes the pipe: the host then finishes and exits.
    """
    try:
        while (item := outbox.get()) is not None:
            key, func, chunk = item
            try:
                payload = pickle.dumps((func, chunk), protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump((key, payload), requests, protocol=pickle.HIGHEST_PROTOCOL)
                requests.flush()
            except (pickle.PicklingError, AttributeError, TypeError, OSError) as exc:
                _fail(waiting, lock, key, f"the chunk could not go to the workers ({exc})")
    finally:
        with contextlib.suppress(OSError):
            requests.close()


class _Host:
    """One host process, with the thread that writes its requests and the one that reads."""

    def __init__(self, count: int, warm: Sequence[Callable[[], object]] = ()) -> None:
        read_end, write_end = os.pipe()
        try:
            self.process = subprocess.Popen(  # noqa: S603 (this Python, our own code)
                [sys.executable, "-c", _HOST_CODE],
                stdin=read_end,
                stdout=subprocess.PIPE,
                # Arrow on the C library's allocator, as Python's: what a chunk's arrays free is
                # reused by the next chunk's objects (artifacts.share_allocator; unless the
                # caller names a pool)
                env={"ARROW_DEFAULT_MEMORY_POOL": "system", **os.environ},
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        requests = os.fdopen(write_end, "wb")
        settings = {
            "sys_path": list(sys.path),
            "preload": list(_PRELOAD),
            "workers": count,
            # pickled apart: the host loads it once its sys.path is the caller's
            "warm": pickle.dumps(list(warm), protocol=pickle.HIGHEST_PROTOCOL) if warm else None,
        }
        pickle.dump(settings, requests, protocol=pickle.HIGHEST_PROTOCOL)  # fits the pipe
        requests.flush()
        self._waiting: dict[int, _Reply] = {}
        self._lock = threading.Lock()
        self._keys = itertools.count()
        self._ended = threading.Event()
        self._outbox: queue.SimpleQueue[tuple[int, Callable[..., Any], list[Any]] | None] = (
            queue.SimpleQueue()
        )
        name = f"socialcrm-workers-{self.process.pid}"
        # Neither thread holds this object: when its pool is dropped, the finalizer queues the
        # end of the input (SimpleQueue.put is safe in a finalizer: no lock), the writer
        # closes the pipe, the host ends, and the reader reaps it.
        threading.Thread(
            target=_write_requests,
            args=(self._outbox, requests, self._waiting, self._lock),
            name=f"{name}-in",
            daemon=True,
        ).start()
        threading.Thread(
            target=_read_replies,
            args=(self.process, self._waiting, self._lock, self._ended),
            name=f"{name}-out",
            daemon=True,
        ).start()
        self._end_input = weakref.finalize(self, self._outbox.put, None)

    def submit(self, func: Callable[..., Any], chunk: list[Any]) -> _Reply:
        """Queue one chunk for the workers.

        Raises:
            OSError: If the host has ended.
        """
        reply, key = _Reply(), next(self._keys)
        with self._lock:
            if self._ended.is_set() or not self._end_input.alive:
                raise OSError("the worker processes have stopped")
            self._waiting[key] = reply
        self._outbox.put((key, func, chunk))
        return reply

    def close(self) -> None:
        """End the input; wait for the running chunks and the host (killed after a minute)."""
        self._end_input()
        try:
            self.process.wait(timeout=_CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning(
                "worker processes still busy after %.0fs: stopping them", _CLOSE_TIMEOUT_S
            )
            self.process.kill()
            self.process.wait()


class Pending(Generic[R]):
    """Results of one submission, in item order once :meth:`result` returns."""

    def __init__(
        self,
        func: Callable[[list[T]], list[R]],
        items: Sequence[T],
        replies: list[_Reply] | None,
        owner: WorkerPool | None = None,
    ) -> None:
        self._func, self._items, self._replies = func, items, replies
        self._owner = owner  # a pool of this submission's own, closed once collected
        self._out: list[R] | None = None

    def result(self) -> list[R]:
        """Wait for every chunk; falls back to this process if the workers failed."""
        if self._out is not None:
            return self._out
        try:
            if self._replies is None:
                out = list(self._func(list(self._items)))
            else:
                try:
                    out = [value for reply in self._replies for value in reply.value()]
                except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
                    logger.warning("working in one process: the worker processes failed (%s)", exc)
                    out = list(self._func(list(self._items)))
        finally:
            self._replies = None
            if self._owner is not None:
                self._owner.close()
                self._owner = None
        self._out = out
        return out


class WorkerPool:
    """Worker processes for chunked work, owned by this object (a context manager).

    Nothing starts until a submission needs workers; :meth:`close` (the end of the ``with``
    block) stops the host and its workers and drops work nobody collected. A closed pool can
    be used again: its next submission starts new workers.

    Args:
        count: Number of worker processes (default :func:`workers`: one per core, or
            ``SOCIALCRM_WORKERS``).

    Examples:
        >>> with WorkerPool() as pool:  # few items: computed here, no process starts
        ...     pool.submit(functools.partial(map, str.upper), ["a", "b"]).result()
        ['A', 'B']
    """

    def __init__(self, count: int | None = None) -> None:
        self.count = workers() if count is None else max(int(count), 1)
        self._host: _Host | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """True while this pool's worker processes are up."""
        return self._host is not None

    def start(self, warm: Sequence[Callable[[], object]] = ()) -> WorkerPool:
        """Start the workers now, so that they import their modules while the caller works.

        Without it they start at the first submission that needs them. Does nothing with
        fewer than two workers, or when they are already up; when processes cannot start,
        work runs in this process (as :meth:`submit` does).

        Args:
            warm: Calls (module-level functions, or :func:`functools.partial` of them) the
                host runs once, before it forks the workers: what they compile or load is
                shared by every worker instead of built in each (a failure is only logged).

        Returns:
            The pool itself.
        """
        if self.count >= 2 and self._host is None:
            try:
                self._host = _Host(self.count, warm)
            except OSError as exc:
                logger.warning("working in one process: worker processes cannot start (%s)", exc)
        return self

    def wait_ready(self) -> bool:
        """Wait until the workers have imported their modules and run the warm-up calls.

        For measuring work apart from the workers' start (``benchmarks/throughput.py``);
        submitting never needs it.

        Returns:
            True when the workers are up; False when the pool is not running (or its host
            has ended).
        """
        host = self._host
        if host is None:
            return False
        try:
            host.submit(list, []).value()  # answered once the host serves requests
        except OSError:
            return False
        return True

    def submit(
        self,
        func: Callable[[list[T]], list[R]],
        items: Sequence[T],
        *,
        min_items: int | None = None,
        weight: Callable[[T], int] | None = None,
        chunks_per_worker: int = _CHUNKS_PER_WORKER,
        max_chunk_items: int | None = None,
    ) -> Pending[R]:
        """Start ``func`` on chunks of ``items`` in the workers; collect with ``result()``.

        Args:
            func: A function of a list that returns one result per item, each depending only
                on its item; module-level (or a :func:`functools.partial` of one), so it can
                be pickled.
            items: The items (picklable: texts, tuples of texts).
            min_items: Fewer items than this (default :data:`MIN_ITEMS`) run in this process,
                when ``result()`` is called.
            weight: Cost of an item (e.g. ``len`` for texts), to balance the chunks; default:
                every item costs the same.
            chunks_per_worker: Chunks per worker: more balance the end of the work better,
                fewer save a fixed cost per call of ``func`` (1: one big chunk per worker, for
                work submitted before smaller chunks that fill in around it).
            max_chunk_items: At most about this many items per chunk (more chunks then): a
                worker's memory grows with its chunk.

        Returns:
            A :class:`Pending` whose ``result()`` equals ``func(list(items))``.
        """
        minimum = MIN_ITEMS if min_items is None else min_items
        if self.count < 2 or len(items) < max(minimum, 2) or _defined_in_main(func):
            return Pending(func, items, None)
        try:
            pickle.dumps(func, protocol=pickle.HIGHEST_PROTOCOL)  # the items are plain data
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            logger.warning(
                "working in one process: %r cannot go to worker processes (%s)", func, exc
            )
            return Pending(func, items, None)
        host = self.start()._host  # None: the processes cannot start (warned); work here
        if host is None:
            return Pending(func, items, None)
        try:
            parts = self.count * max(chunks_per_worker, 1)
            if max_chunk_items:
                parts = max(parts, -(-len(items) // max_chunk_items))
            parts = _split(items, parts, weight)
            return Pending(func, items, [host.submit(func, list(items[p])) for p in parts])
        except OSError as exc:  # the host has ended
            logger.warning("working in one process: worker processes cannot start (%s)", exc)
            self.close()
            return Pending(func, items, None)

    @contextlib.contextmanager
    def active(self) -> Iterator[WorkerPool]:
        """Within the block, :func:`submit_chunks` (without ``pool=``) submits to this pool."""
        token = _active_pool.set(self)
        try:
            yield self
        finally:
            _active_pool.reset(token)

    def close(self) -> None:
        """Stop the workers: work not started is dropped, running chunks finish first."""
        host, self._host = self._host, None
        if host is not None:
            host.close()


def submit_chunks(
    func: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    weight: Callable[[T], int] | None = None,
    pool: WorkerPool | None = None,
    chunks_per_worker: int = _CHUNKS_PER_WORKER,
    max_chunk_items: int | None = None,
) -> Pending[R]:
    """:meth:`WorkerPool.submit` to ``pool``, the active pool, or a pool of its own.

    The pool is ``pool`` when given, else the one of an enclosing ``with pool.active():``;
    without either, the submission gets a pool of its own that stops once ``result()`` is
    collected.

    Returns:
        A :class:`Pending` whose ``result()`` equals ``func(list(items))``.
    """
    target = pool or _active_pool.get()
    chunking = {"chunks_per_worker": chunks_per_worker, "max_chunk_items": max_chunk_items}
    if target is not None:
        return target.submit(func, items, min_items=min_items, weight=weight, **chunking)
    own = WorkerPool()
    pending = own.submit(func, items, min_items=min_items, weight=weight, **chunking)
    if own.running:
        pending._owner = own  # noqa: SLF001 (this module's own class)
    return pending


def map_chunks(
    func: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    weight: Callable[[T], int] | None = None,
    pool: WorkerPool | None = None,
) -> list[R]:
    """``func(list(items))``, computed in chunks on every core (see :func:`submit_chunks`).

    Examples:
        >>> map_chunks(lambda texts: [t.upper() for t in texts], ["a", "b"])  # few: here
        ['A', 'B']
    """
    return submit_chunks(func, items, min_items=min_items, weight=weight, pool=pool).result()
