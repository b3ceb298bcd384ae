"""Social API sources (Bluesky, X, YouTube, Apple App Store) against a scripted local server.

Payloads in tests/payloads/ have the shapes the platforms document, with invented people and
texts (English and German). Every test knows its answer: the mapped rows, the requests sent,
the cursor, the waits and the error lines.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from socialcrm_utils.exceptions import PlaybookError, SourceError
from socialcrm_utils.playbook import Http, Playbook, load_playbook
from socialcrm_utils.playbook.api_sources import (
    AppStoreSource,
    BlueskySource,
    XSource,
    YouTubeSource,
)
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.sources.apis import (
    FetchResult,
    SourceCursor,
    fetch_api_source,
    missing_env,
    required_env,
)
from socialcrm_utils.sources.check import check_sources
from socialcrm_utils.sources.feeds import FEED_COLUMNS
from socialcrm_utils.sources.http import HttpClient
from tests.httpserver import Reply, local_server_fixture, payload  # noqa: F401

NOW = dt.datetime(2026, 5, 5, 12, 0, tzinfo=dt.UTC)
SEARCH_POSTS = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
X_SEARCH = "/2/tweets/search/recent"
YT_THREADS = "/youtube/v3/commentThreads"
YT_SEARCH = "/youtube/v3/search"
APPLE_PAGE = "/de/rss/customerreviews/page={}/id=1400000000/sortby=mostrecent/json"
LENA = "at://did:plc:x2lenafischer5k7m9p2q4r6/app.bsky.feed.post/3lqaz7x2k4c2a"
ACME_REPLY = "at://did:plc:q4acmeairx7k2m3n5p6r8s9t/app.bsky.feed.post/3lqbx2m5n6p7q"
BEARER = "s3cr3t-bearer-value"
YT_KEY = "yt-k3y-value-123"


def body(name: str) -> Any:
    return json.loads(payload(name))


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(tmp_path: Path, sleeps: list[float]):
    """A client without disk cache, a recording sleep, two retries and 0.5 s back-off."""
    http = Http.model_validate({"retries": 2, "backoff": 0.5, "cache_dir": str(tmp_path / "c")})
    with HttpClient(http, sleep=sleeps.append, clock=NOW.timestamp, use_cache=False) as made:
        yield made


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", BEARER)
    monkeypatch.setenv("YOUTUBE_API_KEY", YT_KEY)
    monkeypatch.setenv("BSKY_HANDLE", "acmeair.bsky.social")
    monkeypatch.setenv("BSKY_APP_PASSWORD", "abcd-efgh-ijkl-mnop")


def fetch(source: Any, client: HttpClient, cursor: SourceCursor | None = None) -> FetchResult:
    return fetch_api_source(source, Http(), client=client, cursor=cursor, now=NOW)


def rows(result: FetchResult) -> list[dict[str, Any]]:
    frame = result.mentions.astype(object).where(result.mentions.notna(), None)
    return frame.to_dict("records")


def row(**values: Any) -> dict[str, Any]:
    """A mapped row: every column of FEED_COLUMNS, None unless given."""
    return {column: values.get(column) for column in FEED_COLUMNS}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------------------------------------
# Bluesky


def bluesky(server: Any, **kw: Any) -> BlueskySource:
    return BlueskySource(
        kind="bluesky", query="acme air", base_url=server.url, pds=server.url, **kw
    )


def test_bluesky_pages_with_the_cursor_and_maps_posts(local_server, client):
    local_server.route(
        SEARCH_POSTS,
        Reply(headers={"ETag": 'W/"bsky-1"'}, body=body("bluesky_search_page1.json")),
        Reply(body=body("bluesky_search_page2.json")),
    )
    result = fetch(bluesky(local_server), client)
    assert rows(result)[:3] == [
        row(
            mention_id=ACME_REPLY,
            platform="bluesky",
            author_id="acmeair.bsky.social",
            author_name="Acme Air",
            text="Hallo Lena, das tut uns leid! Bitte schick uns eine DM mit deiner "
            "Vorgangsnummer, wir kümmern uns sofort. ^JK",
            created_at="2026-05-04T19:05:00Z",
            url="https://bsky.app/profile/acmeair.bsky.social/post/3lqbx2m5n6p7q",
            lang="de",
            in_reply_to_id=LENA,
            conversation_id=LENA,
            likes=1,
            shares=0,
            replies=0,
        ),
        row(
            mention_id=LENA,
            platform="bluesky",
            author_id="lena-fischer.bsky.social",
            author_name="Lena Fischer",
            text="@acmeair.bsky.social Mein Koffer ist seit drei Tagen verschwunden und an der "
            "Hotline geht niemand ran. Ganz schlechter Service!",
            created_at="2026-05-04T18:42:10.512000Z",
            url="https://bsky.app/profile/lena-fischer.bsky.social/post/3lqaz7x2k4c2a",
            lang="de",
            conversation_id=LENA,
            likes=5,
            shares=3,
            replies=1,
        ),
        row(
            mention_id="at://did:plc:m8tomwalker3h5j7k9n2p4q6/app.bsky.feed.post/3lq7fw3zq2s2b",
            platform="bluesky",
            author_id="tomwalker.example.com",
            author_name="tomwalker.example.com",
            text="Lovely crew on the Acme Air flight to Lisbon this morning, thank you!",
            created_at="2026-05-03T07:15:00Z",
            url="https://bsky.app/profile/tomwalker.example.com/post/3lq7fw3zq2s2b",
            lang="en",
            conversation_id="at://did:plc:m8tomwalker3h5j7k9n2p4q6/app.bsky.feed.post/"
            "3lq7fw3zq2s2b",
            likes=12,
            shares=0,
            replies=0,
        ),
    ]
    sarah, jonas = rows(result)[3:]
    assert (sarah["author_name"], sarah["lang"], sarah["replies"]) == ("Sarah Klein", None, 3)
    assert (jonas["author_name"], jonas["lang"], jonas["shares"]) == ("Jonas Beck", "de", 6)
    first, second = local_server.requests_to(SEARCH_POSTS)
    assert (first.param("q"), first.param("sort"), first.param("limit")) == (
        "acme air",
        "latest",
        "100",
    )
    assert first.param("cursor") is None and second.param("cursor") == "3"
    assert "authorization" not in first.headers  # the public AppView: no login
    assert result.cursor == SourceCursor(
        ACME_REPLY, at("2026-05-04T19:05:00Z"), (ACME_REPLY,), etag='W/"bsky-1"'
    )


def test_bluesky_since_is_sent_and_older_posts_are_left_out(local_server, client):
    local_server.route(
        SEARCH_POSTS,
        Reply(body=body("bluesky_search_page1.json")),
        Reply(body=body("bluesky_search_page2.json")),
    )
    source = bluesky(local_server, since=dt.date(2026, 5, 1), until=dt.date(2026, 5, 3))
    result = fetch(source, client)
    assert result.mentions["created_at"].tolist() == [
        "2026-05-03T07:15:00Z",
        "2026-05-02T12:30:00Z",
    ]
    first = local_server.requests_to(SEARCH_POSTS)[0]
    assert (first.param("since"), first.param("until")) == (
        "2026-05-01T00:00:00Z",
        "2026-05-04T00:00:00Z",
    )


def test_bluesky_with_a_cursor_fetches_only_newer_posts(local_server, client):
    local_server.route(
        SEARCH_POSTS,
        Reply(body=body("bluesky_search_page1.json")),
        Reply(body=body("bluesky_search_page2.json")),
    )
    before = SourceCursor(LENA, at("2026-05-04T18:42:10.512Z"), (LENA,), etag='"old"')
    result = fetch(bluesky(local_server), client, cursor=before)
    assert result.mentions["mention_id"].tolist() == [ACME_REPLY]
    [request] = local_server.requests_to(SEARCH_POSTS)  # page 1 reached the cursor: no page 2
    assert request.param("since") == "2026-05-04T18:42:10.512000Z"
    assert result.cursor == SourceCursor(
        ACME_REPLY, at("2026-05-04T19:05:00Z"), (ACME_REPLY,), etag='"old"'
    )


def test_bluesky_logs_in_with_the_app_password_and_searches_with_the_token(
    local_server, client, secrets
):
    local_server.route(CREATE_SESSION, Reply(body=body("bluesky_session.json")), method="POST")
    local_server.route(SEARCH_POSTS, Reply(body=body("bluesky_search_page2.json")))
    source = bluesky(local_server, identifier="${BSKY_HANDLE}", password="${BSKY_APP_PASSWORD}")
    result = fetch(source, client)
    assert len(result.mentions) == 2
    login, search = local_server.requests
    assert (login.method, login.path, search.path) == ("POST", CREATE_SESSION, SEARCH_POSTS)
    assert search.headers["authorization"] == "Bearer test-access-jwt-not-a-real-token"
    assert "Authorization" not in client.session.headers  # only for the source's requests


def test_bluesky_expired_session_token_is_one_clear_line(local_server, client, secrets):
    local_server.route(CREATE_SESSION, Reply(body=body("bluesky_session.json")), method="POST")
    local_server.route(SEARCH_POSTS, Reply(400, body=body("bluesky_expired_token.json")))
    source = bluesky(local_server, identifier="${BSKY_HANDLE}", password="${BSKY_APP_PASSWORD}")
    with pytest.raises(SourceError) as err:
        fetch(source, client)
    assert str(err.value) == (
        f"source 'bluesky:'acme air'': GET {local_server.url}{SEARCH_POSTS}?q=acme+air&"
        "sort=latest&limit=100: HTTP 400 Bad Request (ExpiredToken); Bluesky refused the "
        "session token (expired or revoked); check identifier and password (create a new app "
        "password) and run again"
    )


def test_bluesky_refused_login_names_the_variables_not_their_values(local_server, client, secrets):
    local_server.route(
        CREATE_SESSION, Reply(401, body=body("bluesky_auth_failed.json")), method="POST"
    )
    source = bluesky(local_server, identifier="${BSKY_HANDLE}", password="${BSKY_APP_PASSWORD}")
    with pytest.raises(SourceError) as err:
        fetch(source, client)
    assert str(err.value) == (
        f"source 'bluesky:'acme air'': POST {local_server.url}{CREATE_SESSION}: HTTP 401: "
        "Bluesky refused the login with identifier ${BSKY_HANDLE} and password "
        "${BSKY_APP_PASSWORD}; check the handle and create a new app password (Settings > "
        "Privacy and security > App passwords)"
    )
    assert local_server.requests_to(SEARCH_POSTS) == []


def test_bluesky_anonymous_search_refused_says_to_log_in(local_server, client):
    local_server.route(SEARCH_POSTS, Reply(403, body={"error": "Forbidden"}))
    with pytest.raises(
        SourceError,
        match=r"HTTP 403 Forbidden \(Forbidden\); this AppView does "
        r"not answer anonymous searches; set identifier and "
        r"password",
    ):
        fetch(bluesky(local_server), client)


def test_bluesky_malformed_body_is_one_line(local_server, client):
    local_server.route(
        SEARCH_POSTS,
        Reply(headers={"Content-Type": "application/json"}, body=payload("social_malformed.json")),
    )
    with pytest.raises(SourceError) as err:
        fetch(bluesky(local_server), client)
    message = str(err.value)
    assert message.startswith(
        f"source 'bluesky:'acme air'': GET {local_server.url}{SEARCH_POSTS}?q=acme+air"
    )
    assert "the response is not valid JSON" in message and "\n" not in message


# ---------------------------------------------------------------------------------------------
# X


def x_source(server: Any, **kw: Any) -> XSource:
    return XSource(kind="x", query="acme air -is:retweet", base_url=server.url, **kw)


def test_x_pages_with_next_token_and_expands_authors(local_server, client, secrets):
    local_server.route(
        X_SEARCH, Reply(body=body("x_search_page1.json")), Reply(body=body("x_search_page2.json"))
    )
    result = fetch(x_source(local_server), client)
    assert rows(result) == [
        row(
            mention_id="1919412345678901250",
            platform="x",
            author_id="katrin_vogel",
            author_name="Katrin Vogel",
            text="@AcmeAir Erstattung & Gutschein versprochen, seit 6 Wochen nichts. Was ist da "
            "los?",
            created_at="2026-05-04T16:20:05Z",
            url="https://x.com/katrin_vogel/status/1919412345678901250",
            lang="de",
            in_reply_to_id="1919398765432109876",
            conversation_id="1919398765432109876",
            reach=412,
            likes=3,
            shares=0,
            replies=1,
        ),
        row(
            mention_id="1919398765432109876",
            platform="x",
            author_id="AcmeAir",
            author_name="Acme Air",
            text="Summer timetable is live: 14 new routes from Berlin and Munich. Book by "
            "Friday for launch fares.",
            created_at="2026-05-04T15:02:44Z",
            url="https://x.com/AcmeAir/status/1919398765432109876",
            lang="en",
            conversation_id="1919398765432109876",
            reach=185000,
            likes=48,
            shares=9,
            replies=12,
        ),
        row(
            mention_id="1919100000000000003",
            platform="x",
            author_id="danmiller",
            author_name="Dan Miller",
            text="Three hours on hold with @AcmeAir and still no answer about my lost bag <sigh>",
            created_at="2026-05-03T19:11:00Z",
            url="https://x.com/danmiller/status/1919100000000000003",
            lang="en",
            conversation_id="1919100000000000003",
            reach=87,
            likes=2,
            shares=1,
            replies=0,
        ),
        row(
            mention_id="1918900000000000004",
            platform="x",
            author_id="mia_reist",
            author_name="Mia",
            text="@AcmeAir ✈️👍",
            created_at="2026-05-03T08:00:00Z",
            url="https://x.com/mia_reist/status/1918900000000000004",
            conversation_id="1918900000000000004",
            reach=2310,
            likes=0,
            shares=0,
            replies=0,
        ),
    ]
    first, second = local_server.requests_to(X_SEARCH)
    assert first.headers["authorization"] == f"Bearer {BEARER}"
    assert (
        first.param("query"),
        first.param("max_results"),
        first.param("expansions"),
        first.param("user.fields"),
    ) == ("acme air -is:retweet", "100", "author_id", "name,username,public_metrics")
    assert "public_metrics" in first.param("tweet.fields")
    assert first.param("start_time") is None and first.param("next_token") is None
    assert second.param("next_token") == "b26v89c19zqg8o3fosbvxgnp4tp5ki0w0e5rlucnvd6bh"
    assert result.cursor == SourceCursor(
        "1919412345678901250", at("2026-05-04T16:20:05Z"), ("1919412345678901250",)
    )
    assert "Authorization" not in client.session.headers


def test_x_since_within_seven_days_is_start_time_and_until_end_time(local_server, client, secrets):
    local_server.route(
        X_SEARCH, Reply(body=body("x_search_page1.json")), Reply(body=body("x_search_page2.json"))
    )
    source = x_source(local_server, since=dt.date(2026, 5, 3), until=dt.date(2026, 5, 3))
    result = fetch(source, client)
    assert result.mentions["mention_id"].tolist() == ["1919100000000000003", "1918900000000000004"]
    first = local_server.requests_to(X_SEARCH)[0]
    assert (first.param("start_time"), first.param("end_time")) == (
        "2026-05-03T00:00:00Z",
        "2026-05-04T00:00:00Z",
    )


def test_x_since_beyond_seven_days_asks_for_the_whole_week(local_server, client, secrets):
    local_server.route(X_SEARCH, Reply(body=body("x_search_page2.json")))
    fetch(x_source(local_server, since=dt.date(2026, 4, 1)), client)
    [request] = local_server.requests_to(X_SEARCH)
    assert request.param("start_time") is None and request.param("end_time") is None


def test_x_cursor_is_sent_as_since_id(local_server, client, secrets):
    local_server.route(X_SEARCH, Reply(body=body("x_search_empty.json")))
    before = SourceCursor(
        "1919412345678901250", at("2026-05-04T16:20:05Z"), ("1919412345678901250",)
    )
    result = fetch(x_source(local_server, since=dt.date(2026, 5, 4)), client, cursor=before)
    [request] = local_server.requests_to(X_SEARCH)
    assert request.param("since_id") == "1919412345678901250"
    assert request.param("start_time") is None
    assert result.mentions.empty and list(result.mentions.columns) == list(FEED_COLUMNS)
    assert result.cursor == before  # nothing new: the cursor stays


def test_x_429_with_retry_after_waits_then_reads(local_server, client, sleeps, secrets):
    local_server.route(
        X_SEARCH,
        Reply(429, {"Retry-After": "7"}, body("x_too_many_requests.json")),
        Reply(body=body("x_search_page2.json")),
    )
    result = fetch(x_source(local_server), client)
    assert len(result.mentions) == 2 and sleeps == [7.0]


def test_x_500_then_success_backs_off_once(local_server, client, sleeps, secrets):
    local_server.route(
        X_SEARCH,
        Reply(500, body={"title": "Internal Server Error"}),
        Reply(body=body("x_search_page2.json")),
    )
    result = fetch(x_source(local_server), client)
    assert len(result.mentions) == 2 and sleeps == [0.5]


def test_x_expired_token_is_one_clear_line_without_the_token(local_server, client, secrets):
    local_server.route(X_SEARCH, Reply(401, body=body("x_unauthorized.json")))
    with pytest.raises(SourceError) as err:
        fetch(x_source(local_server, limit=10), client)
    message = str(err.value)
    assert message.startswith(
        f"source 'x:'acme air -is:retweet'': GET {local_server.url}"
        f"{X_SEARCH}?query=acme+air+-is%3Aretweet&max_results=10&"
    )
    assert message.endswith(
        ": HTTP 401 Unauthorized; X refused the bearer token in ${X_BEARER_TOKEN} (expired, "
        "revoked or without access to recent search); create a new one in the X developer "
        "portal and set it before the run"
    )
    assert BEARER not in message and len(local_server.requests) == 1  # a 401 is not retried


def test_x_without_its_variable_names_it_and_sends_nothing(local_server, client, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    with pytest.raises(SourceError) as err:
        fetch(x_source(local_server), client)
    assert str(err.value) == (
        "source 'x:'acme air -is:retweet'': the environment variable "
        "X_BEARER_TOKEN is not set (bearer_token: ${X_BEARER_TOKEN}); set "
        "it before the run"
    )
    assert local_server.requests == []


# ---------------------------------------------------------------------------------------------
# YouTube


def youtube(server: Any, **kw: Any) -> YouTubeSource:
    which = kw if "query" in kw else {"channel_id": "UCacmeair00000000000000a", **kw}
    return YouTubeSource(kind="youtube", base_url=server.url + "/youtube/v3", **which)


def test_youtube_channel_comments_and_replies(local_server, client, secrets):
    local_server.route(
        YT_THREADS,
        Reply(body=body("youtube_threads_page1.json")),
        Reply(body=body("youtube_threads_page2.json")),
    )
    result = fetch(youtube(local_server), client)
    thread = "UgxKd3Ph1acmeThread1AaABAg"
    assert rows(result)[:2] == [
        row(
            mention_id=thread,
            platform="youtube",
            author_id="UCjulereist00000000000001",
            author_name="@jule.reist",
            text="Der Sitzabstand in Reihe 14 ist eine Zumutung & das WLAN ging nicht.",
            created_at="2026-05-04T08:15:00Z",
            url=f"https://www.youtube.com/watch?v=aC3mEvid001&lc={thread}",
            conversation_id=thread,
            likes=14,
            replies=1,
        ),
        row(
            mention_id=f"{thread}.A1b2C3d4E5f",
            platform="youtube",
            author_id="UCacmeair00000000000000a",
            author_name="@AcmeAir",
            text="Hallo Jule, danke für dein Feedback! Wir geben es an unser Kabinenteam "
            "weiter. ^MK",
            created_at="2026-05-04T09:40:00Z",
            url=f"https://www.youtube.com/watch?v=aC3mEvid001&lc={thread}.A1b2C3d4E5f",
            in_reply_to_id=thread,
            conversation_id=thread,
            likes=2,
        ),
    ]
    assert result.mentions["author_name"].tolist()[2:] == [
        "@pete_travels",
        "@m.hoffmann",
        "@early_bird",
    ]
    first, second = local_server.requests_to(YT_THREADS)
    assert {k: v[0] for k, v in first.query.items()} == {
        "part": "snippet,replies",
        "allThreadsRelatedToChannelId": "UCacmeair00000000000000a",
        "order": "time",
        "textFormat": "plainText",
        "maxResults": "100",
        "key": YT_KEY,
    }
    assert second.param("pageToken") == "QURTSl9pM2dhYWFh"
    assert result.cursor == SourceCursor(
        f"{thread}.A1b2C3d4E5f",
        at("2026-05-04T09:40:00Z"),
        (f"{thread}.A1b2C3d4E5f",),
        etag="Xk2acmeThreadsEtagPage1",
    )


def test_youtube_since_stops_paging_at_older_threads(local_server, client, secrets):
    local_server.route(
        YT_THREADS,
        Reply(body=body("youtube_threads_page1.json")),
        Reply(body=body("youtube_threads_page2.json")),
    )
    result = fetch(youtube(local_server, since=dt.date(2026, 5, 1)), client)
    assert len(result.mentions) == 4  # the thread of 2026-04-25 is left out
    assert len(local_server.requests_to(YT_THREADS)) == 2


def test_youtube_search_reads_each_videos_comments_and_skips_closed_ones(
    local_server, client, secrets, caplog
):
    local_server.route(YT_SEARCH, Reply(body=body("youtube_search.json")))
    local_server.route(
        YT_THREADS,
        Reply(body=body("youtube_threads_page2.json")),
        Reply(403, body=body("youtube_comments_disabled.json")),
    )
    with caplog.at_level(logging.WARNING):
        result = fetch(youtube(local_server, query="acme air", since=dt.date(2026, 4, 20)), client)
    assert result.mentions["mention_id"].tolist() == [
        "UgzQ9acmeThread3Kk1AaABAg",
        "UgwR2acmeThread4Pp7AaABAg",
    ]
    [search] = local_server.requests_to(YT_SEARCH)
    assert {k: v[0] for k, v in search.query.items()} == {
        "part": "snippet",
        "q": "acme air",
        "type": "video",
        "order": "date",
        "maxResults": "10",
        "publishedAfter": "2026-04-20T00:00:00Z",
        "key": YT_KEY,
    }
    assert [r.param("videoId") for r in local_server.requests_to(YT_THREADS)] == [
        "aC3mEvid001",
        "aC3mEvid002",
    ]
    assert "comments of video aC3mEvid002 cannot be read, skipped" in caplog.text
    assert YT_KEY not in caplog.text


def test_youtube_invalid_key_is_one_clear_line_with_the_key_masked(local_server, client, secrets):
    local_server.route(YT_THREADS, Reply(400, body=body("youtube_key_invalid.json")))
    with pytest.raises(SourceError) as err:
        fetch(youtube(local_server), client)
    message = str(err.value)
    assert message.startswith(
        "source 'youtube:channel UCacmeair00000000000000a': GET "
        f"{local_server.url}{YT_THREADS}?part=snippet%2Creplies&"
    )
    assert "&key=***" in message and YT_KEY not in message
    assert message.endswith(
        ": HTTP 400 Bad Request; YouTube refused the request: check the API key in "
        "${YOUTUBE_API_KEY} (valid, YouTube Data API v3 enabled for its project, not "
        "restricted to other sites), the channel id, and the day's quota (10,000 units) in the "
        "Google Cloud console"
    )


# ---------------------------------------------------------------------------------------------
# Apple App Store


def appstore(server: Any, **kw: Any) -> AppStoreSource:
    return AppStoreSource(
        kind="appstore", app_id="1400000000", country="de", base_url=server.url, **kw
    )


def test_appstore_reads_pages_up_to_the_last_and_maps_reviews(local_server, client):
    local_server.route(
        APPLE_PAGE.format(1),
        Reply(
            headers={"Last-Modified": "Tue, 05 May 2026 11:00:12 GMT"},
            body=body("appstore_reviews_page1.json"),
        ),
    )
    local_server.route(APPLE_PAGE.format(2), Reply(body=body("appstore_reviews_page2.json")))
    result = fetch(appstore(local_server), client)
    link = "https://itunes.apple.com/de/review?id=1400000000&type=Purple%20Software"
    assert rows(result) == [
        row(
            mention_id="11800000000000000001",
            platform="appstore",
            author_id="https://itunes.apple.com/de/reviews/id1200000001",
            author_name="Reisefan_82",
            text="Check-in stürzt ab\n\nSeit dem letzten Update stürzt die App beim "
            "Online-Check-in jedes Mal ab. Bordkarte musste am Schalter gedruckt werden.",
            created_at="2026-05-04T10:12:44Z",
            url=link,
            conversation_id="11800000000000000001",
            likes=4,
        ),
        row(
            mention_id="11800000000000000002",
            platform="appstore",
            author_id="https://itunes.apple.com/de/reviews/id1200000002",
            author_name="Frequent flyer Sam",
            text="Finally a good airline app\n\nBoarding pass in the wallet, live gate changes, "
            "rebooking in two taps. Well done!",
            created_at="2026-05-02T21:00:00Z",
            url=link,
            conversation_id="11800000000000000002",
            likes=0,
        ),
        row(
            mention_id="11800000000000000003",
            platform="appstore",
            author_id="https://itunes.apple.com/de/reviews/id1200000003",
            author_name="Petra S.",
            text="Ganz okay\n\nFunktioniert meistens, aber die Sitzplatzauswahl ist umständlich.",
            created_at="2026-04-29T16:30:00Z",
            url=link,
            conversation_id="11800000000000000003",
            likes=1,
        ),
    ]
    assert [r.path for r in local_server.requests] == [APPLE_PAGE.format(1), APPLE_PAGE.format(2)]
    assert result.cursor == SourceCursor(
        "11800000000000000001",
        at("2026-05-04T10:12:44Z"),
        ("11800000000000000001",),
        last_modified="Tue, 05 May 2026 11:00:12 GMT",
    )


def test_appstore_since_stops_at_the_first_older_review(local_server, client):
    local_server.route(APPLE_PAGE.format(1), Reply(body=body("appstore_reviews_page1.json")))
    result = fetch(appstore(local_server, since=dt.date(2026, 5, 3)), client)
    assert result.mentions["mention_id"].tolist() == ["11800000000000000001"]
    assert len(local_server.requests) == 1


def test_appstore_without_reviews_is_empty(local_server, client):
    local_server.route(APPLE_PAGE.format(1), Reply(body=body("appstore_reviews_empty.json")))
    result = fetch(appstore(local_server), client)
    assert result.mentions.empty and result.cursor == SourceCursor()


def test_appstore_500_then_success(local_server, client, sleeps):
    local_server.route(
        APPLE_PAGE.format(1), Reply(503), Reply(body=body("appstore_reviews_page1.json"))
    )
    local_server.route(APPLE_PAGE.format(2), Reply(body=body("appstore_reviews_page2.json")))
    assert len(fetch(appstore(local_server), client).mentions) == 3 and sleeps == [0.5]


def test_appstore_answer_of_another_api_is_one_line(local_server, client):
    local_server.route(APPLE_PAGE.format(1), Reply(body={"results": []}))
    with pytest.raises(SourceError) as err:
        fetch(appstore(local_server), client)
    assert str(err.value) == (
        f"source 'appstore:de/1400000000': GET {local_server.url}{APPLE_PAGE.format(1)}: "
        "unexpected answer (expected a review feed ({'feed': {'entry': [...]}})); check that "
        "base_url points to the right API"
    )


# ---------------------------------------------------------------------------------------------
# Cursor, playbook, validate, read_mentions


def test_cursor_round_trips_through_json_and_keeps_ties():
    when = at("2026-05-04T09:40:00Z")
    cursor = SourceCursor("b", when, ("a", "b"), etag='"e"', last_modified="Tue, 05 May 2026")
    assert SourceCursor.from_dict(json.loads(json.dumps(cursor.to_dict()))) == cursor
    assert cursor.covers("a", when) and not cursor.covers("c", when)
    assert not cursor.covers("z", when + dt.timedelta(seconds=1))


def make_playbook(sources: list[dict[str, Any]], tmp_path: Path) -> Playbook:
    return Playbook.model_validate(
        {
            "client": "acme-air",
            "name": "Acme Air",
            "brand": {"handles": ["@AcmeAir"], "accounts": ["UCacmeair00000000000000a"]},
            "sources": sources,
            "http": {"cache_dir": str(tmp_path / "cache"), "retries": 1, "backoff": 0},
        },
        context={"check_files": False},
    )


def test_playbook_kinds_defaults_and_required_variables(tmp_path):
    playbook = make_playbook(
        [
            {
                "kind": "bluesky",
                "query": "acme",
                "identifier": "${BSKY_HANDLE}",
                "password": "${BSKY_APP_PASSWORD}",
            },
            {"kind": "youtube", "channel_id": "UCacmeair00000000000000a"},
            {"kind": "appstore", "app_id": 1400000000, "country": "de"},
            {"kind": "x", "query": "acme"},
        ],
        tmp_path,
    )
    bsky, yt, apple, x = playbook.sources
    assert (bsky.base_url, yt.base_url, apple.base_url, x.base_url) == (
        "https://public.api.bsky.app",
        "https://www.googleapis.com/youtube/v3",
        "https://itunes.apple.com",
        "https://api.x.com",
    )
    assert [s.label for s in playbook.sources] == [
        "bluesky:'acme'",
        "youtube:channel UCacmeair00000000000000a",
        "appstore:de/1400000000",
        "x:'acme'",
    ]
    assert [required_env(s) for s in playbook.sources] == [
        {"BSKY_HANDLE": "identifier", "BSKY_APP_PASSWORD": "password"},
        {"YOUTUBE_API_KEY": "api_key"},
        {},
        {"X_BEARER_TOKEN": "bearer_token"},
    ]
    assert missing_env(playbook, {"BSKY_HANDLE": "h", "BSKY_APP_PASSWORD": "p"}) == {
        1: "sources[1] youtube:channel UCacmeair00000000000000a: the environment variable "
        "YOUTUBE_API_KEY is not set (api_key: ${YOUTUBE_API_KEY}); set it before the run",
        3: "sources[3] x:'acme': the environment variable X_BEARER_TOKEN is not set "
        "(bearer_token: ${X_BEARER_TOKEN}); set it before the run",
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            {"kind": "x", "query": "acme", "bearer_token": "AAAAlit3ral"},
            "sources[0].bearer_token: must be a ${NAME} placeholder",
        ),
        (
            {"kind": "youtube", "channel_id": "UC1", "query": "acme"},
            "sources[0]: set exactly one of channel_id",
        ),
        (
            {"kind": "bluesky", "query": "acme", "password": "${P}"},
            "sources[0]: set both identifier and password",
        ),
        ({"kind": "appstore", "app_id": "acme-app"}, "sources[0].app_id"),
        (
            {"kind": "blusky", "query": "acme"},
            "'hackernews', 'bluesky', 'youtube', 'appstore', 'x'",
        ),
    ],
)
def test_playbook_errors_of_the_new_kinds(tmp_path, source, expected):
    path = tmp_path / "p.yaml"
    path.write_text(
        json.dumps(
            {
                "client": "acme-air",
                "name": "Acme Air",
                "brand": {"handles": ["@AcmeAir"]},
                "sources": [source],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    assert expected in str(err.value)
    assert "AAAAlit3ral" not in str(err.value)


def test_validate_names_a_missing_variable_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.setenv("X_BEARER_TOKEN", BEARER)
    playbook = make_playbook(
        [
            {"kind": "youtube", "channel_id": "UCacmeair00000000000000a"},
            {"kind": "x", "query": "acme"},
        ],
        tmp_path,
    )
    youtube_check, x_check = check_sources(playbook)
    assert (youtube_check.status, youtube_check.line) == (
        "problem",
        "sources[0] youtube:channel UCacmeair00000000000000a: the environment "
        "variable YOUTUBE_API_KEY is not set (api_key: ${YOUTUBE_API_KEY}) -> set it before "
        "the run",
    )
    assert x_check.status == "skipped"


def test_read_mentions_goes_on_past_a_refused_token_and_a_missing_variable(
    local_server, tmp_path, monkeypatch, caplog
):
    monkeypatch.setenv("X_BEARER_TOKEN", BEARER)
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    local_server.route(X_SEARCH, Reply(401, body=body("x_unauthorized.json")))
    local_server.route(APPLE_PAGE.format(1), Reply(body=body("appstore_reviews_page1.json")))
    local_server.route(APPLE_PAGE.format(2), Reply(body=body("appstore_reviews_page2.json")))
    playbook = make_playbook(
        [
            {"kind": "x", "query": "acme", "base_url": local_server.url},
            {
                "kind": "appstore",
                "app_id": "1400000000",
                "country": "de",
                "base_url": local_server.url,
            },
            {
                "kind": "youtube",
                "channel_id": "UCacmeair00000000000000a",
                "base_url": local_server.url + "/youtube/v3",
            },
        ],
        tmp_path,
    )
    with caplog.at_level(logging.WARNING, logger="socialcrm_utils.sources"):
        result = read_mentions(playbook, now=NOW)
    assert result.mentions["mention_id"].tolist() == [
        "11800000000000000003",
        "11800000000000000002",
        "11800000000000000001",
    ]
    assert set(result.mentions["platform"]) == {"appstore"}
    counts = result.counts.set_index("source")
    unset = (
        "sources[2] youtube:channel UCacmeair00000000000000a: the environment variable "
        "YOUTUBE_API_KEY is not set (api_key: ${YOUTUBE_API_KEY}); set it before the run"
    )
    assert counts.loc["youtube:channel UCacmeair00000000000000a", "status"] == unset
    assert caplog.records[0].getMessage() == unset  # named before anything was fetched
    x_status = counts.loc["x:'acme'", "status"]
    assert x_status.startswith(f"source 'x:'acme'': GET {local_server.url}{X_SEARCH}?")
    assert x_status.endswith(
        "HTTP 401 Unauthorized; X refused the bearer token in "
        "${X_BEARER_TOKEN} (expired, revoked or without access to recent "
        "search); create a new one in the X developer portal and set it "
        "before the run"
    )
    assert counts.loc["appstore:de/1400000000", ["read", "kept", "status"]].tolist() == [3, 3, "ok"]
    assert result.failed == ["x:'acme'", "youtube:channel UCacmeair00000000000000a"]
    assert local_server.requests_to(YT_THREADS) == []
    assert list(result.cursors) == ["appstore:de/1400000000"]
    assert result.cursors["appstore:de/1400000000"].last_id == "11800000000000000001"


def test_read_mentions_marks_the_brands_youtube_replies_and_passes_cursors(
    local_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("YOUTUBE_API_KEY", YT_KEY)
    local_server.route(
        YT_THREADS,
        Reply(body=body("youtube_threads_page1.json")),
        Reply(body=body("youtube_threads_page2.json")),
    )
    playbook = make_playbook(
        [
            {
                "kind": "youtube",
                "channel_id": "UCacmeair00000000000000a",
                "base_url": local_server.url + "/youtube/v3",
            }
        ],
        tmp_path,
    )
    label = "youtube:channel UCacmeair00000000000000a"
    before = SourceCursor(
        "UgyT7acmeThread2Zz4AaABAg", at("2026-05-03T20:00:00Z"), ("UgyT7acmeThread2Zz4AaABAg",)
    )
    result = read_mentions(playbook, now=NOW, cursors={label: before})
    mentions = result.mentions.set_index("mention_id")
    assert mentions["is_brand"].to_dict() == {
        "UgxKd3Ph1acmeThread1AaABAg": False,
        "UgxKd3Ph1acmeThread1AaABAg.A1b2C3d4E5f": True,
    }
    assert mentions["created_at"].tolist() == [
        pd.Timestamp("2026-05-04T08:15:00Z"),
        pd.Timestamp("2026-05-04T09:40:00Z"),
    ]
    assert len(local_server.requests_to(YT_THREADS)) == 1  # page 1 reached the cursor
    assert result.cursors[label].last_id == "UgxKd3Ph1acmeThread1AaABAg.A1b2C3d4E5f"
