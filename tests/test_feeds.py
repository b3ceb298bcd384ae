"""Feeds and APIs over HTTP, against a scripted server on 127.0.0.1 (never the internet).

Payloads in tests/payloads/ have the shapes the real APIs send, with invented content.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from socialcrm_utils.exceptions import SourceError
from socialcrm_utils.playbook import (
    HackerNewsSource,
    Http,
    MastodonSource,
    Playbook,
    RedditSource,
    RssSource,
)
from socialcrm_utils.schema import CANONICAL_COLUMNS
from socialcrm_utils.sources import read_mentions, read_source
from socialcrm_utils.sources.feeds import FEED_COLUMNS, fetch_source
from socialcrm_utils.sources.http import DEFAULT_USER_AGENT, HttpClient, cache_key
from tests.httpserver import LocalServer, Reply, local_server_fixture, payload  # noqa: F401

NOW = dt.datetime(2026, 5, 5, 12, 0, tzinfo=dt.UTC).timestamp()
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml"}
TAG_PATH = "/api/v1/timelines/tag/acmeair"
REDDIT_PATH = "/r/flights/search.json"
HN_PATH = "/api/v1/search_by_date"


class Clock:
    """A settable clock; the fake sleep records waits without advancing it."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_client(tmp_path: Path, sleeps: list[float], clock: Clock):
    """HttpClient factory: cache in tmp_path, fake sleep and clock, small back-off."""
    clients: list[HttpClient] = []

    def make(**settings: Any) -> HttpClient:
        http = Http.model_validate(
            {"cache_dir": str(tmp_path / "cache"), "retries": 2, "backoff": 0.5, **settings}
        )
        client = HttpClient(http, sleep=sleeps.append, clock=clock)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def json_payload(name: str) -> Any:
    return json.loads(payload(name))


def mastodon(server: LocalServer, **fields: Any) -> MastodonSource:
    return MastodonSource.model_validate(
        {"kind": "mastodon", "instance": server.url, "tag": "acmeair", **fields}
    )


def reddit(server: LocalServer, **fields: Any) -> RedditSource:
    return RedditSource.model_validate(
        {
            "kind": "reddit",
            "query": "acme air",
            "subreddit": "flights",
            "base_url": server.url,
            **fields,
        }
    )


def hackernews(server: LocalServer, **fields: Any) -> HackerNewsSource:
    return HackerNewsSource.model_validate(
        {"kind": "hackernews", "query": "acme air", "base_url": server.url, **fields}
    )


def rss(server: LocalServer, path: str = "/feed.xml", **fields: Any) -> RssSource:
    return RssSource.model_validate({"kind": "rss", "url": server.url + path, **fields})


def link_next(server: LocalServer, max_id: str) -> dict[str, str]:
    base = server.url + TAG_PATH
    return {
        "Link": f'<{base}?limit=40&max_id={max_id}>; rel="next", '
        f'<{base}?limit=40&min_id=112400000000000005>; rel="prev"'
    }


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["mention_id"].tolist()


# ---------------------------------------------------------------------------------------------
# HttpClient: retries, Retry-After, errors, timeouts, cache, User-Agent


def test_user_agent_is_sent(local_server, make_client):
    local_server.route("/a", Reply(body={"ok": True}))
    make_client().get_json(local_server.url + "/a")
    make_client(user_agent="acme-listening/2.0 (ops@acme.example)").get_json(
        local_server.url + "/a", use_cache=False
    )
    agents = [r.headers["user-agent"] for r in local_server.requests]
    assert agents == [DEFAULT_USER_AGENT, "acme-listening/2.0 (ops@acme.example)"]
    assert DEFAULT_USER_AGENT.startswith("socialcrm-suite/")
    assert "(+https://github.com/socialcrm/socialcrm-suite)" in DEFAULT_USER_AGENT


def test_429_with_retry_after_seconds_then_success(local_server, make_client, sleeps):
    local_server.route(
        "/a",
        Reply(429, {"Retry-After": "3"}, {"error": "Too many requests"}),
        Reply(body={"ok": 1}),
    )
    assert make_client().get_json(local_server.url + "/a") == {"ok": 1}
    assert sleeps == [3.0]
    assert len(local_server.requests) == 2


