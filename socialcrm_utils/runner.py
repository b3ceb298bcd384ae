"""Run a playbook: validate it, execute the step notebooks with papermill, build the report.

A run folder is ``<out>/<client>/<UTC timestamp>/``; it receives every executed notebook (also a
partially executed one when a cell fails), the artifacts each step writes, ``summary.json`` and
``report.html``. Steps can be run on their own (``steps=[4, 5]``): the steps left out are then
taken from the newest earlier run that holds them all (their executed notebooks and artifacts are
copied, and ``summary.json`` and the report say from which run), unless a selected step rewrites
what they read. ``<client>/latest`` points at the newest complete run: all six steps present, run
or reused, none failed. See ``docs/runs.md``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import itertools
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .artifacts import write_artifact
from .config import ARTIFACT_PRODUCER, KERNEL_NAME, NOTEBOOKS_DIR, REPORTS_DIR, STEPS, Step
from .exceptions import (
    MissingArtifactError,
    NotebookExecutionError,
    OptionError,
    SocialCRMError,
    SourceError,
)
from .playbook import Playbook, load_playbook

__all__ = ["StepResult", "RunResult", "ReusePlan", "StepFailedError", "check_out_dir",
           "describe_reused", "failed_sources", "failed_traceback", "format_steps", "parse_steps",
           "plan_inputs", "plan_reuse", "run_playbook"]

logger = logging.getLogger(__name__)

_RUN_NAME = re.compile(r"\d{8}T\d{6}Z(-\d+)?")


@dataclass
class StepResult:
    """How one step went: ``ok``, ``failed`` or ``reused``, its time and its executed notebook.

    A ``reused`` step was not run: its notebook and artifacts were copied from an earlier run,
    and ``reused_from`` names the run that executed it.
    """

    number: int
    notebook: str
    status: str
    seconds: float
    output: str
    error: str | None = None
    reused_from: str | None = None


@dataclass
class RunResult:
    """A finished (or failed) run: its folder, the steps, and the report and summary paths.

    ``left_out`` maps the steps that are neither run nor reused to the reason; ``warnings``
    holds one line per source step 1 could not read; ``error`` says why a run whose steps all
    went well still failed (``--strict`` and a source that could not be read).
    """

    client: str
    run_dir: Path
    steps: list[StepResult] = field(default_factory=list)
    report: Path | None = None
    summary: Path | None = None
    left_out: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when every step that was started (or reused) succeeded and nothing else failed."""
        return self.error is None and all(s.status in ("ok", "reused") for s in self.steps)

    @property
    def complete(self) -> bool:
        """True when the run is ok and holds all six steps, run here or reused."""
        present = {s.number for s in self.steps if s.status in ("ok", "reused")}
        return self.ok and present == {s.number for s in STEPS}


class StepFailedError(NotebookExecutionError):
    """Raised when a step notebook fails; ``notebook`` is the partial notebook (with the traceback).

    Attributes:
        notebook: The partially executed notebook in the run folder.
    """

    def __init__(self, message: str, notebook: Path) -> None:
        super().__init__(message)
        self.notebook = notebook


@dataclass(frozen=True)
class ReusePlan:
    """Which steps a partial run copies from an earlier run, and which it leaves out.

    Attributes:
        base: The run folder the reused steps are copied from; None when nothing is reused.
        steps: Reused step number -> name of the run that executed it.
        left_out: Step number -> why the step is neither run nor reused.
    """

    base: Path | None = None
    steps: dict[int, str] = field(default_factory=dict)
    left_out: dict[int, str] = field(default_factory=dict)


def format_steps(numbers: Iterable[int]) -> str:
    """Write step numbers as a ``--steps`` value, ranges joined: the inverse of parse_steps.

    Examples:
        >>> format_steps([1, 2, 3, 5])
        '1-3,5'
        >>> format_steps([4])
        '4'
    """
    parts: list[str] = []
    ordered = sorted(set(numbers))
    start = 0
    for i, number in enumerate(ordered):
        if i + 1 == len(ordered) or ordered[i + 1] != number + 1:
            first = ordered[start]
            parts.append(str(first) if first == number else f"{first}-{number}")
            start = i + 1
    return ",".join(parts)


