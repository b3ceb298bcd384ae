"""Normalise imported mentions: language, near-duplicates and retweets, brand tags.

Pure, vectorised functions on the canonical mention table (:mod:`socialcrm_utils.schema`),
meant to run right after import and before listening:

- :func:`detect_language` names the language of each text (``und`` when it cannot tell),
- :func:`flag_near_duplicates` marks copies (copy-paste campaigns, retweets, templated replies)
  without dropping them, so they stay countable,
- :func:`normalize_mentions` does both and tags brand and competitor mentions.

Language identification uses `py3langid <https://pypi.org/project/py3langid/>`_, a maintained
fork of langid.py: its naive-Bayes model ships inside the wheel (no download at run time, works
offline, as the suite's NLP must), it is deterministic (same text, same answer, on every
machine), fast (tens of thousands of short texts per second on one core) and has no native
dependencies beyond NumPy. Its probabilities can be restricted to a set of languages, which
matters for short social posts: an open set of 97 languages turns "Flight delayed again" into
Latin or Scots now and then.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .listening import tag_brands
from .nlp.sentiment import normalize_lang
from .playbook import Playbook
from .schema import text_of

__all__ = [
    "DEFAULT_LANGUAGES",
    "OTHER_SCRIPT_LANGUAGES",
    "UNDETERMINED",
    "MIN_LETTERS",
    "MIN_CONFIDENCE",
    "MIN_DUPLICATE_CHARS",
    "NORMALIZED_COLUMNS",
    "detect_language",
    "fill_languages",
    "normalize_text",
    "flag_near_duplicates",
    "normalize_mentions",
]

logger = logging.getLogger(__name__)

#: Languages written in their own script (Japanese, Chinese, Korean, Cyrillic, Arabic, Hebrew,
#: Greek, Devanagari, Thai): in :data:`DEFAULT_LANGUAGES` so that a post in one of them is named
#: (``ja``) instead of ``und``; they cannot be confused with a Latin-script post.
OTHER_SCRIPT_LANGUAGES: tuple[str, ...] = ("ja", "zh", "ko", "ru", "uk", "ar", "he", "el", "hi",
                                           "th")
#: Languages :func:`detect_language` chooses from unless told otherwise: English and German
#: (first-class in the suite), the other large languages of the EU/DACH market, and
#: :data:`OTHER_SCRIPT_LANGUAGES`.
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "tr",
                                      *OTHER_SCRIPT_LANGUAGES)
#: Language code for texts whose language cannot be told (ISO 639-2 "undetermined").
UNDETERMINED = "und"
#: Texts with fewer letters than this (after URLs, handles and emoji are removed) are ``und``.
MIN_LETTERS = 5
#: Below this probability (normalised over the allowed languages) the answer is ``und``.
MIN_CONFIDENCE = 0.5
#: Normalised texts shorter than this are never flagged as near-duplicates ("thanks!").
MIN_DUPLICATE_CHARS = 20
#: Columns :func:`flag_near_duplicates` adds.
NORMALIZED_COLUMNS: tuple[str, ...] = ("duplicate_of", "is_retweet")

_MAX_CHARS = 1000  # language is decided on the first 1,000 characters: enough, and bounded
_RT_PREFIX = r"^\s*(?:RT\s+@\w+:?\s*)+"
_URL = r"(?:https?://|www\.)\S+"
_HANDLE = r"@\w+"
_NOISE = f"{_RT_PREFIX}|{_URL}|{_HANDLE}|#"  # removed before language identification
_NOT_KEY = f"{_RT_PREFIX}|{_URL}|{_HANDLE}|(?:[^\\w@]|_)+|@"  # removed from near-duplicate keys
# _NOT_KEY in two passes, the same result: prefixes, URLs and handles (only in texts with "@",
# "http" or "www."), then every run of non-word characters and underscores.
_KEY_NOISE = re.compile(f"{_RT_PREFIX}|{_URL}|{_HANDLE}")
_KEY_SEPARATORS = re.compile(r"[\W_]+")
_NON_LETTER = r"[\W\d_]+"


@functools.lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):  # -> py3langid LanguageIdentifier
    """The language identifier restricted to ``languages`` (loaded once per set, ~0.5 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    unknown = sorted(set(languages) - set(identifier.labels))
    if unknown:
        raise ValueError(
            f"language code(s) {', '.join(unknown)} are not known to py3langid (use ISO 639-1 "
            f"codes such as {', '.join(DEFAULT_LANGUAGES)})"
        )
    identifier.set_languages(list(languages))
    return identifier


def _strip_noise(texts: pd.Series) -> pd.Series:
    """Texts without retweet prefixes, URLs, @handles and ``#`` signs (hashtag words stay)."""
    text = texts.astype("string").str.slice(0, _MAX_CHARS)
    text = text.str.replace(_NOISE, " ", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def detect_language(
    texts: pd.Series,
    allowed: Iterable[str] = DEFAULT_LANGUAGES,
    *,
    min_letters: int = MIN_LETTERS,
    min_confidence: float = MIN_CONFIDENCE,
) -> pd.Series:
    """Language of each text, chosen among ``allowed``; ``und`` when it cannot be told.

    URLs, @handles, retweet prefixes and ``#`` signs are removed first; a text with fewer than
    ``min_letters`` letters left (empty, emoji-only, "ok") is ``und``, and so is one whose
    most likely language has a probability (over ``allowed``) below ``min_confidence``.
    Identical cleaned texts are classified once, so retweets and campaigns cost nothing extra.
    Only the first 1,000 characters are read. See the module docstring for why py3langid.

    Args:
        texts: The texts (any index; missing values allowed).
        allowed: ISO 639-1 codes to choose from (default :data:`DEFAULT_LANGUAGES`).
        min_letters: Fewest letters a text needs to be classified.
        min_confidence: Lowest probability accepted.

    Returns:
        A ``string`` Series of language codes on ``texts``' index.

    Raises:
        ValueError: If ``allowed`` is empty or names a language the model does not know.

    Examples:
        >>> texts = pd.Series(["Where is my luggage? Nobody answers.",
        ...                    "Wo ist mein Koffer? Niemand antwortet.", "👍🙂", "",
        ...                    "荷物はどこですか？"])
        >>> detect_language(texts).tolist()
        ['en', 'de', 'und', 'und', 'ja']
    """
    languages = tuple(sorted({str(code).strip().lower() for code in allowed}))
    if not languages:
        raise ValueError("allowed must name at least one language (e.g. ('en', 'de'))")
    identifier = _identifier(languages)
    distinct = pd.Series(texts.dropna().astype("string").unique(), dtype="string")
    cleaned = _strip_noise(distinct)
    letters = cleaned.str.replace(_NON_LETTER, "", regex=True).str.len().fillna(0)
    cleaned = cleaned.where(letters >= min_letters)
    by_clean: dict[str, str] = {}
    for text in cleaned.dropna().unique().tolist():
        code, probability = identifier.classify(text)
        by_clean[text] = code if probability >= min_confidence else UNDETERMINED
    codes = cleaned.map(by_clean).fillna(UNDETERMINED)
    lookup = dict(zip(distinct.tolist(), codes.tolist(), strict=True))
    result = texts.astype("string").map(lookup)
    result = result.astype("string").fillna(UNDETERMINED)
    logger.debug("detect_language: %d texts, %d distinct, %d classified", len(texts),
                 len(distinct), len(by_clean))
    return result.rename("lang")


def normalize_text(texts: pd.Series) -> pd.Series:
    """The key two texts share when they are near-duplicates.

    Lower-cased; ``RT @x:`` prefixes, URLs, @handles, punctuation, symbols, emoji and
    whitespace removed (letters and digits stay, of every script).

    Examples:
        >>> normalize_text(pd.Series(["RT @anna: Where is MY bag?! https://t.co/x @AcmeAir"]))
        0    whereismybag
        dtype: string
    """
    codes, distinct = pd.factorize(texts.astype("string"), use_na_sentinel=True)
    keys = pd.array([_key(text) for text in distinct.tolist()], dtype="string")
    # Each distinct text once (copies and templates are common), then back to every row.
    return pd.Series(keys.take(codes, allow_fill=True), index=texts.index, dtype="string")


def _key(text: str) -> str:
    if "@" in text or "http" in text or "www." in text:
        text = _KEY_NOISE.sub("", text)
    return _KEY_SEPARATORS.sub("", text).lower()


def flag_near_duplicates(
    mentions: pd.DataFrame, *, min_chars: int = MIN_DUPLICATE_CHARS
) -> pd.DataFrame:
    """Flag copies of earlier posts and retweets; nothing is dropped.

    Two mentions are near-duplicates when their :func:`normalize_text` keys are equal and at
    least ``min_chars`` long. The earliest of a group (by ``created_at``, then row order) is
    the original; every later one gets its ``mention_id`` in ``duplicate_of``. Copy-paste
    campaigns therefore stay countable (``duplicate_of.notna()``), and a listening step can
    choose to score each text once. Brand replies are compared too: templated answers show
    up as duplicates of the first one.

    Args:
        mentions: Mentions with ``mention_id`` and ``text`` (or ``text_redacted``);
            ``created_at`` orders them when present.
        min_chars: Shortest normalised text that can be a duplicate.

    Returns:
        A copy of ``mentions`` with ``duplicate_of`` (string, ``<NA>`` for originals and
        unique posts) and ``is_retweet`` (bool: the text starts with ``RT @``).

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3"], "text": [
        ...     "Lost my bag at BER airport again!!", "RT @x: lost my bag at BER airport, again",
        ...     "ok"]})
        >>> flag_near_duplicates(df)[["duplicate_of", "is_retweet"]].values.tolist()
        [[<NA>, False], ['1', True], [<NA>, False]]
    """
    out = mentions.copy()
    raw_text = text_of(mentions).astype("string")
    key = normalize_text(raw_text)
    key = key.where(key.str.len() >= min_chars)
    codes = pd.factorize(key.to_numpy(na_value=None), use_na_sentinel=True)[0]
    order = np.arange(len(mentions))
    if "created_at" in mentions.columns:  # earliest first; ties and missing times: row order
        at = pd.to_datetime(mentions["created_at"], utc=True, errors="coerce")
        at = at.dt.tz_localize(None)
        order = np.lexsort((order, at.isna().to_numpy(), at.to_numpy()))
    has_key = codes[order] >= 0
    seen, first_in_order = np.unique(codes[order][has_key], return_index=True)
    first_row = np.full(max(len(seen), 1), -1, dtype=np.int64)
    first_row[seen] = order[has_key][first_in_order]
    row_first = np.where(codes >= 0, first_row[np.maximum(codes, 0)], -1)
    is_copy = (row_first >= 0) & (row_first != np.arange(len(mentions)))
    ids = mentions["mention_id"].astype("string").to_numpy(dtype=object, na_value=pd.NA)
    duplicate_of = np.where(is_copy, ids[np.maximum(row_first, 0)], pd.NA)
    out["duplicate_of"] = pd.array(duplicate_of, dtype="string")
    out["is_retweet"] = raw_text.str.match(r"^\s*RT @\w").fillna(False).astype(bool).to_numpy()
    return out


def fill_languages(mentions: pd.DataFrame, playbook: Playbook) -> pd.Series:
    """The ``lang`` of each mention: its own code, reduced to the primary subtag, or detected.

    Existing codes are reduced to their primary subtag (``en-US`` -> ``en``); missing ones
    are filled by :func:`detect_language`, choosing among :data:`DEFAULT_LANGUAGES` plus the
    playbook's ``language``.

    Returns:
        A ``string`` Series on ``mentions``' index.
    """
    lang = normalize_lang(mentions["lang"] if "lang" in mentions.columns
                          else pd.Series(pd.NA, index=mentions.index))
    missing = lang.isna()
    if missing.any():
        allowed = (*DEFAULT_LANGUAGES, playbook.language)
        lang = lang.mask(missing, detect_language(text_of(mentions)[missing], allowed))
    return lang.astype("string")


def normalize_mentions(mentions: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Language, near-duplicate flags and brand tags for imported mentions.

    - ``lang``: :func:`fill_languages`.
    - ``duplicate_of``, ``is_retweet``: :func:`flag_near_duplicates`.
    - ``mentions_brand``, ``competitor``: :func:`~socialcrm_utils.listening.tag_brands`.

    Args:
        mentions: Canonical mentions.
        playbook: The client's playbook.

    Returns:
        A new frame; ``mentions`` is not modified.
    """
    out = mentions.copy()
    out["lang"] = fill_languages(out, playbook)
    out = flag_near_duplicates(out)
    return tag_brands(out, playbook.brand)