def test_retry_after_as_http_date(local_server, make_client, sleeps):
    when = email.utils.formatdate(NOW + 7, usegmt=True)
    local_server.route("/a", Reply(503, {"Retry-After": when}), Reply(body=[1]))
    assert make_client().get_json(local_server.url + "/a") == [1]
    assert sleeps == [7.0]


def test_retry_after_longer_than_allowed_fails_and_says_so(local_server, make_client, sleeps):
    local_server.route("/a", Reply(429, {"Retry-After": "600"}), Reply(body=[1]))
    with pytest.raises(SourceError) as err:
        make_client(max_retry_after=120).get_json(local_server.url + "/a")
    message = str(err.value)
    assert local_server.url + "/a" in message
    assert "600 s" in message and "max_retry_after = 120 s" in message
    assert "\n" not in message
    assert sleeps == [] and len(local_server.requests) == 1


def test_500_then_success_backs_off(local_server, make_client, sleeps):
    local_server.route("/a", Reply(500), Reply(body={"ok": 1}))
    assert make_client(backoff=0.5).get_json(local_server.url + "/a") == {"ok": 1}
    assert sleeps == [0.5]


def test_persistent_503_fails_after_the_retries_naming_the_url(local_server, make_client, sleeps):
    local_server.route("/a", Reply(503))
    with pytest.raises(SourceError) as err:
        make_client(retries=2, backoff=0.5).get_json(local_server.url + "/a", {"q": "acme"})
    message = str(err.value)
    assert f"GET {local_server.url}/a?q=acme: HTTP 503" in message
    assert "after 3 attempts" in message and "http.retries" in message
    assert len(local_server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_backoff_is_exponential_and_capped(local_server, make_client, sleeps):
    local_server.route("/a", Reply(502))
    with pytest.raises(SourceError):
        make_client(retries=3, backoff=40).get_json(local_server.url + "/a")
    assert sleeps == [40, 60, 60]


def test_client_errors_are_not_retried(local_server, make_client, sleeps):
    local_server.route("/a", Reply(404, body={"error": "Record not found"}))
    with pytest.raises(
        SourceError,
        match=r"/a: HTTP 404 Not Found \(Record not found\); "
        r"not found; check the URL",
    ):
        make_client().get_json(local_server.url + "/a")
    assert len(local_server.requests) == 1 and sleeps == []


def test_malformed_json_is_a_source_error_and_not_cached(local_server, make_client, tmp_path):
    local_server.route("/a", Reply(200, {"Content-Type": "application/json"}, '{"statuses": ['))
    client = make_client()
    for _ in range(2):
        with pytest.raises(SourceError, match=r"/a: the response is not valid JSON"):
            client.get_json(local_server.url + "/a")
    assert len(local_server.requests) == 2
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_timeout_is_a_source_error(local_server, make_client, sleeps):
    local_server.route("/slow", Reply(body=[1], delay=1.0))
    with pytest.raises(SourceError) as err:
        make_client(timeout=0.05, retries=1).get_json(local_server.url + "/slow")
    assert "no answer within 0.05 s (timeout) after 2 attempts" in str(err.value)
    assert local_server.url + "/slow" in str(err.value)
    assert sleeps == [0.5]


def test_connection_refused_is_a_source_error(make_client):
    with LocalServer() as server:  # started and stopped: its port now refuses connections
        url = server.url + "/a"
    with pytest.raises(SourceError, match="cannot connect"):
        make_client(retries=0).get_json(url)


def test_cache_serves_the_second_call_from_disk_until_stale(local_server, make_client, tmp_path):
    local_server.route("/a", Reply(body={"n": 1}), Reply(body={"n": 2}))
    client = make_client(cache_ttl="1s")  # requests-cache decides freshness on the real clock
    first = client.get(local_server.url + "/a", {"q": "x", "limit": 5}, json_body=True)
    second = client.get(local_server.url + "/a", {"limit": 5, "q": "x"}, json_body=True)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.data == {"n": 1}
    assert len(local_server.requests) == 1
    assert first.fetched_at.timestamp() == NOW  # the client's clock for a fresh answer

    # requests-cache's JSON entry, named by the request's key
    [entry_file] = (tmp_path / "cache").rglob("*.json")
    assert entry_file.stem == cache_key("GET", local_server.url + "/a", {"q": "x", "limit": 5})
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    assert entry["status_code"] == 200 and entry["_decoded_content"] == {"n": 1}
    assert entry["headers"]["Content-Type"].startswith("application/json")
    created = dt.datetime.fromisoformat(entry["created_at"])
    expires = dt.datetime.fromisoformat(entry["expires"])
    assert (expires - created).total_seconds() == pytest.approx(1.0, abs=0.1)
    assert second.fetched_at == created

    time.sleep(1.1)  # older than cache_ttl now
    assert client.get_json(local_server.url + "/a", {"q": "x", "limit": 5}) == {"n": 2}
    assert len(local_server.requests) == 2


def test_use_cache_false_always_asks_the_server(local_server, make_client, tmp_path):
    local_server.route("/a", Reply(body=[1]))
    client = make_client()
    client.get_json(local_server.url + "/a", use_cache=False)
    client.get_json(local_server.url + "/a", use_cache=False)
    assert len(local_server.requests) == 2
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing written either
    assert all("x-actual-no-cache" not in r.headers for r in local_server.requests)


def test_spent_rate_limit_waits_for_the_reset(local_server, make_client, sleeps):
    local_server.route(
        "/a", Reply(body=[1], headers={"X-RateLimit-Remaining": "0.0", "X-RateLimit-Reset": "7"})
    )
    client = make_client()
    client.get_json(local_server.url + "/a", {"page": 1})
    client.get_json(local_server.url + "/a", {"page": 2})
    assert sleeps == [7.0]


def test_cached_response_is_served_with_the_server_stopped(make_client):
    with LocalServer() as server:
        server.route("/a", Reply(body={"n": 1}))
        url = server.url + "/a"
        assert make_client(retries=0).get_json(url, {"q": "x"}) == {"n": 1}
    client = make_client(retries=0)  # a new session: no connection kept to the old server
    again = client.get(url, {"q": "x"}, json_body=True)  # offline: from the disk cache
    assert again.from_cache and again.data == {"n": 1}
    with pytest.raises(SourceError, match="cannot connect"):  # not cached: the network
        client.get_json(url, {"q": "y"})


def test_cache_file_holds_no_secret(local_server, make_client, tmp_path, monkeypatch):
    monkeypatch.setenv("FEED_KEY", "s3cr3t-key")
    xml = payload("empty.rss.xml").replace(
        "</channel>", f"<link>{local_server.url}/feed.xml?token=s3cr3t</link></channel>"
    )
    local_server.route("/feed.xml", Reply(200, {**RSS, "Set-Cookie": "sid=s3cr3t-cookie"}, xml))
    url = local_server.url.replace("//", "//ann:s3cr3t-pw@") + "/feed.xml"
    client = make_client()
    first = client.get(url, {"token": "s3cr3t", "api_key": "${FEED_KEY}", "q": "acme"})
    [request] = local_server.requests
    assert (request.param("token"), request.param("api_key")) == ("s3cr3t", "s3cr3t-key")
    [entry_file] = (tmp_path / "cache").rglob("*.json")
    stored = entry_file.read_text(encoding="utf-8")
    assert "s3cr3t" not in stored and "ann:***@" in stored
    entry = json.loads(stored)
    host = local_server.url.removeprefix("http://")
    assert entry["url"] == f"http://ann:***@{host}/feed.xml?token=***&api_key=***&q=acme"
    assert "Authorization" not in entry["request"]["headers"]  # Basic ann:s3cr3t-pw
    assert "Set-Cookie" not in entry["headers"]
    assert f"<link>{local_server.url}/feed.xml?token=***</link>" in entry["_decoded_content"]
    assert entry["headers"]["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "token=s3cr3t" in first.text  # the fresh answer is the server's, as sent
    second = client.get(url, {"token": "s3cr3t", "api_key": "${FEED_KEY}", "q": "acme"})
    assert second.from_cache and "token=***" in second.text and second.url == first.url


def test_cached_feed_keeps_its_characters(local_server, make_client):
    xml = payload("empty.rss.xml").replace("UTF-8", "ISO-8859-1").replace("zeppelin", "Lübeck")
    local_server.route(
        "/feed.xml", Reply(200, {"Content-Type": "application/rss+xml"}, xml.encode("latin-1"))
    )
    client = make_client()
    first, second = (client.get(local_server.url + "/feed.xml") for _ in range(2))
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.text == first.text and "Lübeck" in second.text


def test_unwritable_cache_folder_does_not_fail_the_request(local_server, tmp_path, sleeps):
    (tmp_path / "file").write_text("not a folder")
    local_server.route("/a", Reply(body=[1]))
    http = Http.model_validate({"cache_dir": str(tmp_path / "file" / "cache")})
    with HttpClient(http, sleep=sleeps.append) as client:
        assert client.get_json(local_server.url + "/a") == [1]
        assert client.get_json(local_server.url + "/a") == [1]
        assert not client.use_cache
    assert len(local_server.requests) == 2


def test_retries_are_urllib3_retry_in_the_session_adapter(make_client):
    client = make_client(retries=3, backoff=0.5)
    retry = client.session.get_adapter("https://x.example/").max_retries
    assert retry.total == 3 and retry.backoff_factor == 0.5 and retry.respect_retry_after_header
    assert {429, 500, 503, 599} <= set(retry.status_forcelist) and 404 not in retry.status_forcelist
    waits = []
    for _ in range(4):  # the back-off before retries 1..4: 0.5 * 2**(n - 1)
        retry = retry.new(history=(*retry.history, None))
        waits.append(retry.get_backoff_time())
    assert waits == [0.5, 1.0, 2.0, 4.0]


def test_503_with_retry_after_then_success_waits_as_asked(local_server, make_client, sleeps):
    local_server.route("/a", Reply(503, {"Retry-After": "2"}), Reply(500), Reply(body={"ok": 1}))
    assert make_client(backoff=0.5).get_json(local_server.url + "/a") == {"ok": 1}
    assert sleeps == [2.0, 1.0]  # Retry-After, then the back-off before the second retry
    assert len(local_server.requests) == 3


def test_feed_text_is_decoded_by_its_xml_declaration(local_server, make_client):
    xml = payload("empty.rss.xml").replace("UTF-8", "ISO-8859-1").replace("zeppelin", "Lübeck")
    local_server.route(
        "/feed.xml", Reply(200, {"Content-Type": "application/rss+xml"}, xml.encode("latin-1"))
    )
    assert "Lübeck" in make_client().get_text(local_server.url + "/feed.xml")


# ---------------------------------------------------------------------------------------------
# RSS / Atom


def test_rss_entries_become_plain_text_rows(local_server, make_client):
    local_server.route("/feed.xml", Reply(200, RSS, payload("blog_search.rss.xml")))
    frame = fetch_source(rss(local_server), Http(), client=make_client())
    assert list(frame.columns) == list(FEED_COLUMNS)
    assert ids(frame) == [
        "wanderlog-2026-05-0412",
        "https://aviation-notes.example.org/acme-air-lisbon",
        "https://notes.example.com/acme",
    ]
    first = frame.iloc[0]
    assert first["text"] == (
        "Three days, one suitcase and Acme Air\u2019s customer service\n\n"
        "My bag went to Porto while I went to Lyon.\n\n"
        "Here is what Acme Air did & didn't do about it.\nSpoiler: the chat was quick."
    )
    assert first["created_at"] == "2026-05-05T05:45:00Z"
    assert (first["author_name"], first["platform"], first["lang"]) == ("Priya Raman", "web", "en")
    assert first["url"] == "https://wanderlog.example.net/2026/05/acme-air-suitcase"
    assert frame.iloc[1]["text"] == (
        "Acme Air adds Lisbon route\n\nAcme Air will fly Munich \u2013 Lisbon daily from June."
    )


def test_atom_alerts_titles_and_content_are_stripped(local_server, make_client):
    local_server.route("/alerts", Reply(200, ATOM, payload("web_alerts.atom.xml")))
    frame = fetch_source(
        rss(local_server, "/alerts", platform="news"), Http(), client=make_client()
    )
    assert frame["text"].tolist() == [
        "Acme Air streicht Flüge nach Wien\n\n"
        "Wegen eines Streiks fallen bei Acme Air am Freitag 14 Flüge aus ...",
        "Forum: Erfahrungen mit Acme Air?\n\n"
        "Hat jemand Erfahrung mit dem Kundenservice von Acme Air? Mein Gutschein ...",
    ]
    assert frame["created_at"].tolist() == ["2026-05-05T08:14:07Z", "2026-05-03T21:02:55Z"]
    assert set(frame["lang"]) == {"de"} and set(frame["platform"]) == {"news"}


def test_rss_rows_are_checked_like_file_rows(local_server, tmp_path):
    local_server.route("/feed.xml", Reply(200, RSS, payload("blog_search.rss.xml")))
    playbook = make_playbook([{"kind": "rss", "url": local_server.url + "/feed.xml"}], tmp_path)
    result = read_source(playbook.sources[0], playbook)
    assert list(result.mentions.columns) == list(CANONICAL_COLUMNS)
    assert str(result.mentions["created_at"].dtype) == "datetime64[ns, UTC]"
    assert (result.read, result.kept) == (3, 2)
    [reason] = result.rejected["reason"].tolist()  # the undated entry: rejected, not dropped
    assert reason.startswith("unparseable created_at")


def test_empty_feed_is_an_empty_frame(local_server, make_client):
    local_server.route("/feed.xml", Reply(200, RSS, payload("empty.rss.xml")))
    frame = fetch_source(rss(local_server), Http(), client=make_client())
    assert frame.empty and list(frame.columns) == list(FEED_COLUMNS)


def test_a_web_page_is_not_a_feed(local_server, make_client):
    local_server.route("/feed.xml", Reply(200, {"Content-Type": "text/html"}, "<p>hi</p>"))
    with pytest.raises(
        SourceError,
        match=r"source 'rss:http://127\.0\.0\.1:\d+/feed\.xml': "
        r"GET .*/feed\.xml: not an RSS or Atom feed",
    ):
        fetch_source(rss(local_server), Http(), client=make_client())


def test_rss_window_and_limit(local_server, make_client):
    local_server.route("/feed.xml", Reply(200, RSS, payload("blog_search.rss.xml")))
    client = make_client()
    since = fetch_source(rss(local_server, since="2026-05-05"), Http(), client=client)
    # the undated entry stays, for the row check to reject with a reason
    assert ids(since) == ["wanderlog-2026-05-0412", "https://notes.example.com/acme"]
    limited = fetch_source(rss(local_server, limit=1), Http(), client=client)
    assert ids(limited) == ["wanderlog-2026-05-0412"]


# ---------------------------------------------------------------------------------------------
# Mastodon


def test_mastodon_follows_link_headers_and_maps_statuses(local_server, make_client):
    local_server.route(
        TAG_PATH,
        Reply(
            body=json_payload("mastodon_tag_page1.json"),
            headers=link_next(local_server, "112400000000000003"),
        ),
        Reply(
            body=json_payload("mastodon_tag_page2.json"),
            headers=link_next(local_server, "112400000000000001"),
        ),
        Reply(body=[]),
    )
    frame = fetch_source(mastodon(local_server), Http(), client=make_client())
    host = local_server.url.removeprefix("http://")
    assert ids(frame) == [f"{host}:11240000000000000{i}" for i in (5, 4, 3, 2, 1)]
    assert [r.param("max_id") for r in local_server.requests] == [
        None,
        "112400000000000003",
        "112400000000000001",
    ]
    assert {r.param("limit") for r in local_server.requests} == {"40"}

    rows = frame.set_index("mention_id")
    lena = rows.loc[f"{host}:112400000000000005"]
    assert lena["text"] == (
        "Flight AA 402 delayed 3 hours and nobody at the gate knows why. "
        "#AcmeAir & friends, seriously?\n\nUpdate: now 4 hours."
    )
    assert (lena["author_id"], lena["author_name"], lena["lang"]) == ("lena_k", "Lena K. ✈️", "en")
    assert (lena["reach"], lena["likes"], lena["shares"], lena["replies"]) == (312, 4, 2, 1)
    assert lena["created_at"] == "2026-05-05T09:12:33Z"
    assert lena["url"] == "https://social.example/@lena_k/112400000000000005"
    reply = rows.loc[f"{host}:112400000000000004"]
    assert reply["in_reply_to_id"] == f"{host}:112400000000000003"
    assert reply["text"].startswith(
        "@tomasz Sorry about your bag! Please DM us your booking reference and we'll track it down."
    )
    assert reply["created_at"] == "2026-05-04T17:40:02.512000Z"
    tomasz = rows.loc[f"{host}:112400000000000003"]
    assert tomasz["author_id"] == "tomasz@fedi.example" and tomasz["lang"] == "de"
    assert tomasz["text"] == (
        "Gepäck\n\nMein Koffer ist seit zwei Tagen verschwunden. "
        "#acmeair https://example.org/claims/form"
    )
    jonas = rows.loc[f"{host}:112400000000000001"]
    assert jonas["text"] == "Does #acmeair allow pets in the cabin?\nAsking for my cat."
    assert pd.isna(jonas["lang"])
    assert not frame["text"].str.contains("<").any()


def test_mastodon_pages_with_the_last_id_without_link_headers(local_server, make_client):
    local_server.route(
        TAG_PATH,
        Reply(body=json_payload("mastodon_tag_page1.json")),
        Reply(body=json_payload("mastodon_tag_page2.json")),
        Reply(body=[]),
    )
    frame = fetch_source(mastodon(local_server), Http(), client=make_client())
    assert len(frame) == 5
    assert [r.param("max_id") for r in local_server.requests] == [
        None,
        "112400000000000003",
        "112400000000000001",
    ]


@pytest.mark.parametrize(("limit", "expected", "requests"), [(2, [5, 4], 1), (4, [5, 4, 3, 2], 2)])
def test_mastodon_stops_at_limit(local_server, make_client, limit, expected, requests):
    local_server.route(
        TAG_PATH,
        Reply(body=json_payload("mastodon_tag_page1.json")),
        Reply(body=json_payload("mastodon_tag_page2.json")),
        Reply(body=[]),
    )
    frame = fetch_source(mastodon(local_server, limit=limit), Http(), client=make_client())
    assert [int(i[-1]) for i in ids(frame)] == expected
    assert len(local_server.requests) == requests
    assert local_server.requests[0].param("limit") == str(min(limit, 40))


def test_mastodon_stops_at_since_and_filters_until(local_server, make_client):
    local_server.route(
        TAG_PATH,
        Reply(body=json_payload("mastodon_tag_page1.json")),
        Reply(body=json_payload("mastodon_tag_page2.json")),
        Reply(body=[]),
    )
    client = make_client()
    since = fetch_source(mastodon(local_server, since="2026-05-03"), Http(), client=client)
    assert [int(i[-1]) for i in ids(since)] == [5, 4, 3]
    assert len(local_server.requests) == 2  # page 2 reached back before since: no page 3
    window = fetch_source(
        mastodon(local_server, since="2026-05-02", until="2026-05-04"), Http(), client=make_client()
    )  # served from the cache
    assert [int(i[-1]) for i in ids(window)] == [4, 3, 2]
    assert len(local_server.requests) == 2


def test_mastodon_search_uses_the_v2_search(local_server, make_client):
    local_server.route(
        "/api/v2/search",
        Reply(body=json_payload("mastodon_search.json")),
        Reply(body={"accounts": [], "statuses": [], "hashtags": []}),
    )
    source = MastodonSource.model_validate(
        {"kind": "mastodon", "instance": local_server.url, "query": "acme air"}
    )
    frame = fetch_source(source, Http(), client=make_client())
    assert len(frame) == 2
    first = local_server.requests[0]
    assert (first.param("q"), first.param("type"), first.param("resolve")) == (
        "acme air",
        "statuses",
        "false",
    )


def test_mastodon_empty_timeline_is_an_empty_frame(local_server, make_client):
    local_server.route(TAG_PATH, Reply(body=[]))
    frame = fetch_source(mastodon(local_server), Http(), client=make_client())
    assert frame.empty and list(frame.columns) == list(FEED_COLUMNS)


def test_mastodon_rows_mark_the_brand(local_server, tmp_path):
    local_server.route(
        TAG_PATH, Reply(body=json_payload("mastodon_tag_page1.json")), Reply(body=[])
    )
    playbook = make_playbook(
        [{"kind": "mastodon", "instance": local_server.url, "tag": "#acmeair"}], tmp_path
    )
    result = read_source(playbook.sources[0], playbook)
    assert result.mentions["is_brand"].tolist() == [False, True, False]
    assert result.mentions["reach"].dtype == "Int64"
    assert set(result.mentions["source"]) == {"mastodon:#acmeair"}


# ---------------------------------------------------------------------------------------------
# Reddit


def test_reddit_pages_with_after_and_maps_posts(local_server, make_client):
    local_server.route(
        REDDIT_PATH,
        Reply(body=json_payload("reddit_search_page1.json")),
        Reply(body=json_payload("reddit_search_page2.json")),
    )
    frame = fetch_source(reddit(local_server), Http(), client=make_client())
    assert ids(frame) == ["t3_1kx0c5", "t3_1kw8f2", "t3_1kv3a9", "t3_1ku1z7", "t3_1ktq02"]
    first, second = local_server.requests
    assert (
        first.param("q"),
        first.param("sort"),
        first.param("restrict_sr"),
        first.param("limit"),
        first.param("after"),
    ) == ("acme air", "new", "1", "100", None)
    assert second.param("after") == "t3_1kv3a9"

    rows = frame.set_index("mention_id")
    post = rows.loc["t3_1kx0c5"]
    assert post["text"].startswith(
        "Acme Air cancelled my connection in Frankfurt, what now?\n\n"
        "Got rebooked for **tomorrow** evening & no hotel voucher."
    )
    assert post["created_at"] == "2026-05-05T14:02:11Z"
    assert post["url"] == (
        "https://www.reddit.com/r/flights/comments/1kx0c5/"
        "acme_air_cancelled_my_connection_in_frankfurt_what/"
    )
    assert (post["author_id"], post["likes"], post["replies"], post["conversation_id"]) == (
        "MidnightCommuter67",
        57,
        23,
        "t3_1kx0c5",
    )
    assert rows.loc["t3_1kv3a9", "text"] == "Lost luggage with Acme Air - day 4"  # [removed]
    assert rows.loc["t3_1kw8f2", "shares"] == 1
    assert pd.isna(rows.loc["t3_1ktq02", "author_id"])  # [deleted]
    assert set(frame["platform"]) == {"reddit"}


def test_reddit_stops_at_limit_and_at_since(local_server, make_client):
    page1, page2 = (json_payload(f"reddit_search_page{n}.json") for n in (1, 2))
    local_server.route(REDDIT_PATH, Reply(body=page1), Reply(body=page1), Reply(body=page2))
    client = make_client()
    limited = fetch_source(reddit(local_server, limit=2), Http(), client=client)
    assert ids(limited) == ["t3_1kx0c5", "t3_1kw8f2"]
    assert len(local_server.requests) == 1 and local_server.requests[0].param("limit") == "2"
    recent = fetch_source(reddit(local_server, since="2026-05-04"), Http(), client=client)
    assert ids(recent) == ["t3_1kx0c5", "t3_1kw8f2"]
    assert len(local_server.requests) == 2  # page 1 reaches back before since: no page 2


def test_reddit_search_of_all_reddit(local_server, make_client):
    local_server.route("/search.json", Reply(body=json_payload("reddit_search_page2.json")))
    frame = fetch_source(reddit(local_server, subreddit=None), Http(), client=make_client())
    assert len(frame) == 2 and local_server.requests[0].param("restrict_sr") is None


def test_reddit_unexpected_answer_is_a_source_error(local_server, make_client):
    local_server.route(REDDIT_PATH, Reply(body=[{"kind": "Listing"}]))
    with pytest.raises(
        SourceError,
        match=r"^source 'reddit:'acme air'': GET .*: unexpected "
        r"answer \(expected a listing",
    ):
        fetch_source(reddit(local_server), Http(), client=make_client())


# ---------------------------------------------------------------------------------------------
# Hacker News


def test_hackernews_pages_and_maps_stories_and_comments(local_server, make_client):
    local_server.route(
        HN_PATH,
        Reply(body=json_payload("hackernews_search_page0.json")),
        Reply(body=json_payload("hackernews_search_page1.json")),
    )
    frame = fetch_source(hackernews(local_server), Http(), client=make_client())
    assert ids(frame) == ["43901215", "43900990", "43850007", "43810044", "43790123"]
    assert [r.param("page") for r in local_server.requests] == ["0", "1"]
    first = local_server.requests[0]
    assert (
        first.param("query"),
        first.param("tags"),
        first.param("hitsPerPage"),
        first.param("numericFilters"),
    ) == ("acme air", "(story,comment)", "100", None)

    rows = frame.set_index("mention_id")
    comment = rows.loc["43901215"]
    assert comment["text"] == (
        "We moved our team travel off Acme Air after the booking API outage. Their status page "
        'said "all systems normal" the whole time.\n\nSupport did reply on Mastodon within an '
        "hour, to be fair / example.org/post"
    )
    assert (comment["in_reply_to_id"], comment["conversation_id"]) == ("43901100", "43900990")
    assert comment["url"] == "https://news.ycombinator.com/item?id=43901215"
    assert comment["created_at"] == "2026-05-05T11:20:41Z"
    story = rows.loc["43900990"]
    assert story["text"] == (
        "Ask HN: Which airlines have usable APIs?\n\nBuilding a small tool "
        "for our travel desk. Acme Air's docs look good, but is anyone "
        "using it in production?\n\nBonus: anything for seat maps?"
    )
    assert (story["likes"], story["replies"], story["author_id"]) == (41, 37, "mrtnbrg")
    assert pd.isna(story["in_reply_to_id"]) and story["conversation_id"] == "43900990"
    assert rows.loc["43810044", "text"] == "Acme Air open-sources its crew scheduling solver"


def test_hackernews_stops_at_since_and_sends_it_as_a_filter(local_server, make_client):
    local_server.route(
        HN_PATH,
        Reply(body=json_payload("hackernews_search_page0.json")),
        Reply(body=json_payload("hackernews_search_page1.json")),
    )
    source = hackernews(local_server, since="2026-05-04", until="2026-05-05", limit=3)
    frame = fetch_source(source, Http(), client=make_client())
    assert ids(frame) == ["43901215", "43900990"]
    [request] = local_server.requests
    since, until = (int(dt.datetime(2026, 5, d, tzinfo=dt.UTC).timestamp()) for d in (4, 6))
    assert request.param("numericFilters") == f"created_at_i>={since},created_at_i<{until}"
    assert request.param("hitsPerPage") == "3"


def test_hackernews_stops_at_limit(local_server, make_client):
    local_server.route(
        HN_PATH,
        Reply(body=json_payload("hackernews_search_page0.json")),
        Reply(body=json_payload("hackernews_search_page1.json")),
    )
    frame = fetch_source(hackernews(local_server, limit=4), Http(), client=make_client())
    assert ids(frame) == ["43901215", "43900990", "43850007", "43810044"]
    assert len(local_server.requests) == 2


# ---------------------------------------------------------------------------------------------
# Through read_mentions: a failing source is reported, the others are kept


def make_playbook(sources: list[dict[str, Any]], tmp_path: Path, **http: Any) -> Playbook:
    return Playbook.model_validate(
        {
            "client": "acme-air",
            "name": "Acme Air",
            "brand": {"handles": ["@AcmeAir"]},
            "sources": sources,
            "http": {"cache_dir": str(tmp_path / "cache"), "retries": 1, "backoff": 0, **http},
        },
        context={"check_files": False},
    )


def test_read_mentions_keeps_working_feeds_and_reports_failing_ones(local_server, tmp_path):
    local_server.route(
        TAG_PATH, Reply(body=json_payload("mastodon_tag_page2.json")), Reply(body=[])
    )
    local_server.route(REDDIT_PATH, Reply(500, body={"message": "Internal Server Error"}))
    playbook = make_playbook(
        [
            {"kind": "mastodon", "instance": local_server.url, "tag": "acmeair"},
            {
                "kind": "reddit",
                "query": "acme air",
                "subreddit": "flights",
                "base_url": local_server.url,
            },
        ],
        tmp_path,
    )
    result = read_mentions(playbook)
    assert len(result.mentions) == 2 and set(result.mentions["platform"]) == {"mastodon"}
    counts = result.counts.set_index("source")
    assert counts.loc["mastodon:#acmeair", "status"] == "ok"
    status = counts.loc["reddit:'acme air'", "status"]
    assert status.startswith("source 'reddit:'acme air'': GET " + local_server.url + REDDIT_PATH)
    assert "HTTP 500" in status and "after 2 attempts" in status
    assert result.failed == ["reddit:'acme air'"]
    assert len(local_server.requests_to(REDDIT_PATH)) == 2
