"""The analyst's and the client's view, in a real browser (Debian's Chromium, through Playwright).

1. The analyst: JupyterLab on a throw-away copy of the project; each step notebook, 01 to 06 in
   order (later steps read the artifacts of earlier ones from ``reports/<client>/interactive``), is
   opened from the file browser and run with Run > Run All Cells. Every code cell must run, the
   kernel must end idle, no error or warning may appear on stderr, every chart must render, and
   neither a table nor a line of code may be wider than the notebook at 1280 px (the reader would
   have to scroll sideways).
2. The client: ``report.html`` of a fresh run of the example playbook shows the executive summary
   first, then the six step sections, every figure loads and nothing scrolls sideways at 1280 px
   (neither the page nor a table).

One screenshot per notebook and one of the report are saved under each test's ``tmp_path``.
The tests skip, saying why, only where Chromium or Playwright is missing (``.ci/run`` installs
Chromium; Playwright comes with the test extra and never downloads a browser).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from socialcrm_utils.cli import main
from socialcrm_utils.config import EXAMPLE_PLAYBOOK, STEPS

from .browser_support import (
    NOTEBOOK_STATE_JS,
    OUTPUTS_JS,
    VIEWPORT,
    browser_unavailable,
    copy_project,
    jupyterlab,
    launch_chromium,
)

_UNAVAILABLE = browser_unavailable()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_UNAVAILABLE is not None, reason=str(_UNAVAILABLE)),
]

RUN_TIMEOUT_MS = 300_000  # one notebook's Run All; they take seconds on the sample
UI_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, for the whole module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@dataclass
class NotebookRun:
    """What Run All Cells left in JupyterLab for one notebook."""

    notebook: str
    open_s: float = 0.0
    run_s: float = 0.0
    prompts: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    kernel: str | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    wide: list[dict[str, Any]] = field(default_factory=list)
    long_code: list[str] = field(default_factory=list)
    saved: Any = None
    screenshot: Path | None = None
    failure: str | None = None


class LabRuns:
    """Runs the step notebooks through the JupyterLab UI, in order, each once.

    ``result(name)`` first runs every earlier step that has not run yet, so a single notebook's
    test (``-k 03_listen``) still finds the artifacts it reads.
    """

    def __init__(self, lab: Any, page: Any, shots: Path) -> None:
        self.lab, self.page, self.shots = lab, page, shots
        self.results: dict[str, NotebookRun] = {}

    def result(self, notebook: str) -> NotebookRun:
        names = [s.notebook for s in STEPS]
        for name in names[: names.index(notebook) + 1]:
            if name not in self.results:
                self.results[name] = self._run(name)
        return self.results[notebook]

    def _wait_for_kernel(self, path: str) -> None:
        """Wait until the notebook's kernel has started, is idle and the tab is connected to it."""
        deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
        while self.lab.kernel_state(path) != "idle":
            if time.monotonic() > deadline:
                raise TimeoutError(f"no idle kernel for {path}: {self.lab.api('/api/sessions')}")
            time.sleep(0.25)
        # The status bar says "Python 3 (ipykernel) | Idle" once the tab talks to the kernel.
        self.page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle$")).wait_for(
            timeout=UI_TIMEOUT_MS
        )

    def _run(self, name: str) -> NotebookRun:
        run = NotebookRun(name)
        path = f"notebooks/{name}"
        page = self.page
        started = time.monotonic()
        try:
            # Open it from the file browser, as an analyst does, and wait for its kernel.
            page.locator(".jp-DirListing-content").get_by_text(name, exact=True).dblclick()
            panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            panel.locator(".jp-Cell").first.wait_for(timeout=UI_TIMEOUT_MS)
            self._wait_for_kernel(path)
            run.open_s = time.monotonic() - started

            started = time.monotonic()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            # Done: no cell queued or running, the last cell has run or an error stopped the
            # queue, and the kernel is idle.
            page.wait_for_function(
                f"""() => {{
                    const s = ({NOTEBOOK_STATE_JS})();
                    if (!s || !s.prompts.length) return false;
                    if (s.prompts.some(p => p.includes('*'))) return false;
                    const last = s.prompts[s.prompts.length - 1];
                    return (/\\d/.test(last) || s.stderr.length > 0) && s.kernel === 'idle';
                }}""",
                timeout=RUN_TIMEOUT_MS,
                polling=250,
            )
            deadline = time.monotonic() + 30
            while self.lab.kernel_state(path) != "idle" and time.monotonic() < deadline:
                time.sleep(0.25)
            run.run_s = time.monotonic() - started

            state = page.evaluate(NOTEBOOK_STATE_JS)
            run.prompts, run.stderr = state["prompts"], state["stderr"]
            run.kernel = self.lab.kernel_state(path)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
                ".jp-OutputArea-output img')].every(i => i.complete)",
                timeout=UI_TIMEOUT_MS,
            )
            outputs = page.evaluate(OUTPUTS_JS)
            run.images, run.wide, run.long_code = (
                outputs["images"],
                outputs["wide"],
                outputs["code"],
            )

            first_chart = panel.locator(".jp-OutputArea-output img").first
            if run.images:
                first_chart.scroll_into_view_if_needed()
            run.screenshot = self.shots / f"{Path(name).stem}.png"
            page.screenshot(path=str(run.screenshot))

            # Save (the executed copy stays in the throw-away project), close, stop the kernel.
            panel.locator(".jp-Notebook").focus()
            page.keyboard.press("Control+s")
            page.locator(
                ".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)"
            ).wait_for(timeout=UI_TIMEOUT_MS)
            run.saved = nbformat.read(self.lab.root / path, as_version=4)
            page.locator(
                ".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current .lm-TabBar-tabCloseIcon"
            ).click()
            panel.wait_for(state="detached", timeout=UI_TIMEOUT_MS)
        except Exception as exc:  # noqa: BLE001 - reported as the test's failure, with context
            run.failure = (
                f"{type(exc).__name__}: {exc}\n--- jupyter lab log ---\n{self.lab.log_tail()}"
            )
            with contextlib.suppress(Exception):
                run.screenshot = self.shots / f"{Path(name).stem}-failed.png"
                page.screenshot(path=str(run.screenshot))
                # The next notebook starts from a clean page.
                page.goto(self.lab.page_url("notebooks", reset=True))
                page.locator(".jp-DirListing-content").get_by_text(name, exact=True).wait_for(
                    timeout=UI_TIMEOUT_MS
                )
        finally:
            with contextlib.suppress(Exception):
                session = self.lab.session(path)
                if session is not None:
                    self.lab.api(f"/api/sessions/{session['id']}", method="DELETE")
        return run


