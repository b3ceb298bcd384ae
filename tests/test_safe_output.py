"""Safe output (issue 14, item 4): nothing from the data or the playbook runs in a browser or a
spreadsheet.

Unit cases are tables of inputs with known answers (escaping, links, CSV cells). The end-to-end
case plants script, event-handler and ``javascript:`` payloads and spreadsheet formulas in every
text, name, handle, platform and URL field of a slice of the shipped sample and in the
playbook's free-text fields, runs all six steps and the report, and checks report.html, the
executed notebooks' HTML and Markdown outputs and every CSV of the run (docs/safe-output.md).
"""

from __future__ import annotations

import html
import json
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from socialcrm_utils.artifacts import (
    neutralize_csv_cells,
    read_artifact,
    restore_csv_cells,
    write_artifact,
)
from socialcrm_utils.plots import escape_markdown, format_table

from .conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "mentions.csv"

#: Markup that would run if it reached a page unescaped.
HTML_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
)
#: Cells a spreadsheet would run as a formula.
CSV_PAYLOADS = ('=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3+cmd|' /C calc'!A0")
#: Raw fragments of the payloads that must never appear unescaped in a page's source.
LIVE_FRAGMENTS = ("<script>alert", "<img src=x", "<svg onload")


# --- what a page may hold ----------------------------------------------------------------------


class _Elements(HTMLParser):
    """Collects what makes HTML live: script elements, on* attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.sources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "math"):
            self.scripts.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                scheme = "".join(value.split()).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text")):
                    self.script_urls.append(f"<{tag} {name}={value!r}>")
                if name == "src":
                    self.sources.append(value)
                if name == "href":
                    self.links.append(value)


def live_parts(page: str) -> list[str]:
    """Everything in ``page`` that a browser would run or load, as a list of findings.

    Examples:
        >>> live_parts('<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="https://x">x</a></p>')
        []
        >>> live_parts('<p><img src=x onerror=alert(1)></p>')
        ['element img src=x', '<img onerror>', 'raw <img src=x']
    """
    parser = _Elements()
    parser.feed(page)
    found = [f"element {tag}" for tag in parser.scripts]
    found += [
        f"element img src={src}" for src in parser.sources if not src.startswith("data:image/")
    ]
    found += parser.handlers + parser.script_urls
    found += [
        f"link {href}"
        for href in parser.links
        if not href.lower().startswith(("http://", "https://", "#"))
    ]
    found += [f"raw {fragment}" for fragment in LIVE_FRAGMENTS if fragment in page]
    return found


# --- unit cases: Markdown, tables, links -------------------------------------------------------

MARKDOWN_CASES = [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
    ("a_b *c* `d` $5", r"a\_b \*c\* \`d\` \$5"),
    ("Fish & chips", "Fish &amp; chips"),
    ("plain text, 3 posts.", "plain text, 3 posts."),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN_CASES)
def test_escape_markdown(text, expected):
    assert escape_markdown(text) == expected


def _markdown_html(text: str) -> str:
    from nbconvert.filters import markdown2html

    return markdown2html(text)


@pytest.mark.parametrize(
    "payload", [*HTML_PAYLOADS, "[x](javascript:alert(1))", "<javascript:alert(1)>"]
)
def test_escaped_markdown_renders_as_text(payload):
    rendered = _markdown_html(escape_markdown(f"Note about {payload} here"))
    assert live_parts(rendered) == []
    assert f"Note about {payload} here" in html.unescape(rendered)


LINK_CASES = [  # url -> the link's address, or None for no link
    ("https://x.example/1?a=1&b=2", "https://x.example/1?a=1&b=2"),
    ("http://x.example/", "http://x.example/"),
    ("HTTPS://X.EXAMPLE/", "HTTPS://X.EXAMPLE/"),
    ("javascript:alert(1)", None),
    (" javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ('"><svg onload=alert(1)>', None),
    (
        'https://x.example/"><svg onload=alert(1)>',
        'https://x.example/"><svg onload=alert(1)>',
    ),  # quotes escaped: one attribute
    ("//evil.example/x", None),
    ("", None),
]


@pytest.mark.parametrize(("url", "href"), LINK_CASES)
def test_format_table_links_only_http(url, href):
    page = format_table(pd.DataFrame({"url": [url], "n": [1]})).to_html()
    assert live_parts(page) == []
    parser = _Elements()
    parser.feed(page)
    assert parser.links == ([] if href is None else [href])
    assert url in html.unescape(page) or href is not None


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_format_table_escapes_cells_headers_and_index(payload):
    frame = pd.DataFrame(
        {"text": [payload], payload: [1], "post_url": [payload]}, index=pd.Index([payload])
    )
    page = format_table(frame).to_html()
    assert live_parts(page) == []
    assert html.unescape(page).count(payload) == 3  # cell, header, url cell: shown as text


# --- unit cases: CSV cells ---------------------------------------------------------------------

CSV_CELL_CASES = [  # cell as written by a step -> cell in the CSV file
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("'quoted", "''quoted"),
    ("-0.5", "-0.5"),  # a number written as text stays a number
    ("-12%", "-12%"),
    ("plain", "plain"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("cell", "expected"), CSV_CELL_CASES)
def test_neutralize_csv_cells(cell, expected):
    frame = pd.DataFrame({"text": [cell, None], "score": [-0.5, 1.0]})
    out = neutralize_csv_cells(frame)
    assert out["text"].iloc[0] == expected
    assert pd.isna(out["text"].iloc[1])
    assert out["score"].tolist() == [-0.5, 1.0]
    assert frame["text"].iloc[0] == cell, "input not modified"
    assert restore_csv_cells(out)["text"].iloc[0] == cell


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_write_artifact_neutralizes_every_string_column(tmp_path, dtype):
    frame = pd.DataFrame(
        {
            "name": pd.Series(["=1+1", "@me", "ok"], dtype=dtype),
            "delta": [-0.5, -2.0, 3.0],
            "count": [-1, 0, 2],
            '=HYPERLINK("http://x")': ["a", "b", "c"],
        }
    )
    path = write_artifact(frame, tmp_path, "x.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == [
        'name,delta,count,"\'=HYPERLINK(""http://x"")"',
        "'=1+1,-0.5,-1,a",
        "'@me,-2.0,0,b",
        "ok,3.0,2,c",
    ]
    back = read_artifact(tmp_path, "x.csv")
    assert back["name"].tolist() == ["=1+1", "@me", "ok"]
    assert back["delta"].tolist() == [-0.5, -2.0, 3.0]
    assert list(back.columns) == list(frame.columns)


# --- end to end --------------------------------------------------------------------------------

_URLS = ("javascript:alert(1)", '"><svg onload=alert(1)>', " JavaScript:alert(1)")


def _plant(sample: pd.DataFrame) -> pd.DataFrame:
    """A slice of the sample with payloads in every text, name, handle, platform and URL field.

    Brand posts keep their author ids (they make them brand replies) but not their names.
    """
    first = sample["conversation_id"].drop_duplicates().head(220)
    rows = sample[sample["conversation_id"].isin(first)].reset_index(drop=True)
    brand = rows["is_brand"].str.lower() == "true"

    def markup(i: int) -> str:
        return HTML_PAYLOADS[i % len(HTML_PAYLOADS)]

    def formula(i: int) -> str:
        return CSV_PAYLOADS[i % len(CSV_PAYLOADS)]

    rows["text"] = [
        f"{formula(i)} {t} {markup(i)}" if i % 2 else f"{t} {markup(i)}"
        for i, t in enumerate(rows["text"])
    ]
    rows["author_name"] = [
        formula(i) if i % 2 else f"{markup(i)} {n}" for i, n in enumerate(rows["author_name"])
    ]
    rows.loc[~brand, "author_id"] = [
        f"{markup(i)}{a}" if i % 2 else f"{formula(i)}{a}"
        for i, a in enumerate(rows.loc[~brand, "author_id"])
    ]
    platforms = {
        "forum": HTML_PAYLOADS[0],
        "reddit": HTML_PAYLOADS[1],
        "trustpilot": HTML_PAYLOADS[2],
        "instagram": CSV_PAYLOADS[0],
    }
    rows["platform"] = rows["platform"].replace(platforms)
    rows["url"] = [_URLS[i % 3] if i % 4 else u for i, u in enumerate(rows["url"])]
    return rows


PLAYBOOK = """
client: payloads
name: '<script>alert(1)</script> ACME "><svg onload=alert(1)>'
language: en
timezone: Europe/Berlin
brand:
  handles: ["@AcmeAir", "@AcmeAirHelp"]
  terms: ["acme air", "acmeair", "#acmeair", "@acmeair", "@acmeairhelp"]
  competitors:
    '<img src=x onerror=alert(1)>': ["globex", "@globex"]
    '=HYPERLINK("http://x")': ["initech air"]
sources:
  - {kind: file, path: mentions.csv, preset: canonical, name: '<script>alert(1)</script>'}
goals:
  - {metric: response_rate, target: 0.9, by: 2027-03-31, note: '<img src=x onerror=alert(1)>'}
  - {metric: net_sentiment, target: 0.25, by: 2027-06-30, note: '@SUM(1)'}
guidelines:
  empowered: ['<script>alert(1)</script>', '=HYPERLINK("http://x")']
  escalation: '"><svg onload=alert(1)>'
sla:
  policies:
    - {name: '<script>alert(1)</script>', intent: complaint, first_response: 1h}
    - {name: '=HYPERLINK("http://x")', first_response: 4h}
voice:
  banned_phrases: ['<img src=x onerror=alert(1)>']
"""


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory) -> Path:
    from socialcrm_utils.cli import main

    folder = tmp_path_factory.mktemp("payloads")
    _plant(pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)).to_csv(
        folder / "mentions.csv", index=False
    )
    playbook = folder / "payloads.yaml"
    playbook.write_text(textwrap.dedent(PLAYBOOK).lstrip(), encoding="utf-8")
    out = folder / "reports"
    code = main(["run", str(playbook), "--out", str(out)])
    run_dir = (out / "payloads" / "latest").resolve()
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert code == 0, summary
    return run_dir


def _output_pages(notebook: Path) -> list[tuple[str, str]]:
    """(where, HTML) of every HTML and Markdown output of an executed notebook."""
    pages = []
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            where = f"{notebook.name} cell {index}"
            assert "application/javascript" not in data, where
            if "text/html" in data:
                pages.append((where, data["text/html"]))
            if "text/markdown" in data:
                pages.append((where, _markdown_html(data["text/markdown"])))
    return pages


@pytest.mark.e2e
def test_report_is_self_contained_and_inert(payload_run):
    page = (payload_run / "report.html").read_text(encoding="utf-8")
    assert live_parts(page) == []
    for remote in (
        "require.js",
        "mathjax",
        "MathJax",
        "mermaid",
        "cdnjs",
        "unpkg",
        "<link",
        "@import",
        "<script",
    ):
        assert remote not in page, remote
    # the payloads are there, as text: the data and the playbook's name and policy names
    text = html.unescape(page)
    for payload in HTML_PAYLOADS:
        assert payload in text, payload
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ACME" in page
    assert "<title>Social CRM report: &lt;script&gt;" in page


@pytest.mark.e2e
def test_notebook_outputs_are_inert(payload_run):
    notebooks = sorted(payload_run.glob("0*.ipynb"))
    assert len(notebooks) == 6
    findings = [
        f"{where}: {found}"
        for notebook in notebooks
        for where, page in _output_pages(notebook)
        for found in live_parts(page)
    ]
    assert findings == []


@pytest.mark.e2e
def test_every_csv_of_the_run_is_neutralized(payload_run):
    import csv

    files = sorted(payload_run.glob("*.csv"))
    assert {p.name for p in files} >= {
        "rejected.csv",
        "platforms.csv",
        "scope.csv",
        "goals.csv",
        "alerts.csv",
        "topics.csv",
        "sla.csv",
        "voice.csv",
        "workload.csv",
        "faq.csv",
        "content_calendar.csv",
        "reply_templates.csv",
    }
    planted = {p.name: 0 for p in files}
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                    if cell.startswith("-"):
                        float(cell.rstrip("%"))  # only numbers may start with a minus
                    planted[path.name] += cell.startswith(("'=", "'+", "'@", "'-"))
    assert planted["sla.csv"] > 0 and planted["platforms.csv"] > 0, planted
