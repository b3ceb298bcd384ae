"""Many playbooks at once: a batch of runs, on a Dask cluster or one after another here.

:func:`run_playbooks` runs a batch of playbooks, each one a single task that executes its
notebooks in order (:func:`socialcrm_utils.engine.runner.run_playbook`), on a `Dask
<https://docs.dask.org>`_ cluster (``socialcrm run playbooks/*.yaml --scheduler
local|tcp://HOST:PORT``) or one after another in this process. Every playbook gets its own
outcome; one failing client does not stop the others. :func:`format_outcomes` prints the
table. Big data within one run (step 3 partition-wise) is
:mod:`socialcrm_utils.engine.partitioned`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import PlaybookError, SchedulerError, SocialCRMError
from ..playbook import Playbook

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "SCHEDULER_ADDRESS",
    "SchedulerError",
    "PlaybookOutcome",
    "connect",
    "check_workers",
    "expand_playbooks",
    "run_playbook_outcome",
    "run_playbooks",
    "format_outcomes",
]

logger = logging.getLogger(__name__)

#: A Dask scheduler address (``tcp://HOST:PORT``, ``tls://...``).
SCHEDULER_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
_GLOB_CHARS = re.compile(r"[*?\[]")


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
    """Run one playbook with :func:`~socialcrm_utils.engine.runner.run_playbook`; never raise.

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
        from ..playbook import load_playbook

        client = load_playbook(playbook_path).client
        result = run_playbook(
            playbook_path, out=out, steps=steps, progress=progress, report=report, strict=strict
        )
    except PlaybookError as exc:
        return PlaybookOutcome(
            str(playbook_path),
            client,
            "invalid",
            time.perf_counter() - started,
            error=_one_line(exc).removeprefix(f"{playbook_path}: "),
            worker=where,
        )
    except SocialCRMError as exc:
        return PlaybookOutcome(
            str(playbook_path),
            client,
            "failed",
            time.perf_counter() - started,
            error=_one_line(exc),
            worker=where,
        )
    except Exception as exc:  # a bug in one client's run must not stop the batch
        logger.error("%s failed:\n%s", playbook_path, traceback.format_exc())
        return PlaybookOutcome(
            str(playbook_path),
            client,
            "failed",
            time.perf_counter() - started,
            error=f"{type(exc).__name__}: {_one_line(exc)}",
            worker=where,
        )
    return PlaybookOutcome(
        str(playbook_path),
        result.client,
        "ok" if result.ok else "failed",
        time.perf_counter() - started,
        run_dir=str(result.run_dir),
        report=str(result.report) if result.report else None,
        worker=where,
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
def connect(
    scheduler: str, *, workers: int | None = None, memory_limit: str | float | None = "auto"
) -> Iterator[Client]:
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
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                memory_limit=memory_limit,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    if workers is not None:
        raise SchedulerError(
            "--workers applies to --scheduler local only (an existing cluster "
            "has the workers it was started with)"
        )
    if not SCHEDULER_ADDRESS.fullmatch(scheduler):
        raise SchedulerError(
            f"--scheduler {scheduler!r}: use local or a scheduler address "
            "such as tcp://10.0.0.5:8786"
        )
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

    from .. import __version__, config
    from ..nlp.resources import ensure_vader_lexicon

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
    from .. import __version__

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
    (:func:`~socialcrm_utils.engine.runner.run_playbook`; kernels talk over private IPC sockets, so
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
    from ..config import REPORTS_DIR
    from ..playbook import load_playbook
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
            outcomes[index] = PlaybookOutcome(
                str(path), None, "invalid", error=_one_line(exc).removeprefix(f"{path}: ")
            )
            say(f"{path}: invalid, not started: {exc}")
            continue
        valid.append((index, path.resolve(), playbook))
    options = {"out": out_dir, "steps": selected, "report": report, "strict": strict}
    if scheduler is None:
        for index, path, playbook in valid:
            say(f"{playbook.client}: starting {path}")
            outcome = run_playbook_outcome(
                path, progress=lambda line, c=playbook.client: say(f"[{c}] {line}"), **options
            )
            outcomes[index] = _as_given(outcome, paths[index])
            say(_finished(outcomes[index]))
    elif valid:
        n = (
            workers
            if workers is not None or scheduler != "local"
            else min(len(valid), os.cpu_count() or 1)
        )
        with connect(scheduler, workers=n) as client:
            found = check_workers(client)
            say(f"Dask scheduler {client.scheduler.address}: {len(found)} worker(s)")
            for index, outcome in _submit(client, valid, options, say):
                outcomes[index] = _as_given(outcome, paths[index])
                say(_finished(outcomes[index]))
    return [o for o in outcomes if o is not None]


def _submit(
    client: Client,
    valid: list[tuple[int, Path, Playbook]],
    options: dict[str, Any],
    say: Callable[[str], None],
) -> Iterator[tuple[int, PlaybookOutcome]]:
    """Submit one task per playbook; yield ``(index, outcome)`` as they finish."""
    from distributed import as_completed

    futures = {}
    last: dict[str, object] = {}  # shared client folder or SQLite store -> its latest task
    for index, path, playbook in valid:
        shared = [f"client:{playbook.client}"]
        if playbook.store and playbook.store.startswith("sqlite"):
            shared.append(f"store:{playbook.store}")
        after = [last[s] for s in shared if s in last]
        future = client.submit(
            run_playbook_outcome,
            str(path),
            after=after,
            pure=False,
            key=f"socialcrm-run-{playbook.client}-{uuid.uuid4().hex[:8]}",
            **options,
        )
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
            yield (
                index,
                PlaybookOutcome(
                    str(path),
                    playbook.client,
                    "failed",
                    error=f"{type(exc).__name__}: {_one_line(exc)}",
                    worker="?",
                ),
            )


def _as_given(outcome: PlaybookOutcome, path: Path) -> PlaybookOutcome:
    outcome.playbook = str(path)
    return outcome


def _finished(outcome: PlaybookOutcome) -> str:
    where = "" if outcome.worker == "local" else f" on {outcome.worker}"
    detail = f": {outcome.error}" if outcome.error else ""
    return (
        f"{outcome.client or outcome.playbook}: {outcome.status} in "
        f"{outcome.seconds:.1f}s{where}{detail}"
    )


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
    rows = [
        (
            o.playbook,
            o.client or "-",
            o.status,
            f"{o.seconds:.1f}",
            o.error or o.report or o.run_dir or "",
        )
        for o in outcomes
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            [
                row[0].ljust(widths[0]),
                row[1].ljust(widths[1]),
                row[2].ljust(widths[2]),
                row[3].rjust(widths[3]),
                row[4],
            ]
        ).rstrip()

    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    noun = "playbook" if len(outcomes) == 1 else "playbooks"
    total = f"{len(outcomes)} {noun}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    return "\n".join([line(header), *map(line, rows), total])
