"""App-store reviews: Apple App Store customer reviews from the public RSS feed (JSON).

The feed ``{base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json``
serves the most recent reviews of one app in one country's store, 50 a page, at most 10 pages
(Apple's limit). It needs no key. Pages are fetched through the shared
:class:`~socialcrm_utils.sources.http.HttpClient` until ``limit``, ``since``, the previous
run's cursor or the feed's last page (its ``rel="last"`` link) is reached.

Google Play is not read: no maintained library fits (``docs/sources.md`` says why).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from ..playbook.api_sources import AppStoreSource
from .apis import (
    FetchResult,
    Record,
    SourceCursor,
    advance_cursor,
    collect_records,
    from_iso,
    join_text,
    records_frame,
    server_tags,
    unexpected,
)
from .feeds import json_count as count
from .http import HttpClient, HttpResponse

__all__ = ["APPSTORE_PAGES", "fetch_appstore"]

#: The feed serves at most this many pages (of 50 reviews).
APPSTORE_PAGES = 10
APPSTORE_WEB = "https://apps.apple.com"
_PAGE_NUMBER = re.compile(r"/page=(\d+)/")


def fetch_appstore(
    source: AppStoreSource, client: HttpClient, *, cursor: SourceCursor, now: dt.datetime
) -> FetchResult:
    """Read an app's App Store reviews, newest first.

    Args:
        source: The ``appstore`` source.
        client: The HTTP client.
        cursor: The previous run's cursor.
        now: The run's time (unused).

    Returns:
        Reviews (title and text joined, helpful votes as likes) and the new cursor
        (``ETag`` / ``Last-Modified`` of the first page).

    Raises:
        SourceError: If a page cannot be fetched or is not the review feed.
    """
    tags: dict[str, str | None] = {}
    records = collect_records(_review_pages(source, client, tags), source, cursor)
    return FetchResult(records_frame(records), advance_cursor(cursor, records, **tags))


def _review_pages(
    source: AppStoreSource, client: HttpClient, tags: dict[str, str | None]
) -> Iterator[list[Record]]:
    last = APPSTORE_PAGES
    for number in range(1, APPSTORE_PAGES + 1):
        url = (
            f"{source.base_url}/{source.country}/rss/customerreviews/page={number}/"
            f"id={source.app_id}/sortby=mostrecent/json"
        )
        response = client.get(url, json_body=True)
        if number == 1:
            tags.update(server_tags(response))
        feed = response.data.get("feed") if isinstance(response.data, dict) else None
        if not isinstance(feed, dict):
            raise unexpected(response, "a review feed ({'feed': {'entry': [...]}})")
        entries = feed.get("entry") or []
        if isinstance(entries, dict):  # the feed sends a lone review as an object
            entries = [entries]
        if not isinstance(entries, list):
            raise unexpected(response, "reviews in feed.entry")
        reviews = [e for e in entries if not (isinstance(e, dict) and "im:name" in e)]
        if not reviews:
            return
        yield [_review_record(entry, source, response) for entry in reviews]
        last = min(last, _last_page(feed) or last)
        if number >= last:
            return


def _last_page(feed: dict) -> int | None:
    """The number of the feed's last page, from its ``rel="last"`` link."""
    links = feed.get("link") or []
    for link in links if isinstance(links, list) else [links]:
        attributes = (link.get("attributes") or {}) if isinstance(link, dict) else {}
        if attributes.get("rel") == "last":
            match = _PAGE_NUMBER.search(str(attributes.get("href") or ""))
            return int(match[1]) if match else None
    return None


def _label(node: Any, key: str) -> Any:
    """``node[key]["label"]``: how the feed wraps every value."""
    value = node.get(key) if isinstance(node, dict) else None
    return value.get("label") if isinstance(value, dict) else None


def _review_record(entry: Any, source: AppStoreSource, response: HttpResponse) -> Record:
    if not isinstance(entry, dict):
        raise unexpected(response, "reviews")
    review_id = _label(entry, "id")
    author = entry.get("author") or {}
    name = _label(author, "name")
    link = entry.get("link")
    link = (link.get("attributes") or {}).get("href") if isinstance(link, dict) else None
    return {
        "mention_id": str(review_id) if review_id else None,
        "platform": "appstore",
        "author_id": _label(author, "uri") or name,
        "author_name": name,
        "text": join_text(_label(entry, "title") or "", _label(entry, "content") or ""),
        "created_at": from_iso(_label(entry, "updated")),
        "url": link or f"{APPSTORE_WEB}/{source.country}/app/id{source.app_id}?see-all=reviews",
        "lang": None,  # the store's country is not the review's language
        "in_reply_to_id": None,
        "conversation_id": str(review_id) if review_id else None,
        "reach": None,
        "likes": count(_label(entry, "im:voteSum")),
    }
