"""The playbook's ``alerts:`` section: which rules raise alerts and which channels deliver them.

A section of its own module (not :mod:`.sections`) so that neither file grows past the house
limit; :class:`~socialcrm_utils.playbook.Playbook` holds it as ``alerts``. What the rules and
channels do is :mod:`socialcrm_utils.alerts` (``docs/alerts.md``).

Secrets never stand in the playbook: an SMTP login is written as ``${SMTP_USER}`` /
``${SMTP_PASSWORD}`` placeholders and a Slack, Teams or Mattermost webhook URL (the URL is the
credential) as ``${SLACK_WEBHOOK}``; :mod:`socialcrm_utils.credentials` fills them in at send
time only.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from .fields import Duration, _Model

__all__ = [
    "ALERT_SEVERITIES",
    "CHANNEL_KINDS",
    "RULE_KINDS",
    "Alerts",
    "AlertChannel",
    "AlertRule",
    "EmailChannel",
    "NewLanguageRule",
    "NewPlatformRule",
    "PiiPublicRule",
    "ReachComplaintRule",
    "SlaDueRule",
    "SpikeRule",
    "WebhookChannel",
    "env_names",
]

#: Rule kinds, in the order the docs describe them.
RULE_KINDS: tuple[str, ...] = (
    "spike",
    "sla_due",
    "pii_public",
    "reach_complaint",
    "new_platform",
    "new_language",
)
#: Channel kinds: e-mail over SMTP and four webhook payloads.
CHANNEL_KINDS: tuple[str, ...] = ("email", "slack", "teams", "mattermost", "webhook")
#: Severities an alert can carry, least urgent first.
ALERT_SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
#: Webhook kinds whose URL is itself the credential (must be a ``${NAME}`` placeholder).
SECRET_URL_KINDS: tuple[str, ...] = ("slack", "teams", "mattermost")

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

Severity = Literal[ALERT_SEVERITIES]  # type: ignore[valid-type]


def env_names(text: str | None) -> list[str]:
    """The environment variables a value names as ``${NAME}``, in order, each once.

    Examples:
        >>> env_names("https://${HOOK_HOST}/x?token=${HOOK_TOKEN}&again=${HOOK_TOKEN}")
        ['HOOK_HOST', 'HOOK_TOKEN']
    """
    return list(dict.fromkeys(_ENV_REF.findall(text or "")))


# -- rules ----------------------------------------------------------------------------------


class _Rule(_Model):
    """Fields of every rule: the severity its alerts carry (each kind has its default)."""

    severity: Severity | None = None

    #: Severity when the playbook sets none.
    default_severity: ClassVar[str] = "warning"

    @property
    def level(self) -> str:
        """The alerts' severity: ``severity`` or the kind's default."""
        return self.severity or self.default_severity


class SpikeRule(_Rule):
    """A spike of step 3 (``docs/spikes.md``): each row of its ``alerts.csv`` is an alert."""

    kind: Literal["spike"]
    default_severity: ClassVar[str] = "warning"


class SlaDueRule(_Rule):
    """An unanswered conversation whose first-response SLA is due ``within`` from now."""

    kind: Literal["sla_due"]
    within: Duration = dt.timedelta(minutes=30)
    default_severity: ClassVar[str] = "critical"


class PiiPublicRule(_Rule):
    """A customer posted personal data in public (the redaction found some: ``pii_count``)."""

    kind: Literal["pii_public"]
    default_severity: ClassVar[str] = "critical"


class ReachComplaintRule(_Rule):
    """A complaint from an author with a reach (followers) of at least ``min_reach``."""

    kind: Literal["reach_complaint"]
    min_reach: int = Field(default=10_000, ge=1)
    default_severity: ClassVar[str] = "warning"


class NewPlatformRule(_Rule):
    """A platform not in the client's history, with at least ``min_mentions`` mentions."""

    kind: Literal["new_platform"]
    min_mentions: int = Field(default=1, ge=1)
    default_severity: ClassVar[str] = "info"


class NewLanguageRule(_Rule):
    """A language not in the client's history, with at least ``min_mentions`` mentions."""

    kind: Literal["new_language"]
    min_mentions: int = Field(default=3, ge=1)
    default_severity: ClassVar[str] = "info"


