"""Shared pieces of step 6: column checks, who posted, display texts and language names.

Used by the other modules of :mod:`socialcrm_utils.steps.content`; not part of its public
surface.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

UNKNOWN_LANG = "und"  # BCP 47 "undetermined"
#: Languages with question words, stop words and reply wording of their own.
RULE_LANGUAGES: tuple[str, ...] = ("en", "de")
_LANG_NAMES = {"en": "English", "de": "German", UNKNOWN_LANG: "other-language"}
_EDGE_HANDLES = r"^(?:[\s.]*@\w+[\s,:;]*)+|(?:\s+@\w+)+\s*$"
#: A word: a letter, then letters, digits, apostrophes and hyphens.
WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*")
#: Characters after which a word starts a sentence (so its capital says nothing).
SENTENCE_START = '.!?:"„“”»«(['
#: The space after a sentence's ``. ! ?``.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming the columns ``what`` needs that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {', '.join(missing)}; pass the scored mention table "
            "of step 3 (canonical columns plus intent)."
        )


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with these columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def customer_posts(frame: pd.DataFrame) -> pd.Series:
    """True for customer posts: ``is_brand`` false, else ``is_customer`` true, else all."""
    if "is_brand" in frame.columns:
        return ~frame["is_brand"].astype("boolean").fillna(False).astype(bool)
    if "is_customer" in frame.columns:
        return frame["is_customer"].astype("boolean").fillna(False).astype(bool)
    return pd.Series(True, index=frame.index)


def brand_posts(frame: pd.DataFrame) -> pd.Series:
    """True for the brand's own posts (``is_brand``; NA counts as false)."""
    return frame["is_brand"].astype("boolean").fillna(False).astype(bool)


def strip_handles(text: pd.Series) -> pd.Series:
    """Texts for display: leading and trailing ``@handles`` removed (those inside a sentence
    are part of it), whitespace collapsed, leading punctuation removed.

    Examples:
        >>> strip_handles(pd.Series(["@AcmeAir @bob  can I  change my seat? @x"])).tolist()
        ['can I change my seat?']
    """
    text = text.astype("string").str.replace(r"\s+", " ", regex=True)
    # Only texts with an "@" can have an edge handle (the pattern is slow on long texts).
    at = np.flatnonzero(text.str.contains("@", regex=False).fillna(False).to_numpy(dtype=bool))
    if len(at):
        text = text.copy()
        text.iloc[at] = text.iloc[at].str.replace(_EDGE_HANDLES, "", regex=True).to_numpy()
    return text.str.replace(r"^[\s.,:;\-–]+", "", regex=True).str.strip()


def term_words(terms: Iterable[str]) -> list[str]:
    """The words :func:`term_pattern` matches: ``#``/``@`` and spaces stripped, lower case,
    distinct, longest first.

    Examples:
        >>> term_words(["ACME Air", "@acmeair", "#ACME", " "])
        ['acme air', 'acmeair', 'acme']
    """
    return sorted({t.strip().lstrip("#@").lower() for t in terms} - {""}, key=len, reverse=True)


def words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for whole words already prepared by :func:`term_words`
    (longest first: the order of words of one length does not change what it matches)."""
    words = list(words)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for whole-word terms (``#``/``@`` prefixes ignored)."""
    return words_pattern(term_words(terms))


def lang_name(lang: str) -> str:
    """``"English"``, ``"German"``, else the code."""
    return _LANG_NAMES.get(lang, lang)