@pytest.fixture(scope="module")
def lab_runs(chromium, tmp_path_factory):
    """JupyterLab on a copy of the project, one browser tab, the notebooks run in order."""
    try:
        import jupyterlab as _  # noqa: F401
    except ImportError:
        pytest.skip("JupyterLab is not installed: pip install -e '.[lab]'")
    root = copy_project(tmp_path_factory.mktemp("project"))
    home = tmp_path_factory.mktemp("jupyter-home")
    shots = tmp_path_factory.mktemp("screenshots")
    with jupyterlab(root, home) as lab:
        # The notebooks' kernel is the project's Python: jupyter_client starts a spec whose
        # command is a bare "python" with the server's own interpreter, sys.executable.
        specs = lab.api("/api/kernelspecs")["kernelspecs"]
        assert "python3" in specs, f"no python3 kernel: {sorted(specs)}"
        python = specs["python3"]["spec"]["argv"][0]
        assert python in {sys.executable, "python", "python3"}, f"python3 kernel runs {python}"
        context = chromium.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(lab.page_url("notebooks", reset=True))
        page.locator(".jp-DirListing-content").get_by_text(STEPS[0].notebook, exact=True).wait_for(
            timeout=UI_TIMEOUT_MS
        )
        yield LabRuns(lab, page, shots)
        context.close()


def _charts_expected(notebook: Any) -> int:
    """How many charts the notebook draws: one per ``plt.show()``."""
    return sum(c.source.count("plt.show()") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.notebook.removesuffix(".ipynb"))
