"""The installable package: a built wheel works outside the clone.

Builds the wheel (``python -m build``: an sdist, then the wheel from it, so MANIFEST.in and
setup.py's bundle are both exercised), installs it into a fresh virtualenv (dependencies from
the package index or pip's cache), creates a workspace with ``socialcrm init``, runs the
example playbook there end to end, and the tiny fixture playbook, whose KPIs were computed by
hand (tests/test_kpis.py). Nothing may be written inside site-packages; the NLTK data and the
HTTP cache go to the user's data and cache folders (XDG folders of a temporary home here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import EXPECTED, ROOT, TINY

pytestmark = pytest.mark.e2e


def _run(command: list[str], *, env: dict[str, str], cwd: Path, timeout: int = 900) -> str:
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{' '.join(command)}\n{tail}"
    return done.stdout


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv with the built wheel installed, and an environment to run it in."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        env=dict(os.environ),
        cwd=tmp,
    )
    wheels = list(dist.glob("socialcrm_utils-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    home = tmp / "home"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOCIALCRM_", "VIRTUAL_ENV", "PYTHON", "JUPYTER"))
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])],
        env=env,
        cwd=tmp,
        timeout=1200,
    )
    site = Path(
        _run(
            [
                str(bin_dir / "python"),
                "-c",
                "import socialcrm_utils, pathlib; "
                "print(pathlib.Path(socialcrm_utils.__file__).parent)",
            ],
            env=env,
            cwd=tmp,
        ).strip()
    )
    return {
        "tmp": tmp,
        "bin": bin_dir,
        "env": env,
        "home": home,
        "package": site,
        "before": _files(site),
    }


def test_wheel_carries_the_bundle(installed):
    bundle = installed["package"] / "bundle"
    assert {p.name for p in (bundle / "notebooks").glob("*.ipynb")} == {
        "01_find_platforms.ipynb",
        "02_set_goals.ipynb",
        "03_listen.ipynb",
        "04_define_slas.ipynb",
        "05_track_kpis.ipynb",
        "06_generate_content.ipynb",
    }
    for name in (
        "playbooks/template.yaml",
        "playbooks/example.yaml",
        "data/benchmarks.yaml",
        "data/sample/mentions.csv",
        "data/sample/labels.csv",
    ):
        assert (bundle / name).read_bytes() == (ROOT / name).read_bytes(), name
    assert (installed["package"] / "templates" / "socialcrm_report.html.j2").is_file()


def test_init_and_the_example_run_in_the_workspace(installed):
    ws = installed["tmp"] / "ws"
    socialcrm = str(installed["bin"] / "socialcrm")
    printed = _run([socialcrm, "init", str(ws)], env=installed["env"], cwd=installed["tmp"])
    assert f"workspace {ws.resolve()}" in printed
    for name in (
        "playbooks/example.yaml",
        "playbooks/template.yaml",
        "data/sample/mentions.csv",
        "README.md",
        "socialcrm-workspace.toml",
    ):
        assert (ws / name).is_file(), name
    assert (ws / "exports").is_dir() and (ws / "reports").is_dir()
    paths = dict(
        line.split(None, 1)
        for line in _run(
            [socialcrm, "paths"], env=installed["env"], cwd=ws / "playbooks"
        ).splitlines()
        if not line.startswith("nltk")
    )
    assert Path(paths["workspace"]) == ws.resolve()  # found from a folder below it
    _run([socialcrm, "run", "playbooks/example.yaml"], env=installed["env"], cwd=ws)
    run_dir = (ws / "reports" / "acme-air" / "latest").resolve()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is True and [s["status"] for s in summary["steps"]] == ["ok"] * 6
    assert (run_dir / "report.html").stat().st_size > 100_000
    assert (ws / "reports" / "acme-air" / "crm.sqlite").is_file()
    nltk_zip = installed["home"] / "data" / "socialcrm-utils" / "nltk_data" / "sentiment"
    assert (nltk_zip / "vader_lexicon.zip").is_file()
    assert _files(installed["package"]) == installed["before"], "nothing written into the package"


def test_tiny_playbook_from_the_wheel_gives_the_hand_computed_kpis(installed):
    out = installed["tmp"] / "tiny-out"
    _run(
        [str(installed["bin"] / "socialcrm"), "run", str(TINY), "--out", str(out), "--no-report"],
        env=installed["env"],
        cwd=installed["tmp"],
    )
    kpis = json.loads((out / "tiny-air" / "latest" / "kpis.json").read_text())
    assert {k["name"]: k["value"] for k in kpis["kpis"]} == pytest.approx(EXPECTED)
