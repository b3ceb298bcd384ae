"""Brand and competitor mentions in texts: whole-word-ish, case-insensitive term matching.

Shared by step 1 (scoping and preparing imported mentions) and step 3 (scoring mentions that
were not prepared), so it lives below both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..schema import text_of
from .prefilter import candidates

if TYPE_CHECKING:
    from ..playbook import Brand

__all__ = ["tag_brands"]

# Scripts written without spaces between words (kana, CJK ideographs, Hangul syllables): a
# brand name may touch their characters ("Velomiraの自転車"), so they do not count as letters
# at a term's edges.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f"
_LEFT_EDGE = f"(?<![^\\W{_UNSPACED}])"
_RIGHT_EDGE = f"(?![^\\W{_UNSPACED}])"


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word-ish, case-insensitive pattern for brand terms; None when there are none.

    A term must not touch a letter or digit on either side ("acme air" matches "ACME Air's"
    and "#acme air", not "acmeairline"); spaces inside a term match any whitespace. Letters
    of scripts written without spaces (Japanese, Chinese, Korean) may touch it.

    Examples:
        >>> pattern = _term_pattern(["velomira"])
        >>> [bool(pattern.search(t)) for t in ["Velomiraの自転車", "velomiras", "#velomira!"]]
        [True, False, True]
    """
    escaped = sorted(
        {re.escape(t.strip()).replace(r"\ ", r"\s+") for t in terms if t and t.strip()},
        key=len,
        reverse=True,
    )
    if not escaped:
        return None
    return re.compile(f"{_LEFT_EDGE}(?:" + "|".join(escaped) + f"){_RIGHT_EDGE}", re.IGNORECASE)


def _contains(text: pd.Series, pattern: re.Pattern[str] | None) -> np.ndarray:
    """Which texts ``pattern`` matches; the exact pattern runs only on RE2's candidates."""
    found = np.zeros(len(text), dtype=bool)
    if pattern is None:
        return found
    maybe = np.flatnonzero(candidates(text, pattern))
    if maybe.size:
        matched = text.iloc[maybe].str.contains(pattern, regex=True)
        found[maybe] = matched.fillna(False).to_numpy(bool)
    return found


def tag_brands(mentions: pd.DataFrame, brand: Brand) -> pd.DataFrame:
    """Tag which mentions name the brand and which name a competitor.

    Matching is case-insensitive and whole-word-ish: a term or handle must not touch a letter
    or digit on either side, so ``acme air`` matches "ACME Air's" but not "acmeairline", and
    ``@AcmeAir`` does not match "@AcmeAirHelp". A competitor's terms are its list in the
    playbook (its name when the list is empty); when several competitors appear, the first
    in playbook order wins.

    Args:
        mentions: Mentions with a ``text`` column.
        brand: The playbook's brand section.

    Returns:
        A copy of ``mentions`` with ``mentions_brand`` (bool: any brand term or handle appears)
        and ``competitor`` (string: the competitor's name, NA when none appears).

    Examples:
        >>> from socialcrm_utils.playbook import Brand
        >>> brand = Brand(handles=["@AcmeAir"], terms=["acme air"],
        ...               competitors={"Globex": ["globex"]})
        >>> tag_brands(pd.DataFrame({"text": ["ACME Air's lounge", "acmeairline", "Globex!"]}),
        ...            brand)
                        text  mentions_brand competitor
        0  ACME Air's lounge            True       <NA>
        1        acmeairline           False       <NA>
        2            Globex!           False     Globex
    """
    out = mentions.copy(deep=False)  # only whole columns are set: the input stays as it is
    codes, distinct = pd.factorize(text_of(mentions).astype("string"), use_na_sentinel=False)
    text = pd.Series(distinct, dtype="string")  # each distinct text is matched once
    tagged = _contains(text, _term_pattern([*brand.terms, *brand.handles]))
    competitor = pd.Series(pd.NA, index=text.index, dtype="string")
    for name, terms in reversed(list(brand.competitors.items())):
        found = _contains(text, _term_pattern(terms or [name]))
        competitor = competitor.mask(found, name)
    out["mentions_brand"] = np.asarray(tagged, dtype=bool)[codes]
    out["competitor"] = pd.array(competitor.to_numpy()[codes], dtype="string")
    return out
