"""Conversations rebuilt from reply links: who asked first, when and by whom it was answered,
the customer turns, and the threads the brand owes an answer to."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..schema import about_brand
from .business_time import _NAT, _from_ns, _ns, _utc_index

__all__ = [
    "CONVERSATION_COLUMNS",
    "TURN_COLUMNS",
    "assign_conversations",
    "brand_conversations",
    "brand_threads",
    "build_conversations",
    "response_turns",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`build_conversations`, in order.
CONVERSATION_COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "platform",
    "root_mention_id",
    "customer_id",
    "first_customer_at",
    "first_response_at",
    "responder",
    "n_customer_posts",
    "n_brand_posts",
    "last_customer_at",
    "resolved_at",
    "n_responders",
    "last_at",
    "url",
    "intent",
    "priority",
)

#: Columns of :func:`response_turns` (plus the clock columns of :func:`next_response_clocks`).
TURN_COLUMNS: tuple[str, ...] = (
    "conversation_id",
    "turn",
    "mention_id",
    "started_at",
    "responded_at",
    "responder",
    "url",
)


# ---------------------------------------------------------------------------------------------
# Conversations


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as string dtype with empty strings as NA; all NA when the column is absent."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[column].astype("string")
    return values.mask(values.str.strip() == "")


def _text_at(frame: pd.DataFrame, column: str, positions: np.ndarray) -> Any:
    """``_text(frame, column).array.take(positions, allow_fill=True)`` (-1 gives NA).

    The same strings, but only the rows asked for are converted: ``_text`` works value by
    value, so converting after the take equals taking after the conversion.
    """
    ok = positions >= 0
    if column not in frame.columns or not ok.any():
        return pd.array(np.full(len(positions), None, dtype=object), dtype="string")
    if isinstance(frame[column].dtype, pd.StringDtype):  # a string column takes -1 as NA itself
        picked = frame[column].array.take(positions, allow_fill=True)
        return _text(pd.DataFrame({column: picked}), column).array
    picked = _text(frame[[column]].take(positions[ok]), column).array
    if ok.all():
        return picked
    slots = np.full(len(positions), -1, dtype=np.int64)
    slots[ok] = np.arange(len(picked))
    return picked.take(slots, allow_fill=True)


def assign_conversations(mentions: pd.DataFrame) -> pd.Series:
    """The conversation id of every mention.

    A mention's ``conversation_id`` is used where given. Otherwise the ``in_reply_to_id`` chain
    is followed within the frame until it reaches a mention with a ``conversation_id`` (a reply
    joins its parent's conversation) or a root; the root's ``mention_id`` is the conversation id.
    A reply whose parent is not in the frame is the start of its own conversation, whose id is
    the missing parent's id (so two replies to the same missing post stay together). Chains are
    resolved by pointer jumping (each round doubles the distance looked ahead), ``O(n log
    depth)``. Reply cycles (bad data) terminate: each cycle becomes one conversation named after
    its smallest mention id, and a warning is logged. Duplicate ``mention_id`` values resolve to
    their first row.

    Args:
        mentions: Canonical mentions (``mention_id``; ``in_reply_to_id`` and
            ``conversation_id`` are used when present).

    Returns:
        String Series named ``conversation_id``, aligned to ``mentions.index``.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4"],
        ...                    "in_reply_to_id": [None, "1", "2", "99"]})
        >>> assign_conversations(df).tolist()
        ['1', '1', '1', '99']
    """
    codes, names = _conversation_codes(mentions)
    return pd.Series(
        names.take(codes, allow_fill=True),
        index=mentions.index,
        dtype="string",
        name="conversation_id",
    )


def _first_rows(codes: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per code (0 .. size-1, none negative): the first of ``rows`` whose code it is, or -1."""
    where = np.full(size, len(codes), dtype=np.int64)
    np.minimum.at(where, codes, np.arange(len(codes)))  # first occurrence per code, no sort
    first = np.full(size, -1, dtype=np.int64)
    seen = where < len(codes)
    first[seen] = rows[where[seen]]
    return first


