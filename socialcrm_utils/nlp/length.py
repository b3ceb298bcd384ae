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

__all__ = ["WEIGHTED_PLATFORMS", "count_length", "find_too_long", "weighted_upper_bound"]

#: Platforms (lower case) whose length is Twitter's weighted length.
WEIGHTED_PLATFORMS: frozenset[str] = frozenset({"twitter", "x"})

# An upper bound of the weighted length, counted on the NFC text by three RE2 passes, so that
# parse_tweet (about 0.7 ms a text) runs only where a text may be over its limit. Every code point
# weighs 1 or 2 (_HEAVY: outside twitter-text v3's weight-1 ranges); an emoji counts 2, more than
# its code points weigh only when it is one code point of weight 1 (_LIGHT_EMOJI: the only two
# such emoji of twitter-text's list); a URL counts 23 and has at least four characters ("a.co"),
# so at most 19 more than its characters weigh, and holds a dot followed by the first letter of
# its top-level domain (an ASCII letter, in either case, or a non-ASCII letter; never a digit):
# _URL_DOT counts those pairs, at least one per URL. Patterns hold literal characters, not
# escapes, so that pandas hands them to pyarrow.
_URL_EXTRA = 19
_HEAVY = "[\u1100-\u1fff\u200e\u200f\u2020-\u2031\u2038-\U0010ffff]"
_LIGHT_EMOJI = "[\u00a9\u00ae]"
_URL_DOT = "\\.[A-Za-z\u0080-\U0010ffff]"


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
    the weighted count runs only where a cheap upper bound exceeds the limit (the characters,
    plus one per code point weighing 2 and per "©" or "®", plus 19 per dot that may end a
    URL's domain: :func:`weighted_upper_bound`).

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
    normal = strings.str.normalize("NFC")
    bound = normal.str.len().astype("Float64")
    weighted = key.isin(WEIGHTED_PLATFORMS).fillna(False).to_numpy(bool)
    if weighted.any():
        bound[weighted] = _weighted_bound(normal[weighted]).to_numpy()
    maybe = (bound > limit).fillna(False).to_numpy(bool)
    out = pd.Series(pd.NA, index=texts.index, dtype="Int64")
    if maybe.any():
        out[maybe] = count_length(strings[maybe], key[maybe]).to_numpy()
    return out.where((out.astype("Float64") > limit).fillna(False))


def weighted_upper_bound(texts: pd.Series) -> pd.Series:
    """An upper bound of each text's Twitter weighted length, cheap to count on many texts.

    The characters after NFC normalisation, plus one per code point that weighs 2 and per
    "©" or "®" (an emoji counts 2; these two are its only one-character forms that weigh 1),
    plus 19 per dot followed by an ASCII letter or a non-ASCII character (a URL counts 23,
    has at least four characters and holds such a dot before its top-level domain). Never
    below ``count_length(texts, "twitter")``, and the same on most texts without a link.

    Args:
        texts: The texts; NA gives NA.

    Returns:
        An ``Int64`` Series on the index of ``texts``.

    Examples:
        >>> texts = pd.Series(["Hi there", "日本語", "see example.com/help", "©"])
        >>> weighted_upper_bound(texts).tolist(), count_length(texts, "twitter").tolist()
        ([8, 6, 39, 2], [8, 6, 27, 2])
    """
    return _weighted_bound(texts.astype("string").str.normalize("NFC")).astype("Int64")


def _weighted_bound(normal: pd.Series) -> pd.Series:
    """:func:`weighted_upper_bound` of NFC-normalised strings, as ``Float64``."""
    bound = (
        normal.str.len()
        + normal.str.count(_HEAVY)
        + normal.str.count(_LIGHT_EMOJI)
        + _URL_EXTRA * normal.str.count(_URL_DOT)
    )
    return bound.astype("Float64")
