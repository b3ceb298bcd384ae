"""End to end: `socialcrm run` executes the six notebooks and writes the artifacts and the report.

The tiny fixture playbook is run once for the module; its KPIs were computed by hand (see
tests/test_kpis.py). The example playbook runs on the shipped sample as `make demo` does.
"""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pandas as pd
import pytest

from socialcrm_utils.artifacts import read_artifact
from socialcrm_utils.cli import main
from socialcrm_utils.config import EXAMPLE_PLAYBOOK, STEPS
from socialcrm_utils.engine.runner import failed_traceback
from socialcrm_utils.exceptions import MissingArtifactError
from socialcrm_utils.schema import KPIS
from socialcrm_utils.store import open_store

from .conftest import EXPECTED, ROOT, TINY

pytestmark = pytest.mark.e2e

ARTIFACTS = [
    "mentions.parquet",
    "rejected.csv",
    "platforms.csv",
    "import_counts.json",
    "goals.csv",
    "mentions_scored.parquet",
    "alerts.csv",
    "topics.csv",
    "conversations.parquet",
    "sla.csv",
    "voice.csv",
    "kpis.json",
    "workload.csv",
    "faq.csv",
    "content_calendar.csv",
    "reply_templates.csv",
    "summary.json",
    "report.html",
]


def _run_dir(out):
    runs = [p for p in (out).iterdir() if p.is_dir() and p.name not in ("latest", "models")]
    assert len(runs) == 1
    return runs[0]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    assert main(["run", str(TINY), "--out", str(out)]) == 0
    return out, _run_dir(out / "tiny-air")


def test_tiny_run_writes_every_artifact(tiny_run):
    _, run_dir = tiny_run
    for name in ARTIFACTS:
        assert (run_dir / name).is_file(), name
    for step in STEPS:
        executed = nbformat.read(run_dir / step.notebook, as_version=4)
        assert executed.metadata["papermill"]["parameters"] == {
            "PLAYBOOK": str(TINY),
            "RUN_DIR": str(run_dir),
        }
    assert (run_dir.parent / "latest").resolve() == run_dir


def test_tiny_run_kpis_match_hand_computation(tiny_run):
    _, run_dir = tiny_run
    kpis = {k["name"]: k["value"] for k in read_artifact(run_dir, "kpis.json")["kpis"]}
    assert kpis == pytest.approx(EXPECTED)
    rejected = pd.read_csv(run_dir / "rejected.csv")
    assert rejected[["mention_id", "row", "reason"]].values.tolist() == [["t13", 13, "empty text"]]
    sla = pd.read_csv(run_dir / "sla.csv")
    assert dict(zip(sla["conversation_id"], sla["status"], strict=True)) == {
        "t1": "met",
        "t3": "breached",
        "t5": "open_breached",
        "t6": "met",
        "t10": "open_breached",
    }


def test_summary_json(tiny_run):
    _, run_dir = tiny_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["client"] == "tiny-air"
    assert [s["status"] for s in summary["steps"]] == ["ok"] * 6
    assert summary["imports"] == [
        {
            "source": "mentions.csv",
            "kind": "file",
            "read": 13,
            "kept": 12,
            "rejected": 1,
            "outside": 0,
            "encoding": "UTF-8",
            "separator": ",",
            "status": "ok",
            "notes": "",
        }
    ]
    assert {k["name"]: k["value"] for k in summary["kpis"]["kpis"]} == pytest.approx(EXPECTED)


def test_report_has_summary_first_six_sections_and_figures(tiny_run):
    _, run_dir = tiny_run
    html = (run_dir / "report.html").read_text()
    assert html.index("Executive summary") < html.index("Step 1: Find the platforms")
    positions = [html.index(f"Step {s.number}: {s.title}") for s in STEPS]
    assert positions == sorted(positions)
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) >= 6 and all('src="data:image/png;base64,' in i for i in images)
    assert all('alt="Step ' in i for i in images)
    assert "print(" not in html and "load_playbook" not in html, "code inputs are hidden"
    assert len(list((run_dir / "figures").glob("step*_*.png"))) == len(images)


