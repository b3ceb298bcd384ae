"""Complete erasure: ``socialcrm forget --runs`` rewrites every file of the run folders and the
store, and its scan proves that nothing of the author is left (``socialcrm_utils.store.erasure``).

Unit cases are tables of hand-made values with known answers; the end-to-end test runs the
example playbook on the shipped sample, erases a customer whose posts the FAQ, the content
calendar and notebook 06 quote, and then greps every byte of the run folders and the SQLite
store itself.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from socialcrm_utils.cli import main
from socialcrm_utils.store import (
    ERASED_TEXT,
    NOTEBOOK_NOTE,
    Traces,
    collect_traces,
    erase_frame,
    erase_notebook,
    erase_runs,
    normalize_text,
    open_store,
    scan_runs,
    scan_store,
)

ROOT = Path(__file__).resolve().parent.parent
TEXT = "@TinyAir my flight LX 318 to Lisbon was cancelled and nobody answers the phone"
ANN = Traces.build(
    "ann_example", names=["Ann Example"], posts=["tw-000123", "t1"], texts=[TEXT, "ok thanks"]
)


# ---------------------------------------------------------------------------------------------
# what counts as a trace


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (TEXT, True),  # as stored
        (TEXT.upper(), True),  # case
        (html.escape("<td>" + TEXT.replace(" ", "  ") + "</td>"), True),  # HTML, spacing
        (json.dumps(TEXT.replace("cancelled", "cancelled\n")), True),  # JSON-escaped, wrapped
        ("my flight lx 318 to lisbon was cancel...", True),  # truncated, 29+ chars
        ("faq: flight LX 318 to Lisbon was cancelled", True),  # a quote of 35 chars
        ("flight LX 318 to Lisbon", False),  # 23 chars: too short
        ("ok thanks", False),  # short texts: not searched
        ("see @ann_example", True),
        ("ANN_EXAMPLE wrote", True),  # the id, as a word
        ("ann_example2", False),
        ("joann_example", False),  # ... not inside a word
        ("Ann  Example", True),
        ("Anne Example", False),  # the name
        ("dup of tw-000123", True),
        ("dup of t1", False),  # post ids of 6+ chars
        ("", False),
        (None, False),
    ],
)
def test_traces_find_quotes_in_every_form(value, found):
    assert ANN.hits(value) is found


def test_what_others_use_is_not_searched():
    others = "\n".join([normalize_text("my flight LX 318 to Lisbon was cancelled, me too")])
    kept = ANN.without(["ANN EXAMPLE", "bob"], others)
    assert kept.words == ("ann_example", "tw-000123")  # the name belongs to someone else
    assert not kept.hits("my flight lx 318 to lisbon was cancelled")  # shared with others
    assert kept.hits("lisbon was cancelled and nobody answers")  # hers alone
    assert any("also occur in other people's posts" in note for note in kept.skipped)


@pytest.mark.parametrize(
    ("frame", "expected", "dropped", "erased"),
    [
        # a row keyed by her id or one of her posts goes; a quote elsewhere becomes [erased]
        (
            pd.DataFrame({"example_id": ["tw-000123", "x9"], "example": [TEXT, "hello"]}),
            {"example_id": ["x9"], "example": ["hello"]},
            1,
            0,
        ),
        (
            pd.DataFrame(
                {
                    "topic": ["delay", "bag"],
                    "example": [TEXT.lower()[:60] + "...", "hi"],
                    "n": [4, 2],
                }
            ),
            {"topic": ["delay", "bag"], "example": [ERASED_TEXT, "hi"], "n": [4, 2]},
            0,
            1,
        ),
        (
            pd.DataFrame(
                {
                    "handle": ["AcmeAir", "AcmeAir"],
                    "excerpt": ["@ann_example sorry!", "@bob sorry!"],
                }
            ),
            {"handle": ["AcmeAir", "AcmeAir"], "excerpt": [ERASED_TEXT, "@bob sorry!"]},
            0,
            1,
        ),
        (
            pd.DataFrame({"customer_id": ["Ann_Example", "bob"], "h": [1.0, 2.0]}),
            {"customer_id": ["bob"], "h": [2.0]},
            1,
            0,
        ),
        (
            pd.DataFrame({"term": ["bag"], "mentions": [3]}),
            {"term": ["bag"], "mentions": [3]},
            0,
            0,
        ),
    ],
)
def test_erase_frame(frame, expected, dropped, erased):
    before = frame.copy()
    out, n_dropped, n_erased = erase_frame(frame, ANN)
    assert out.to_dict("list") == expected
    assert (n_dropped, n_erased) == (dropped, erased)
    pd.testing.assert_frame_equal(frame, before)  # the input is not changed


def test_erase_notebook_clears_the_outputs_that_quote_her():
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Questions"),
            nbformat.v4.new_code_cell(
                "faq",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data",
                        data={
                            "text/html": f"<td>{html.escape(TEXT[:50])}...</td>",
                            "image/png": "iVBORw0K",
                        },
                    )
                ],
            ),
            nbformat.v4.new_code_cell(
                "kpis",
                outputs=[nbformat.v4.new_output("stream", name="stdout", text="volume 12\n")],
            ),
        ]
    )
    assert erase_notebook(notebook, ANN) == 1
    assert notebook.cells[1].outputs == [
        nbformat.v4.new_output("stream", name="stdout", text=NOTEBOOK_NOTE)
    ]
    assert notebook.cells[2].outputs[0].text == "volume 12\n"


# ---------------------------------------------------------------------------------------------
# the scan names what is left


def write_notebook(path: Path, text: str) -> None:
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(
                    "x",
                    outputs=[
                        nbformat.v4.new_output(
                            "execute_result",
                            data={"text/html": html.escape(text)},
                            execution_count=1,
                        )
                    ],
                )
            ]
        ),
        path,
    )


PLANTS = [  # (file, how the leftover is written, what the scan reports)
    (
        "faq.csv",
        lambda p: pd.DataFrame({"example": [TEXT]}).to_csv(p, index=False),
        "column example",
    ),
    (
        "mentions.parquet",
        lambda p: pd.DataFrame({"text_redacted": ["hi " + TEXT]}).to_parquet(p),
        "column text_redacted",
    ),
    ("summary.json", lambda p: p.write_text(json.dumps({"note": [TEXT]})), "value"),
    ("03_listen.ipynb", lambda p: write_notebook(p, "<b>" + TEXT + "</b>"), "cell 0 output"),
    (
        "report.html",
        lambda p: p.write_text(f"<style>.x{{}}</style><p>{html.escape(TEXT)}</p>"),
        "line 1",
    ),
    ("notes/ann.md", lambda p: p.write_text("# Notes\nCall Ann Example back\n"), "line 2"),
    ("export.xml", lambda p: p.write_text("<post author='ann_example'/>"), "line 1"),
]


@pytest.mark.parametrize(("name", "plant", "detail"), PLANTS, ids=[p[0] for p in PLANTS])
def test_scan_names_a_planted_leftover(tmp_path, name, plant, detail):
    run = tmp_path / "acme" / "20260101T000000Z"
    (run / "notes").mkdir(parents=True)
    (run / "kpis.json").write_text('{"volume": 12}')
    (run / "figures").mkdir()
    (run / "figures" / "step1_01.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    assert scan_runs(tmp_path / "acme", ANN)[0] == []
    plant(run / name)
    hits, unsearched = scan_runs(tmp_path / "acme", ANN)
    assert [(h.where, h.detail) for h in hits] == [(str(run / name), detail)]
    assert unsearched == [run / "figures" / "step1_01.png"]


def test_scan_store_names_the_table(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as store:
        run = store.record_run("acme", "reports/acme/20260101T000000Z")
        assert scan_store(store, "acme", ANN) == []
        store.engine.dispose()
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE runs SET playbook = ? WHERE id = ?", (f"quoted: {TEXT}", run)
            )
        assert [(h.where, h.detail) for h in scan_store(store, "acme", ANN)] == [
            ("store:runs", "column playbook")
        ]


# ---------------------------------------------------------------------------------------------
# forget --runs on hand-made run folders


TINY = """\
client: tiny
name: Tiny Co
timezone: Europe/Berlin
brand: {handles: ["@Tiny"], terms: ["tiny co"]}
sources:
  - {kind: file, path: mentions.csv}
