"""The validated playbook: :class:`Playbook` and how its store URL is shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator

from ..config import CLIENT_ID_RE, REPORTS_DIR, client_store_url
from ..credentials import mask_urls_in_text
from .alerts import Alerts
from .fields import Duration, _check_timezone, _Model, format_duration
from .sections import (
    Brand,
    Costs,
    Goal,
    Guidelines,
    Http,
    Listening,
    Platforms,
    Routing,
    Sla,
    Source,
    Voice,
)


class Playbook(_Model):
    """A validated client playbook (see DESIGN.md, "Playbook")."""

    client: str
    name: str
    language: Literal["en", "de"] = "en"
    timezone: str = "Europe/Berlin"
    brand: Brand
    sources: list[Source] = Field(min_length=1)
    goals: list[Goal] = Field(default_factory=list)
    guidelines: Guidelines = Field(default_factory=Guidelines)
    sla: Sla = Field(default_factory=Sla)
    routing: Routing = Field(default_factory=Routing)
    voice: Voice = Field(default_factory=Voice)
    costs: Costs = Field(default_factory=Costs)
    listening: Listening = Field(default_factory=Listening)
    platforms: Platforms = Field(default_factory=Platforms)
    http: Http = Field(default_factory=Http)
    alerts: Alerts = Field(default_factory=Alerts)
    window: Duration = dt.timedelta(days=28)
    store: str | None = None
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("client")
    @classmethod
    def _client_id(cls, value: str) -> str:
        if not CLIENT_ID_RE.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a client id (allowed: lower-case letters, digits and single "
                "hyphens, e.g. acme-air)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("window")
    @classmethod
    def _window(cls, value: dt.timedelta) -> dt.timedelta:
        # incremental runs: the rolling window of history the steps see (docs/incremental.md)
        if value < dt.timedelta(days=1):
            raise ValueError(
                f"window {format_duration(value)} is shorter than a day; the steps compare days "
                "(use e.g. 28d)"
            )
        return value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str | None, info: ValidationInfo) -> str | None:
        base = (info.context or {}).get("base_dir")
        prefix = "sqlite:///"
        if value and base and value.startswith(prefix) and not value.startswith(prefix + "/"):
            relative = value.removeprefix(prefix)
            if relative and relative != ":memory:":
                return prefix + str((Path(base) / relative).resolve())
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The playbook's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def store_url(self) -> str:
        """The CRM store URL: ``store`` or an SQLite file under ``reports/<client>/``."""
        return client_store_url(self.store, REPORTS_DIR / self.client)

    @property
    def store_url_display(self) -> str:
        """:attr:`store_url` for messages: ``postgresql+psycopg://user:***@host/db``."""
        return display_store_url(self.store_url)


def file_source_bytes(playbook: Playbook) -> int:
    """Bytes of the playbook's file sources (every file a pattern matches; 0 for feeds, APIs).

    A cheap estimate of a run's size before anything is read: about 200-300 bytes per mention
    in a CSV export (the shipped sample: 1.6 MB for 6,000 mentions). The runner sizes its warm
    kernels by it, step 1 its early scoring workers.
    """
    total = 0
    for source in playbook.sources:
        if getattr(source, "path", None) is None:
            continue
        for file in source.matching_files():
            try:
                total += Path(file).stat().st_size
            except OSError:
                continue
    return total


def display_store_url(url: str) -> str:
    """A store URL as shown to people: its password (and any URL credential) masked.

    Args:
        url: An SQLAlchemy database URL.

    Returns:
        The URL with ``***`` for the password, as SQLAlchemy's
        ``URL.render_as_string(hide_password=True)`` writes it.

    Examples:
        >>> display_store_url("postgresql+psycopg://crm:pa55@db.example:5432/crm")
        'postgresql+psycopg://crm:***@db.example:5432/crm'
        >>> display_store_url("sqlite:////srv/reports/acme/crm.sqlite")
        'sqlite:////srv/reports/acme/crm.sqlite'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        shown = str(url)
    return mask_urls_in_text(shown, keep_user=True)  # and query arguments (?sslpassword=)
