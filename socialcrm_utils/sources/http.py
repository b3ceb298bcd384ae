"""HTTP for feeds and public APIs: one session, a User-Agent, timeouts, retries, a disk cache.

:class:`HttpClient` is the only place the suite talks to the network. It is configured by the
playbook's ``http`` section (:class:`~socialcrm_utils.playbook.Http`) and built from maintained
parts (``docs/http.md``):

- **retries** are urllib3's :class:`~urllib3.util.Retry` in a requests ``HTTPAdapter``:
  connection errors, timeouts, ``429`` and ``5xx`` are retried up to ``http.retries`` times with
  exponential back-off (``backoff * 2**n`` seconds before retry ``n + 1``, at most 60 s); a
  ``Retry-After`` header (seconds or an HTTP date) is honoured, and when the server asks for
  longer than ``max_retry_after`` the request fails with a
  :class:`~socialcrm_utils.exceptions.SourceError` that says so;
- the **disk cache** is requests-cache's ``CachedSession``: ``200`` responses are kept for
  ``cache_ttl`` as JSON files in ``cache_dir`` (default :data:`DEFAULT_CACHE_DIR`), one file per
  request named by requests-cache's key (a hash of method, URL and body);
- every request carries a descriptive ``User-Agent``, a timeout for each wait on the server
  and an overall ``deadline`` for each attempt (connect, headers, body): a server that drips a
  byte a second fails the request when the deadline passes, without a retry;
- a spent rate limit (``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``) makes the next
  request to that host wait for the reset.

The real URL is used for the request only: messages, log lines, :attr:`HttpResponse.url` and
every cache file (URLs, headers, body) carry it with credentials masked
(:mod:`socialcrm_utils.credentials`: ``user:***@``, ``?token=***``); the cache file names are
one-way hashes.

Every failure is one ``SourceError`` line: the URL, what happened and what to do. Waiting goes
through an injectable ``sleep`` (and ``clock``) so tests never really wait.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_cache import BaseCache, CachedSession, create_key
from requests_cache.backends.filesystem import FileDict
from requests_cache.serializers import SerializerPipeline, Stage, utf8_encoder
from requests_cache.serializers.preconf import json_preconf_stage
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

from .. import __version__, config
from ..credentials import expand_env, hide_env, mask_url, mask_urls_in_text
from ..exceptions import SourceError
from ..playbook import Http
from .retry import MAX_BACKOFF, RETRY_STATUS, AttemptWatch, RetryPolicy, parse_retry_after

__all__ = [
    "MAX_BACKOFF",
    "HttpClient",
    "HttpResponse",
    "cache_key",
    "decode_body",
    "DEFAULT_CACHE_DIR",
    "DEFAULT_USER_AGENT",
]

logger = logging.getLogger(__name__)

#: Where responses are cached when the playbook sets no ``http.cache_dir``: ``http/`` in the
#: suite's cache folder (:data:`socialcrm_utils.config.CACHE_DIR`; ``.cache/http`` in a clone).
DEFAULT_CACHE_DIR: Path = config.CACHE_DIR / "http"
#: Sent with every request unless the playbook sets ``http.user_agent``.
DEFAULT_USER_AGENT = (
    f"socialcrm-suite/{__version__} (+https://github.com/socialcrm/socialcrm-suite)"
)
_ACCEPT_JSON = "application/json"
_ACCEPT_TEXT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/*;q=0.8, */*;q=0.5"
)
#: Headers that carry credentials or sessions: never written to the cache.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_ENCODED_ENV_REF = re.compile(r"\$%7B([A-Za-z_][A-Za-z0-9_]*)%7D")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9._-]+)[\"']?", re.IGNORECASE)
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
        headers: Response headers, names in lower case.
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
        session: A :class:`requests.Session` whose settings to start from (a new one when
            None); it is wrapped in requests-cache's ``CachedSession`` and its ``http(s)://``
            adapters get the client's retry policy. Closed by :meth:`close` only if the
            client made it.
        sleep: Called with a number of seconds whenever the client waits (tests pass a recorder).
        clock: Returns the current time as a Unix timestamp (``fetched_at``, ``Retry-After``
            dates, rate-limit resets). The cache's freshness is requests-cache's, on the real
            clock.
        use_cache: False turns the disk cache off for every request of this client (nothing is
            read or written, no cache folder is made).

    Examples:
        >>> client = HttpClient(Http(user_agent="example/1.0"), use_cache=False)
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
        self.cache_dir = self.http.cache_dir or DEFAULT_CACHE_DIR
        self._sleep = sleep
        self._clock = clock
        self._not_before: dict[str, float] = {}  # host -> time the rate limit resets
        self._own_session = session is None
        cache = _open_cache(self.cache_dir) if use_cache else None
        self.use_cache = cache is not None
        settings: dict[str, Any] = {
            "backend": cache or BaseCache(),
            "expire_after": self.http.cache_ttl,
            "cache_control": False,  # keep a page for cache_ttl, whatever the server says
            "allowable_codes": (200,),
            "allowable_methods": ("GET",),
            # Credentials stay in the key's hash (two tokens never share a page); the stored
            # copy is masked by the serializer (_mask_entry), which knows more names than
            # requests-cache's ignored_parameters and also masks userinfo and bodies.
            "ignored_parameters": (),
            "match_headers": False,
            "filter_fn": _is_cacheable,
        }
        self.session: CachedSession = (
            CachedSession(**settings)
            if session is None
            else CachedSession.wrap(session, **settings)
        )
        self.session.settings.disabled = not self.use_cache
        self.session.headers["User-Agent"] = self.http.user_agent or DEFAULT_USER_AGENT
        # Requests that skip the cache go through a plain session with the same headers and
        # adapter (toggling the cached session's settings per request is not thread-safe).
        self._direct = session or requests.Session()
        self._direct.headers = self.session.headers
        self._retry = RetryPolicy.from_http(self.http, sleep=sleep, clock=clock)
        self._adapter = HTTPAdapter(max_retries=self._retry)
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, self._adapter)
            self._direct.mount(prefix, self._adapter)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the sessions if this client opened them."""
        if self._own_session:
            self.session.close()
            self._direct.close()

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
        template = " ".join([url, *params.values()])
        try:
            response = self._fetch(
                real_url,
                real_params,
                full_url,
                accept=_ACCEPT_JSON if json_body else _ACCEPT_TEXT,
                caching=use_cache and self.use_cache,
                hide=lambda text: hide_env(text, template),
            )
        except SourceError as exc:
            raise SourceError(hide_env(str(exc), template)) from None
        if json_body:
            response.data  # noqa: B018 - raises SourceError for a bad body (never cached)
        return response

    # -- network -----------------------------------------------------------------------------

    def _fetch(
        self,
        url: str,
        params: dict[str, str],
        full_url: str,
        *,
        accept: str,
        caching: bool,
        hide: Callable[[str], str] = str,
    ) -> HttpResponse:
        """One GET through the cache and the retrying adapter, failures as one SourceError."""
        http = self.http
        attempts = http.retries + 1
        host = _host(url)
        shown = mask_url(full_url)  # the real URL goes to the server only
        self._wait_for_rate_limit(host, shown)
        try:
            logger.debug("GET %s", shown)
            resp = self._attempt(url, params, accept, shown=shown, caching=caching)
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
        except requests.ConnectionError as exc:
            reason = _reason(exc)
            if not isinstance(exc.args[0] if exc.args else None, MaxRetryError):
                attempts = 1  # failed while reading the body: urllib3 retries before that
            if _is_timeout(reason) or isinstance(exc, requests.Timeout):
                problem = f"no answer within {http.timeout:g} s (timeout)"
            else:
                problem = hide(mask_urls_in_text(f"cannot connect ({_first_line(exc)})"))
        except requests.Timeout:
            problem = f"no answer within {http.timeout:g} s (timeout)"
        except requests.RequestException as exc:
            raise _error(
                f"GET {shown}: request failed ({_first_line(exc)}); check the URL"
            ) from None
        else:
            if getattr(resp, "from_cache", False):
                return self._cached(resp, shown)
            self._note_rate_limit(host, resp.headers)
            if resp.ok:
                return self._response(resp)
            status = f"HTTP {resp.status_code} {resp.reason or ''}".rstrip()
            if resp.status_code not in RETRY_STATUS:
                fix = _FIX_4XX.get(resp.status_code, "check the source's settings")
                message = _server_message(resp)
                raise _error(f"GET {resp.url}: {status}{message}; {fix}")
            retry_after = self._retry_after(resp.headers.get("Retry-After"))
            if retry_after is not None and retry_after > http.max_retry_after:
                raise _error(
                    f"GET {shown}: {status}, the server asks to wait {retry_after:.0f} s "
                    f"(Retry-After), longer than http.max_retry_after = "
                    f"{http.max_retry_after:g} s; try again later or raise "
                    "http.max_retry_after"
                )
            problem = status
            attempts = _attempts_made(resp, attempts)
        raise _error(
            f"GET {shown}: {problem} after {attempts} attempt{'s' if attempts > 1 else ''}; "
            "check the URL and the network, try again later or raise http.retries / "
            "http.timeout"
        )

    def _attempt(
        self, url: str, params: dict[str, str], accept: str, *, shown: str, caching: bool
    ) -> requests.Response:
        """The GET with its retries, each attempt within ``http.deadline`` of wall time.

        ``requests`` only knows per-read timeouts, which a server that sends a byte now and
        then never trips. So the request runs in a daemon thread that the caller waits for;
        when one attempt (connect to the body's last byte; the waits between retries do not
        count) outlives ``deadline`` seconds, the response's socket is shut down (urllib3's
        ``HTTPResponse.shutdown``, else closed), which ends the reading thread.

        Raises:
            _DeadlineExceeded: If an attempt is not complete within the deadline.
            requests.RequestException: What the request raised after the retries.
        """
        box: dict[str, Any] = {}
        watch = AttemptWatch()

        def keep(resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
            box["response"] = resp  # headers are in; the body may still be on its way
            return resp

        def run() -> None:
            try:
                session = self.session if caching else self._direct
                resp = session.get(
                    url,
                    params=params,
                    timeout=self.http.timeout,
                    headers={"Accept": accept},
                    stream=True,
                    hooks={"response": [keep]},
                )
                box["response"] = resp
                resp.content  # noqa: B018 - read the whole body here, inside the deadline
                box["done"] = True
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        self._adapter.max_retries = self._retry.new(label=shown, watch=watch)
        worker = threading.Thread(target=run, name="socialcrm-http", daemon=True)
        worker.start()
        limit = self.http.deadline.total_seconds()
        while worker.is_alive():
            left = watch.left(limit)
            if left <= 0:
                _abort(box.get("response"))
                raise _DeadlineExceeded
            worker.join(min(left, 0.1))
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

    def _cached(self, resp: requests.Response, shown: str) -> HttpResponse:
        """A response requests-cache read back from disk (masked when it was written)."""
        created = getattr(resp, "created_at", None) or dt.datetime.now(dt.UTC)
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        age = (dt.datetime.now(dt.UTC) - created).total_seconds()
        logger.info("GET %s: from the cache (%.0f s old)", shown, age)
        fresh = self._response(resp)
        return HttpResponse(
            url=fresh.url,
            status=fresh.status,
            headers=fresh.headers,
            text=fresh.text,
            fetched_at=created,
            from_cache=True,
            links=fresh.links,
        )

    def _retry_after(self, value: str | None) -> float | None:
        """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
        return parse_retry_after(value, self._clock())

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


def _attempts_made(resp: requests.Response, default: int) -> int:
    """How many attempts urllib3 made for the response it finally returned."""
    retry = getattr(resp.raw, "retries", None)
    history = getattr(retry, "history", None)
    return len(history) + 1 if history is not None else default


def _reason(exc: requests.RequestException) -> object:
    """The urllib3 error behind a requests error (unwrapping ``MaxRetryError``)."""
    cause = exc.args[0] if exc.args else None
    return cause.reason if isinstance(cause, MaxRetryError) else cause


def _is_timeout(reason: object) -> bool:
    if isinstance(reason, NewConnectionError):  # a subclass of ConnectTimeoutError
        return False
    return isinstance(reason, ReadTimeoutError | ConnectTimeoutError)


# -- cache: requests-cache, JSON files, secrets masked before they are written ------------------


def _mask_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Serializer stage: a cached response as a dict -> the same, safe to write to disk.

    Every string (URLs of the response, its request and redirects, header values) has its URL
    credentials masked; credential and cookie headers and cookies are dropped; the body is
    stored as masked text (JSON as JSON) in ``_decoded_content``, so a feed whose self link
    repeats its token is stored with ``token=***``. A text body is re-encoded as UTF-8, so its
    ``Content-Type`` says ``charset=utf-8``.

    Examples:
        >>> body = base64.b64encode(b'<a href="/f?token=s3">').decode()
        >>> out = _mask_entry({"url": "https://u:pw@x.example/f?token=s3", "_content": body,
        ...                    "headers": {"Content-Type": "text/xml", "Set-Cookie": "s=1"}})
        >>> out["url"], out["_decoded_content"], out["headers"]
        ('https://u:***@x.example/f?token=***', '<a href="/f?token=***">', \
{'Content-Type': 'text/xml; charset=utf-8'})
    """
    entry = _mask_strings(entry)
    for part in (entry, entry.get("request") or {}, entry.get("raw") or {}):
        if isinstance(part.get("headers"), dict):
            part["headers"] = {
                k: v for k, v in part["headers"].items() if k.lower() not in _SECRET_HEADERS
            }
        if "cookies" in part:
            part["cookies"] = {}
    entry["history"] = [_mask_entry(h) for h in entry.get("history") or []]
    content = entry.pop("_content", None)
    if content:
        headers = entry.setdefault("headers", {})
        name = next((k for k in headers if k.lower() == "content-type"), "Content-Type")
        content_type = headers.get(name, "")
        text = mask_urls_in_text(decode_body(base64.b64decode(content), content_type))
        if "json" in content_type.lower():
            try:
                entry["_decoded_content"] = json.loads(text)
                return entry
            except ValueError:  # requests-cache re-encodes _decoded_content as JSON: keep bytes
                entry["_content"] = base64.b64encode(text.encode("utf-8")).decode("ascii")
        else:
            entry["_decoded_content"] = text
        headers[name] = _with_utf8(content_type)
    return entry


def _mask_strings(value: Any) -> Any:
    """``value`` with :func:`mask_urls_in_text` applied to every string inside it."""
    if isinstance(value, str):
        return mask_urls_in_text(value)
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v) for v in value]
    return value


