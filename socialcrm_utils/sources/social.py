"""Social APIs: Bluesky post search, X recent search, YouTube comments.

Each fetcher reads one playbook source through the shared
:class:`~socialcrm_utils.sources.http.HttpClient` (retries with ``Retry-After``, the disk cache,
rate limits), pages until ``limit``, ``since`` or the previous run's cursor is reached, maps
every item to the canonical columns and returns a
:class:`~socialcrm_utils.sources.apis.FetchResult` with the new cursor. Called through
:func:`~socialcrm_utils.sources.apis.fetch_api_source`, which prefixes every error with the
source's label. What maps to what is documented in ``docs/sources.md``.

Tokens come from environment variables named in the playbook (``${X_BEARER_TOKEN}``); they are
sent in an ``Authorization`` header (Bluesky after a login, X) or as the ``key`` parameter
(YouTube, masked in every message and cache file as ``key=***``), and never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any
from urllib.parse import quote

import requests

from ..credentials import hide_env, mask_url, mask_urls_in_text
from ..exceptions import SourceError
from ..playbook.api_sources import BlueskySource, XSource, YouTubeSource
from .apis import (
    MAX_PAGES,
    FetchResult,
    Record,
    SourceCursor,
    advance_cursor,
    bearer_token,
    collect_records,
    from_iso,
    iso_z,
    records_frame,
    refused,
    secret_value,
    server_tags,
    unexpected,
    window_of,
)
from .feeds import json_count as count
from .feeds import primary_lang as lang_of
from .feeds import strip_html
from .http import HttpClient, HttpResponse

__all__ = ["fetch_bluesky", "fetch_x", "fetch_youtube"]

logger = logging.getLogger(__name__)

BLUESKY_PAGE = 100  # the API's maximum
BLUESKY_WEB = "https://bsky.app"
X_PAGE = 100  # max_results: 10 to 100
X_WEB = "https://x.com"
X_REACH_BACK = dt.timedelta(days=7) - dt.timedelta(minutes=1)  # recent search: 7 days
YOUTUBE_PAGE = 100  # commentThreads maxResults: 1 to 100
YOUTUBE_WEB = "https://www.youtube.com/watch"
_X_TWEET_FIELDS = (
    "author_id,conversation_id,created_at,in_reply_to_user_id,lang,public_metrics,referenced_tweets"
)
_X_USER_FIELDS = "name,username,public_metrics"
_TOKEN = frozenset({401, 403})  # statuses that mean the token was refused
_TOKEN_400 = frozenset({400, 401, 403})  # ... also 400 (YouTube keyInvalid, XRPC ExpiredToken)


# ---------------------------------------------------------------------------------------------
# Bluesky


def fetch_bluesky(
    source: BlueskySource, client: HttpClient, *, cursor: SourceCursor, now: dt.datetime
) -> FetchResult:
    """Search Bluesky posts (``app.bsky.feed.searchPosts``, ``sort=latest``), newest first.

    Without a login the public AppView (``base_url``) is asked; with ``identifier`` and
    ``password`` the client logs in at ``pds`` and searches there with the session token.
    ``since`` (or the cursor's newest time, whichever is later) and ``until`` are sent to the
    API; pages are followed with the answer's ``cursor``.

    Args:
        source: The ``bluesky`` source.
        client: The HTTP client.
        cursor: The previous run's cursor.
        now: The run's time (unused: the search has no time limit).

    Returns:
        Posts and the new cursor (``ETag`` / ``Last-Modified`` of the first page).

    Raises:
        SourceError: If the login or a page fails, or the answer is not a search result.
    """
    token = _bluesky_login(source, client) if source.identifier else None
    base = source.pds if token else source.base_url
    tags: dict[str, str | None] = {}
    fix = (
        "Bluesky refused the session token (expired or revoked); check identifier and "
        "password (create a new app password) and run again"
        if token
        else "this AppView does not answer anonymous searches; set identifier and password "
        "(${NAME} placeholders of a handle and an app password) to search logged in"
    )
    with bearer_token(client, token) if token else nullcontext():
        try:
            records = collect_records(
                _bluesky_pages(source, client, base, cursor, tags), source, cursor
            )
        except SourceError as exc:
            expired = token is not None and (
                "ExpiredToken" in str(exc) or "InvalidToken" in str(exc)
            )
            raise refused(exc, fix, _TOKEN_400 if expired else _TOKEN) from None
    return FetchResult(records_frame(records), advance_cursor(cursor, records, **tags))


def _bluesky_login(source: BlueskySource, client: HttpClient) -> str:
    """Log in with the app password (``com.atproto.server.createSession``): the access token.

    One POST through the client's session (its User-Agent and adapter; never cached, not
    retried on a status). Neither the password nor the token is logged or kept.
    """
    assert source.identifier is not None and source.password is not None  # the model's rule
    identifier = secret_value(source.identifier, "identifier")
    password = secret_value(source.password, "password")
    url = f"{source.pds}/xrpc/com.atproto.server.createSession"
    shown = mask_url(url)
    try:
        resp = client.session.post(
            url,
            json={"identifier": identifier, "password": password},
            headers={"Accept": "application/json"},
            timeout=client.http.timeout,
        )
    except requests.RequestException as exc:
        why = hide_env(
            mask_urls_in_text(str(exc).splitlines()[0] if str(exc) else ""),
            f"{source.identifier} {source.password}",
        )
        raise SourceError(
            f"POST {shown}: cannot log in ({type(exc).__name__}: {why}); check pds and the network"
        ) from None
    if resp.status_code in (400, 401, 403):
        raise SourceError(
            f"POST {shown}: HTTP {resp.status_code}: Bluesky refused the login with "
            f"identifier {source.identifier} and password {source.password}; check the handle "
            "and create a new app password (Settings > Privacy and security > App passwords)"
        )
    if not resp.ok:
        raise SourceError(
            f"POST {shown}: HTTP {resp.status_code} {resp.reason or ''}".rstrip()
            + "; the login failed, try again later"
        )
    try:
        token = resp.json().get("accessJwt")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise SourceError(
            f"POST {shown}: unexpected answer (expected a session with an "
            "accessJwt); check that pds points to a Bluesky PDS"
        )
    return token


def _bluesky_pages(
    source: BlueskySource,
    client: HttpClient,
    base: str,
    cursor: SourceCursor,
    tags: dict[str, str | None],
) -> Iterator[list[Record]]:
    start, end = window_of(source)
    if cursor.newest_at is not None and (start is None or cursor.newest_at > start):
        start = cursor.newest_at  # inclusive: items at this time are sorted out by the cursor
    url = f"{base}/xrpc/app.bsky.feed.searchPosts"
    params = {
        "q": source.query,
        "sort": "latest",
        "limit": min(BLUESKY_PAGE, source.limit),
        "since": iso_z(start),
        "until": iso_z(end),
        "lang": source.lang,
    }
    page_cursor: str | None = None
    for number in range(MAX_PAGES):
        response = client.get(url, {**params, "cursor": page_cursor}, json_body=True)
        if number == 0:
            tags.update(server_tags(response))
        data = response.data
        posts = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(posts, list):
            raise unexpected(response, "a search result ({'posts': [...], 'cursor': ...})")
        if not posts:
            return
        yield [_bluesky_record(post, response) for post in posts]
        following = data.get("cursor")
        if not isinstance(following, str) or not following or following == page_cursor:
            return
        page_cursor = following


def _bluesky_record(post: Any, response: HttpResponse) -> Record:
    if not isinstance(post, dict):
        raise unexpected(response, "posts")
    uri = post.get("uri")
    record = post.get("record") or {}
    author = post.get("author") or {}
    reply = record.get("reply") or {}
    parent, root = (reply.get("parent") or {}).get("uri"), (reply.get("root") or {}).get("uri")
    handle = author.get("handle") or author.get("did")
    rkey = uri.rsplit("/", 1)[-1] if isinstance(uri, str) else None
    langs = record.get("langs") or [None]
    return {
        "mention_id": uri or None,
        "platform": "bluesky",
        "author_id": handle or None,
        "author_name": author.get("displayName") or handle or None,
        "text": (record.get("text") or "").strip(),
        "created_at": from_iso(record.get("createdAt") or post.get("indexedAt")),
        "url": f"{BLUESKY_WEB}/profile/{handle}/post/{rkey}" if handle and rkey else None,
        "lang": lang_of(langs[0]),
        "in_reply_to_id": parent or None,
        "conversation_id": root or uri or None,
        "reach": None,  # a post's author view carries no follower count
        "likes": count(post.get("likeCount")),
        "shares": _sum(post.get("repostCount"), post.get("quoteCount")),
        "replies": count(post.get("replyCount")),
    }


# ---------------------------------------------------------------------------------------------
# X


def fetch_x(
    source: XSource, client: HttpClient, *, cursor: SourceCursor, now: dt.datetime
) -> FetchResult:
    """X recent search (``/2/tweets/search/recent``) with authors expanded, newest first.

    With a cursor only newer posts are asked for (``since_id``); else ``since`` is sent as
    ``start_time`` when it lies within the 7 days the search covers (older: the whole 7 days),
    ``until`` as ``end_time`` when it is not in the future. Pages are followed with
    ``next_token``.

    Args:
        source: The ``x`` source.
        client: The HTTP client.
        cursor: The previous run's cursor.
        now: The run's time (the 7 days are counted back from it).

    Returns:
        Posts and the new cursor.

    Raises:
        SourceError: If the token is missing or refused, or a page fails.
    """
    token = secret_value(source.bearer_token, "bearer_token")
    tags: dict[str, str | None] = {}
    fix = (
        f"X refused the bearer token in {source.bearer_token} (expired, revoked or without "
        "access to recent search); create a new one in the X developer portal and set it "
        "before the run"
    )
    with bearer_token(client, token):
        try:
            records = collect_records(_x_pages(source, client, cursor, now, tags), source, cursor)
        except SourceError as exc:
            raise refused(exc, fix) from None
    return FetchResult(records_frame(records), advance_cursor(cursor, records, **tags))


def _x_window(source: XSource, cursor: SourceCursor, now: dt.datetime) -> dict[str, Any]:
    """``since_id`` / ``start_time`` / ``end_time`` within what recent search accepts."""
    start, end = window_of(source)
    if cursor.last_id:
        return {
            "since_id": cursor.last_id,
            "end_time": iso_z(end) if end is not None and end < now else None,
        }
    earliest = now - X_REACH_BACK
    if start is not None and start < earliest:
        logger.info(
            "x: since %s lies beyond the 7 days recent search covers; asking from %s",
            source.since,
            iso_z(earliest),
        )
        start = None
    return {
        "start_time": iso_z(start),
        "end_time": iso_z(end) if end is not None and end < now else None,
    }


def _x_pages(
    source: XSource,
    client: HttpClient,
    cursor: SourceCursor,
    now: dt.datetime,
    tags: dict[str, str | None],
) -> Iterator[list[Record]]:
    url = f"{source.base_url}/2/tweets/search/recent"
    params = {
        "query": source.query,
        "max_results": max(10, min(X_PAGE, source.limit)),
        "tweet.fields": _X_TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": _X_USER_FIELDS,
        **_x_window(source, cursor, now),
    }
    token: str | None = None
    for number in range(MAX_PAGES):
        response = client.get(url, {**params, "next_token": token}, json_body=True)
        if number == 0:
            tags.update(server_tags(response))
        data = response.data
        if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
            raise unexpected(response, "a search result ({'data': [...], 'meta': {...}})")
        tweets = data.get("data") or []
        if not isinstance(tweets, list):
            raise unexpected(response, "a list of posts in 'data'")
        if not tweets:
            return
        users = {
            u.get("id"): u
            for u in (data.get("includes") or {}).get("users") or []
            if isinstance(u, dict)
        }
        yield [_x_record(tweet, users, response) for tweet in tweets]
        following = data["meta"].get("next_token")
        if not isinstance(following, str) or not following or following == token:
            return
        token = following


def _x_record(tweet: Any, users: dict[Any, dict], response: HttpResponse) -> Record:
    if not isinstance(tweet, dict):
        raise unexpected(response, "posts")
    tweet_id = str(tweet["id"]) if tweet.get("id") is not None else None
    user = users.get(tweet.get("author_id")) or {}
    username = user.get("username")
    metrics = tweet.get("public_metrics") or {}
    parent = next(
        (
            str(r.get("id"))
            for r in tweet.get("referenced_tweets") or []
            if isinstance(r, dict) and r.get("type") == "replied_to"
        ),
        None,
    )
    lang = tweet.get("lang")
    return {
        "mention_id": tweet_id,
        "platform": "x",
        "author_id": username or tweet.get("author_id") or None,
        "author_name": user.get("name") or username or None,
        "text": html.unescape(tweet.get("text") or "").strip(),  # v2 escapes & < > in text
        "created_at": from_iso(tweet.get("created_at")),
        "url": f"{X_WEB}/{username or 'i/web'}/status/{tweet_id}" if tweet_id else None,
        "lang": None if lang in (None, "und", "zxx", "qme", "qht", "qam") else lang_of(lang),
        "in_reply_to_id": parent,
        "conversation_id": str(tweet.get("conversation_id") or tweet_id or "") or None,
        "reach": count((user.get("public_metrics") or {}).get("followers_count")),
        "likes": count(metrics.get("like_count")),
        "shares": _sum(metrics.get("retweet_count"), metrics.get("quote_count")),
        "replies": count(metrics.get("reply_count")),
    }


# ---------------------------------------------------------------------------------------------
# YouTube


def fetch_youtube(
    source: YouTubeSource, client: HttpClient, *, cursor: SourceCursor, now: dt.datetime
) -> FetchResult:
    """YouTube comments (Data API v3): of a channel, or of the videos a search finds.

    ``channel_id``: ``commentThreads.list`` with ``allThreadsRelatedToChannelId``. ``query``:
    ``search.list`` (videos, newest first, ``publishedAfter`` = ``since``) and then each
    video's ``commentThreads.list``; a video whose comments cannot be read (comments turned
    off) is skipped with a warning, unless no video can be read. Threads come newest first
    (``order=time``) and are paged with ``pageToken``; each thread gives its top-level comment
    and the replies the API includes with it (up to 5).

    Args:
        source: The ``youtube`` source.
        client: The HTTP client.
        cursor: The previous run's cursor.
        now: The run's time (unused).

    Returns:
        Comments and the new cursor (``etag`` of the first page's body).

    Raises:
        SourceError: If the key is missing or refused (the quota spent), or a page fails.
    """
    secret_value(source.api_key, "api_key")  # named in one line when unset
    tags: dict[str, str | None] = {}
    fix = (
        f"YouTube refused the request: check the API key in {source.api_key} (valid, "
        "YouTube Data API v3 enabled for its project, not restricted to other sites), the "
        f"{'channel id' if source.channel_id else 'query'}, and the day's quota (10,000 "
        "units) in the Google Cloud console"
    )
    try:
        if source.channel_id is not None:
            pages = _thread_pages(
                source, client, {"allThreadsRelatedToChannelId": source.channel_id}, tags
            )
            records = collect_records(pages, source, cursor)
        else:
            records = _search_comments(source, client, cursor, tags)
    except SourceError as exc:
        raise refused(exc, fix, _TOKEN_400) from None  # 400: keyInvalid
    return FetchResult(records_frame(records), advance_cursor(cursor, records, **tags))


def _search_comments(
    source: YouTubeSource, client: HttpClient, cursor: SourceCursor, tags: dict[str, str | None]
) -> list[Record]:
    """Comments of the videos ``search.list`` finds for the query, video after video."""
    start, end = window_of(source)
    response = client.get(
        f"{source.base_url}/search",
        {
            "part": "snippet",
            "q": source.query,
            "type": "video",
            "order": "date",
            "maxResults": source.videos,
            "publishedAfter": iso_z(start),
            "publishedBefore": iso_z(end),
            "key": source.api_key,
        },
        json_body=True,
    )
    items = response.data.get("items") if isinstance(response.data, dict) else None
    if not isinstance(items, list):
        raise unexpected(response, "a search result ({'items': [...]})")
    videos = [
        v
        for item in items
        if isinstance(item, dict) and isinstance(v := (item.get("id") or {}).get("videoId"), str)
    ]
    records: list[Record] = []
    failed: list[SourceError] = []
    for video in videos:
        left = source.limit - len(records)
        if left <= 0:
            break
        try:
            pages = _thread_pages(source, client, {"videoId": video}, tags)
            records += collect_records(pages, source, cursor, limit=left)
        except SourceError as exc:
            if "HTTP 403" not in str(exc):
                raise
            logger.warning("youtube: comments of video %s cannot be read, skipped (%s)", video, exc)
            failed.append(exc)
    if videos and len(failed) == len(videos):
        raise failed[-1]
    return records


def _thread_pages(
    source: YouTubeSource, client: HttpClient, which: dict[str, str], tags: dict[str, str | None]
) -> Iterator[list[Record]]:
    url = f"{source.base_url}/commentThreads"
    params = {
        "part": "snippet,replies",
        **which,
        "order": "time",
        "textFormat": "plainText",
        "maxResults": min(YOUTUBE_PAGE, source.limit),
        "key": source.api_key,
    }
    token: str | None = None
    for _ in range(MAX_PAGES):
        response = client.get(url, {**params, "pageToken": token}, json_body=True)
        data = response.data
        threads = data.get("items") if isinstance(data, dict) else None
        if not isinstance(threads, list):
            raise unexpected(response, "comment threads ({'items': [...]})")
        if not tags:
            tags.update(server_tags(response))
            tags["etag"] = data.get("etag") or tags.get("etag")
        if not threads:
            return
        yield [r for thread in threads for r in _thread_records(thread, response)]
        following = data.get("nextPageToken")
        if not isinstance(following, str) or not following or following == token:
            return
        token = following


def _thread_records(thread: Any, response: HttpResponse) -> list[Record]:
    """A comment thread: its top-level comment, then the replies included with it."""
    if not isinstance(thread, dict):
        raise unexpected(response, "comment threads")
    snippet = thread.get("snippet") or {}
    thread_id = thread.get("id") or None
    video = snippet.get("videoId")
    top = _comment_record(snippet.get("topLevelComment") or {}, video, thread_id, None)
    top["replies"] = count(snippet.get("totalReplyCount"))
    replies = [
        {
            **_comment_record(
                reply, video, thread_id, (reply.get("snippet") or {}).get("parentId") or thread_id
            ),
            "_reply": True,
        }
        for reply in (thread.get("replies") or {}).get("comments") or []
        if isinstance(reply, dict)
    ]
    return [top, *replies]


def _comment_record(comment: dict, video: Any, thread_id: Any, parent: Any) -> Record:
    snippet = comment.get("snippet") or {}
    comment_id = comment.get("id") or None
    author = (snippet.get("authorChannelId") or {}).get("value")
    name = snippet.get("authorDisplayName") or None
    text = snippet.get("textOriginal")
    if text is None:
        text = strip_html(snippet.get("textDisplay") or "")
    link = f"{YOUTUBE_WEB}?v={quote(str(video))}&lc={comment_id}" if video and comment_id else None
    return {
        "mention_id": comment_id,
        "platform": "youtube",
        "author_id": author or name,
        "author_name": name,
        "text": text.strip(),
        "created_at": from_iso(snippet.get("publishedAt")),
        "url": link,
        "lang": None,  # the API does not say
        "in_reply_to_id": parent,
        "conversation_id": thread_id,
        "reach": None,
        "likes": count(snippet.get("likeCount")),
    }


def _sum(*values: Any) -> int | None:
    """The sum of the counts given; None when none is."""
    numbers = [n for v in values if (n := count(v)) is not None]
    return sum(numbers) if numbers else None
