"""The suite's papermill engine: found by name through papermill's public registry."""

from __future__ import annotations

from papermill.engines import papermill_engines

from socialcrm_utils.engine import kernels
from socialcrm_utils.engine.papermill_engine import (
    ENGINE_NAME,
    PEAK_OVER_TAG,
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


def test_peak_over_cell_warms_the_next_kernel_once(monkeypatch):
    """A cell tagged peak-over calls the runner's hook when it completes, once; other cells
    do not."""
    import nbformat

    monkeypatch.setattr("papermill.engines.NotebookExecutionManager.save", lambda *a, **k: None)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("b = 2")]
    nb.cells[1].metadata["tags"] = [PEAK_OVER_TAG]
    nb.metadata["papermill"] = {}  # as papermill.execute_notebook prepares it
    calls: list[str] = []
    manager = ThrottledExecutionManager(nb, progress_bar=False)
    manager.peak_over = lambda: calls.append("warm")
    manager.notebook_start()
    for index, cell in enumerate(manager.nb.cells):
        manager.cell_start(cell, index)
        manager.cell_complete(cell, index)
    assert calls == ["warm"]
    manager.cell_complete(manager.nb.cells[1], 1)  # a second completion: no second call
    assert calls == ["warm"]

    def broken() -> None:
        raise RuntimeError("the next kernel is gone")

    manager.peak_over = broken  # a failing warm-up never fails the notebook
    manager.cell_complete(manager.nb.cells[1], 1)
    assert manager.peak_over is None


def test_notebooks_tag_their_peak_over_cells():
    """Where a large run may start the next kernel's imports (docs/workers.md): after step 1's
    scoring, at the start of step 2, after step 5's store writes; not in steps 3, 4 and 6."""
    import nbformat

    from socialcrm_utils.config import NOTEBOOKS_DIR

    tagged = {}
    for path in sorted(NOTEBOOKS_DIR.glob("0*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        tagged[path.name[:2]] = [
            c.source.splitlines()[0] for c in cells if PEAK_OVER_TAG in c.metadata.get("tags", [])
        ]
    assert tagged == {
        "01": [
            "scored = score_mentions(mentions, playbook, started=scores)"
            "  # the scores started above"
        ],
        "02": ["playbook = load_playbook(PLAYBOOK)"],
        "03": [],
        "04": [],
        "05": ["with open_store(store_url(playbook.store, run_dir)) as store:"],
        "06": [],
    }
