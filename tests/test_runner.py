"""runner: which kernels are kept warm ahead of the step that runs."""

from __future__ import annotations

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
