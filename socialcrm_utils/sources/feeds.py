"""Feeds and public APIs: RSS/Atom, Mastodon, Reddit search and Hacker News search.

:func:`fetch_source` reads one feed or API source of a playbook over HTTP (through
:class:`~socialcrm_utils.sources.http.HttpClient`: retries, rate limits, disk cache) and returns
a frame whose columns are canonical names. It does not validate rows: the caller
(:func:`~socialcrm_utils.sources.read_source`) checks them exactly like the rows of a file, so
a post without text or date is *rejected* with a reason, not dropped.

Every fetcher keeps only posts inside the source's ``since``/``until`` window (whole UTC days,
both inclusive) and at most ``limit`` of them. The APIs return newest first, so paging stops at
``limit`` or at the first page that reaches back before ``since``.

Credentials in the source's URL (``user:password@``, ``?token=``) are used for the request
only: the ``url`` column, URL-shaped ids, the ``source`` label and every message carry them
masked (:func:`~socialcrm_utils.credentials.mask_url`).

HTML entities are decoded exactly once, here: HTML content (Mastodon posts, Hacker News
comments, RSS elements, Atom ``type="html"``) through :func:`strip_html`; Atom
``type="text"`` is already plain text and taken as it is; Reddit is asked for ``raw_json=1``,
so its titles and self texts come unescaped.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import pandas as pd

from ..credentials import mask_url, mask_urls_in_text
from ..exceptions import SourceError
from ..playbook import HackerNewsSource, Http, MastodonSource, RedditSource, RssSource
from .http import HttpClient, HttpResponse

__all__ = [
    "FEED_COLUMNS",
    "fetch_source",
    "fetch_rss",
    "fetch_mastodon",
    "fetch_reddit",
    "fetch_hackernews",
    "strip_html",
]

logger = logging.getLogger(__name__)

FeedSource = RssSource | MastodonSource | RedditSource | HackerNewsSource
Record = dict[str, Any]

#: Columns of the frames returned here, all canonical names (``source`` and ``is_brand`` are
#: added by the row check).
FEED_COLUMNS: tuple[str, ...] = (
    "mention_id",
    "platform",
    "author_id",
    "author_name",
    "text",
    "created_at",
    "url",
    "lang",
    "in_reply_to_id",
    "conversation_id",
    "reach",
    "likes",
    "shares",
    "replies",
)
#: Safety stop for paging (a misbehaving API must not page forever).
MAX_PAGES = 200
MASTODON_PAGE = 40  # the API's maximum
REDDIT_PAGE = 100  # the API's maximum
HACKERNEWS_PAGE = 100
REDDIT_WEB = "https://www.reddit.com"
HACKERNEWS_ITEM = "https://news.ycombinator.com/item?id="


def fetch_source(
    source: FeedSource, http: Http, *, client: HttpClient | None = None
) -> pd.DataFrame:
    """Fetch one feed or API source into a frame with canonical column names.

    Args:
        source: A ``rss``, ``mastodon``, ``reddit`` or ``hackernews`` source of the playbook.
        http: The playbook's ``http`` settings (used when ``client`` is None).
        client: An HTTP client to use (tests pass one with a fake ``sleep``); closed only if
            this function made it.

    Returns:
        One row per post with the columns of :data:`FEED_COLUMNS`; ``created_at`` as ISO 8601
        UTC text ending in ``Z`` (text the API gave that is not a date is passed on as it is,
        for the row check to reject). Empty, with the columns, when nothing matched.

    Raises:
        SourceError: If the source cannot be fetched or the answer is not what the API sends;
            the message starts with the source's label.
    """
    fetcher = _FETCHERS.get(source.kind)
    if fetcher is None:
        raise SourceError(
            f"source '{source.label}': kind '{source.kind}' is not fetched over HTTP "
            f"(allowed: {', '.join(_FETCHERS)})"
        )
    own_client = client is None
    client = client or HttpClient(http)
    try:
        frame = fetcher(source, client)
    except SourceError as exc:
        raise SourceError(mask_urls_in_text(f"source '{source.label}': {exc}")) from None
    finally:
        if own_client:
            client.close()
    logger.info("source %s: fetched %d posts", source.label, len(frame))
    return frame


# ---------------------------------------------------------------------------------------------
# RSS / Atom


def fetch_rss(source: RssSource, client: HttpClient) -> pd.DataFrame:
    """Fetch an RSS or Atom feed; titles and summaries become plain text.

    Args:
        source: The ``rss`` source.
        client: The HTTP client.

    Returns:
        The feed's entries as a frame of :data:`FEED_COLUMNS`, in feed order.

    Raises:
        SourceError: If the feed cannot be fetched or is not RSS/Atom.
    """
    return _frame(_collect([_rss_entries(source, client)], source))


def _rss_entries(source: RssSource, client: HttpClient) -> list[Record]:
    text = client.get_text(source.url)
    shown = mask_url(source.url)  # relative links resolve against it: no credential in them
    # Parsed from the text we fetched (never feedparser's own fetching); a stream, so that no
    # string is mistaken for a URL or a file name. The text is already decoded: say so.
    parsed = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": shown,
        },
    )
    if not parsed.entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception") or "no feed element"
        raise SourceError(
            f"GET {shown}: not an RSS or Atom feed ({_one_line(problem)}); check the feed address"
        )
    if parsed.get("bozo"):
        logger.info(
            "feed %s is not well-formed (%s); read what could be read",
            shown,
            _one_line(parsed.get("bozo_exception")),
        )
    feed_lang = parsed.feed.get("language")
    return [_rss_record(entry, source.platform, feed_lang) for entry in parsed.entries]


def _rss_record(entry: Any, platform: str, feed_lang: str | None) -> Record:
    content = entry.get("content") or [{}]
    summary = entry.get("summary") or content[0].get("value") or ""
    detail = entry.get("author_detail") or {}
    author_name = detail.get("name") or entry.get("author") or None
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    created: Any = (
        dt.datetime(*when[:6], tzinfo=dt.UTC)
        if when
        else entry.get("published") or entry.get("updated")
    )
    summary_detail = entry.get("summary_detail") or content[0]
    title = _feed_text(entry.get("title") or "", entry.get("title_detail"))
    return {
        "mention_id": entry.get("id") or entry.get("link") or None,
        "platform": platform,
        "author_id": detail.get("href") or author_name,
        "author_name": author_name,
        "text": _join(title, _feed_text(summary, summary_detail)),
        "created_at": created,
        "url": entry.get("link") or None,
        "lang": primary_lang(summary_detail.get("language") or feed_lang),
    }


def _feed_text(value: str, detail: Any) -> str:
    """A feed element as plain text, its entities decoded once.

    feedparser hands HTML content (RSS elements, Atom ``type="html"``) over as HTML, which
    :func:`strip_html` turns into text; Atom ``type="text"`` is already plain text, whose
    ``&amp;`` is meant literally and must not be decoded a second time.
    """
    kind = str((detail or {}).get("type") or "text/html").lower()
    if kind == "text/plain":
        return _tidy_spaces(value)
    return strip_html(value)


# ---------------------------------------------------------------------------------------------
# Mastodon


def fetch_mastodon(source: MastodonSource, client: HttpClient) -> pd.DataFrame:
    """Fetch a Mastodon hashtag timeline (``tag``) or status search (``query``).

    Pages with ``max_id`` (from the ``Link: <...>; rel="next"`` header, else the last status).
    ``mention_id`` and ``in_reply_to_id`` are prefixed with the instance's host
    (``mastodon.social:1099...``) because status ids are only unique per instance.

    Args:
        source: The ``mastodon`` source.
        client: The HTTP client.

    Returns:
        Statuses, newest first, as a frame of :data:`FEED_COLUMNS`.

    Raises:
        SourceError: If a page cannot be fetched or is not a Mastodon answer.
    """
    return _frame(_collect(_mastodon_pages(source, client), source))


def _mastodon_pages(source: MastodonSource, client: HttpClient) -> Iterator[list[Record]]:
    host = urlsplit(source.instance).netloc.rpartition("@")[2]  # no userinfo in the ids
    if source.tag is not None:
        url = f"{source.instance}/api/v1/timelines/tag/{quote(source.tag.lstrip('#'), safe='')}"
        params: dict[str, Any] = {}
    else:
        url = f"{source.instance}/api/v2/search"
        params = {"q": source.query, "type": "statuses", "resolve": "false"}
    params["limit"] = min(MASTODON_PAGE, source.limit)
    max_id: str | None = None
    for _ in range(MAX_PAGES):
        response = client.get(url, {**params, "max_id": max_id}, json_body=True)
        data = response.data
        statuses = data.get("statuses") if source.tag is None and isinstance(data, dict) else data
        _expect_list(statuses, response, "a list of statuses")
        if not statuses:
            return
        yield [_mastodon_record(status, host, response) for status in statuses]
        next_id = _mastodon_next(response, statuses)
        if next_id is None or next_id == max_id:
            return
        max_id = next_id


def _mastodon_next(response: HttpResponse, statuses: list[Any]) -> str | None:
    """The ``max_id`` of the next page: from ``Link: rel="next"``, else the last status id."""
    if "link" in response.headers:
        following = response.links.get("next")
        if following is None:
            return None  # a Link header without "next": this was the last page
        found = parse_qs(urlsplit(following).query).get("max_id")
        if found:
            return found[0]
    last = statuses[-1]
    return str(last["id"]) if isinstance(last, dict) and last.get("id") else None


def _mastodon_record(status: Any, host: str, response: HttpResponse) -> Record:
    _expect_dict(status, response, "statuses")
    status = status.get("reblog") or status  # a boost: the boosted post is the mention
    account = status.get("account") or {}
    status_id, parent = status.get("id"), status.get("in_reply_to_id")
    return {
        "mention_id": f"{host}:{status_id}" if status_id else None,
        "platform": "mastodon",
        "author_id": account.get("acct") or None,
        "author_name": account.get("display_name") or account.get("username") or None,
        "text": _join(
            strip_html(status.get("spoiler_text") or ""), strip_html(status.get("content") or "")
        ),
        "created_at": _from_iso(status.get("created_at")),
        "url": status.get("url") or status.get("uri") or None,
        "lang": primary_lang(status.get("language")),
        "in_reply_to_id": f"{host}:{parent}" if parent else None,
        "reach": json_count(account.get("followers_count")),
        "likes": json_count(status.get("favourites_count")),
        "shares": json_count(status.get("reblogs_count")),
        "replies": json_count(status.get("replies_count")),
    }


# ---------------------------------------------------------------------------------------------
# Reddit


def fetch_reddit(source: RedditSource, client: HttpClient) -> pd.DataFrame:
    """Fetch Reddit's search JSON (all of Reddit, or one subreddit with ``restrict_sr``).

    Sorted by new, 100 posts a page, paged with ``after``. The text is the title and the
    self text; the score counts as likes.

    Args:
        source: The ``reddit`` source.
        client: The HTTP client.

    Returns:
        Posts, newest first, as a frame of :data:`FEED_COLUMNS`.

    Raises:
        SourceError: If a page cannot be fetched or is not a Reddit listing.
    """
    return _frame(_collect(_reddit_pages(source, client), source))


def _reddit_pages(source: RedditSource, client: HttpClient) -> Iterator[list[Record]]:
    subreddit = (source.subreddit or "").strip("/").removeprefix("r/")
    if subreddit:
        url = f"{source.base_url}/r/{quote(subreddit, safe='')}/search.json"
    else:
        url = f"{source.base_url}/search.json"
    params = {
        "q": source.query,
        "sort": "new",
        "limit": min(REDDIT_PAGE, source.limit),
        "restrict_sr": "1" if subreddit else None,
        "raw_json": "1",
    }
    after: str | None = None
    for _ in range(MAX_PAGES):
        response = client.get(url, {**params, "after": after}, json_body=True)
        listing = response.data.get("data") if isinstance(response.data, dict) else None
        _expect_dict(listing, response, "a listing ({'data': {'children': [...]}})")
        children = listing.get("children")
        _expect_list(children, response, "a listing ({'data': {'children': [...]}})")
        if not children:
            return
        yield [_reddit_record(child, response) for child in children]
        following = listing.get("after")
        if not following or following == after:
            return
        after = following


def _reddit_record(child: Any, response: HttpResponse) -> Record:
    _expect_dict(child, response, "listing children")
    post = child.get("data") or {}
    name = post.get("name") or (f"t3_{post['id']}" if post.get("id") else None)
    selftext = post.get("selftext") or ""
    if selftext.strip() in ("[removed]", "[deleted]"):
        selftext = ""
    author = post.get("author")
    author = None if author in (None, "", "[deleted]") else author
    permalink = post.get("permalink")
    return {
        "mention_id": name,
        "platform": "reddit",
        "author_id": author,
        "author_name": author,
        "text": _join((post.get("title") or "").strip(), selftext.strip()),
        "created_at": _from_epoch(post.get("created_utc")),
        "url": f"{REDDIT_WEB}{permalink}" if permalink else post.get("url") or None,
        "conversation_id": name,
        "likes": json_count(post.get("score")),
        "shares": json_count(post.get("num_crossposts")),
        "replies": json_count(post.get("num_comments")),
    }


# ---------------------------------------------------------------------------------------------
# Hacker News (Algolia search API)


def fetch_hackernews(source: HackerNewsSource, client: HttpClient) -> pd.DataFrame:
    """Fetch Hacker News stories and comments from the Algolia search API, newest first.

    ``since``/``until`` are also sent as ``numericFilters`` on ``created_at_i``; pages are
    followed until ``nbPages``.

    Args:
        source: The ``hackernews`` source.
        client: The HTTP client.

    Returns:
        Stories and comments as a frame of :data:`FEED_COLUMNS`; a comment's
        ``in_reply_to_id`` is its parent, ``conversation_id`` the story.

    Raises:
        SourceError: If a page cannot be fetched or is not an Algolia answer.
    """
    return _frame(_collect(_hackernews_pages(source, client), source))


def _hackernews_pages(source: HackerNewsSource, client: HttpClient) -> Iterator[list[Record]]:
    start, end = _window(source)
    numeric = []
    if start is not None:
        numeric.append(f"created_at_i>={int(start.timestamp())}")
    if end is not None:
        numeric.append(f"created_at_i<{int(end.timestamp())}")
    url = f"{source.base_url}/api/v1/search_by_date"
    params = {
        "query": source.query,
        "tags": "(story,comment)",
        "hitsPerPage": min(HACKERNEWS_PAGE, source.limit),  # constant: pages stay aligned
        "numericFilters": ",".join(numeric) or None,
    }
    for page in range(MAX_PAGES):
        response = client.get(url, {**params, "page": page}, json_body=True)
        data = response.data
        hits = data.get("hits") if isinstance(data, dict) else None
        _expect_list(hits, response, "search hits ({'hits': [...], 'nbPages': ...})")
        if not hits:
            return
        yield [_hackernews_record(hit, response) for hit in hits]
        pages = data.get("nbPages")
        if not isinstance(pages, int) or page + 1 >= pages:
            return


def _hackernews_record(hit: Any, response: HttpResponse) -> Record:
    _expect_dict(hit, response, "hits")
    object_id = str(hit["objectID"]) if hit.get("objectID") is not None else None
    comment = "comment" in (hit.get("_tags") or []) or hit.get("comment_text") is not None
    if comment:
        text = strip_html(hit.get("comment_text") or "")
    else:
        text = _join(strip_html(hit.get("title") or ""), strip_html(hit.get("story_text") or ""))
    created = hit.get("created_at_i")
    parent, story = hit.get("parent_id"), hit.get("story_id")
    return {
        "mention_id": object_id,
        "platform": "hackernews",
        "author_id": hit.get("author") or None,
        "author_name": hit.get("author") or None,
        "text": text,
        "created_at": _from_epoch(created)
        if created is not None
        else _from_iso(hit.get("created_at")),
        "url": f"{HACKERNEWS_ITEM}{object_id}" if object_id else None,
        "in_reply_to_id": str(parent) if comment and parent is not None else None,
        "conversation_id": str(story) if story is not None else object_id,
        "likes": json_count(hit.get("points")),
        "replies": json_count(hit.get("num_comments")),
    }


_FETCHERS: dict[str, Callable[[Any, HttpClient], pd.DataFrame]] = {
    "rss": fetch_rss,
    "mastodon": fetch_mastodon,
    "reddit": fetch_reddit,
    "hackernews": fetch_hackernews,
}


# ---------------------------------------------------------------------------------------------
# Shared: window and limit, the frame, text and values


def _window(source: FeedSource) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``since``/``until`` (whole UTC days, inclusive) as ``[start, end)`` datetimes."""
    start = dt.datetime.combine(source.since, dt.time.min, dt.UTC) if source.since else None
    end = (
        dt.datetime.combine(source.until + dt.timedelta(days=1), dt.time.min, dt.UTC)
        if source.until
        else None
    )
    return start, end