def describe_reused(reused: dict[int, str]) -> str:
    """Say which steps came from which earlier run, e.g. ``steps 1-3 from run 20261101T100000Z``.

    Args:
        reused: Step number -> name of the run that executed it.

    Returns:
        One phrase per run, joined by ``"; "``; empty when nothing was reused.

    Examples:
        >>> describe_reused({1: "20261101T100000Z", 2: "20261101T100000Z", 3: "20261101T100000Z"})
        'steps 1-3 from run 20261101T100000Z'
        >>> describe_reused({1: "A", 2: "B", 3: "A"})
        'steps 1,3 from run A; step 2 from run B'
    """
    by_run: dict[str, list[int]] = {}
    for number in sorted(reused):
        by_run.setdefault(reused[number], []).append(number)
    return "; ".join(f"step{'s' if len(numbers) > 1 else ''} {format_steps(numbers)} from run {run}"
                     for run, numbers in by_run.items())


def parse_steps(spec: str | Iterable[int] | None) -> list[int]:
    """Parse a step selection such as ``"1,3-5"``; None means all six steps.

    Raises:
        SocialCRMError: If the text is not a list of step numbers and ranges from 1 to 6.

    Examples:
        >>> parse_steps("1,3-5")
        [1, 3, 4, 5]
        >>> parse_steps(None)
        [1, 2, 3, 4, 5, 6]
    """
    valid = [s.number for s in STEPS]
    if spec is None:
        return valid
    if not isinstance(spec, str):
        numbers = set(spec)
    else:
        numbers = set()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
            if not match:
                raise SocialCRMError(
                    f"--steps: '{part}' is not a step or range (allowed: 1-6, e.g. --steps 1,3-5)"
                )
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            numbers.update(range(first, last + 1))
    wrong = sorted(n for n in numbers if n not in valid)
    if wrong or not numbers:
        raise SocialCRMError(
            f"--steps: {', '.join(map(str, wrong)) or 'nothing'} not a step (allowed: 1-6, "
            "e.g. --steps 1,3-5)"
        )
    return sorted(numbers)


def plan_inputs(steps: list[int], client_dir: Path, prefer: Path | None = None) -> dict[str, Path]:
    """Find the artifacts the selected steps need but do not write themselves.

    Args:
        steps: Selected step numbers.
        client_dir: ``<out>/<client>``, searched newest run first.
        prefer: A run folder searched before all others (the run whose steps are reused, so
            that the selected steps read the same files as the reused steps show).

    Returns:
        Artifact name -> file in an earlier run to copy into the new run folder.

    Raises:
        MissingArtifactError: If no earlier run has a needed artifact; names the step to run.
    """
    written: set[str] = set()
    found: dict[str, Path] = {}
    runs = _runs(client_dir)
    if prefer is not None:
        runs = [prefer, *(r for r in runs if r != prefer)]
    for step in (s for s in STEPS if s.number in steps):
        for name in step.needs:
            if name in written or name in found:
                continue
            source = next((r / name for r in runs if (r / name).is_file()), None)
            if source is None:
                first = _first_step_to_run(name, runs)
                raise MissingArtifactError(
                    f"step {step.number} ({step.notebook}) needs {name}, which step "
                    f"{ARTIFACT_PRODUCER[name]} writes, and no earlier run in {client_dir} has "
                    f"it: run --steps {first}-{step.number}"
                )
            found[name] = source
        written.update(step.writes)
    return found


