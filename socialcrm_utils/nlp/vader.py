"""VADER sentiment (Hutto & Gilbert, 2014), implemented here on NLTK's public data only.

:class:`VaderScorer` reproduces ``nltk.sentiment.vader.SentimentIntensityAnalyzer``'s
``polarity_scores`` exactly (same floats, operation for operation), from two public inputs:
the lexicon NLTK loads (``SentimentIntensityAnalyzer().lexicon``; the same file, parsed the
same way, from the project-local NLTK data folder by
:func:`~socialcrm_utils.nlp.resources.vader_lexicon`) and the public constants of
:class:`nltk.sentiment.vader.VaderConstants` (boosters, negations, idioms, scalars; cached as
JSON by :func:`~socialcrm_utils.nlp.resources.vader_constants`, so that scoring never imports
``nltk``). No private NLTK name is used; ``tests/test_vader_compat.py`` compares every score
with NLTK's on the real data sets and on a hand-made case per rule.

The rules, as NLTK implements them (NLTK's ``vader.py`` is the reference, quirks included):

- **Tokens**: the whitespace tokens of at least two characters; a token that is a word plus
  one of VADER's punctuation marks (``PUNC_LIST``) before or after it becomes the word
  (``"great!"`` -> ``"great"``, ``"great!!"`` -> ``"great"``, ``":)"`` stays).
- **Valence**: a token's lower-case form looked up in the lexicon; boosters (``"very"``) and
  ``"kind"`` before ``"of"`` count 0 themselves. A repeated token is read at its first position.
- **Capitals**: a lexicon word (and a booster) in ALL CAPS while other tokens are not gains
  ``C_INCR`` (0.733) in the direction of its valence.
- **Boosters**: up to three non-lexicon tokens before a word add ``B_INCR``/``B_DECR``
  (+-0.293), scaled by 0.95 and 0.9 at distance two and three.
- **Negation**: a negation (``NEGATE`` or anything with "n't") up to three tokens before
  multiplies by ``N_SCALAR`` (-0.74); "never so/this" multiplies by 1.5 (distance two) or 1.25
  (distance three, where NLTK also applies 1.25 after a bare "so"/"this" just before the word).
- **Idioms** (``SPECIAL_CASE_IDIOMS``) replace the valence, and "kind of"/"sort of"/"just
  enough" before a word add ``B_DECR``, when the third token before is not a lexicon word.
- **"least"** before a word negates it, except in "at least" and "very least".
- **"but"**: valences before the first "but" are halved, those after it multiplied by 1.5.
- **Punctuation emphasis**: up to four "!" add 0.292 each; two or three "?" add 0.18 each, more
  add 0.96; added away from zero.
- **Normalisation**: ``compound = s / sqrt(s * s + 15)``, rounded to 4 decimals.

Speed: tokenising and looking a token up do not depend on its context, so each distinct
whitespace token is mapped once (word, lower case, capitals, lexicon entry) and cached; only
lexicon words, a few per text, run the context rules. NLTK builds a dictionary of every word
times every punctuation mark of each text instead.
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Mapping, Sequence
from itertools import compress
from pathlib import Path
from typing import NamedTuple

from .. import config
from .resources import vader_constants, vader_lexicon

__all__ = [
    "B_DECR",
    "BOOSTER_DICT",
    "C_INCR",
    "N_SCALAR",
    "NEGATE",
    "PUNC_LIST",
    "SPECIAL_CASE_IDIOMS",
    "VaderScorer",
    "VaderText",
    "tokenize_vader",
    "vader_scorer",
]

_CONSTANTS = vader_constants()
#: NLTK's public constants (:class:`nltk.sentiment.vader.VaderConstants`).
B_DECR: float = _CONSTANTS["B_DECR"]
C_INCR: float = _CONSTANTS["C_INCR"]
N_SCALAR: float = _CONSTANTS["N_SCALAR"]
NEGATE: frozenset[str] = _CONSTANTS["NEGATE"]
BOOSTER_DICT: Mapping[str, float] = _CONSTANTS["BOOSTER_DICT"]
SPECIAL_CASE_IDIOMS: Mapping[str, float] = _CONSTANTS["SPECIAL_CASE_IDIOMS"]
PUNC_LIST: tuple[str, ...] = _CONSTANTS["PUNC_LIST"]

# The punctuation NLTK strips to find words (``REGEX_REMOVE_PUNCTUATION``), the marks a
# token may carry, and the characters of those marks.
_PUNCTUATION = frozenset(string.punctuation)
_MARKS = frozenset(PUNC_LIST)
_MARK_CHARS = frozenset("".join(PUNC_LIST))
# Every word of a multi-word idiom or booster: an idiom can only match where one occurs.
_IDIOM_WORDS = frozenset(
    word for key in (*SPECIAL_CASE_IDIOMS, *BOOSTER_DICT) if " " in key for word in key.split()
)
_SO_THIS = ("so", "this")
#: Distinct tokens kept in a scorer's cache before it starts afresh (bounds its memory).
TOKEN_CACHE_SIZE = 200_000


class VaderText(NamedTuple):
    """A text as VADER reads it.

    Attributes:
        words: NLTK's ``words_and_emoticons``.
        lowered: Each word in lower case.
        is_cap_diff: Some but not all words are in ALL CAPS.
        scored: Positions of the words whose valence needs the context rules (lexicon
            words that are not boosters), under the lexicon of the scorer that read the text.
    """

    words: Sequence[str]
    lowered: Sequence[str]
    is_cap_diff: bool
    scored: list[int]


def _map_token(token: str) -> str:
    """The word a whitespace token stands for under NLTK's rule, or the token itself.

    NLTK maps ``mark + word`` and ``word + mark`` (``mark`` in ``PUNC_LIST``, ``word`` a
    punctuation-free word of at least two characters of the text) to ``word``. A word holds no
    punctuation, so the mark is the token's whole leading or trailing run of mark characters,
    and the rest is a word of the text exactly when it is punctuation-free (the token itself,
    stripped of punctuation, is then that word).
    """
    size = len(token)
    end = size
    while end > 0 and token[end - 1] in _MARK_CHARS:
        end -= 1
    if 1 < end < size and token[end:] in _MARKS and _PUNCTUATION.isdisjoint(token[:end]):
        return token[:end]
    start = 0
    while start < size and token[start] in _MARK_CHARS:
        start += 1
    if 0 < start < size - 1 and token[:start] in _MARKS and _PUNCTUATION.isdisjoint(token[start:]):
        return token[start:]
    return token


def tokenize_vader(text: str) -> list[str]:
    """NLTK VADER's tokens of a text (``SentiText(text, ...).words_and_emoticons``).

    Args:
        text: Any text.

    Returns:
        The tokens.

    Examples:
        >>> tokenize_vader("Great flight!! :) a ,crew, 'ok' ok?")
        ['Great', 'flight', ':)', ',crew,', "'ok'", 'ok']
    """
    return [_map_token(token) for token in text.split() if len(token) > 1]


class VaderScorer:
    """VADER's ``polarity_scores`` on a lexicon, with per-token work cached.

    Args:
        lexicon: Lower-case word -> valence, as ``SentimentIntensityAnalyzer().lexicon``.

    Examples:
        >>> scorer = VaderScorer({"good": 1.9, "bad": -2.5})
        >>> scorer.compound("The food was very good!"), scorer.compound("not bad, but not GOOD")
        (0.54, -0.4584)
    """

    def __init__(self, lexicon: Mapping[str, float]) -> None:
        self.lexicon: dict[str, float] = dict(lexicon)
        self._tokens: dict[str, tuple[str, str, bool, bool]] = {}

    def read(self, text: str) -> VaderText:
        """Tokenise a text and mark the words that need the context rules.

        Args:
            text: The text.

        Returns:
            The text as VADER reads it.
        """
        get = self._tokens.get
        infos = [get(token) or self._token_info(token) for token in text.split() if len(token) > 1]
        if not infos:
            return VaderText((), (), False, [])
        words, lowered, upper, lexical = zip(*infos, strict=True)
        size = len(words)
        return VaderText(
            words, lowered, 0 < size - sum(upper) < size, list(compress(range(size), lexical))
        )

    def _token_info(self, token: str) -> tuple[str, str, bool, bool]:
        """A token's word, its lower case, ALL CAPS, needs the context rules; cached."""
        if len(self._tokens) >= TOKEN_CACHE_SIZE:
            self._tokens.clear()
        word = _map_token(token)
        lower = word.lower()
        info = (word, lower, word.isupper(), lower in self.lexicon and lower not in BOOSTER_DICT)
        self._tokens[token] = info
        return info

    def valences(self, text: VaderText) -> list[float]:
        """One valence per word before the "but" rule (NLTK's ``polarity_scores`` loop).

        Args:
            text: A text read by this scorer (:meth:`read`).

        Returns:
            The valences; 0 for words without one.
        """
        sentiments: list[float] = [0] * len(text.words)
        done: dict[str, float] = {}
        words = text.words
        for pos in text.scored:
            word = words[pos]
            valence = done.get(word)
            if valence is None:  # first occurrence: VADER reads a repeated word here
                valence = done[word] = self.valence_at(text, pos)
            sentiments[pos] = valence
        return sentiments

    def valence_at(self, text: VaderText, i: int) -> float:
        """The valence of the word at position ``i``, with every context rule.

        Args:
            text: A text read by any scorer (the rules use this scorer's lexicon).
            i: The position (VADER reads a repeated word at its first position).

        Returns:
            The valence; 0 for a booster, "kind" before "of" and a word not in the lexicon.
        """
        lowered = text.lowered
        lower = lowered[i]
        if lower not in self.lexicon or lower in BOOSTER_DICT:
            return 0
        if lower == "kind" and i < len(lowered) - 1 and lowered[i + 1] == "of":
            return 0
        return self._context_valence(text, i)

    def _context_valence(self, text: VaderText, i: int) -> float:
        """NLTK's ``sentiment_valence`` for a lexicon word, operation for operation."""
        words, lowered, is_cap_diff = text.words, text.lowered, text.is_cap_diff
        lexicon = self.lexicon
        valence = lexicon[lowered[i]]
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(3):
            j = i - start_i - 1
            if j < 0 or lowered[j] in lexicon:
                continue
            scalar = _scalar_inc_dec(words[j], lowered[j], valence, is_cap_diff)
            if start_i == 1 and scalar != 0:
                scalar = scalar * 0.95
            if start_i == 2 and scalar != 0:
                scalar = scalar * 0.9
            valence = valence + scalar
            valence = _never_check(valence, words, lowered, start_i, i)
            if start_i == 2 and not _IDIOM_WORDS.isdisjoint(words[i - 3 : i + 3]):
                valence = _idioms_check(valence, words, i)
        return _least_check(valence, lowered, lexicon, i)

    def compound_of(self, lowered: Sequence[str], sentiments: list[float], text: str) -> float:
        """VADER's compound of word valences: the "but" rule, punctuation, normalisation.

        Args:
            lowered: The words in lower case.
            sentiments: Their valences (not changed).
            text: The text (for "!" and "?").

        Returns:
            The compound score, rounded to 4 decimals.
        """
        if not sentiments:
            return 0.0
        total = float(sum(_but_check(lowered, sentiments)))
        emphasis = _punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return round(total / math.sqrt((total * total) + 15), 4)

    def compound(self, text: str) -> float:
        """VADER's compound score of a text.

        Args:
            text: The text.

        Returns:
            ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`` for the same
            lexicon.
        """
        read = self.read(text)
        if not read.scored:
            return 0.0
        return self.compound_of(read.lowered, self.valences(read), text)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """VADER's four scores of a text, as ``SentimentIntensityAnalyzer.polarity_scores``.

        Args:
            text: The text.

        Returns:
            ``{"neg", "neu", "pos", "compound"}``.
        """
        read = self.read(text)
        valences = self.valences(read)
        sentiments = _but_check(read.lowered, valences)
        if not sentiments:
            return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
        emphasis = _punctuation_emphasis(text)
        pos_sum, neg_sum, neu_count = 0.0, 0.0, 0
        for score in sentiments:
            if score > 0:
                pos_sum += float(score) + 1
            if score < 0:
                neg_sum += float(score) - 1
            if score == 0:
                neu_count += 1
        if pos_sum > math.fabs(neg_sum):
            pos_sum += emphasis
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= emphasis
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return {
            "neg": round(math.fabs(neg_sum / total), 3),
            "neu": round(math.fabs(neu_count / total), 3),
            "pos": round(math.fabs(pos_sum / total), 3),
            "compound": self.compound_of(read.lowered, valences, text),
        }


