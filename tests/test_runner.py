"""runner: which kernels are kept warm ahead of the step that runs."""

from __future__ import annotations

import json

import pytest

from socialcrm_utils import runner
from socialcrm_utils.config import STEPS


class _FakeKernel:
    started: list[str] = []

    def __init__(self, notebook) -> None:
        self.notebook = notebook
        _FakeKernel.started.append(notebook.name[:2])

    def wait_ready(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def reap(self) -> None:
        pass


@pytest.fixture
def kernels(monkeypatch):
    _FakeKernel.started = []
    monkeypatch.setattr(runner, "_Kernel", _FakeKernel)
    clock = {"now": 0.0}
    monkeypatch.setattr(runner.time, "perf_counter", lambda: clock["now"])
    return runner._Kernels(list(STEPS)), clock


def test_short_steps_keep_two_kernels_warm_ahead(kernels):
    pool, clock = kernels
    assert _FakeKernel.started == ["01"]  # the first kernel starts with the run
    kernel = pool.take(STEPS[0])
    assert _FakeKernel.started == ["01", "02", "03"]
    clock["now"] += 3.0  # a short step
    pool.release(kernel)
    pool.take(STEPS[1])
    assert _FakeKernel.started == ["01", "02", "03", "04"]


def test_long_steps_keep_one_kernel_warm_ahead(kernels):
    pool, clock = kernels
    kernel = pool.take(STEPS[0])
    clock["now"] += runner._SHORT_STEP_S  # a long step: large data, memory matters more
    pool.release(kernel)
    kernel = pool.take(STEPS[1])
    assert _FakeKernel.started == ["01", "02", "03"]  # step 3's kernel is already warm
    clock["now"] += 60.0
    pool.release(kernel)
    pool.take(STEPS[2])
    assert _FakeKernel.started == ["01", "02", "03", "04"]
    pool.close()


# --- partial runs: which steps are reused, from where, and where `latest` points -------------
# The notebooks are replaced by a fake step that writes its notebook and artifacts (their content
# is the name of the run that wrote them, as JSON), so every run takes milliseconds.

TINY_PLAYBOOK = runner.NOTEBOOKS_DIR.parent / "tests" / "fixtures" / "tiny" / "tiny.yaml"


class _NoKernels:
    def __init__(self, steps) -> None:
        pass

    def take(self, step):
        return None

    def release(self, kernel) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def fake_steps(monkeypatch):
    """Run playbooks with fake steps; ``fail`` holds step numbers that fail."""
    import datetime as dt

    fail: set[int] = set()
    clock = iter(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=m)
                 for m in range(10_000))

    def execute(step, playbook, run_dir, kernels=None):
        output = run_dir / step.notebook
        output.write_text(json.dumps(run_dir.name))
        if step.number in fail:
            return runner.StepResult(step.number, step.notebook, "failed", 0.5, str(output),
                                     f"step {step.number} failed\n  partial notebook: {output}")
        for name in step.writes + (("rejected.csv",) if step.number == 1 else ()):
            (run_dir / name).write_text(json.dumps(run_dir.name))
        return runner.StepResult(step.number, step.notebook, "ok", 1.0, str(output))

    monkeypatch.setattr(runner, "_execute_step", execute)
    monkeypatch.setattr(runner, "_Kernels", _NoKernels)
    monkeypatch.setattr(runner, "_utcnow", lambda: next(clock))
    return fail


def _run(out, steps=None):
    return runner.run_playbook(TINY_PLAYBOOK, out=out, steps=steps, report=False,
                               progress=lambda line: None)


def _summary(result):
    return json.loads(result.summary.read_text())


def _writer(path):
    """The run that wrote a file (the fake steps write their run's name)."""
    return json.loads(path.read_text())


def _latest(out):
    return (out / "tiny-air" / "latest").resolve().name


def test_partial_run_reuses_the_other_steps_and_moves_latest(tmp_path, fake_steps):
    full = _run(tmp_path)
    assert full.run_dir.name == "20261101T090000Z" and _latest(tmp_path) == full.run_dir.name
    partial = _run(tmp_path, "4-6")
    run_dir = partial.run_dir
    summary = _summary(partial)
    assert summary["ran"] == [4, 5, 6] and summary["complete"] is True
    assert summary["reused"] == {"1": full.run_dir.name, "2": full.run_dir.name,
                                 "3": full.run_dir.name}
    assert [(s["number"], s["status"], s["reused_from"]) for s in summary["steps"]] == [
        (1, "reused", full.run_dir.name), (2, "reused", full.run_dir.name),
        (3, "reused", full.run_dir.name), (4, "ok", None), (5, "ok", None), (6, "ok", None)]
    # Steps 1-3: notebooks and artifacts copied, also those the step table does not list.
    for name in ("01_find_platforms.ipynb", "mentions.parquet", "rejected.csv", "goals.csv",
                 "mentions_scored.parquet", "topics.csv"):
        assert _writer(run_dir / name) == full.run_dir.name, name
    for name in ("04_define_slas.ipynb", "sla.csv", "kpis.json"):
        assert _writer(run_dir / name) == run_dir.name, name
    assert _latest(tmp_path) == run_dir.name


