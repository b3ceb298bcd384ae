"""Paths and the step table: configuration in one place.

The project root is the folder that holds ``notebooks/`` and ``playbooks/`` (the repository, for
an editable install). ``SOCIALCRM_HOME`` overrides it; ``SOCIALCRM_NLTK_DATA`` overrides the
project-local NLTK data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = Path(os.environ.get("SOCIALCRM_HOME", PACKAGE_DIR.parent)).resolve()
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PLAYBOOKS_DIR = PROJECT_ROOT / "playbooks"
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REPORTS_DIR = PROJECT_ROOT / "reports"
TEMPLATE_PLAYBOOK = PLAYBOOKS_DIR / "template.yaml"
EXAMPLE_PLAYBOOK = PLAYBOOKS_DIR / "example.yaml"
NLTK_DATA_DIR = Path(os.environ.get("SOCIALCRM_NLTK_DATA", PROJECT_ROOT / ".nltk_data")).resolve()

KERNEL_NAME = "python3"


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
    Step(1, "find_platforms", "Find the platforms", (),
         ("mentions.parquet", "platforms.csv", "rejected.csv", "import_counts.json", "scope.csv",
          "scope.json")),
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
