"""What the social API sources share: the cursor, the result, the window, tokens and secrets.

The API sources (:mod:`~socialcrm_utils.sources.social`: Bluesky, X, YouTube;
:mod:`~socialcrm_utils.sources.appstores`: Apple App Store) fetch through the shared
:class:`~socialcrm_utils.sources.http.HttpClient` like the feeds do, map every item to the
canonical columns (:data:`~socialcrm_utils.sources.feeds.FEED_COLUMNS`) and return a
:class:`FetchResult`: the rows and a :class:`SourceCursor` saying where the source stands (the
newest item seen, the server's ``ETag`` / ``Last-Modified``), for the caller to keep and hand
back on the next run, which then fetches only what is newer.

Secrets are ``${NAME}`` placeholders in the playbook; :func:`required_env` lists the names a
source needs and :func:`missing_env` says in one line per source which are not set, so a run
can say so before it fetches anything.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..credentials import expand_env, mask_url
from ..exceptions import SourceError
from ..playbook import Http, Playbook, Source
from .feeds import FEED_COLUMNS
from .http import HttpClient, HttpResponse

__all__ = [
    "API_KINDS",
    "FetchResult",
    "SourceCursor",
    "fetch_api_source",
    "missing_env",
    "required_env",
    "unset_env",
]

logger = logging.getLogger(__name__)

Record = dict[str, Any]

#: Source kinds read from social APIs by :func:`fetch_api_source`.
API_KINDS: tuple[str, ...] = ("bluesky", "youtube", "appstore", "x")
#: Safety stop for paging (a misbehaving API must not page forever).
MAX_PAGES = 200
_ENV_NAME = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_REFUSED = re.compile(r": HTTP (400|401|403)\b[^;]*")
#: Columns that may hold a URL: credentials masked, as in the feeds.
_URL_COLUMNS = ("mention_id", "author_id", "url", "in_reply_to_id", "conversation_id")


@dataclass(frozen=True)
class SourceCursor:
    """Where a source stands after a fetch, for the next run to fetch only what is newer.

    Attributes:
        last_id: Id of the newest item seen (the largest id among the newest).
        newest_at: ``created_at`` of the newest item seen (UTC).
        ids_at_newest: Every id seen at ``newest_at`` (items sharing that second are not
            fetched again).
        etag: The server's ``ETag`` of the first page (the body's ``etag`` for YouTube).
        last_modified: The server's ``Last-Modified`` of the first page.

    Examples:
        >>> when = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
        >>> cursor = SourceCursor("42", when, ("42",), etag='"abc"')
        >>> SourceCursor.from_dict(cursor.to_dict()) == cursor
        True
        >>> cursor.covers("41", when - dt.timedelta(seconds=1)), cursor.covers("43", when)
        (True, False)
    """

    last_id: str | None = None
    newest_at: dt.datetime | None = None
    ids_at_newest: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None

    def covers(self, mention_id: Any, created: Any) -> bool:
        """Whether an item was already fetched: older than ``newest_at``, or seen at it."""
        if self.newest_at is None or not isinstance(created, dt.datetime):
            return False
        return created < self.newest_at or (
            created == self.newest_at and str(mention_id) in self.ids_at_newest
        )

    def to_dict(self) -> dict[str, Any]:
        """The cursor as JSON-ready values (``newest_at`` as ISO 8601 text)."""
        return {
            "last_id": self.last_id,
            "newest_at": self.newest_at.isoformat() if self.newest_at else None,
            "ids_at_newest": list(self.ids_at_newest),
            "etag": self.etag,
            "last_modified": self.last_modified,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SourceCursor:
        """The cursor :meth:`to_dict` wrote."""
        newest = values.get("newest_at")
        return cls(
            last_id=values.get("last_id"),
            newest_at=dt.datetime.fromisoformat(newest) if newest else None,
            ids_at_newest=tuple(values.get("ids_at_newest") or ()),
            etag=values.get("etag"),
            last_modified=values.get("last_modified"),
        )


@dataclass(frozen=True)
class FetchResult:
    """What an API source gave: its rows and its cursor.

    Attributes:
        mentions: One row per item with the columns of
            :data:`~socialcrm_utils.sources.feeds.FEED_COLUMNS` (``created_at`` as ISO 8601
            UTC text); checked afterwards like file rows.
        cursor: Where the source stands now (the previous cursor when nothing new came).
    """

    mentions: pd.DataFrame
    cursor: SourceCursor = field(default_factory=SourceCursor)


def fetch_api_source(
    source: Source,
    http: Http,
    *,
    client: HttpClient | None = None,
    cursor: SourceCursor | None = None,
    now: dt.datetime | None = None,
) -> FetchResult:
    """Fetch one social API source (``bluesky``, ``youtube``, ``appstore``, ``x``).

    Args:
        source: The playbook's source.
        http: The playbook's ``http`` settings (used when ``client`` is None).
        client: An HTTP client to use (tests pass one with a fake ``sleep``); closed only if
            this function made it.
        cursor: The cursor of the previous run: only newer items are fetched.
        now: The run's time (X's search reaches back 7 days from it); now when None.

    Returns:
        The rows (newest first) and the new cursor.

    Raises:
        SourceError: One line starting with the source's label: what failed and what to do
            (a missing environment variable, a refused token, the HTTP client's errors).
    """
    from .appstores import fetch_appstore
    from .social import fetch_bluesky, fetch_x, fetch_youtube

    fetchers: dict[str, Callable[..., FetchResult]] = {
        "bluesky": fetch_bluesky,
        "youtube": fetch_youtube,
        "appstore": fetch_appstore,
        "x": fetch_x,
    }
    if source.kind not in fetchers:
        raise SourceError(
            f"source '{source.label}': kind '{source.kind}' is not a social API "
            f"(allowed: {', '.join(API_KINDS)})"
        )
    own_client = client is None
    client = client or HttpClient(http)
    try:
        result = fetchers[source.kind](
            source, client, cursor=cursor or SourceCursor(), now=now or dt.datetime.now(dt.UTC)
        )
    except SourceError as exc:
        raise SourceError(f"source '{source.label}': {exc}") from None
    finally:
        if own_client:
            client.close()
    logger.info("source %s: fetched %d items", source.label, len(result.mentions))
    return result


# -- secrets ------------------------------------------------------------------------------------


def required_env(source: Source) -> dict[str, str]:
    """The environment variables a source names, each with the field that names it.

    Args:
        source: Any source of the playbook.

    Returns:
        ``{NAME: field}`` for every ``${NAME}`` in the source's text fields, in field order.

    Examples:
        >>> from socialcrm_utils.playbook.api_sources import XSource
        >>> required_env(XSource(kind="x", query="acme"))
        {'X_BEARER_TOKEN': 'bearer_token'}
    """
    names: dict[str, str] = {}
    for key, value in source.model_dump().items():
        if isinstance(value, str):
            for name in _ENV_NAME.findall(value):
                names.setdefault(name, key)
    return names


def unset_env(source: Source, environ: Mapping[str, str] | None = None) -> str | None:
    """What a source lacks from the environment, in words; None when all is set.

    Args:
        source: Any source of the playbook.
        environ: The variables (default ``os.environ``).

    Returns:
        e.g. ``the environment variable X_BEARER_TOKEN is not set (bearer_token:
        ${X_BEARER_TOKEN}); set it before the run``, or None.

    Examples:
        >>> from socialcrm_utils.playbook.api_sources import XSource
        >>> unset_env(XSource(kind="x", query="acme"), {})
        'the environment variable X_BEARER_TOKEN is not set (bearer_token: ${X_BEARER_TOKEN}); \
set it before the run'
    """
    variables = os.environ if environ is None else environ
    unset = {n: f for n, f in required_env(source).items() if n not in variables}
    if not unset:
        return None
    one = len(unset) == 1
    named = ", ".join(f"{f}: ${{{n}}}" for n, f in unset.items())
    return (
        f"the environment variable{'' if one else 's'} {', '.join(unset)} "
        f"{'is' if one else 'are'} not set ({named}); set {'it' if one else 'them'} before "
        "the run"
    )


def missing_env(playbook: Playbook, environ: Mapping[str, str] | None = None) -> dict[int, str]:
    """One line per source whose environment variables are not all set.

    Args:
        playbook: The validated playbook.
        environ: The variables (default ``os.environ``).

    Returns:
        ``{index in sources: line}``, e.g. ``sources[2] x:'acme': the environment variable
        X_BEARER_TOKEN is not set (bearer_token: ${X_BEARER_TOKEN}); set it before the run``.
    """
    lines: dict[int, str] = {}
    for index, source in enumerate(playbook.sources):
        problem = unset_env(source, environ)
        if problem:
            lines[index] = f"sources[{index}] {source.label}: {problem}"
    return lines


def secret_value(placeholder: str, field_name: str) -> str:
    """The value of a ``${NAME}`` secret field, from the environment.

    Raises:
        SourceError: If the variable is not set (one line naming it and the field).
    """
    try:
        return expand_env(placeholder)
    except KeyError as exc:
        raise SourceError(
            f"the environment variable {exc.args[0]} is not set ({field_name}: "
            f"{placeholder}); set it before the run"
        ) from None


@contextmanager
def bearer_token(client: HttpClient, token: str) -> Iterator[None]:
    """Send ``Authorization: Bearer <token>`` with the client's requests inside the block.

    The header lives on the client's session for the block only (requests drops it on a
    redirect to another host; the disk cache never stores it, docs/http.md).
    """
    headers = client.session.headers
    before = headers.get("Authorization")
    headers["Authorization"] = f"Bearer {token}"
    try:
        yield
    finally:
        if before is None:
            headers.pop("Authorization", None)
        else:
            headers["Authorization"] = before


def refused(
    exc: SourceError, fix: str, statuses: frozenset[int] = frozenset({401, 403})
) -> SourceError:
    """A client error of a token-protected API (default HTTP 401/403) with the token's fix.

    The HTTP client's generic advice for these statuses ("use another source") is replaced by
    ``fix``; other errors are returned unchanged.

    Args:
        exc: The error of the HTTP client.
        fix: What to do, in words.
        statuses: The statuses that mean the token (or key) was refused.

    Examples:
        >>> str(refused(SourceError("GET https://x.example/a: HTTP 401 Unauthorized; use "
        ...                         "another source"), "renew the token"))
        'GET https://x.example/a: HTTP 401 Unauthorized; renew the token'
    """
    message = str(exc)
    match = _REFUSED.search(message)
    if match is None or int(match[1]) not in statuses:
        return exc
    return SourceError(f"{message[: match.end()]}; {fix}")


# -- paging, window, cursor ---------------------------------------------------------------------


def window_of(source: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``since``/``until`` (whole UTC days, inclusive) as ``[start, end)`` datetimes."""
    start = dt.datetime.combine(source.since, dt.time.min, dt.UTC) if source.since else None
    end = (
        dt.datetime.combine(source.until + dt.timedelta(days=1), dt.time.min, dt.UTC)
        if source.until
        else None
    )
    return start, end


