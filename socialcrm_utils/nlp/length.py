"""Length of a post as its platform counts it (brand-voice ``max_length``, reply templates).

``twitter`` and ``x`` count the way Twitter does, with the twitter-text library's v3 rules
(:func:`twitter_text.parse_tweet`, the Python port of Twitter's own twitter-text, checked
against its conformance suite): the text is NFC-normalised; every URL (``https://...``,
``www....``, ``t.co/...``, ``example.com/path``) counts 23 characters, as t.co shortens it;
code points in Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts and general punctuation
count 1; everything else counts 2: CJK characters, and an emoji, even one of several code
points (skin tone, ZWJ family), counts 2 in all. The limit is the playbook's (280 on Twitter).

Every other platform counts Unicode characters: code points after NFC normalisation (``e`` plus
a combining accent is one character), with no special rule for links or emoji.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .twitter import parse_tweet

__all__ = ["WEIGHTED_PLATFORMS", "count_length", "find_too_long"]

#: Platforms (lower case) whose length is Twitter's weighted length.
WEIGHTED_PLATFORMS: frozenset[str] = frozenset({"twitter", "x"})

# Upper bound of the weighted length: a code point weighs at most 2, and a URL (at least four
# characters, one of them a dot: "a.co") counts 23, at most 19 more than its characters weigh.
_URL_EXTRA = 19


def _platform_keys(texts: pd.Series, platforms: pd.Series | str) -> pd.Series:
    if isinstance(platforms, str):
        platforms = pd.Series(platforms, index=texts.index)
    return platforms.astype("string").str.strip().str.lower()


def count_length(texts: pd.Series, platforms: pd.Series | str) -> pd.Series:
    """Length of each text as its platform counts it (see the module docstring).

    Args:
        texts: The texts; NA gives NA.
        platforms: The platform of each text (case-insensitive), or one platform for all.

    Returns:
        An ``Int64`` Series on the index of ``texts``.

    Examples:
        >>> texts = pd.Series(["a" * 250 + " https://example.com/" + "x" * 40, "日本語"])
        >>> count_length(texts, "twitter").tolist(), count_length(texts, "facebook").tolist()
        ([274, 6], [311, 3])
    """
    strings = texts.astype("string")
    key = _platform_keys(texts, platforms)
    length = strings.str.normalize("NFC").str.len().astype("Int64")
    weighted = (key.isin(WEIGHTED_PLATFORMS).fillna(False) & strings.notna()).to_numpy(bool)
    if weighted.any():
        codes, uniques = pd.factorize(strings[weighted])
        counted = np.array([parse_tweet(str(t)).weightedLength for t in uniques], dtype=np.int64)
        length[weighted] = counted[codes]
    return length


def find_too_long(texts: pd.Series, platforms: pd.Series | str, limits: pd.Series) -> pd.Series:
    """The length of each text that is longer than its limit, NA for the others.

    Equal to ``count_length(...).where(count_length(...) > limits)``, but fast on many texts:
    the weighted count runs only where a cheap upper bound (twice the characters plus 19 per
    dot) exceeds the limit.

    Args:
        texts: The texts.
        platforms: The platform of each text, or one platform for all.
        limits: The maximum length of each text (NA: no limit), on the index of ``texts``.

    Returns:
        An ``Int64`` Series on the index of ``texts``.

    Examples:
        >>> texts = pd.Series(["日" * 141, "日" * 140, "x" * 141])
        >>> find_too_long(texts, "twitter", pd.Series([280, 280, 140])).tolist()
        [282, <NA>, 141]
    """
    strings = texts.astype("string")
    key = _platform_keys(texts, platforms)
    limit = pd.Series(limits, index=texts.index).astype("Float64")
    chars = strings.str.normalize("NFC").str.len().astype("Float64")
    dots = strings.str.count(r"\.").astype("Float64")
    weighted = key.isin(WEIGHTED_PLATFORMS).fillna(False).to_numpy(bool)
    bound = chars.where(~weighted, 2 * chars + _URL_EXTRA * dots)
    maybe = (bound > limit).fillna(False).to_numpy(bool)
    out = pd.Series(pd.NA, index=texts.index, dtype="Int64")
    if maybe.any():
        out[maybe] = count_length(strings[maybe], key[maybe]).to_numpy()
    return out.where((out.astype("Float64") > limit).fillna(False))
