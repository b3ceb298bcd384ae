"""Sources: where mentions come from. Each playbook ``sources`` entry is read by its ``kind``.

:func:`read_mentions` reads every source of a playbook, keeps going when one fails, and returns
the canonical mention table, the rejected rows and a per-source count table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import SourceError
from ..playbook import Playbook, Source
from ..schema import empty_like, empty_mentions
from .apis import API_KINDS, FetchResult, SourceCursor, missing_env
from .files import ImportResult, conform_rows, date_format_problem, read_file_source

__all__ = [
    "ReadResult",
    "read_mentions",
    "read_source",
    "read_file_source",
    "ImportResult",
    "require_mentions",
    "FetchResult",
    "SourceCursor",
    "missing_env",
]

#: Columns of :attr:`ReadResult.counts`, in order.
COUNT_COLUMNS = (
    "source",
    "kind",
    "read",
    "kept",
    "rejected",
    "outside",
    "encoding",
    "separator",
    "status",
    "notes",
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadResult:
    """Mentions of all sources, the rows rejected and what happened per source.

    Attributes:
        mentions: Canonical mention table, sorted by ``created_at``.
        rejected: Rejected rows with ``source``, ``row`` and ``reason``.
        counts: One row per source: ``source``, ``kind``, ``read``, ``kept``, ``rejected``,
            ``outside`` (rows outside the source's ``since``/``until``; ``read`` = ``kept`` +
            ``rejected`` + ``outside``), ``encoding`` and ``separator`` (files), ``status``
            (``ok`` or the error) and ``notes``.
        cursors: Source label -> where each social API source stands now
            (:class:`~socialcrm_utils.sources.apis.SourceCursor`), for the next run.
    """

    mentions: pd.DataFrame
    rejected: pd.DataFrame
    counts: pd.DataFrame
    cursors: dict[str, SourceCursor] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Sources that could not be read at all."""
        return self.counts.loc[self.counts["status"] != "ok", "source"].tolist()

    def raise_if_empty(self) -> None:
        """Raise one clear :class:`SourceError` when no mention was kept (see
        :func:`require_mentions`)."""
        require_mentions(self)

    def without_mentions(self) -> ReadResult:
        """This result with an empty ``mentions`` table (same columns); the rest unchanged.

        Once the mentions are prepared (texts redacted), step 1 keeps no raw text, personal
        data included, in memory: at a million mentions that also frees about 200 MB.
        """
        return dataclasses.replace(self, mentions=empty_like(self.mentions))


def read_source(
    source: Source, playbook: Playbook, *, key: str = "sources[?]", now: dt.datetime | None = None
) -> ImportResult:
    """Read one source of any kind into canonical mentions plus rejected rows.

    Files are read from disk; feeds and APIs (rss, mastodon, reddit, hackernews) are fetched
    over HTTP by :mod:`socialcrm_utils.sources.feeds`, social APIs (bluesky, youtube,
    appstore, x) by :mod:`socialcrm_utils.sources.apis`; both are checked like file rows.

    Args:
        source: The source.
        playbook: The validated playbook.
        key: The source's key path in the playbook, for messages (``sources[0]``).
        now: The run's time (posts more than a day after it are rejected); now when None.

    Raises:
        SourceError: If the source cannot be read at all (the message says which and why), or
            no ``created_at`` of a file parses (the message names ``<key>.date_format``).
    """
    return _read_with_cursor(source, playbook, key=key, now=now)[0]


def _read_with_cursor(
    source: Source,
    playbook: Playbook,
    *,
    key: str,
    now: dt.datetime | None,
    cursor: SourceCursor | None = None,
) -> tuple[ImportResult, SourceCursor | None]:
    """:func:`read_source`, plus the cursor of a social API source (None for the others)."""
    handles = playbook.brand.handle_keys
    if source.kind in API_KINDS:
        from .apis import fetch_api_source

        fetched = fetch_api_source(source, playbook.http, cursor=cursor, now=now)
        raw = fetched.mentions
        result = conform_rows(
            raw, raw, label=source.label, timezone="UTC", handles=handles, now=now
        )
        return result, fetched.cursor
    if source.kind == "file":
        result = read_file_source(source, timezone=playbook.timezone, handles=handles, now=now)
        problem = date_format_problem(result, source, key)
        if problem:
            raise SourceError(problem)
        return result, None
    from .feeds import fetch_source

    raw = fetch_source(source, playbook.http)
    return conform_rows(
        raw, raw, label=source.label, timezone="UTC", handles=handles, now=now
    ), None