def test_failed_partial_run_leaves_latest_at_the_complete_run(tmp_path, fake_steps):
    full = _run(tmp_path)
    fake_steps.add(5)
    with pytest.raises(runner.StepFailedError) as info:
        _run(tmp_path, "4-6")
    assert str(info.value).startswith("step 5 failed")
    assert info.value.notebook.name == "05_track_kpis.ipynb"
    assert _latest(tmp_path) == full.run_dir.name
    summary = json.loads((info.value.notebook.parent / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["complete"] is False
    assert summary["ran"] == [4, 5] and list(summary["reused"]) == ["1", "2", "3"]
    # What went well in the failed run can be reused: its step 4, and steps 1-3 it took from
    # the full run (named as the run that executed them).
    fake_steps.clear()
    again = _run(tmp_path, "5-6")
    failed = info.value.notebook.parent.name
    assert _summary(again)["reused"] == {"1": full.run_dir.name, "2": full.run_dir.name,
                                         "3": full.run_dir.name, "4": failed}
    assert _latest(tmp_path) == again.run_dir.name


def test_step_whose_input_is_rewritten_is_left_out_and_latest_stays(tmp_path, fake_steps):
    full = _run(tmp_path)
    partial = _run(tmp_path, "4-6")
    goals = _run(tmp_path, "2")
    summary = _summary(goals)
    # Step 5 reads goals.csv, which this run writes anew: its old result is not reused.
    assert summary["left_out"] == {"5": "it reads goals.csv, which step 2 writes anew here"}
    assert summary["reused"] == {"1": full.run_dir.name, "3": full.run_dir.name,
                                 "4": partial.run_dir.name, "6": partial.run_dir.name}
    assert runner.describe_reused({int(k): v for k, v in summary["reused"].items()}) == (
        f"steps 1,3 from run {full.run_dir.name}; steps 4,6 from run {partial.run_dir.name}")
    assert not (goals.run_dir / "05_track_kpis.ipynb").exists()
    assert not (goals.run_dir / "kpis.json").exists()
    assert summary["complete"] is False and _latest(tmp_path) == partial.run_dir.name
    # Running step 5 now completes it, on the new goals.
    five = _run(tmp_path, "5")
    assert _summary(five)["reused"]["2"] == goals.run_dir.name
    assert _writer(five.run_dir / "goals.csv") == goals.run_dir.name
    assert _latest(tmp_path) == five.run_dir.name


def test_first_partial_run_of_a_client_sets_no_latest(tmp_path, fake_steps):
    lines = []
    result = runner.run_playbook(TINY_PLAYBOOK, out=tmp_path, steps="1-3", report=False,
                                 progress=lines.append)
    assert result.left_out == {
        n: "it reads mentions_scored.parquet, which step 3 writes anew here" for n in (4, 5, 6)}
    assert not (tmp_path / "tiny-air" / "latest").exists()
    assert "latest: not set (this run does not hold all six steps)" in lines
    assert lines[:4] == [
        f"left out: step {n} (it reads mentions_scored.parquet, which step 3 writes anew here)"
        for n in (4, 5, 6)] + ["for a complete run: --steps 1-6"]
    # The next partial run takes steps 1-3 from it and is complete.
    rest = _run(tmp_path, "4-6")
    assert _summary(rest)["reused"] == {str(n): result.run_dir.name for n in (1, 2, 3)}
    assert _latest(tmp_path) == rest.run_dir.name


def test_plan_reuse_reads_runs_without_summary(tmp_path):
    client = tmp_path / "c"
    old = client / "20261101T100000Z"
    old.mkdir(parents=True)
    for step in STEPS[:3]:
        for name in (step.notebook, *step.writes):
            (old / name).write_text("x")
    plan = runner.plan_reuse([4, 5, 6], client)
    assert plan.base == old and plan.steps == {1: old.name, 2: old.name, 3: old.name}
    assert plan.left_out == {}
    (old / "topics.csv").unlink()  # step 3 incomplete there: it cannot be reused
    assert runner.plan_reuse([4, 5, 6], client).left_out == {
        3: f"no earlier run in {client} holds it"}


def test_format_steps_inverts_parse_steps():
    for spec in ("1-6", "1,3-5", "2", "1-2,4,6"):
        assert runner.format_steps(runner.parse_steps(spec)) == spec
