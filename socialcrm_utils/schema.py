"""The canonical mention table and the shared vocabularies (intents, departments, KPIs).

Every importer maps into :data:`CANONICAL_COLUMNS`; every step reads it. One row is one post,
comment, reply or DM.
"""

from __future__ import annotations

import pandas as pd

from .canonical import (
    CANONICAL_COLUMNS,
    DEPARTMENTS,
    INTENTS,
    KPIS,
    MISSING_MARKERS,
    PRIORITIES,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
    Kpi,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "INTENTS",
    "PRIORITIES",
    "DEPARTMENTS",
    "KPIS",
    "Kpi",
    "empty_mentions",
    "empty_like",
    "conform_mentions",
    "text_of",
    "TEXT_COLUMNS",
    "MISSING_MARKERS",
    "blank_missing_markers",
    "about_brand",
    "has_intent",
]


def empty_mentions() -> pd.DataFrame:
    """Return an empty canonical mention table with the right dtypes.

    Examples:
        >>> list(empty_mentions().columns)[:3]
        ['mention_id', 'platform', 'source']
    """
    return conform_mentions(pd.DataFrame({c: [] for c in CANONICAL_COLUMNS}))


def conform_mentions(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns, in order, with canonical dtypes.

    Missing optional columns are added (strings as ``<NA>``, counts as ``<NA>``, ``is_brand``
    False). ``created_at`` must already be parsed; naive timestamps are taken as UTC. Extra
    columns are dropped. The input is not modified.

    Args:
        frame: Mentions with at least :data:`REQUIRED_COLUMNS`.

    Returns:
        A new frame in the canonical schema.

    Examples:
        >>> df = conform_mentions(pd.DataFrame({"mention_id": ["1"], "text": ["hi"],
        ...     "created_at": [pd.Timestamp("2026-01-01 10:00")]}))
        >>> str(df["created_at"].dtype), bool(df.loc[0, "is_brand"])
        ('datetime64[ns, UTC]', False)
    """
    out = pd.DataFrame(index=frame.index)
    for column, dtype in CANONICAL_COLUMNS.items():
        if column in frame.columns:
            values = frame[column]
        elif column == "is_brand":
            values = pd.Series(False, index=frame.index)
        else:
            values = pd.Series(pd.NA, index=frame.index, dtype="object")
        if column == "created_at":
            values = pd.to_datetime(values, utc=True).astype(dtype)
        elif dtype == "bool":
            values = values.fillna(False).astype(bool)
        elif dtype == "Int64":
            values = pd.to_numeric(values, errors="coerce").round().astype("Int64")
        else:
            values = values.astype("string")
        out[column] = values
    return out.reset_index(drop=True)


def empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with ``frame``'s columns and dtypes and no rows, holding none of its memory.

    (A zero-row slice would keep the column buffers alive; this builds new empty columns.)

    Examples:
        >>> df = pd.DataFrame({"text": pd.Series(["hi"], dtype="string"), "n": [1]})
        >>> empty = empty_like(df)
        >>> len(empty), empty.dtypes.astype(str).tolist()
        (0, ['string', 'int64'])
    """
    columns = {name: pd.Series([], dtype=dtype) for name, dtype in frame.dtypes.items()}
    return pd.DataFrame(columns, columns=frame.columns)


def text_of(frame: pd.DataFrame) -> pd.Series:
    """The mentions' text: ``text_redacted`` when present, else ``text``.

    Step functions read text through this, so they work on redacted artifacts and on freshly
    imported frames alike.

    Raises:
        KeyError: If the frame has neither column.

    Examples:
        >>> text_of(pd.DataFrame({"text_redacted": ["call [PHONE]"]})).tolist()
        ['call [PHONE]']
    """
    for column in TEXT_COLUMNS:
        if column in frame.columns:
            return frame[column]
    raise KeyError("the mentions have no text column (text_redacted or text)")


#: Optional text columns of the canonical table in which such markers mean missing.
_MARKER_COLUMNS: tuple[str, ...] = (
    "platform",
    "source",
    "author_id",
    "author_name",
    "url",
    "lang",
    "in_reply_to_id",
    "conversation_id",
)


def blank_missing_markers(
    mentions: pd.DataFrame, *, platform_default: str | None = "unknown"
) -> pd.DataFrame:
    """Read "NaN", "nan", "null", "None", "N/A" in optional columns as missing values.

    Exports written by pandas or spreadsheets spell an empty cell that way; read as text,
    "nan" would be a language, a platform or one conversation holding every unlinked post.
    ``mention_id`` and the text are never touched; a ``platform`` that was only a marker
    becomes ``platform_default`` (``unknown``, as for a file without platforms; None leaves it
    missing, for the importer to fill). The input is not modified.

    Examples:
        >>> df = pd.DataFrame({"platform": ["NaN", "x"], "lang": ["null", "de"],
        ...                    "text": ["None", "hi"]})
        >>> blank_missing_markers(df).values.tolist()
        [['unknown', <NA>, 'None'], ['x', 'de', 'hi']]
    """
    out = mentions.copy()
    for column in _MARKER_COLUMNS:
        if column in out.columns:
            values = out[column].astype("string")
            marker = values.str.strip().str.lower().isin(MISSING_MARKERS).fillna(False)
            if marker.any():
                values = values.mask(marker)
                out[column] = (
                    values.fillna(platform_default)
                    if column == "platform" and platform_default
                    else values
                )
    return out


def about_brand(scored: pd.DataFrame) -> pd.Series:
    """Customer posts that concern the client: not about a competitor only.

    A post counts for the brand when it names the brand (``mentions_brand``) or names no
    competitor (a reply in the brand's thread rarely repeats the brand's name). Posts that name
    only a competitor are kept in the data for share of voice but are not the client's volume.

    Examples:
        >>> df = pd.DataFrame({"is_brand": [False, False, False, True],
        ...     "mentions_brand": [True, False, False, False],
        ...     "competitor": ["Globex", "Globex", None, None]})
        >>> about_brand(df).tolist()
        [True, False, True, False]
    """
    customer = ~scored["is_brand"].astype(bool)
    return customer & (scored["mentions_brand"].astype(bool) | scored["competitor"].isna())


def has_intent(scored: pd.DataFrame, intent: str) -> pd.Series:
    """Which posts are of one intent, as a flag: ``is_<intent>``, else ``intent == <intent>``.

    A post can be several things (a complaint asked as a question): the multi-label flags of
    :func:`socialcrm_utils.steps.listening.score_mentions` say so. Frames written before the
    flags existed (old artifacts) have only the primary ``intent``, which is used then; without
    either, no post has the intent.

    Args:
        scored: Scored mentions (``is_complaint`` ... and/or ``intent``).
        intent: ``complaint``, ``question``, ``praise`` or ``lead``.

    Returns:
        A boolean Series on ``scored``'s index (missing values are False).

    Examples:
        >>> df = pd.DataFrame({"intent": ["question", "complaint", "question"],
        ...                    "is_complaint": [True, True, False]})
        >>> has_intent(df, "complaint").tolist(), has_intent(df[["intent"]], "complaint").tolist()
        ([True, True, False], [False, True, False])
    """
    flag = f"is_{intent}"
    if flag in scored.columns:
        values = scored[flag].astype("boolean").fillna(False)
    elif "intent" in scored.columns:
        values = scored["intent"].astype("string").eq(intent).fillna(False)
    else:
        values = pd.Series(False, index=scored.index)
    return values.astype(bool)
