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

import datetime as dt
import itertools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..alerts import DeliveryReport, check_alert_environment
from ..config import REPORTS_DIR, STEPS
from ..exceptions import OptionError, SocialCRMError, SourceError, StepFailedError
from ..playbook import Playbook, file_source_bytes, load_playbook
from .kernels import (
    SMALL_INPUT_BYTES,
    StepResult,
    _execute_step,
    _first_line,
    _Kernels,
    failed_traceback,
)
from .plan import (
    ReusePlan,
    _reused_files,
    describe_reused,
    format_steps,
    parse_steps,
    plan_inputs,
    plan_reuse,
)

__all__ = [
    "StepResult",
    "RunResult",
    "ReusePlan",
    "StepFailedError",
    "check_out_dir",
    "describe_reused",
    "failed_sources",
    "failed_traceback",
    "format_steps",
    "parse_steps",
    "plan_inputs",
    "plan_reuse",
    "run_playbook",
]

logger = logging.getLogger(__name__)


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


def run_playbook(
    playbook_path: str | Path,
    *,
    out: str | Path | None = None,
    steps: str | Iterable[int] | None = None,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
    strict: bool = False,
    extra_inputs: Mapping[str, Path] | None = None,
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
        extra_inputs: Files to copy into the run folder before the steps run, by name (an
            incremental run's input for step 1, :mod:`~socialcrm_utils.engine.incremental`).

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
    check_alert_environment(playbook)  # an unset ${NAME} of an alert channel: one line, now
    selected = parse_steps(steps)
    client_dir = check_out_dir(out) / playbook.client
    reuse = plan_reuse(selected, client_dir)
    inputs = plan_inputs(selected, client_dir, prefer=reuse.base)
    run_dir = _new_run_dir(client_dir)
    copied = _reused_files(reuse)
    for name, source in {**copied, **inputs, **(extra_inputs or {})}.items():
        shutil.copy2(source, run_dir / name)
    if reuse.steps:
        say(f"reusing {describe_reused(reuse.steps)} (copied from {reuse.base.name})")
    for name, source in inputs.items():
        if copied.get(name) != source:
            say(f"reusing {name} from {source.parent.name}")
    result = RunResult(
        playbook.client,
        run_dir,
        left_out=reuse.left_out,
        steps=[
            StepResult(
                n,
                STEPS[n - 1].notebook,
                "reused",
                0.0,
                str(run_dir / STEPS[n - 1].notebook),
                reused_from=origin,
            )
            for n, origin in reuse.steps.items()
        ],
    )
    if reuse.left_out:
        fix = format_steps([*selected, *reuse.left_out])
        for number, why in reuse.left_out.items():
            say(f"left out: step {number} ({why})")
        say(f"for a complete run: --steps {fix}")
    started = _utcnow()
    say(f"run folder: {run_dir}")
    small = file_source_bytes(playbook) <= SMALL_INPUT_BYTES
    kernels = _Kernels([STEPS[number - 1] for number in selected], small=small)  # first kernel
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
                if number == 3:
                    _say_deliveries(run_dir, say)
        finally:
            kernels.stop()
            step5 = STEPS[4]
            if (
                step5.number in selected
                and (run_dir / step5.notebook).exists()
                and not any(s.number == step5.number and s.status == "ok" for s in result.steps)
            ):
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


def _say_deliveries(run_dir: Path, say: Callable[[str], None]) -> None:
    """Print step 3's alert deliveries (``alerts_delivered.csv``), one line per channel."""
    path = run_dir / "alerts_delivered.csv"
    if path.is_file():
        for line in DeliveryReport.from_csv(path).lines():
            say(f"      {line}")


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
    return [
        (str(row.get("source")), str(row.get("status")))
        for row in rows
        if isinstance(row, dict) and row.get("status") not in ("ok", None)
    ]


def _check_sources(result: RunResult, strict: bool, say: Callable[[str], None]) -> None:
    """After step 1: one warning line per source it could not read; fail the run if strict."""
    failed = failed_sources(result.run_dir)
    for source, reason in failed:
        line = (
            f"warning: source '{source}' could not be read: {_first_line(reason)} "
            "(the other sources ran)"
        )
        result.warnings.append(line)
        say(line)
    if strict and failed:
        noun = "source" if len(failed) == 1 else "sources"
        result.error = (
            f"--strict: {len(failed)} {noun} could not be read "
            f"({', '.join(repr(s) for s, _ in failed)}): the run stops after step 1; "
            "fix the source or run without --strict"
        )
        raise SourceError(result.error)


def _mark_failed_in_store(playbook: Playbook, run_dir: Path) -> None:
    """Mark this run ``failed`` in the CRM store when step 5 recorded it but did not finish.

    Best effort: a store step 5 never reached, or one that cannot be opened, is left as it is
    (a run left ``running`` is marked failed by the next run once its process is gone).
    """
    try:
        from ..artifacts import store_url
        from ..store import StoreError, open_store

        with open_store(store_url(playbook.store, run_dir), create=False) as store:
            run_id = store.find_run(playbook.client, run_dir)
            if run_id is not None:
                store.mark_run(run_id, "failed")
    except (StoreError, OSError, ImportError) as exc:
        logger.debug("could not mark run %s failed in the store: %s", run_dir.name, exc)


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
        raise SocialCRMError(
            f"cannot create a run folder in {client_dir}: "
            f"{exc.strerror or exc} (--out must be a writable folder)"
        ) from None
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
        raise OptionError(
            f"--out {given}: {what}, not a folder (give the folder for run "
            "folders, e.g. --out reports)"
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".socialcrm-probe-", dir=existing))
    except OSError as exc:
        where = "" if existing == folder else f" (cannot create it in {existing})"
        raise OptionError(
            f"--out {given}: not writable{where}: {exc.strerror or exc}; give a "
            "folder you can write to, e.g. --out reports"
        ) from None
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
    from ..artifacts import write_artifact  # imports pandas: not in the runner before this

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
