"""HTTP for feeds and public APIs: one session, a User-Agent, timeouts, retries, a disk cache.

:class:`HttpClient` is the only place the suite talks to the network. It is configured by the
playbook's ``http`` section (:class:`~socialcrm_utils.playbook.Http`):

- every request carries a descriptive ``User-Agent``, a timeout for each wait on the server
  and an overall ``deadline`` for the whole attempt (connect, headers, body): a server that
  drips a byte a second fails the request when the deadline passes, without a retry;
- connection errors, timeouts, ``429`` and ``5xx`` are retried with exponential back-off
  (``backoff * 2**attempt`` seconds, capped); a ``Retry-After`` header (seconds or an HTTP date)
  is honoured, and when the server asks for longer than ``max_retry_after`` the request fails
  with a :class:`~socialcrm_utils.exceptions.SourceError` that says so;
- a spent rate limit (``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``) makes the next
  request to that host wait for the reset;
- ``200`` responses are cached on disk (``cache_dir``, default ``<project>/.cache/http``) for
  ``cache_ttl``, keyed by the SHA-256 of method, URL and sorted parameters.

The real URL is used for the request only: messages, log lines, :attr:`HttpResponse.url` and
the cache (its ``url``, headers and body) carry it with credentials masked
(:mod:`socialcrm_utils.credentials`: ``user:***@``, ``?token=***``).

Every failure is one ``SourceError`` line: the URL, what happened and what to do. Waiting goes
through an injectable ``sleep`` (and ``clock``) so tests never really wait.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import __version__, config
from ..credentials import expand_env, hide_env, mask_url, mask_urls_in_text
from ..exceptions import SourceError
from ..playbook import Http

__all__ = [
    "HttpClient",
    "HttpResponse",
    "cache_key",
    "decode_body",
    "DEFAULT_CACHE_DIR",
    "DEFAULT_USER_AGENT",
]

logger = logging.getLogger(__name__)

#: Where responses are cached when the playbook sets no ``http.cache_dir``.
DEFAULT_CACHE_DIR: Path = config.PROJECT_ROOT / ".cache" / "http"
#: Sent with every request unless the playbook sets ``http.user_agent``.
DEFAULT_USER_AGENT = (
    f"socialcrm-suite/{__version__} (+https://github.com/socialcrm/socialcrm-suite)"
)
#: Longest back-off between two attempts, in seconds (a Retry-After may ask for longer).
MAX_BACKOFF = 60.0

#: Response headers kept in the cache (the rest are not needed to read a page again).
_CACHED_HEADERS = ("content-type", "link", "etag", "last-modified", "date")
_RETRY_STATUS = frozenset({429}) | frozenset(range(500, 600))
_ACCEPT_JSON = "application/json"
_ACCEPT_TEXT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/*;q=0.8, */*;q=0.5"
)
_ENCODED_ENV_REF = re.compile(r"\$%7B([A-Za-z_][A-Za-z0-9_]*)%7D")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_FIX_4XX = {
    400: "bad request; check the source's query and settings",
    401: "the API wants a login; use another source or an export file",
    403: "access denied; the site may block anonymous clients (use another source or an export)",
    404: "not found; check the URL (instance, subreddit, feed address)",
    410: "gone; the feed or API no longer exists at this URL",
}


@dataclass(frozen=True)
class HttpResponse:
    """A successful response, fresh from the server or read back from the disk cache.

    Attributes:
        url: The URL with its query string (after redirects), credentials masked.
        status: The HTTP status (always 200 when cached).
        headers: Response headers, names in lower case (cached responses keep a subset).
        text: The body, decoded.
        fetched_at: When the server sent it (UTC).
        from_cache: True if read from the disk cache.
    """

    url: str
    status: int
    headers: Mapping[str, str]
    text: str
    fetched_at: dt.datetime
    from_cache: bool = False
    links: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def data(self) -> Any:
        """The body parsed as JSON.

        Raises:
            SourceError: If the body is not valid JSON.
        """
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise _error(
                f"GET {self.url}: the response is not valid JSON ({exc}); check that the URL "
                "points to the API (instance / base_url) and try again later"
            ) from None


class HttpClient:
    """Fetch URLs for the feed and API sources, politely and reproducibly.

    Args:
        http: The playbook's ``http`` settings (defaults when None).
        session: The :class:`requests.Session` to use (a new one when None); closed by
            :meth:`close` only if the client made it.
        sleep: Called with a number of seconds whenever the client waits (tests pass a recorder).
        clock: Returns the current time as a Unix timestamp (for the cache and HTTP dates).
        use_cache: False turns the disk cache off for every request of this client.

    Examples:
        >>> client = HttpClient(Http(user_agent="example/1.0"))
        >>> client.session.headers["User-Agent"]
        'example/1.0'
        >>> client.close()
    """

    def __init__(
        self,
        http: Http | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        use_cache: bool = True,
    ) -> None:
        self.http = http or Http()
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = self.http.user_agent or DEFAULT_USER_AGENT
        self.cache_dir = self.http.cache_dir or DEFAULT_CACHE_DIR
        self.use_cache = use_cache
        self._sleep = sleep
        self._clock = clock
        self._not_before: dict[str, float] = {}  # host -> time the rate limit resets

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client opened it."""
        if self._own_session:
            self.session.close()

    # -- public API --------------------------------------------------------------------------

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, *, use_cache: bool = True
    ) -> Any:
        """GET ``url`` and return the body parsed as JSON.

        Args:
            url: The URL without query string.
            params: Query parameters (None values are left out).
            use_cache: False skips the disk cache for this request (no read, no write).

        Returns:
            The parsed JSON (dict, list, ...).

        Raises:
            SourceError: If the request fails after the retries or the body is not JSON.
        """
        return self.get(url, params, use_cache=use_cache, json_body=True).data

    def get_text(
        self, url: str, params: Mapping[str, Any] | None = None, *, use_cache: bool = True
    ) -> str:
        """GET ``url`` and return the body as text (for RSS/Atom feeds).

        Args:
            url: The URL without query string.
            params: Query parameters (None values are left out).
            use_cache: False skips the disk cache for this request (no read, no write).

        Returns:
            The decoded body: the charset of ``Content-Type``, else the XML declaration's
            encoding, else UTF-8.

        Raises:
            SourceError: If the request fails after the retries.
        """
        return self.get(url, params, use_cache=use_cache).text

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        use_cache: bool = True,
        json_body: bool = False,
    ) -> HttpResponse:
        """GET ``url`` with retries and the disk cache; return the response with its headers.

        Args:
            url: The URL without query string.
            params: Query parameters (None values are left out).
            use_cache: False skips the disk cache for this request (no read, no write).
            json_body: Expect JSON: ask for it and only cache the body if it parses.

        Returns:
            The response (``from_cache`` tells where it came from).

        Raises:
            SourceError: If the request fails after the retries, the server answers with a
                4xx status, or asks to wait longer than ``http.max_retry_after``.
        """
        params = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            full_url = requests.Request("GET", url, params=params).prepare().url or url
        except requests.RequestException as exc:
            raise _error(
                f"GET {url}: not a usable URL ({_first_line(exc)}); fix the source's URL"
            ) from None
        full_url = _ENCODED_ENV_REF.sub(r"${\1}", full_url)  # placeholders as written
        try:  # ${NAME} -> the environment variable, for the request only
            real_url = expand_env(url)
            real_params = {k: expand_env(v) for k, v in params.items()}
        except KeyError as exc:
            raise _error(
                f"GET {full_url}: the environment variable {exc.args[0]} is not set (the "
                f"source's URL names ${{{exc.args[0]}}}); set it before the run"
            ) from None
        caching = use_cache and self.use_cache
        key = cache_key("GET", url, params)  # placeholders, not the values they stand for
        if caching and (cached := self._read_cache(key, full_url)) is not None:
            return cached
        template = " ".join([url, *params.values()])
        try:
            response = self._fetch(real_url, real_params, full_url,
                                   accept=_ACCEPT_JSON if json_body else _ACCEPT_TEXT,
                                   hide=lambda text: hide_env(text, template))
        except SourceError as exc:
            raise SourceError(hide_env(str(exc), template)) from None
        if json_body:
            response.data  # noqa: B018 - raises SourceError before a bad body is cached
        if caching:
            self._write_cache(key, response)
        return response

    # -- network -----------------------------------------------------------------------------

    def _fetch(self, url: str, params: dict[str, str], full_url: str, *, accept: str,
               hide: Callable[[str], str] = str) -> HttpResponse:
        http = self.http
        attempts = http.retries + 1
        host = _host(url)
        shown = mask_url(full_url)  # the real URL goes to the server only
        for attempt in range(attempts):
            self._wait_for_rate_limit(host, shown)
            retry_after: float | None = None
            try:
                logger.debug("GET %s (attempt %d/%d)", shown, attempt + 1, attempts)
                resp = self._attempt(url, params, accept)
            except _DeadlineExceeded:
                raise _error(
                    f"GET {shown}: no complete answer within the deadline of "
                    f"{_seconds(http.deadline.total_seconds())} (http.deadline); the server "
                    "sends too slowly or holds the connection; try again later or raise "
                    "http.deadline"
                ) from None
            except requests.exceptions.SSLError as exc:
                raise _error(
                    f"GET {shown}: TLS/SSL error ({_first_line(exc)}); check the URL and the "
                    "machine's certificates"
                ) from None
            except requests.Timeout:
                problem = f"no answer within {http.timeout:g} s (timeout)"
            except requests.ConnectionError as exc:
                problem = hide(mask_urls_in_text(f"cannot connect ({_first_line(exc)})"))
            except requests.RequestException as exc:
                raise _error(
                    f"GET {shown}: request failed ({_first_line(exc)}); check the URL"
                ) from None
            else:
                self._note_rate_limit(host, resp.headers)
                if resp.ok:
                    return self._response(resp)
                status = f"HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                if resp.status_code not in _RETRY_STATUS:
                    fix = _FIX_4XX.get(resp.status_code, "check the source's settings")
                    message = _server_message(resp)
                    raise _error(f"GET {resp.url}: {status}{message}; {fix}")
                problem = status
                retry_after = self._retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None and retry_after > http.max_retry_after:
                    raise _error(
                        f"GET {shown}: {status}, the server asks to wait {retry_after:.0f} s "
                        f"(Retry-After), longer than http.max_retry_after = "
                        f"{http.max_retry_after:g} s; try again later or raise "
                        "http.max_retry_after"
                    )
            if attempt + 1 == attempts:
                raise _error(
                    f"GET {shown}: {problem} after {attempts} attempt"
                    f"{'s' if attempts > 1 else ''}; check the URL and the network, try again "
                    "later or raise http.retries / http.timeout"
                )
            delay = (retry_after if retry_after is not None
                     else min(http.backoff * 2**attempt, MAX_BACKOFF))
            logger.warning("GET %s: %s; retry %d of %d in %.1f s", shown, problem,
                           attempt + 1, http.retries, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str, params: dict[str, str], accept: str) -> requests.Response:
        """One GET, headers and body, within ``http.deadline`` of wall time.

        ``requests`` only knows per-read timeouts, which a server that sends a byte now and
        then never trips. So the request runs in a daemon thread that the caller waits for at
        most ``deadline`` seconds; past it, the response's socket is shut down (urllib3's
        ``HTTPResponse.shutdown``, else closed), which ends the reading thread.

        Raises:
            _DeadlineExceeded: If the body is not complete within the deadline.
            requests.RequestException: What the request raised.
        """
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                resp = self.session.get(url, params=params, timeout=self.http.timeout,
                                        headers={"Accept": accept}, stream=True)
                box["response"] = resp
                resp.content  # noqa: B018 - read the whole body here, inside the deadline
                box["done"] = True
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        worker = threading.Thread(target=run, name="socialcrm-http", daemon=True)
        worker.start()
        worker.join(self.http.deadline.total_seconds())
        if worker.is_alive():
            _abort(box.get("response"))
            raise _DeadlineExceeded
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _response(self, resp: requests.Response) -> HttpResponse:
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return HttpResponse(
            url=mask_url(resp.url),
            status=resp.status_code,
            headers=headers,
            text=decode_body(resp.content, headers.get("content-type", "")),
            fetched_at=dt.datetime.fromtimestamp(self._clock(), dt.UTC),
            links=_links(headers.get("link", "")),
        )

    def _retry_after(self, value: str | None) -> float | None:
        """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            logger.debug("ignoring unreadable Retry-After %r", value)
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, when.timestamp() - self._clock())

    def _note_rate_limit(self, host: str, headers: Mapping[str, str]) -> None:
        """Remember when a spent rate limit (``X-RateLimit-Remaining: 0``) resets."""
        remaining, reset = headers.get("X-RateLimit-Remaining"), headers.get("X-RateLimit-Reset")
        try:
            spent = remaining is not None and float(remaining) < 1
        except ValueError:
            spent = False
        if not spent or reset is None:
            self._not_before.pop(host, None)
            return
        try:  # Reddit: seconds until the reset; Mastodon: an ISO 8601 time
            wait = float(reset)
        except ValueError:
            try:
                when = dt.datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
            except ValueError:
                return
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            wait = when.timestamp() - self._clock()
        self._not_before[host] = self._clock() + max(0.0, wait)

    def _wait_for_rate_limit(self, host: str, shown: str) -> None:
        wait = self._not_before.pop(host, 0.0) - self._clock()
        if wait <= 0:
            return
        if wait > self.http.max_retry_after:
            raise _error(
                f"GET {shown}: the rate limit of {host} is spent and resets in {wait:.0f} s, "
                f"longer than http.max_retry_after = {self.http.max_retry_after:g} s; try again "
                "later or raise http.max_retry_after"
            )
        logger.info("rate limit of %s spent; waiting %.1f s", host, wait)
        self._sleep(wait)

    # -- cache -------------------------------------------------------------------------------

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _read_cache(self, key: str, full_url: str) -> HttpResponse | None:
        path = self._cache_path(key)
        shown = mask_url(full_url)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            fetched_at = dt.datetime.fromisoformat(entry["fetched_at"])
            headers = dict(entry["headers"])
            response = HttpResponse(url=entry.get("url", shown), status=int(entry["status"]),
                                    headers=headers, text=entry["body"], fetched_at=fetched_at,
                                    from_cache=True, links=_links(headers.get("link", "")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.debug("ignoring unreadable cache entry %s (%s)", path, exc)
            return None
        age = self._clock() - fetched_at.timestamp()
        if not 0 <= age < self.http.cache_ttl.total_seconds():
            logger.debug("cache entry for %s is stale (%.0f s old)", shown, age)
            return None
        logger.info("GET %s: from the cache (%.0f s old)", shown, age)
        return response

    def _write_cache(self, key: str, response: HttpResponse) -> None:
        if response.status != 200:
            return
        # Nothing secret on disk: the URL, headers and URLs in the body (a feed's self link may
        # repeat the token it was fetched with) are masked; the key is a hash.
        entry = {
            "method": "GET",
            "url": mask_url(response.url),
            "status": response.status,
            "headers": {k: mask_urls_in_text(v) for k, v in response.headers.items()
                        if k in _CACHED_HEADERS},
            "body": mask_urls_in_text(response.text),
            "fetched_at": response.fetched_at.isoformat(),
        }
        path = self._cache_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                             suffix=".tmp", delete=False) as tmp:
                json.dump(entry, tmp, ensure_ascii=False)
            os.replace(tmp.name, path)
        except OSError as exc:  # the cache is a convenience: never fail a run over it
            logger.warning("cannot write the HTTP cache in %s (%s); continuing without it",
                           self.cache_dir, exc)


class _DeadlineExceeded(Exception):
    """Raised inside the client when one attempt outlives ``http.deadline``."""


def _abort(resp: requests.Response | None) -> None:
    """Stop a response that is still being read (from another thread)."""
    if resp is None:
        return  # still waiting for the headers: the thread ends at the socket timeout
    shutdown = getattr(resp.raw, "shutdown", None)  # urllib3 >= 2.3
    try:
        if callable(shutdown):
            shutdown()
        resp.close()
    except Exception as exc:  # noqa: BLE001 - best effort; the caller has given up already
        logger.debug("closing a response past its deadline: %s", exc)


def _error(message: str) -> SourceError:
    """A SourceError whose message carries no URL credential."""
    return SourceError(mask_urls_in_text(message))


def _host(url: str) -> str:
    """``host[:port]`` of a URL, without any userinfo (rate limits are kept per host)."""
    parts = urlsplit(url)
    host = parts.hostname or parts.netloc.rpartition("@")[2]
    return f"{host}:{parts.port}" if parts.port else host


def _seconds(value: float) -> str:
    """``2 s``, ``0.5 s``, ``90 s``."""
    return f"{value:g} s"


def cache_key(method: str, url: str, params: Mapping[str, Any] | None = None) -> str:
    """The cache key of a request: SHA-256 of method, URL and the sorted parameters.

    Args:
        method: HTTP method (case does not matter).
        url: The URL without query string.
        params: Query parameters; None values are left out, values compared as text.

    Returns:
        64 hexadecimal digits.

    Examples:
        >>> cache_key("GET", "https://x.example/a", {"b": 2, "a": 1}) == cache_key(
        ...     "get", "https://x.example/a", {"a": "1", "b": "2"})
        True
    """
    pairs = sorted((str(k), str(v)) for k, v in (params or {}).items() if v is not None)
    text = json.dumps([method.upper(), url, pairs], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode_body(content: bytes, content_type: str) -> str:
    """Decode a body: ``Content-Type`` charset, else the XML declaration, else UTF-8.

    Bytes that do not decode are replaced rather than failing the whole feed.

    Args:
        content: The raw body.
        content_type: The ``Content-Type`` header ("" when absent).

    Returns:
        The body as text.

    Examples:
        >>> decode_body('<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>'.encode("latin-1"),
        ...             "application/rss+xml")
        '<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>'
        >>> decode_body("Grüße".encode(), "text/plain")
        'Grüße'
    """
    charset = None
    if match := re.search(r"charset=[\"']?([A-Za-z0-9._-]+)", content_type, re.IGNORECASE):
        charset = match.group(1)
    elif match := _XML_ENCODING.match(content):
        charset = match.group(1).decode("ascii")
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return content.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return content.decode("utf-8", errors="replace")


def _links(header: str) -> dict[str, str]:
    """``Link`` header -> {rel: url}."""
    if not header:
        return {}
    return {
        link["rel"]: link["url"]
        for link in requests.utils.parse_header_links(header)
        if link.get("rel") and link.get("url")
    }


def _server_message(resp: requests.Response) -> str:
    """A short reason from a JSON error body (``{"error": "..."}``), or nothing."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    message = (body.get("error") or body.get("message")) if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return f" ({_first_line(message)[:200]})"


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
