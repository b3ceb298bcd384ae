"""Incremental runs: cursors, folder sources read once, the run lock, the window, watch.

The unit tests use the store and the sources directly (no notebooks); the end-to-end test runs
`watch` for three cycles over the tiny fixture split into three files plus an X source on the
local HTTP server, adding data between cycles, and compares the store with one full run.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert, select

from socialcrm_utils.cli import main
from socialcrm_utils.engine.incremental import (
    plan_file_sources,
    read_incoming,
    read_run_input,
    window_input,
    window_start,
    write_run_input,
)
from socialcrm_utils.engine.watch import watch_playbook
from socialcrm_utils.exceptions import PlaybookError
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.store import open_store
from socialcrm_utils.store.incremental import (
    acquire_lock,
    read_cursors,
    read_history,
    read_seen_files,
    release_lock,
    save_cursors,
    save_mention_metrics,
    save_seen_files,
)
from socialcrm_utils.store.schema import mention_metrics, run_locks
from tests.httpserver import Reply, local_server_fixture  # noqa: F401

from .conftest import ROOT

TINY_CSV = ROOT / "tests" / "fixtures" / "tiny" / "mentions.csv"
X_SEARCH = "/2/tweets/search/recent"
NOW = dt.datetime(2026, 9, 10, 12, 0, tzinfo=dt.UTC)
HEADER = TINY_CSV.read_text(encoding="utf-8").splitlines()[0]
ROWS = {line.split(",", 1)[0]: line for line in TINY_CSV.read_text().splitlines()[1:]}
#: The tiny fixture in three files: a reply in b.csv answers a post of a.csv (t11 -> t2).
PARTS = {
    "a.csv": ["t1", "t2", "t3", "t4", "t5", "t6"],
    "b.csv": ["t7", "t8", "t9", "t11"],
    "c.csv": ["t10", "t12", "t13"],
}

PLAYBOOK = """
client: tiny-air
name: Tiny Air
timezone: Europe/Berlin
brand:
  handles: ["@TinyAir"]
  terms: ["tiny air", "tinyair", "#tinyair"]
  competitors: {{Globex: ["globex"]}}
