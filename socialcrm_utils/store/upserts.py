"""Writing mentions and cases: contacts and identities of their authors, interactions, cases,
and merging two contacts (see "Idempotent" and "Contacts" in :mod:`socialcrm_utils.store`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, case, delete, func, select, type_coerce, update
from sqlalchemy.engine import Connection, Engine

from .frames import (
    _check_redacted,
    _flags,
    _floats,
    _frame,
    _platforms,
    _require,
    _strings,
    _texts,
    _utc,
    _utc_column,
    _utc_ns,
)
from .runs import _add_run_counts, _check_run
from .schema import _IN_BATCH, _RECORD_ROWS, StoreError, cases, contacts, identities, interactions
from .sql import (
    _delete_in,
    _earlier,
    _insert_frame,
    _later,
    _new_ids,
    _select_in,
    _upsert_frame,
    _upsert_frames,
    write_transaction,
)

__all__ = ["UpsertsMixin"]

logger = logging.getLogger(__name__)


class UpsertsMixin:
    """Methods of :class:`~socialcrm_utils.store.Store` that write mentions and cases."""

    engine: Engine

    # long: one transaction over identities, contacts and interactions; columns listed once
    def upsert_mentions(
        self, client: str, mentions: pd.DataFrame, run_id: int | None = None
    ) -> dict[str, int]:
        """Store scored mentions: contacts and identities of their authors, one interaction each.

        Customer authors (``is_brand`` false, ``author_id`` set) become identities keyed by
        ``platform`` + ``author_id``; new ones get a new contact, known ones keep theirs, and
        both have ``first_seen``, ``last_seen`` and ``display_name`` (the ``author_name`` of the
        latest post) widened to cover the new posts. Each mention is upserted by ``platform`` +
        ``mention_id``. Running it again with the same frame changes no row count.

        Args:
            client: The client id.
            mentions: Mentions with ``mention_id``, ``created_at`` and ``text_redacted``
                (step 3's ``mentions_scored.parquet``); optional ``platform``, ``author_id``,
                ``author_name``, ``is_brand``, ``conversation_id``, ``in_reply_to_id``,
                ``intent``, ``priority``, ``sentiment``, ``sentiment_label``, ``lang``, ``url``.
                A raw ``text`` column is never stored. The frame is not modified.
            run_id: Adds ``mentions`` to that run's counts.

        Returns:
            ``{"interactions": rows upserted, "identities": distinct customer authors,
            "new_contacts": contacts created}``.

        Raises:
            UnredactedTextError: If the frame has ``text`` but no ``text_redacted``.
            StoreError: If a required column is missing.
        """
        _check_redacted(mentions)
        _require(mentions, ("mention_id", "created_at", "text_redacted"), "mentions")
        mentions = mentions.reset_index(drop=True)
        frame = pd.DataFrame(
            {
                "platform": _platforms(mentions, _texts),
                "mention_id": _texts(mentions, "mention_id"),
                "author_id": _texts(mentions, "author_id"),
                "author_name": _texts(mentions, "author_name"),
                "created_at": _utc(mentions["created_at"]),
                "is_brand": _flags(mentions, "is_brand"),
            }
        )
        if frame["mention_id"].isna().any():
            raise StoreError(
                f"{int(frame['mention_id'].isna().sum())} mentions have no "
                "mention_id (every mention needs one)"
            )
        if frame["created_at"].isna().any():
            raise StoreError(
                f"{int(frame['created_at'].isna().sum())} mentions have no "
                "created_at (every mention needs one)"
            )
        authors, author_of = _authors(frame)
        with write_transaction(self.engine) as conn:
            ids, created = _ensure_identities(conn, client, authors)
            keyed = _identities_of(ids, author_of)
            # Of mentions with the same key the last one wins. The rest are staged and merged
            # into interactions a slice at a time (a million rows as Python objects at once
            # would take gigabytes); a slice takes only the mentions' columns that are stored.
            last = np.flatnonzero(~frame.duplicated(["platform", "mention_id"], keep="last"))
            source = mentions[[c for c in _SOURCE_COLUMNS if c in mentions.columns]]
            slices = (
                _interaction_rows(client, frame, source, keyed, last[start : start + _RECORD_ROWS])
                for start in range(0, len(last), _RECORD_ROWS)
            )
            written = _upsert_frames(
                conn,
                interactions,
                list(_INTERACTION_COLUMNS),
                slices,
                list(_INTERACTION_KEYS),
                [c for c in _INTERACTION_COLUMNS if c not in _INTERACTION_KEYS],
            )
            if run_id is not None:
                _add_run_counts(conn, run_id, {"mentions": written})
        logger.info(
            "upserted %d interactions, %d identities (%d new) of %s",
            written,
            len(authors),
            created,
            client,
        )
        return {"interactions": written, "identities": len(authors), "new_contacts": created}

    def upsert_cases(self, client: str, clocks: pd.DataFrame, run_id: int | None = None) -> int:
        """Store one case per conversation from step 4's SLA clocks.

        The customer (``customer_id`` on ``platform``) is looked up among the identities; one
        not stored yet (cases stored before their mentions) gets an identity and contact.

        Args:
            client: The client id.
            clocks: :func:`sla.sla_clocks` output (``conversations.parquet`` or ``sla.csv``):
                ``conversation_id``, ``platform``, ``customer_id``, ``first_customer_at``
                (stored as ``opened_at``), ``first_response_at``, ``resolved_at``, ``policy``,
                ``status``, ``resolution_status``, ``due_at``, ``url``, ``intent``,
                ``priority``; all but ``conversation_id`` optional. Not modified.
            run_id: Stored as each case's ``last_run``; adds ``cases`` to the run's counts.

        Returns:
            The number of cases upserted.

        Raises:
            StoreError: If ``conversation_id`` is missing or the run does not exist.
        """
        _require(clocks, ("conversation_id",), "clocks")
        clocks = clocks.reset_index(drop=True)
        opened = (
            _utc(clocks["first_customer_at"])
            if "first_customer_at" in clocks
            else pd.Series(pd.NaT, index=clocks.index, dtype="datetime64[ns, UTC]")
        )
        frame = pd.DataFrame(
            {
                "platform": _platforms(clocks, _texts),
                "conversation_id": _texts(clocks, "conversation_id"),
                "author_id": _texts(clocks, "customer_id"),
                "opened_at": opened,
            }
        )
        if frame["conversation_id"].isna().any():
            raise StoreError("some conversations have no conversation_id")
        customers = frame[frame["author_id"].notna()]
        grouped = customers.groupby(["platform", "author_id"], sort=False)
        authors = (
            grouped.agg(first_seen=("opened_at", "min"), last_seen=("opened_at", "max"))
            .reset_index()
            .astype({"platform": "str", "author_id": "str"})  # as a grouping of objects gives
            .assign(display_name=None)
        )
        author_of = _group_positions(len(frame), customers, grouped)
        with write_transaction(self.engine) as conn:
            if run_id is not None:
                _check_run(conn, run_id)
            ids, _ = _ensure_identities(conn, client, authors, widen=False)
            keyed = _identities_of(ids, author_of)
            columns = {
                "client": pd.Series(client, index=frame.index),
                "platform": frame["platform"],
                "conversation_id": frame["conversation_id"],
                "identity_id": keyed["identity_id"],
                "contact_id": keyed["contact_id"],
                "intent": _texts(clocks, "intent"),
                "priority": _texts(clocks, "priority"),
                "policy": _texts(clocks, "policy"),
                "opened_at": opened,
                "first_response_at": _utc_column(clocks, "first_response_at"),
                "resolved_at": _utc_column(clocks, "resolved_at"),
                "status": _texts(clocks, "status"),
                "resolution_status": _texts(clocks, "resolution_status"),
                "due_at": _utc_column(clocks, "due_at"),
                "url": _texts(clocks, "url"),
                "last_run": pd.Series(run_id, index=frame.index, dtype="Int64"),
            }
            written = _upsert_frame(
                conn,
                cases,
                pd.DataFrame(columns),
                ["client", "platform", "conversation_id"],
                [c for c in columns if c not in ("client", "platform", "conversation_id")],
            )
            if run_id is not None:
                _add_run_counts(conn, run_id, {"cases": written})
        logger.info("upserted %d cases of %s", written, client)
        return written

    def merge_contacts(self, client: str, keep: int, other: int) -> int:
        """Merge contact ``other`` into ``keep`` (the same person on two platforms).

        Identities, interactions and cases of ``other`` move to ``keep``; ``other`` is deleted;
        ``keep``'s first/last seen and display name are recomputed. Later upserts keep the
        merge (an identity never changes contact on its own).

        Returns:
            The number of identities moved.

        Raises:
            StoreError: If either contact is not one of the client's, or they are the same.
        """
        if keep == other:
            raise StoreError(f"cannot merge contact {keep} into itself")
        with write_transaction(self.engine) as conn:
            found = set(
                conn.execute(
                    select(contacts.c.id).where(
                        contacts.c.client == client, contacts.c.id.in_([keep, other])
                    )
                ).scalars()
            )
            missing = {keep, other} - found
            if missing:
                raise StoreError(f"contact(s) {sorted(missing)} not found for client {client}")
            moved = conn.execute(
                update(identities).where(identities.c.contact_id == other).values(contact_id=keep)
            ).rowcount
            for table in (interactions, cases):
                conn.execute(
                    update(table).where(table.c.contact_id == other).values(contact_id=keep)
                )
            conn.execute(delete(contacts).where(contacts.c.id == other))
            _refresh_contacts(conn, client, [keep])
        return int(moved)


_INTERACTION_KEYS = ("client", "platform", "mention_id")

#: Columns of ``interactions`` that :meth:`UpsertsMixin.upsert_mentions` writes, in order.
_INTERACTION_COLUMNS = (
    *_INTERACTION_KEYS,
    "identity_id",
    "contact_id",
    "brand_handle",
    "conversation_id",
    "in_reply_to_id",
    "created_at",
    "is_brand",
    "intent",
    "priority",
    "sentiment",
    "sentiment_label",
    "lang",
    "url",
    "text_redacted",
)


#: Columns of the mentions that :func:`_interaction_rows` takes as they are.
_SOURCE_COLUMNS = (
    "conversation_id",
    "in_reply_to_id",
    "intent",
    "priority",
    "sentiment",
    "sentiment_label",
    "lang",
    "url",
    "text_redacted",
)


def _authors(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The customer authors of ``frame`` (see :meth:`UpsertsMixin.upsert_mentions`) and, for
    each row of ``frame``, the position of its author in them (-1: a brand post or none).

    The positions come from the grouping that finds the authors, so the mentions need not be
    matched to their identities by a merge on the text keys (a million rows: about 150 MB).
    """
    customers = frame[~frame["is_brand"] & frame["author_id"].notna()]
    customers = customers.sort_values("created_at", kind="stable")
    grouped = customers.groupby(["platform", "author_id"], sort=False)
    authors = grouped.agg(
        first_seen=("created_at", "min"),
        last_seen=("created_at", "max"),
        display_name=("author_name", "last"),
    ).reset_index()
    # The types a grouping of object columns gives (pandas' default strings for the keys)
    authors = authors.astype({"platform": "str", "author_id": "str"})
    authors["display_name"] = _strings(authors, "display_name")
    return authors, _group_positions(len(frame), customers, grouped)


def _group_positions(length: int, rows: pd.DataFrame, grouped: Any) -> np.ndarray:
    """For each of ``length`` rows (positions 0...), the number of its group in ``grouped``
    (a ``groupby`` of ``rows``, a subset of them): -1 for rows not in ``rows``."""
    positions = np.full(length, -1, dtype=np.int64)
    positions[rows.index.to_numpy()] = grouped.ngroup().to_numpy()
    return positions


def _identities_of(ids: pd.DataFrame, author_of: np.ndarray) -> pd.DataFrame:
    """``identity_id`` and ``contact_id`` (Int64) of each mention: those of row
    ``author_of[i]`` of ``ids`` (one row per author, in the authors' order), none for -1.

    Examples:
        >>> ids = pd.DataFrame({"identity_id": pd.array([7, 8], dtype="Int64"),
        ...                     "contact_id": pd.array([3, None], dtype="Int64")})
        >>> _identities_of(ids, np.array([1, -1, 0, 1])).astype(object).values.tolist()
        [[8, <NA>], [<NA>, <NA>], [7, 3], [8, <NA>]]
    """
    none = author_of < 0
    at = np.where(none, 0, author_of)
    columns = {}
    for column in ("identity_id", "contact_id"):
        values = ids[column].astype("Int64")
        if len(values):
            data = values.to_numpy(dtype="int64", na_value=0)[at]
            mask = none | values.isna().to_numpy()[at]
        else:
            data, mask = np.zeros(len(at), dtype="int64"), np.ones(len(at), dtype=bool)
        columns[column] = pd.arrays.IntegerArray(data, mask)
    return pd.DataFrame(columns)


def _interaction_rows(
    client: str, frame: pd.DataFrame, mentions: pd.DataFrame, keyed: pd.DataFrame, rows: Any
) -> pd.DataFrame:
    """The ``interactions`` rows of the mentions at positions ``rows`` (``mentions`` needs
    only the :data:`_SOURCE_COLUMNS` it has)."""
    part, source, ident = frame.iloc[rows], mentions.iloc[rows], keyed.iloc[rows]
    columns = {
        "client": pd.Series(client, index=part.index),
        "platform": part["platform"],
        "mention_id": part["mention_id"],
        "identity_id": ident["identity_id"],
        "contact_id": ident["contact_id"],
        "brand_handle": part["author_id"].where(part["is_brand"]),
        "conversation_id": _strings(source, "conversation_id"),
        "in_reply_to_id": _strings(source, "in_reply_to_id"),
        "created_at": part["created_at"],
        "is_brand": part["is_brand"],
        "intent": _strings(source, "intent"),
        "priority": _strings(source, "priority"),
        "sentiment": _floats(source, "sentiment"),
        "sentiment_label": _strings(source, "sentiment_label"),
        "lang": _strings(source, "lang"),
        "url": _strings(source, "url"),
        "text_redacted": _strings(source, "text_redacted"),
    }
    return pd.DataFrame(columns)[list(_INTERACTION_COLUMNS)]


# long: new and known identities, and their contacts, in one pass of the caller's transaction
def _ensure_identities(
    conn: Connection, client: str, authors: pd.DataFrame, widen: bool = True
) -> tuple[pd.DataFrame, int]:
    """Upsert identities (``platform``, ``author_id``, ``display_name``, ``first_seen``,
    ``last_seen``), creating a contact for each new one.

    Returns:
        ``platform``, ``author_id``, ``identity_id``, ``contact_id`` of every author given,
        and the number of contacts created.
    """
    empty = pd.DataFrame(
        {
            "platform": pd.Series(dtype=object),
            "author_id": pd.Series(dtype=object),
            "identity_id": pd.Series(dtype="Int64"),
            "contact_id": pd.Series(dtype="Int64"),
        }
    )
    if authors.empty:
        return empty, 0
    known = _identity_map(conn, client)
    authors = authors.merge(known, how="left", on=["platform", "author_id"])
    new = authors[authors["identity_id"].isna()]
    created: list[int] = []
    identity_ids: list[int] = []
    if len(new):
        created = _new_ids(conn, contacts, len(new))
        contact_rows = pd.DataFrame(
            {
                "id": created,
                "client": client,
                "display_name": new["display_name"].where(
                    new["display_name"].notna(), new["author_id"]
                ),
                "first_seen": new["first_seen"],
                "last_seen": new["last_seen"],
            }
        )
        _insert_frame(conn, contacts, contact_rows)
        del contact_rows
        # Identity ids are taken as contact ids are (those the plain INSERT would give), so
        # that the map need not be read again unless another writer won a race (below).
        identity_ids = _new_ids(conn, identities, len(new))
        new = new.assign(contact_id=created)
        rows = pd.DataFrame(
            {
                "id": identity_ids,
                "client": client,
                "platform": new["platform"],
                "author_id": new["author_id"],
                "contact_id": new["contact_id"],
                "display_name": new["display_name"].where(
                    new["display_name"].notna(), new["author_id"]
                ),
                "first_seen": new["first_seen"],
                "last_seen": new["last_seen"],
            }
        )
        # Another writer may have added the same identity meanwhile: keep theirs.
        _upsert_frame(conn, identities, rows, ["client", "platform", "author_id"], [])
    old = authors[authors["identity_id"].notna()]
    if widen and len(old):
        ident = identities.c

        def widened(ex: Any) -> dict[str, Any]:
            return {
                "display_name": case(
                    (
                        ident.last_seen.is_(None) | (ex.last_seen >= ident.last_seen),
                        func.coalesce(ex.display_name, ident.display_name),
                    ),
                    else_=ident.display_name,
                ),
                "first_seen": _earlier(ex.first_seen, ident.first_seen),
                "last_seen": _later(ex.last_seen, ident.last_seen),
            }

        rows = pd.DataFrame(
            {
                "client": client,
                "platform": old["platform"],
                "author_id": old["author_id"],
                "contact_id": old["contact_id"].astype("Int64"),
                "display_name": old["display_name"],
                "first_seen": old["first_seen"],
                "last_seen": old["last_seen"],
            }
        )
        _upsert_frame(conn, identities, rows, ["client", "platform", "author_id"], [], widened)
    columns = ["platform", "author_id", "identity_id", "contact_id"]
    if not created:
        ids = authors[columns]
    elif _all_stored(conn, identity_ids):
        ids = authors[columns].copy()
        ids.loc[new.index, "identity_id"] = identity_ids
        ids.loc[new.index, "contact_id"] = created
    else:  # lost a race for some identity: read theirs
        ids = _identity_map(conn, client)
        ids = authors[["platform", "author_id"]].merge(ids, how="left", on=columns[:2])
    used = set(ids["contact_id"].dropna().astype(int))
    lost = [c for c in created if c not in used]
    if lost:  # lost a race for the identity: drop the contacts made for nothing
        _delete_in(conn, contacts, lost)
    if widen:  # contacts created here already hold their identity's values
        _refresh_contacts(conn, client, sorted(used - set(created)))
    return ids, len(created) - len(lost)


def _all_stored(conn: Connection, identity_ids: Sequence[int]) -> bool:
    """Whether identities with all these ids (increasing, taken by :func:`_new_ids`) exist.

    Only a run of consecutive ids is counted (every id in it was taken here); other ids give
    false, as does an identity another writer added meanwhile (its insert here did nothing).
    """
    first, last = identity_ids[0], identity_ids[-1]
    if last - first + 1 != len(identity_ids):
        return False
    query = select(func.count()).where(identities.c.id.between(first, last))
    return conn.execute(query.select_from(identities)).scalar() == len(identity_ids)


def _identity_map(conn: Connection, client: str) -> pd.DataFrame:
    query = select(
        identities.c.platform,
        identities.c.author_id,
        identities.c.id.label("identity_id"),
        identities.c.contact_id,
    ).where(identities.c.client == client)
    frame = _frame(
        conn.execute(query).all(), ["platform", "author_id", "identity_id", "contact_id"]
    )
    frame["platform"] = frame["platform"].astype(object)
    frame["author_id"] = frame["author_id"].astype(object)
    for column in ("identity_id", "contact_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _refresh_contacts(conn: Connection, client: str, contact_ids: Sequence[int]) -> None:
    """Recompute contacts' first/last seen and display name from their identities.

    The aggregation runs in pandas over one read of the identities (portable, and a handful of
    set-based statements where correlated subqueries per contact would be slow); unchanged
    contacts are not written.
    """
    if not len(contact_ids):
        return
    seen = [identities.c.first_seen, identities.c.last_seen]
    if conn.dialect.name == "sqlite":  # the stored text, parsed below in one vectorised call
        seen = [type_coerce(c, String).label(c.name) for c in seen]
    query = select(identities.c.contact_id, identities.c.id, *seen, identities.c.display_name)
    if len(contact_ids) > 10 * _IN_BATCH:
        found = conn.execute(query.where(identities.c.client == client)).all()
        wanted = set(contact_ids)
        found = [r for r in found if r.contact_id in wanted]
    else:
        found = _select_in(conn, query, identities.c.contact_id, sorted(set(contact_ids)))
    if not found:
        return
    frame = _frame(found, ["contact_id", "id", "first_seen", "last_seen", "display_name"])
    for column in ("first_seen", "last_seen"):
        frame[column] = _utc_ns(pd.to_datetime(frame[column], utc=True, format="ISO8601"))
    frame = frame.sort_values(["last_seen", "id"], na_position="first", kind="stable")
    agg = (
        frame.groupby("contact_id", sort=True)
        .agg(
            first_seen=("first_seen", "min"),
            last_seen=("last_seen", "max"),
            display_name=("display_name", "last"),
        )
        .reset_index()
    )
    rows = pd.DataFrame(
        {
            "id": agg["contact_id"].astype("int64"),
            "client": client,
            "display_name": agg["display_name"],
            "first_seen": agg["first_seen"],
            "last_seen": agg["last_seen"],
        }
    )
    _upsert_frame(conn, contacts, rows, ["id"], ["display_name", "first_seen", "last_seen"])
