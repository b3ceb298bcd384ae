"""The suite's papermill engine: found by name through papermill's public registry."""

from __future__ import annotations

from papermill.engines import papermill_engines

from socialcrm_utils.engine import kernels
from socialcrm_utils.engine.papermill_engine import (
    ENGINE_NAME,
    SocialCRMEngine,
    ThrottledExecutionManager,
)


def test_runner_names_the_engine_papermill_finds():
    assert kernels._engine_name() == ENGINE_NAME == "socialcrm"
    assert papermill_engines.get_engine(ENGINE_NAME) is SocialCRMEngine


def test_cell_saves_are_throttled_to_one_per_ten_seconds(monkeypatch):
    saves: list[bool] = []
    monkeypatch.setattr(
        "papermill.engines.NotebookExecutionManager.save",
        lambda self, **kwargs: saves.append(self.throttled),
    )
    import nbformat

    manager = ThrottledExecutionManager(nbformat.v4.new_notebook(), progress_bar=False)
    manager.last_save_time = manager.now()
    manager.save()  # not from a cell event: always saved
    manager._throttled_call(manager.save)  # a cell event right after: skipped
    manager.last_save_time = manager.now().replace(year=2000)
    manager._throttled_call(manager.save)  # a cell event 10 s or more after the last: saved
    assert saves == [False, True]
