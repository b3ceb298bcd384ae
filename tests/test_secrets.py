"""Secrets: URL credentials are masked everywhere; every HTTP request has an overall deadline.

Feeds are served from a server on 127.0.0.1 (never the internet). The end-to-end case runs all
six steps on feeds whose URLs carry ``user:secret@`` and ``?token=s3cr3t`` and then searches
every file the run wrote (run folder, store, HTTP cache) and everything it printed or logged.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from socialcrm_utils.cli import main
from socialcrm_utils.credentials import MaskSecretsFilter, mask_url, mask_urls_in_text
from socialcrm_utils.exceptions import SourceError
from socialcrm_utils.playbook import Http, Playbook, RssSource, display_store_url
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.sources.feeds import fetch_source
from socialcrm_utils.sources.http import HttpClient
from socialcrm_utils.store import StoreError, open_store
from tests.httpserver import LocalServer, Reply, local_server_fixture, payload  # noqa: F401

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml"}
TAG_PATH = "/api/v1/timelines/tag/acmeair"
NEEDLES = ("secret", "s3cr3t")

# ---------------------------------------------------------------------------------------------
# mask_url / mask_urls_in_text: known answers

URL_CASES = [
    ("https://user:secret@feeds.example/a.rss", "https://user:***@feeds.example/a.rss"),
    ("https://feeds.example/a.rss?token=s3cr3t", "https://feeds.example/a.rss?token=***"),
    (
        "https://user:secret@x.example/f?q=acme&TOKEN=s3cr3t&limit=5",
        "https://user:***@x.example/f?q=acme&TOKEN=***&limit=5",
    ),
    ("https://ghp_s3cr3t@api.example/v1", "https://***@api.example/v1"),  # a token as user
    ("https://user:p@ss:w0rd@x.example/", "https://user:***@x.example/"),  # raw '@' in it
    (
        "https://x.example/?access_token=a&api_key=b&apikey=c&key=d&secret=e&password=f",
        "https://x.example/?access_token=***&api_key=***&apikey=***&key=***&secret=***"
        "&password=***",
    ),
    (
        "https://x.example/?sig=a&signature=b&auth=c&client_secret=d&private_token=e",
        "https://x.example/?sig=***&signature=***&auth=***&client_secret=***&private_token=***",
    ),
    (
        "https://s3.example/o?X-Amz-Signature=abc&X-Amz-Security-Token=def&x-api-key=g",
        "https://s3.example/o?X-Amz-Signature=***&X-Amz-Security-Token=***&x-api-key=***",
    ),
    (
        "https://app.example/cb#access_token=abc&state=1",
        "https://app.example/cb#access_token=***&state=1",
    ),
    # nothing secret: unchanged, byte for byte
    (
        "https://mastodon.social/@acme/1099?limit=40&max_id=7",
        "https://mastodon.social/@acme/1099?limit=40&max_id=7",
    ),
    (
        "https://www.reddit.com/r/flights/search.json?q=acme+air&sort=new",
        "https://www.reddit.com/r/flights/search.json?q=acme+air&sort=new",
    ),
    ("https://x.example/?token=", "https://x.example/?token="),  # empty value: nothing to hide
    ("https://user:***@x.example/?token=***", "https://user:***@x.example/?token=***"),
]


@pytest.mark.parametrize(("url", "expected"), URL_CASES)
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected
    assert mask_url(expected) == expected  # idempotent


TEXT_CASES = [
    (
        "GET http://user:secret@127.0.0.1:8/a?token=s3cr3t: HTTP 500",
        "GET http://user:***@127.0.0.1:8/a?token=***: HTTP 500",
    ),
    # urllib3's messages name the path only
    (
        "Max retries exceeded with url: /feed.xml?limit=5&token=s3cr3t (Caused by X)",
        "Max retries exceeded with url: /feed.xml?limit=5&token=*** (Caused by X)",
    ),
    (
        '"GET /feed.xml?api_key=s3cr3t HTTP/1.1" 200 512',
        '"GET /feed.xml?api_key=*** HTTP/1.1" 200 512',
    ),
    (
        '<link href="https://x.example/f?token=s3cr3t" rel="self"/>',
        '<link href="https://x.example/f?token=***" rel="self"/>',
    ),
    ("mail ann@example.com about token=s3 and a@b", "mail ann@example.com about token=s3 and a@b"),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_mask_urls_in_text(text: str, expected: str) -> None:
    assert mask_urls_in_text(text) == expected


@pytest.mark.parametrize("value", [None, float("nan"), 3])
def test_mask_url_passes_non_text_through(value: Any) -> None:
    assert mask_url(value) is value


def test_log_filter_masks_third_party_lines() -> None:
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        "x",
        1,
        '%s://%s:%s "%s %s %s" %s %s',
        ("http", "127.0.0.1", 80, "GET", "/f?token=s3cr3t", "HTTP/1.1", 200, 10),
        None,
    )
    assert MaskSecretsFilter().filter(record)
    assert record.getMessage() == 'http://127.0.0.1:80 "GET /f?token=*** HTTP/1.1" 200 10'


# ---------------------------------------------------------------------------------------------
# Store URLs in messages

STORE_CASES = [
    (
        "postgresql+psycopg://crm:secret@db.example:5432/crm",
        "postgresql+psycopg://crm:***@db.example:5432/crm",
    ),
    ("postgresql+psycopg://crm@db.example/crm", "postgresql+psycopg://crm@db.example/crm"),
    (
        "postgresql+psycopg://crm:secret@db.example/crm?sslpassword=s3cr3t&sslmode=require",
        "postgresql+psycopg://crm:***@db.example/crm?sslmode=require&sslpassword=***",
    ),
    ("sqlite:////srv/reports/acme/crm.sqlite", "sqlite:////srv/reports/acme/crm.sqlite"),
]


@pytest.mark.parametrize(("url", "expected"), STORE_CASES)
def test_store_url_display(url: str, expected: str) -> None:
    assert display_store_url(url) == expected
    playbook = Playbook.model_validate(
        {
            "client": "acme",
            "name": "Acme",
            "brand": {"handles": ["@Acme"]},
            "store": url,
            "sources": [{"kind": "rss", "url": "https://x.example/f"}],
        }
    )
    assert playbook.store_url_display == expected


def test_validate_prints_the_store_password_masked(write_playbook, capsys) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "mentions.csv"
    path = write_playbook(f"""
        client: acme
        name: Acme
        brand: {{handles: ["@Acme"]}}
        sources:
          - {{kind: file, path: "{sample}"}}
          - {{kind: rss, url: "https://user:secret@feeds.example/a.rss?token=s3cr3t"}}
        store: postgresql+psycopg://crm:secret@db.example:5432/crm
    """)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr()
    assert "store      postgresql+psycopg://crm:***@db.example:5432/crm" in out.out
    assert "rss:https://user:***@feeds.example/a.rss?token=***" in out.out
    assert not [n for n in NEEDLES if n in out.out + out.err]


def test_store_errors_mask_the_password() -> None:
    with pytest.raises(StoreError) as err:
        open_store("mysql://crm:secret@db.example/crm")
    assert "crm:***@db.example" in str(err.value) and "secret" not in str(err.value)


# ---------------------------------------------------------------------------------------------
# The HTTP client: messages, logs and cache carry no credential


@pytest.fixture
def client(tmp_path: Path) -> Iterator[HttpClient]:
    http = Http.model_validate({"cache_dir": str(tmp_path / "cache"), "retries": 1, "backoff": 0})
    with HttpClient(http, sleep=lambda _: None) as made:
        yield made


def secret_url(server: LocalServer, path: str, param: str = "token") -> str:
    return server.url.replace("http://", "http://user:secret@") + f"{path}?{param}=s3cr3t"


def files_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file())


def test_credentials_reach_the_server_but_not_the_cache(local_server, client, tmp_path, caplog):
    body = payload("web_alerts.atom.xml").replace(
        "https://alerts.example.com/alerts/feeds/0815/4711",
        local_server.url + "/alerts.atom?access_token=s3cr3t",
    )  # the feed repeats its URL
    local_server.route("/alerts.atom", Reply(200, ATOM, body))
    url = secret_url(local_server, "/alerts.atom", "access_token")
    caplog.set_level(logging.DEBUG, logger="socialcrm_utils")
    first, again = client.get(url), client.get(url)
    [request] = local_server.requests  # the second answer came from the cache
    assert request.param("access_token") == "s3cr3t"
    assert request.headers["authorization"] == "Basic dXNlcjpzZWNyZXQ="  # user:secret
    assert "access_token=s3cr3t" in first.text and "access_token=***" in again.text
    assert first.url == again.url == mask_url(url)
    cached = files_text(tmp_path / "cache")
    assert "access_token=***" in cached and not [n for n in NEEDLES if n in cached]
    assert "from the cache" in caplog.text and not [n for n in NEEDLES if n in caplog.text]


@pytest.mark.parametrize(
    ("status", "expected"),
    [(500, "HTTP 500 Internal Server Error after 2 attempts"), (404, "HTTP 404 Not Found")],
)
def test_http_errors_and_warnings_are_masked(local_server, client, caplog, status, expected):
    local_server.route("/f", Reply(status, body="no"))
    caplog.set_level(logging.DEBUG, logger="socialcrm_utils")
    with pytest.raises(SourceError) as err:
        client.get_text(secret_url(local_server, "/f"))
    message = str(err.value)
    assert f"GET {local_server.url.replace('//', '//user:***@')}/f?token=***: {expected}" in message
    assert not [n for n in NEEDLES if n in message + caplog.text]


def test_connection_errors_are_masked(client):
    with LocalServer() as server:  # started and stopped: its port now refuses connections
        url = secret_url(server, "/f")
    with pytest.raises(SourceError, match="cannot connect") as err:
        client.get_text(url)
    assert not [n for n in NEEDLES if n in str(err.value)]


def test_feed_rows_and_labels_are_masked(local_server, client):
    rss = payload("blog_search.rss.xml").replace(
        "<link>https://aviation-notes.example.org/acme-air-lisbon</link>",
        "<link>/posts/lisbon</link>",
    )  # a relative link resolves against the feed's URL
    local_server.route("/blog.rss", Reply(200, RSS, rss))
    local_server.route(
        TAG_PATH, Reply(body=json.loads(payload("mastodon_tag_page2.json"))), Reply(body=[])
    )
    source = RssSource(kind="rss", url=secret_url(local_server, "/blog.rss"))
    frame = fetch_source(source, Http(), client=client)
    host = local_server.url.removeprefix("http://")
    assert source.label == f"rss:http://user:***@{host}/blog.rss?token=***"
    assert f"http://user:***@{host}/posts/lisbon" in frame["url"].tolist()

    mastodon = Playbook.model_validate(
        {
            "client": "acme",
            "name": "Acme",
            "brand": {"handles": ["@Acme"]},
            "sources": [
                {
                    "kind": "mastodon",
                    "tag": "acmeair",
                    "instance": local_server.url.replace("//", "//user:secret@"),
                }
            ],
        }
    ).sources[0]
    statuses = fetch_source(mastodon, Http(), client=client)
    assert statuses["mention_id"].str.startswith(f"{host}:").all()  # no userinfo in the ids
    for table in (frame, statuses):
        text = table.to_csv()
        assert not [n for n in NEEDLES if n in text]


# ---------------------------------------------------------------------------------------------
# Credentials from environment variables: ${NAME} in a URL is filled in for the request only


def test_env_placeholders_are_filled_in_for_the_request_only(
    local_server, client, tmp_path, monkeypatch
):
    monkeypatch.setenv("FEED_PASS", "secret")
    monkeypatch.setenv("FEED_TOKEN", "s3cr3t")
    local_server.route("/blog.rss", Reply(200, RSS, payload("blog_search.rss.xml")))
    url = local_server.url.replace("//", "//user:${FEED_PASS}@") + "/blog.rss?token=${FEED_TOKEN}"
    source = RssSource(kind="rss", url=url)
    frame = fetch_source(source, Http(), client=client)
    [request] = local_server.requests
    assert request.param("token") == "s3cr3t"
    assert request.headers["authorization"] == "Basic dXNlcjpzZWNyZXQ="  # user:secret
    assert len(frame) == 3 and source.label == "rss:" + mask_url(url)
    assert not [n for n in NEEDLES if n in files_text(tmp_path / "cache") + frame.to_csv()]


def test_an_unset_variable_is_named(local_server, client, monkeypatch):
    monkeypatch.delenv("FEED_TOKEN", raising=False)
    with pytest.raises(
        SourceError,
        match=r"the environment variable FEED_TOKEN is not set "
        r"\(the source's URL names \$\{FEED_TOKEN\}\)",
    ):
        client.get_text(local_server.url + "/f?token=${FEED_TOKEN}")
    assert local_server.requests == []


def test_expanded_values_do_not_reach_messages(client, monkeypatch):
    monkeypatch.setenv("FEED_QUERY", "s3cr3t-query")  # a parameter whose name looks harmless
    with LocalServer() as server:  # stopped: connections are refused
        url = server.url + "/f"
    with pytest.raises(SourceError, match="cannot connect") as err:
        client.get_text(url, {"q": "${FEED_QUERY}"})
    assert "q=${FEED_QUERY}" in str(err.value) and "s3cr3t" not in str(err.value)


# ---------------------------------------------------------------------------------------------
# Deadline: a server that drips its answer cannot hold a source


class DripServer:
    """Answers every GET one byte every ``interval`` seconds (``phase``: headers or body)."""

    def __init__(self, phase: str, interval: float = 0.25) -> None:
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.close_connection = True
                body = payload("blog_search.rss.xml").encode()
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                if phase == "body":
                    self.wfile.write(head)
                    head = b""
                try:
                    for byte in head + body:
                        if outer.stop.is_set():
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(interval)
                except OSError:
                    return  # the client gave up

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DripServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("phase", ["body", "headers"])
def test_a_dripping_server_fails_the_source_at_the_deadline(local_server, tmp_path, phase):
    local_server.route("/blog.rss", Reply(200, RSS, payload("blog_search.rss.xml")))
    with DripServer(phase) as slow:
        playbook = Playbook.model_validate(
            {
                "client": "acme",
                "name": "Acme",
                "brand": {"handles": ["@Acme"]},
                "sources": [
                    {"kind": "rss", "name": "slow-feed", "url": slow.url + "/drip.rss"},
                    {"kind": "rss", "name": "blog", "url": local_server.url + "/blog.rss"},
                ],
                "http": {
                    "deadline": "2s",
                    "timeout": 20,
                    "retries": 2,
                    "cache_dir": str(tmp_path / "cache"),
                },
            }
        )
        started = time.monotonic()
        result = read_mentions(playbook)
        elapsed = time.monotonic() - started
    assert elapsed < 3.5  # one attempt of 2 s, not retried, not 20 s of socket timeout
    counts = result.counts.set_index("source")
    assert counts.loc["blog", "status"] == "ok" and counts.loc["blog", "kept"] == 2
    status = counts.loc["slow-feed", "status"]
    assert (
        "source 'slow-feed': GET " + slow.url + "/drip.rss: no complete answer within the "
        "deadline of 2 s (http.deadline)"
    ) in status
    assert "\n" not in status
    assert result.failed == ["slow-feed"]


def test_deadline_is_a_playbook_duration():
    assert Http().deadline.total_seconds() == 60
    assert Http.model_validate({"deadline": "1m30s"}).deadline.total_seconds() == 90
    with pytest.raises(ValueError, match="must be longer than zero"):
        Http.model_validate({"deadline": "0s"})


# ---------------------------------------------------------------------------------------------
# End to end: all six steps, then search everything the run left behind


def find_secrets(roots: list[Path], needles: tuple[str, ...] = NEEDLES) -> list[str]:
    """``file: needle`` for every file under ``roots`` holding a needle (any case).

    Parquet is searched decoded (its pages may be compressed), SQLite as a dump and as bytes.
    """
    found = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            raw = path.read_bytes()
            texts = [raw.decode("latin-1")]
            if path.suffix == ".parquet":
                texts.append(pd.read_parquet(path).to_csv())
            if raw.startswith(b"SQLite format 3"):
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                    texts.append("\n".join(db.iterdump()))
            for needle in needles:
                for text in texts:
                    if (at := text.lower().find(needle)) >= 0:
                        found.append(f"{path}: ...{text[max(0, at - 60) : at + 20]}...")
                        break
    return found


@pytest.mark.e2e
def test_run_on_feeds_with_credentials_leaves_no_secret(tmp_path, capfd):
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    printed = io.StringIO()
    try:
        with LocalServer() as server:
            creds = server.url.replace("http://", "http://user:secret@")
            host = server.url.removeprefix("http://")
            atom = (
                payload("web_alerts.atom.xml")
                .replace(
                    "https://alerts.example.com/alerts/feeds/0815/4711",
                    f"{creds}/alerts.atom?access_token=s3cr3t",
                )
                .replace("https://forum.example.de/t/acme-air-erfahrungen/9921", "/t/9921")
            )
            server.route("/blog.rss", Reply(200, RSS, payload("blog_search.rss.xml")))
            server.route("/alerts.atom", Reply(200, ATOM, atom))
            server.route(
                TAG_PATH,
                Reply(body=json.loads(payload("mastodon_tag_page1.json"))),
                Reply(body=json.loads(payload("mastodon_tag_page2.json"))),
                Reply(body=[]),
            )
            server.route("/broken.rss", Reply(500, body="Internal Server Error"))
            playbook = tmp_path / "feeds.yaml"
            playbook.write_text(
                f"""\
