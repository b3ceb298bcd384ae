"""Every step runs on minimal data (issue 14.2): `socialcrm run` on small hand-written exports.

Each case is a file of a few rows that lacks something real exports lack (reply links, brand
posts, customer posts, optional values). All six steps must finish, the KPIs must be the
hand-counted ones (n/a where the data cannot say, never 0%), and the notebook section that has
nothing to show must say why in one line (``metrics.GAP_*``, ``docs/minimal-data.md``).
"""

# ruff: noqa: E501  (the exports are CSV rows, one per line, as a file holds them)
from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

import nbformat
import pandas as pd
import pytest

from socialcrm_utils.cli import main
from socialcrm_utils.metrics import (
    GAP_NO_BRAND_POSTS,
    GAP_NO_CUSTOMER_POSTS,
    GAP_NO_REACH,
    GAP_NO_REPLY_LINKS,
)

from .conftest import MINIMAL

pytestmark = pytest.mark.e2e

FULL = (
    "mention_id,platform,source,author_id,author_name,text,created_at,url,lang,"
    "in_reply_to_id,conversation_id,is_brand,reach,likes,shares,replies"
)
TOPICS = "too few customer posts for topics"


@dataclass(frozen=True)
class Case:
    """One export and what a run on it must show."""

    name: str
    csv: str
    volume: int
    conversations: int
    response_rate: float | None  # None: n/a
    why: dict[str, str] = field(default_factory=dict)  # notebook prefix -> sentence it prints
    kpis: dict[str, float | None] = field(default_factory=dict)  # further KPI values
    notes: dict[str, str] = field(default_factory=dict)  # KPI -> its note in kpis.json


CASES = [
    Case(
        "minimal 3-column file",
        """
        mention_id,text,created_at
        m1,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z
        m2,Does tiny co fly to Rome on Sundays?,2026-03-02T10:00:00Z
        m3,Love tiny co! Great crew and a smooth flight.,2026-03-02T11:00:00Z
        """,
        volume=3,
        conversations=3,
        response_rate=None,
        why={"04": GAP_NO_BRAND_POSTS, "01": GAP_NO_REACH},
        kpis={"reach": None, "net_sentiment": 0.0},  # one negative, one neutral, one positive
        notes={"response_rate": GAP_NO_BRAND_POSTS, "reach": GAP_NO_REACH},
    ),
    Case(
        "export without reply links",
        """
        mention_id,platform,author_id,author_name,text,created_at,is_brand,reach
        m1,twitter,alice,Alice,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z,false,100
        m2,twitter,Tiny,Tiny Co,@alice Sorry to hear that. Please send us a DM.,2026-03-02T09:30:00Z,true,5000
        m3,twitter,bob,Bob,Does tiny co fly to Rome on Sundays?,2026-03-02T10:00:00Z,false,50
        """,
        volume=2,
        conversations=2,
        response_rate=None,
        why={"04": GAP_NO_REPLY_LINKS, "05": GAP_NO_REPLY_LINKS},
        kpis={"reach": 150, "savings_vs_phone": None},
        notes={"median_first_response_h": GAP_NO_REPLY_LINKS},
    ),
    Case(
        "one mention",
        """
        mention_id,text,created_at
        m1,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z
        """,
        volume=1,
        conversations=1,
        response_rate=None,
        why={"03": TOPICS, "04": GAP_NO_BRAND_POSTS},
        kpis={"complaint_rate": 1.0, "net_sentiment": -1.0},
    ),
    Case(
        "no brand posts",
        f"""
        {FULL}
        m1,twitter,s,alice,Alice,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z,,en,,m1,false,100,0,0,1
        m2,twitter,s,bob,Bob,@alice same here with tiny co,2026-03-02T09:30:00Z,,en,m1,m1,false,40,0,0,0
        m3,twitter,s,carol,Carol,Love tiny co! Great crew and a smooth flight.,2026-03-02T11:00:00Z,,en,,m3,false,20,3,1,0
        """,
        volume=3,
        conversations=2,
        response_rate=None,
        why={"04": GAP_NO_BRAND_POSTS, "02": GAP_NO_BRAND_POSTS},
        kpis={"reach": 160},
        notes={"sla_attainment": GAP_NO_BRAND_POSTS},
    ),
    Case(
        "only brand posts",
        f"""
        {FULL}
        m1,twitter,s,Tiny,Tiny Co,Our summer schedule is out: 12 new routes!,2026-03-02T09:00:00Z,,en,,m1,true,5000,10,2,0
        m2,twitter,s,Tiny,Tiny Co,Boarding passes are now in the app.,2026-03-03T09:00:00Z,,en,,m2,true,5000,4,0,0
        """,
        volume=0,
        conversations=0,
        response_rate=None,
        why={
            "01": GAP_NO_CUSTOMER_POSTS,
            "03": GAP_NO_CUSTOMER_POSTS,
            "04": GAP_NO_CUSTOMER_POSTS,
            "06": "no FAQ",
        },
        kpis={"net_sentiment": None, "complaint_rate": None},
        notes={"net_sentiment": GAP_NO_CUSTOMER_POSTS},
    ),
    Case(
        "optional columns empty",
        f"""
        {FULL}
        m1,,,,,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z,,,,,,,,,
        m2,,,,,Does tiny co fly to Rome on Sundays?,2026-03-02T10:00:00Z,,,,,,,,,
        """,
        volume=2,
        conversations=2,
        response_rate=None,
        why={"01": GAP_NO_REACH, "04": GAP_NO_BRAND_POSTS},
        kpis={"reach": None, "net_sentiment": -0.5},
    ),
    Case(
        "optional columns NaN",
        f"""
        {FULL}
        m1,NaN,nan,null,NaN,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z,NaN,nan,NaN,NaN,NaN,NaN,nan,null,NaN
        m2,nan,NaN,NaN,null,Does tiny co fly to Rome on Sundays?,2026-03-02T10:00:00Z,null,NaN,null,NaN,nan,nan,NaN,NaN,null
        """,
        volume=2,
        conversations=2,
        response_rate=None,  # "NaN" is no conversation id
        why={"01": GAP_NO_REACH, "04": GAP_NO_BRAND_POSTS},
        kpis={"reach": None, "net_sentiment": -0.5},
    ),  # "nan" is no language: detected, scored
    Case(
        "brand answers one of two",
        f"""
        {FULL}
        m1,twitter,s,alice,Alice,@Tiny my bag is lost and nobody helps. Terrible service!,2026-03-02T09:00:00Z,,en,,m1,false,100,0,0,1
        m2,twitter,s,Tiny,Tiny Co,@alice Sorry to hear that. Please send us a DM.,2026-03-02T09:30:00Z,,en,m1,m1,true,5000,0,0,0
        m3,twitter,s,bob,Bob,@Tiny does tiny co fly to Rome on Sundays?,2026-03-02T10:00:00Z,,en,,m3,false,50,0,0,0
        """,
        volume=2,
        conversations=2,
        response_rate=0.5,
        kpis={"median_first_response_h": 0.5, "reach": 150},
    ),
]