def collect_records(
    pages: Iterable[list[Record]], source: Any, cursor: SourceCursor, *, limit: int | None = None
) -> list[Record]:
    """Keep items inside the window and newer than the cursor, at most ``limit``.

    The APIs answer newest first, so paging stops at the first page that reaches an item older
    than ``since`` or already covered by the cursor. An item seen again on a later page is
    skipped.

    Args:
        pages: Mapped records, page by page (a generator: pages not needed are not fetched).
        source: The source (``since``, ``until``, ``limit``).
        cursor: The previous run's cursor.
        limit: At most this many (default ``source.limit``).

    Returns:
        The records kept, in the API's order.
    """
    start, end = window_of(source)
    limit = source.limit if limit is None else limit
    kept: list[Record] = []
    seen: set[str] = set()
    if limit <= 0:
        return kept
    for page in pages:
        reached_old = False
        for record in page:
            mention_id, created = record.get("mention_id"), record.get("created_at")
            if mention_id in seen:
                continue
            if isinstance(created, dt.datetime):
                if (start is not None and created < start) or cursor.covers(mention_id, created):
                    reached_old = reached_old or not record.get("_reply", False)
                    continue
                if end is not None and created >= end:
                    continue
            kept.append(record)
            if len(kept) >= limit:
                return kept
        seen.update(str(r["mention_id"]) for r in page if r.get("mention_id"))
        if reached_old:
            break
    return kept