def _collect(pages: Iterable[list[Record]], source: FeedSource) -> list[Record]:
    """Keep posts inside the window, at most ``source.limit``; stop paging once past ``since``.

    A post seen again on a later page (the feed moved while paging) is skipped; repeats within
    one page are left for the row check to reject.
    """
    start, end = _window(source)
    kept: list[Record] = []
    seen: set[str] = set()
    for page in pages:
        reached_start = False
        for record in page:
            if record.get("mention_id") in seen:
                logger.debug("skipping %s: already read on an earlier page", record["mention_id"])
                continue
            created = record.get("created_at")
            if isinstance(created, dt.datetime):
                if start is not None and created < start:
                    reached_start = True
                    continue
                if end is not None and created >= end:
                    continue
            kept.append(record)
            if len(kept) >= source.limit:
                return kept
        seen.update(r["mention_id"] for r in page if r.get("mention_id"))
        if reached_start:
            break
    return kept


#: Columns that may hold a URL (RSS ids and author ids are often links): credentials masked.
_URL_COLUMNS = ("mention_id", "author_id", "url", "in_reply_to_id", "conversation_id")


def _frame(records: list[Record]) -> pd.DataFrame:
    rows = [
        {
            **r,
            "created_at": _iso_z(r.get("created_at")),
            **{c: mask_url(r[c]) for c in _URL_COLUMNS if c in r},
        }
        for r in records
    ]
    return pd.DataFrame.from_records(rows, columns=list(FEED_COLUMNS)).astype(object)


