"""Client playbooks: one YAML file per client, validated before anything runs.

A playbook is the single source of truth of a run. :func:`load_playbook` reads the YAML, checks
every key against the pydantic models below (unknown keys are errors, with the closest allowed
key suggested), resolves relative paths against the playbook's own folder and returns a frozen
:class:`Playbook`. Problems are raised as one :class:`~socialcrm_utils.exceptions.PlaybookError`
whose message lists every error as ``file:line: key.path: what is wrong (allowed: ...)``.

Modules: :mod:`.fields` (durations, clock times, the strict base model), :mod:`.sections`
(brand, sources, listening, SLA, voice, ...), :mod:`.model` (:class:`Playbook`), :mod:`.load`
(safe YAML, line numbers, error messages). Every public name is importable from here.
"""

from __future__ import annotations

from .alerts import (
    ALERT_SEVERITIES,
    CHANNEL_KINDS,
    RULE_KINDS,
    Alerts,
    EmailChannel,
    WebhookChannel,
)
from .api_sources import AppStoreSource, BlueskySource, EnvRef, XSource, YouTubeSource
from .fields import WEEKDAYS, Clock, Duration, format_duration, parse_duration
from .load import YAML_ALIAS_NODES, YAML_MAX_DEPTH, load_playbook
from .model import Playbook, display_store_url, file_source_bytes
from .sections import (
    FILE_PRESETS,
    RANKING_FACTORS,
    Brand,
    BusinessHours,
    Costs,
    FileSource,
    Goal,
    Guidelines,
    GuidelineText,
    HackerNewsSource,
    Holidays,
    Http,
    HttpUrl,
    Listening,
    MastodonSource,
    Metric,
    Platforms,
    Policy,
    RedditSource,
    Routing,
    RoutingRule,
    RssSource,
    Shift,
    ShiftItem,
    Sla,
    Source,
    Voice,
    VoiceCue,
)

__all__ = [
    "ALERT_SEVERITIES",
    "Alerts",
    "CHANNEL_KINDS",
    "EmailChannel",
    "RULE_KINDS",
    "WebhookChannel",
    "AppStoreSource",
    "BlueskySource",
    "EnvRef",
    "XSource",
    "YouTubeSource",
    "Brand",
    "BusinessHours",
    "Clock",
    "Costs",
    "Duration",
    "FILE_PRESETS",
    "FileSource",
    "Goal",
    "GuidelineText",
    "Guidelines",
    "HackerNewsSource",
    "Holidays",
    "Http",
    "HttpUrl",
    "Listening",
    "MastodonSource",
    "Metric",
    "Platforms",
    "Playbook",
    "Policy",
    "RANKING_FACTORS",
    "RedditSource",
    "Routing",
    "RoutingRule",
    "RssSource",
    "Shift",
    "ShiftItem",
    "Sla",
    "Source",
    "Voice",
    "VoiceCue",
    "WEEKDAYS",
    "YAML_ALIAS_NODES",
    "YAML_MAX_DEPTH",
    "display_store_url",
    "file_source_bytes",
    "format_duration",
    "load_playbook",
    "parse_duration",
]
