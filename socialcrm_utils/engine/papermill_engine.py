"""The suite's papermill engine, registered through papermill's ``papermill.engine`` entry point.

It is papermill's nbclient engine with two changes: it runs the notebook on a kernel the runner
started (:mod:`~socialcrm_utils.engine.runner` passes ``kernel=``) and leaves stopping it to the
runner, and it saves the output notebook when execution starts and ends and at most every 10 s
in between (papermill writes it twice per cell, which costs 0.3-1 s per notebook with figures
in it).

papermill finds it by name (:data:`ENGINE_NAME`) through the entry point in ``pyproject.toml``::

    [project.entry-points."papermill.engine"]
    socialcrm = "socialcrm_utils.engine.papermill_engine:SocialCRMEngine"

papermill loads entry points while ``papermill.engines`` is being imported, so this module
imports only papermill's public names and nothing heavy of the suite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager
from papermill.utils import merge_kwargs, remove_args

__all__ = ["ENGINE_NAME", "PEAK_OVER_TAG", "SocialCRMEngine", "ThrottledExecutionManager"]

logger = logging.getLogger("socialcrm_utils.engine.runner")

#: The engine's name for ``papermill.execute_notebook(engine_name=...)``.
ENGINE_NAME = "socialcrm"

#: Tag of the cell after which a notebook's memory peak is over: when it completes, the runner
#: has the next step's kernel run its imports (a large run's next kernel waits for this, or for
#: the end of the step, to keep 120-200 MB of imports out of the peak; ``docs/workers.md``).
PEAK_OVER_TAG = "peak-over"


class ThrottledExecutionManager(NotebookExecutionManager):
    """papermill's execution manager whose per-cell saves are skipped when the last is recent."""

    save_every = 10.0  # seconds between saves while cells run
    throttled = False
    #: Called once when a cell tagged :data:`PEAK_OVER_TAG` completes (the runner's kernel's).
    peak_over: Callable[[], None] | None = None

    def save(self, **kwargs: Any) -> None:
        """Save the output notebook, unless a cell event saved it less than 10 s ago."""
        if self.throttled and (self.now() - self.last_save_time).total_seconds() < self.save_every:
            return
        super().save(**kwargs)

    def _throttled_call(self, method: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """``method``, whose saves are skipped when the last one is recent."""
        self.throttled = True
        try:
            method(*args, **kwargs)
        finally:
            self.throttled = False

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """papermill's ``cell_start``, throttled."""
        self._throttled_call(super().cell_start, cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """papermill's ``cell_complete``, throttled; after a :data:`PEAK_OVER_TAG` cell, the
        ``peak_over`` call."""
        self._throttled_call(super().cell_complete, cell, cell_index, **kwargs)
        if self.peak_over is not None and PEAK_OVER_TAG in cell.get("metadata", {}).get("tags", ()):
            peak_over, self.peak_over = self.peak_over, None
            try:
                peak_over()
            except Exception:  # noqa: BLE001 (the notebook goes on; the runner warms it later)
                logger.debug("could not warm the next kernel at the peak-over cell", exc_info=True)


class SocialCRMEngine(NBClientEngine):
    """nbclient on the runner's kernel (``kernel=``), with throttled saves."""

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,  # noqa: ANN001, ANN206
        log_output=False,
        autosave_cell_every=30,
        **kwargs,
    ):
        """papermill's ``Engine.execute_notebook`` with :class:`ThrottledExecutionManager`."""
        nb_man = ThrottledExecutionManager(
            nb,
            output_path=output_path,
            log_output=log_output,
            progress_bar=progress_bar,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.peak_over = getattr(kwargs.get("kernel"), "peak_over", None)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,  # noqa: ANN001, ANN206
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        kernel=None,
        **kwargs,
    ):
        """Execute with nbclient on ``kernel`` (a started runner kernel), which stays running."""
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(
            nb_man,
            km=kernel.km,
            **merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            ),
        )
        try:
            return client.execute()
        finally:
            kernel.client = client.kc
