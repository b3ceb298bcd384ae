"""nlp.parallel: the same results as in-process work, workers owned by a WorkerPool, and no
process left behind."""

from __future__ import annotations

import functools
import gc
import os
import sys
import time

import psutil
import pytest

from socialcrm_utils.nlp import parallel

needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")


def _shout(suffix: str, texts: list[str]) -> list[str]:
    return [f"{text.upper()}{suffix}:{os.getpid()}" for text in texts]


def _alive() -> dict[tuple[int, float], psutil.Process]:
    """Living child processes of the test session, by (pid, start time)."""
    out = {}
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                out[(p.pid, p.create_time())] = p
        except psutil.NoSuchProcess:
            pass
    return out


#: Processes of the test session started before this module (servers of other test modules'
#: fixtures, e.g. JupyterLab or a Dask cluster): not the pools' business.
_BEFORE: set[tuple[int, float]] = set()


@pytest.fixture(autouse=True, scope="module")
def _baseline():
    _BEFORE.update(_alive())
    yield


def _children() -> list[psutil.Process]:
    """This module's child processes (those of the pools under test)."""
    return [p for key, p in _alive().items() if key not in _BEFORE]


@needs_two_cores
def test_chunks_in_workers_equal_the_whole_list_here_and_nothing_is_left_running():
    texts = [f"text {i}" + "!" * (i % 7) for i in range(500)]
    out = parallel.map_chunks(functools.partial(_shout, "?"), texts, min_items=10, weight=len)
    assert [o.rsplit(":", 1)[0] for o in out] == [f"{t.upper()}?" for t in texts]
    pids = {int(o.rsplit(":", 1)[1]) for o in out}
    assert os.getpid() not in pids and len(pids) >= 2  # every core, none of it here
    assert _children() == []  # the submission's own pool stopped once collected


def _slow(seconds: float, texts: list[str]) -> list[str]:
    time.sleep(seconds)
    return [f"{text.upper()}:{os.getpid()}" for text in texts]


def _fail(texts: list[str]) -> list[str]:
    raise ValueError(f"no {texts[0]}")


def _pids(out: list[str]) -> set[int]:
    return {int(o.rsplit(":", 1)[1]) for o in out}


@needs_two_cores
def test_a_pool_shares_its_workers_and_closing_it_stops_them():
    with parallel.WorkerPool(2) as pool:
        first = pool.submit(functools.partial(_shout, "a"), ["x"] * 50, min_items=10)
        second = pool.submit(functools.partial(_shout, "b"), ["y"] * 50, min_items=10)
        assert [o[:2] for o in first.result()] == ["Xa"] * 50
        assert [o[:2] for o in second.result()] == ["Yb"] * 50
        assert len(_pids(first.result()) | _pids(second.result())) <= 2  # the same two workers
        assert _children() != []  # collected, but the pool holds its workers until closed
    assert not pool.running
    assert _children() == []  # the host and its workers are gone at once


@needs_two_cores
def test_a_started_pool_is_up_before_any_work_and_used_by_the_first_submission():
    with parallel.WorkerPool(2) as pool:
        assert pool.start() is pool and pool.running  # up before anything is submitted
        host = [p.pid for p in _children()]
        pool.start()  # already up: nothing more starts
        out = pool.submit(functools.partial(_shout, "s"), ["w"] * 40, min_items=10).result()
        assert [o[:2] for o in out] == ["Ws"] * 40 and os.getpid() not in _pids(out)
        assert set(host) <= {p.pid for p in _children()}  # the same host served it
    assert _children() == []
    assert not parallel.WorkerPool(1).start().running  # one worker: nothing to start


@needs_two_cores
def test_submit_chunks_goes_to_the_active_pool_and_keeps_it_running():
    with parallel.WorkerPool(2) as pool:
        with pool.active():
            pending = parallel.submit_chunks(
                functools.partial(_shout, "!"), ["z"] * 40, min_items=10
            )
        assert pool.running
        assert [o[:2] for o in pending.result()] == ["Z!"] * 40
        assert pool.running  # the pool's owner, not the submission, stops it
    assert _children() == []


@needs_two_cores
def test_a_dropped_pool_stops_its_workers():
    pool = parallel.WorkerPool(2)
    pending = pool.submit(functools.partial(_shout, "?"), ["w"] * 40, min_items=10)
    assert len(pending.result()) == 40
    del pool, pending
    gc.collect()
    deadline = time.monotonic() + 60
    while _children() and time.monotonic() < deadline:  # the host ends at the end of its input
        time.sleep(0.2)
    assert _children() == []


@needs_two_cores
def test_errors_come_back_and_a_killed_host_falls_back_to_this_process(caplog):
    with parallel.WorkerPool(2) as pool:
        with pytest.raises(ValueError, match="no a"):
            pool.submit(_fail, ["a"] * 20, min_items=10).result()
        pending = pool.submit(functools.partial(_slow, 3.0), ["k"] * 20, min_items=10)
        workers = _children()
        for host in psutil.Process().children():
            host.kill()
        out = pending.result()
    assert [o.rsplit(":", 1)[0] for o in out] == ["K"] * 20
    assert _pids(out) == {os.getpid()}
    assert "the worker processes failed" in caplog.text
    assert _children() == []
    _, alive = psutil.wait_procs(workers, timeout=30)  # orphaned workers end with their host
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []


def test_small_inputs_and_one_worker_stay_in_this_process(monkeypatch):
    assert parallel.map_chunks(lambda texts: [t * 2 for t in texts], ["a", "b"]) == ["aa", "bb"]
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.workers() == 1
    out = parallel.map_chunks(functools.partial(_shout, ""), ["q"] * 5000)
    assert {int(o.rsplit(":", 1)[1]) for o in out} == {os.getpid()}
    monkeypatch.setenv(parallel.WORKERS_ENV, "many")
    assert parallel.workers() == (os.cpu_count() or 1)  # a warning, and the default


