"""Alert rules: pure functions from a run's artifacts to alert rows.

Every rule returns a frame with :data:`ALERT_COLUMNS`, one row per alert:

- ``rule``: the rule kind (``spike``, ``sla_due``, ``pii_public``, ``reach_complaint``,
  ``new_platform``, ``new_language``);
- ``window`` and ``subject``: with ``rule`` the identity of the alert (with the channel, the
  dedupe key of :mod:`socialcrm_utils.alerts.delivery`): the same spike day, the same due time
  of the same conversation, the same mention is the same alert in every later run;
- ``severity`` (``info``, ``warning``, ``critical``), ``title`` (one line: an e-mail subject, a
  card title), ``message`` (a few sentences), ``url`` (a link to the post, or missing).

Subjects are identifiers (``platform:mention_id``, ``platform:conversation_id``, a metric, a
platform or language), never a person's name, so the delivery table in the store holds no
personal data. Messages quote only ``text_redacted`` (personal data replaced by placeholders).
No rule mutates its input.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..playbook.alerts import (
    NewLanguageRule,
    NewPlatformRule,
    PiiPublicRule,
    ReachComplaintRule,
    SlaDueRule,
    SpikeRule,
)
from ..schema import has_intent

__all__ = [
    "ALERT_COLUMNS",
    "QUOTE_CHARS",
    "empty_alerts",
    "evaluate_rules",
    "new_value_alerts",
    "pii_alerts",
    "reach_complaint_alerts",
    "sla_due_alerts",
    "spike_alerts",
]

logger = logging.getLogger(__name__)

#: Columns of every rule's output, in order.
ALERT_COLUMNS: tuple[str, ...] = (
    "rule",
    "window",
    "subject",
    "severity",
    "title",
    "message",
    "url",
)
#: At most this many characters of a post are quoted in a message.
QUOTE_CHARS = 200
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def empty_alerts() -> pd.DataFrame:
    """A frame of no alerts, with :data:`ALERT_COLUMNS` (all text).

    Examples:
        >>> list(empty_alerts().columns)
        ['rule', 'window', 'subject', 'severity', 'title', 'message', 'url']
    """
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ALERT_COLUMNS})


def _alerts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return empty_alerts()
    frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def _when(value: Any, timezone: str) -> str:
    """A timestamp as local wall time with its zone, e.g. ``2026-01-05 11:00 CET``."""
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    local = stamp.tz_convert(timezone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _utc_day(value: Any) -> str:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return f"{stamp:%Y-%m-%d}"


def _text(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _quote(row: Mapping[str, Any]) -> str:
    """The redacted text, shortened, in quotes; ``""`` when there is none."""
    text = _text(row, "text_redacted")
    if text is None:
        return ""
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rstrip() + "…"
    return f' "{text}"'


def _customer_posts(mentions: pd.DataFrame) -> pd.DataFrame:
    if "is_brand" not in mentions.columns:
        return mentions
    return mentions[~mentions["is_brand"].astype("boolean").fillna(False).to_numpy(dtype=bool)]


def spike_alerts(spikes: pd.DataFrame, severity: str = "warning") -> pd.DataFrame:
    """One alert per spike of step 3 (``docs/spikes.md``).

    Args:
        spikes: Rows of step 3's ``alerts.csv``
            (:func:`socialcrm_utils.steps.listening.detect_spikes`): ``date``, ``metric``,
            ``count``, ``ratio`` and ``message`` are used.
        severity: The alerts' severity.

    Returns:
        :data:`ALERT_COLUMNS`; ``window`` is the spike's day, ``subject`` its metric.

    Examples:
        >>> spikes = pd.DataFrame({"date": ["2026-01-11"], "metric": ["complaints"],
        ...     "count": [30], "ratio": [10.0], "message": ["Spike: 30 complaints ..."]})
        >>> spike_alerts(spikes)[["rule", "window", "subject"]].iloc[0].tolist()
        ['spike', '2026-01-11', 'complaints']
        >>> spike_alerts(spikes)["title"].iloc[0]
        'Spike: 30 complaints on 2026-01-11 (10.0x the usual)'
    """
    rows = []
    for row in spikes.to_dict("records"):
        day = f"{pd.Timestamp(row['date']):%Y-%m-%d}"
        ratio = pd.to_numeric(row.get("ratio"), errors="coerce")
        usual = f" ({ratio:.1f}x the usual)" if pd.notna(ratio) and np.isfinite(ratio) else ""
        count = int(row["count"])
        rows.append(
            {
                "rule": "spike",
                "window": day,
                "subject": str(row["metric"]),
                "severity": severity,
                "title": f"Spike: {count} {row['metric']} on {day}{usual}",
                "message": _text(row, "message") or f"Spike: {count} {row['metric']} on {day}.",
                "url": None,
            }
        )
    return _alerts(rows)


def sla_due_alerts(
    clocks: pd.DataFrame,
    within: pd.Timedelta | Any,
    severity: str = "critical",
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Unanswered conversations whose first-response SLA falls due within ``within``.

    A clock alerts while it runs (``status`` ``open``: no brand reply yet, not yet due) and
    ``0 <= time_to_breach_h <= within``; ``time_to_breach_h`` counts from the clocks' ``as_of``
    (:func:`socialcrm_utils.conversations.sla_clocks`), so the caller decides what "now" is.
    Clocks already breached (``open_breached``) are past warning and do not alert here.

    Args:
        clocks: Output of ``sla_clocks``: ``conversation_id``, ``platform``, ``due_at``,
            ``status``, ``time_to_breach_h``; ``policy``, ``first_customer_at`` and ``url``
            when present.
        within: How soon a due time must be (a timedelta or ``"30m"``-like text pandas reads).
        severity: The alerts' severity.
        timezone: The time zone of the times in messages.

    Returns:
        :data:`ALERT_COLUMNS`; ``window`` is the due time (UTC, to the minute), ``subject``
        ``platform:conversation_id``.

    Examples:
        >>> clocks = pd.DataFrame({"conversation_id": ["c1", "c2", "c3"],
        ...     "platform": "x", "status": ["open", "open", "met"],
        ...     "due_at": pd.to_datetime(["2026-01-05 11:00"] * 3, utc=True),
        ...     "time_to_breach_h": [0.25, 2.0, 0.1]})
        >>> sla_due_alerts(clocks, "30m")[["window", "subject", "title"]].iloc[0].tolist()
        ['2026-01-05T11:00Z', 'x:c1', 'SLA due in 15 min: x conversation c1']
    """
    limit_h = pd.Timedelta(within).total_seconds() / 3600
    status = clocks["status"].astype("string")
    left = pd.to_numeric(clocks["time_to_breach_h"], errors="coerce")
    due = clocks[((status == "open") & (left >= 0) & (left <= limit_h)).fillna(False).to_numpy()]
    rows = []
    for row in due.to_dict("records"):
        minutes = int(round(float(row["time_to_breach_h"]) * 60))
        at = pd.Timestamp(row["due_at"])
        at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
        subject = f"{row.get('platform') or 'unknown'}:{row['conversation_id']}"
        policy = _text(row, "policy")
        since = row.get("first_customer_at")
        since_text = (
            f"; the customer wrote at {_when(since, timezone)}"
            if since is not None and pd.notna(since)
            else ""
        )
        rows.append(
            {
                "rule": "sla_due",
                "window": f"{at:%Y-%m-%dT%H:%MZ}",
                "subject": subject,
                "severity": severity,
                "title": f"SLA due in {minutes} min: {subject.replace(':', ' conversation ', 1)}",
                "message": (
                    f"The first response to conversation {row['conversation_id']} on "
                    f"{row.get('platform') or 'an unknown platform'} is due at "
                    f"{_when(at, timezone)} ({minutes} min left"
                    f"{f', policy {policy}' if policy else ''}) and nobody has answered yet"
                    f"{since_text}."
                ),
                "url": _text(row, "url"),
            }
        )
    return _alerts(rows)