def plan_reuse(steps: list[int], client_dir: Path) -> ReusePlan:
    """Decide which of the steps not selected are copied from an earlier run.

    A step not selected is reused unless it reads an artifact that a selected step writes anew
    (directly or through another step left out): its old result would not fit the new data. The
    steps to reuse all come from one run, the newest that holds them all (executed there or
    reused there in turn, none failed), so they agree with each other; without such a run, the
    run that holds most of them. A run folder without ``summary.json`` counts with the steps
    whose notebook and artifacts it holds.

    Args:
        steps: Selected step numbers.
        client_dir: ``<out>/<client>``.

    Returns:
        The plan: base run, reused steps with the run that executed each, steps left out.

    Examples:
        >>> plan_reuse([1, 2, 3, 4, 5, 6], Path("/nonexistent")).steps
        {}
    """
    selected = set(steps)
    left_out: dict[int, str] = {}
    for step in STEPS:
        if step.number in selected:
            continue
        for need in step.needs:
            producer = ARTIFACT_PRODUCER[need]
            if producer in selected:
                left_out[step.number] = f"it reads {need}, which step {producer} writes anew here"
                break
            if producer in left_out:
                left_out[step.number] = f"it reads {need} of step {producer}, which is left out"
                break
    wanted = [s.number for s in STEPS if s.number not in selected and s.number not in left_out]
    if not wanted:
        return ReusePlan(left_out=left_out)
    best: tuple[Path, dict[int, str]] | None = None
    for run in _runs(client_dir):
        usable = {n: origin for n, origin in _usable_steps(run).items() if n in wanted}
        if best is None or len(usable) > len(best[1]):
            best = (run, usable)
        if len(usable) == len(wanted):
            break
    base, reused = best if best and best[1] else (None, {})
    for number in wanted:
        if number not in reused:
            left_out[number] = f"no earlier run in {client_dir} holds it"
    return ReusePlan(base, dict(sorted(reused.items())), dict(sorted(left_out.items())))


def _runs(client_dir: Path) -> list[Path]:
    """The run folders of a client, newest first (``T...Z-10`` after ``T...Z-9``)."""
    return sorted((p for p in client_dir.glob("*") if _RUN_NAME.fullmatch(p.name) and p.is_dir()),
                  key=_run_order, reverse=True)


def _run_order(run: Path) -> tuple[str, int]:
    stamp, _, suffix = run.name.partition("-")
    return stamp, int(suffix or 0)


def _usable_steps(run: Path) -> dict[int, str]:
    """Steps a run folder holds whole (notebook, artifacts, not failed) -> the run that ran each."""
    listed: dict[int, dict] | None = None
    try:
        summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
        listed = {int(s["number"]): s for s in summary.get("steps", [])}
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # an unreadable summary: the run's state is unknown
    usable: dict[int, str] = {}
    for step in STEPS:
        if not (run / step.notebook).is_file() or not all((run / w).is_file()
                                                            for w in step.writes):
            continue
        if listed is None:
            usable[step.number] = run.name
            continue
        entry = listed.get(step.number)
        if entry is not None and entry.get("status") in ("ok", "reused"):
            usable[step.number] = entry.get("reused_from") or run.name
    return usable


def _reused_files(plan: ReusePlan) -> dict[str, Path]:
    """The files copied from the base run for the reused steps.

    Everything in the base run folder except what belongs to the steps not reused (their
    notebooks and the artifacts the step table lists), its summary and report: so artifacts a
    step writes beyond the step table (e.g. step 1's ``rejected.csv``) come along.
    """
    if plan.base is None or not plan.steps:
        return {}
    skip = {"summary.json", "report.html"}
    for step in STEPS:
        if step.number not in plan.steps:
            skip.add(step.notebook)
            skip.update(step.writes)
    return {p.name: p for p in sorted(plan.base.iterdir())
            if p.is_file() and not p.name.startswith(".") and p.name not in skip}


def _first_step_to_run(name: str, runs: list[Path]) -> int:
    """The earliest step to run so that artifact ``name`` can be written from scratch."""
    step = STEPS[ARTIFACT_PRODUCER[name] - 1]
    earliest = step.number
    for need in step.needs:
        if not any((r / need).is_file() for r in runs):
            earliest = min(earliest, _first_step_to_run(need, runs))
    return earliest