client: acme-creds
name: Acme Air (credentials)
language: en
brand:
  handles: ["@AcmeAir"]
  terms: ["acme air", "acmeair", "#acmeair"]
sources:
  - {{kind: rss, url: "{creds}/blog.rss?token=s3cr3t", platform: blogs}}
  - {{kind: rss, url: "{server.url}/alerts.atom?access_token=s3cr3t", platform: web}}
  - {{kind: mastodon, instance: "{creds}", tag: acmeair}}
  - {{kind: rss, url: "{creds}/broken.rss?token=s3cr3t"}}
goals:
  - {{metric: response_rate, target: 0.9, by: 2099-12-31}}
sla:
  policies:
    - {{first_response: 1h}}
http: {{cache_dir: "{tmp_path / "cache"}", retries: 1, backoff: 0}}
""",
                encoding="utf-8",
            )
            out = tmp_path / "reports"
            with redirect_stdout(printed):
                code = main(["run", str(playbook), "--out", str(out)])
            assert all(
                r.param("token") or r.param("access_token") or r.path == TAG_PATH
                for r in server.requests
            )  # the real URL was used for the requests
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    captured = capfd.readouterr()
    assert code == 0, captured.err
    run_dir = next(p for p in (out / "acme-creds").iterdir() if p.is_dir() and p.name != "latest")

    # The masked forms are there: labels, failure, links resolved against the feed's URL.
    counts = pd.DataFrame(json.loads((run_dir / "import_counts.json").read_text()))
    assert f"rss:http://user:***@{host}/blog.rss?token=***" in counts["source"].tolist()
    broken = counts.set_index("source").loc[f"rss:http://user:***@{host}/broken.rss?token=***"]
    assert "HTTP 500" in broken["status"]
    mentions = pd.read_parquet(run_dir / "mentions.parquet")
    assert f"http://{host}/t/9921" in mentions["url"].tolist()
    assert (out / "acme-creds" / "crm.sqlite").is_file()
    assert list((tmp_path / "cache").rglob("*.json"))

    assert find_secrets([out, tmp_path / "cache"]) == []
    said = printed.getvalue() + log.getvalue() + captured.out + captured.err
    assert [n for n in NEEDLES if n in said.lower()] == []
