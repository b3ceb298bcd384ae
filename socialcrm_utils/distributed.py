"""Scale on Dask: many playbooks at once on a cluster, and the listening step partition-wise.

The suite runs on pandas in memory on one machine by default. For many clients at once or data
larger than one process should hold, the same functions run per playbook or per partition on
`Dask <https://docs.dask.org>`_ (``dask.distributed`` and ``dask.dataframe``), selected by a
flag, not by a rewrite:

- **Many clients**: :func:`run_playbooks` runs a batch of playbooks, each one a single task
  that executes its notebooks in order (:func:`socialcrm_utils.runner.run_playbook`), on a
  Dask cluster (``socialcrm run playbooks/*.yaml --scheduler local|tcp://HOST:PORT``) or one
  after another in this process. Every playbook gets its own outcome; one failing client does
  not stop the others. :func:`format_outcomes` prints the table.
- **Big data**: with ``listening: {engine: dask}`` in the playbook, step 3 calls
  :func:`listen_mentions`, which runs :func:`prepare_mentions_partitioned` /
  :func:`score_mentions_partitioned` (the per-row work of
  :func:`~socialcrm_utils.listening.prepare_mentions` and
  :func:`~socialcrm_utils.listening.score_mentions` via ``map_partitions``) and computes the
  cross-row parts exactly as pandas does: near-duplicates across partitions
  (:func:`prepare_mentions_partitioned`, two passes over a shuffle by text key), daily volume
  (:func:`daily_volume_partitioned`, per-partition counts summed) and weekly topics
  (:func:`weekly_topics_partitioned`, a shuffle by week so each week is ranked whole).

Inside a notebook kernel :func:`listen_mentions` computes with the scheduler named by the
environment variable ``SOCIALCRM_DASK_SCHEDULER`` (:data:`DASK_SCHEDULER_ENV`): a scheduler
address (``tcp://HOST:PORT``) connects a ``distributed.Client``; ``processes``, ``threads`` or
``sync`` pick Dask's local schedulers. Unset, it uses a ``distributed`` client already made
default in the kernel, else a local process pool (the NLP work is pure Python, so threads
would share one core).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import math
import os
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .exceptions import PlaybookError, SocialCRMError
from .playbook import Playbook

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

__all__ = [
    "DASK_SCHEDULER_ENV",
    "PARTITION_ROWS",
    "SchedulerError",
    "PlaybookOutcome",
    "connect",
    "check_workers",
    "expand_playbooks",
    "run_playbook_outcome",
    "run_playbooks",
    "format_outcomes",
    "count_partitions",
    "prepare_mentions_partitioned",
    "score_mentions_partitioned",
    "daily_volume_partitioned",
    "weekly_topics_partitioned",
    "Listened",
    "listen_mentions",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the scheduler of ``listening.engine: dask`` in a notebook kernel.
DASK_SCHEDULER_ENV = "SOCIALCRM_DASK_SCHEDULER"
#: Default partition size of ``listening.engine: dask``: one partition per this many mentions.
PARTITION_ROWS = 100_000

_LOCAL_SCHEDULERS = {"processes", "threads", "sync", "synchronous", "single-threaded"}
_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
_GLOB_CHARS = re.compile(r"[*?\[]")


class SchedulerError(SocialCRMError):
    """Raised when the Dask scheduler cannot be reached or its workers cannot run the suite."""


# ---------------------------------------------------------------------------------------------
# Many playbooks: one task per playbook.


@dataclass
class PlaybookOutcome:
    """How one playbook of a batch went.

    Attributes:
        playbook: The playbook file as given.
        client: The client id, None when the playbook could not be read.
        status: ``ok``, ``failed`` (a step or the run failed) or ``invalid`` (the playbook).
        seconds: Wall time of the run (0 for a playbook that was not valid).
        run_dir: The run folder, when one was made.
        report: ``report.html``, when it was built.
        error: One line saying what went wrong.
        worker: Where it ran (a worker address, or ``local`` in this process).
    """

    playbook: str
    client: str | None
    status: str
    seconds: float = 0.0
    run_dir: str | None = None
    report: str | None = None
    error: str | None = None
    worker: str = "local"

    @property
    def ok(self) -> bool:
        """True when the playbook ran to the end."""
        return self.status == "ok"


def _one_line(text: object, limit: int = 400) -> str:
    """The first non-empty line of ``text``, cut at ``limit`` characters."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    if len(lines) > 1 and line.endswith(("error", "errors")):  # "path: 2 errors" + the list
        line = f"{line}: {lines[1]}" + (f" (+{len(lines) - 2} more)" if len(lines) > 2 else "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def run_playbook_outcome(
    playbook_path: str | Path,
    *,
    out: str | Path | None = None,
    steps: str | Iterable[int] | None = None,
    report: bool = True,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
    after: Sequence[object] = (),
) -> PlaybookOutcome:
    """Run one playbook with :func:`~socialcrm_utils.runner.run_playbook`; never raise.

    The unit of work of :func:`run_playbooks`, on a Dask worker or in this process: whatever
    goes wrong (an invalid playbook, a failing cell, a bug) becomes the outcome's ``error``, so
    one client cannot stop the others.

    Args:
        playbook_path: The playbook.
        out: Folder of the client folders (default ``reports/``).
        steps: Steps to run; all when None.
        report: Build ``report.html``.
        strict: Fail the run when a source cannot be read.
        progress: Called with one line per event (default: the module's logger).
        after: Ignored; Dask waits for these futures first (runs that share a client folder).

    Returns:
        The outcome.
    """
    from .runner import run_playbook

    started = time.perf_counter()
    where = _worker_name()
    client = None
    try:
        from .playbook import load_playbook

        client = load_playbook(playbook_path).client
        result = run_playbook(playbook_path, out=out, steps=steps, progress=progress,
                              report=report, strict=strict)
    except PlaybookError as exc:
        return PlaybookOutcome(str(playbook_path), client, "invalid",
                               time.perf_counter() - started,
                               error=_one_line(exc).removeprefix(f"{playbook_path}: "),
                               worker=where)
    except SocialCRMError as exc:
        return PlaybookOutcome(str(playbook_path), client, "failed",
                               time.perf_counter() - started, error=_one_line(exc), worker=where)
    except Exception as exc:  # a bug in one client's run must not stop the batch
        logger.error("%s failed:\n%s", playbook_path, traceback.format_exc())
        return PlaybookOutcome(str(playbook_path), client, "failed",
                               time.perf_counter() - started,
                               error=f"{type(exc).__name__}: {_one_line(exc)}", worker=where)
    return PlaybookOutcome(
        str(playbook_path), result.client, "ok" if result.ok else "failed",
        time.perf_counter() - started, run_dir=str(result.run_dir),
        report=str(result.report) if result.report else None, worker=where,
    )


