"""The step notebooks as source: anatomy, parameters, stripped outputs, playbook keys they read."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from socialcrm_utils.config import NOTEBOOKS_DIR, STEPS
from socialcrm_utils.playbook import Playbook

NOTEBOOKS = [NOTEBOOKS_DIR / s.notebook for s in STEPS]


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_every_step_has_its_notebook():
    assert sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]


def test_outputs_stripped_and_kernel_pinned(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def test_anatomy(notebook):
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# Step ")
    assert cells[1].cell_type == "code" and all(
        line.startswith(("import ", "from ")) or not line.strip()
        for line in cells[1].source.splitlines()
    ), "cell 2 holds all imports and nothing else"
    assert "parameters" in cells[2].metadata.get("tags", [])
    assert all("import " not in src for src in _code(notebook)[1:]), (
        "imports belong in the setup cell"
    )
    sections = [c.source for c in cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert [int(re.match(r"## (\d+)\.", s).group(1)) for s in sections] == list(
        range(1, len(sections) + 1)
    ), "sections are numbered 1, 2, 3, ..."
    assert "Save and check" in sections[-1] and "assert " in _code(notebook)[-1]


def test_parameters_are_exactly_playbook_and_run_dir(notebook):
    params = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(params.source)
    names = [node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)]
    assert names == ["PLAYBOOK", "RUN_DIR"]
    for node in tree.body:  # literals only, one per line, each with a help comment
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant)
    assert all("#" in line for line in params.source.splitlines())


def test_no_function_or_class_definitions(notebook):
    for source in _code(notebook):
        tree = ast.parse(source)
        assert not any(
            isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda) for n in ast.walk(tree)
        )


def test_plot_cells_end_with_show(notebook):
    for source in _code(notebook):
        if re.search(r"\bplot_\w+\(", source):
            assert source.rstrip().endswith("plt.show()")


def test_playbook_keys_read_by_notebooks_exist():
    """Every `playbook.<key>...` chain a notebook reads names a real field or property."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for source in _code(nb):
            for chain in re.findall(r"\bplaybook((?:\.[a-z_]+)+)", source):
                model = Playbook
                for part in chain.strip(".").split("."):
                    fields = getattr(model, "model_fields", None)
                    if fields is None:
                        break
                    assert part in fields or hasattr(model, part), f"{path.name}: playbook{chain}"
                    annotation = fields[part].annotation if part in fields else None
                    model = annotation if isinstance(annotation, type) else None
                    if model is None:
                        break
