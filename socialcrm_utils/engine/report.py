"""The client report: one HTML file a client can read without Python.

:func:`build_report` merges the executed step notebooks of a run folder into one document: an
executive summary with KPI tiles and goal status first, then one section per step with its text,
tables and figures; code inputs and prompts are hidden and figures are embedded as data URIs, so
``report.html`` is a single self-contained file: rendered with the package's own template
(``templates/socialcrm_report.html.j2``), it loads nothing from the network and holds no script,
and every value from the data or the playbook in it is escaped (docs/safe-output.md). Every
figure is also saved under ``figures/``.
Steps a partial run reused from an earlier run are in the report like the others, and the
summary and their sections say from which run they come.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from pathlib import Path
from typing import Any

import nbformat

from ..config import PACKAGE_DIR, STEPS
from ..playbook import Playbook
from .plan import describe_reused, format_steps

__all__ = ["build_report", "kpi_tiles_html"]

logger = logging.getLogger(__name__)

_HIDDEN_TAGS = {"parameters", "injected-parameters", "hide-in-report"}
#: The report's nbconvert template: JupyterLab's page without CDN scripts (docs/safe-output.md).
REPORT_TEMPLATE = PACKAGE_DIR / "templates" / "socialcrm_report.html.j2"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|$~])")
_STYLE = """
<style>
.scrm-tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0 20px}
.scrm-tile{flex:1 1 180px;max-width:260px;border:1px solid #d0d7de;border-radius:8px;
  padding:10px 14px;background:#f6f8fa}
.scrm-tile .v{font-size:1.6em;font-weight:600}
.scrm-tile .l{color:#57606a;font-size:.9em}
.scrm-tile .g{font-size:.85em;margin-top:4px}
.scrm-ok{color:#1a7f37}.scrm-behind{color:#cf222e}.scrm-na{color:#57606a}
.jp-OutputArea-output img{max-width:100%;height:auto}
.jp-RenderedHTMLCommon table{display:block;max-width:100%;overflow-x:auto}
</style>
"""


def kpi_tiles_html(kpis: dict[str, Any] | None) -> str:
    """Render KPI tiles (value, label, goal status) from ``kpis.json`` as HTML.

    Args:
        kpis: The parsed ``kpis.json`` (keys ``kpis`` and ``goals``), or None.

    Returns:
        An HTML fragment; a short note when there are no KPIs.

    Examples:
        >>> "Response rate" in kpi_tiles_html({"kpis": [{"name": "response_rate",
        ...     "label": "Response rate", "display": "75%"}], "goals": []})
        True
    """
    if not kpis or not kpis.get("kpis"):
        return "<p>No KPIs in this run (step 5 did not run).</p>"
    goals = {g["metric"]: g for g in kpis.get("goals", [])}
    tiles = []
    for kpi in kpis["kpis"]:
        goal = goals.get(kpi["name"])
        status = ""
        if goal:
            cls = {True: "scrm-ok", False: "scrm-behind"}.get(goal.get("on_track"), "scrm-na")
            word = {True: "on track", False: "behind"}.get(goal.get("on_track"), "no data")
            status = (
                f'<div class="g {cls}">goal {html.escape(str(goal["target_display"]))} '
                f"by {html.escape(str(goal['by']))}: {word}</div>"
            )
        tiles.append(
            f'<div class="scrm-tile"><div class="v">{html.escape(str(kpi["display"]))}</div>'
            f'<div class="l">{html.escape(kpi["label"])}</div>{status}</div>'
        )
    return '<div class="scrm-tiles">' + "".join(tiles) + "</div>"


def build_report(run_dir: str | Path, playbook: Playbook) -> Path:
    """Build ``report.html`` (and ``figures/*.png``) from the executed notebooks of a run.

    Args:
        run_dir: The run folder with executed step notebooks and ``summary.json``.
        playbook: The run's playbook (for the client's name).

    Returns:
        The path of ``report.html``.
    """
    from nbconvert import HTMLExporter

    run_dir = Path(run_dir)
    summary = _read_json(run_dir / "summary.json") or {}
    kpis = _read_json(run_dir / "kpis.json")
    cells = [nbformat.v4.new_markdown_cell(_header(playbook, summary, kpis))]
    figures = run_dir / "figures"
    figures.mkdir(exist_ok=True)
    reused = _reused(summary)
    for step in STEPS:
        path = run_dir / step.notebook
        if not path.is_file():
            continue
        notebook = nbformat.read(path, as_version=4)
        section = _section_cells(notebook, step.number, step.title, figures)
        if step.number in reused and section:
            run = _text(reused[step.number])
            note = f"*Reused from run {run}: this step was not run again in this run.*"
            section.insert(1, nbformat.v4.new_markdown_cell(note))
        cells.extend(section)
    merged = nbformat.v4.new_notebook(cells=cells)
    merged.metadata["title"] = f"Social CRM report: {playbook.name}"
    exporter = HTMLExporter(
        template_name="lab",
        template_file=REPORT_TEMPLATE.name,
        extra_template_paths=[str(REPORT_TEMPLATE.parent)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(merged)
    target = run_dir / "report.html"
    target.write_text(body, encoding="utf-8")
    logger.info("wrote %s", target)
    return target


def _header(playbook: Playbook, summary: dict[str, Any], kpis: dict[str, Any] | None) -> str:
    period = (kpis or {}).get("period") or {}
    when = summary.get("finished_at", "")
    lines = [
        _STYLE,
        f"# Social CRM report: {_text(playbook.name)}",
        "",
        f"Run {_text(Path(summary.get('run_dir', '')).name)} (finished {_text(when)} UTC)"
        + (
            f"; data from {_text(period.get('start'))} to {_text(period.get('end'))}"
            if period
            else ""
        )
        + ".",
        "",
        "## Executive summary",
        "",
        kpi_tiles_html(kpis),
        "",
    ]
    reused = _reused(summary)
    if reused:
        lines += [
            f"This run ran step{'s' if len(summary.get('ran') or []) != 1 else ''} "
            f"{format_steps(summary.get('ran') or [])}; {describe_reused(reused)} "
            "(reused, not run again).",
            "",
        ]
    left_out = {int(n): why for n, why in (summary.get("left_out") or {}).items()}
    if left_out:
        lines += [
            f"Not in this report: step {n} ({_text(why)})." for n, why in sorted(left_out.items())
        ] + [""]
    steps = summary.get("steps") or []
    if steps:
        lines += ["| step | notebook | status | seconds |", "|---|---|---|---|"]
        lines += [
            f"| {_text(s['number'])} | {_text(s['notebook'])} | {_status(s)} | {s['seconds']:.1f} |"
            for s in steps
        ]
    return "\n".join(lines)


def _reused(summary: dict[str, Any]) -> dict[int, str]:
    """Reused step number -> the run that executed it, from ``summary.json``."""
    return {int(n): str(run) for n, run in (summary.get("reused") or {}).items()}


def _status(step: dict[str, Any]) -> str:
    """A step's status for the report's table (``reused from run <name>`` for reused steps)."""
    if step.get("status") == "reused":
        return f"reused from run {_text(step.get('reused_from'))}"
    return _text(step.get("status"))


def _text(value: object) -> str:
    """A value as Markdown text that shows as written: markup escaped, Markdown syntax too.

    Examples:
        >>> print(_text("<img src=x onerror=alert(1)> [a](javascript:b)"))
        &lt;img src=x onerror=alert(1)&gt; \\[a\\](javascript:b)
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def _section_cells(notebook: Any, number: int, title: str, figures: Path) -> list[Any]:
    """The cells of one step for the report: headings demoted, code shown as outputs only.

    Figures are saved as ``figures/step<N>_<k>.png``; each figure's output carries the heading
    of its section as ``metadata.socialcrm.alt``, which the report template writes as the
    image's alternative text.
    """
    out = []
    figure = 0
    heading = f"Step {number}: {title}"
    cells = [
        c for c in notebook.cells if not set(c.get("metadata", {}).get("tags", [])) & _HIDDEN_TAGS
    ]
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and out and not _section_has_output(cells, index):
            continue  # e.g. "Save and check": nothing a reader of the report can see
        if cell.cell_type == "markdown":
            source = re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", cell.source, flags=re.M)
            if not out:  # the notebook's title becomes the section heading
                source = re.sub(
                    r"^## .*$", f"## Step {number}: {title}", source, count=1, flags=re.M
                )
            match = re.search(r"^#+ (?:\d+\. )?(.+)$", cell.source, flags=re.M)
            if match and out:
                heading = f"Step {number}: {match.group(1).strip()}"
            out.append(nbformat.v4.new_markdown_cell(source))
        elif cell.cell_type == "code" and cell.get("outputs"):
            kept = [
                o
                for o in cell.outputs
                if o.get("output_type") != "stream" or o.get("name") == "stdout"
            ]
            for output in kept:
                data = output.get("data", {})
                if "image/png" in data:
                    figure += 1
                    png = base64.b64decode(data["image/png"])
                    (figures / f"step{number}_{figure:02d}.png").write_bytes(png)
                    output.setdefault("metadata", {})["socialcrm"] = {"alt": heading}
            if kept:
                new = nbformat.v4.new_code_cell("")
                new.outputs = kept
                out.append(new)
    return out


def _section_has_output(cells: list[Any], start: int) -> bool:
    """Whether a code cell after the markdown cell at ``start`` (up to the next) shows output."""
    for cell in cells[start + 1 :]:
        if cell.cell_type == "markdown":
            return False
        if any(
            o.get("output_type") != "stream" or o.get("name") == "stdout"
            for o in cell.get("outputs", [])
        ):
            return True
    return False


def _read_json(path: Path) -> Any:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
