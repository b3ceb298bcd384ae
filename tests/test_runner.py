"""runner: which kernels are kept warm ahead of the step that runs."""

from __future__ import annotations

import json

import pytest

from socialcrm_utils.config import STEPS
from socialcrm_utils.engine import kernels as kernel_module
from socialcrm_utils.engine import plan, runner
from socialcrm_utils.playbook import file_source_bytes

from .conftest import TINY


class _FakeKernel:
    started: list[str] = []
    reaped: list[str] = []
    warmed: list[str] = []

    def __init__(self, notebook, *, warm: bool = True) -> None:
        self.notebook = notebook
        self.warm = False
        _FakeKernel.started.append(notebook.name[:2])
        if warm:
            self.warm_up()

    def warm_up(self) -> None:
        if not self.warm:
            self.warm = True
            _FakeKernel.warmed.append(self.notebook.name[:2])

    def wait_ready(self) -> None:
        self.warm_up()

    def stop(self) -> None:
        pass

    def reap(self) -> None:
        _FakeKernel.reaped.append(self.notebook.name[:2])


@pytest.fixture
def kernels(monkeypatch):
    _FakeKernel.started, _FakeKernel.reaped, _FakeKernel.warmed = [], [], []
    monkeypatch.setattr(kernel_module, "_Kernel", _FakeKernel)
    clock = {"now": 0.0}
    monkeypatch.setattr(kernel_module.time, "perf_counter", lambda: clock["now"])
    return kernel_module._Kernels(list(STEPS)), clock


def test_short_steps_keep_two_kernels_warm_ahead(kernels):
    pool, clock = kernels
    assert _FakeKernel.started == ["01"]  # the first kernel starts with the run
    kernel = pool.take(STEPS[0])
    assert _FakeKernel.started == ["01", "02"]  # during step 1 (size unknown): one ahead
    clock["now"] += 3.0  # a short step
    pool.release(kernel)
    assert _FakeKernel.reaped == []  # reaped later, off the run's critical path
    pool.take(STEPS[1])
    assert _FakeKernel.started == ["01", "02", "03", "04"]  # after a short one: two ahead


def test_a_small_input_keeps_two_kernels_warm_from_the_first_step(monkeypatch, tmp_path):
    _FakeKernel.started, _FakeKernel.reaped, _FakeKernel.warmed = [], [], []
    monkeypatch.setattr(kernel_module, "_Kernel", _FakeKernel)
    pool = kernel_module._Kernels(list(STEPS), small=True)
    pool.take(STEPS[0])
    assert _FakeKernel.started == ["01", "02", "03"]
    assert _FakeKernel.warmed == ["01", "02", "03"]  # warm ahead: their imports run at once
    # the size comes from the playbook's file sources (every file a pattern matches)
    (tmp_path / "a.csv").write_bytes(b"x" * 10)
    (tmp_path / "b.csv").write_bytes(b"x" * 5)

    class _Source:
        def __init__(self, path, glob):
            self.path, self.is_glob = path, glob

        def matching_files(self):  # as FileSource's: the pattern's files, or the one file
            return sorted(tmp_path.glob("*.csv")) if self.is_glob else [self.path]

    class _Playbook:
        sources = [_Source(tmp_path / "*.csv", True), _Source(tmp_path / "a.csv", False)]

    assert file_source_bytes(_Playbook()) == 25


def test_a_large_input_keeps_one_kernel_warm_ahead_after_short_steps_too(monkeypatch):
    # At a million mentions step 2 takes 8 s but sits between steps holding 2 GB: a second
    # idle kernel (200-300 MB) would add to their peak.
    _FakeKernel.started, _FakeKernel.reaped = [], []
    monkeypatch.setattr(kernel_module, "_Kernel", _FakeKernel)
    clock = {"now": 0.0}
    monkeypatch.setattr(kernel_module.time, "perf_counter", lambda: clock["now"])
    pool = kernel_module._Kernels(list(STEPS), small=False)
    kernel = pool.take(STEPS[0])
    clock["now"] += 60.0
    pool.release(kernel)
    kernel = pool.take(STEPS[1])
    clock["now"] += 3.0  # a short step
    pool.release(kernel)
    pool.take(STEPS[2])
    assert _FakeKernel.started == ["01", "02", "03", "04"]  # one ahead, never two