def test_split_balances_by_weight():
    items = ["a" * 100, "b", "c", "d", "e" * 100, "f"]
    parts = parallel._split(items, 2, len)
    # weights (length + 20): 120, 21, 21, 21, 120, 21; half of 324 is 162, reached after "c"
    assert [items[p] for p in parts] == [["a" * 100, "b", "c"], ["d", "e" * 100, "f"]]
    assert parallel._split(list(range(5)), 2, None) == [slice(0, 3), slice(3, 6)]
    # an Index of Arrow strings: the same slices, lengths taken without Python strings
    import pandas as pd

    assert parallel._split(pd.Index(items, dtype="string"), 2, len) == parts
    assert parallel._split(pd.Index(["é" * 30, "b"], dtype="string"), 2, len) == [
        slice(0, 1),
        slice(1, 2),
    ]  # weights 50 and 21


def _chunk_size(texts: list[str]) -> list[int]:
    return [len(texts)] * len(texts)


@needs_two_cores
def test_chunks_per_worker_sets_how_many_calls_the_work_takes():
    texts = ["x"] * 120
    with parallel.WorkerPool(2) as pool:
        one = pool.submit(_chunk_size, texts, min_items=10, chunks_per_worker=1).result()
        four = pool.submit(_chunk_size, texts, min_items=10).result()
        capped = pool.submit(
            _chunk_size, texts, min_items=10, chunks_per_worker=1, max_chunk_items=40
        ).result()
    assert sorted(set(one)) == [60]  # two workers, one call each
    assert sorted(set(four)) == [15]  # the default: four calls per worker
    assert sorted(set(capped)) == [40]  # at most 40 items a call: three calls


def test_the_workers_modules_import_without_the_playbook_model():
    # The host imports these before it forks the workers, on the step's critical path:
    # the playbook's pydantic models (0.15 s) are not needed to score texts.
    import subprocess
    import sys

    code = (
        f"import sys\nfor module in {parallel._PRELOAD!r}:\n    __import__(module)\n"
        "print(sorted(m for m in sys.modules if m.startswith('socialcrm_utils.playbook')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    import socialcrm_utils

    assert socialcrm_utils.load_playbook.__module__ == "socialcrm_utils.playbook.load"
    assert {"Playbook", "load_playbook", "run_playbook"} <= set(dir(socialcrm_utils))


def _mark_host() -> None:
    os.environ["SOCIALCRM_TEST_WARMED_IN"] = str(os.getpid())


def _broken_warm_up() -> None:
    raise RuntimeError("no lexicon")


def _warmed_in(items: list[int]) -> list[tuple[str, int, int]]:
    warmed = os.environ.get("SOCIALCRM_TEST_WARMED_IN", "")
    return [(warmed, os.getpid(), os.getppid()) for _ in items]


@needs_two_cores
def test_warm_up_calls_run_once_in_the_host_before_the_workers_fork():
    with parallel.WorkerPool(2) as pool:
        pool.start(warm=[_mark_host])
        out = pool.submit(_warmed_in, list(range(40)), min_items=2).result()
    assert len(out) == 40
    warmed = {int(w) for w, _, _ in out}
    assert len(warmed) == 1 and warmed != {os.getpid()}  # once, in the host
    # the host's own thread (its pid) and its forked worker (its parent) see it
    assert all(int(w) in (pid, parent) for w, pid, parent in out)
    assert os.environ.get("SOCIALCRM_TEST_WARMED_IN") is None  # not in this process
    with parallel.WorkerPool(2) as pool:  # a failing warm-up is only reported
        pool.start(warm=[_broken_warm_up])
        assert pool.submit(_warmed_in, list(range(4)), min_items=2).result()[0][0] == ""


def _frozen(items: list[int]) -> list[tuple[int, float, str]]:
    import pyarrow as pa

    pool = pa.default_memory_pool().backend_name
    return [(gc.get_freeze_count(), sys.getswitchinterval(), pool) for _ in items]


@needs_two_cores
def test_the_host_freezes_its_modules_hands_over_quickly_and_shares_one_allocator():
    with parallel.WorkerPool(2) as pool:
        pool.start(warm=[_mark_host])
        out = pool.submit(_frozen, list(range(40)), min_items=2).result()
    assert len(out) == 40 and min(frozen for frozen, _, _ in out) > 10_000  # out of gc's way
    assert {switch for _, switch, _ in out} == {parallel._HOST_SWITCH_S}  # quick hand-overs
    assert {pool for _, _, pool in out} == {"system"}  # Arrow frees to the C library's malloc
    assert gc.get_freeze_count() == 0 and sys.getswitchinterval() == 0.005  # not this process


def test_warm_scorers_compiles_what_the_first_texts_need():
    # after the warm-up, the intent patterns of these packs are built: no compiling later
    import pandas as pd

    from socialcrm_utils.nlp import intent
    from socialcrm_utils.nlp.scoring import warm_scorers

    warm_scorers(True, None, ("airline",))
    built = intent._patterns.cache_info().misses, intent._parts.cache_info().misses
    texts = pd.Series(["Lost my luggage again?!", "Wo bleibt mein Zug?"], dtype="string")
    out = intent.classify_intent(texts, pd.Series(["en", "de"], dtype="string"), packs=("airline",))
    assert out["intent"].tolist() == ["complaint", "question"]
    assert (intent._patterns.cache_info().misses, intent._parts.cache_info().misses) == built