def pii_alerts(
    mentions: pd.DataFrame, severity: str = "critical", timezone: str = "UTC"
) -> pd.DataFrame:
    """Customer posts in which the redaction found personal data (it was posted in public).

    Args:
        mentions: Prepared or scored mentions: ``mention_id``, ``pii_count``, ``pii_types``;
            ``platform``, ``is_brand``, ``created_at``, ``text_redacted``, ``private_reply``
            and ``url`` when present (brand posts never alert).
        severity: The alerts' severity.
        timezone: The time zone of the times in messages.

    Returns:
        :data:`ALERT_COLUMNS`; ``window`` is the post's UTC day, ``subject``
        ``platform:mention_id``. The message quotes the redacted text only.

    Examples:
        >>> mentions = pd.DataFrame({"mention_id": ["m1", "m2"], "platform": "x",
        ...     "is_brand": False, "pii_count": [2, 0], "pii_types": ["email,phone", ""],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00"] * 2, utc=True),
        ...     "text_redacted": ["mail me at [EMAIL] or [PHONE]", "hi"]})
        >>> pii_alerts(mentions)[["window", "subject", "title"]].values.tolist()
        [['2026-01-05', 'x:m1', 'Personal data in public on x: email, phone']]
    """
    if "pii_count" not in mentions.columns:
        return empty_alerts()
    posts = _customer_posts(mentions)
    found = posts[(pd.to_numeric(posts["pii_count"], errors="coerce") > 0).to_numpy()]
    rows = []
    for row in found.to_dict("records"):
        platform = row.get("platform") or "unknown"
        kinds = (
            ", ".join(k.strip() for k in str(row.get("pii_types") or "").split(",") if k.strip())
            or "personal data"
        )
        created = row.get("created_at")
        at = f" at {_when(created, timezone)}" if created is not None and pd.notna(created) else ""
        reply = _text(row, "private_reply")
        rows.append(
            {
                "rule": "pii_public",
                "window": _utc_day(created) if at else "",
                "subject": f"{platform}:{row['mention_id']}",
                "severity": severity,
                "title": f"Personal data in public on {platform}: {kinds}",
                "message": (
                    f"A customer posted {kinds} in public on {platform}{at}"
                    f" (mention {row['mention_id']}):{_quote(row)}. Ask them to delete it and move "
                    f"to a private channel{f': {reply}' if reply else '.'}"
                ),
                "url": _text(row, "url"),
            }
        )
    return _alerts(rows)


