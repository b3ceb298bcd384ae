"""Build hook: copy the suite's bundled files into the wheel (``socialcrm_utils/bundle/``).

Everything else is declared in pyproject.toml. A clone uses ``notebooks/``, ``playbooks/`` and
``data/`` where they are (``socialcrm_utils.config.IS_CLONE``); an installed wheel has no
repository around it, so the step notebooks, the playbook template, the example playbook, its
sample and ``data/benchmarks.yaml`` travel inside the package (docs/packaging.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Repository files copied into the wheel, relative to the repository root.
BUNDLED = (
    "notebooks/01_find_platforms.ipynb",
    "notebooks/02_set_goals.ipynb",
    "notebooks/03_listen.ipynb",
    "notebooks/04_define_slas.ipynb",
    "notebooks/05_track_kpis.ipynb",
    "notebooks/06_generate_content.ipynb",
    "playbooks/template.yaml",
    "playbooks/example.yaml",
    "data/benchmarks.yaml",
    "data/sample/README.md",
    "data/sample/mentions.csv",
    "data/sample/labels.csv",
)


class BuildWithBundle(build_py):
    """``build_py`` that also copies :data:`BUNDLED` into ``socialcrm_utils/bundle/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's own folders
        target = Path(self.build_lib) / "socialcrm_utils" / "bundle"
        for relative in BUNDLED:
            source = ROOT / relative
            if not source.is_file():
                raise FileNotFoundError(f"{relative} is listed in setup.py BUNDLED but missing")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildWithBundle})
