"""Shared fixtures: project paths, a temporary run folder, playbook files written on the fly."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from socialcrm_utils import config

ROOT = config.PROJECT_ROOT
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """An empty run folder."""
    path = tmp_path / "run"
    path.mkdir()
    return path


@pytest.fixture
def write_playbook(tmp_path: Path) -> Callable[..., Path]:
    """Write a playbook YAML into tmp_path; `body` is dedented; returns its path."""

    def write(body: str, name: str = "client.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
        return path

    return write


MINIMAL = """
client: tiny
name: Tiny Co
timezone: Europe/Berlin
brand: {{handles: ["@Tiny"], terms: ["tiny co"]}}
sources:
  - {{kind: file, path: {path}}}
"""


@pytest.fixture
def minimal_playbook(write_playbook, tmp_path: Path) -> Callable[[str], Path]:
    """A minimal valid playbook around one data file given as CSV text."""

    def make(csv_text: str, extra: str = "") -> Path:
        data = tmp_path / "mentions.csv"
        data.write_text(textwrap.dedent(csv_text).lstrip(), encoding="utf-8")
        return write_playbook(MINIMAL.format(path="mentions.csv") + textwrap.dedent(extra))

    return make


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL database for the store tests (see tests/pg.py).

    ``SOCIALCRM_TEST_POSTGRES_URL`` when set (``.ci/run`` sets it), else a throw-away server of
    its own when ``initdb``/``pg_ctl`` are installed; skips, naming what is missing, otherwise.
    """
    import contextlib

    from .pg import Unavailable
    from .pg import postgres_url as start

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(start())
        except Unavailable as exc:
            pytest.skip(f"no PostgreSQL server for the store tests: {exc}")
        yield url