def _scalar_inc_dec(word: str, lower: str, valence: float, is_cap_diff: bool) -> float:
    """The booster or dampener effect of a preceding word (0.0 for any other word)."""
    scalar = 0.0
    if lower in BOOSTER_DICT:
        scalar = BOOSTER_DICT[lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                scalar += C_INCR
            else:
                scalar -= C_INCR
    return scalar


def _negated(lower: str) -> bool:
    """A negation word, or a word with "n't"."""
    return lower in NEGATE or "n't" in lower


def _never_check(
    valence: float, words: Sequence[str], lowered: Sequence[str], start_i: int, i: int
) -> float:
    """Negation at distance ``start_i + 1``, and "never so/this" (case-sensitive, as NLTK)."""
    if start_i == 0:
        if _negated(lowered[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if words[i - 2] == "never" and words[i - 1] in _SO_THIS:
            valence = valence * 1.5
        elif _negated(lowered[i - 2]):
            valence = valence * N_SCALAR
    elif (words[i - 3] == "never" and words[i - 2] in _SO_THIS) or words[i - 1] in _SO_THIS:
        valence = valence * 1.25
    elif _negated(lowered[i - 3]):
        valence = valence * N_SCALAR
    return valence


def _idioms_check(valence: float, words: Sequence[str], i: int) -> float:
    """Special-case idioms around the word, and "kind of"-style dampeners before it."""
    onezero = f"{words[i - 1]} {words[i]}"
    twoonezero = f"{words[i - 2]} {words[i - 1]} {words[i]}"
    twoone = f"{words[i - 2]} {words[i - 1]}"
    threetwoone = f"{words[i - 3]} {words[i - 2]} {words[i - 1]}"
    threetwo = f"{words[i - 3]} {words[i - 2]}"
    for sequence in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if sequence in SPECIAL_CASE_IDIOMS:
            valence = SPECIAL_CASE_IDIOMS[sequence]
            break
    if len(words) - 1 > i:
        zeroone = f"{words[i]} {words[i + 1]}"
        if zeroone in SPECIAL_CASE_IDIOMS:
            valence = SPECIAL_CASE_IDIOMS[zeroone]
    if len(words) - 1 > i + 1:
        zeroonetwo = f"{words[i]} {words[i + 1]} {words[i + 2]}"
        if zeroonetwo in SPECIAL_CASE_IDIOMS:
            valence = SPECIAL_CASE_IDIOMS[zeroonetwo]
    if threetwo in BOOSTER_DICT or twoone in BOOSTER_DICT:
        valence = valence + B_DECR
    return valence


def _least_check(
    valence: float, lowered: Sequence[str], lexicon: Mapping[str, float], i: int
) -> float:
    """A "least" before the word negates it, except after "at" or "very"."""
    if i > 1 and lowered[i - 1] not in lexicon and lowered[i - 1] == "least":
        if lowered[i - 2] != "at" and lowered[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lowered[i - 1] not in lexicon and lowered[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _but_check(lowered: Sequence[str], sentiments: list[float]) -> list[float]:
    """Valences before the first "but" halved, after it times 1.5 (a new list)."""
    if "but" not in lowered:
        return list(sentiments)
    bi = lowered.index("but")
    return [s * 0.5 if k < bi else s * 1.5 if k > bi else s for k, s in enumerate(sentiments)]


def _punctuation_emphasis(text: str) -> float:
    """Emphasis from up to four "!" and from two or more "?"."""
    ep_amplifier = min(text.count("!"), 4) * 0.292
    qm_count = text.count("?")
    qm_amplifier = 0.0
    if qm_count > 1:
        qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep_amplifier + qm_amplifier


@functools.cache
def vader_scorer(data_dir: Path = config.NLTK_DATA_DIR) -> VaderScorer:
    """The scorer on NLTK's VADER lexicon from the project-local NLTK data folder.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Returns:
        A scorer (cached per folder and process).

    Raises:
        ResourceMissingError: If the lexicon is missing and cannot be installed.

    Examples:
        >>> vader_scorer().compound("The flight was great!")
        0.6588
    """
    return VaderScorer(vader_lexicon(data_dir))