def _with_utf8(content_type: str) -> str:
    """A ``Content-Type`` with ``charset=utf-8`` (replacing any other charset)."""
    if _CHARSET.search(content_type):
        return _CHARSET.sub("charset=utf-8", content_type)
    return f"{content_type}; charset=utf-8" if content_type else "text/plain; charset=utf-8"


#: requests-cache's JSON serializer with the masking stage between its two steps.
_SERIALIZER = SerializerPipeline(
    [
        json_preconf_stage,
        Stage(dumps=_mask_entry, loads=lambda entry: entry),
        Stage(
            dumps=lambda entry: json.dumps(entry, ensure_ascii=False, indent=1), loads=json.loads
        ),
        utf8_encoder,
    ],
    name="json",
    is_binary=True,
)


class _Entries(FileDict):
    """requests-cache's file storage; a cache that cannot be written never fails a request."""

    def __setitem__(self, key: str, value: Any) -> None:
        try:
            super().__setitem__(key, value)
        except KeyError as exc:  # FileDict reports an OSError as a KeyError
            logger.warning(
                "cannot write the HTTP cache in %s (%s); continuing without it",
                self.cache_dir,
                exc.__cause__ or exc,
            )


class _ResponseCache(BaseCache):
    """requests-cache backend: one masked JSON file per response in ``cache_dir``.

    Redirect aliases stay in memory (requests-cache's default for a plain ``BaseCache``), so
    the folder holds nothing but the JSON entries.
    """

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(cache_name=str(cache_dir))
        self.responses = _Entries(cache_dir, serializer=_SERIALIZER, decode_content=False)