def test_a_large_input_runs_the_next_kernels_imports_when_the_step_ends(monkeypatch):
    # An idle kernel holds about 50 MB before the notebook's imports and 170-250 MB after:
    # next to a step holding 1.5-1.9 GB the imports wait for that step's end.
    _FakeKernel.started, _FakeKernel.reaped, _FakeKernel.warmed = [], [], []
    monkeypatch.setattr(kernel_module, "_Kernel", _FakeKernel)
    clock = {"now": 0.0}
    monkeypatch.setattr(kernel_module.time, "perf_counter", lambda: clock["now"])
    pool = kernel_module._Kernels(list(STEPS), small=False)
    assert _FakeKernel.warmed == ["01"]  # the run's first kernel warms up at once
    kernel = pool.take(STEPS[0])
    assert _FakeKernel.started == ["01", "02"]
    assert _FakeKernel.warmed == ["01"]  # step 2's kernel: started, no imports yet
    clock["now"] += 60.0
    pool.release(kernel)
    assert _FakeKernel.warmed == ["01", "02"]  # its imports while step 1's kernel exits
    assert _FakeKernel.reaped == ["01"]
    pool.take(STEPS[1])
    assert _FakeKernel.warmed == ["01", "02"]
    pool.close()


def test_long_steps_keep_one_kernel_warm_ahead_and_free_their_kernel_at_once(kernels):
    pool, clock = kernels
    kernel = pool.take(STEPS[0])
    clock["now"] += kernel_module._SHORT_STEP_S  # a long step: large data, memory matters more
    pool.release(kernel)
    assert _FakeKernel.reaped == ["01"]  # gone before step 2 loads its data
    kernel = pool.take(STEPS[1])
    assert _FakeKernel.started == ["01", "02", "03"]  # one ahead
    clock["now"] += 60.0
    pool.release(kernel)
    pool.take(STEPS[2])
    assert _FakeKernel.started == ["01", "02", "03", "04"]
    pool.close()


# --- partial runs: which steps are reused, from where, and where `latest` points -------------
# The notebooks are replaced by a fake step that writes its notebook and artifacts (their content
# is the name of the run that wrote them, as JSON), so every run takes milliseconds.

TINY_PLAYBOOK = TINY


class _NoKernels:
    def __init__(self, steps, **_) -> None:
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
    clock = iter(
        dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=m)
        for m in range(10_000)
    )

    def execute(step, playbook, run_dir, kernels=None):
        output = run_dir / step.notebook
        output.write_text(json.dumps(run_dir.name))
        if step.number in fail:
            return runner.StepResult(
                step.number,
                step.notebook,
                "failed",
                0.5,
                str(output),
                f"step {step.number} failed\n  partial notebook: {output}",
            )
        for name in step.writes + (("rejected.csv",) if step.number == 1 else ()):
            (run_dir / name).write_text(json.dumps(run_dir.name))
        return runner.StepResult(step.number, step.notebook, "ok", 1.0, str(output))

    monkeypatch.setattr(runner, "_execute_step", execute)
    monkeypatch.setattr(runner, "_Kernels", _NoKernels)
    monkeypatch.setattr(runner, "_utcnow", lambda: next(clock))
    return fail


def _run(out, steps=None):
    return runner.run_playbook(
        TINY_PLAYBOOK, out=out, steps=steps, report=False, progress=lambda line: None
    )


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
    assert summary["reused"] == {
        "1": full.run_dir.name,
        "2": full.run_dir.name,
        "3": full.run_dir.name,
    }
    assert [(s["number"], s["status"], s["reused_from"]) for s in summary["steps"]] == [
        (1, "reused", full.run_dir.name),
        (2, "reused", full.run_dir.name),
        (3, "reused", full.run_dir.name),
        (4, "ok", None),
        (5, "ok", None),
        (6, "ok", None),
    ]
    # Steps 1-3: notebooks and artifacts copied, also those the step table does not list.
    for name in (
        "01_find_platforms.ipynb",
        "mentions.parquet",
        "rejected.csv",
        "goals.csv",
        "mentions_scored.parquet",
        "topics.csv",
    ):
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
    assert _summary(again)["reused"] == {
        "1": full.run_dir.name,
        "2": full.run_dir.name,
        "3": full.run_dir.name,
        "4": failed,
    }
    assert _latest(tmp_path) == again.run_dir.name


