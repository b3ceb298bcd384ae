"""Packaging: pyproject.toml and environment.yml list the same dependencies; README commands."""

from __future__ import annotations

import re
import tomllib

import yaml

from socialcrm_utils.config import PROJECT_ROOT


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
    return {"python-build": "build"}.get(name, name)  # conda-forge's name of PyPI's build


def _bound(requirement: str) -> str | None:
    match = re.search(r">=\s*([\w.]+)", requirement)
    return match.group(1) if match else None


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += [d for d in extra if _name(d) != project["name"]]  # the test extra names the rest
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    listed = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed += [d for d in dep["pip"] if not d.startswith("-e")]
        elif not dep.startswith(("python", "pip")) or dep.startswith("python-"):
            listed.append(dep)
    assert {_name(d): _bound(d) for d in wanted} == {_name(d): _bound(d) for d in listed}


def test_every_dependency_has_a_lower_bound():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert _bound(dep), f"{dep}: pin a lower bound"


def test_readme_two_commands_and_ci_calls_the_test_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(make demo.*?)```", readme, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == [
        "make demo",
        "make test",
    ]
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()


def test_every_imported_package_is_declared():
    """Each third-party top-level module the package imports belongs to a declared distribution."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    declared = {_name(d) for d in requirements}
    for requirement in requirements:  # dask[distributed] brings the distributed package
        declared |= (
            {_name(e) for e in re.findall(r"\[([^\]]*)\]", requirement)[0].split(",")}
            if "[" in requirement
            else set()
        )
    dists = packages_distributions()
    missing: dict[str, str] = {}
    for path in (PROJECT_ROOT / "socialcrm_utils").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "socialcrm_utils":
                    continue
                owners = {_name(d) for d in dists.get(top, [top])}
                if not owners & declared:
                    missing[top] = str(path.relative_to(PROJECT_ROOT))
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