def test_partial_run_reuses_steps_1_to_3_and_writes_a_complete_report(tiny_run, capsys):
    out, first = tiny_run
    assert main(["run", str(TINY), "--out", str(out), "--steps", "4-6"]) == 0
    printed = capsys.readouterr().out
    assert f"reusing steps 1-3 from run {first.name} (copied from {first.name})" in printed
    second = max(p for p in (out / "tiny-air").iterdir() if p.is_dir() and p.name != "latest")
    assert second != first
    assert read_artifact(second, "kpis.json")["kpis"] == read_artifact(first, "kpis.json")["kpis"]
    # Steps 1-3 are the full run's: their executed notebooks and artifacts are copied.
    for name in ("01_find_platforms.ipynb", "03_listen.ipynb", "rejected.csv", "goals.csv"):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    summary = json.loads((second / "summary.json").read_text())
    assert summary["ran"] == [4, 5, 6] and summary["complete"] is True
    assert summary["reused"] == {"1": first.name, "2": first.name, "3": first.name}
    assert [s["status"] for s in summary["steps"]] == ["reused"] * 3 + ["ok"] * 3
    # A complete report: all six sections, and it says where steps 1-3 come from.
    html = (second / "report.html").read_text()
    positions = [html.index(f"Step {s.number}: {s.title}") for s in STEPS]
    assert positions == sorted(positions)
    assert (
        f"This run ran steps 4-6; steps 1-3 from run {first.name} (reused, not run again)." in html
    )
    assert html.count(f"Reused from run {first.name}: this step was not run again") == 3
    assert f"reused from run {first.name}" in html  # the steps table
    assert (out / "tiny-air" / "latest").resolve() == second
    # The CRM store next to the runs: two runs of the same data period, so one point per KPI
    # (the second run's values replace the first's), and the second run changed no contact,
    # interaction or case.
    with open_store(f"sqlite:///{out / 'tiny-air' / 'crm.sqlite'}", create=False) as store:
        history = store.kpi_history("tiny-air")
        counts = store.counts("tiny-air")
    assert (history.groupby("name")["run_id"].nunique() == 1).all()
    assert set(history["name"]) == set(KPIS)
    assert history.loc[history["name"] == "volume", "value"].tolist() == [6.0]
    # 7 customers (ann, ben, cara, dan, eve, fay, gus; hal's post is rejected), 12 mentions,
    # 5 conversations.
    assert counts == {
        "contacts": 7,
        "identities": 7,
        "interactions": 12,
        "cases": 5,
        "runs": 2,
        "kpi_snapshots": len(KPIS),
    }


