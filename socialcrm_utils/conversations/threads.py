"""Conversations rebuilt from reply links: who asked first, when and by whom it was answered,
the customer turns, and the threads the brand owes an answer to."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..schema import about_brand
from .business_time import _NAT, _from_ns, _ns, _utc_index

__all__ = [
    "CONVERSATION_COLUMNS",
    "TURN_COLUMNS",
    "assign_conversations",
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
    """Per code (0 .. size-1): the first of ``rows`` whose code it is, or -1."""
    first = np.full(size, -1, dtype=np.int64)
    unique, where = np.unique(codes, return_index=True)  # first occurrence per code
    first[unique] = rows[where]
    return first


def _conversation_codes(mentions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Conversation of every row as an integer code into ``names`` (-1: none).

    The work behind :func:`assign_conversations`, on factorized ids (integers, not strings) so
    a million rows take well under a second.
    """
    n = len(mentions)
    stacked = pd.concat(
        [_text(mentions, c) for c in ("mention_id", "in_reply_to_id", "conversation_id")],
        ignore_index=True,
    )
    all_codes, names = pd.factorize(stacked)
    id_code, parent_code, given_code = (all_codes[i * n : (i + 1) * n] for i in range(3))
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
    return codes.astype(np.int64), names


def _brand_mask(mentions: pd.DataFrame, handles: Iterable[str] | None) -> pd.Series:
    flags = pd.Series(False, index=mentions.index)
    if "is_brand" in mentions.columns:
        flags = mentions["is_brand"].astype("boolean").fillna(False).astype(bool)
    keys = {h.strip().lower().lstrip("@") for h in (handles or ()) if h and h.strip()}
    if keys:
        authors = _text(mentions, "author_id").str.strip().str.lower().str.lstrip("@")
        flags = flags | authors.isin(keys).fillna(False).astype(bool)
    return flags


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
    missing = [c for c in ("mention_id", "created_at") if c not in mentions.columns]
    if missing:
        raise KeyError(f"mentions lack column(s) {missing} (conform them with conform_mentions)")
    codes, names = _conversation_codes(mentions)
    size = len(names)
    created = _ns(_utc_index(mentions["created_at"]))
    is_brand = _brand_mask(mentions, handles).to_numpy(dtype=bool)
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
    responder_codes, _ = pd.factorize(_text(mentions, "author_id").str.lower().str.lstrip("@"))
    pairs = np.unique(np.stack([codes[responses], responder_codes[responses]]), axis=1)
    n_responders = (
        np.bincount(pairs[0], minlength=size)[conv]
        if pairs.size
        else np.zeros(len(conv), dtype=np.int64)
    )

    def take(column: str, rows: np.ndarray) -> Any:
        if column == "priority" and column in mentions.columns:
            values = mentions[column]  # whatever dtype the listening step gave it
        else:
            values = _text(mentions, column)
        return values.array.take(rows, allow_fill=True)  # row -1 -> NA

    def stamp(rows: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(rows >= 0, created[np.clip(rows, 0, None)], _NAT))

    out = pd.DataFrame(
        {
            "conversation_id": names.take(conv).astype("string").array,
            "platform": take("platform", first_row),
            "root_mention_id": take("mention_id", earliest_row),
            "customer_id": take("author_id", first_row),
            "first_customer_at": stamp(first_row),
            "first_response_at": stamp(reply_row),
            "responder": take("author_id", reply_row),
            "n_customer_posts": np.bincount(codes[customer_rows], minlength=size)[conv],
            "n_brand_posts": np.bincount(brand_codes, minlength=size)[conv],
            "last_customer_at": stamp(last_customer_row),
            "resolved_at": stamp(resolved_row),
            "n_responders": n_responders,
            "last_at": stamp(last_row),
            "url": take("url", first_row),
            "intent": take("intent", first_row),
            "priority": take("priority", first_row),
        }
    )
    for column in ("n_customer_posts", "n_brand_posts", "n_responders"):
        out[column] = out[column].astype(np.int64)
    out = out.sort_values(["first_customer_at", "conversation_id"], kind="stable")
    logger.info("%d conversations with a customer from %d mentions", len(out), len(mentions))
    return out.reset_index(drop=True)[list(CONVERSATION_COLUMNS)]


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
    missing = [c for c in ("mention_id", "created_at") if c not in mentions.columns]
    if missing:
        raise KeyError(f"mentions lack column(s) {missing} (conform them with conform_mentions)")
    codes, names = _conversation_codes(mentions)
    created = _ns(_utc_index(mentions["created_at"]))
    is_brand = _brand_mask(mentions, handles).to_numpy(dtype=bool)
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

    def take(column: str, at: np.ndarray) -> Any:
        return _text(mentions, column).array.take(at, allow_fill=True)

    def stamp(at: np.ndarray) -> pd.DatetimeIndex:
        return _from_ns(np.where(at >= 0, created[np.clip(at, 0, None)], _NAT))

    return pd.DataFrame(
        {
            "conversation_id": names.take(turn_code).astype("string").array,
            "turn": turn_number.astype(np.int64),
            "mention_id": take("mention_id", turn_rows),
            "started_at": stamp(turn_rows),
            "responded_at": stamp(reply_rows),
            "responder": take("author_id", reply_rows),
            "url": take("url", turn_rows),
        }
    )[list(TURN_COLUMNS)]


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
    conversation = assign_conversations(scored)
    relevant = about_brand(scored) | scored["is_brand"].astype(bool)
    keep = relevant.groupby(conversation.to_numpy()).transform("any").to_numpy()
    return scored[keep]