def _iso_z(value: Any) -> Any:
    """A datetime as ISO 8601 UTC text ending in ``Z``; anything else unchanged."""
    if not isinstance(value, dt.datetime):
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _from_iso(value: Any) -> Any:
    """ISO 8601 text -> aware datetime (UTC when no zone); unparseable values unchanged."""
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _from_epoch(value: Any) -> Any:
    """Unix seconds -> aware UTC datetime; anything else unchanged."""
    if isinstance(value, bool):
        return value
    try:
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return value


def json_count(value: Any) -> int | None:
    """A count from JSON (number or digits), else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def primary_lang(value: Any) -> str | None:
    """Language tag -> its primary subtag in lower case (``en-US`` -> ``en``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0]


def _join(*parts: str) -> str:
    """Join non-empty parts with a blank line; a body that repeats the title keeps it once."""
    parts = tuple(p for p in parts if p)
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        return parts[1]
    return "\n\n".join(parts)


def _expect_list(value: Any, response: HttpResponse, what: str) -> None:
    if not isinstance(value, list):
        _unexpected(response, what)


def _expect_dict(value: Any, response: HttpResponse, what: str) -> None:
    if not isinstance(value, dict):
        _unexpected(response, what)


def _unexpected(response: HttpResponse, what: str) -> None:
    raise SourceError(
        f"GET {response.url}: unexpected answer (expected {what}); check that the URL points to "
        "the right API (instance / base_url)"
    )