sources:
  - {{kind: file, path: exports/*.csv, name: exports}}
{extra}
sla:
  business_hours: {{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00", holidays: DE}}
  policies:
    - {{intent: complaint, first_response: 1h, business_hours: true}}
    - {{first_response: 4h}}
http: {{cache_dir: cache, retries: 0}}
"""


def write_part(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([HEADER, *(ROWS[i] for i in PARTS[name])]) + "\n", encoding="utf-8")
    return path


def make_playbook(root: Path, extra: str = "") -> Path:
    (root / "exports").mkdir(parents=True, exist_ok=True)
    path = root / "tiny.yaml"
    path.write_text(textwrap.dedent(PLAYBOOK.format(extra=extra)).lstrip(), encoding="utf-8")
    return path


def store_of(root: Path):
    return open_store(f"sqlite:///{root / 'reports' / 'tiny-air' / 'crm.sqlite'}")


def x_post(number: int, user: str, text: str, created: str, followers: int) -> tuple[dict, dict]:
    post = {
        "id": f"183000000000000000{number}",
        "author_id": f"150000000000000001{number}",
        "conversation_id": f"183000000000000000{number}",
        "created_at": created,
        "lang": "en",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
        "text": text,
    }
    author = {
        "id": post["author_id"],
        "name": user.title(),
        "username": user,
        "public_metrics": {"followers_count": followers},
    }
    return post, author


X1 = x_post(
    1, "ivy", "@TinyAir my bag is missing since Tuesday, terrible", "2026-09-05T09:00:00Z", 15000
)
X2 = x_post(2, "jon", "@TinyAir thanks for the quick help", "2026-09-05T10:00:00Z", 50)
X3 = x_post(3, "kim", "@TinyAir is the Lisbon route daily?", "2026-09-06T08:00:00Z", 20)


def x_page(*posts: tuple[dict, dict]) -> dict:
    if not posts:
        return {"meta": {"result_count": 0}}
    return {
        "data": [p for p, _ in reversed(posts)],  # newest first
        "includes": {"users": [a for _, a in posts]},
        "meta": {"result_count": len(posts)},
    }


# -- playbook and sources -----------------------------------------------------------------------


def test_window_defaults_to_28_days_and_must_be_a_day_or_more(tmp_path):
    path = make_playbook(tmp_path)
    assert load_playbook(path).window == dt.timedelta(days=28)
    path.write_text(path.read_text() + "window: 7d\n")
    assert load_playbook(path).window == dt.timedelta(days=7)
    path.write_text(path.read_text().replace("window: 7d", "window: 12h"))
    with pytest.raises(PlaybookError, match="window 12h is shorter than a day"):
        load_playbook(path)


def test_a_folder_source_reads_every_matching_file_as_one_source(tmp_path):
    path = make_playbook(tmp_path)
    for name in PARTS:
        write_part(tmp_path / "exports", name)
    read = read_mentions(load_playbook(path), NOW)
    assert sorted(read.mentions["mention_id"]) == sorted(i for i in ROWS if i != "t13")
    row = read.counts.iloc[0]
    assert (row["source"], row["read"], row["kept"], row["rejected"]) == ("exports", 13, 12, 1)
    assert "a.csv: 6 kept of 6" in row["notes"] and "c.csv: 2 kept of 3" in row["notes"]
    assert read.rejected["file"].tolist() == ["c.csv"]  # t13 has no text


def test_new_files_are_read_once_and_a_changed_file_again(tmp_path, caplog):
    path = make_playbook(tmp_path)
    a = write_part(tmp_path / "exports", "a.csv")
    playbook = load_playbook(path)
    sources, files, unchanged, lines = plan_file_sources(list(playbook.sources), {})
    assert [s.path for s in sources] == [a] and [s.label for s in sources] == ["exports"]
    assert unchanged == 0 and not lines
    seen = {(f.source, f.path): f for f in files}
    write_part(tmp_path / "exports", "b.csv")
    sources, files, unchanged, _ = plan_file_sources(list(playbook.sources), seen)
    assert [s.path.name for s in sources] == ["b.csv"] and unchanged == 1
    seen.update({(f.source, f.path): f for f in files})
    os.utime(a, (time.time() + 5, time.time() + 5))  # touched, same content: not read again
    sources, files, unchanged, lines = plan_file_sources(list(playbook.sources), seen)
    assert sources == [] and unchanged == 2 and [f.path for f in files] == [str(a)]
    seen.update({(f.source, f.path): f for f in files})
    a.write_text(a.read_text() + ROWS["t10"] + "\n")  # changed after it was read
    sources, files, unchanged, lines = plan_file_sources(list(playbook.sources), seen)
    assert [s.path.name for s in sources] == ["a.csv"] and unchanged == 1
    # 789 bytes (header and six rows), then 116 more for t10's line
    assert lines == [
        "a.csv (exports) changed since it was read (789 -> 905 bytes): reading it again"
    ]


# -- store: cursors, window, lock ---------------------------------------------------------------


def stored_mentions(*ids: str) -> pd.DataFrame:
    rows = pd.read_csv(TINY_CSV)
    rows = rows[rows["mention_id"].isin(ids)].copy()
    rows["created_at"] = pd.to_datetime(rows["created_at"], utc=True)
    rows["text_redacted"] = rows.pop("text")
    return rows


def test_window_selects_the_history_by_hand_computed_dates():
    # now 2026-09-10 12:00 UTC, window 7d: from 2026-09-03 12:00 UTC. Of the tiny posts,
    # t6 (09-04 14:45), t7 (09-07 07:30) and t10 (09-04 16:00) are inside; t9 (09-03 11:00)
    # and t12 (09-03 10:00) are just outside.
    start = window_start(NOW, dt.timedelta(days=7))
    assert start == dt.datetime(2026, 9, 3, 12, 0, tzinfo=dt.UTC)
    with open_store("sqlite:///:memory:") as store:
        store.upsert_mentions("tiny-air", stored_mentions(*ROWS))
        save_mention_metrics(store.engine, "tiny-air", stored_mentions(*ROWS))
        history = read_history(store.engine, "tiny-air", start)
    assert history["mention_id"].tolist() == ["t6", "t10", "t7"]
    t6, _, t7 = (history.iloc[i] for i in range(3))
    assert (t6["author_id"], t6["author_name"], t6["reach"], t6["is_brand"]) == (
        "dan",
        "Dan Example",
        12000,
        False,
    )
    assert (t7["author_id"], t7["in_reply_to_id"], t7["reach"]) == ("TinyAir", "t6", 50000)
    assert t6["text"] == "Tiny Air lost my luggage. Worst airline ever."
    assert set(history["source"]) == {"history"}


def test_window_input_joins_history_and_new_and_counts_them(tmp_path):
    with open_store("sqlite:///:memory:") as store:
        store.upsert_mentions("tiny-air", stored_mentions("t1", "t2", "t6"))
        history = read_history(store.engine, "tiny-air", window_start(NOW, dt.timedelta(28)))
    path = make_playbook(tmp_path)
    write_part(tmp_path / "exports", "b.csv")
    new = read_mentions(load_playbook(path), NOW)
    window = window_input(new, history, window_start(NOW, dt.timedelta(28)))
    assert window.mentions["mention_id"].tolist() == ["t1", "t2", "t11", "t8", "t9", "t6", "t7"]
    assert (
        window.counts["kept"].tolist() == [4, 3] and window.counts["source"].iloc[-1] == "history"
    )
    write_run_input(window, tmp_path)
    again = read_run_input(load_playbook(path), tmp_path)
    assert again.mentions["mention_id"].tolist() == window.mentions["mention_id"].tolist()
    assert not (tmp_path / "input_mentions.parquet").exists()  # raw text: removed once read


def test_cursors_are_stored_and_the_next_read_asks_only_for_newer_posts(
    tmp_path, local_server, monkeypatch
):
    monkeypatch.setenv("X_BEARER_TOKEN", "t0ken")
    local_server.route(X_SEARCH, Reply(body=x_page(X1, X2)), Reply(body=x_page(X3)))
    path = make_playbook(
        tmp_path, f"  - {{kind: x, query: tinyair, base_url: '{local_server.url}'}}"
    )
    playbook = load_playbook(path)
    with open_store("sqlite:///:memory:") as store:
        first = read_incoming(playbook, store.engine, now=NOW, cache_dir=tmp_path / "c1")
        assert first.read.mentions["mention_id"].tolist() == [X1[0]["id"], X2[0]["id"]]
        save_cursors(store.engine, "tiny-air", first.cursors)
        second = read_incoming(playbook, store.engine, now=NOW, cache_dir=tmp_path / "c2")
    assert second.read.mentions["mention_id"].tolist() == [X3[0]["id"]]
    asked = [r.param("since_id") for r in local_server.requests_to(X_SEARCH)]
    assert asked == [None, X2[0]["id"]]  # the newest post of the first read


def test_mentions_already_in_the_store_are_not_new(tmp_path):
    path = make_playbook(tmp_path)
    write_part(tmp_path / "exports", "a.csv")
    with open_store("sqlite:///:memory:") as store:
        store.upsert_mentions("tiny-air", stored_mentions("t1", "t2"))
        incoming = read_incoming(load_playbook(path), store.engine, now=NOW, cache_dir=tmp_path)
    assert incoming.read.mentions["mention_id"].tolist() == ["t3", "t4", "t5", "t6"]
    row = incoming.read.counts.iloc[0]
    assert (row["read"], row["kept"], row["outside"]) == (6, 4, 2)
    assert row["notes"].endswith("2 already in the history")


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_second_run_is_refused_with_one_line_naming_the_holder(tmp_path, capsys):
    path = make_playbook(tmp_path)
    write_part(tmp_path / "exports", "a.csv")
    holder = os.getppid()  # alive, on this host, not us
    with store_of(tmp_path) as store, store.engine.begin() as conn:
        conn.execute(
            insert(run_locks).values(
                client="tiny-air",
                pid=holder,
                host=socket.gethostname(),
                started_at=NOW,
                command="socialcrm watch",
            )
        )
    code = main(["run", str(path), "--incremental", "--out", str(tmp_path / "reports")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 75 and len(err) == 1
    assert err[0] == (
        f"error: tiny-air is already running: pid {holder} on {socket.gethostname()} since "
        "2026-09-10 12:00:00 UTC (socialcrm watch); this run stops (the lock is in the store's "
        "run_locks table and goes when that run ends)"
    )
    summary = watch_playbook(
        path,
        dt.timedelta(seconds=1),
        out=tmp_path / "reports",
        cycles=1,
        progress=lambda line: None,
    )
    assert (summary.skipped, summary.runs) == (1, 0)


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, caplog):
    with open_store("sqlite:///:memory:") as store:
        with store.engine.begin() as conn:
            conn.execute(
                insert(run_locks).values(
                    client="tiny-air", pid=_dead_pid(), host=socket.gethostname(), started_at=NOW
                )
            )
        lock = acquire_lock(store.engine, "tiny-air", "socialcrm run --incremental")
        assert lock.pid == os.getpid()
        assert "took over the stale run lock of pid" in caplog.text
        assert release_lock(store.engine, lock)
        other = acquire_lock(store.engine, "tiny-air")  # free again
        assert release_lock(store.engine, other)


def test_nothing_new_is_one_line_in_seconds_without_a_run(tmp_path, capsys):
    path = make_playbook(tmp_path)
    a = write_part(tmp_path / "exports", "a.csv")
    with store_of(tmp_path) as store:  # as if a run had read a.csv and stored its mentions
        store.upsert_mentions("tiny-air", stored_mentions(*PARTS["a.csv"]))
        from socialcrm_utils.engine.incremental import file_fingerprint

        save_seen_files(store.engine, "tiny-air", [file_fingerprint(a, "exports")])
    started = time.monotonic()
    code = main(["run", str(path), "--incremental", "--out", str(tmp_path / "reports")])
    seconds = time.monotonic() - started
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and out == ["nothing new for tiny-air: 1 file unchanged; no run"]
    assert seconds < 10
    assert [p.name for p in (tmp_path / "reports" / "tiny-air").iterdir()] == ["crm.sqlite"]


# -- end to end: three cycles of watch against one full run -------------------------------------

ALERTS = """
  - {{kind: x, query: tinyair, base_url: '{url}'}}
alerts:
  rules:
    - {{kind: reach_complaint, min_reach: 10000}}
  channels:
    - {{kind: webhook, url: '{url}/hook', name: crm}}
  retries: 0
"""

STORED = {
    "interactions": [
        "platform",
        "mention_id",
        "brand_handle",
        "conversation_id",
        "in_reply_to_id",
        "created_at",
        "is_brand",
        "intent",
        "priority",
        "sentiment",
        "sentiment_label",
        "lang",
        "url",
        "text_redacted",
    ],
    "identities": ["platform", "author_id", "display_name", "first_seen", "last_seen"],
    "contacts": ["display_name", "first_seen", "last_seen"],
    "cases": [
        "platform",
        "conversation_id",
        "intent",
        "priority",
        "policy",
        "opened_at",
        "first_response_at",
        "resolved_at",
        "status",
        "resolution_status",
        "due_at",
        "url",
    ],
}


def stored_rows(root: Path) -> dict[str, pd.DataFrame]:
    with store_of(root) as store:
        tables = {name: store.read(name, "tiny-air")[cols] for name, cols in STORED.items()}
    return {
        name: frame.sort_values(cols).reset_index(drop=True)
        for (name, frame), cols in zip(tables.items(), STORED.values(), strict=True)
    }


def posted_alerts(server) -> list[tuple[str, str, str]]:
    return sorted(
        (b["rule"], b["window"], b["subject"])
        for b in (r.json() for r in server.requests_to("/hook"))
    )


@pytest.mark.e2e
def test_watch_three_cycles_fetches_nothing_twice_and_stores_what_one_full_run_does(
    tmp_path, monkeypatch
):
    from tests.httpserver import LocalServer

    monkeypatch.setenv("X_BEARER_TOKEN", "t0ken")
    watched, full = tmp_path / "watched", tmp_path / "full"
    with LocalServer() as server, LocalServer() as once:
        server.route(
            X_SEARCH, Reply(body=x_page(X1, X2)), Reply(body=x_page()), Reply(body=x_page(X3))
        )
        server.route("/hook", Reply(200, body={"ok": True}), method="POST")
        path = make_playbook(watched, ALERTS.format(url=server.url))
        write_part(watched / "exports", "a.csv")
        added = {1: "b.csv", 2: "c.csv"}
        lines: list[str] = []
        summary = watch_playbook(
            path,
            dt.timedelta(seconds=1),
            out=watched / "reports",
            cycles=3,
            report=False,
            after_cycle=lambda n: n in added and write_part(watched / "exports", added[n]),
            now=lambda: NOW,
            progress=lines.append,
        )
        assert (summary.runs, summary.failed, summary.skipped) == (3, 0, 0), lines
        # each cycle read only its new data: 6 + 2 posts, then 4, then 2 + 1 (t13: no text)
        assert [r.new for r in summary.results] == [8, 4, 3]
        asked = [r.param("since_id") for r in server.requests_to(X_SEARCH)]
        assert asked == [None, X2[0]["id"], X2[0]["id"]]
        with store_of(watched) as store:
            files = read_seen_files(store.engine, "tiny-air")
        assert sorted(Path(p).name for _, p in files) == ["a.csv", "b.csv", "c.csv"]
        # the same data in one full run
        once.route(X_SEARCH, Reply(body=x_page(X1, X2, X3)))
        once.route("/hook", Reply(200, body={"ok": True}), method="POST")
        path_full = make_playbook(full, ALERTS.format(url=once.url))
        for name in PARTS:
            write_part(full / "exports", name)
        assert main(["run", str(path_full), "--out", str(full / "reports"), "--no-report"]) == 0
        watched_alerts, full_alerts = posted_alerts(server), posted_alerts(once)
    assert watched_alerts == full_alerts and len(set(watched_alerts)) == len(watched_alerts)
    assert {s for _, _, s in watched_alerts} == {"facebook:t6", f"x:{X1[0]['id']}"}
    mine, theirs = stored_rows(watched), stored_rows(full)
    for name in STORED:
        pd.testing.assert_frame_equal(mine[name], theirs[name], check_dtype=False, obj=name)
    assert len(mine["interactions"]) == 15


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.sqlite'}"
    return request.getfixturevalue("postgres_url")


def test_store_tables_work_on_sqlite_and_postgresql(any_store_url):
    client = f"inc-{os.getpid()}-{time.monotonic_ns()}"  # a shared PostgreSQL database
    with open_store(any_store_url) as store:
        save_cursors(store.engine, client, {"x:'a'": {"last_id": "7", "ids_at_newest": ["7"]}})
        save_cursors(store.engine, client, {"x:'a'": {"last_id": "9", "ids_at_newest": ["9"]}})
        assert read_cursors(store.engine, client) == {
            "x:'a'": {"last_id": "9", "ids_at_newest": ["9"]}
        }
        store.upsert_mentions(client, stored_mentions("t6", "t7"))
        assert save_mention_metrics(store.engine, client, stored_mentions("t6", "t7")) == 2
        history = read_history(store.engine, client, NOW - dt.timedelta(days=28))
        assert history["reach"].tolist() == [12000, 50000]
        store.forget(client, "dan")  # the erased mention's counts go with it
        with store.engine.connect() as conn:
            left = conn.execute(
                select(mention_metrics.c.mention_id).where(mention_metrics.c.client == client)
            ).scalars()
            kept = set(store.read("interactions", client)["mention_id"])
            assert set(left) == kept and "t6" not in kept
        lock = acquire_lock(store.engine, client)
        assert release_lock(store.engine, lock)


def test_watch_ends_on_sigterm_with_exit_0_and_one_line(tmp_path):
    import signal
    import subprocess
    import sys

    path = make_playbook(tmp_path)  # an empty folder source: every cycle finds nothing new
    command = [
        sys.executable,
        "-m",
        "socialcrm_utils.cli",
        "watch",
        str(path),
        "--every",
        "1h",
        "--out",
        str(tmp_path / "reports"),
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as watch:
        assert watch.stdout.readline().startswith("cycle 1 at ")
        assert watch.stdout.readline() == "nothing new for tiny-air: no source to read; no run\n"
        assert watch.stdout.readline().startswith("next cycle at ")  # waiting now
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0 and err == ""
    assert out.splitlines() == [
        "watch stopped (SIGTERM) after 1 cycle: 0 run, 1 with nothing new, 0 skipped (locked), "
        "0 failed"
    ]