def test_failed_partial_run_leaves_latest_at_the_full_run(tiny_run, tmp_path, capsys):
    _, first = tiny_run
    client_dir = tmp_path / "out" / "tiny-air"
    full = client_dir / first.name
    shutil.copytree(first, full)
    (client_dir / "latest").symlink_to(full.name, target_is_directory=True)
    (full / "mentions_scored.parquet").write_bytes(b"not a parquet file")
    code = main(["run", str(TINY), "--out", str(tmp_path / "out"), "--steps", "4-6"])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2, err  # one line, and the path of the partial notebook
    match = re.fullmatch(
        r"error: step 4 \(04_define_slas\.ipynb\) failed in cell (\d+) "
        r"\((.+)\): (\w+): (.+)",
        lines[0],
    )
    assert match, lines[0]
    partial = next(p for p in client_dir.iterdir() if p.name not in (full.name, "latest"))
    notebook = partial / "04_define_slas.ipynb"
    assert lines[1] == (
        f"  partial notebook: {notebook} (it keeps the traceback; run with --debug to print it)"
    )
    source = nbformat.read(ROOT / "notebooks" / "04_define_slas.ipynb", as_version=4)
    assert source.cells[int(match.group(1)) - 1].source.startswith(match.group(2).rstrip("."))
    # The kernel's traceback is in the partial notebook, not on the terminal.
    traceback = failed_traceback(notebook)
    assert match.group(3) in traceback and "Traceback" not in err and "---->" not in err
    assert (client_dir / "latest").resolve() == full
    summary = json.loads((partial / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["complete"] is False


def test_failing_cell_names_notebook_and_keeps_partial_output(tmp_path, write_playbook, capsys):
    (tmp_path / "bad.csv").write_text(
        "mention_id,text,created_at\n1,,2026-01-01T00:00:00Z\n2,hello,yesterday\n"
    )
    path = write_playbook(
        """
        client: broken
        name: Broken
        brand: {handles: ["@b"]}
        sources: [{kind: file, path: bad.csv}]
        """
    )
    code = main(["run", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    match = re.fullmatch(
        r"error: step 1 \(01_find_platforms\.ipynb\) failed in cell (\d+) "
        r"\(imported = read_run_input\(playbook, run_dir\)  # the sourc\.\.\.\): "
        r"SourceError: no mentions "
        r"kept: all 2 rows read were rejected, most often for 'empty text' \(1 "
        r"row, e\.g\. bad\.csv line 2\); see rejected\.csv and fix the file or "
        r"the source's mapping\n  partial notebook: (\S+) \(it keeps the "
        r"traceback; run "
        r"with --debug to print it\)\n",
        err,
    )
    assert match, err
    source = nbformat.read(ROOT / "notebooks" / "01_find_platforms.ipynb", as_version=4)
    assert source.cells[int(match.group(1)) - 1].source.startswith("imported = read_run_input(")
    partial = nbformat.read(match.group(2), as_version=4)
    failed = [
        c
        for c in partial.cells
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    assert [c.source for c in failed] == [source.cells[int(match.group(1)) - 1].source]
    run_dir = _run_dir(tmp_path / "out" / "broken")
    assert len(pd.read_csv(run_dir / "rejected.csv")) == 2, "artifacts written before it stay"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["steps"][0]["error"].startswith("step 1")
    assert not (tmp_path / "out" / "broken" / "latest").exists(), "a failed run is never latest"


def test_missing_artifact_in_a_notebook_names_the_step(tmp_path):
    with pytest.raises(MissingArtifactError, match=r"written by step 3 \(03_listen.ipynb\)"):
        read_artifact(tmp_path, "mentions_scored.parquet")


def test_example_playbook_on_the_sample(tmp_path, capsys):
    assert main(["run", str(EXAMPLE_PLAYBOOK), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    run_dir = _run_dir(tmp_path / "acme-air")
    assert f"report:  {run_dir / 'report.html'}" in printed
    raw = pd.read_csv(ROOT / "data" / "sample" / "mentions.csv", dtype=str, keep_default_na=False)
    mentions = pd.read_parquet(run_dir / "mentions.parquet")
    rejected = pd.read_csv(run_dir / "rejected.csv")
    assert len(mentions) + len(rejected) == len(raw)
    assert sorted(r.split(" ")[0] for r in rejected["reason"]) == [
        "duplicate",
        "empty",
        "unparseable",
    ]
    assert mentions["platform"].nunique() >= 5 and set(mentions["lang"]) >= {"en", "de"}
    kpis = {k["name"]: k["value"] for k in read_artifact(run_dir, "kpis.json")["kpis"]}
    assert kpis["volume"] > 3000
    assert 0.5 < kpis["response_rate"] < 0.95
    alerts = pd.read_csv(run_dir / "alerts.csv")
    assert "2026-10-14" in set(alerts["date"].astype(str)), "the crisis day raises an alert"
    calendar = pd.read_csv(run_dir / "content_calendar.csv")
    assert len(calendar) >= 4
    shutil.rmtree(tmp_path / "acme-air")
