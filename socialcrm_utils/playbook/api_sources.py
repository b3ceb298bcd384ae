"""Sources read from social APIs (Bluesky, YouTube, Apple App Store, X) and the fields every
source shares.

The models here are members of the playbook's ``Source`` union
(:mod:`~socialcrm_utils.playbook.sections`); they live in their own module so that the sections
module stays one screenful per concern. Secrets are never written in a playbook: the fields
that carry them (``api_key``, ``bearer_token``, ``identifier``, ``password``) take only a
``${NAME}`` placeholder, filled in from the environment for the request
(:func:`~socialcrm_utils.credentials.expand_env`). Every base URL is overridable
(``base_url``), so tests point the sources at a local server.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from .fields import _Model

__all__ = ["AppStoreSource", "BlueskySource", "EnvRef", "HttpUrl", "XSource", "YouTubeSource"]

_ENV_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class _Source(_Model):
    """Fields every source has: a display name and an optional time window (UTC dates)."""

    name: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @model_validator(mode="after")
    def _window(self) -> _Source:
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        return self


def _http_url(value: str) -> str:
    if not re.match(r"https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL (e.g. https://mastodon.social)")
    return value.rstrip("/")


def _env_ref(value: object) -> str:
    """A secret field: only a ``${NAME}`` placeholder, never the secret itself."""
    text = str(value).strip()
    if not _ENV_REF.fullmatch(text):
        raise ValueError(
            'must be a ${NAME} placeholder (e.g. "${X_BEARER_TOKEN}"), never the secret '
            "itself: set NAME in the environment before the run"
        )
    return text


HttpUrl = Annotated[str, BeforeValidator(lambda v: _http_url(str(v)))]
#: A secret named by its environment variable: ``"${NAME}"``.
EnvRef = Annotated[str, BeforeValidator(_env_ref)]


class BlueskySource(_Source):
    """Bluesky post search (AT Protocol ``app.bsky.feed.searchPosts``), newest first.

    Without a login the public AppView at ``base_url`` is asked. With ``identifier`` and
    ``password`` (an app password, both ``${NAME}`` placeholders) the client first logs in at
    ``pds`` (``com.atproto.server.createSession``) and searches there with the session's token,
    for AppViews that answer anonymous searches with 401/403. ``lang`` limits the search to one
    language (``de``).
    """

    kind: Literal["bluesky"]
    query: str = Field(min_length=1)
    lang: str | None = None
    limit: int = Field(default=200, gt=0)
    base_url: HttpUrl = "https://public.api.bsky.app"
    pds: HttpUrl = "https://bsky.social"
    identifier: EnvRef | None = None
    password: EnvRef | None = None

    @model_validator(mode="after")
    def _login_pair(self) -> BlueskySource:
        if (self.identifier is None) != (self.password is None):
            raise ValueError(
                "set both identifier and password (an app password) for a login, or neither "
                "for the public search"
            )
        return self

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"bluesky:{self.query!r}"


class YouTubeSource(_Source):
    """YouTube comments (Data API v3): on a channel's videos (``channel_id``) or on the videos
    a search finds (``query``, the ``videos`` newest), newest first.

    ``channel_id`` reads ``commentThreads.list`` with ``allThreadsRelatedToChannelId`` (1 quota
    unit a page); ``query`` first runs ``search.list`` (100 units) and then reads each video's
    comment threads. ``api_key`` names the environment variable holding the API key.
    """

    kind: Literal["youtube"]
    channel_id: str | None = None
    query: str | None = None
    videos: int = Field(default=10, gt=0, le=50)
    limit: int = Field(default=500, gt=0)
    api_key: EnvRef = "${YOUTUBE_API_KEY}"
    base_url: HttpUrl = "https://www.googleapis.com/youtube/v3"

    @model_validator(mode="after")
    def _one_of(self) -> YouTubeSource:
        if (self.channel_id is None) == (self.query is None):
            raise ValueError(
                "set exactly one of channel_id (comments on a channel's videos) or query "
                "(comments on the videos a search finds)"
            )
        return self

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        what = f"channel {self.channel_id}" if self.channel_id else repr(self.query)
        return self.name or f"youtube:{what}"


class AppStoreSource(_Source):
    """Apple App Store customer reviews of one app: the public RSS feed as JSON, newest first
    (at most 10 pages of 50 reviews, the feed's own limit)."""

    kind: Literal["appstore"]
    app_id: Annotated[str, BeforeValidator(str)] = Field(pattern=r"^\d+$")
    country: str = Field(default="us", pattern=r"^[a-z]{2}$")
    limit: int = Field(default=500, gt=0)
    base_url: HttpUrl = "https://itunes.apple.com"

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"appstore:{self.country}/{self.app_id}"


class XSource(_Source):
    """X (Twitter) recent search, API v2 (``/2/tweets/search/recent``): the last 7 days.

    ``bearer_token`` names the environment variable holding the app's bearer token. Every page
    is billed by X: keep ``limit`` as low as the question allows.
    """

    kind: Literal["x"]
    query: str = Field(min_length=1)
    limit: int = Field(default=100, gt=0)
    bearer_token: EnvRef = "${X_BEARER_TOKEN}"
    base_url: HttpUrl = "https://api.x.com"

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"x:{self.query!r}"
