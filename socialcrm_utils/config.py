"""Paths and the step table: configuration in one place.

Two ways to use the suite, one set of rules for where things are (docs/packaging.md):

*Bundled files* (:data:`BUNDLE_DIR`): the step notebooks, the playbook template, the example
playbook with its sample, and ``data/benchmarks.yaml``. In a clone (an editable install) they
are the repository's own folders; an installed wheel carries copies in
``socialcrm_utils/bundle/``. They are read, never written.

*The workspace* (:data:`WORKSPACE`): where a consultant keeps ``playbooks/``, ``exports/`` and
``reports/`` (run folders and, unless a playbook names another, the CRM store): the folder
``socialcrm init DIR`` created, i.e. the nearest folder at or above the current directory that
holds :data:`WORKSPACE_MARKER`; outside any workspace, a clone's repository (as before) or else
the current directory. ``SOCIALCRM_HOME`` overrides it.

*Machine-wide caches*: the NLTK data folder and the HTTP cache live in the clone
(``.nltk_data``, ``.cache``) as before, and for an installed package in the user's data and
cache folders (platformdirs), never inside site-packages. ``SOCIALCRM_NLTK_DATA`` and
``SOCIALCRM_CACHE`` override them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

#: Distribution name on PyPI (``pip install socialcrm-utils``), also the platformdirs app name.
DISTRIBUTION = "socialcrm-utils"
#: A workspace's marker file, written by ``socialcrm init``.
WORKSPACE_MARKER = "socialcrm-workspace.toml"

PACKAGE_DIR = Path(__file__).resolve().parent


def _is_clone(root: Path) -> bool:
    """True when ``root`` is a source checkout (it holds pyproject.toml and notebooks/)."""
    return (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir()


def find_workspace(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds :data:`WORKSPACE_MARKER`.

    Args:
        start: A folder (usually the current directory).

    Returns:
        The workspace folder, or None when no folder up to the root holds the marker.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     ws = Path(tmp).resolve()
        ...     _ = (ws / WORKSPACE_MARKER).write_text("")
        ...     (ws / "playbooks").mkdir()
        ...     find_workspace(ws / "playbooks") == ws
        True
    """
    for folder in (start, *start.parents):
        if (folder / WORKSPACE_MARKER).is_file():
            return folder
    return None


#: True when the package runs from a source checkout (``pip install -e .`` of a clone).
IS_CLONE: bool = _is_clone(PACKAGE_DIR.parent)
#: Read-only files the package brings: notebooks, playbook template and example, sample, benchmarks.
BUNDLE_DIR: Path = PACKAGE_DIR.parent if IS_CLONE else PACKAGE_DIR / "bundle"


def _workspace() -> Path:
    if os.environ.get("SOCIALCRM_HOME"):
        return Path(os.environ["SOCIALCRM_HOME"]).resolve()
    cwd = Path.cwd().resolve()
    return find_workspace(cwd) or (PACKAGE_DIR.parent if IS_CLONE else cwd)


#: The consultant's folder: playbooks/, exports/, reports/ (see the module docstring).
WORKSPACE: Path = _workspace()
#: Kept for older imports: the workspace.
PROJECT_ROOT: Path = WORKSPACE

NOTEBOOKS_DIR = BUNDLE_DIR / "notebooks"
TEMPLATE_PLAYBOOK = BUNDLE_DIR / "playbooks" / "template.yaml"
EXAMPLE_PLAYBOOK = BUNDLE_DIR / "playbooks" / "example.yaml"
DATA_DIR = BUNDLE_DIR / "data"
SAMPLE_DIR = DATA_DIR / "sample"
BENCHMARKS_FILE = DATA_DIR / "benchmarks.yaml"

PLAYBOOKS_DIR = WORKSPACE / "playbooks"
EXPORTS_DIR = WORKSPACE / "exports"
REPORTS_DIR = WORKSPACE / "reports"

_DATA_HOME = PACKAGE_DIR.parent if IS_CLONE else Path(platformdirs.user_data_dir(DISTRIBUTION))
_CACHE_HOME = (
    PACKAGE_DIR.parent / ".cache" if IS_CLONE else Path(platformdirs.user_cache_dir(DISTRIBUTION))
)
#: NLTK resources (the VADER lexicon), installed by ``socialcrm setup``; never downloaded.
NLTK_DATA_DIR = Path(
    os.environ.get("SOCIALCRM_NLTK_DATA")
    or (_DATA_HOME / ".nltk_data" if IS_CLONE else _DATA_HOME / "nltk_data")
).resolve()
#: Machine-wide cache (HTTP responses in ``http/``).
CACHE_DIR = Path(os.environ.get("SOCIALCRM_CACHE") or _CACHE_HOME).resolve()

KERNEL_NAME = "python3"

#: A client id: lower-case letters and digits in words joined by single hyphens (``acme-air``);
#: it names the client's report folder, so nothing else is allowed.
CLIENT_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: The CRM store's file name in a client's report folder when the playbook names no ``store``.
STORE_FILE = "crm.sqlite"


def client_store_url(store: str | None, client_dir: str | Path) -> str:
    """The CRM store of a client: the playbook's ``store`` URL, else :data:`STORE_FILE` in the
    client's report folder (``reports/<client>/``, wherever ``--out`` put it). The one
    definition of the default store; runs, the CLI and notebooks all call it.

    Examples:
        >>> client_store_url(None, "/tmp/reports/acme-air")
        'sqlite:////tmp/reports/acme-air/crm.sqlite'
        >>> client_store_url("postgresql+psycopg://crm@db/crm", "/tmp/x")
        'postgresql+psycopg://crm@db/crm'
    """
    if store:
        return store
    return f"sqlite:///{Path(client_dir).resolve() / STORE_FILE}"


@dataclass(frozen=True)
class Step:
    """One step of the method: its notebook, what it reads and what it writes in the run folder."""

    number: int
    slug: str
    title: str
    needs: tuple[str, ...]
    writes: tuple[str, ...]

    @property
    def notebook(self) -> str:
        """File name of the step notebook, e.g. ``01_find_platforms.ipynb``."""
        return f"{self.number:02d}_{self.slug}.ipynb"


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "find_platforms",
        "Find the platforms",
        (),
        (
            "mentions.parquet",
            "platforms.csv",
            "rejected.csv",
            "import_counts.json",
            "scope.csv",
            "scope.json",
        ),
    ),
    Step(2, "set_goals", "Set goals and guidelines", ("mentions.parquet",), ("goals.csv",)),
    Step(
        3,
        "listen",
        "Listen",
        ("mentions.parquet",),
        ("mentions_scored.parquet", "alerts.csv", "topics.csv"),
    ),
    Step(
        4,
        "define_slas",
        "Customer contact: SLAs and brand voice",
        ("mentions_scored.parquet",),
        ("conversations.parquet", "sla.csv", "voice.csv"),
    ),
    Step(
        5,
        "track_kpis",
        "Workflow and KPIs",
        ("mentions_scored.parquet", "alerts.csv", "conversations.parquet", "goals.csv"),
        ("kpis.json", "workload.csv"),
    ),
    Step(
        6,
        "generate_content",
        "Generate content",
        ("mentions_scored.parquet",),
        ("content_calendar.csv", "faq.csv", "reply_templates.csv"),
    ),
)

#: Which step writes each artifact, so a missing one can name the step to run.
ARTIFACT_PRODUCER: dict[str, int] = {a: s.number for s in STEPS for a in s.writes}