"""


def hand_made_run(client_dir: Path) -> Path:
    """A run folder with her posts, a brand reply to her, and quotes of her in other files."""
    run = client_dir / "20260107T060000Z"
    run.mkdir(parents=True)
    mentions = pd.DataFrame(
        {
            "mention_id": ["tw-000123", "tw-000124", "tw-000200"],
            "platform": ["twitter"] * 3,
            "author_id": ["ann_example", "Tiny", "bob"],
            "author_name": ["Ann Example", "Tiny Co", "Bob"],
            "text_redacted": [TEXT, "@ann_example sorry, please DM us", "where is my bag, Tiny?"],
            "in_reply_to_id": [None, "tw-000123", None],
            "conversation_id": ["tw-000123", "tw-000123", "tw-000200"],
            "is_brand": [False, True, False],
        }
    )
    mentions.to_parquet(run / "mentions_scored.parquet", index=False)
    pd.DataFrame(
        {
            "topic": ["cancellations", "bags"],
            "example": [TEXT.lower(), "where is my bag"],
            "example_id": ["tw-000123", "tw-000200"],
        }
    ).to_csv(run / "faq.csv", index=False)
    pd.DataFrame({"mention_id": ["tw-000124"], "excerpt": ["@ann_example sorry"]}).to_csv(
        run / "voice.csv", index=False
    )
    (run / "summary.json").write_text(json.dumps({"client": "tiny", "note": TEXT[:45]}))
    write_notebook(run / "06_generate_content.ipynb", TEXT)
    (run / "report.html").write_text(f"<p>{html.escape(TEXT)}</p>")
    return run


def test_forget_runs_erases_every_file_and_proves_it(capsys, tmp_path):
    (tmp_path / "mentions.csv").write_text("mention_id,text,created_at\n1,hi,2026-01-05\n")
    (tmp_path / "tiny.yaml").write_text(TINY)
    run = hand_made_run(tmp_path / "reports" / "tiny")
    (tmp_path / "reports" / "tiny" / "latest").symlink_to(run.name)
    code = main(
        [
            "forget",
            "--playbook",
            str(tmp_path / "tiny.yaml"),
            "--author",
            "ann_example",
            "--runs",
            "--out",
            str(tmp_path / "reports"),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert (
        out[0] == f"store: no store at {tmp_path / 'reports' / 'tiny' / 'crm.sqlite'} yet "
        "(client tiny)"
    )
    # 4: her id, her name, her post and the brand reply to it; her text (77 characters
    # normalised) in 7 fragments: starts 0, 10, ..., 50 and the last one, 57
    assert out[2:] == [
        f"{run.name}/mentions_scored.parquet: 2 rows removed or redacted",
        f"{run.name}/06_generate_content.ipynb: outputs of 1 cells removed",
        f"{run.name}/faq.csv: 1 rows removed, 0 cells erased",
        f"{run.name}/summary.json: 1 values erased",
        f"{run.name}/voice.csv: 1 rows removed, 0 cells erased",
        f"{run.name}/report.html: rebuilt from the cleaned notebooks",
        "scan: no trace of ann_example left in the run folders (searched 4 ids/names, 1 texts "
        "(7 fragments))",
    ]
    assert pd.read_csv(run / "faq.csv")["topic"].tolist() == ["bags"]
    assert json.loads((run / "summary.json").read_text())["note"] == ERASED_TEXT
    everything = b"".join(p.read_bytes() for p in run.rglob("*") if p.is_file())
    for needle in ("ann_example", "Ann Example", "tw-000123", "tw-000124", "Lisbon"):
        assert needle.encode() not in everything


def test_forget_runs_exits_1_and_names_what_it_cannot_rewrite(capsys, tmp_path):
    (tmp_path / "mentions.csv").write_text("mention_id,text,created_at\n1,hi,2026-01-05\n")
    (tmp_path / "tiny.yaml").write_text(TINY)
    run = hand_made_run(tmp_path / "reports" / "tiny")
    (run / "export.xml").write_text(f"<post>{html.escape(TEXT)}</post>\n")
    code = main(
        [
            "forget",
            "--playbook",
            str(tmp_path / "tiny.yaml"),
            "--author",
            "ann_example",
            "--runs",
            "--out",
            str(tmp_path / "reports"),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[-2:] == [
        "scan: traces of ann_example left (searched 4 ids/names, 1 texts (7 fragments)); "
        "delete or rebuild:",
        f"  {run.name}/export.xml: line 1",
    ]


def test_collect_traces_takes_the_brand_replies_to_her(tmp_path):
    hand_made_run(tmp_path / "tiny")
    traces = collect_traces(tmp_path / "tiny", "ann_example")
    assert traces.words == ("ann_example", "ann example", "tw-000123", "tw-000124")
    assert traces.texts == (normalize_text(TEXT),)


def test_erase_runs_keeps_other_peoples_files(tmp_path):
    run = hand_made_run(tmp_path / "tiny")
    faq = (run / "faq.csv").read_bytes()
    traces, done = erase_runs(tmp_path / "tiny", Traces.build("nobody_here"))
    assert done == {} and (run / "faq.csv").read_bytes() == faq
    assert traces.words == ("nobody_here",)


# ---------------------------------------------------------------------------------------------
# end to end: the example playbook


def distinctive_texts(mentions: pd.DataFrame, author: str) -> list[str]:
    """Her texts (as stored) that no other author wrote, 20+ characters."""
    others = set(mentions.loc[mentions["author_id"] != author, "text_redacted"].dropna())
    return [
        t
        for t in mentions.loc[mentions["author_id"] == author, "text_redacted"].dropna().unique()
        if t not in others and len(t) >= 20
    ]


def plain(text: str) -> str:
    """An independent normal form for the grep: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", " ", html.unescape(text).lower()).strip()