def reach_complaint_alerts(
    mentions: pd.DataFrame, min_reach: int, severity: str = "warning", timezone: str = "UTC"
) -> pd.DataFrame:
    """Complaints from authors whose reach (followers) is at least ``min_reach``.

    A post is a complaint when ``is_complaint`` is True, else when its ``intent`` is
    ``complaint`` (:func:`socialcrm_utils.schema.has_intent`); brand posts never alert.

    Args:
        mentions: Scored mentions: ``mention_id``, ``reach``, ``is_complaint`` or ``intent``;
            ``platform``, ``author_name``, ``author_id``, ``created_at``, ``text_redacted``,
            ``url`` when present.
        min_reach: The smallest reach that alerts.
        severity: The alerts' severity.
        timezone: The time zone of the times in messages.

    Returns:
        :data:`ALERT_COLUMNS`; ``window`` is the post's UTC day, ``subject``
        ``platform:mention_id``.

    Examples:
        >>> mentions = pd.DataFrame({"mention_id": ["m1", "m2", "m3"], "platform": "x",
        ...     "author_name": ["big", "small", "big"], "reach": [50_000, 10, 50_000],
        ...     "intent": ["complaint", "complaint", "praise"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00"] * 3, utc=True)})
        >>> reach_complaint_alerts(mentions, 10_000)[["subject", "title"]].values.tolist()
        [['x:m1', 'Complaint from an author with 50,000 followers on x']]
    """
    if "reach" not in mentions.columns:
        return empty_alerts()
    posts = _customer_posts(mentions)
    reach = pd.to_numeric(posts["reach"], errors="coerce")
    hit = posts[(has_intent(posts, "complaint") & (reach >= min_reach).fillna(False)).to_numpy()]
    rows = []
    for row in hit.to_dict("records"):
        platform = row.get("platform") or "unknown"
        followers = int(row["reach"])
        author = _text(row, "author_name") or _text(row, "author_id") or "an author"
        created = row.get("created_at")
        at = f" at {_when(created, timezone)}" if created is not None and pd.notna(created) else ""
        rows.append(
            {
                "rule": "reach_complaint",
                "window": _utc_day(created) if at else "",
                "subject": f"{platform}:{row['mention_id']}",
                "severity": severity,
                "title": f"Complaint from an author with {followers:,} followers on {platform}",
                "message": (
                    f"{author} ({followers:,} followers) complained on {platform}{at} "
                    f"(mention {row['mention_id']}):{_quote(row)}. Answer soon: many people "
                    "read it."
                ),
                "url": _text(row, "url"),
            }
        )
    return _alerts(rows)