def _id_codes(mentions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """``mention_id``, ``in_reply_to_id`` and ``conversation_id`` as integer codes.

    Returns:
        A ``(3, len(mentions))`` array of codes into ``names`` (-1: none), one row per column
        in that order, and ``names`` in order of first appearance (mention ids first).
    """
    stacked = pd.concat(
        [_text(mentions, c) for c in ("mention_id", "in_reply_to_id", "conversation_id")],
        ignore_index=True,
    )
    all_codes, names = pd.factorize(stacked)
    del stacked
    return all_codes.astype(np.int64, copy=False).reshape(3, len(mentions)), names


def _subset_id_codes(
    ids: np.ndarray, names: pd.Index, rows: np.ndarray
) -> tuple[np.ndarray, pd.Index]:
    """:func:`_id_codes` of the frame's ``rows`` (positions), from the whole frame's codes.

    Factorizing the integer codes of the rows gives the codes and names that factorizing their
    strings would give (same first appearances), without touching a string.
    """
    picked = ids[:, rows].ravel()
    valid = picked >= 0
    codes = np.full(picked.shape, -1, dtype=np.int64)
    valid_codes, uniques = pd.factorize(picked[valid])
    codes[valid] = valid_codes
    return codes.reshape(3, len(rows)), names.take(uniques)


def _conversation_codes(mentions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Conversation of every row as an integer code into ``names`` (-1: none).

    The work behind :func:`assign_conversations`, on factorized ids (integers, not strings) so
    a million rows take well under a second.
    """
    ids, names = _id_codes(mentions)
    return _resolve_conversations(ids, names), names


def _resolve_conversations(ids: np.ndarray, names: pd.Index) -> np.ndarray:
    """Follow the reply chains of :func:`_id_codes`' codes to each row's conversation code."""
    id_code, parent_code, given_code = ids
    n = len(id_code)
    positions = np.arange(n, dtype=np.int64)

    has_id = id_code >= 0
    row_of_code = _first_rows(id_code[has_id], positions[has_id], len(names))
    duplicates = int(has_id.sum()) - int((row_of_code >= 0).sum())
    if duplicates:
        logger.warning("%d duplicate mention ids; replies link to the first", duplicates)
    has_parent = parent_code >= 0
    parent_row = np.where(has_parent, row_of_code[np.clip(parent_code, 0, None)], -1)
    has_given = given_code >= 0
    terminal = has_given | (parent_row < 0) | (parent_row == positions)
    # The label of a terminal row: its conversation id, else the missing parent, else itself.
    label = np.where(
        has_given, given_code, np.where(has_parent & (parent_row < 0), parent_code, id_code)
    )

    parent_or_self = np.where(terminal, positions, parent_row)
    rounds = int(np.ceil(np.log2(max(n, 2)))) + 1  # 2**rounds > n >= any chain or cycle length
    pointer = parent_or_self
    for _ in range(rounds):  # pointer jumping: each round doubles the distance looked ahead
        jumped = pointer[pointer]
        if np.array_equal(jumped, pointer):
            break
        pointer = jumped
    codes = label[pointer]
    cyclic = ~terminal[pointer]
    if cyclic.any():
        # Bad data: rows on (or leading into) a reply cycle never reach a root. Jump again over
        # those rows only, carrying the smallest id seen; after ``rounds`` rounds each row's
        # pointer sits on its cycle, and the smallest id seen covers the whole cycle.
        logger.warning(
            "%d mentions in reply cycles; each cycle is one conversation", int(cyclic.sum())
        )
        rows = np.flatnonzero(cyclic)
        sub_pointer = np.searchsorted(rows, parent_or_self[rows])
        by_name = np.argsort(names.take(id_code[rows]).to_numpy(dtype=object), kind="stable")
        smallest = np.empty(len(rows), dtype=np.int64)
        smallest[by_name] = np.arange(len(rows))
        for _ in range(rounds):
            smallest = np.minimum(smallest, smallest[sub_pointer])
            sub_pointer = sub_pointer[sub_pointer]
        codes = codes.copy()
        codes[rows] = id_code[rows[by_name[smallest[sub_pointer]]]]
    return codes.astype(np.int64)


def _brand_mask(
    mentions: pd.DataFrame, handles: Iterable[str] | None, rows: np.ndarray | None = None
) -> np.ndarray:
    """Which posts (of ``rows``, positions; all when None) are the brand's, as a bool array.

    Handles are compared once per distinct author, not once per post.
    """
    n = len(mentions) if rows is None else len(rows)
    flags = np.zeros(n, dtype=bool)
    if "is_brand" in mentions.columns:
        given = mentions["is_brand"] if rows is None else mentions["is_brand"].take(rows)
        flags = given.astype("boolean").fillna(False).to_numpy(dtype=bool)
    keys = {h.strip().lower().lstrip("@") for h in (handles or ()) if h and h.strip()}
    if keys:
        positions = np.arange(n, dtype=np.int64) if rows is None else rows
        author_codes, authors = pd.factorize(pd.Series(_text_at(mentions, "author_id", positions)))
        normal = pd.Series(authors).str.strip().str.lower().str.lstrip("@")
        is_handle = np.append(normal.isin(keys).fillna(False).to_numpy(dtype=bool), False)
        flags = flags | is_handle[author_codes]  # code -1 (no author) -> the appended False
    return flags


@dataclass(frozen=True)
class _Posts:
    """Rows of a mentions frame as :func:`build_conversations` and :func:`response_turns` read
    them: conversation codes, times and brand flags per row, columns read on demand.

    ``rows`` are positions in ``mentions`` (None: every row). Keeping the frame and the
    positions instead of a copy of the rows spares copying every column, texts included.
    """

    mentions: pd.DataFrame
    rows: np.ndarray | None
    codes: np.ndarray
    names: pd.Index
    created: np.ndarray
    is_brand: np.ndarray

    def positions(self, at: np.ndarray) -> np.ndarray:
        """Positions in ``mentions`` of the rows ``at`` (-1 stays -1)."""
        if self.rows is None:
            return at
        out = np.full(len(at), -1, dtype=np.int64)
        ok = at >= 0
        out[ok] = self.rows[at[ok]]
        return out

    def text(self, column: str, at: np.ndarray) -> Any:
        """The column's strings (:func:`_text`) at rows ``at``; NA where ``at`` is -1."""
        return _text_at(self.mentions, column, self.positions(at))

    def values(self, column: str, at: np.ndarray) -> Any:
        """The column's values as they are at rows ``at``; NA where ``at`` is -1."""
        return self.mentions[column].array.take(self.positions(at), allow_fill=True)


def _posts(
    mentions: pd.DataFrame,
    handles: Iterable[str] | None,
    rows: np.ndarray | None = None,
    ids: tuple[np.ndarray, pd.Index] | None = None,
) -> _Posts:
    """The :class:`_Posts` of ``rows`` (all when None), ``ids`` their :func:`_id_codes`."""
    missing = [c for c in ("mention_id", "created_at") if c not in mentions.columns]
    if missing:
        raise KeyError(f"mentions lack column(s) {missing} (conform them with conform_mentions)")
    codes, names = ids if ids is not None else _id_codes(mentions)
    created = _ns(_utc_index(mentions["created_at"]))  # the whole column: one parsing format
    return _Posts(
        mentions=mentions,
        rows=rows,
        codes=_resolve_conversations(codes, names),
        names=names,
        created=created if rows is None else created[rows],
        is_brand=_brand_mask(mentions, handles, rows),
    )


def _brand_posts(scored: pd.DataFrame, handles: Iterable[str] | None) -> _Posts | None:
    """The :class:`_Posts` of ``brand_threads(scored)``'s rows, without copying them.

    None when :func:`brand_threads` has to decide on the frame itself (rows without any
    conversation, relevance flags that are not plain booleans).
    """
    picked = _brand_thread_rows(scored)
    if picked is None:
        return None
    keep, ids, names = picked
    rows = np.flatnonzero(keep)
    del keep
    return _posts(scored, handles, rows, _subset_id_codes(ids, names, rows))


def _brand_thread_rows(scored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """:func:`brand_threads`' row mask by conversation codes, with the frame's id codes."""
    ids, names = _id_codes(scored)
    codes = _resolve_conversations(ids, names)
    if (codes < 0).any():
        return None
    relevant = about_brand(scored) | scored["is_brand"].astype(bool)
    if relevant.dtype != bool:
        return None
    owed = np.bincount(codes[relevant.to_numpy()], minlength=len(names)) > 0
    return owed[codes], ids, names


def build_conversations(
    mentions: pd.DataFrame, handles: Iterable[str] | None = None
) -> pd.DataFrame:
    """One row per conversation that has at least one customer (non-brand) post.

    A post is the brand's when its ``is_brand`` is true or its ``author_id`` is one of
    ``handles`` (case-insensitive, with or without ``@``). The first customer post opens the
    clock; the first brand post strictly after it is the first response. Brand posts before the
    first customer post (e.g. the brand's own announcement the customer commented on) are not
    responses, but are counted in ``n_brand_posts``. Ties in time keep the frame's row order.
    A single customer post without replies is a one-post conversation.

    Args:
        mentions: Canonical mentions; ``intent`` and ``priority`` columns (from the listening
            step) are carried over when present.
        handles: The client's own handles, e.g. ``playbook.brand.handles``.

    Returns:
        Columns :data:`CONVERSATION_COLUMNS`: ``conversation_id``, ``platform`` (of the first
        customer post), ``root_mention_id`` (the earliest post of the conversation in the
        frame), ``customer_id`` (author of the first customer post), ``first_customer_at``,
        ``first_response_at`` (NaT if unanswered), ``responder`` (brand author of that reply),
        ``n_customer_posts``, ``n_brand_posts``, ``last_customer_at`` (the customer's latest
        post), ``resolved_at`` (the brand's latest reply when it came after the customer's
        latest post, i.e. the brand had the last word; NaT otherwise), ``n_responders``
        (distinct brand handles that replied), ``last_at`` (latest post of any side), ``url``,
        ``intent`` and ``priority`` (of the first customer post, NA without those columns).
        Sorted by ``first_customer_at`` then ``conversation_id``; a fresh RangeIndex.

    Raises:
        KeyError: If ``mention_id`` or ``created_at`` is missing.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "in_reply_to_id": [None, "1", "1"],
        ...     "author_id": ["ann", "AcmeAir", "ann"], "platform": "twitter",
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30",
        ...                                   "2026-01-05 11:00"], utc=True)})
        >>> conv = build_conversations(df, handles=["@acmeair"])
        >>> conv[["conversation_id", "customer_id", "responder", "n_customer_posts"]]
          conversation_id customer_id responder  n_customer_posts
        0               1         ann   AcmeAir                 2
        >>> str(conv.loc[0, "first_response_at"])
        '2026-01-05 10:30:00+00:00'
    """
    return _conversation_table(_posts(mentions, handles))


# long: one array step per output column, in the order of the table it returns
def _conversation_table(posts: _Posts) -> pd.DataFrame:
    """:func:`build_conversations` of the posts."""
    codes, names, created, is_brand = posts.codes, posts.names, posts.created, posts.is_brand
    size = len(names)
    if (codes < 0).any():
        logger.warning("%d mentions without mention_id or thread ignored", int((codes < 0).sum()))
    # Rows in time order, NaT last, frame order for ties; "first" is then a first occurrence.
    order = np.argsort(np.where(created == _NAT, np.iinfo(np.int64).max, created), kind="stable")
    order = order[codes[order] >= 0]
    customer_rows = order[~is_brand[order]]
    brand_rows = order[is_brand[order]]

    first_customer = _first_rows(codes[customer_rows], customer_rows, size)
    conv = np.flatnonzero(first_customer >= 0)  # conversations with a customer
    first_row = first_customer[conv]
    first_at = np.full(size, _NAT, dtype=np.int64)
    first_at[conv] = created[first_row]
    # A response is a brand post strictly after the first (timed) customer post.
    brand_codes = codes[brand_rows]
    clock = first_at[brand_codes]
    responses = brand_rows[(clock != _NAT) & (created[brand_rows] > clock)]
    reply_row = _first_rows(codes[responses], responses, size)[conv]
    earliest_row = _first_rows(codes[order], order, size)[conv]
    timed = order[created[order] != _NAT][::-1]  # latest first
    last_row = _first_rows(codes[timed], timed, size)[conv]
    timed_customers = timed[~is_brand[timed]]
    last_customer_row = _first_rows(codes[timed_customers], timed_customers, size)[conv]
    last_reply_row = _first_rows(codes[responses[::-1]], responses[::-1], size)[conv]
    last_customer_at = created[np.clip(last_customer_row, 0, None)]
    last_reply_at = np.where(last_reply_row >= 0, created[np.clip(last_reply_row, 0, None)], _NAT)
    # Resolved: the brand had the last word (a reply after the customer's latest post).
    resolved_row = np.where(
        (last_reply_row >= 0) & (last_reply_at > last_customer_at), last_reply_row, -1
    )
    # Distinct (conversation, responder) pairs as one integer each; NA responder is a value.
    responder_codes, responders = pd.factorize(
        pd.Series(posts.text("author_id", responses)).str.lower().str.lstrip("@")
    )
    pairs = np.unique(codes[responses] * (len(responders) + 1) + (responder_codes + 1))
    n_responders = np.bincount(pairs // (len(responders) + 1), minlength=size)[conv]

    def stamp(rows: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(rows >= 0, created[np.clip(rows, 0, None)], _NAT))

    # Sorted by first post then id before any text is read, so strings are taken once.
    conversation_id = names.take(conv).astype("string").array
    keys = pd.DataFrame({"first_customer_at": stamp(first_row), "conversation_id": conversation_id})
    order = keys.sort_values(list(keys.columns), kind="stable").index.to_numpy()
    del keys
    rows = {
        "first": first_row[order],
        "earliest": earliest_row[order],
        "reply": reply_row[order],
        "last_customer": last_customer_row[order],
        "resolved": resolved_row[order],
        "last": last_row[order],
    }

    def take(column: str, rows: np.ndarray) -> Any:
        if column == "priority" and column in posts.mentions.columns:
            return posts.values(column, rows)  # whatever dtype the listening step gave it
        return posts.text(column, rows)  # row -1 -> NA

    out = pd.DataFrame(
        {
            "conversation_id": conversation_id.take(order),
            "platform": take("platform", rows["first"]),
            "root_mention_id": take("mention_id", rows["earliest"]),
            "customer_id": take("author_id", rows["first"]),
            "first_customer_at": stamp(rows["first"]),
            "first_response_at": stamp(rows["reply"]),
            "responder": take("author_id", rows["reply"]),
            "n_customer_posts": np.bincount(codes[customer_rows], minlength=size)[conv[order]],
            "n_brand_posts": np.bincount(brand_codes, minlength=size)[conv[order]],
            "last_customer_at": stamp(rows["last_customer"]),
            "resolved_at": stamp(rows["resolved"]),
            "n_responders": n_responders[order].astype(np.int64),
            "last_at": stamp(rows["last"]),
            "url": take("url", rows["first"]),
            "intent": take("intent", rows["first"]),
            "priority": take("priority", rows["first"]),
        }
    )
    for column in ("n_customer_posts", "n_brand_posts"):
        out[column] = out[column].astype(np.int64)
    logger.info("%d conversations with a customer from %d mentions", len(out), len(codes))
    return out


def response_turns(mentions: pd.DataFrame, handles: Iterable[str] | None = None) -> pd.DataFrame:
    """Every customer turn of every conversation and the brand reply that answered it.

    A turn starts with the customer's first post (turn 0, answered by the first response) and
    again with each customer follow-up that comes after a brand reply (turns 1, 2, ...: the
    next-response clocks, as Zendesk's "next reply time"). Several customer posts in a row are
    one turn, timed from the first of them. A turn is answered by the first brand post strictly
    after its start in the same conversation, whichever brand handle wrote it. Brand posts
    before the customer's first post are not replies.

    Args:
        mentions: Canonical mentions (see :func:`build_conversations`).
        handles: The client's own handles.

    Returns:
        Columns :data:`TURN_COLUMNS`: ``conversation_id``, ``turn`` (0 = first), ``mention_id``
        and ``url`` of the customer post that opened the turn, ``started_at``,
        ``responded_at`` (NaT while unanswered) and ``responder``. Ordered by conversation and
        turn; a fresh RangeIndex.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4", "5"],
        ...     "in_reply_to_id": [None, "1", "2", "2", "4"],
        ...     "author_id": ["ann", "AcmeAir", "ann", "ann", "AcmeHelp"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30",
        ...         "2026-01-05 11:00", "2026-01-05 11:05", "2026-01-05 12:00"], utc=True)})
        >>> turns = response_turns(df, handles=["@AcmeAir", "AcmeHelp"])
        >>> turns[["turn", "mention_id", "responder"]]
           turn mention_id responder
        0     0          1   AcmeAir
        1     1          3  AcmeHelp
    """
    return _turn_table(_posts(mentions, handles))


def _turn_table(posts: _Posts, follow_ups_only: bool = False) -> pd.DataFrame:
    """:func:`response_turns` of the posts; only its rows with ``turn`` > 0 (the next-response
    clocks' rows, with a fresh RangeIndex) when ``follow_ups_only``."""
    codes, names, created, is_brand = posts.codes, posts.names, posts.created, posts.is_brand
    rows = np.flatnonzero((codes >= 0) & (created != _NAT))
    # Sort by conversation, then time, then frame order; one int64 key per row for searching.
    _, time_rank = np.unique(created[rows], return_inverse=True)
    key = codes[rows].astype(np.int64) * (int(time_rank.max(initial=0)) + 1) + time_rank
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    code = codes[rows]
    brand = is_brand[rows]
    customer = ~brand

    # Customer posts seen in the conversation up to and including each row.
    seen = np.cumsum(customer)
    starts_conv = np.r_[True, code[1:] != code[:-1]]
    before_conv = np.maximum.accumulate(np.where(starts_conv, seen - customer, 0))
    seen_in_conv = seen - before_conv
    prev_brand = np.r_[False, brand[:-1]] & ~starts_conv
    # A turn opens at the first customer post, and at a customer post right after a brand
    # post that itself came after the customer's first post (seen_in_conv counts this row).
    opens = customer & ((seen_in_conv == 1) | (prev_brand & (seen_in_conv > 1)))
    turn_pos = np.flatnonzero(opens)
    brand_pos = np.flatnonzero(brand)
    # The first brand post strictly later (by time, same conversation) than each turn start.
    j = np.searchsorted(key[brand_pos], key[turn_pos], side="right")
    reply_pos = np.full(len(turn_pos), -1, dtype=np.int64)
    inside = np.flatnonzero(j < len(brand_pos))
    candidate = brand_pos[j[inside]]
    same = code[candidate] == code[turn_pos[inside]]
    reply_pos[inside[same]] = candidate[same]
    turn_rows = rows[turn_pos]
    reply_rows = (
        np.where(reply_pos >= 0, rows[np.clip(reply_pos, 0, None)], -1) if len(rows) else reply_pos
    )
    turn_code = code[turn_pos]
    turn_number = np.arange(len(turn_pos)) - np.searchsorted(turn_code, turn_code, side="left")
    if follow_ups_only:  # before any string is taken: most turns are first turns
        follow_up = turn_number > 0
        turn_rows, reply_rows = turn_rows[follow_up], reply_rows[follow_up]
        turn_code, turn_number = turn_code[follow_up], turn_number[follow_up]

    def stamp(at: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(at >= 0, created[np.clip(at, 0, None)], _NAT))

    return pd.DataFrame(
        {
            "conversation_id": names.take(turn_code).astype("string").array,
            "turn": turn_number.astype(np.int64),
            "mention_id": posts.text("mention_id", turn_rows),
            "started_at": stamp(turn_rows),
            "responded_at": stamp(reply_rows),
            "responder": posts.text("author_id", reply_rows),
            "url": posts.text("url", turn_rows),
        }
    )[list(TURN_COLUMNS)]


def brand_conversations(
    scored: pd.DataFrame, handles: Iterable[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`build_conversations` and :func:`response_turns` of :func:`brand_threads`.

    The same two tables, but the threads' rows are read in place (their positions in
    ``scored``) instead of copied: at a million scored mentions the copy of every column is
    about 600 MB. Their ids are factorized once for both.

    Args:
        scored: Scored mentions, as :func:`brand_threads` takes them.
        handles: The client's own handles, e.g. ``playbook.brand.handles``.

    Returns:
        ``(conversations, turns)``.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2"], "in_reply_to_id": [None, "1"],
        ...     "author_id": ["ann", "AcmeAir"], "is_brand": [False, True],
        ...     "mentions_brand": True, "competitor": None,
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30"], utc=True)})
        >>> conversations, turns = brand_conversations(df, ["@AcmeAir"])
        >>> conversations[["conversation_id", "responder"]].values.tolist(), len(turns)
        ([['1', 'AcmeAir']], 1)
    """
    return _brand_tables(scored, handles)


def _brand_tables(
    scored: pd.DataFrame, handles: Iterable[str] | None, follow_ups_only: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`brand_conversations`; with ``follow_ups_only`` the turns may be only those with
    ``turn`` > 0 (what the next-response clocks read), when the threads are read in place."""
    posts = _brand_posts(scored, handles)
    if posts is None:
        threads = brand_threads(scored)
        return build_conversations(threads, handles), response_turns(threads, handles)
    return _conversation_table(posts), _turn_table(posts, follow_ups_only)


def brand_threads(scored: pd.DataFrame) -> pd.DataFrame:
    """The mentions of every conversation the brand owes an answer to.

    A conversation (see :func:`assign_conversations`) is kept when any of its posts is a
    customer post about the brand (:func:`listening.about_brand`) or a brand post; threads that
    only talk about a competitor are left out of response and SLA figures.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "in_reply_to_id": [None, "1", None],
        ...     "conversation_id": [None, None, None], "is_brand": [False, True, False],
        ...     "mentions_brand": [False, False, False], "competitor": ["Globex", None, "Globex"]})
        >>> brand_threads(df)["mention_id"].tolist()
        ['1', '2']
    """
    picked = _brand_thread_rows(scored)
    if picked is not None:
        return scored[picked[0]]
    conversation = assign_conversations(scored)
    relevant = about_brand(scored) | scored["is_brand"].astype(bool)
    keep = relevant.groupby(conversation.to_numpy()).transform("any").to_numpy()
    return scored[keep]


def brand_thread_codes(scored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """:func:`brand_threads` and :func:`assign_conversations` of its rows, as integers.

    Returns:
        ``rows``: positions in ``scored`` of the rows :func:`brand_threads` keeps (in order);
        ``codes``: each kept row's conversation as a code into ``names`` (-1: none), so that
        ``names.take(codes)`` is ``assign_conversations(brand_threads(scored))``. Without
        copying the frame or building a string per row (:func:`kpis.advocacy` at a million
        mentions).

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "in_reply_to_id": [None, "1", None],
        ...     "conversation_id": [None, None, None], "is_brand": [False, True, False],
        ...     "mentions_brand": [False, False, False], "competitor": ["Globex", None, "Globex"]})
        >>> rows, codes, names = brand_thread_codes(df)
        >>> rows.tolist(), names.take(codes).tolist()
        ([0, 1], ['1', '1'])
    """
    picked = _brand_thread_rows(scored)
    if picked is not None:
        keep, ids, names = picked
        rows = np.flatnonzero(keep)
        del keep
        codes, names = _subset_id_codes(ids, names, rows)
        return rows, _resolve_conversations(codes, names), names
    # Rows without any id, or relevance flags that are not plain booleans: the frame's way.
    id_columns = ["mention_id", "in_reply_to_id", "conversation_id"]
    frame = scored.reset_index(drop=True)
    threads = brand_threads(frame)
    codes, names = _conversation_codes(threads[[c for c in id_columns if c in threads]])
    return threads.index.to_numpy(dtype=np.int64), codes, names
