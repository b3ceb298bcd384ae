"""The playbook's sections: brand, sources, listening, platforms, goals, SLA, voice, costs,
routing, guidelines, HTTP."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from ..canonical import CANONICAL_COLUMNS, DEPARTMENTS, INTENTS, KPIS, PRIORITIES
from ..credentials import mask_url
from .api_sources import AppStoreSource, BlueskySource, HttpUrl, XSource, YouTubeSource, _Source
from .fields import WEEKDAYS, Clock, Duration, _check_timezone, _Model


class Brand(_Model):
    """The client's own accounts and how customers name the brand and its competitors.

    ``handles`` are the client's public accounts: their posts are the client's replies, and a
    customer who writes one of them addresses the client. ``accounts`` are more author ids or
    names that belong to the client (agents' accounts, the numeric ids some exports use) but
    that customers do not write. ``unnamed_posts`` decides what happens to customer posts that
    name no brand and sit in no company's thread (see :mod:`socialcrm_utils.steps.scope`): ``keep``,
    ``drop``, or ``auto`` (keep them unless the export holds other companies' accounts).
    """

    handles: list[str] = Field(min_length=1)
    accounts: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    competitors: dict[str, list[str]] = Field(default_factory=dict)
    unnamed_posts: Literal["auto", "keep", "drop"] = "auto"

    @property
    def handle_keys(self) -> frozenset[str]:
        """Client accounts (handles and ``accounts``) lower-cased without ``@``, for matching
        authors case-insensitively."""
        return frozenset(h.strip().lower().lstrip("@") for h in (*self.handles, *self.accounts))


def _resolve_path(path: Path, info: ValidationInfo, must_exist: bool = True) -> Path:
    """Resolve ``path`` against the playbook's folder; check it exists unless told not to."""
    base = (info.context or {}).get("base_dir")
    path = path.expanduser()
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    path = path.resolve()
    if must_exist and (info.context or {}).get("check_files", True) and not path.is_file():
        raise ValueError(
            f"file not found: {path} (fix the path; relative paths start at the playbook's folder)"
        )
    return path


def is_glob(path: Path | str) -> bool:
    """Whether a source path is a glob pattern (it holds ``*``, ``?`` or ``[``).

    Examples:
        >>> is_glob("exports/*.csv"), is_glob("exports/mentions.csv")
        (True, False)
    """
    return any(ch in str(path) for ch in "*?[")


#: File presets: column layouts of common exports (see sources/presets.py).
FILE_PRESETS = ("canonical", "twcs", "airline", "hootsuite", "sprout")


class FileSource(_Source):
    """A file export: canonical CSV / JSON lines / Parquet, a preset, or any export via ``mapping``.

    ``mapping`` maps canonical column -> column in the file (e.g. ``text: Message``) and wins
    over the preset. Timestamps without a zone are read in ``timezone`` (default: the
    playbook's time zone).
    """

    kind: Literal["file"]
    path: Path
    preset: Literal[FILE_PRESETS] = "canonical"  # type: ignore[valid-type]
    format: Literal["csv", "jsonl", "json", "parquet"] | None = None
    platform: str | None = None
    mapping: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    date_format: str | None = None

    @field_validator("path", mode="after")
    @classmethod
    def _resolve(cls, path: Path, info: ValidationInfo) -> Path:
        if not is_glob(path):
            return _resolve_path(path, info)
        # a folder of exports (exports/*.csv): the folder must exist, files may come later
        resolved = _resolve_path(path, info, must_exist=False)
        folder = next(p for p in resolved.parents if not is_glob(p))
        if (info.context or {}).get("check_files", True) and not folder.is_dir():
            raise ValueError(f"folder not found: {folder} (the folder of the pattern {path})")
        return resolved

    @property
    def is_glob(self) -> bool:
        """True when ``path`` is a pattern (``exports/*.csv``) rather than one file."""
        return is_glob(self.path)

    def matching_files(self) -> list[Path]:
        """The files ``path`` names, sorted: the one file, or every file the pattern matches.

        Examples:
            >>> source = FileSource.model_validate(
            ...     {"kind": "file", "path": "/nonexistent/*.csv"}, context={"check_files": False}
            ... )
            >>> source.is_glob, source.matching_files()
            (True, [])
        """
        if not self.is_glob:
            return [self.path]
        anchor = Path(self.path.anchor or ".")
        pattern = str(self.path.relative_to(anchor))
        return sorted(p for p in anchor.glob(pattern) if p.is_file())

    @field_validator("mapping")
    @classmethod
    def _known_columns(cls, mapping: dict[str, str]) -> dict[str, str]:
        for column in mapping:
            if column not in CANONICAL_COLUMNS:
                close = difflib.get_close_matches(column, CANONICAL_COLUMNS, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise ValueError(
                    f"'{column}' is not a canonical column; {hint}"
                    f"(allowed: {', '.join(CANONICAL_COLUMNS)})"
                )
        return mapping

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or self.path.name


class RssSource(_Source):
    """An RSS or Atom feed (web alerts, blog search), read with feedparser."""

    kind: Literal["rss"]
    url: HttpUrl
    platform: str = "web"
    limit: int = Field(default=500, gt=0)

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"rss:{mask_url(self.url)}"


class MastodonSource(_Source):
    """A Mastodon instance's public hashtag timeline (``tag``) or status search (``query``)."""

    kind: Literal["mastodon"]
    instance: HttpUrl
    tag: str | None = None
    query: str | None = None
    limit: int = Field(default=200, gt=0)

    @model_validator(mode="after")
    def _one_of(self) -> MastodonSource:
        if (self.tag is None) == (self.query is None):
            raise ValueError("set exactly one of tag (a hashtag timeline) or query (a search)")
        return self

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        what = f"#{self.tag.lstrip('#')}" if self.tag else repr(self.query)
        return self.name or f"mastodon:{what}"


class RedditSource(_Source):
    """Reddit's public search JSON, optionally restricted to one subreddit."""

    kind: Literal["reddit"]
    query: str
    subreddit: str | None = None
    limit: int = Field(default=100, gt=0)
    base_url: HttpUrl = "https://www.reddit.com"

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"reddit:{self.query!r}"


class HackerNewsSource(_Source):
    """Hacker News search (Algolia API): stories and comments."""

    kind: Literal["hackernews"]
    query: str
    limit: int = Field(default=100, gt=0)
    base_url: HttpUrl = "https://hn.algolia.com"

    @property
    def label(self) -> str:
        """How the source is named in counts and errors."""
        return self.name or f"hackernews:{self.query!r}"


Source = Annotated[
    FileSource
    | RssSource
    | MastodonSource
    | RedditSource
    | HackerNewsSource
    | BlueskySource
    | YouTubeSource
    | AppStoreSource
    | XSource,
    Field(discriminator="kind"),
]
_SOURCE_KINDS = frozenset(
    {"file", "rss", "mastodon", "reddit", "hackernews", "bluesky", "youtube", "appstore", "x"}
)


class Http(_Model):
    """How feeds and APIs are fetched: timeouts, retries, the on-disk cache, the User-Agent.

    ``timeout`` (seconds) bounds each wait for the server (connecting, each read);
    ``deadline`` bounds one whole request attempt, from connecting to the body's last byte, so
    a server that answers slowly (a byte a second) cannot hold a source longer. An attempt past
    the deadline is not retried: the source fails with one line naming it and the deadline.
    """

    timeout: float = Field(default=20.0, gt=0)
    deadline: Duration = dt.timedelta(seconds=60)
    retries: int = Field(default=4, ge=0, le=10)
    backoff: float = Field(default=1.0, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)
    cache_dir: Path | None = None
    cache_ttl: Duration = dt.timedelta(hours=1)
    user_agent: str | None = None

    @field_validator("cache_dir", mode="after")
    @classmethod
    def _resolve(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return None if path is None else _resolve_path(path, info, must_exist=False)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a regular expression: {exc}") from None
    return value


class Listening(_Model):
    """Step 3 settings: sentiment, personal-data patterns, spike rule, engine.

    ``engine: dask`` scores the mentions partition-wise with dask.dataframe
    (:func:`socialcrm_utils.steps.listening.listen_mentions`; same artifacts as ``pandas``);
    ``partitions`` sets how many (default: one per 100,000 mentions, at least one per core).
    ``domain_packs`` names optional industry vocabularies (``socialcrm_utils/nlp/packs/``, e.g.
    ``[rail]``; none by default); ``labels`` names the client's label files (CSV).
    """

    engine: Literal["pandas", "dask"] = "pandas"
    partitions: int | None = Field(default=None, ge=1)
    sentiment_extension: bool = True
    german_lexicon: Path | None = None
    domain_packs: list[str] = Field(default_factory=list)
    labels: list[Path] = Field(default_factory=list)
    pii_patterns: dict[str, Annotated[str, BeforeValidator(_regex)]] = Field(default_factory=dict)
    phone_regions: list[str] = Field(default_factory=lambda: ["DE", "GB", "US"], min_length=1)
    spike_window: int = Field(default=28, ge=7)
    spike_k: float = Field(default=3.0, gt=0)
    spike_min_count: int = Field(default=10, ge=1)

    @field_validator("german_lexicon", mode="after")
    @classmethod
    def _resolve(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return None if path is None else _resolve_path(path, info)

    @field_validator("labels", mode="after")
    @classmethod
    def _resolve_labels(cls, paths: list[Path], info: ValidationInfo) -> list[Path]:
        # A missing label file is reported at run time (the rules go on), not a playbook error.
        return [_resolve_path(path, info, must_exist=False) for path in paths]

    @field_validator("domain_packs", mode="after")
    @classmethod
    def _packs(cls, packs: list[str]) -> list[str]:
        from ..nlp.packs import available_packs

        for pack in packs:
            if pack not in available_packs():
                raise ValueError(
                    f"'{pack}' is not a domain pack (allowed: {', '.join(available_packs())})"
                )
        return list(dict.fromkeys(packs))

    @field_validator("phone_regions")
    @classmethod
    def _regions(cls, regions: list[str]) -> list[str]:
        import phonenumbers

        known = phonenumbers.SUPPORTED_REGIONS
        for region in regions:
            if region.upper() not in known:
                raise ValueError(
                    f"'{region}' is not a phone region (allowed: ISO codes, e.g. DE, GB, US)"
                )
        return [r.upper() for r in regions]


RANKING_FACTORS = ("mentions", "reach", "negativity", "complaints", "unanswered")


class Platforms(_Model):
    """Step 1 settings: how platforms are ranked (weights of the normalised factors)."""

    weights: dict[Literal[RANKING_FACTORS], float] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {
            "mentions": 0.3,
            "reach": 0.3,
            "negativity": 0.2,
            "unanswered": 0.2,
        }
    )

    @field_validator("weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in weights.values()) or not sum(weights.values()) > 0:
            raise ValueError("weights must be zero or positive and not all zero")
        return weights


Metric = Literal[tuple(KPIS)]  # type: ignore[valid-type]


class Goal(_Model):
    """A SMART goal: which KPI, the target value and the deadline; the baseline comes from data."""

    metric: Metric
    target: float
    by: dt.date
    note: str | None = None


class Holidays(_Model):
    """Public holidays of a country (ISO code) and optional subdivision (``holidays`` package)."""

    country: str
    subdivision: str | None = None

    @model_validator(mode="after")
    def _supported(self) -> Holidays:
        import holidays as holidays_lib

        supported = holidays_lib.list_supported_countries()
        if self.country not in supported:
            close = difflib.get_close_matches(self.country.upper(), supported, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(
                f"'{self.country}' is not a supported holiday country{hint} "
                "(allowed: ISO 3166 codes such as DE, AT, CH, GB, US, optionally with a "
                "subdivision: DE-BY)"
            )
        subdivisions = supported[self.country]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            raise ValueError(
                f"'{self.subdivision}' is not a subdivision of {self.country} "
                f"(allowed: {', '.join(subdivisions)})"
            )
        return self


def _holidays(value: Any) -> Any:
    if isinstance(value, str):
        country, _, subdivision = value.partition("-")
        return {"country": country, "subdivision": subdivision or None}
    return value


def _shift(value: Any) -> Any:
    """``"08:00-12:00"`` -> ``{"start": "08:00", "end": "12:00"}``; dicts pass unchanged."""
    if isinstance(value, str) and "-" in value:
        start, _, end = value.partition("-")
        return {"start": start.strip(), "end": end.strip()}
    if isinstance(value, str):
        raise ValueError(f'{value!r} is not a shift (allowed: "HH:MM-HH:MM", e.g. "08:00-12:00")')
    return value


def _clock_text(value: dt.time) -> str:
    return "24:00" if value == dt.time.max else f"{value:%H:%M}"


class Shift(_Model):
    """One opening window of a day, local wall time; ``end`` may be ``"24:00"`` (midnight)."""

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.end <= self.start:
            raise ValueError(
                f"end {_clock_text(self.end)} must be after start {_clock_text(self.start)} "
                '(a night shift is two shifts: "22:00-24:00" and "00:00-06:00")'
            )
        return self

    def __str__(self) -> str:
        return f"{_clock_text(self.start)}-{_clock_text(self.end)}"


ShiftItem = Annotated[Shift, BeforeValidator(_shift)]


class BusinessHours(_Model):
    """Opening hours the SLA clocks run in: a weekly schedule, holidays and closed dates.

    Three ways to write the weekly schedule, from simple to detailed:

    - ``days`` with ``start`` and ``end``: one window on each of those days (the default,
      Monday to Friday 08:00-20:00);
    - ``days`` with ``shifts``: several windows per day, e.g. ``["08:00-12:00", "13:00-18:00"]``;
    - ``schedule``: windows per weekday, e.g. ``{mon: ["08:00-18:00"], sat: ["10:00-14:00"]}``;
      days left out are closed. It cannot be combined with ``days``, ``start``, ``end`` or
      ``shifts``.

    Shifts of a day must not overlap (touching is fine). Public holidays (``holidays: DE-BE``)
    and ``closed_dates`` are closed all day.
    """

    days: list[Literal[WEEKDAYS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"], min_length=1
    )
    start: Clock = dt.time(8, 0)
    end: Clock = dt.time(20, 0)
    shifts: list[ShiftItem] | None = Field(default=None, min_length=1)
    schedule: dict[Literal[WEEKDAYS], list[ShiftItem]] | None = None  # type: ignore[valid-type]
    holidays: Annotated[Holidays | None, BeforeValidator(_holidays)] = None
    closed_dates: list[dt.date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> BusinessHours:
        if self.schedule is not None:
            mixed = sorted({"days", "start", "end", "shifts"} & self.model_fields_set)
            if mixed:
                raise ValueError(
                    f"schedule cannot be combined with {', '.join(mixed)} "
                    "(write every open day's shifts under schedule, or drop schedule)"
                )
            if not any(self.schedule.values()):
                raise ValueError("schedule has no open day (give at least one day a shift)")
        elif self.shifts is not None:
            mixed = sorted({"start", "end"} & self.model_fields_set)
            if mixed:
                raise ValueError(
                    f"shifts cannot be combined with {', '.join(mixed)} "
                    '(write the day as shifts only, e.g. ["08:00-12:00", "13:00-18:00"])'
                )
        elif self.end <= self.start:
            raise ValueError(
                f"end {_clock_text(self.end)} must be after start {_clock_text(self.start)}"
            )
        for day, shifts in self.weekly().items():
            for before, after in zip(shifts, shifts[1:], strict=False):
                if after[0] < before[1]:
                    raise ValueError(
                        f"shifts {_clock_text(before[0])}-{_clock_text(before[1])} and "
                        f"{_clock_text(after[0])}-{_clock_text(after[1])} overlap on "
                        f"{WEEKDAYS[day]} (make one end before the other starts)"
                    )
        return self

    def weekly(self) -> dict[int, tuple[tuple[dt.time, dt.time], ...]]:
        """Open windows per weekday (0 = Monday), sorted by start; closed days are left out.

        Examples:
            >>> hours = BusinessHours.model_validate(
            ...     {"days": ["mon"], "shifts": ["13:00-17:00", "08:00-12:00"]})
            >>> [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in hours.weekly()[0]]
            [('08:00', '12:00'), ('13:00', '17:00')]
        """
        if self.schedule is not None:
            per_day = {WEEKDAYS.index(d): shifts for d, shifts in self.schedule.items() if shifts}
        else:
            shifts = self.shifts or [Shift(start=self.start, end=self.end)]
            per_day = {WEEKDAYS.index(d): shifts for d in self.days}
        return {
            day: tuple(sorted((s.start, s.end) for s in shifts))
            for day, shifts in sorted(per_day.items())
        }

    def describe(self) -> str:
        """The schedule in words, e.g. ``mon-fri 08:00-20:00; sat 10:00-14:00``."""
        groups: dict[str, list[str]] = {}
        for day, windows in self.weekly().items():
            text = ", ".join(f"{_clock_text(a)}-{_clock_text(b)}" for a, b in windows)
            groups.setdefault(text, []).append(WEEKDAYS[day])
        parts = []
        for text, days in groups.items():
            indices = [WEEKDAYS.index(d) for d in days]
            contiguous = len(days) > 2 and indices == list(range(indices[0], indices[-1] + 1))
            label = f"{days[0]}-{days[-1]}" if contiguous else ", ".join(days)
            parts.append(f"{label} {text}")
        return "; ".join(parts)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Policy(_Model):
    """An SLA policy: which conversations it covers (left out = any) and its response targets.

    ``intent``, ``priority`` and ``platform`` each take one value or a list ("any of").
    Targets: ``first_response`` (first brand reply after the customer's first post),
    ``next_response`` (a brand reply to each customer follow-up after a brand reply) and
    ``resolution`` (the brand has the last word), in business time when ``business_hours`` is
    true, otherwise in calendar time.
    """

    name: str | None = None
    intent: Annotated[  # type: ignore[valid-type]
        list[Literal[INTENTS]] | None, BeforeValidator(_one_or_many)
    ] = None
    priority: Annotated[  # type: ignore[valid-type]
        list[Literal[PRIORITIES]] | None, BeforeValidator(_one_or_many)
    ] = None
    platform: Annotated[list[str] | None, BeforeValidator(_one_or_many)] = None
    first_response: Duration
    next_response: Duration | None = None
    resolution: Duration | None = None
    business_hours: bool = False

    @property
    def label(self) -> str:
        """The policy's ``name``, or one made of its conditions: ``complaint/high/any platform``."""
        if self.name:
            return self.name
        parts = [
            "|".join(self.intent) if self.intent else "any intent",
            *(["|".join(self.priority)] if self.priority else []),
            "|".join(self.platform) if self.platform else "any platform",
        ]
        return "/".join(parts)


class Sla(_Model):
    """Service-level targets: the business hours and the policies, first match wins."""

    business_hours: BusinessHours | None = None
    policies: list[Policy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _hours_for_business_policies(self) -> Sla:
        if self.business_hours is None and any(p.business_hours for p in self.policies):
            raise ValueError(
                "a policy uses business_hours: true but sla.business_hours is not set "
                "(add sla.business_hours or set the policy's business_hours: false)"
            )
        return self


def _voice_cue(value: Any) -> Any:
    """A plain string is a phrase: ``"Hi"`` -> ``{"phrase": "Hi"}``; mappings pass unchanged."""
    if isinstance(value, str):
        value = {"phrase": value}
    if not isinstance(value, dict):
        raise ValueError(
            f'{value!r} is not a greeting or sign-off (allowed: a phrase such as "Hi", or '
            "{regex: '...', platforms: [...]})"
        )
    if isinstance(value.get("phrase"), str) and not value["phrase"].strip():
        raise ValueError("a phrase must not be empty")
    return value


class VoiceCue(_Model):
    """An accepted greeting or sign-off: a plain ``phrase`` or a ``regex``, on some platforms.

    A phrase is matched as whole words, case-insensitively, any run of spaces matching any
    other; a regular expression is matched as written (case-sensitive; start it with ``(?i)``
    to ignore case). Where they must stand (the opening or the end of a reply) is the rule's
    business, see :mod:`socialcrm_utils.nlp.voice`; a regex needs no ``^`` or ``$``. ``platforms``
    limits the cue to those platforms (empty: every platform).
    """

    phrase: str | None = None
    regex: Annotated[str, BeforeValidator(_regex)] | None = None
    platforms: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_of(self) -> VoiceCue:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError(
                "set exactly one of phrase or regex (e.g. \"Hi\" or {regex: '\\^[A-Z]{2}'})"
            )
        return self

    @property
    def label(self) -> str:
        """How the cue is named in violations: the phrase, or the regex between slashes."""
        return self.phrase if self.phrase is not None else f"/{self.regex}/"


def _banned_phrase(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("a banned phrase must not be empty")
    return value


class Voice(_Model):
    """Brand-voice rules checked against the brand's own replies (step 4, :mod:`~.voice`).

    Every rule is optional; a rule left out is not checked, except the private-channel rule,
    which is on unless switched off.

    - ``max_length``: platform -> maximum characters of a reply (``{twitter: 280}``);
    - ``banned_phrases``: phrases a reply must not contain (case-insensitive, whole words);
    - ``greeting``: accepted openings; a reply must open with one of them (after @mentions);
    - ``sign_off``: accepted endings; a reply must end with one of them (a phrase may be
      followed by up to three words, the agent's name);
    - ``must_offer_private_channel_for_pii``: a reply that asks for personal data must offer a
      private channel (DM, private message, e-mail, contact form);
    - ``min_sentiment``: a reply's sentiment must not be below this (-1 to 1, e.g. -0.3);
    - ``max_canned_reuse``: the same reply text (normalised) may be sent again at most this
      many times; every further copy is a violation.

    Greetings and sign-offs are plain phrases (``"Hi"``) or mappings
    ``{regex: '\\^[A-Z]{2}', platforms: [twitter]}`` (see :class:`VoiceCue`).
    """

    max_length: dict[str, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    must_offer_private_channel_for_pii: bool = True
    banned_phrases: list[Annotated[str, BeforeValidator(_banned_phrase)]] = Field(
        default_factory=list
    )
    greeting: list[Annotated[VoiceCue, BeforeValidator(_voice_cue)]] = Field(default_factory=list)
    sign_off: list[Annotated[VoiceCue, BeforeValidator(_voice_cue)]] = Field(default_factory=list)
    min_sentiment: float | None = Field(default=None, ge=-1.0, le=1.0)
    max_canned_reuse: int | None = Field(default=None, ge=0)


class Costs(_Model):
    """Cost per contact by channel, in ``currency`` (defaults: the method's reference figures)."""

    currency: str = "USD"
    per_contact: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: {"phone": 15.0, "email": 3.0, "store": 20.0, "social": 1.0}
    )

    @field_validator("per_contact")
    @classmethod
    def _needs_social(cls, value: dict[str, float]) -> dict[str, float]:
        if "social" not in value:
            raise ValueError(
                "needs a 'social' entry: the cost of one contact handled on social media "
                "(e.g. social: 1), the basis of every saving"
            )
        return value


class RoutingRule(_Model):
    """A routing exception, tried before the intent map: matching requests go to ``department``.

    ``intent`` and ``priority`` each take one value or a list ("any of"); left out means any, but
    a rule needs at least one of them (``routing.default`` is where everything else goes).

    Examples:
        >>> rule = RoutingRule.model_validate({"priority": "high", "department": "service"})
        >>> rule.matches("praise", "high"), rule.matches("praise", "low")
        (True, False)
    """

    intent: Annotated[  # type: ignore[valid-type]
        list[Literal[INTENTS]] | None, BeforeValidator(_one_or_many)
    ] = None
    priority: Annotated[  # type: ignore[valid-type]
        list[Literal[PRIORITIES]] | None, BeforeValidator(_one_or_many)
    ] = None
    department: Literal[DEPARTMENTS]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _has_condition(self) -> RoutingRule:
        if self.intent is None and self.priority is None:
            raise ValueError(
                "a rule needs intent or priority (or both); to send all other requests to one "
                "department, set routing.default"
            )
        return self

    def matches(self, intent: str | None, priority: str | None) -> bool:
        """Whether a request with this intent and priority (None: unknown) meets the rule."""
        return (self.intent is None or intent in self.intent) and (
            self.priority is None or priority in self.priority
        )


class Routing(_Model):
    """Step 5 workflow: which department handles which customer request.

    The short form maps intents (and ``crisis``) to departments, as before::

        routing: {complaint: service, question: service, lead: sales, praise: marketing, crisis: pr}

    ``rules`` add exceptions by priority (and intent), e.g. ``rules: [{priority: high,
    department: service}, {intent: lead, priority: low, department: marketing}]``.
    A request's department is decided in this order, the first that applies wins:

    1. ``crisis``: a request flagged as part of a crisis (escalation outranks everyday routing);
    2. ``rules``, top to bottom;
    3. the request's intent in the map (``complaint``, ``question``, ``praise``, ``lead``,
       ``other``);
    4. ``default``: ``marketing`` unless set, because without routing every social request stays
       with the team that owns the social accounts.

    Examples:
        >>> routing = Routing.model_validate({"complaint": "service", "crisis": "pr",
        ...     "rules": [{"intent": "praise", "priority": "high", "department": "service"}]})
        >>> routing.department_for("praise", "high"), routing.department_for("praise", "low")
        (('service', 'rule 1'), ('marketing', 'default'))
        >>> routing.department_for("complaint", "low", crisis=True)
        ('pr', 'crisis')
    """

    complaint: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    question: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    praise: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    lead: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    other: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    crisis: Literal[DEPARTMENTS] | None = None  # type: ignore[valid-type]
    default: Literal[DEPARTMENTS] = "marketing"  # type: ignore[valid-type]
    rules: list[RoutingRule] = Field(default_factory=list)

    @property
    def by_intent(self) -> dict[str, str]:
        """Intent -> department for the intents the playbook routes explicitly."""
        return {i: getattr(self, i) for i in INTENTS if getattr(self, i) is not None}

    @property
    def mapping(self) -> dict[str, str]:
        """The short form as a dict: routed intents plus ``crisis`` when set."""
        return {**self.by_intent, **({"crisis": self.crisis} if self.crisis else {})}

    def department_for(
        self, intent: str | None, priority: str | None, crisis: bool = False
    ) -> tuple[str, str]:
        """The department of a request and why: ``crisis``, ``rule N``, ``intent``, ``default``."""
        if crisis and self.crisis is not None:
            return self.crisis, "crisis"
        for number, rule in enumerate(self.rules, start=1):
            if rule.matches(intent, priority):
                return rule.department, f"rule {number}"
        if intent in self.by_intent:
            return self.by_intent[intent], "intent"
        return self.default, "default"


def _guideline_text(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty (leave the key out instead)")
    return value


GuidelineText = Annotated[str, BeforeValidator(_guideline_text)]


class Guidelines(_Model):
    """Step 2 guidelines the data cannot show, agreed with the client and written down here.

    Every key is optional; what is left out shows as "to agree" in the guidelines checklist
    (:func:`socialcrm_utils.steps.goals.guidelines_checklist`).

    - ``empowered``: what front-line staff may answer or decide without approval
      (e.g. ``"rebook onto the next flight"``, ``"vouchers up to 50 EUR"``);
    - ``escalation``: the escalation path in words (e.g. ``"crisis: PR on call, then legal"``);
    - ``owners``: department -> the person or team accountable for its requests.
    """

    empowered: list[GuidelineText] = Field(default_factory=list)
    escalation: GuidelineText | None = None
    owners: dict[Literal[DEPARTMENTS], GuidelineText] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