def read_mentions(
    playbook: Playbook,
    now: dt.datetime | None = None,
    *,
    cursors: Mapping[str, SourceCursor] | None = None,
) -> ReadResult:
    """Read every source of a playbook into one canonical mention table.

    A source that cannot be read is reported in ``counts`` (status = the error) and the others
    still run; the same ``mention_id`` on the same platform from two sources is kept once and the
    later copy is rejected as a duplicate. Nothing is written anywhere: a source that cannot be
    read gives no rows, so nothing of it reaches the store. Before anything is fetched, every
    source whose ``${NAME}`` environment variables are not all set is named in one line
    (logged) and fails without a request.

    Args:
        playbook: The validated playbook.
        now: The run's time (posts dated more than a day after it are rejected); the current
            time when None.
        cursors: Source label -> the cursor a social API source reported last time: only newer
            items are fetched (``ReadResult.cursors`` holds the new ones).

    Returns:
        Mentions, rejected rows and per-source counts.

    Raises:
        SourceError: If no source could be read at all (one line per source and why).
    """
    now = now or dt.datetime.now(dt.UTC)
    results: list[ImportResult] = []
    rows = []
    failures: list[str] = []  # "sources[i]: why", for the message when none can be read
    unset = missing_env(playbook)
    for line in unset.values():
        logger.warning("%s", line)
    new_cursors: dict[str, SourceCursor] = {}
    for index, source in enumerate(playbook.sources):
        key = f"sources[{index}]"
        try:
            if index in unset:
                raise SourceError(unset[index])
            result, cursor = _read_with_cursor(
                source, playbook, key=key, now=now, cursor=(cursors or {}).get(source.label)
            )
        except SourceError as exc:
            failures.append(str(exc) if str(exc).startswith(key) else f"{key}: {exc}")
            if index not in unset:  # those were named before anything was fetched
                logger.warning("%s", failures[-1])
            rows.append(
                {
                    "source": source.label,
                    "kind": source.kind,
                    "read": 0,
                    "kept": 0,
                    "rejected": 0,
                    "outside": 0,
                    "encoding": None,
                    "separator": None,
                    "status": str(exc),
                    "notes": "",
                }
            )
            continue
        results.append(result)
        if cursor is not None:
            new_cursors[source.label] = cursor
        rows.append(
            {
                "source": result.source,
                "kind": source.kind,
                "read": result.read,
                "kept": result.kept,
                "rejected": len(result.rejected),
                "outside": result.outside,
                "encoding": result.encoding,
                "separator": result.separator,
                "status": "ok",
                "notes": "; ".join(result.notes),
            }
        )
    counts = pd.DataFrame(rows, columns=list(COUNT_COLUMNS))
    if not results:
        raise SourceError("no source could be read: " + " | ".join(failures))

    mentions = pd.concat([r.mentions for r in results] or [empty_mentions()], ignore_index=True)
    parts = [r.rejected for r in results if len(r.rejected)]
    rejected = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    key = mentions["platform"].fillna("") + "\x1f" + mentions["mention_id"]
    again = key.duplicated(keep="first")
    if again.any():
        dup = mentions[again].astype("string")
        dup.insert(
            0,
            "reason",
            "duplicate of a mention from an earlier source (same platform and mention_id)",
        )
        dup.insert(0, "row", pd.NA)
        rejected = pd.concat([rejected, dup], ignore_index=True)
        for name, n in dup["source"].value_counts().items():
            counts.loc[counts["source"] == name, "kept"] -= n
            counts.loc[counts["source"] == name, "rejected"] += n
        mentions = mentions[~again]
    mentions = mentions.sort_values(["created_at", "mention_id"], kind="stable")
    mentions = mentions.reset_index(drop=True)
    if rejected.empty:
        rejected = pd.DataFrame(columns=["source", "row", "line", "reason"])
    return ReadResult(mentions, rejected, counts, new_cursors)


def require_mentions(result: ReadResult) -> None:
    """Raise one clear error when the sources gave no mention to work on.

    Args:
        result: What :func:`read_mentions` returned.

    Raises:
        SourceError: If no mention was kept: names the failed sources and their errors, or the
            most common reason rows were rejected with one row that has it (source, line), or
            that every row lies outside the sources' ``since``/``until``.

    Examples:
        >>> import pandas as pd
        >>> from socialcrm_utils.sources import ReadResult
        >>> counts = pd.DataFrame([{"source": "a.csv", "read": 2, "kept": 0, "rejected": 2,
        ...                         "outside": 0, "status": "ok"}])
        >>> rejected = pd.DataFrame({"source": ["a.csv", "a.csv"], "row": [1, 2],
        ...                          "line": [2, 3], "reason": ["empty text", "empty text"]})
        >>> require_mentions(ReadResult(pd.DataFrame(), rejected, counts))
        Traceback (most recent call last):
        ...
        socialcrm_utils.exceptions.SourceError: no mentions kept: all 2 rows read were rejected, ...
    """
    if len(result.mentions):
        return
    counts = result.counts
    failed = counts[counts["status"] != "ok"]
    if len(failed):
        raise SourceError("no mentions kept: " + " | ".join(failed["status"].astype(str)))
    outside = int(counts.get("outside", pd.Series(dtype="int64")).fillna(0).sum())
    rejected = result.rejected
    if len(rejected) == 0:
        if outside:
            raise SourceError(
                f"no mentions kept: all {outside} rows lie outside the sources' "
                "since/until; widen sources[i].since / sources[i].until"
            )
        raise SourceError(
            "no mentions kept: the sources gave no rows; check the playbook's sources"
        )
    kinds = rejected["reason"].astype(str).map(lambda r: re.sub(r"'[^']*'", "'...'", r))
    kind, n = kinds.value_counts().index[0], int(kinds.value_counts().iloc[0])
    first = rejected[kinds == kind].iloc[0]
    line = first.get("line")
    where = f"line {int(line)}" if line is not None and pd.notna(line) else f"row {first['row']}"
    extra = f" ({outside} more outside since/until)" if outside else ""
    raise SourceError(
        f"no mentions kept: all {len(rejected)} rows read were rejected{extra}, most often for "
        f"'{first['reason']}' ({n} row{'s' if n != 1 else ''}, e.g. {first['source']} {where}); "
        "see rejected.csv and fix the file or the source's mapping"
    )
