"""End to end on feeds: `socialcrm run` of a playbook whose sources are all feeds and APIs.

A local HTTP server on 127.0.0.1 serves the recorded payloads of ``tests/payloads`` (an RSS blog
search, an Atom web alert, a Mastodon tag timeline over two pages, a Reddit search over two pages,
a Hacker News search over two pages) and one source that always fails with HTTP 500. The six
notebooks run in their own kernels, so this also checks that the notebooks cope with a few dozen
mentions from five platforms, with a failing source, and without any file export.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from socialcrm_utils.artifacts import read_artifact
from socialcrm_utils.cli import main

from .httpserver import LocalServer, Reply, payload

pytestmark = pytest.mark.e2e

TAG_PATH = "/api/v1/timelines/tag/acmeair"
REDDIT_PATH = "/r/flights/search.json"
HN_PATH = "/api/v1/search_by_date"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml"}


@pytest.fixture(scope="module")
def feed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feeds")
    with LocalServer() as server:
        base = server.url
        link = f'<{base}{TAG_PATH}?limit=40&max_id=112400000000000003>; rel="next"'
        server.route(
            TAG_PATH,
            Reply(body=json.loads(payload("mastodon_tag_page1.json")), headers={"Link": link}),
            Reply(body=json.loads(payload("mastodon_tag_page2.json"))),
            Reply(body=[]),
        )
        server.route(
            REDDIT_PATH,
            Reply(body=json.loads(payload("reddit_search_page1.json"))),
            Reply(body=json.loads(payload("reddit_search_page2.json"))),
        )
        server.route(
            HN_PATH,
            Reply(body=json.loads(payload("hackernews_search_page0.json"))),
            Reply(body=json.loads(payload("hackernews_search_page1.json"))),
        )
        server.route("/blog.rss", Reply(200, RSS, payload("blog_search.rss.xml")))
        server.route("/alerts.atom", Reply(200, ATOM, payload("web_alerts.atom.xml")))
        server.route("/broken.rss", Reply(500, body="Internal Server Error"))
        playbook = tmp / "feeds.yaml"
        playbook.write_text(
            f"""\
client: acme-feeds
name: Acme Air (feeds)
language: en
timezone: Europe/Berlin
brand:
  handles: ["@AcmeAir"]
  terms: ["acme air", "acmeair", "#acmeair"]
  competitors: {{Globex: ["globex"]}}
sources:
  - {{kind: mastodon, instance: "{base}", tag: acmeair}}
  - {{kind: reddit, query: acme air, subreddit: flights, base_url: "{base}"}}
  - {{kind: hackernews, query: acme air, base_url: "{base}"}}
  - {{kind: rss, url: "{base}/blog.rss", platform: blogs}}
  - {{kind: rss, url: "{base}/alerts.atom", platform: web}}
  - {{kind: rss, url: "{base}/broken.rss", name: broken-feed}}
goals:
  - {{metric: response_rate, target: 0.9, by: 2099-12-31}}
sla:
  policies:
    - {{first_response: 1h}}
http: {{cache_dir: "{tmp / "cache"}", retries: 1, backoff: 0}}
""",
            encoding="utf-8",
        )
        out = tmp / "reports"
        code = main(["run", str(playbook), "--out", str(out)])
    runs = [p for p in (out / "acme-feeds").iterdir() if p.is_dir() and p.name != "latest"]
    return code, runs[0], server


def test_feed_playbook_runs_all_six_notebooks(feed_run):
    code, run_dir, _ = feed_run
    assert code == 0
    for name in (
        "mentions.parquet",
        "mentions_scored.parquet",
        "platforms.csv",
        "sla.csv",
        "kpis.json",
        "content_calendar.csv",
        "report.html",
    ):
        assert (run_dir / name).is_file(), name


def test_every_feed_is_read_and_the_failing_one_is_reported(feed_run):
    _, run_dir, server = feed_run
    counts = pd.DataFrame(read_artifact(run_dir, "import_counts.json")).set_index("source")
    # 5 Mastodon statuses over two pages, 5 Reddit posts, 5 Hacker News hits over two pages.
    assert counts.loc["mastodon:#acmeair", "kept"] == 5
    assert counts.loc["reddit:'acme air'", "kept"] == 5
    assert counts.loc["hackernews:'acme air'", "kept"] == 5
    assert (counts.drop(index="broken-feed")["status"] == "ok").all()
    assert "HTTP 500" in counts.loc["broken-feed", "status"]
    assert len(server.requests_to("/broken.rss")) == 2  # one retry, then reported

    mentions = pd.read_parquet(run_dir / "mentions.parquet")
    assert set(mentions["platform"]) == {"mastodon", "reddit", "hackernews", "blogs", "web"}
    assert "text" not in mentions.columns and mentions["text_redacted"].str.len().gt(0).all()


def test_notebook_01_shows_per_source_counts_and_the_failure(feed_run):
    _, run_dir, _ = feed_run
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "broken-feed" in html and "HTTP 500" in html
    platforms = pd.read_csv(run_dir / "platforms.csv")
    assert {"mastodon", "reddit", "hackernews"} <= set(platforms["platform"])
