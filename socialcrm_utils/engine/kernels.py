"""Executing one step notebook: warm Jupyter kernels on local IPC sockets, papermill with the
suite's engine, and reading a failed notebook's cell and traceback."""

from __future__ import annotations

import atexit
import logging
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..config import KERNEL_NAME, NOTEBOOKS_DIR, Step
from ..playbook import Playbook

if TYPE_CHECKING:
    from collections.abc import Callable

    from jupyter_client.blocking import BlockingKernelClient

logger = logging.getLogger(__name__)


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


def _execute_step(
    step: Step, playbook: Playbook, run_dir: Path, kernels: _Kernels | None = None
) -> StepResult:
    pm = _import_papermill()
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
            error = (
                f"internal check failed in step {step.number} ({step.notebook}, cell "
                f"{number}): {check}; please report it with the partial notebook"
            )
        else:
            error = (
                f"step {step.number} ({step.notebook}) failed in cell {number}{code}: "
                f"{exc.ename}: {_first_line(exc.evalue)}"
            )
        error += (
            f"\n  partial notebook: {output} (it keeps the traceback; run with --debug to print it)"
        )
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
    their parameters, and an import that fails still fails in its own cell. A kernel started
    with ``warm=False`` (a large run's next kernel) is only started; :meth:`warm_up` sends the
    imports later, :meth:`wait_ready` at the latest.
    """

    def __init__(self, notebook: Path, *, warm: bool = True) -> None:
        from jupyter_core.utils import run_sync

        self.notebook = notebook
        self.km = _shared_context_kernel_manager()(kernel_name=KERNEL_NAME)
        # The kernel's own log (not the notebook's output, which comes over its channels) only
        # with debug logging: a kernel asked to stop while it still runs its warm-up logs ~20
        # lines of ZMQError traceback that would follow the run's one-line error message.
        quiet = {} if logger.isEnabledFor(logging.DEBUG) else {"stderr": subprocess.DEVNULL}
        run_sync(self.km.start_kernel)(cwd=str(NOTEBOOKS_DIR), **quiet)
        self.client: object | None = None  # the executing client, closed with the kernel
        self._warmup: tuple[BlockingKernelClient, str] | None = None
        self._warmed = False
        #: Called by the engine when the notebook's cell tagged ``peak-over`` completes.
        self.peak_over: Callable[[], None] | None = None
        if warm:
            self.warm_up()

    def warm_up(self) -> None:
        """Send the notebook's imports to the kernel (once), without waiting for them.

        The reply to this request also tells that the kernel is up (even without imports to
        run): :meth:`wait_ready` waits for it.
        """
        if self._warmed:
            return
        self._warmed = True
        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient(
            context=zmq.Context.shadow(self.km.context), **self.km.get_connection_info(session=True)
        )
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self._warmup = (
            kc,
            kc.execute(
                _setup_imports(self.notebook), silent=True, store_history=False, allow_stdin=False
            ),
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Warm up if not yet done, and wait for the warm-up to finish (the notebook's cells
        would queue behind it anyway)."""
        self.warm_up()
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
                        logger.debug(
                            "warm-up of %s: %s", self.notebook.name, reply["content"].get("ename")
                        )
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
#: one, because an idle kernel holds about 200-300 MB and large runs need the memory. The
#: run's input size (:data:`SMALL_INPUT_BYTES`) decides during the first step, and a large
#: input keeps one ahead throughout (its short steps, such as step 2 at a million mentions,
#: come between steps holding 2 GB). A kernel that ran a longer step is reaped before the next
#: step starts (well under a second), so its memory is free before the next step loads its
#: data.
_SHORT_STEP_S = 10.0
#: File sources up to this size in all make a small run: two kernels warm ahead from the
#: start (the example's sample is 1.6 MB, 100,000 generated mentions 9 MB of Parquet;
#: 1,000,000 are 95 MB). A larger input starts its next kernel ahead but runs the notebook's
#: imports in it only when the current step ends: an idle kernel is about 50 MB before its
#: imports and 170-250 MB after (pandas, matplotlib, the suite), next to a kernel holding
#: 1.5-1.9 GB at a million mentions; the imports (about 2 s) then overlap the finished
#: kernel's shutdown.
SMALL_INPUT_BYTES = 50_000_000


class _Kernels:
    """The kernels of a run: the next steps' start while the current step runs.

    Finished kernels are asked to shut down at once and reaped later, so neither their
    shutdown nor the next kernel's start-up is on the run's critical path.
    """

    def __init__(self, steps: list[Step], *, small: bool | None = None) -> None:
        self._queue = list(steps)
        # True: a small input (two kernels ahead from the first step); False: a large one (one
        # ahead throughout, its imports run when the step before it ends); None: unknown (one
        # ahead during the first step, then by its time).
        self._small = small
        self._ready: dict[int, _Kernel] = {}
        self._stopping: list[_Kernel] = []
        self._taken_at: float | None = None
        self._last_seconds: float | None = None
        if self._queue:
            self._start(self._queue[0])

    def _start(self, step: Step, *, warm: bool = True) -> None:
        if step.number not in self._ready:
            self._ready[step.number] = _Kernel(NOTEBOOKS_DIR / step.notebook, warm=warm)

    def take(self, step: Step) -> _Kernel:
        """The kernel for ``step``, warmed up; starts the next steps' kernels meanwhile."""
        self._start(step)
        kernel = self._ready.pop(step.number)
        kernel.wait_ready()  # before starting more: the run's first kernel warms up alone
        position = self._queue.index(step) if step in self._queue else len(self._queue)
        if self._last_seconds is None or self._small is False:
            short_steps = bool(self._small)
        else:
            short_steps = self._last_seconds < _SHORT_STEP_S
        for upcoming in self._queue[position + 1 : position + (3 if short_steps else 2)]:
            self._start(upcoming, warm=self._small is not False)
        kernel.peak_over = self.warm_ahead
        self._taken_at = time.perf_counter()
        return kernel

    def warm_ahead(self) -> None:
        """Have the kernels started ahead run their imports now (no-op for those warmed):
        called when the running notebook's memory peak is over, and when it ends."""
        for upcoming in self._ready.values():
            upcoming.warm_up()

    def release(self, kernel: _Kernel) -> None:
        """Stop a kernel whose notebook is done; reap those stopped earlier."""
        if self._taken_at is not None:
            self._last_seconds = time.perf_counter() - self._taken_at
        kernel.stop()
        self.warm_ahead()  # a large run's next kernel: its imports while this one exits
        self._reap()
        self._stopping.append(kernel)
        if self._last_seconds is not None and self._last_seconds >= _SHORT_STEP_S:
            self._reap()  # a long step's kernel holds its data: free it before the next step

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
    return "\n".join(
        ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
    )


def _import_papermill() -> ModuleType:
    """papermill, imported without ``pyarrow.fs`` (unless something imported that already).

    papermill's ``iorw`` imports ``pyarrow.fs`` for ``hdfs://`` notebooks, when it can; the
    suite's notebooks are local files, and pyarrow with numpy is 60 MB of the runner's memory
    next to the kernels of a large run (75 instead of 135 MB). A ``None`` entry in
    ``sys.modules`` makes that import fail as if pyarrow were missing (the import system's
    documented behaviour), which papermill handles; the entry is removed at once, so a later
    ``import pyarrow.fs`` (the report) works as usual.
    """
    if "papermill" not in sys.modules and "pyarrow.fs" not in sys.modules:
        sys.modules["pyarrow.fs"] = None  # type: ignore[assignment]
        try:
            import papermill.iorw  # noqa: F401 (imported for its side effect)
        finally:
            del sys.modules["pyarrow.fs"]
    import papermill

    return papermill


def _engine_name() -> str:
    """The name of the suite's papermill engine (:mod:`socialcrm_utils.engine.papermill_engine`).

    papermill registers it from the ``papermill.engine`` entry point of the installed package;
    an install made before the entry point existed gets it registered here, once, through
    papermill's public ``register``.
    """
    _import_papermill()
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    from .papermill_engine import ENGINE_NAME, SocialCRMEngine

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
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""
