"""A small scripted HTTP server on 127.0.0.1 for tests that must not touch the internet.

Routes map ``(method, path)`` to a list of scripted :class:`Reply` objects served in order; once
a route's script is used up its last reply is served again (so ``[Reply(500)]`` fails forever).
Every request is recorded. Unknown routes answer ``404``.

Use the ``local_server`` fixture (import ``local_server_fixture`` into a test module or a
conftest), or the class as a context manager::

    with LocalServer() as server:
        server.route("/feed.xml", Reply(200, {"Content-Type": "application/rss+xml"}, xml))
        requests.get(server.url + "/feed.xml")
        assert server.requests[0].path == "/feed.xml"
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["PAYLOADS", "Reply", "Request", "LocalServer", "local_server_fixture", "payload"]

#: Recorded-style payloads (invented content) used by the tests.
PAYLOADS = Path(__file__).resolve().parent / "payloads"


def payload(name: str) -> str:
    """The text of ``tests/payloads/<name>``."""
    return (PAYLOADS / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Reply:
    """One scripted response.

    Attributes:
        status: HTTP status code.
        headers: Response headers.
        body: Bytes or text as is; a dict or list is sent as JSON (``Content-Type`` defaults to
            ``application/json`` then).
        delay: Seconds to wait before answering (to provoke client timeouts).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | dict | list = b""
    delay: float = 0.0

    def encoded(self) -> tuple[dict[str, str], bytes]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, dict | list):
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return headers, body


@dataclass(frozen=True)
class Request:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """The body parsed as JSON (a POSTed webhook payload)."""
        return json.loads(self.body.decode("utf-8"))


class LocalServer:
    """A threaded HTTP server on a free port of 127.0.0.1, answering from scripted routes."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._served: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # do not wait for replies a client gave up on
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.01,), name="local-http-server", daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply, method: str = "GET") -> LocalServer:
        """Script the replies of ``method path`` (appended to any already scripted)."""
        with self._lock:
            self._routes.setdefault((method.upper(), path), []).extend(replies)
        return self

    def requests_to(self, path: str) -> list[Request]:
        """Requests received for ``path`` (any method), in order."""
        return [r for r in self.requests if r.path == path]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, method: str, path: str) -> Reply:
        with self._lock:
            script = self._routes.get((method, path))
            if not script:
                return Reply(404, body={"error": f"no route for {method} {path}"})
            index = self._served.get((method, path), 0)
            self._served[(method, path)] = index + 1
            return script[min(index, len(script) - 1)]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self._answer()

            def do_POST(self) -> None:  # noqa: N802
                self._answer()

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with server._lock:
                    server.requests.append(request)
                reply = server._next_reply(self.command, parts.path)
                if reply.delay:
                    time.sleep(reply.delay)
                headers, body = reply.encoded()
                try:
                    self.send_response(reply.status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output quiet

        return Handler


@pytest.fixture(name="local_server")
def local_server_fixture() -> Iterator[LocalServer]:
    """A running :class:`LocalServer`, stopped after the test."""
    with LocalServer() as server:
        yield server
