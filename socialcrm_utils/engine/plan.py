"""Which steps a run executes and which it reuses from an earlier run (docs/runs.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ARTIFACT_PRODUCER, STEPS
from ..exceptions import MissingArtifactError, SocialCRMError

_RUN_NAME = re.compile(r"\d{8}T\d{6}Z(-\d+)?")


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
    return "; ".join(
        f"step{'s' if len(numbers) > 1 else ''} {format_steps(numbers)} from run {run}"
        for run, numbers in by_run.items()
    )


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
    return sorted(
        (p for p in client_dir.glob("*") if _RUN_NAME.fullmatch(p.name) and p.is_dir()),
        key=_run_order,
        reverse=True,
    )


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
        if not (run / step.notebook).is_file() or not all((run / w).is_file() for w in step.writes):
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
    return {
        p.name: p
        for p in sorted(plan.base.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.name not in skip
    }


def _first_step_to_run(name: str, runs: list[Path]) -> int:
    """The earliest step to run so that artifact ``name`` can be written from scratch."""
    step = STEPS[ARTIFACT_PRODUCER[name] - 1]
    earliest = step.number
    for need in step.needs:
        if not any((r / need).is_file() for r in runs):
            earliest = min(earliest, _first_step_to_run(need, runs))
    return earliest