def advance_cursor(
    previous: SourceCursor,
    records: list[Record],
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> SourceCursor:
    """The cursor after ``records``: the newest item among them, else the previous one.

    Examples:
        >>> t = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
        >>> advance_cursor(SourceCursor(), [{"mention_id": "7", "created_at": t},
        ...                                 {"mention_id": "9", "created_at": t}]).ids_at_newest
        ('7', '9')
    """
    dated = [
        r for r in records if isinstance(r.get("created_at"), dt.datetime) and r.get("mention_id")
    ]
    newest = max((r["created_at"] for r in dated), default=None)
    tags = {"etag": etag or previous.etag, "last_modified": last_modified or previous.last_modified}
    if newest is None or (previous.newest_at is not None and newest < previous.newest_at):
        return SourceCursor(previous.last_id, previous.newest_at, previous.ids_at_newest, **tags)
    ids = sorted(
        {str(r["mention_id"]) for r in dated if r["created_at"] == newest},
        key=lambda i: (len(i), i),
    )
    if newest == previous.newest_at:
        ids = sorted(set(ids) | set(previous.ids_at_newest), key=lambda i: (len(i), i))
    return SourceCursor(ids[-1], newest, tuple(ids), **tags)


def records_frame(records: list[Record]) -> pd.DataFrame:
    """Records -> a frame of :data:`FEED_COLUMNS`, dates as ISO 8601 UTC text, URLs masked."""
    rows = [
        {
            **{k: v for k, v in r.items() if not k.startswith("_")},
            "created_at": iso_z(r.get("created_at")),
            **{c: mask_url(r[c]) for c in _URL_COLUMNS if c in r},
        }
        for r in records
    ]
    return pd.DataFrame.from_records(rows, columns=list(FEED_COLUMNS)).astype(object)


def server_tags(response: HttpResponse) -> dict[str, str | None]:
    """``etag`` and ``last_modified`` of a response's headers."""
    return {
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
    }


# -- values -------------------------------------------------------------------------------------


def iso_z(value: Any) -> Any:
    """A datetime as ISO 8601 UTC text ending in ``Z``; anything else unchanged.

    Examples:
        >>> iso_z(dt.datetime(2026, 5, 4, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))))
        '2026-05-04T09:30:00Z'
    """
    if not isinstance(value, dt.datetime):
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def from_iso(value: Any) -> Any:
    """ISO 8601 text (``Z`` allowed) -> aware UTC datetime; anything else unchanged.

    Examples:
        >>> from_iso("2026-05-04T09:30:00.000Z")
        datetime.datetime(2026, 5, 4, 9, 30, tzinfo=datetime.timezone.utc)
        >>> from_iso("gestern")
        'gestern'
    """
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def join_text(*parts: str) -> str:
    """Non-empty parts joined by a blank line."""
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def unexpected(response: HttpResponse, what: str) -> SourceError:
    """The error for an answer that is not what the API sends."""
    return SourceError(
        f"GET {response.url}: unexpected answer (expected {what}); check that "
        "base_url points to the right API"
    )