def _run(tmp_path, case: Case):
    (tmp_path / "mentions.csv").write_text(textwrap.dedent(case.csv).lstrip(), encoding="utf-8")
    playbook = tmp_path / "client.yaml"
    playbook.write_text(MINIMAL.format(path="mentions.csv").lstrip(), encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", str(playbook), "--out", str(out)]) == 0
    return (out / "tiny" / "latest").resolve()


def _printed(notebook) -> str:
    return "\n".join(
        o.get("text", "")
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_step_runs_and_says_why(tmp_path, case: Case) -> None:
    run_dir = _run(tmp_path, case)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [s["status"] for s in summary["steps"]] == ["ok"] * 6
    assert (run_dir / "report.html").is_file()
    kpis = {k["name"]: k for k in json.loads((run_dir / "kpis.json").read_text())["kpis"]}
    assert kpis["volume"]["value"] == case.volume
    assert len(pd.read_csv(run_dir / "sla.csv")) == case.conversations
    expected = {"response_rate": case.response_rate, **case.kpis}
    for name, value in expected.items():
        assert kpis[name]["value"] == (None if value is None else pytest.approx(value)), name
        if value is None:
            assert kpis[name]["display"] == "n/a" and kpis[name]["note"], name
    for name, note in case.notes.items():
        assert kpis[name]["note"] == note, name
    notebooks = {p.name[:2]: nbformat.read(p, as_version=4) for p in run_dir.glob("0*.ipynb")}
    for prefix, sentence in case.why.items():
        assert sentence in _printed(notebooks[prefix]), (prefix, sentence)
    if case.response_rate is not None:  # answers in the data: no notebook says they are missing
        for gap in (GAP_NO_BRAND_POSTS, GAP_NO_REPLY_LINKS, GAP_NO_CUSTOMER_POSTS):
            assert all(gap not in _printed(nb) for nb in notebooks.values())
