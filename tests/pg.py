"""A throw-away PostgreSQL server for the store tests.

:func:`postgres_url` gives the tests a database URL, in this order:

1. ``SOCIALCRM_TEST_POSTGRES_URL`` when set (``.ci/run`` starts a server and sets it); a URL
   that does not answer is an error, not a skip: someone asked for that server;
2. otherwise a server of its own: ``initdb`` into a temporary folder (as the ``postgres`` user
   when running as root, since PostgreSQL refuses to run as root), ``pg_ctl start`` on
   127.0.0.1 and a free port, trust authentication, stopped and deleted at the end;
3. otherwise :class:`Unavailable` with the reason, which the fixture turns into a visible skip.

``initdb`` and ``pg_ctl`` are looked up on ``PATH`` and in ``/usr/lib/postgresql/*/bin``
(Debian's ``apt-get install postgresql``). Run ``python -m tests.pg`` to start a server by hand;
it prints the URL and stops the server on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "SOCIALCRM_TEST_POSTGRES_URL"
DATABASE = "socialcrm_test"


class Unavailable(Exception):
    """Raised when no PostgreSQL server can be used; the message says what was missing."""


def find_bin(name: str) -> str | None:
    """Path of a PostgreSQL server program (``initdb``, ``pg_ctl``), or None."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *argv]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(map(_quote, argv))]


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


@contextlib.contextmanager
def temporary_server() -> Iterator[str]:
    """Start a PostgreSQL server in a temporary folder; yield the URL of a fresh database.

    Raises:
        Unavailable: If the server programs, the ``postgres`` user (as root) or the driver are
            missing, or the server does not start.
    """
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise Unavailable(
            "PostgreSQL server programs (initdb, pg_ctl) not found on PATH or in "
            "/usr/lib/postgresql/*/bin; install them (apt-get install postgresql) "
            f"or set {ENV_URL}"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable(
            "the psycopg driver is not installed (pip install 'psycopg[binary]')"
        ) from None
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable(
                "running as root and there is no 'postgres' user to run the server as"
            ) from None
    folder = Path(tempfile.mkdtemp(prefix="socialcrm-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = free_port()
    log = folder / "server.log"
    try:
        _run(
            _as_postgres(
                [
                    initdb,
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            "initdb",
        )
        _run(
            _as_postgres(
                [
                    pg_ctl,
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off "
                    "-c full_page_writes=off -c synchronous_commit=off",
                    "start",
                ]
            ),
            "pg_ctl start",
            log,
        )
    except Unavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
        create_database(url)
        yield url
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _run(argv: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        if log is not None and log.is_file():
            detail += log.read_text(errors="replace").strip().splitlines()[-3:]
        raise Unavailable(f"{what} failed (exit {done.returncode}): {' | '.join(detail)}")


def _server_url(url: str) -> tuple[str, str]:
    """(libpq conninfo of the server's ``postgres`` database, the database name in ``url``)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    return conninfo, parsed.database or DATABASE


def create_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (waits up to 10 s for the
    server)."""
    import psycopg

    conninfo, name = _server_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def reset_database(url: str) -> None:
    """Drop everything in the database's ``public`` schema (a clean slate for each test)."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL database for tests (see the module documentation).

    Raises:
        Unavailable: If no server is configured and none can be started.
        psycopg.OperationalError: If ``SOCIALCRM_TEST_POSTGRES_URL`` is set but does not answer.
    """
    configured = os.environ.get(ENV_URL)
    if configured:
        create_database(configured)
        yield configured
        return
    with temporary_server() as url:
        yield url


if __name__ == "__main__":  # pragma: no cover - a helper for people
    import signal
    import sys

    # Stop cleanly on Ctrl-C and on kill (also when started in the background, where the shell
    # makes the process ignore SIGINT).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with postgres_url() as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
