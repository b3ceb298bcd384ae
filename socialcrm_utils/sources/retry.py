"""Retries for :class:`~socialcrm_utils.sources.http.HttpClient`: urllib3's ``Retry``, our policy.

:class:`RetryPolicy` is urllib3's :class:`~urllib3.util.Retry`, mounted in the client's requests
``HTTPAdapter``; it changes the stock class only through its public methods (``new``,
``get_backoff_time``, ``get_retry_after``, ``increment``, ``sleep``). :class:`AttemptWatch` tells
the client's deadline when an attempt started (the waits between attempts do not count).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util import Retry

from ..playbook import Http

__all__ = ["MAX_BACKOFF", "RETRY_STATUS", "AttemptWatch", "RetryPolicy", "parse_retry_after"]

logger = logging.getLogger(__name__)

#: Longest back-off between two attempts, in seconds (a Retry-After may ask for longer).
MAX_BACKOFF = 60.0
#: Statuses that are retried: 429 (too many requests) and every 5xx.
RETRY_STATUS = frozenset({429}) | frozenset(range(500, 600))


class AttemptWatch:
    """When the current attempt started; the waits between attempts do not count."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.waiting = False

    def left(self, limit: float) -> float:
        """Seconds the current attempt has left of ``limit`` (``limit`` while waiting)."""
        return limit if self.waiting else self.started + limit - time.monotonic()

    def wait(self, sleep: Callable[[float], None], seconds: float) -> None:
        """Call ``sleep(seconds)``; the next attempt starts when it returns."""
        self.waiting = True
        try:
            sleep(seconds)
        finally:
            self.started, self.waiting = time.monotonic(), False


class RetryPolicy(Retry):
    """urllib3's :class:`~urllib3.util.Retry` as the suite retries.

    Differences from the stock class, all through its public methods: the wait before retry
    ``n`` (1-based) is ``backoff * 2**(n - 1)`` capped at :data:`MAX_BACKOFF` (urllib3 waits 0
    before the first retry); ``Retry-After`` dates are read on the client's clock and an
    unreadable one is ignored; a ``Retry-After`` longer than ``max_retry_after`` ends the
    retries at once (the caller reports it); waiting goes through the client's ``sleep`` and
    logs a warning that names the masked URL.
    """

    def __init__(
        self,
        *args: Any,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_retry_after: float = math.inf,
        label: str = "",
        watch: AttemptWatch | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sleep_function = sleep
        self.clock = clock
        self.max_retry_after = max_retry_after
        self.label = label
        self.watch = watch or AttemptWatch()

    @classmethod
    def from_http(
        cls, http: Http, *, sleep: Callable[[float], None], clock: Callable[[], float]
    ) -> RetryPolicy:
        """The policy of a playbook's ``http`` settings."""
        return cls(
            total=http.retries,
            other=0,  # TLS and proxy errors are not retried
            status_forcelist=RETRY_STATUS,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=http.backoff,
            backoff_max=MAX_BACKOFF,
            raise_on_status=False,  # the caller reports the last status
            raise_on_redirect=False,
            respect_retry_after_header=True,
            sleep=sleep,
            clock=clock,
            max_retry_after=http.max_retry_after,
        )

    def new(self, **kw: Any) -> RetryPolicy:
        """A copy with ``kw`` changed (urllib3 calls it on every retry)."""
        extra = {
            "sleep": self.sleep_function,
            "clock": self.clock,
            "max_retry_after": self.max_retry_after,
            "label": self.label,
            "watch": self.watch,
        }
        return super().new(**{**extra, **kw})

    def get_backoff_time(self) -> float:
        """``backoff * 2**(n - 1)`` seconds before retry ``n``, at most ``backoff_max``."""
        errors = len(self.history)
        if errors == 0:
            return 0.0
        return float(min(self.backoff_factor * 2 ** (errors - 1), self.backoff_max))

    def get_retry_after(self, response: Any) -> float | None:
        """Seconds a ``Retry-After`` header asks for (None when absent or unreadable)."""
        return parse_retry_after(response.headers.get("Retry-After"), self.clock())

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        **kwargs: Any,
    ) -> RetryPolicy:
        """Count one failed attempt; a too long ``Retry-After`` ends the retries."""
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after:
                raise MaxRetryError(
                    kwargs.get("_pool"),
                    url or "",
                    ResponseError(f"Retry-After {wait:.0f} s is too long"),
                )
        return super().increment(method, url, response, error, **kwargs)

    def sleep(self, response: Any = None) -> None:
        """Wait before the next attempt: ``Retry-After`` if the server sent one, else back-off."""
        wait = self.get_retry_after(response) if response is not None else None
        if wait is None:
            wait = self.get_backoff_time()
        last = self.history[-1] if self.history else None
        problem = (
            f"HTTP {last.status}"
            if last is not None and last.status
            else type(last.error).__name__
            if last is not None and last.error
            else "failed"
        )
        retries = len(self.history)
        logger.warning(
            "GET %s: %s; retry %d of %d in %.1f s",
            self.label,
            problem,
            retries,
            retries + (self.total or 0),
            wait,
        )
        self.watch.wait(self.sleep_function, wait)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a ``Retry-After`` value (seconds or an HTTP date), None when unreadable.

    Args:
        value: The header's value (None when absent).
        now: The current time as a Unix timestamp (for an HTTP date).

    Returns:
        Seconds to wait (never negative), or None.

    Examples:
        >>> parse_retry_after("3", 0.0), parse_retry_after("soon", 0.0)
        (3.0, None)
        >>> parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 90.0)
        10.0
    """
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
    return max(0.0, when.timestamp() - now)