def test_step_whose_input_is_rewritten_is_left_out_and_latest_stays(tmp_path, fake_steps):
    full = _run(tmp_path)
    partial = _run(tmp_path, "4-6")
    goals = _run(tmp_path, "2")
    summary = _summary(goals)
    # Step 5 reads goals.csv, which this run writes anew: its old result is not reused.
    assert summary["left_out"] == {"5": "it reads goals.csv, which step 2 writes anew here"}
    assert summary["reused"] == {
        "1": full.run_dir.name,
        "3": full.run_dir.name,
        "4": partial.run_dir.name,
        "6": partial.run_dir.name,
    }
    assert runner.describe_reused({int(k): v for k, v in summary["reused"].items()}) == (
        f"steps 1,3 from run {full.run_dir.name}; steps 4,6 from run {partial.run_dir.name}"
    )
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
    result = runner.run_playbook(
        TINY_PLAYBOOK, out=tmp_path, steps="1-3", report=False, progress=lines.append
    )
    assert result.left_out == {
        n: "it reads mentions_scored.parquet, which step 3 writes anew here" for n in (4, 5, 6)
    }
    assert not (tmp_path / "tiny-air" / "latest").exists()
    assert "latest: not set (this run does not hold all six steps)" in lines
    assert lines[:4] == [
        f"left out: step {n} (it reads mentions_scored.parquet, which step 3 writes anew here)"
        for n in (4, 5, 6)
    ] + ["for a complete run: --steps 1-6"]
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
        3: f"no earlier run in {client} holds it"
    }


def test_format_steps_inverts_parse_steps():
    for spec in ("1-6", "1,3-5", "2", "1-2,4,6"):
        assert runner.format_steps(runner.parse_steps(spec)) == spec


# --- run folders under many simultaneous starts ----------------------------------------------


