"""nlp.parallel: the same results as in-process work, and no process left behind."""

from __future__ import annotations

import functools
import gc
import os

import psutil
import pytest

from socialcrm_utils.nlp import parallel

needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")


def _shout(suffix: str, texts: list[str]) -> list[str]:
    return [f"{text.upper()}{suffix}:{os.getpid()}" for text in texts]


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE]


@needs_two_cores
def test_chunks_in_workers_equal_the_whole_list_here_and_nothing_is_left_running():
    texts = [f"text {i}" + "!" * (i % 7) for i in range(500)]
    out = parallel.map_chunks(functools.partial(_shout, "?"), texts, min_items=10, weight=len)
    assert [o.rsplit(":", 1)[0] for o in out] == [f"{t.upper()}?" for t in texts]
    pids = {int(o.rsplit(":", 1)[1]) for o in out}
    assert os.getpid() not in pids and len(pids) >= 2  # every core, none of it here
    assert _children() == []  # workers, fork server and resource tracker have stopped


@needs_two_cores
def test_submissions_share_the_pool_and_a_dropped_one_releases_it():
    first = parallel.submit_chunks(functools.partial(_shout, "a"), ["x"] * 50, min_items=10)
    second = parallel.submit_chunks(functools.partial(_shout, "b"), ["y"] * 50, min_items=10)
    assert [o[:2] for o in first.result()] == ["Xa"] * 50
    assert _children() != []  # the second submission still holds the workers
    del second
    gc.collect()
    assert _children() == []


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
