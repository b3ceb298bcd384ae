"""Sources: where mentions come from. Each playbook ``sources`` entry is read by its ``kind``.

:func:`read_mentions` reads every source of a playbook, keeps going when one fails, and returns
the canonical mention table, the rejected rows and a per-source count table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from ..exceptions import SourceError
from ..playbook import Playbook, Source
from ..schema import empty_mentions
from .files import ImportResult, conform_rows, read_file_source

__all__ = ["ReadResult", "read_mentions", "read_source", "read_file_source", "ImportResult"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadResult:
    """Mentions of all sources, the rows rejected and what happened per source.

    Attributes:
        mentions: Canonical mention table, sorted by ``created_at``.
        rejected: Rejected rows with ``source``, ``row`` and ``reason``.
        counts: One row per source: ``source``, ``kind``, ``read``, ``kept``, ``rejected``,
            ``status`` (``ok`` or the error) and ``notes``.
    """

    mentions: pd.DataFrame
    rejected: pd.DataFrame
    counts: pd.DataFrame

    @property
    def failed(self) -> list[str]:
        """Sources that could not be read at all."""
        return self.counts.loc[self.counts["status"] != "ok", "source"].tolist()


def read_source(source: Source, playbook: Playbook) -> ImportResult:
    """Read one source of any kind into canonical mentions plus rejected rows.

    Files are read from disk; feeds and APIs (rss, mastodon, reddit, hackernews) are fetched
    over HTTP by :mod:`socialcrm_utils.sources.feeds` and checked like file rows.

    Raises:
        SourceError: If the source cannot be read at all (the message says which and why).
    """
    handles = playbook.brand.handle_keys
    if source.kind == "file":
        return read_file_source(source, timezone=playbook.timezone, handles=handles)
    from .feeds import fetch_source

    raw = fetch_source(source, playbook.http)
    return conform_rows(raw, raw, label=source.label, timezone="UTC", handles=handles)


def read_mentions(playbook: Playbook) -> ReadResult:
    """Read every source of a playbook into one canonical mention table.

    A source that cannot be read is reported in ``counts`` (status = the error) and the others
    still run; the same ``mention_id`` on the same platform from two sources is kept once and the
    later copy is rejected as a duplicate.

    Args:
        playbook: The validated playbook.

    Returns:
        Mentions, rejected rows and per-source counts.

    Raises:
        SourceError: If no source could be read at all.
    """
    results: list[ImportResult] = []
    rows = []
    for source in playbook.sources:
        try:
            result = read_source(source, playbook)
        except SourceError as exc:
            logger.warning("%s", exc)
            rows.append({"source": source.label, "kind": source.kind, "read": 0, "kept": 0,
                         "rejected": 0, "status": str(exc), "notes": ""})
            continue
        results.append(result)
        rows.append({"source": result.source, "kind": source.kind, "read": result.read,
                     "kept": result.kept, "rejected": len(result.rejected), "status": "ok",
                     "notes": "; ".join(result.notes)})
    counts = pd.DataFrame(rows)
    if not results:
        raise SourceError("no source could be read: " + " | ".join(counts["status"]))

    mentions = pd.concat([r.mentions for r in results] or [empty_mentions()], ignore_index=True)
    rejected = pd.concat([r.rejected for r in results], ignore_index=True)
    key = mentions["platform"].fillna("") + "\x1f" + mentions["mention_id"]
    again = key.duplicated(keep="first")
    if again.any():
        dup = mentions[again].astype("string")
        dup.insert(0, "reason", "duplicate of a mention from an earlier source (same platform and mention_id)")
        dup.insert(0, "row", pd.NA)
        rejected = pd.concat([rejected, dup], ignore_index=True)
        for name, n in dup["source"].value_counts().items():
            counts.loc[counts["source"] == name, "kept"] -= n
            counts.loc[counts["source"] == name, "rejected"] += n
        mentions = mentions[~again]
    mentions = mentions.sort_values(["created_at", "mention_id"], kind="stable").reset_index(drop=True)
    if rejected.empty:
        rejected = pd.DataFrame(columns=["source", "row", "reason"])
    return ReadResult(mentions, rejected, counts)
