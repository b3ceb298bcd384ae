"""Run a playbook: validate it, execute the step notebooks with papermill, build the report.

A run folder is ``<out>/<client>/<UTC timestamp>/``; it receives every executed notebook (also a
partially executed one when a cell fails), the artifacts each step writes, ``summary.json`` and
``report.html``. Steps can be run on their own (``steps=[4, 5]``): the artifacts they need from
earlier steps are then copied from the client's latest run that has them.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .artifacts import write_artifact
from .config import ARTIFACT_PRODUCER, KERNEL_NAME, NOTEBOOKS_DIR, REPORTS_DIR, STEPS, Step
from .exceptions import MissingArtifactError, NotebookExecutionError, SocialCRMError
from .playbook import Playbook, load_playbook

__all__ = ["StepResult", "RunResult", "parse_steps", "plan_inputs", "run_playbook"]

logger = logging.getLogger(__name__)

_RUN_NAME = re.compile(r"\d{8}T\d{6}Z(-\d+)?")


@dataclass
class StepResult:
    """How one step went: ``ok`` or ``failed``, its time and its executed notebook."""

    number: int
    notebook: str
    status: str
    seconds: float
    output: str
    error: str | None = None


@dataclass
class RunResult:
    """A finished (or failed) run: its folder, the steps, and the report and summary paths."""

    client: str
    run_dir: Path
    steps: list[StepResult] = field(default_factory=list)
    report: Path | None = None
    summary: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every step that was started succeeded."""
        return all(s.status == "ok" for s in self.steps)


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


def plan_inputs(steps: list[int], client_dir: Path) -> dict[str, Path]:
    """Find the artifacts the selected steps need but do not write themselves.

    Args:
        steps: Selected step numbers.
        client_dir: ``<out>/<client>``, searched newest run first.

    Returns:
        Artifact name -> file in an earlier run to copy into the new run folder.

    Raises:
        MissingArtifactError: If no earlier run has a needed artifact; names the step to run.
    """
    written: set[str] = set()
    found: dict[str, Path] = {}
    runs = sorted((p for p in client_dir.glob("*") if _RUN_NAME.fullmatch(p.name)), reverse=True)
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
) -> RunResult:
    """Validate a playbook and run its step notebooks into a new run folder.

    Args:
        playbook_path: The client's playbook.
        out: Folder that holds the client folders (default ``reports/``).
        steps: Steps to run (``"1,3-5"`` or numbers); all when None.
        progress: Called with one line per event (the CLI prints them).
        report: Build ``report.html`` at the end.

    Returns:
        The run result (folder, per-step results, report and summary paths).

    Raises:
        PlaybookError: If the playbook is not valid (before anything runs).
        MissingArtifactError: If a selected step needs an artifact no run has.
        NotebookExecutionError: If a cell fails; the partial notebook stays in the run folder.
    """
    say = progress or (lambda line: logger.info("%s", line))
    playbook = load_playbook(playbook_path)
    selected = parse_steps(steps)
    client_dir = Path(out or REPORTS_DIR).resolve() / playbook.client
    inputs = plan_inputs(selected, client_dir)
    run_dir = _new_run_dir(client_dir)
    for name, source in inputs.items():
        shutil.copy2(source, run_dir / name)
        say(f"reusing {name} from {source.parent.name}")
    result = RunResult(playbook.client, run_dir)
    started = _utcnow()
    say(f"run folder: {run_dir}")
    try:
        for position, number in enumerate(selected, 1):
            step = STEPS[number - 1]
            say(f"[{position}/{len(selected)}] step {number}: {step.title} ({step.notebook})")
            step_result = _execute_step(step, playbook, run_dir)
            result.steps.append(step_result)
            if step_result.status != "ok":
                raise NotebookExecutionError(step_result.error)
            say(f"      done in {step_result.seconds:.1f}s")
    finally:
        result.summary = _write_summary(playbook, result, started)
        _link_latest(client_dir, run_dir)
    if report:
        from .report import build_report

        result.report = build_report(run_dir, playbook)
    return result


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


def _execute_step(step: Step, playbook: Playbook, run_dir: Path) -> StepResult:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output = run_dir / step.notebook
    started = time.perf_counter()
    try:
        pm.execute_notebook(
            str(NOTEBOOKS_DIR / step.notebook),
            str(output),
            parameters={"PLAYBOOK": str(playbook.path), "RUN_DIR": str(run_dir)},
            kernel_name=KERNEL_NAME,
            cwd=str(NOTEBOOKS_DIR),
            progress_bar=False,
            kernel_manager_class=_ipc_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        seconds = time.perf_counter() - started
        number, first_line = _failed_cell(output)
        error = (
            f"step {step.number} ({step.notebook}) failed in cell {number} (In [{exc.exec_count}]: "
            f"{first_line}): {exc.ename}: {_first_line(exc.evalue)}; partial notebook: {output}"
        )
        return StepResult(step.number, step.notebook, "failed", seconds, str(output), error)
    return StepResult(step.number, step.notebook, "ok", time.perf_counter() - started, str(output))


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


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _new_run_dir(client_dir: Path) -> Path:
    stamp = _utcnow().strftime("%Y%m%dT%H%M%SZ")
    run_dir, n = client_dir / stamp, 1
    while run_dir.exists():
        run_dir, n = client_dir / f"{stamp}-{n}", n + 1
    run_dir.mkdir(parents=True)
    return run_dir


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
    import json

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
        "steps": [asdict(s) for s in result.steps],
        "imports": json.loads(counts_file.read_text()) if counts_file.is_file() else None,
        "kpis": json.loads(kpis_file.read_text()) if kpis_file.is_file() else None,
        "artifacts": sorted(p.name for p in run_dir.iterdir() if p.is_file()),
    }
    return write_artifact(summary, run_dir, "summary.json")