def test_notebook_runs_all_cells_in_jupyterlab(step, lab_runs, tmp_path):
    earlier = [
        s for s in STEPS[: step.number - 1] if lab_runs.result(s.notebook).failure is not None
    ]
    run = lab_runs.result(step.notebook)
    if run.screenshot is not None:
        shutil.copy(run.screenshot, tmp_path / run.screenshot.name)
    if run.failure and earlier:
        pytest.skip(
            f"step {earlier[0].number} failed in JupyterLab; step {step.number} reads its artifacts"
        )
    assert run.failure is None, run.failure
    assert run.kernel == "idle", f"kernel is {run.kernel} after Run All"
    assert not run.stderr, "error or warning output:\n" + "\n---\n".join(run.stderr)
    assert run.prompts and all(re.fullmatch(r"\[\d+\]:", p) for p in run.prompts), (
        f"not every code cell ran: prompts {run.prompts}"
    )
    # The executed notebook as JupyterLab saved it: no error output, every code cell ran.
    code = [c for c in run.saved.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    charts = _charts_expected(run.saved)
    assert len(run.images) >= charts, f"{len(run.images)} of {charts} charts rendered"
    assert all(i["loaded"] for i in run.images), f"broken chart images: {run.images}"
    assert not run.wide, (
        "tables wider than the notebook at 1280 px (scroll sideways):\n"
        + "\n".join(f"{w['width']} px > {w['visible']} px: {w['columns']}" for w in run.wide)
    )
    assert not run.long_code, (
        "code lines cut off at 1280 px (keep them under 100 characters):\n"
        + "\n".join(run.long_code)
    )


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """report.html of a fresh run of the example playbook, as ``make demo`` writes it."""
    out = tmp_path_factory.mktemp("reports")
    assert main(["run", str(EXAMPLE_PLAYBOOK), "--out", str(out)]) == 0
    return (out / "acme-air" / "latest" / "report.html").resolve()


def test_report_in_the_browser(report_html, chromium, tmp_path):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(report_html.as_uri(), wait_until="load")
        page.screenshot(path=str(tmp_path / "report.png"))
        page.screenshot(path=str(tmp_path / "report-full.png"), full_page=True)

        # The executive summary comes first, on the first screen, above every step section.
        summary = page.get_by_role("heading", name=re.compile(r"^Executive summary"))
        assert summary.is_visible()
        summary_top = summary.bounding_box()["y"]
        assert summary_top < VIEWPORT["height"], "the executive summary is not on the first screen"
        assert page.locator(".scrm-tile").first.is_visible(), "no KPI tiles in the summary"
        tops = []
        for step in STEPS:
            heading = page.get_by_role(
                "heading", name=re.compile(rf"^Step {step.number}: {re.escape(step.title)}")
            )
            assert heading.count() == 1, f"step {step.number} section: {heading.count()} headings"
            assert heading.is_visible()
            tops.append(heading.bounding_box()["y"])
        assert summary_top < tops[0] and tops == sorted(tops), f"sections out of order: {tops}"

        # Every figure loaded (none broken), and there are figures.
        images = page.evaluate(
            "() => [...document.images].map(i => ({src: i.src.slice(0, 40), "
            "alt: i.alt, loaded: i.complete && i.naturalWidth > 0}))"
        )
        assert len(images) >= len(STEPS)
        broken = [i for i in images if not i["loaded"]]
        assert not broken, f"broken images: {broken}"

        # Nothing scrolls sideways at 1280 px: not the page, and no figure is cut off.
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, "
            "body: document.body.scrollWidth, view: window.innerWidth})"
        )
        assert widths["view"] == VIEWPORT["width"]
        assert widths["scroll"] <= VIEWPORT["width"], f"horizontal scroll: {widths}"
        assert widths["body"] <= VIEWPORT["width"], f"horizontal scroll: {widths}"
        cut = page.evaluate(
            "() => [...document.images].filter(i => "
            "i.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert cut == 0, f"{cut} figure(s) wider than the window"
        wide = page.evaluate("""() => [...document.querySelectorAll('table')]
            .filter(t => t.scrollWidth > t.clientWidth + 1)
            .map(t => [...t.querySelectorAll('thead th')].map(th => th.textContent.trim())
                 .join(' | '))""")
        assert not wide, "tables that scroll sideways at 1280 px:\n" + "\n".join(wide)
    finally:
        context.close()
