"""Erasing an author's rows (GDPR art. 17): from the store's tables (:meth:`Store.forget`) and
from the row-level artifacts of a client's run folders (:func:`forget_in_runs`).

Every other file of the run folders is cleaned by :mod:`socialcrm_utils.store.erasure`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.engine import Connection, Engine

from .erasure import run_dirs
from .frames import _flags, _platforms
from .schema import (
    _IN_BATCH,
    BATCH_ROWS,
    ERASED,
    cases,
    contacts,
    identities,
    interactions,
    mention_metrics,
)
from .sql import _chunks, _delete_in, _select_in, write_transaction
from .upserts import _refresh_contacts

__all__ = ["RUN_ARTIFACTS", "ForgetMixin", "forget_in_runs", "files_naming"]

logger = logging.getLogger(__name__)

#: Run-folder artifacts that hold rows of individual authors (rewritten by :func:`forget_in_runs`).
RUN_ARTIFACTS: tuple[str, ...] = (
    "mentions.parquet",
    "mentions_scored.parquet",
    "conversations.parquet",
    "sla.csv",
    "rejected.csv",
)


class ForgetMixin:
    """Methods of :class:`~socialcrm_utils.store.Store` that erase an author."""

    engine: Engine

    def forget(self, client: str, author_id: str, platform: str | None = None) -> dict[str, int]:
        """Erase an author (GDPR art. 17): nothing of them is left in any table.

        Deletes, for the author's identities (on ``platform``, or on every platform):

        - ``interactions`` they wrote, and the brand's replies to them (replies to one of
          their mentions, and brand posts in conversations where they are the customer);
        - ``cases`` where they are the customer;
        - their ``identities``;
        - ``contacts`` left without identities (a contact that keeps an identity on another
          platform stays, its first/last seen and name recomputed from what is left).

        Other people's posts that name them as ``@author_id`` (on the same platforms) are kept
        with the handle replaced by ``@[erased]``. Runs and KPI snapshots hold no personal data.

        Args:
            client: The client id.
            author_id: The author's id on the platform, exactly as stored (case matters).
            platform: Only this platform's identity (default: every platform).

        Returns:
            Rows deleted per table (``identities``, ``contacts``, ``interactions``,
            ``cases``; all 0 when the author is not in the store) and
            ``interactions_redacted``, the other posts whose text was rewritten.
        """
        result = {
            "identities": 0,
            "contacts": 0,
            "interactions": 0,
            "cases": 0,
            "interactions_redacted": 0,
        }
        query = select(identities.c.id, identities.c.contact_id, identities.c.platform).where(
            identities.c.client == client, identities.c.author_id == author_id
        )
        if platform is not None:
            query = query.where(identities.c.platform == platform)
        with write_transaction(self.engine) as conn:
            found = conn.execute(query).all()
            if not found:
                return result
            identity_ids = [r.id for r in found]
            contact_ids = sorted({r.contact_id for r in found})
            platforms = sorted({r.platform for r in found})
            own = _select_in(
                conn,
                select(interactions.c.id, interactions.c.platform, interactions.c.mention_id),
                interactions.c.identity_id,
                identity_ids,
            )
            their_cases = _select_in(
                conn,
                select(cases.c.id, cases.c.platform, cases.c.conversation_id),
                cases.c.identity_id,
                identity_ids,
            )
            brand = select(interactions.c.id, interactions.c.platform).where(
                interactions.c.client == client, interactions.c.is_brand.is_(True)
            )
            posts = {(m.platform, m.mention_id) for m in own}
            replies = {
                r.id
                for r in _select_in(
                    conn,
                    brand.add_columns(interactions.c.in_reply_to_id),
                    interactions.c.in_reply_to_id,
                    sorted({m for _, m in posts}),
                )
                if (r.platform, r.in_reply_to_id) in posts
            }
            conversations = {(c.platform, c.conversation_id) for c in their_cases}
            replies |= {
                r.id
                for r in _select_in(
                    conn,
                    brand.add_columns(interactions.c.conversation_id),
                    interactions.c.conversation_id,
                    sorted({c for _, c in conversations}),
                )
                if (r.platform, r.conversation_id) in conversations
            }
            doomed = sorted({m.id for m in own} | replies)
            result["interactions"] = _delete_in(conn, interactions, doomed)
            _drop_orphan_metrics(conn, client)  # the counts of erased posts go too
            result["cases"] = _delete_in(conn, cases, [c.id for c in their_cases])
            result["identities"] = _delete_in(conn, identities, identity_ids)
            left = set(
                conn.execute(
                    select(identities.c.contact_id).where(identities.c.contact_id.in_(contact_ids))
                ).scalars()
            )
            orphans = [c for c in contact_ids if c not in left]
            for table in (interactions, cases):  # a merged contact's other rows (none usually)
                for chunk in _chunks(orphans, _IN_BATCH):
                    conn.execute(
                        update(table).where(table.c.contact_id.in_(chunk)).values(contact_id=None)
                    )
            result["contacts"] = _delete_in(conn, contacts, orphans)
            _refresh_contacts(conn, client, sorted(left))
            result["interactions_redacted"] = _redact_handle(conn, client, author_id, platforms)
        self._drop_freed_pages()
        logger.info(
            "forgot %s on %s for %s: %s", author_id, platform or "every platform", client, result
        )
        return result

    def _drop_freed_pages(self) -> None:
        """Rewrite an SQLite file (``VACUUM``) so deleted rows leave no bytes in free pages.

        PostgreSQL keeps deleted rows in its table files until ``VACUUM FULL`` (see
        ``docs/erasure.md``); no query returns them.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
            # With journal_mode=WAL the -wal file may still hold pages of the deleted rows.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _drop_orphan_metrics(conn: Connection, client: str) -> None:
    """Delete the client's ``mention_metrics`` rows whose interaction is gone (incremental runs
    keep reach and counts there; they must not outlive an erased post)."""
    kept = exists().where(
        interactions.c.client == mention_metrics.c.client,
        interactions.c.platform == mention_metrics.c.platform,
        interactions.c.mention_id == mention_metrics.c.mention_id,
    )
    conn.execute(delete(mention_metrics).where(mention_metrics.c.client == client, ~kept))


