"""Packaging: pyproject.toml and environment.yml list the same dependencies; README commands."""

from __future__ import annotations

import re
import tomllib

import yaml

from socialcrm_utils.config import PROJECT_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _bound(requirement: str) -> str | None:
    match = re.search(r">=\s*([\w.]+)", requirement)
    return match.group(1) if match else None


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
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
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make demo",
                                                                                   "make test"]
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text()
