"""``socialcrm watch``: incremental runs in a foreground loop, stopped cleanly by a signal.

Each cycle is :func:`~socialcrm_utils.engine.incremental.run_incremental`; cycles start every
``every`` (start to start; a cycle that takes longer is followed at once). A cycle whose client
is locked by another run is skipped with that run's line; a failed cycle is one ``error:`` line
and the loop goes on (the next cycle reads the same again). SIGINT or SIGTERM ends the loop: a
signal while waiting ends it at once; during a cycle the cycle finishes first (a second signal
abandons it: the steps' kernels are stopped, the lock is given back, nothing is stored for the
next cycle). The loop then prints one line and returns (exit 0). See ``docs/incremental.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import RunLockedError, SocialCRMError
from .incremental import IncrementalResult, run_incremental

__all__ = ["WatchSummary", "watch_playbook"]

logger = logging.getLogger(__name__)


@dataclass
class WatchSummary:
    """What a watch did: cycles started, runs, cycles with nothing new, skipped, failed."""

    cycles: int = 0
    runs: int = 0
    nothing_new: int = 0
    skipped: int = 0
    failed: int = 0
    stopped_by: str | None = None
    results: list[IncrementalResult] = field(default_factory=list)
    in_cycle: bool = False

    def line(self) -> str:
        """``watch stopped (SIGTERM) after 3 cycles: 1 run, 2 with nothing new, ...``."""
        why = f" ({self.stopped_by})" if self.stopped_by else ""
        return (
            f"watch stopped{why} after {self.cycles} cycle{'s' if self.cycles != 1 else ''}: "
            f"{self.runs} run, {self.nothing_new} with nothing new, {self.skipped} skipped "
            f"(locked), {self.failed} failed"
        )


def watch_playbook(
    playbook_path: str | Path,
    every: dt.timedelta,
    *,
    out: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
    strict: bool = False,
    cycles: int | None = None,
    after_cycle: Callable[[int], None] | None = None,
    now: Callable[[], dt.datetime] | None = None,
    stop: threading.Event | None = None,
) -> WatchSummary:
    """Run a playbook incrementally every ``every`` until a signal (or ``cycles``) ends it.

    Args:
        playbook_path: The client's playbook.
        every: Time from the start of one cycle to the start of the next.
        out: Folder that holds the client folders (default ``reports/``).
        progress: Called with one line per event (the CLI prints them).
        report: Build ``report.html`` when a cycle runs the steps.
        strict: Fail a cycle when a source cannot be read.
        cycles: Stop after this many cycles (tests, a catch-up); None: until a signal.
        after_cycle: Called with the cycle's number after each cycle (tests add data here).
        now: The time of each cycle (tests fix it); the clock when None.
        stop: Set it to end the loop (the signal handlers set it).

    Returns:
        What the watch did; :meth:`WatchSummary.line` is its last line.
    """
    say = progress or (lambda line: logger.info("%s", line))
    stop = stop or threading.Event()
    summary = WatchSummary()
    with _stop_on_signals(stop, summary):
        while not stop.is_set() and (cycles is None or summary.cycles < cycles):
            started = time.monotonic()
            summary.cycles += 1
            say(f"cycle {summary.cycles} at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
            summary.in_cycle = True
            try:
                _cycle(playbook_path, summary, say, out, report, strict, now)
            finally:
                summary.in_cycle = False
            if after_cycle is not None:
                after_cycle(summary.cycles)
            if cycles is not None and summary.cycles >= cycles:
                break
            wait = max(0.0, every.total_seconds() - (time.monotonic() - started))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
            say(f"next cycle at {later:%Y-%m-%d %H:%M:%S} UTC")
            stop.wait(wait)
    say(summary.line())
    return summary


def _cycle(
    playbook_path: str | Path,
    summary: WatchSummary,
    say: Callable[[str], None],
    out: str | Path | None,
    report: bool,
    strict: bool,
    now: Callable[[], dt.datetime] | None,
) -> None:
    """One cycle: a run, nothing new, skipped (locked) or failed; never raises a user error."""
    try:
        result = run_incremental(
            playbook_path,
            out=out,
            progress=say,
            report=report,
            strict=strict,
            now=now() if now else None,
            command="socialcrm watch",
        )
    except RunLockedError as exc:
        summary.skipped += 1
        say(f"skipped: {exc}")
        return
    except KeyboardInterrupt:
        summary.failed += 1
        say("cycle abandoned: nothing stored, the next run reads the same again")
        return
    except SocialCRMError as exc:
        summary.failed += 1
        say(f"error: {exc}")
        notebook = getattr(exc, "notebook", None)
        if notebook:
            say(f"  partial notebook: {notebook}")
        return
    summary.results.append(result)
    if result.run is None:
        summary.nothing_new += 1
    else:
        summary.runs += 1
        if result.run.report:
            say(f"report:  {result.run.report}")


@contextmanager
def _stop_on_signals(stop: threading.Event, summary: WatchSummary) -> Any:
    """SIGINT/SIGTERM set ``stop``; a second one during a cycle abandons it (KeyboardInterrupt).

    Outside the main thread (signals cannot be caught there) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(number: int, _frame: Any) -> None:
        name = signal.Signals(number).name
        if stop.is_set():
            raise KeyboardInterrupt(name)  # the second signal: abandon the cycle
        summary.stopped_by = name
        stop.set()
        if summary.in_cycle:  # while waiting the loop ends at once, with its one line
            logger.warning("%s: the watch stops after this cycle (again: abandon it)", name)

    before = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
