"""Step 4, customer contact: the brand-voice scorecard of every brand handle.

The rules and the check itself are :mod:`socialcrm_utils.nlp.voice` (step 6 checks its reply
templates with them too): :func:`~socialcrm_utils.nlp.voice.check_voice` returns one row per
violation; :func:`voice_scores` turns them into a score per brand handle and
:func:`worst_examples` picks the replies to show a client.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..nlp.voice import EXAMPLE_COLUMNS, RULES, SCORE_COLUMNS, _strings, brand_replies

__all__ = ["voice_scores", "worst_examples"]


def voice_scores(
    mentions: pd.DataFrame, violations: pd.DataFrame, *, handles: Iterable[str] | None = None
) -> pd.DataFrame:
    """Brand-voice score per brand handle: the share of its replies without any violation.

    Args:
        mentions: The mentions :func:`check_voice` checked (its brand replies are counted).
        violations: What :func:`check_voice` returned for them.
        handles: The same ``handles`` given to :func:`check_voice`.

    Returns:
        One row per handle with replies, columns :data:`SCORE_COLUMNS`: ``handle``,
        ``replies``, ``replies_with_violations``, ``score`` (0-100, one decimal: 100 x replies
        without violation / replies) and per rule of :data:`RULES` the number of replies that
        break it. Sorted by replies (most first), then handle.

    Examples:
        >>> mentions = pd.DataFrame({
        ...     "mention_id": ["b1", "b2", "b3", "b4"], "platform": "twitter",
        ...     "author_id": ["AcmeAir", "AcmeAir", "AcmeAir", "AcmeAirHelp"],
        ...     "is_brand": True, "in_reply_to_id": "c1"})
        >>> violations = pd.DataFrame({"mention_id": ["b1", "b1"], "handle": "AcmeAir",
        ...     "platform": "twitter", "rule": ["max_length", "banned_phrase"]})
        >>> voice_scores(mentions, violations)[["handle", "replies", "score", "max_length"]]
                handle  replies  score  max_length
        0      AcmeAir        3   66.7           1
        1  AcmeAirHelp        1  100.0           0
    """
    replies = brand_replies(mentions, handles)
    keys = pd.DataFrame(
        {
            "handle": _strings(replies, "author_id").fillna(_strings(replies, "author_name")),
            "platform": _strings(replies, "platform"),
            "mention_id": _strings(replies, "mention_id"),
        }
    ).fillna({"handle": "", "platform": ""})
    counts = keys.groupby("handle", sort=False).size().rename("replies")
    hits = pd.DataFrame(
        {
            "handle": violations["handle"].astype("string"),
            "platform": violations["platform"].astype("string"),
            "mention_id": violations["mention_id"].astype("string"),
            "rule": violations["rule"].astype("string"),
        }
    ).fillna({"handle": "", "platform": ""})
    # Only violations of the replies counted, each reply once per rule.
    hits = hits.merge(keys.drop_duplicates(), on=["handle", "platform", "mention_id"])
    hits = hits.drop_duplicates()
    per_reply = hits.drop_duplicates(["handle", "platform", "mention_id"])
    bad = per_reply.groupby("handle").size().rename("replies_with_violations")
    by_rule = (
        hits.groupby(["handle", "rule"]).size().unstack("rule")
        if len(hits)
        else pd.DataFrame(index=pd.Index([], name="handle"))
    )
    out = pd.concat([counts, bad, by_rule.reindex(columns=list(RULES))], axis=1)
    out = out.reindex(counts.index).fillna(0).astype("int64")
    out["score"] = (100 * (out["replies"] - out["replies_with_violations"]) / out["replies"]).round(
        1
    )
    out = out.rename_axis("handle").reset_index()
    out["handle"] = out["handle"].astype("string")
    out = out.sort_values(["replies", "handle"], ascending=[False, True], kind="stable")
    return out[list(SCORE_COLUMNS)].reset_index(drop=True)


def worst_examples(
    violations: pd.DataFrame, n: int = 10, *, rule: str | None = None
) -> pd.DataFrame:
    """The ``n`` replies with the most violations, one row each, for a report table.

    Args:
        violations: What :func:`check_voice` returned.
        n: How many replies.
        rule: Only replies breaking this rule (one of :data:`RULES`); their other violations
            are still listed.

    Returns:
        Columns :data:`EXAMPLE_COLUMNS`: the reply's ``mention_id``, ``handle``, ``platform``,
        ``created_at``, ``violations`` (how many), ``rules`` and ``details`` (joined with
        ``"; "`` in rule order), ``excerpt``, ``url``. Most violations first, then the most
        recent.

    Raises:
        ValueError: If ``rule`` is not one of :data:`RULES`.

    Examples:
        >>> violations = pd.DataFrame({"mention_id": ["b1", "b1", "b2"], "handle": "AcmeAir",
        ...     "platform": "twitter", "created_at": pd.Timestamp("2026-09-01", tz="UTC"),
        ...     "rule": ["max_length", "banned_phrase", "greeting"],
        ...     "detail": ["300 chars > 280 on twitter", 'banned phrase "calm down"', "..."],
        ...     "excerpt": ["Calm down ...", "Calm down ...", "Ok ^AM"], "url": None})
        >>> worst_examples(violations, 1)[["mention_id", "violations", "rules"]].values.tolist()
        [['b1', 2, 'max_length; banned_phrase']]
    """
    if rule is not None and rule not in RULES:
        raise ValueError(f"{rule!r} is not a brand-voice rule (allowed: {', '.join(RULES)})")
    frame = violations.copy()
    if "created_at" not in frame.columns:
        frame["created_at"] = pd.NaT
    keys = ["platform", "mention_id"]
    if rule is not None:
        chosen = frame.loc[frame["rule"] == rule, keys].drop_duplicates()
        frame = frame.merge(chosen, on=keys)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EXAMPLE_COLUMNS})
    # Rank the replies with built-in aggregations, then join rules and details of the top n.
    replies = (
        frame.groupby(keys, sort=False, dropna=False)
        .agg(
            handle=("handle", "first"),
            created_at=("created_at", "first"),
            violations=("rule", "size"),
            excerpt=("excerpt", "first"),
            url=("url", "first"),
        )
        .reset_index()
        .sort_values(
            ["violations", "created_at", "mention_id"],
            ascending=[False, False, True],
            kind="stable",
            na_position="last",
        )
        .head(n)
    )
    top = frame.merge(replies[keys], on=keys)
    top["_rank"] = top["rule"].map({r: i for i, r in enumerate(RULES)})
    top = top.sort_values("_rank", kind="stable")
    joined = top.groupby(keys, sort=False, dropna=False).agg(
        rules=("rule", lambda r: "; ".join(dict.fromkeys(r))), details=("detail", "; ".join)
    )
    out = replies.merge(joined.reset_index(), on=keys, how="left")
    return out[list(EXAMPLE_COLUMNS)].head(n).reset_index(drop=True)