def _known_kind(what: str, allowed: tuple[str, ...]) -> Any:
    """A before-validator: a mapping whose ``kind`` is missing or unknown is one clear error."""

    def check(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(
                f"{type(value).__name__} is not a {what} (write a mapping such as "
                f"{{kind: {allowed[0]}, ...}}; allowed kinds: {', '.join(allowed)})"
            )
        kind = value.get("kind")
        if kind is None:
            raise ValueError(f"kind: required key is missing (allowed: {', '.join(allowed)})")
        if kind not in allowed:
            raise ValueError(f"kind: {kind!r} is not a {what} kind (allowed: {', '.join(allowed)})")
        return value

    return check


AlertRule = Annotated[
    SpikeRule | SlaDueRule | PiiPublicRule | ReachComplaintRule | NewPlatformRule | NewLanguageRule,
    Field(discriminator="kind"),
    BeforeValidator(_known_kind("rule", RULE_KINDS)),
]


# -- channels -------------------------------------------------------------------------------


def _placeholder(value: str | None, info: ValidationInfo) -> str | None:
    """A login field must be exactly one ``${NAME}`` placeholder (the value is never echoed)."""
    if value is None or _ENV_REF.fullmatch(value.strip()):
        return None if value is None else value.strip()
    example = "${SMTP_USER}" if info.field_name == "user" else "${SMTP_PASSWORD}"
    raise ValueError(
        f"write the SMTP {info.field_name} as an environment placeholder such as {example} "
        "and set that variable before the run (logins never stand in the playbook)"
    )


class _Channel(_Model):
    """Fields of every channel: an optional ``name`` (default: the kind)."""

    name: str | None = None

    @property
    def label(self) -> str:
        """How the channel is named in reports, logs and the store."""
        return self.name or str(getattr(self, "kind", "channel"))


class EmailChannel(_Channel):
    """E-mail over SMTP: STARTTLS by default; the login comes from environment variables.

    ``host`` may be a ``${NAME}`` placeholder too. ``ca_file`` names a CA bundle (PEM) for a
    server whose certificate a private CA signed; the system's CAs are used otherwise.
    """

    kind: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    ca_file: Path | None = None

    @field_validator("user", "password")
    @classmethod
    def _login(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _placeholder(value, info)

    @field_validator("sender", "to")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        for address in [value] if isinstance(value, str) else value:
            if "@" not in address.strip("@") and not _ENV_REF.fullmatch(address):
                raise ValueError(f"{address!r} is not an e-mail address (e.g. ops@example.com)")
        return value

    @field_validator("ca_file", mode="after")
    @classmethod
    def _resolve(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        base = (info.context or {}).get("base_dir")
        path = path.expanduser()
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        return path.resolve()

    @model_validator(mode="after")
    def _login_pair(self) -> EmailChannel:
        if (self.user is None) != (self.password is None):
            raise ValueError(
                "set both user and password (as ${SMTP_USER} and ${SMTP_PASSWORD}) or neither"
            )
        return self


class WebhookChannel(_Channel):
    """An incoming webhook: ``slack``, ``teams``, ``mattermost`` or a plain-JSON ``webhook``.

    The URL of a Slack, Teams or Mattermost webhook is the credential, so it must be a
    ``${NAME}`` placeholder (``url: ${SLACK_WEBHOOK}``); a plain ``webhook`` may name its URL
    and send ``headers`` (values may hold placeholders, e.g. ``Bearer ${HOOK_TOKEN}``).
    """

    kind: Literal["slack", "teams", "mattermost", "webhook"]
    url: str = Field(min_length=1)
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _secret_url(self) -> WebhookChannel:
        if self.kind in SECRET_URL_KINDS and not env_names(self.url):
            raise ValueError(
                f"url: a {self.kind} webhook URL is a secret: write it as an environment "
                f"placeholder such as ${{{self.kind.upper()}_WEBHOOK}} and set that variable"
            )
        if not env_names(self.url) and not re.match(r"https?://[^\s/]+", self.url):
            raise ValueError(
                "url: not an http(s) URL or ${NAME} placeholder (e.g. https://hooks.example/x)"
            )
        return self


AlertChannel = Annotated[
    EmailChannel | WebhookChannel,
    Field(discriminator="kind"),
    BeforeValidator(_known_kind("channel", CHANNEL_KINDS)),
]


class Alerts(_Model):
    """Alerts delivered as they happen: ``rules`` raise them, ``channels`` deliver them.

    Each alert goes to every channel once (deduplicated in the CRM store by rule, window,
    subject and channel); a failed attempt is retried ``retries`` times, waiting ``backoff``
    seconds, doubled each time (at most 60 s); ``timeout`` bounds each wait on a server.

    Examples:
        >>> alerts = Alerts.model_validate({
        ...     "rules": [{"kind": "sla_due", "within": "30m"}],
        ...     "channels": [{"kind": "slack", "url": "${SLACK_WEBHOOK}"}]})
        >>> alerts.rules[0].within.total_seconds(), alerts.channels[0].label
        (1800.0, 'slack')
    """

    rules: list[AlertRule] = Field(default_factory=list)
    channels: list[AlertChannel] = Field(default_factory=list)
    retries: int = Field(default=3, ge=0, le=6)
    backoff: float = Field(default=2.0, ge=0, le=60)
    timeout: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _unique(self) -> Alerts:
        kinds = [rule.kind for rule in self.rules]
        twice = sorted({k for k in kinds if kinds.count(k) > 1})
        if twice:
            raise ValueError(f"rules: {', '.join(twice)} appears twice (keep one of each kind)")
        labels = [channel.label for channel in self.channels]
        twice = sorted({k for k in labels if labels.count(k) > 1})
        if twice:
            raise ValueError(
                f"channels: two channels are named {', '.join(twice)} (give each a name:, "
                "e.g. name: ops-mail; the name is part of the dedupe key)"
            )
        return self

    def env_references(self) -> list[tuple[str, str]]:
        """``(where, NAME)`` for every ``${NAME}`` the channels use, e.g.
        ``("alerts.channels[0].password", "SMTP_PASSWORD")``."""
        found = []
        for index, channel in enumerate(self.channels):
            for key, value in channel.model_dump(by_alias=True).items():
                values = value if isinstance(value, list) else [value]
                if isinstance(value, dict):
                    values = list(value.values())
                for text in values:
                    if isinstance(text, str):
                        found += [(f"alerts.channels[{index}].{key}", n) for n in env_names(text)]
        return found