def _start_at_once(client_dir, count):
    """``count`` threads call _new_run_dir at the same moment; returns the folder names."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(count)

    def start(_):
        barrier.wait()
        return runner._new_run_dir(client_dir).name

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


def _start_in_process(client_dir, count, queue):
    queue.put(_start_at_once(client_dir, count))


@pytest.fixture
def one_second(monkeypatch):
    """Every run starts in the same second."""
    import datetime as dt

    monkeypatch.setattr(runner, "_utcnow", lambda: dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    return "20261101T090000Z"


def test_120_threads_starting_at_once_get_120_run_folders(tmp_path, one_second):
    client_dir = tmp_path / "out" / "c"  # not there yet: all threads create it too
    names = _start_at_once(client_dir, 120)
    assert sorted(names) == sorted([one_second] + [f"{one_second}-{n}" for n in range(1, 120)])
    assert len(list(client_dir.iterdir())) == 120


def test_120_starts_in_12_processes_at_once_get_120_run_folders(tmp_path, one_second):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    client_dir = tmp_path / "c"
    queue = context.Queue()
    processes = [
        context.Process(target=_start_in_process, args=(client_dir, 10, queue)) for _ in range(12)
    ]
    for process in processes:
        process.start()
    names = [name for _ in processes for name in queue.get(timeout=60)]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    assert len(names) == len(set(names)) == 120
    assert {p.name for p in client_dir.iterdir()} == set(names)


def test_runs_with_suffixes_are_ordered_by_number(tmp_path):
    for name in (
        "20261101T090000Z",
        "20261101T090000Z-2",
        "20261101T090000Z-10",
        "20261101T085959Z",
    ):
        (tmp_path / name).mkdir()
    assert [p.name for p in plan._runs(tmp_path)] == [
        "20261101T090000Z-10",
        "20261101T090000Z-2",
        "20261101T090000Z",
        "20261101T085959Z",
    ]


# --- a source that cannot be read: one warning line; --strict fails the run -------------------


@pytest.fixture
def one_source_fails(fake_steps, monkeypatch):
    """Fake steps whose step 1 reports its second source as unreadable in import_counts.json."""
    execute = runner._execute_step

    def with_counts(step, playbook, run_dir, kernels=None):
        result = execute(step, playbook, run_dir, kernels)
        if step.number == 1:
            (run_dir / "import_counts.json").write_text(
                json.dumps(
                    [
                        {
                            "source": "mentions.csv",
                            "kind": "file",
                            "read": 13,
                            "kept": 12,
                            "rejected": 1,
                            "status": "ok",
                            "notes": "",
                        },
                        {
                            "source": "bad.parquet",
                            "kind": "file",
                            "read": 0,
                            "kept": 0,
                            "rejected": 0,
                            "status": "bad.parquet: cannot read as parquet: "
                            "magic bytes not found\nmore",
                            "notes": "",
                        },
                    ]
                )
            )
        return result

    monkeypatch.setattr(runner, "_execute_step", with_counts)
    return fake_steps


WARNING = (
    "warning: source 'bad.parquet' could not be read: bad.parquet: cannot read as parquet: "
    "magic bytes not found (the other sources ran)"
)


def test_a_source_that_cannot_be_read_is_one_warning_line(tmp_path, one_source_fails):
    lines = []
    result = runner.run_playbook(TINY_PLAYBOOK, out=tmp_path, report=False, progress=lines.append)
    assert [line for line in lines if "warning" in line] == [WARNING]
    assert (
        lines.index(WARNING)
        == lines.index("[2/6] step 2: Set goals and guidelines (02_set_goals.ipynb)") - 1
    )
    assert result.ok and result.complete and result.warnings == [WARNING]
    summary = _summary(result)
    assert summary["status"] == "ok" and summary["warnings"] == [WARNING]
    assert summary["error"] is None


def test_strict_fails_the_run_after_step_1(tmp_path, one_source_fails):
    full = _run(tmp_path)
    lines = []
    with pytest.raises(runner.SourceError) as info:
        runner.run_playbook(
            TINY_PLAYBOOK, out=tmp_path, report=False, progress=lines.append, strict=True
        )
    assert str(info.value) == (
        "--strict: 1 source could not be read ('bad.parquet'): the run stops after step 1; fix "
        "the source or run without --strict"
    )
    assert WARNING in lines and not any(line.startswith("[2/6]") for line in lines)
    failed = max(plan._runs(tmp_path / "tiny-air"), key=plan._run_order)
    summary = json.loads((failed / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["ran"] == [1]
    assert summary["error"] == str(info.value)
    assert _latest(tmp_path) == full.run_dir.name


def test_failed_sources_reads_import_counts(tmp_path):
    (tmp_path / "import_counts.json").write_text(
        json.dumps([{"source": "a.csv", "status": "ok"}, {"source": "feed", "status": "HTTP 500"}])
    )
    assert runner.failed_sources(tmp_path) == [("feed", "HTTP 500")]
    (tmp_path / "import_counts.json").write_text("{not json")
    assert runner.failed_sources(tmp_path) == []


# --- a failing assert in a notebook is an internal check, said as such ------------------------


@pytest.mark.parametrize(
    ("evalue", "expected_check"),
    [
        ("this period's point holds every KPI", "this period's point holds every KPI"),
        ("", "assert set(kpis) == set(KPIS)"),  # no message: the assert line itself
    ],
)
def test_failing_assert_is_an_internal_check(tmp_path, monkeypatch, evalue, expected_check):
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    step = STEPS[4]

    def fail(source, output, **kwargs):
        notebook = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell("import x"),
                nbformat.v4.new_code_cell(
                    "assert set(kpis) == set(KPIS)",
                    outputs=[
                        nbformat.v4.new_output(
                            "error", ename="AssertionError", evalue=evalue, traceback=[]
                        )
                    ],
                ),
            ]
        )
        nbformat.write(notebook, output)
        raise PapermillExecutionError(
            cell_index=1,
            exec_count=2,
            source="assert set(kpis) == set(KPIS)",
            ename="AssertionError",
            evalue=evalue,
            traceback=[
                "\x1b[0;31mAssertionError\x1b[0m  Traceback (most recent call last)",
                "Cell \x1b[0;32mIn[2], line 1\x1b[0m",
                "\x1b[0;32m----> 1\x1b[0m \x1b[38;5;28;01massert\x1b[39;00m set(kpis) "
                "\x1b[38;5;241m==\x1b[39m set(KPIS)",
                "",
            ],
        )

    monkeypatch.setattr(pm, "execute_notebook", fail)
    result = runner._execute_step(
        step, type("P", (), {"path": TINY_PLAYBOOK})(), tmp_path, _NoKernels([step])
    )
    assert result.status == "failed"
    assert result.error == (
        f"internal check failed in step 5 (05_track_kpis.ipynb, cell 2): {expected_check}; "
        "please report it with the partial notebook\n"
        f"  partial notebook: {tmp_path / step.notebook} (it keeps the traceback; run with "
        "--debug to print it)"
    )


# --- killed runs: the store stays consistent and the run is marked failed ---------------------

_STORE_SCRIPT = r"""
import os, signal, sys
import pandas as pd
from socialcrm_utils import store as st
from socialcrm_utils.store import upserts