def _handle_pattern(author_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@])@{re.escape(author_id)}(?!\w)", re.IGNORECASE)


def _redact_handle(conn: Connection, client: str, author_id: str, platforms: Sequence[str]) -> int:
    """Replace ``@author_id`` in other interactions' text; returns the rows changed."""
    like = "%@" + re.sub(r"([\\%_])", r"\\\1", author_id) + "%"
    query = select(interactions.c.id, interactions.c.text_redacted).where(
        interactions.c.client == client,
        interactions.c.platform.in_(list(platforms)),
        interactions.c.text_redacted.ilike(like, escape="\\"),
    )
    pattern = _handle_pattern(author_id)
    changed = []
    for row in conn.execute(query).all():
        text = pattern.sub(ERASED, row.text_redacted)
        if text != row.text_redacted:
            changed.append({"row_id": row.id, "text": text})
    if changed:
        stmt = (
            update(interactions)
            .where(interactions.c.id == bindparam("row_id"))
            .values(text_redacted=bindparam("text"))
        )
        for chunk in _chunks(changed, BATCH_ROWS):
            conn.execute(stmt, list(chunk))
    return len(changed)


# ---------------------------------------------------------------------------------------------
# run folders


def _author_mask(
    frame: pd.DataFrame, column: str, author_id: str, platform: str | None
) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    mask = (frame[column].astype("string") == author_id).fillna(False)
    if platform is not None and "platform" in frame.columns:
        mask &= (frame["platform"].astype("string") == platform).fillna(False)
    return mask.astype(bool)


def _read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write_any(frame: pd.DataFrame, path: Path) -> None:
    from ..artifacts import write_artifact  # the suite's writer: atomic, CSV cells made safe

    write_artifact(frame, path.parent, path.name)