def new_value_alerts(
    mentions: pd.DataFrame,
    known: Iterable[str],
    column: str,
    min_mentions: int = 1,
    severity: str = "info",
) -> pd.DataFrame:
    """Platforms (or languages) of customer posts that the client's history has not seen.

    Values are compared ignoring case and surrounding spaces. Without a history (``known``
    empty: the client's first run) nothing is new, so nothing alerts.

    Args:
        mentions: Mentions with ``column``; ``created_at`` and ``is_brand`` when present.
        known: The values seen before (e.g. :func:`socialcrm_utils.alerts.known_values`).
        column: ``platform`` (rule ``new_platform``) or ``lang`` (rule ``new_language``).
        min_mentions: Customer posts a new value needs to alert.
        severity: The alerts' severity.

    Returns:
        :data:`ALERT_COLUMNS`; ``window`` is the UTC day of the value's first post here,
        ``subject`` the value.

    Examples:
        >>> mentions = pd.DataFrame({"platform": ["x", "bluesky", "bluesky", "youtube"],
        ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-01-04",
        ...                                   "2026-01-06"], utc=True)})
        >>> out = new_value_alerts(mentions, ["x", "reddit"], "platform", min_mentions=2)
        >>> out[["rule", "window", "subject"]].values.tolist()
        [['new_platform', '2026-01-04', 'bluesky']]
    """
    rule = {"platform": "new_platform", "lang": "new_language"}.get(column, f"new_{column}")
    history = {str(v).strip().lower() for v in known if v is not None and str(v).strip()}
    if not history or column not in mentions.columns:
        return empty_alerts()
    posts = _customer_posts(mentions)
    values = posts[column].astype("string").str.strip().str.lower()
    fresh = posts.assign(_value=values)[values.notna() & (values != "") & ~values.isin(history)]
    rows = []
    noun = "platform" if column == "platform" else "language" if column == "lang" else column
    for value, group in fresh.groupby("_value", sort=True):
        if len(group) < min_mentions:
            continue
        first = group["created_at"].min() if "created_at" in group.columns else None
        day = _utc_day(first) if first is not None and pd.notna(first) else ""
        rows.append(
            {
                "rule": rule,
                "window": day,
                "subject": str(value),
                "severity": severity,
                "title": f"New {noun}: {value} ({len(group)} customer posts)",
                "message": (
                    f"Customers write on a {noun} the client has not seen before: {value}, "
                    f"{len(group)} posts{f' since {day}' if day else ''}. Check whether it needs "
                    "listening, replies or a policy."
                ),
                "url": None,
            }
        )
    return _alerts(rows)


def evaluate_rules(
    rules: Sequence[Any],
    *,
    spikes: pd.DataFrame | None = None,
    clocks: pd.DataFrame | None = None,
    mentions: pd.DataFrame | None = None,
    known_platforms: Iterable[str] | None = None,
    known_languages: Iterable[str] | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Run the playbook's alert rules on the artifacts given; a rule without its input is skipped.

    Args:
        rules: ``playbook.alerts.rules``.
        spikes: Step 3's alerts (``alerts.csv``), for ``spike``.
        clocks: Step 4's SLA clocks, judged at "now", for ``sla_due``.
        mentions: Scored mentions of the window, for ``pii_public``, ``reach_complaint``,
            ``new_platform``, ``new_language``.
        known_platforms: Platforms in the client's history, for ``new_platform``.
        known_languages: Languages in the client's history, for ``new_language``.
        timezone: The time zone of the times in messages (the playbook's).

    Returns:
        The alerts of every rule (:data:`ALERT_COLUMNS`), most severe first, then by rule,
        window and subject.
    """
    inputs = {
        SpikeRule: spikes,
        SlaDueRule: clocks,
        PiiPublicRule: mentions,
        ReachComplaintRule: mentions,
        NewPlatformRule: None if known_platforms is None else mentions,
        NewLanguageRule: None if known_languages is None else mentions,
    }
    parts = []
    for rule in rules:
        frame = inputs.get(type(rule))
        if frame is None:
            logger.info("alert rule %s: its input was not given; skipped", rule.kind)
            continue
        parts.append(_apply(rule, frame, known_platforms, known_languages, timezone))
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_alerts()
    out = pd.concat(parts, ignore_index=True)
    order = out["severity"].map(_SEVERITY_ORDER).fillna(len(_SEVERITY_ORDER))
    out = out.assign(_order=order).sort_values(
        ["_order", "rule", "window", "subject"], kind="stable"
    )
    return out.drop(columns="_order").reset_index(drop=True)


def _apply(
    rule: Any,
    frame: pd.DataFrame,
    known_platforms: Iterable[str] | None,
    known_languages: Iterable[str] | None,
    timezone: str,
) -> pd.DataFrame:
    """One rule on its input frame."""
    level = rule.level
    if isinstance(rule, SpikeRule):
        return spike_alerts(frame, level)
    if isinstance(rule, SlaDueRule):
        return sla_due_alerts(frame, rule.within, level, timezone)
    if isinstance(rule, PiiPublicRule):
        return pii_alerts(frame, level, timezone)
    if isinstance(rule, ReachComplaintRule):
        return reach_complaint_alerts(frame, rule.min_reach, level, timezone)
    if isinstance(rule, NewPlatformRule):
        return new_value_alerts(frame, known_platforms or (), "platform", rule.min_mentions, level)
    return new_value_alerts(frame, known_languages or (), "lang", rule.min_mentions, level)