def _open_cache(cache_dir: Path) -> _ResponseCache | None:
    """The disk cache in ``cache_dir``, or None (with a warning) when it cannot be made."""
    try:
        return _ResponseCache(Path(cache_dir))
    except OSError as exc:  # the cache is a convenience: never fail a run over it
        logger.warning(
            "cannot use the HTTP cache in %s (%s); continuing without it", cache_dir, exc
        )
        return None


def _is_cacheable(response: requests.Response) -> bool:
    """requests-cache ``filter_fn``: a JSON request is cached only if its body parses."""
    request = getattr(response, "request", None)
    if request is None or request.headers.get("Accept") != _ACCEPT_JSON:
        return True
    try:
        json.loads(decode_body(response.content, response.headers.get("Content-Type", "")))
    except ValueError:
        return False
    return True


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
    """The cache key (and file name) of a request: requests-cache's hash of it.

    The hash covers the method, the URL as sent (credentials and ``${NAME}`` values filled in,
    parameters sorted) and the body; it is one-way, so no secret can be read from a file name.

    Args:
        method: HTTP method (case does not matter).
        url: The URL without query string.
        params: Query parameters; None values are left out, values compared as text.

    Returns:
        16 hexadecimal digits.

    Examples:
        >>> cache_key("GET", "https://x.example/a", {"b": 2, "a": 1}) == cache_key(
        ...     "get", "https://x.example/a", {"a": "1", "b": "2"})
        True
        >>> len(cache_key("GET", "https://x.example/a"))
        16
    """
    clean = {str(k): str(v) for k, v in (params or {}).items() if v is not None}
    request = requests.Request(method.upper(), url, params=clean).prepare()
    return create_key(request, ignored_parameters=(), match_headers=False, serializer=_SERIALIZER)


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