url, phase = sys.argv[1], sys.argv[2]

def mentions(*authors):
    return pd.DataFrame({
        "mention_id": [f"m-{a}" for a in authors], "platform": "twitter",
        "author_id": list(authors), "author_name": list(authors),
        "created_at": pd.Timestamp("2026-01-05 10:00", tz="UTC"),
        "text_redacted": "lost my bag", "is_brand": False})

with st.open_store(url) as store:
    run_id = store.record_run("c", f"reports/c/{phase}", period=("2026-01-05", "2026-01-05"))
    if phase == "killed":  # SIGKILL in the middle of upsert_mentions' transaction
        refresh = upserts._refresh_contacts
        def killed(*args, **kwargs):
            refresh(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        upserts._refresh_contacts = killed
    store.upsert_mentions("c", mentions("ann", "bob", *(("cara", "dan") if phase == "killed"
                                                        else ())), run_id=run_id)
    store.save_kpis(run_id, {"volume": 2.0})
"""


def _store_process(url, phase):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", _STORE_SCRIPT, url, phase],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sigkill_inside_a_store_write_changes_nothing_and_marks_the_run_failed(tmp_path):
    import signal

    from socialcrm_utils.store import open_store

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    assert _store_process(url, "first").returncode == 0
    with open_store(url) as store:
        before = store.counts("c")
    assert before == {
        "contacts": 2,
        "identities": 2,
        "interactions": 2,
        "cases": 0,
        "runs": 1,
        "kpi_snapshots": 1,
    }
    killed = _store_process(url, "killed")
    assert killed.returncode == -signal.SIGKILL
    with open_store(url) as store:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # cara and dan were written inside the killed transaction: none of it is stored.
        assert {k: v for k, v in store.counts("c").items() if k != "runs"} == {
            k: v for k, v in before.items() if k != "runs"
        }
        runs = store.read("runs", "c")  # finds the killed run's process gone
        history = store.kpi_history("c")
    assert runs["run_dir"].tolist() == ["reports/c/first", "reports/c/killed"]
    assert runs["status"].tolist() == ["ok", "failed"]
    assert history["run_dir"].unique().tolist() == ["reports/c/first"]


def test_a_running_run_of_a_live_process_stays_running(tmp_path):
    from socialcrm_utils.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        run_id = store.record_run("c", "reports/c/now")
        assert store.settle_runs("c") == 0  # this process is alive
        assert store.read("runs", "c")["status"].tolist() == ["running"]
        store.save_kpis(run_id, {"volume": 1.0})
        assert store.read("runs", "c")["status"].tolist() == ["ok"]
        store.mark_run(run_id, "failed")
        assert store.read("runs", "c")["status"].tolist() == ["failed"]
        with pytest.raises(runner.SocialCRMError, match="allowed: running, ok, failed"):
            store.mark_run(run_id, "done")


def test_version_2_store_gains_run_status(tmp_path):
    from sqlalchemy import inspect, text, update

    from socialcrm_utils.store import SCHEMA_VERSION, open_store, schema_version

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with open_store(url) as store, store.engine.begin() as conn:
        for column in ("status", "pid", "host"):
            conn.execute(text(f"ALTER TABLE runs DROP COLUMN {column}"))
        conn.execute(update(schema_version).values(version=2))
        conn.execute(
            text(
                "INSERT INTO runs (client, started_at, run_dir) "
                "VALUES ('c', '2026-02-01 08:00:00', 'reports/c/old')"
            )
        )
    with open_store(url) as store:
        assert store.version() == SCHEMA_VERSION  # migrated through every later version
        assert {"status", "pid", "host"} <= {
            c["name"] for c in inspect(store.engine).get_columns("runs")
        }
        assert store.read("runs", "c")["status"].isna().tolist() == [True]  # not known


# --- end to end: SIGKILL during step 5, two runs of one client at once --------------------------


def _socialcrm(*args):
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "socialcrm_utils.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def steps_1_to_4(tmp_path_factory):
    """The tiny playbook's steps 1-4, run once; step 5 is then run (and killed) on them."""
    out = tmp_path_factory.mktemp("kills")
    process = _socialcrm("run", TINY_PLAYBOOK, "--out", out, "--steps", "1-4", "--no-report")
    assert process.wait(600) == 0, process.stderr.read()
    return out


@pytest.fixture
def fresh_out(steps_1_to_4, tmp_path):
    """A new ``--out`` holding only the run of steps 1-4 (no store yet)."""
    import shutil

    (run,) = plan._runs(steps_1_to_4 / "tiny-air")
    out = tmp_path / "out"
    shutil.copytree(run, out / "tiny-air" / run.name)
    return out


def _store_state(out):
    from socialcrm_utils.store import open_store

    with open_store(f"sqlite:///{out / 'tiny-air' / 'crm.sqlite'}", create=False) as store:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        runs = store.read("runs", "tiny-air")
        history = store.kpi_history("tiny-air")
        counts = store.counts("tiny-air")
    return counts, runs, history


#: The tiny fixture in the store (tests/test_e2e.py): 7 customers, 12 mentions, 5 conversations.
TINY_STORE = {"contacts": 7, "identities": 7, "interactions": 12, "cases": 5}


@pytest.mark.e2e
def test_sigkill_during_step_5_leaves_the_store_consistent(fresh_out):
    import os
    import signal
    import time

    from socialcrm_utils.store import open_store

    out = fresh_out
    process = _socialcrm("run", TINY_PLAYBOOK, "--out", out, "--steps", "5", "--no-report")
    assert process.wait(600) == 0, process.stderr.read()
    before, _, _ = _store_state(out)
    process = _socialcrm("run", TINY_PLAYBOOK, "--out", out, "--steps", "5", "--no-report")
    store = out / "tiny-air" / "crm.sqlite"
    deadline = time.monotonic() + 300
    recorded = 0
    with open_store(f"sqlite:///{store}", create=False) as opened:
        while recorded < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.005)  # kill as soon as step 5 has recorded its run, while it writes
            with opened.engine.connect() as conn:
                recorded = conn.exec_driver_sql("SELECT count(*) FROM runs").scalar()
    assert recorded == 2, "step 5 never recorded its run"
    os.killpg(process.pid, signal.SIGKILL)  # the runner, not its kernel: it follows its parent
    process.wait(60)
    time.sleep(3)  # the kernel notices its parent is gone within a second and exits
    counts, runs, history = _store_state(out)
    assert {k: counts[k] for k in TINY_STORE} == TINY_STORE == {k: before[k] for k in TINY_STORE}
    # No run is left "running": the killed one is failed, unless its KPIs were stored before
    # the kill (then they replaced the first run's, same data period, and it is ok).
    assert runs["status"].iloc[0] == "ok" and set(runs["status"]) <= {"ok", "failed"}
    killed = runs.iloc[-1]
    assert killed["status"] == ("ok" if killed["id"] in set(history["run_id"]) else "failed")
    assert history["run_id"].nunique() == 1 and len(history) == before["kpi_snapshots"]


@pytest.mark.e2e
def test_two_runs_of_one_client_at_once_give_the_store_of_one_run(fresh_out):
    out = fresh_out
    processes = [
        _socialcrm("run", TINY_PLAYBOOK, "--out", out, "--steps", "5", "--no-report")
        for _ in range(2)
    ]
    for process in processes:
        assert process.wait(600) == 0, process.stderr.read()
    counts, runs, history = _store_state(out)
    assert counts == {**TINY_STORE, "runs": 2, "kpi_snapshots": len(history)}
    assert runs["status"].tolist() == ["ok", "ok"]
    assert history["run_id"].nunique() == 1  # one data period: one point per KPI
    assert len({p.name for p in (out / "tiny-air").iterdir()}) == 4  # 1-4, two runs, crm.sqlite