def expand_playbooks(patterns: Iterable[str | Path]) -> list[Path]:
    """Playbook paths from arguments; patterns the shell did not expand (``"*.yaml"``) are.

    A pattern that matches nothing is kept as it is, so its run reports "playbook not found".

    Examples:
        >>> expand_playbooks(["no/such/*.yaml", "a.yaml"])
        [PosixPath('no/such/*.yaml'), PosixPath('a.yaml')]
    """
    paths: list[Path] = []
    for pattern in map(str, patterns):
        matches = sorted(glob.glob(pattern)) if _GLOB_CHARS.search(pattern) else []
        paths += [Path(m) for m in matches] or [Path(pattern)]
    return paths


@contextlib.contextmanager
def connect(scheduler: str, *, workers: int | None = None,
            memory_limit: str | float | None = "auto") -> Iterator[Client]:
    """A ``distributed.Client`` on a new local cluster or an existing scheduler.

    Args:
        scheduler: ``local`` for a ``LocalCluster`` of worker processes on this machine (one
            thread each: a playbook runs its kernels one after another), or a scheduler
            address such as ``tcp://10.0.0.5:8786``.
        workers: Number of local worker processes (default: one per core); ``local`` only.
        memory_limit: Memory limit per local worker (Dask's ``auto``: the machine's memory
            divided among the workers).

    Yields:
        The client; the local cluster is closed on exit.

    Raises:
        SchedulerError: If the scheduler cannot be reached or has no worker within a minute.
    """
    from distributed import Client, LocalCluster

    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        with (
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                         dashboard_address=None, memory_limit=memory_limit) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    if workers is not None:
        raise SchedulerError("--workers applies to --scheduler local only (an existing cluster "
                             "has the workers it was started with)")
    if not _ADDRESS.fullmatch(scheduler):
        raise SchedulerError(f"--scheduler {scheduler!r}: use local or a scheduler address "
                             "such as tcp://10.0.0.5:8786")
    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler}: {_one_line(exc)} (start one with "
            f"`dask scheduler` and workers with `dask worker {scheduler}`, or use --scheduler "
            "local)"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            raise SchedulerError(
                f"the Dask scheduler at {scheduler} has no worker (start one with `dask worker "
                f"{scheduler}` in the suite's environment)"
            ) from None
        yield client


def _worker_environment() -> dict[str, str]:
    """What a worker runs with; installs the offline VADER lexicon where it is missing.

    Runs on every worker (``Client.run``): being able to unpickle this function already shows
    that the worker imports ``socialcrm_utils``.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    from . import __version__, config
    from .nlp.resources import ensure_vader_lexicon

    spec = KernelSpecManager().get_kernel_spec(config.KERNEL_NAME)
    return {
        "version": __version__,
        "python": sys.executable,
        "notebooks": str(config.NOTEBOOKS_DIR),
        "kernel": spec.resource_dir,
        "nltk_data": str(ensure_vader_lexicon().parent.parent),
    }


def check_workers(client: Client) -> dict[str, dict[str, str]]:
    """Check that every worker can run playbooks: same package version, kernel, NLTK data.

    Workers run the notebooks with their own Python (``sys.executable`` replaces ``python``
    in the ``python3`` kernel spec), their own ``socialcrm_utils`` and their own NLTK data
    folder (``SOCIALCRM_NLTK_DATA`` or ``<project>/.nltk_data``); the VADER lexicon is installed
    there from the ``vaderSentiment`` package when missing, never downloaded.

    Args:
        client: A client of the cluster.

    Returns:
        Worker address -> what :func:`_worker_environment` reported.

    Raises:
        SchedulerError: If a worker lacks the package, the kernel or the lexicon, or runs
            another version of the suite.
    """
    from . import __version__

    try:
        found = client.run(_worker_environment)
    except (ImportError, AttributeError) as exc:
        raise SchedulerError(
            f"a Dask worker cannot import socialcrm_utils ({_one_line(exc)}): install the "
            "project in the workers' environment (pip install -e <project>) and restart them"
        ) from None
    except Exception as exc:  # a missing kernel spec or lexicon, reported by the worker
        raise SchedulerError(
            f"a Dask worker cannot run the notebooks: {type(exc).__name__}: {_one_line(exc)} "
            "(the workers need the suite's environment: `make install`, `socialcrm setup`)"
        ) from None
    other = {w: info["version"] for w, info in found.items() if info["version"] != __version__}
    if other:
        raise SchedulerError(
            f"Dask workers run another socialcrm_utils version than this one ({__version__}): "
            + ", ".join(f"{w} {v}" for w, v in sorted(other.items()))
            + "; install the same version on every worker"
        )
    return found


def run_playbooks(
    playbooks: Iterable[str | Path],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    steps: str | Iterable[int] | None = None,
    report: bool = True,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[PlaybookOutcome]:
    """Run several playbooks, each as one task, and report every one of them.

    Each playbook runs its notebooks in order in its own run folder
    (:func:`~socialcrm_utils.runner.run_playbook`; kernels talk over private IPC sockets, so
    runs on one machine never share a socket). Playbooks are validated first, here: an
    invalid one is reported and not started, the others run. Playbooks of the same client (or
    the same SQLite store) wait for each other, since they share a client folder and store.

    Args:
        playbooks: Playbook files (shell patterns are expanded, see :func:`expand_playbooks`).
        scheduler: None to run one after another in this process; ``local`` for a new
            ``LocalCluster`` (worker processes on this machine); a scheduler address
            (``tcp://HOST:PORT``) for an existing cluster, whose workers need the suite's
            environment and must see the playbooks, their data and ``out`` at the same paths
            (a shared file system).
        workers: Local worker processes (``local`` only; default: one per playbook, at most
            one per core).
        out: Folder of the client folders (default ``reports/``); resolved here, so every
            worker writes to the same place.
        steps: Steps to run (``"1,3-5"``); all when None.
        report: Build each ``report.html``.
        strict: Fail a playbook's run when one of its sources cannot be read.
        progress: Called with one line per event (the CLI prints them).

    Returns:
        One outcome per playbook, in the order given.

    Raises:
        SocialCRMError: If ``steps`` is not a step selection.
        SchedulerError: If the cluster cannot be reached or its workers cannot run playbooks.
    """
    from .config import REPORTS_DIR
    from .playbook import load_playbook
    from .runner import parse_steps

    say = progress or (lambda line: logger.info("%s", line))
    selected = parse_steps(steps)
    out_dir = Path(out or REPORTS_DIR).resolve()
    paths = expand_playbooks(playbooks)
    outcomes: list[PlaybookOutcome | None] = [None] * len(paths)
    valid: list[tuple[int, Path, Playbook]] = []
    for index, path in enumerate(paths):
        try:
            playbook = load_playbook(path)
        except PlaybookError as exc:
            outcomes[index] = PlaybookOutcome(str(path), None, "invalid",
                                              error=_one_line(exc).removeprefix(f"{path}: "))
            say(f"{path}: invalid, not started: {exc}")
            continue
        valid.append((index, path.resolve(), playbook))
    options = {"out": out_dir, "steps": selected, "report": report, "strict": strict}
    if scheduler is None:
        for index, path, playbook in valid:
            say(f"{playbook.client}: starting {path}")
            outcome = run_playbook_outcome(
                path, progress=lambda line, c=playbook.client: say(f"[{c}] {line}"), **options)
            outcomes[index] = _as_given(outcome, paths[index])
            say(_finished(outcomes[index]))
    elif valid:
        n = workers if workers is not None or scheduler != "local" else min(
            len(valid), os.cpu_count() or 1)
        with connect(scheduler, workers=n) as client:
            found = check_workers(client)
            say(f"Dask scheduler {client.scheduler.address}: {len(found)} worker(s)")
            for index, outcome in _submit(client, valid, options, say):
                outcomes[index] = _as_given(outcome, paths[index])
                say(_finished(outcomes[index]))
    return [o for o in outcomes if o is not None]


def _submit(client: Client, valid: list[tuple[int, Path, Playbook]], options: dict[str, Any],
            say: Callable[[str], None]) -> Iterator[tuple[int, PlaybookOutcome]]:
    """Submit one task per playbook; yield ``(index, outcome)`` as they finish."""
    from distributed import as_completed

    futures = {}
    last: dict[str, object] = {}  # shared client folder or SQLite store -> its latest task
    for index, path, playbook in valid:
        shared = [f"client:{playbook.client}"]
        if playbook.store and playbook.store.startswith("sqlite"):
            shared.append(f"store:{playbook.store}")
        after = [last[s] for s in shared if s in last]
        future = client.submit(run_playbook_outcome, str(path), after=after, pure=False,
                               key=f"socialcrm-run-{playbook.client}-{uuid.uuid4().hex[:8]}",
                               **options)
        for s in shared:
            last[s] = future
        futures[future] = (index, path, playbook)
        say(f"{playbook.client}: submitted {path}")
    for future in as_completed(list(futures)):
        index, path, playbook = futures[future]
        if future.status == "finished":
            yield index, future.result()
        else:  # the worker died (memory limit, killed), or a task it waited for did
            exc = future.exception()
            yield index, PlaybookOutcome(str(path), playbook.client, "failed",
                                         error=f"{type(exc).__name__}: {_one_line(exc)}",
                                         worker="?")


def _as_given(outcome: PlaybookOutcome, path: Path) -> PlaybookOutcome:
    outcome.playbook = str(path)
    return outcome


def _finished(outcome: PlaybookOutcome) -> str:
    where = "" if outcome.worker == "local" else f" on {outcome.worker}"
    detail = f": {outcome.error}" if outcome.error else ""
    return (f"{outcome.client or outcome.playbook}: {outcome.status} in "
            f"{outcome.seconds:.1f}s{where}{detail}")


def format_outcomes(outcomes: Sequence[PlaybookOutcome]) -> str:
    """A plain-text table of a batch: playbook, client, status, seconds, report or error.

    Examples:
        >>> print(format_outcomes([
        ...     PlaybookOutcome("a.yaml", "acme", "ok", 12.34, report="r/acme/report.html"),
        ...     PlaybookOutcome("b.yaml", None, "invalid", error="b.yaml: playbook not found")]))
        playbook  client  status   seconds  report / error
        a.yaml    acme    ok          12.3  r/acme/report.html
        b.yaml    -       invalid      0.0  b.yaml: playbook not found
        2 playbooks: 1 ok, 1 invalid
    """
    header = ("playbook", "client", "status", "seconds", "report / error")
    rows = [(o.playbook, o.client or "-", o.status, f"{o.seconds:.1f}",
             o.error or o.report or o.run_dir or "") for o in outcomes]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                          row[2].ljust(widths[2]), row[3].rjust(widths[3]), row[4]]).rstrip()

    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    noun = "playbook" if len(outcomes) == 1 else "playbooks"
    total = f"{len(outcomes)} {noun}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    return "\n".join([line(header), *map(line, rows), total])


# ---------------------------------------------------------------------------------------------
# Big data: step 3 partition-wise.

_HELPERS = ("_key", "_part", "_pos")


def count_partitions(rows: int, partitions: int | None = None) -> int:
    """How many partitions ``rows`` mentions get.

    ``partitions`` when given, else one per :data:`PARTITION_ROWS` and at least one per core;
    never more than there are rows, and at least one.

    Examples:
        >>> count_partitions(250_000, 4), count_partitions(10, 64), count_partitions(0)
        (4, 10, 1)
    """
    wanted = partitions or max(os.cpu_count() or 1, math.ceil(rows / PARTITION_ROWS))
    return max(1, min(wanted, rows))


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``meta``'s column order and dtypes.

    An empty partition can come out ``object`` where full ones are ``str``; concatenated, the
    partitions would then differ from the pandas result.
    """
    frame = frame[list(meta.columns)]
    wrong = {c: meta[c].dtype for c in meta.columns if frame[c].dtype != meta[c].dtype}
    return frame.astype(wrong) if wrong else frame


def _meta(func: Callable[..., pd.DataFrame], frame: dd.DataFrame, *args: object) -> pd.DataFrame:
    """The empty result of ``func`` on ``frame``'s partitions, from Dask's made-up sample rows."""
    try:
        return func(frame._meta_nonempty, *args).iloc[:0]
    except Exception:  # made-up rows can trip a check: the empty frame then
        logger.debug("meta of %s from the empty frame", func.__name__, exc_info=True)
        return func(frame._meta, *args).iloc[:0]


def _duplicate_key(prepared: pd.DataFrame) -> pd.Series:
    """The near-duplicate key of each row (NA: never a copy).

    Computed exactly as :func:`~socialcrm_utils.normalize.flag_near_duplicates` does.
    """
    from .normalize import MIN_DUPLICATE_CHARS, normalize_text
    from .schema import text_of

    key = normalize_text(text_of(prepared).astype("string"))
    return key.where(key.str.len() >= MIN_DUPLICATE_CHARS)


def _prepare_partition(part: pd.DataFrame, playbook: Playbook, meta: pd.DataFrame,
                       partition_info: dict | None = None) -> pd.DataFrame:
    """Pass 1: ``prepare_mentions`` on one partition, plus the key and the global position."""
    from .listening import prepare_mentions

    out = _conform(prepare_mentions(part, playbook), meta)
    return out.assign(_key=_duplicate_key(out), _part=(partition_info or {}).get("number", 0),
                      _pos=np.arange(len(out), dtype="int64"))


def _local_firsts(part: pd.DataFrame) -> pd.DataFrame:
    """Each key's first row within the partition (``duplicate_of`` NA).

    These are the candidates for the key's first row overall.
    """
    first = part["_key"].notna() & part["duplicate_of"].isna()
    return part.loc[first.to_numpy(bool),
                    ["_key", "_part", "_pos", "mention_id", "text_redacted", "created_at"]]


def _global_firsts(candidates: pd.DataFrame) -> pd.DataFrame:
    """The first row overall of each key found in several partitions.

    After the shuffle by key all of a key's candidates are in this partition. Ties go to the
    earlier partition and row, as in one frame; ``flag_near_duplicates`` itself decides, so
    the rule stays in one place.
    """
    from .normalize import flag_near_duplicates

    ordered = candidates.sort_values(["_part", "_pos"], kind="stable")
    spread = ordered.groupby("_key", sort=False)["_part"].transform("size") >= 2
    ordered = ordered[spread.to_numpy(bool)]
    flagged = flag_near_duplicates(ordered[["mention_id", "text_redacted", "created_at"]])
    first = ordered[flagged["duplicate_of"].isna().to_numpy(bool)]
    return pd.DataFrame({"_key": first["_key"], "_first_id": first["mention_id"],
                         "_first_part": first["_part"], "_first_pos": first["_pos"]})


def _apply_global_firsts(part: pd.DataFrame, firsts: pd.DataFrame,
                         meta: pd.DataFrame) -> pd.DataFrame:
    """Pass 2: point copies of keys spread over partitions at the first row overall."""
    lookup = firsts.drop_duplicates("_key").set_index("_key")
    first_id = part["_key"].map(lookup["_first_id"]).astype("string")
    hit = first_id.notna().to_numpy(bool)
    first_part = part["_key"].map(lookup["_first_part"]).to_numpy()
    first_pos = part["_key"].map(lookup["_first_pos"]).to_numpy()
    is_first = hit & (first_part == part["_part"].to_numpy()) & (
        first_pos == part["_pos"].to_numpy())
    duplicate_of = part["duplicate_of"].astype("string").copy()
    duplicate_of[hit] = first_id[hit]
    duplicate_of[is_first] = pd.NA
    return _conform(part.drop(columns=list(_HELPERS)).assign(duplicate_of=duplicate_of), meta)


def prepare_mentions_partitioned(mentions: dd.DataFrame, playbook: Playbook) -> dd.DataFrame:
    """:func:`~socialcrm_utils.listening.prepare_mentions` partition-wise, same result.

    Redaction, language, retweets and brand tags are per row (``map_partitions``). The
    near-duplicate flags need every partition: a key's first post may sit in another one. So
    each partition's first post per key is a candidate; the candidates are shuffled by key,
    the first overall is chosen for keys that occur in several partitions (by ``created_at``,
    then partition and row: the order of the concatenated frame), and a second
    ``map_partitions`` points every copy at it. Only those keys' first rows are held together
    (one small partition), never the mentions.

    Args:
        mentions: Canonical mentions with ``text`` (any number of partitions, in row order).
        playbook: The client's playbook.

    Returns:
        A lazy frame equal, once computed, to ``prepare_mentions`` of the concatenated
        partitions (same index, columns, dtypes and values).
    """
    from .listening import prepare_mentions

    meta = _meta(prepare_mentions, mentions, playbook)
    helpers = meta.assign(_key=pd.Series(dtype="string"), _part=pd.Series(dtype="int64"),
                          _pos=pd.Series(dtype="int64"))
    local = mentions.map_partitions(_prepare_partition, playbook, meta, meta=helpers)
    candidates = local.map_partitions(_local_firsts, meta=_local_firsts(helpers))
    firsts_meta = _global_firsts(_local_firsts(helpers))
    firsts = (candidates.shuffle(on="_key")
              .map_partitions(_global_firsts, meta=firsts_meta)
              .repartition(npartitions=1))
    return local.map_partitions(_apply_global_firsts, firsts, meta, meta=meta)


def _score_partition(part: pd.DataFrame, playbook: Playbook,
                     meta: pd.DataFrame) -> pd.DataFrame:
    from .listening import score_mentions

    return _conform(score_mentions(part, playbook), meta)


def score_mentions_partitioned(mentions: dd.DataFrame, playbook: Playbook) -> dd.DataFrame:
    """:func:`~socialcrm_utils.listening.score_mentions` per partition (it is per row).

    Args:
        mentions: Prepared mentions (step 1's ``mentions.parquet``, or the result of
            :func:`prepare_mentions_partitioned`).
        playbook: The client's playbook.

    Returns:
        A lazy frame equal, once computed, to ``score_mentions`` of the concatenation.
    """
    from .listening import score_mentions

    meta = _meta(score_mentions, mentions, playbook)
    return mentions.map_partitions(_score_partition, playbook, meta, meta=meta)


def _daily_piece(part: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """``daily_volume`` of each source of one partition, with a ``source`` column."""
    from .listening import DAILY_COLUMNS, daily_volume

    unit = getattr(part["created_at"].dtype, "unit", "ns")
    source = (part["source"].astype("string").fillna("") if "source" in part.columns
              else pd.Series("", index=part.index, dtype="string"))
    pieces = [daily_volume(group, timezone).assign(source=name)
              for name, group in part.groupby(source, sort=False)]
    if not pieces:
        pieces = [daily_volume(part, timezone).assign(source=pd.Series(dtype="string"))]
    return (pd.concat(pieces, ignore_index=True)
            .astype({"date": f"datetime64[{unit}]", "source": "string"})
            [[*DAILY_COLUMNS, "source"]])


def _sum_daily(pieces: pd.DataFrame) -> pd.DataFrame:
    """Per-partition day counts summed per day over the days the sources cover.

    A source covers the days from its first to its last post over all partitions (a piece's
    first and last rows are its posts' first and last day); the union of the sources' days is
    kept, a covered day without posts counts 0, as in ``daily_volume``.
    """
    from .listening import DAILY_COLUMNS

    if pieces.empty:
        return pieces.drop(columns="source").reset_index(drop=True)
    unit = getattr(pieces["date"].dtype, "unit", "ns")
    spans = pieces.groupby("source")["date"].agg(["min", "max"])
    days = pd.DatetimeIndex(
        np.unique(np.concatenate([pd.date_range(first, last, freq="D", unit=unit).to_numpy()
                                  for first, last in spans.itertuples(index=False)])),
        name="date")
    per_day = pieces.drop(columns="source").groupby("date").sum()
    return per_day.reindex(days, fill_value=0).astype("int64").reset_index()[list(DAILY_COLUMNS)]


def daily_volume_partitioned(scored: dd.DataFrame, timezone: str) -> dd.DataFrame:
    """:func:`~socialcrm_utils.listening.daily_volume` from per-partition counts.

    Each partition counts its days per source; the counts are summed per day over the days the
    sources cover (each from its first to its last post) and the covered days without posts
    filled with 0 (a sum, so exact). Feed the result to
    :func:`~socialcrm_utils.listening.detect_spikes` (one row per day: small).

    Returns:
        A lazy one-partition frame equal, once computed, to ``daily_volume`` of the whole.
    """
    columns = [c for c in ("created_at", "is_customer", "sentiment_label", "intent",
                           "is_complaint", "source")
               if c in scored.columns]
    meta = _daily_piece(scored._meta[columns], timezone)
    pieces = scored[columns].map_partitions(_daily_piece, timezone, meta=meta)
    return pieces.repartition(npartitions=1).map_partitions(
        _sum_daily, meta=meta.drop(columns="source"))


def _week_start(part: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Adds ``_week``: the local Monday of each post, as :func:`weekly_topics` groups them."""
    local = pd.to_datetime(part["created_at"], utc=True).dt.tz_convert(timezone)
    day = local.dt.tz_localize(None).dt.normalize()
    return part.assign(_week=day - pd.to_timedelta(day.dt.day_of_week, unit="D"))


def _topics_partition(part: pd.DataFrame, timezone: str, n: int, exclude: tuple[str, ...],
                      min_mentions: int) -> pd.DataFrame:
    from .nlp.topics import weekly_topics

    return weekly_topics(part.drop(columns="_week"), timezone, n, exclude,
                         min_mentions=min_mentions)


def _sort_topics(topics: pd.DataFrame) -> pd.DataFrame:
    from .nlp.topics import TOPIC_COLUMNS

    ordered = topics.sort_values(["week_start", "lang", "rank"], kind="stable")
    return ordered.reset_index(drop=True).astype(TOPIC_COLUMNS)


def weekly_topics_partitioned(scored: dd.DataFrame, timezone: str, n: int = 5,
                              exclude_terms: Iterable[str] = (), *,
                              min_mentions: int = 2) -> dd.DataFrame:
    """:func:`~socialcrm_utils.nlp.topics.weekly_topics` with each week ranked whole.

    Phrases and document frequencies need all posts of a week, so the posts (four columns)
    are shuffled by local week, each partition then holds whole weeks and is ranked by
    ``weekly_topics`` itself; the pieces are sorted by week, language and rank.

    Returns:
        A lazy one-partition frame equal, once computed, to ``weekly_topics`` of the whole.
    """
    from .nlp.topics import _empty

    text = "text_redacted" if "text_redacted" in scored.columns else "text"
    columns = [c for c in ("created_at", text, "lang", "is_brand", "is_customer")
               if c in scored.columns]
    posts = scored[columns].map_partitions(_week_start, timezone,
                                           meta=_week_start(scored._meta[columns], timezone))
    exclude = tuple(exclude_terms)
    pieces = posts.shuffle(on="_week").map_partitions(
        _topics_partition, timezone, n, exclude, min_mentions, meta=_empty())
    return pieces.repartition(npartitions=1).map_partitions(_sort_topics, meta=_empty())


class Listened(NamedTuple):
    """What step 3 computes: the scored mentions, the daily counts and the weekly topics."""

    scored: pd.DataFrame
    daily: pd.DataFrame
    topics: pd.DataFrame


@contextlib.contextmanager
def _kernel_scheduler(partitions: int) -> Iterator[str]:
    """The Dask scheduler for :func:`listen_mentions`; yields its name for the log."""
    import dask

    wanted = os.environ.get(DASK_SCHEDULER_ENV, "").strip()
    if wanted and _ADDRESS.fullmatch(wanted):
        from distributed import Client

        with Client(wanted, set_as_default=False, timeout="30s") as client, dask.config.set(
                scheduler=client):
            yield f"distributed {wanted}"
        return
    if wanted and wanted not in _LOCAL_SCHEDULERS:
        raise SchedulerError(
            f"{DASK_SCHEDULER_ENV}={wanted!r}: use a scheduler address (tcp://HOST:PORT) or one "
            f"of {', '.join(sorted(_LOCAL_SCHEDULERS))}"
        )
    if not wanted and "distributed" in sys.modules:
        from distributed import default_client

        client = None
        with contextlib.suppress(ValueError):
            client = default_client()
        if client is not None:  # Dask computes on it anyway: say so
            yield f"distributed {client.scheduler.address} (the kernel's default client)"
            return
    if wanted in ("", "processes") and partitions > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        n = min(partitions, os.cpu_count() or 1)
        context = multiprocessing.get_context(dask.config.get("multiprocessing.context", "spawn"))
        with ProcessPoolExecutor(n, mp_context=context) as pool, dask.config.set(
                scheduler="processes", pool=pool):
            yield f"{n} local processes"
        return
    name = wanted if wanted and wanted != "processes" else "sync"
    with dask.config.set(scheduler=name):
        yield name


def listen_mentions(mentions: pd.DataFrame | dd.DataFrame, playbook: Playbook, *,
                    exclude_terms: Iterable[str] = (), topics: int = 5) -> Listened:
    """Step 3 on the engine the playbook chooses (``listening.engine``): same results.

    ``pandas`` (default): :func:`~socialcrm_utils.listening.score_mentions`,
    :func:`~socialcrm_utils.listening.daily_volume` and
    :func:`~socialcrm_utils.nlp.topics.weekly_topics` in memory. ``dask``: the same, partition
    by partition (:func:`score_mentions_partitioned`, :func:`daily_volume_partitioned`,
    :func:`weekly_topics_partitioned`) in one Dask computation, on the scheduler chosen as the
    module docstring says. ``listening.partitions`` sets the partitions of a pandas input
    (default :func:`count_partitions`); a Dask input keeps its own.

    Args:
        mentions: Prepared mentions (``mentions.parquet`` of step 1), pandas or Dask; with
            the engine ``pandas``, mentions that are scored already
            (:func:`~socialcrm_utils.artifacts.read_scored_mentions`) keep their scores.
        playbook: The client's playbook.
        exclude_terms: Terms never reported as topics (the brand's names).
        topics: Topics per week and language.

    Returns:
        The scored mentions (on the input's index), the daily counts and the weekly topics,
        as pandas frames.
    """
    from .listening import SCORED_COLUMNS, daily_volume, score_mentions
    from .nlp.topics import weekly_topics

    timezone = playbook.timezone
    if playbook.listening.engine == "pandas":
        # Mentions already scored (artifacts.read_scored_mentions: step 1's current scores) keep
        # their scores: scoring a million mentions takes minutes.
        scored = (mentions if set(SCORED_COLUMNS) <= set(mentions.columns)
                  else score_mentions(mentions, playbook))
        return Listened(scored, daily_volume(scored, timezone),
                        weekly_topics(scored, timezone, n=topics, exclude_terms=exclude_terms))
    import dask
    import dask.dataframe as dd

    with dask.config.set({"dataframe.convert-string": False}):
        if isinstance(mentions, pd.DataFrame):
            frame = dd.from_pandas(
                mentions, npartitions=count_partitions(len(mentions),
                                                       playbook.listening.partitions),
                sort=False)
        else:
            frame = mentions
        scored = score_mentions_partitioned(frame, playbook)
        daily = daily_volume_partitioned(scored, timezone)
        weekly = weekly_topics_partitioned(scored, timezone, topics, exclude_terms)
        started = time.perf_counter()
        with _kernel_scheduler(frame.npartitions) as where:
            result = Listened(*dask.compute(scored, daily, weekly))
    logger.info("listening engine dask: %d partitions on %s, %.1fs", frame.npartitions, where,
                time.perf_counter() - started)
    return result