def forget_in_runs(
    client_dir: str | Path, author_id: str, platform: str | None = None
) -> dict[Path, int]:
    """Rewrite a client's run folders without an author's rows (see :meth:`Store.forget`).

    In every run folder under ``client_dir`` (``reports/<client>/<run>/``, the ``latest`` link
    skipped), each of :data:`RUN_ARTIFACTS` present loses the author's rows: posts they wrote
    and the brand's replies to them (mentions, scored mentions, rejected rows), the
    conversations where they are the customer (conversations, sla.csv); ``@author_id`` in the
    remaining text becomes ``@[erased]``. Files are replaced atomically. Every other file
    (tables that quote them, JSON, executed notebooks, report.html) is rewritten by
    :func:`socialcrm_utils.store.erase_runs`, which ``socialcrm forget --runs`` runs next.

    Args:
        client_dir: The client's folder of run folders.
        author_id: The author's id, exactly as in the data.
        platform: Only rows of this platform (default: every platform).

    Returns:
        Path -> rows removed or rewritten, for every file that changed.
    """
    changed: dict[Path, int] = {}
    pattern = _handle_pattern(author_id)
    for run_dir in run_dirs(Path(client_dir)):
        frames = {
            name: _read_any(run_dir / name) for name in RUN_ARTIFACTS if (run_dir / name).is_file()
        }
        conversations: set[tuple[str, str]] = set()
        mentions: set[tuple[str, str]] = set()
        for name in ("conversations.parquet", "sla.csv"):
            if name in frames:
                frame = frames[name]
                hit = frame[_author_mask(frame, "customer_id", author_id, platform)]
                conversations |= set(
                    zip(_key(hit, "platform"), _key(hit, "conversation_id"), strict=True)
                )
        for name in ("mentions.parquet", "mentions_scored.parquet", "rejected.csv"):
            if name in frames:
                frame = frames[name]
                hit = frame[_author_mask(frame, "author_id", author_id, platform)]
                mentions |= set(zip(_key(hit, "platform"), _key(hit, "mention_id"), strict=True))
        for name, frame in frames.items():
            if "customer_id" in frame.columns:
                drop = _author_mask(frame, "customer_id", author_id, platform)
            else:
                drop = _author_mask(frame, "author_id", author_id, platform)
                if "is_brand" in frame.columns:
                    brand = _flags(frame, "is_brand").to_numpy()
                    platforms = _key(frame, "platform")
                    replies = [
                        (p, r) in mentions
                        for p, r in zip(platforms, _key(frame, "in_reply_to_id"), strict=True)
                    ]
                    threads = [
                        (p, c) in conversations
                        for p, c in zip(platforms, _key(frame, "conversation_id"), strict=True)
                    ]
                    drop |= brand & (np.array(replies, dtype=bool) | np.array(threads, dtype=bool))
            kept = frame[~drop.to_numpy()].reset_index(drop=True)
            rewritten = 0
            for column in ("text_redacted", "text"):
                if column in kept.columns:
                    text = kept[column].astype("string")
                    new = text.str.replace(pattern, ERASED, regex=True)
                    diff = (new != text).fillna(False)
                    if diff.any():
                        rewritten += int(diff.sum())
                        kept[column] = kept[column].where(~diff.to_numpy(), new.astype(object))
            count = int(drop.sum()) + rewritten
            if count:
                _write_any(kept, run_dir / name)
                changed[run_dir / name] = count
                logger.info(
                    "%s: removed %d rows, redacted %d", run_dir / name, int(drop.sum()), rewritten
                )
    return changed


def _key(frame: pd.DataFrame, column: str) -> list[Any]:
    if column not in frame.columns:
        return [None] * len(frame)
    values = frame[column]
    if column == "platform":
        values = _platforms(frame)
    return values.astype("string").astype(object).where(values.notna(), None).tolist()


_TEXT_SUFFIXES = (".csv", ".json", ".html", ".ipynb", ".txt", ".md", ".svg")


def files_naming(client_dir: str | Path, author_id: str) -> list[Path]:
    """Files in a client's run folders that still contain ``author_id`` as a word.

    Text files (CSV, JSON, HTML, notebooks, ...) are searched ignoring case, Parquet files by
    their string columns; images and other binaries are not searched.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = Path(tmp, "20260101T000000Z"); run.mkdir()
        ...     _ = (run / "faq.csv").write_text("question\\nwhere is my bag, asked ann\\n")
        ...     [p.name for p in files_naming(tmp, "Ann")], files_naming(tmp, "annette")
        (['faq.csv'], [])
    """
    word = re.compile(rf"(?<!\w){re.escape(author_id)}(?!\w)", re.IGNORECASE)
    found = []
    for run_dir in run_dirs(Path(client_dir)):
        for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
            if path.suffix == ".parquet":
                frame = pd.read_parquet(path)
                hit = any(
                    frame[c].astype("string").str.contains(word, na=False).any()
                    for c in frame.columns
                    if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object
                )
            elif path.suffix in _TEXT_SUFFIXES:
                hit = bool(word.search(path.read_text(encoding="utf-8", errors="replace")))
            else:
                continue
            if hit:
                found.append(path)
    return found