def run_playbook(
    playbook_path: str | Path,
    *,
    out: str | Path | None = None,
    steps: str | Iterable[int] | None = None,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
    strict: bool = False,
) -> RunResult:
    """Validate a playbook and run its step notebooks into a new run folder.

    A source that step 1 cannot read is one ``warning: source ...`` line (the other sources
    run); with ``strict`` it fails the run after step 1.

    Args:
        playbook_path: The client's playbook.
        out: Folder that holds the client folders (default ``reports/``).
        steps: Steps to run (``"1,3-5"`` or numbers); all when None.
        progress: Called with one line per event (the CLI prints them).
        report: Build ``report.html`` at the end.
        strict: Fail the run when a source cannot be read.

    Returns:
        The run result (folder, per-step results, report and summary paths).

    Raises:
        PlaybookError: If the playbook is not valid (before anything runs).
        SocialCRMError: If ``out`` is not a folder that can be written.
        MissingArtifactError: If a selected step needs an artifact no run has.
        StepFailedError: If a cell fails; the partial notebook stays in the run folder, and
            ``latest`` keeps pointing at the previous complete run.
        SourceError: With ``strict``, if a source could not be read (after step 1).
    """
    say = progress or (lambda line: logger.info("%s", line))
    playbook = load_playbook(playbook_path)
    selected = parse_steps(steps)
    client_dir = check_out_dir(out) / playbook.client
    reuse = plan_reuse(selected, client_dir)
    inputs = plan_inputs(selected, client_dir, prefer=reuse.base)
    run_dir = _new_run_dir(client_dir)
    copied = _reused_files(reuse)
    for name, source in {**copied, **inputs}.items():
        shutil.copy2(source, run_dir / name)
    if reuse.steps:
        say(f"reusing {describe_reused(reuse.steps)} (copied from {reuse.base.name})")
    for name, source in inputs.items():
        if copied.get(name) != source:
            say(f"reusing {name} from {source.parent.name}")
    result = RunResult(playbook.client, run_dir, left_out=reuse.left_out, steps=[
        StepResult(n, STEPS[n - 1].notebook, "reused", 0.0, str(run_dir / STEPS[n - 1].notebook),
                   reused_from=origin) for n, origin in reuse.steps.items()])
    if reuse.left_out:
        fix = format_steps([*selected, *reuse.left_out])
        for number, why in reuse.left_out.items():
            say(f"left out: step {number} ({why})")
        say(f"for a complete run: --steps {fix}")
    started = _utcnow()
    say(f"run folder: {run_dir}")
    kernels = _Kernels([STEPS[number - 1] for number in selected])  # starts the first kernel
    try:
        try:
            for position, number in enumerate(selected, 1):
                step = STEPS[number - 1]
                say(f"[{position}/{len(selected)}] step {number}: {step.title} ({step.notebook})")
                step_result = _execute_step(step, playbook, run_dir, kernels)
                result.steps.append(step_result)
                if step_result.status != "ok":
                    raise StepFailedError(step_result.error or "", Path(step_result.output))
                say(f"      done in {step_result.seconds:.1f}s")
                if number == 1:
                    _check_sources(result, strict, say)
        finally:
            kernels.stop()
            step5 = STEPS[4]
            if step5.number in selected and (run_dir / step5.notebook).exists() and not any(
                    s.number == step5.number and s.status == "ok" for s in result.steps):
                _mark_failed_in_store(playbook, run_dir)  # step 5 started, did not finish
            result.steps.sort(key=lambda s: s.number)
            result.summary = _write_summary(playbook, result, started)
            if result.complete:
                _link_latest(client_dir, run_dir)
        if not result.complete:
            latest = client_dir / "latest"
            now = f"still {latest.resolve().name}" if latest.exists() else "not set"
            say(f"latest: {now} (this run does not hold all six steps)")
        if report:
            from .report import build_report

            result.report = build_report(run_dir, playbook)
    finally:
        kernels.close()  # the last kernels exit while the report is built
    return result


