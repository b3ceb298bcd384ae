"""The runner process of ``socialcrm run`` holds no pandas, numpy or pyarrow while steps run.

Every step's process tree holds the runner next to the kernels, so what it imports counts
against a large run's memory (issue 18): the playbook model reads the canonical columns from
:mod:`socialcrm_utils.canonical`, the alerts package imports a module when one of its names is
used, and papermill is imported without ``pyarrow.fs``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from socialcrm_utils import alerts, canonical, schema
from socialcrm_utils.alerts import DeliveryReport
from socialcrm_utils.alerts.delivery import DELIVERY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, sys
from socialcrm_utils.cli import main  # noqa: F401 (the command's own imports)
from socialcrm_utils.engine import runner
from socialcrm_utils.engine.kernels import _engine_name, _import_papermill
playbook = runner.load_playbook(sys.argv[1])
runner.check_alert_environment(playbook)
_engine_name()
pm = _import_papermill()
heavy = ("pandas", "numpy", "pyarrow", "matplotlib", "sklearn", "sqlalchemy")
print(json.dumps({"heavy": [m for m in heavy if m in sys.modules],
                  "papermill": hasattr(pm, "execute_notebook")}))
"""


def test_runner_imports_no_pandas_numpy_or_pyarrow() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT / "playbooks" / "example.yaml")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"heavy": [], "papermill": True}


def test_pyarrow_fs_imports_after_papermill() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from socialcrm_utils.engine.kernels import _import_papermill\n"
            "_import_papermill()\nimport pyarrow.fs\nprint(pyarrow.fs.LocalFileSystem.__name__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.strip() == "LocalFileSystem"


def test_schema_reexports_the_canonical_names() -> None:
    for name in canonical.__all__:
        assert getattr(schema, name) is getattr(canonical, name)
    assert schema.KPIS["volume"].label == "Customer mentions"
    assert list(schema.empty_mentions().columns) == list(canonical.CANONICAL_COLUMNS)


def test_alerts_package_names_all_resolve() -> None:
    for name in alerts.__all__:
        assert getattr(alerts, name) is not None
    assert set(dir(alerts)) >= set(alerts.__all__)


def test_delivery_report_from_csv_matches_from_frame(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        [
            ["spike", "2026-01-11", "complaints", "slack", "warning", "sent", 1, None],
            ["spike", "2026-01-11", "complaints", "ops mail", "warning", "failed", 3, "HTTP 500"],
            ["pii", "2026-01-12", "m-1", "ops mail", "critical", "failed", 0, "not tried"],
            ["pii", "2026-01-12", "m-2", "teams", "critical", "sent", 2, ""],
        ],
        columns=list(DELIVERY_COLUMNS),
    )
    path = tmp_path / "alerts_delivered.csv"
    frame.to_csv(path, index=False)
    from_csv = DeliveryReport.from_csv(path)
    assert from_csv == DeliveryReport.from_frame(pd.read_csv(path))
    assert from_csv.lines() == [
        "alerts to slack: 1 sent",
        "alerts to ops mail: 0 sent, 2 failed (HTTP 500 after 3 attempts)",
        "alerts to teams: 1 sent",
    ]
    assert DeliveryReport.from_csv(path).frame().equals(DeliveryReport.from_frame(frame).frame())
