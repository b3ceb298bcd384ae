"""House rules of the package, checked on its source (docs/architecture.md).

- no module over :data:`MAX_MODULE_LINES` lines;
- no function over :data:`MAX_FUNCTION_LINES` lines of code (docstring, comments and blank lines
  not counted) unless a ``# long: <reason>`` comment stands on its ``def`` line or the line above;
- no ``_private`` attribute of another package: every ``obj._name`` access names an attribute
  the package defines itself, or one of the documented names in :data:`DOCUMENTED_UNDERSCORE`;
- step modules (``socialcrm_utils/steps/``) never import another step module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "socialcrm_utils"
MAX_MODULE_LINES = 900
MAX_FUNCTION_LINES = 80
#: Underscore names other libraries document as public API.
DOCUMENTED_UNDERSCORE = frozenset(
    {
        "_exit",  # os._exit: the documented way to end a forked child
        "_repr_mimebundle_",
        "_repr_html_",  # IPython's display protocol
        "_asdict",
        "_replace",
        "_fields",
        "_make",  # collections.namedtuple
    }
)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "bundle" not in p.parts)


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in _modules()}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_is_over_the_limit():
    sizes = {_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    assert {n: s for n, s in sizes.items() if s > MAX_MODULE_LINES} == {}


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    body = node.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        if len(body) == 1:
            return 0
        first = body[1]
    chunk = lines[first.lineno - 1 : node.end_lineno]
    return sum(1 for line in chunk if line.strip() and not line.strip().startswith("#"))


def test_no_function_is_long_without_a_reason():
    long: dict[str, int] = {}
    for path, tree in _trees().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            size = _code_lines(node, lines)
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            reason = any(
                "# long:" in lines[i]
                for i in (start - 1, start, node.lineno - 1)
                if 0 <= i < len(lines)
            )
            if size > MAX_FUNCTION_LINES and not reason:
                long[f"{_name(path)}:{node.lineno} {node.name}"] = size
    assert long == {}, "split these, or write '# long: <reason>' beside the def"


def _own_underscore_names(trees: dict[Path, ast.Module]) -> set[str]:
    own: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
            elif isinstance(node, ast.alias):
                own.add(node.asname or node.name.split(".")[-1])
    return {name for name in own if name.startswith("_")}


def test_no_private_attribute_of_another_package():
    trees = _trees()
    own = _own_underscore_names(trees)
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
                and node.attr not in DOCUMENTED_UNDERSCORE
            ):
                found.append(f"{_name(path)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_no_private_import_from_another_package():
    found = []
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and node.module
                and not node.module.startswith("socialcrm_utils")
            ):
                parts = node.module.split(".") + [a.name for a in node.names]
                if any(p.startswith("_") and not p.startswith("__") for p in parts):
                    found.append(f"{_name(path)}:{node.lineno}: from {node.module} import ...")
    assert found == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "steps").rglob("*.py")), ids=_name)
def test_step_modules_never_import_each_other(path):
    step = path.relative_to(PACKAGE / "steps").parts[0].removesuffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the package
                base = path.parent.relative_to(ROOT).parts[
                    : len(path.parent.relative_to(ROOT).parts) - node.level + 1
                ]
                module = ".".join([*base, module] if module else base)
            parts = module.split(".")
            if parts[:2] == ["socialcrm_utils", "steps"] and len(parts) > 2:
                assert parts[2] == step, f"{_name(path)} imports {module}"


def test_public_exceptions_live_in_exceptions_py():
    """Every public exception class is defined in socialcrm_utils/exceptions.py (modules
    import it from there); a private helper exception (``_Name``) may stay beside its use."""
    found = []
    for path, tree in _trees().items():
        if path.name == "exceptions.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ClassDef)
                and not node.name.startswith("_")
                and any(
                    (isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception")))
                    or (isinstance(b, ast.Attribute) and b.attr.endswith(("Error", "Exception")))
                    for b in node.bases
                )
            ):
                found.append(f"{_name(path)}:{node.lineno} {node.name}")
    assert found == []