def grep(paths: list[Path], needles: list[str]) -> dict[str, list[str]]:
    """needle -> files whose bytes hold it raw, HTML- or JSON-escaped, or in plain form."""
    found: dict[str, list[str]] = {}
    for path in sorted({p.resolve() for p in paths}):
        data = path.read_bytes()
        if path.suffix == ".parquet":  # compressed pages: grep the values instead
            data = pd.read_parquet(path).to_csv(index=False).encode()
        text = data.decode("utf-8", errors="ignore")
        flat = re.sub(r"\s+", " ", plain(text))
        for needle in needles:
            forms = {
                needle,
                html.escape(needle),
                html.escape(needle, quote=False),
                json.dumps(needle)[1:-1],
                json.dumps(needle, ensure_ascii=False)[1:-1],
            }
            if any(f.encode() in data for f in forms) or (
                len(needle) >= 20 and plain(needle) in flat
            ):
                found.setdefault(needle, []).append(path.name)
    return found


@pytest.mark.e2e
def test_forget_runs_on_the_example_playbook(tmp_path):
    out = tmp_path / "reports"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "socialcrm_utils.cli",
            "run",
            str(ROOT / "playbooks" / "example.yaml"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=900,
    )
    client_dir = out / "acme-air"
    run = (client_dir / "latest").resolve()
    mentions = pd.read_parquet(run / "mentions_scored.parquet")
    quoted = [run / n for n in ("faq.csv", "content_calendar.csv", "voice.csv")]
    customers = mentions.loc[~mentions["is_brand"], "author_id"].value_counts().index[:400]
    # the customer whose own words the FAQ, the calendar and the voice table quote most
    author = max(customers, key=lambda a: len(grep(quoted, distinctive_texts(mentions, a))))
    texts = distinctive_texts(mentions, author)
    names = mentions.loc[mentions["author_id"] == author, "author_name"].dropna().unique()
    # a display name another customer also uses stays (it is theirs too; docs/erasure.md)
    shared = set(mentions.loc[mentions["author_id"] != author, "author_name"].dropna())
    needles = [author, *[n for n in names if len(n) >= 6 and n not in shared], *texts]
    files = [p for p in client_dir.rglob("*") if p.is_file()]
    before = grep(files, needles)
    assert {
        "mentions.parquet",
        "mentions_scored.parquet",
        "conversations.parquet",
        "sla.csv",
        "crm.sqlite",
    } <= {f for fs in before.values() for f in fs}, before
    quoting = {f for t in texts for f in before.get(t, [])}  # her own words are quoted ...
    assert quoting & {"faq.csv", "content_calendar.csv", "voice.csv"}, before  # in tables
    assert any(f.endswith(".ipynb") or f == "report.html" for f in quoting), before  # and shown
    shutil.copy(run / "report.html", tmp_path / "report_before.html")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialcrm_utils.cli",
            "forget",
            "--playbook",
            str(ROOT / "playbooks" / "example.yaml"),
            "--author",
            author,
            "--runs",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"scan: no trace of {author} left in the run folders or the store" in result.stdout
    assert "report.html: rebuilt from the cleaned notebooks" in result.stdout
    assert not (client_dir / "models").exists()  # the label model held words of the texts
    files = [p for p in client_dir.rglob("*") if p.is_file()]
    assert client_dir / "crm.sqlite" in files
    assert grep(files, needles) == {}
    # the rest of the report is still there
    assert (run / "report.html").stat().st_size > 0.5 * (
        tmp_path / "report_before.html"
    ).stat().st_size
    with open_store(f"sqlite:///{client_dir / 'crm.sqlite'}") as store:
        assert author not in set(store.read("identities", "acme-air")["author_id"])