def _one_line(value: Any) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript"})
_TAG_START = re.compile(r"<[A-Za-z/!?]")


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment; block elements and ``<br>`` become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def strip_html(text: str) -> str:
    """Turn an HTML fragment (a post, a feed summary) into plain text.

    Tags are removed, entities decoded, paragraphs and list items separated by a blank line,
    ``<br>`` kept as a line break, scripts and styles dropped, runs of spaces collapsed. Text
    without tags only has its entities decoded and its spaces tidied.

    Args:
        text: HTML or plain text.

    Returns:
        Plain text.

    Examples:
        >>> strip_html('<p>Lost my bag &amp; no reply from <a href="#">@acme</a></p><p>Day 3</p>')
        'Lost my bag & no reply from @acme\\n\\nDay 3'
        >>> strip_html("Fish &amp; chips <3")
        'Fish & chips <3'
    """
    if not text:
        return ""
    if not _TAG_START.search(text):
        plain = html.unescape(text)
    else:
        parser = _TextExtractor()
        parser.feed(text)
        parser.close()
        plain = "".join(parser.parts)
    return _tidy_spaces(plain)


def _tidy_spaces(plain: str) -> str:
    """Runs of spaces as one, line ends as ``\\n``, at most one blank line, no outer spaces."""
    plain = re.sub(r"[ \t\f\v\xa0]+", " ", plain.replace("\r\n", "\n").replace("\r", "\n"))
    plain = re.sub(r" *\n *", "\n", plain)
    return re.sub(r"\n{3,}", "\n\n", plain).strip()