def failed_sources(run_dir: str | Path) -> list[tuple[str, str]]:
    """The sources step 1 could not read, from its ``import_counts.json``.

    Args:
        run_dir: A run folder after step 1.

    Returns:
        ``(source, reason)`` per source whose status is not ``ok``; empty when all were read
        (or the file is missing or unreadable).

    Examples:
        >>> failed_sources("/nonexistent")
        []
    """
    try:
        rows = json.loads((Path(run_dir) / "import_counts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(rows, list):
        return []
    return [(str(row.get("source")), str(row.get("status")))
            for row in rows if isinstance(row, dict) and row.get("status") not in ("ok", None)]


def _check_sources(result: RunResult, strict: bool, say: Callable[[str], None]) -> None:
    """After step 1: one warning line per source it could not read; fail the run if strict."""
    failed = failed_sources(result.run_dir)
    for source, reason in failed:
        line = (f"warning: source '{source}' could not be read: {_first_line(reason)} "
                "(the other sources ran)")
        result.warnings.append(line)
        say(line)
    if strict and failed:
        noun = "source" if len(failed) == 1 else "sources"
        result.error = (f"--strict: {len(failed)} {noun} could not be read "
                        f"({', '.join(repr(s) for s, _ in failed)}): the run stops after step 1; "
                        "fix the source or run without --strict")
        raise SourceError(result.error)


def _mark_failed_in_store(playbook: Playbook, run_dir: Path) -> None:
    """Mark this run ``failed`` in the CRM store when step 5 recorded it but did not finish.

    Best effort: a store step 5 never reached, or one that cannot be opened, is left as it is
    (a run left ``running`` is marked failed by the next run once its process is gone).
    """
    try:
        from .artifacts import store_url
        from .store import StoreError, open_store

        with open_store(store_url(playbook.store, run_dir), create=False) as store:
            run_id = store.find_run(playbook.client, run_dir)
            if run_id is not None:
                store.mark_run(run_id, "failed")
    except (StoreError, OSError, ImportError) as exc:
        logger.debug("could not mark run %s failed in the store: %s", run_dir.name, exc)


def _ipc_dir() -> Path:
    """A private folder for this process's kernel sockets, removed when the process exits."""
    global _IPC_DIR
    if _IPC_DIR is None:
        _IPC_DIR = Path(tempfile.mkdtemp(prefix="socialcrm-ipc-"))
        atexit.register(shutil.rmtree, _IPC_DIR, ignore_errors=True)
    return _IPC_DIR


_IPC_DIR: Path | None = None


def _ipc_kernel_manager() -> type:
    """A kernel manager on local IPC sockets: no TCP ports, nothing readable from the network.

    Each kernel gets its own socket name in a private temporary folder. jupyter_client's
    default (``kernel-ipc-1`` ... in the working directory, numbered by which files exist)
    lets two runs started at the same moment pick the same sockets, and their messages then
    fail with "Invalid Signature".
    """
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(_ipc_dir() / f"k{uuid.uuid4().hex[:12]}"))
            super().__init__(**kwargs)

    return IPCKernelManager


def _shared_context_kernel_manager() -> type:
    """:func:`_ipc_kernel_manager` whose clients share the manager's zmq context.

    Closing a client's own context waits for its linger time (0.1-0.2 s); the runner closes its
    clients before it reaps the kernel, which closes the shared context.
    """

    class SharedContextKernelManager(_ipc_kernel_manager()):
        def client(self, **kwargs: object):  # noqa: ANN202 (jupyter_client's type)
            kwargs.setdefault("context", self.context)
            return super().client(**kwargs)

    return SharedContextKernelManager


def _execute_step(step: Step, playbook: Playbook, run_dir: Path,
                  kernels: _Kernels | None = None) -> StepResult:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output = run_dir / step.notebook
    started = time.perf_counter()
    own = kernels is None
    kernels = kernels or _Kernels([step])
    kernel = kernels.take(step)
    try:
        pm.execute_notebook(
            str(NOTEBOOKS_DIR / step.notebook),
            str(output),
            parameters={"PLAYBOOK": str(playbook.path), "RUN_DIR": str(run_dir)},
            engine_name=_engine_name(),
            kernel_name=KERNEL_NAME,
            cwd=str(NOTEBOOKS_DIR),
            progress_bar=False,
            kernel=kernel,
        )
    except PapermillExecutionError as exc:
        seconds = time.perf_counter() - started
        number, first_line = _failed_cell(output)
        code = f" ({_shorten(first_line)})" if first_line else ""
        if exc.ename == "AssertionError":  # the notebooks' asserts check the suite itself
            check = _first_line(exc.evalue) or _failed_line(exc.traceback) or "assert"
            error = (f"internal check failed in step {step.number} ({step.notebook}, cell "
                     f"{number}): {check}; please report it with the partial notebook")
        else:
            error = (f"step {step.number} ({step.notebook}) failed in cell {number}{code}: "
                     f"{exc.ename}: {_first_line(exc.evalue)}")
        error += (f"\n  partial notebook: {output} (it keeps the traceback; run with --debug "
                  "to print it)")
        return StepResult(step.number, step.notebook, "failed", seconds, str(output), error)
    finally:
        kernels.release(kernel)
        if own:
            kernels.close()
    return StepResult(step.number, step.notebook, "ok", time.perf_counter() - started, str(output))


class _Kernel:
    """A kernel started for one notebook ahead of its turn, with the notebook's imports run.

    Starting a kernel and importing pandas, matplotlib and the suite take 3-4 s; done while
    the previous notebook runs, they cost the run nothing. The warm-up runs only the import
    statements of the notebook's first code cell, silently (no output, no execution count),
    so the executed notebook is the same as with a fresh kernel: its cells run in order with
    their parameters, and an import that fails still fails in its own cell.
    """

    def __init__(self, notebook: Path) -> None:
        from jupyter_core.utils import run_sync

        self.notebook = notebook
        self.km = _shared_context_kernel_manager()(kernel_name=KERNEL_NAME)
        # The kernel's own log (not the notebook's output, which comes over its channels) only
        # with debug logging: a kernel asked to stop while it still runs its warm-up logs ~20
        # lines of ZMQError traceback that would follow the run's one-line error message.
        quiet = {} if logger.isEnabledFor(logging.DEBUG) else {"stderr": subprocess.DEVNULL}
        run_sync(self.km.start_kernel)(cwd=str(NOTEBOOKS_DIR), **quiet)
        self.client: object | None = None  # the executing client, closed with the kernel
        # The reply to the warm-up request also tells that the kernel is up (even without
        # imports to run).
        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient(context=zmq.Context.shadow(self.km.context),
                                  **self.km.get_connection_info(session=True))
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self._warmup: tuple[BlockingKernelClient, str] | None = (
            kc, kc.execute(_setup_imports(notebook), silent=True, store_history=False,
                           allow_stdin=False))

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait for the warm-up to finish (the notebook's cells would queue behind it anyway)."""
        if self._warmup is None:
            return
        kc, msg_id = self._warmup
        self._warmup = None
        deadline = time.monotonic() + timeout
        try:
            while True:
                reply = kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
                if reply["parent_header"].get("msg_id") == msg_id:
                    if reply["content"].get("status") != "ok":
                        logger.debug("warm-up of %s: %s", self.notebook.name,
                                     reply["content"].get("ename"))
                    return
        except queue.Empty:
            logger.debug("warm-up of %s still running after %.0fs", self.notebook.name, timeout)
        finally:
            kc.stop_channels()

    def stop(self) -> None:
        """Close the clients and ask the kernel to shut down, without waiting for it."""
        from jupyter_core.utils import run_sync

        if self._warmup is not None:
            self._warmup[0].stop_channels()
            self._warmup = None
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        try:
            run_sync(self.km.request_shutdown)()
        except Exception:  # noqa: BLE001 (a dead kernel is reaped below)
            logger.debug("shutdown request to the kernel of %s failed", self.notebook.name)

    def reap(self) -> None:
        """Wait for the kernel to exit (killing it after 5 s) and free its sockets."""
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.finish_shutdown)()
        finally:
            run_sync(self.km.cleanup_resources)()


#: After a step shorter than this (a small run), two kernels are kept warm ahead, so a short
#: step never waits for the next kernel's start (2-3 s with its imports); after a longer step
#: one, because an idle kernel holds about 200 MB and large runs need the memory.
_SHORT_STEP_S = 10.0


class _Kernels:
    """The kernels of a run: the next steps' start while the current step runs.

    Finished kernels are asked to shut down at once and reaped later, so neither their
    shutdown nor the next kernel's start-up is on the run's critical path.
    """

    def __init__(self, steps: list[Step]) -> None:
        self._queue = list(steps)
        self._ready: dict[int, _Kernel] = {}
        self._stopping: list[_Kernel] = []
        self._taken_at: float | None = None
        self._last_seconds: float | None = None
        if self._queue:
            self._start(self._queue[0])

    def _start(self, step: Step) -> None:
        if step.number not in self._ready:
            self._ready[step.number] = _Kernel(NOTEBOOKS_DIR / step.notebook)

    def take(self, step: Step) -> _Kernel:
        """The kernel for ``step``, warmed up; starts the next steps' kernels meanwhile."""
        self._start(step)
        kernel = self._ready.pop(step.number)
        kernel.wait_ready()  # before starting more: the run's first kernel warms up alone
        position = self._queue.index(step) if step in self._queue else len(self._queue)
        long_steps = self._last_seconds is not None and self._last_seconds >= _SHORT_STEP_S
        for upcoming in self._queue[position + 1:position + (2 if long_steps else 3)]:
            self._start(upcoming)
        self._taken_at = time.perf_counter()
        return kernel

    def release(self, kernel: _Kernel) -> None:
        """Stop a kernel whose notebook is done; reap those stopped earlier."""
        if self._taken_at is not None:
            self._last_seconds = time.perf_counter() - self._taken_at
        kernel.stop()
        self._reap()
        self._stopping.append(kernel)

    def _reap(self) -> None:
        for old in self._stopping:
            try:
                old.reap()
            except Exception:  # noqa: BLE001 (best effort: the process is gone or killed)
                logger.debug("could not reap the kernel of %s", old.notebook.name)
        self._stopping.clear()

    def stop(self) -> None:
        """Ask every kernel still running (a failed or interrupted run) to shut down."""
        for kernel in self._ready.values():
            kernel.stop()
            self._stopping.append(kernel)
        self._ready.clear()

    def close(self) -> None:
        """Stop every kernel still running and reap all."""
        self.stop()
        self._reap()


def _setup_imports(notebook: Path) -> str:
    """The import statements of a notebook's first code cell (its setup cell), as code."""
    import ast

    import nbformat

    try:
        cells = nbformat.read(notebook, as_version=4).cells
        source = next(c.source for c in cells if c.cell_type == "code")
        tree = ast.parse(source)
    except (OSError, ValueError, StopIteration, SyntaxError):
        return ""
    return "\n".join(ast.unparse(node) for node in tree.body
                     if isinstance(node, ast.Import | ast.ImportFrom))


def _engine_name() -> str:
    """The name of the suite's papermill engine (:mod:`socialcrm_utils.engine.papermill_engine`).

    papermill registers it from the ``papermill.engine`` entry point of the installed package;
    an install made before the entry point existed gets it registered here, once, through
    papermill's public ``register``.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    from .engine.papermill_engine import ENGINE_NAME, SocialCRMEngine

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:  # installed without the entry point: `pip install -e .` adds it
        papermill_engines.register(ENGINE_NAME, SocialCRMEngine)
    return ENGINE_NAME


_PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}


def _failed_cell(executed: Path) -> tuple[int | str, str]:
    """Number (1-based, as in the source notebook) and first line of the cell that failed.

    Papermill adds cells to the executed notebook (the injected parameters, error markers);
    they are not counted, so the number is the one a reader sees in ``notebooks/``.
    """
    import nbformat

    try:
        notebook = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return "?", ""
    position = 0
    for cell in notebook.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & _PAPERMILL_TAGS:
            continue
        position += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return position, _first_line(cell.source)
    return "?", ""


def failed_traceback(notebook: str | Path) -> str:
    """The kernel's traceback kept in a partially executed notebook, without terminal colours.

    Args:
        notebook: The executed notebook of a failed step.

    Returns:
        The traceback of its first error output; empty when there is none.
    """
    import nbformat

    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except (OSError, ValueError):
        return ""
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                text = "\n".join(output.get("traceback", []))
                return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    return ""


def _failed_line(traceback: list[str] | None) -> str:
    """The source line IPython marks with ``---->`` in the last frame of a traceback.

    Examples:
        >>> _failed_line(["Cell In[3], line 2", "      1 x = 1", "----> 2 assert x == 2", ""])
        'assert x == 2'
    """
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", "\n".join(traceback or []))
    marked = re.findall(r"^-+>\s*\d+\s+(.*\S)", text, flags=re.MULTILINE)
    return marked[-1].strip() if marked else ""


def _shorten(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _new_run_dir(client_dir: Path) -> Path:
    """Create a new run folder ``<client_dir>/<UTC time>`` (``-1``, ``-2``, ... on collision).

    Race-free: each name is claimed by an atomic ``mkdir``; a name another process or thread
    took first makes this one try the next suffix, so many runs started in the same second all
    get folders of their own.

    Raises:
        SocialCRMError: If the folder cannot be created (names the folder and the reason).
    """
    stamp = _utcnow().strftime("%Y%m%dT%H%M%SZ")
    try:
        client_dir.mkdir(parents=True, exist_ok=True)
        for n in itertools.count():
            run_dir = client_dir / (stamp if n == 0 else f"{stamp}-{n}")
            try:
                run_dir.mkdir()
            except FileExistsError:
                continue
            return run_dir
    except OSError as exc:
        raise SocialCRMError(f"cannot create a run folder in {client_dir}: "
                             f"{exc.strerror or exc} (--out must be a writable folder)") from None
    raise AssertionError("unreachable")  # pragma: no cover


def check_out_dir(out: str | Path | None) -> Path:
    """The folder for client folders (``--out``), checked to be a folder this user can write.

    It need not exist yet: then its nearest existing parent must be a folder where this user
    can create folders. Writing is tried (a probe folder, removed at once), not guessed from
    permission bits, which neither root nor read-only file systems follow.

    Args:
        out: The ``--out`` value; None means ``reports/`` of the project.

    Returns:
        The folder, resolved.

    Raises:
        OptionError: If it (or the nearest existing parent) is a file, or not writable.

    Examples:
        >>> check_out_dir("/dev/null")
        Traceback (most recent call last):
        ...
        socialcrm_utils.exceptions.OptionError: --out /dev/null: is a file, not a folder (give \
the folder for run folders, e.g. --out reports)
    """
    given = Path(out) if out is not None else REPORTS_DIR
    folder = given.expanduser().resolve()
    existing = next(p for p in (folder, *folder.parents) if p.exists() or p == p.parent)
    if not existing.is_dir():
        what = "is a file" if existing == folder else f"{existing} is a file"
        raise OptionError(f"--out {given}: {what}, not a folder (give the folder for run "
                          "folders, e.g. --out reports)")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".socialcrm-probe-", dir=existing))
    except OSError as exc:
        where = "" if existing == folder else f" (cannot create it in {existing})"
        raise OptionError(f"--out {given}: not writable{where}: {exc.strerror or exc}; give a "
                          "folder you can write to, e.g. --out reports") from None
    return folder


def _link_latest(client_dir: Path, run_dir: Path) -> None:
    """Point ``<client>/latest`` at the newest run (best effort: not every file system links)."""
    latest = client_dir / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(run_dir.name, target_is_directory=True)
    except OSError:
        logger.debug("could not link %s", latest)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_summary(playbook: Playbook, result: RunResult, started: dt.datetime) -> Path:
    """Write ``summary.json``: run metadata, step results, import counts and every KPI."""
    run_dir = result.run_dir
    kpis_file = run_dir / "kpis.json"
    counts_file = run_dir / "import_counts.json"
    summary = {
        "client": playbook.client,
        "name": playbook.name,
        "playbook": str(playbook.path),
        "run_dir": str(run_dir),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": _utcnow().isoformat(timespec="seconds"),
        "status": "ok" if result.ok else "failed",
        "complete": result.complete,
        "error": result.error,
        "warnings": result.warnings,
        "ran": [s.number for s in result.steps if s.status != "reused"],
        "reused": {str(s.number): s.reused_from for s in result.steps if s.status == "reused"},
        "left_out": {str(n): why for n, why in result.left_out.items()},
        "steps": [asdict(s) for s in result.steps],
        "imports": json.loads(counts_file.read_text()) if counts_file.is_file() else None,
        "kpis": json.loads(kpis_file.read_text()) if kpis_file.is_file() else None,
        "artifacts": sorted(p.name for p in run_dir.iterdir() if p.is_file()),
    }
    return write_artifact(summary, run_dir, "summary.json")
