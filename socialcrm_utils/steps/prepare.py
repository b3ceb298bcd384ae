"""Step 1, prepare: imported mentions made safe to store, with language, duplicates and brands.

Pure, vectorised functions on the canonical mention table (:mod:`socialcrm_utils.schema`),
run right after import and before listening:

- :func:`prepare_mentions` redacts personal data, fills languages, flags near-duplicates and
  tags brands; :func:`prepare_and_start_scores` does the same and starts step 3's sentiment
  and intent in worker processes midway, returning the handle that
  :func:`~socialcrm_utils.steps.listening.score_mentions` takes (``started=``);
- :func:`redact_frame` redacts every text column of other tables (rejected rows);
- :func:`detect_language` names the language of each text (``und`` when it cannot tell),
  :func:`fill_languages` keeps a source's own codes and detects the rest;
- :func:`flag_near_duplicates` marks copies (copy-paste campaigns, retweets, templated replies)
  without dropping them, so they stay countable; :func:`normalize_mentions` fills languages,
  flags copies and tags brands without redacting.

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
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..nlp import parallel
from ..nlp.brands import tag_brands
from ..nlp.scoring import TextScores, start_text_scores, warm_scorers
from ..nlp.sentiment import PARALLEL_MIN_TEXTS, normalize_lang
from ..playbook import Playbook, file_source_bytes
from ..schema import blank_missing_markers, text_of

__all__ = [
    "DEFAULT_LANGUAGES",
    "OTHER_SCRIPT_LANGUAGES",
    "UNDETERMINED",
    "MIN_LETTERS",
    "MIN_CONFIDENCE",
    "MIN_DUPLICATE_CHARS",
    "NORMALIZED_COLUMNS",
    "PREPARED_COLUMNS",
    "Prepared",
    "detect_language",
    "fill_languages",
    "normalize_text",
    "flag_near_duplicates",
    "normalize_mentions",
    "prepare_mentions",
    "prepare_and_start_scores",
    "start_scoring_workers",
    "redact_frame",
]

logger = logging.getLogger(__name__)
#: Languages written in their own script (Japanese, Chinese, Korean, Cyrillic, Arabic, Hebrew,
#: Greek, Devanagari, Thai): in :data:`DEFAULT_LANGUAGES` so that a post in one of them is named
#: (``ja``) instead of ``und``; they cannot be confused with a Latin-script post.
OTHER_SCRIPT_LANGUAGES: tuple[str, ...] = (
    "ja",
    "zh",
    "ko",
    "ru",
    "uk",
    "ar",
    "he",
    "el",
    "hi",
    "th",
)
#: Languages :func:`detect_language` chooses from unless told otherwise: English and German
#: (first-class in the suite), the other large languages of the EU/DACH market, and
#: :data:`OTHER_SCRIPT_LANGUAGES`.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pt",
    "pl",
    "tr",
    *OTHER_SCRIPT_LANGUAGES,
)
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
# "http" or "www."), then every non-word character and underscore (_KEY_CHARACTERS).
_KEY_NOISE = re.compile(f"{_RT_PREFIX}|{_URL}|{_HANDLE}")


class _LettersAndDigits(dict):
    """A ``str.translate`` table that drops every character ``[\\W_]`` matches and keeps the
    rest (``str.isalnum``: what ``re`` calls a word character, but ``_``); filled as
    characters are met. 1.5 s instead of ``re.sub(r"[\\W_]+", "", text)``'s 2.6 s on the
    455,000 distinct texts of a million generated mentions."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        kept = char if char.isalnum() else None
        self[code] = kept
        return kept


_KEY_CHARACTERS = _LettersAndDigits()
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
    logger.debug(
        "detect_language: %d texts, %d distinct, %d classified",
        len(texts),
        len(distinct),
        len(by_clean),
    )
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
    codes, keys = _distinct_keys(texts)
    # Each distinct text once (copies and templates are common), then back to every row.
    return pd.Series(keys.array.take(codes, allow_fill=True), index=texts.index, dtype="string")


def _distinct_keys(texts: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's code among the distinct texts (-1: missing), and each distinct text's key."""
    codes, distinct = pd.factorize(texts.astype("string"), use_na_sentinel=True)
    return codes, pd.Series([_key(text) for text in distinct.tolist()], dtype="string")


def _key_codes(texts: pd.Series, min_chars: int) -> np.ndarray:
    """A code per row for its :func:`normalize_text` key (-1: missing, or under ``min_chars``).

    Equal keys get equal codes. Keys are built and compared once per distinct text, and
    never spread to every row as strings: at a million mentions that saves a million-row
    string column and its hash table (about 300 MB at the step's peak).
    """
    text_codes, keys = _distinct_keys(texts)
    key_codes = pd.factorize(keys.where(keys.str.len() >= min_chars), use_na_sentinel=True)[0]
    if not len(key_codes):  # no text at all
        return np.full(len(texts), -1, dtype=np.intp)
    return np.where(text_codes >= 0, key_codes[np.maximum(text_codes, 0)], -1)


def _key(text: str) -> str:
    if "@" in text or "http" in text or "www." in text:
        text = _KEY_NOISE.sub("", text)
    return text.translate(_KEY_CHARACTERS).lower()


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
    out = mentions.copy(deep=False)  # only whole columns are set: the input stays as it is
    raw_text = text_of(mentions).astype("string")
    codes = _key_codes(raw_text, min_chars)
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
    ids = mentions["mention_id"].astype("string").array
    duplicate_of = ids.take(np.where(is_copy, row_first, -1), allow_fill=True)  # NA: original
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
    lang = normalize_lang(
        mentions["lang"] if "lang" in mentions.columns else pd.Series(pd.NA, index=mentions.index)
    )
    missing = lang.isna()
    if missing.any():
        allowed = (*DEFAULT_LANGUAGES, playbook.language)
        lang = lang.mask(missing, detect_language(text_of(mentions)[missing], allowed))
    return lang.astype("string")


def normalize_mentions(mentions: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Language, near-duplicate flags and brand tags for imported mentions.

    - ``lang``: :func:`fill_languages`.
    - ``duplicate_of``, ``is_retweet``: :func:`flag_near_duplicates`.
    - ``mentions_brand``, ``competitor``: :func:`~socialcrm_utils.nlp.brands.tag_brands`.

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


#: Columns :func:`prepare_mentions` adds to the canonical ones (``text_redacted`` replaces
#: ``text``).
PREPARED_COLUMNS: tuple[str, ...] = (
    "text_redacted",
    "pii_types",
    "pii_count",
    "private_reply",
    "duplicate_of",
    "is_retweet",
    "mentions_brand",
    "competitor",
)


class Prepared(NamedTuple):
    """Prepared mentions and their sentiment and intent, computing in worker processes.

    Hand ``scores`` to :func:`~socialcrm_utils.steps.listening.score_mentions` (``started=``): it
    collects them and stops the workers. ``scores.close()`` stops them unused.
    """

    mentions: pd.DataFrame
    scores: TextScores


def prepare_mentions(mentions: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Make imported mentions safe to store: personal data redacted, language, duplicates, brands.

    - Personal data (e-mail addresses, phone numbers, IBANs, card numbers, the playbook's
      ``listening.pii_patterns``) is replaced by typed placeholders in ``text_redacted``; the
      original ``text`` column is dropped, so no artifact ever holds it. ``pii_types`` and
      ``pii_count`` say what was found; ``private_reply`` suggests a public answer that moves
      the conversation to a private channel (NA for brand posts and posts without personal
      data).
    - "NaN", "null" and the like in optional columns are missing values
      (:func:`~socialcrm_utils.schema.blank_missing_markers`).
    - ``lang`` is detected where the source gave none; near-duplicates (retweets, copy-paste
      campaigns) are flagged in ``duplicate_of`` / ``is_retweet``, never dropped; brand and
      competitor mentions are tagged.

    No worker process starts; to score the result right after, use
    :func:`prepare_and_start_scores`, which starts the scores midway.

    Args:
        mentions: Canonical mentions straight from the sources (with ``text``).
        playbook: The client's playbook.

    Returns:
        A new frame: canonical columns without ``text``, plus :data:`PREPARED_COLUMNS`.
    """
    work, redacted = _redact_and_fill(mentions, playbook)
    return _finish_preparing(work, redacted, playbook)


#: Bytes of file sources from which :func:`start_scoring_workers` starts workers: about
#: :data:`~socialcrm_utils.nlp.sentiment.PARALLEL_MIN_TEXTS` mentions of 200 bytes.
EARLY_WORKERS_MIN_BYTES = PARALLEL_MIN_TEXTS * 200


def _warm_up(playbook: Playbook) -> functools.partial[None]:
    """The call that compiles the playbook's scoring rules in the workers' host."""
    settings = playbook.listening
    return functools.partial(
        warm_scorers,
        settings.sentiment_extension,
        settings.german_lexicon,
        tuple(settings.domain_packs),
    )


def start_scoring_workers(playbook: Playbook) -> parallel.WorkerPool:
    """Worker processes for step 1's scores, started now and warmed up with the playbook's rules.

    Notebook 01 calls it as soon as the playbook is loaded: the workers' host imports the
    scorers and compiles the playbook's rules while the sources are read and scoped, so scoring
    starts the moment the first texts are redacted. Hand the pool to
    :func:`prepare_and_start_scores` (``pool=``); it then belongs to the returned scores, which
    stop it when they are collected (or closed). Unused, it stops with its owner (``close()``,
    or when it is dropped).

    Workers start only when the playbook's file sources hold at least
    :data:`EARLY_WORKERS_MIN_BYTES` (feeds and APIs count nothing): a small input is scored in
    the kernel itself, and one that turns out large gets its workers in
    :func:`prepare_and_start_scores`.

    Returns:
        The pool, started or idle.
    """
    from ..nlp.pii import warm_redaction

    pool = parallel.WorkerPool()
    if file_source_bytes(playbook) >= EARLY_WORKERS_MIN_BYTES:
        settings = playbook.listening
        redaction = functools.partial(
            warm_redaction, tuple(settings.phone_regions), dict(settings.pii_patterns)
        )
        pool.start(warm=[_warm_up(playbook), redaction])
    return pool


def prepare_and_start_scores(
    mentions: pd.DataFrame, playbook: Playbook, *, pool: parallel.WorkerPool | None = None
) -> Prepared:
    """:func:`prepare_mentions`, with step 3's sentiment and intent started midway.

    As soon as texts are redacted and languages known, their sentiment and intent start in
    worker processes (:func:`~socialcrm_utils.nlp.scoring.start_text_scores`), so the workers
    score while this process flags duplicates, tags brands and goes on with the notebook. With
    workers started earlier (``pool``, from :func:`start_scoring_workers`), they also search the
    texts for personal data (:func:`~socialcrm_utils.nlp.pii.redact_texts`), the largest part
    of preparing; the result is the same.

    Args:
        mentions: Canonical mentions straight from the sources (with ``text``).
        playbook: The client's playbook.
        pool: Workers from :func:`start_scoring_workers`; the returned scores own them from
            now on. Without it, or when it is idle, workers start here for inputs of at least
            :data:`~socialcrm_utils.nlp.sentiment.PARALLEL_MIN_TEXTS` mentions.

    Returns:
        The prepared mentions (as :func:`prepare_mentions` returns them) and the started
        scores, to hand to :func:`~socialcrm_utils.steps.listening.score_mentions` (``started=``).
    """
    early = pool is not None and pool.running
    pool = pool or parallel.WorkerPool()
    if len(mentions) >= PARALLEL_MIN_TEXTS:
        pool.start(warm=[_warm_up(playbook)])  # nothing when already running
    try:
        # Workers started with the playbook are warm: they search the texts for personal data
        # too; workers started just now would still be importing, so this process does it.
        work, redacted = _redact_and_fill(mentions, playbook, pool if early else None)
        scores = _start_scores(work, playbook, pool)  # the workers score while this goes on
    except BaseException:
        pool.close()
        raise
    try:
        out = _finish_preparing(work, redacted, playbook)
    except BaseException:
        scores.close()
        raise
    return Prepared(out, scores)


def _redact_and_fill(
    mentions: pd.DataFrame, playbook: Playbook, pool: parallel.WorkerPool | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Missing markers blanked, ``text`` redacted (in ``pool``'s workers), ``lang`` filled."""
    from ..nlp.pii import redact_texts

    settings = playbook.listening
    mentions = blank_missing_markers(mentions)
    redacted = redact_texts(
        mentions["text"],
        regions=tuple(settings.phone_regions),
        patterns=settings.pii_patterns,
        pool=pool,
    )
    work = mentions.assign(text=redacted["text_redacted"].astype("str").array)  # no objects
    work["lang"] = fill_languages(work, playbook)
    return work, redacted


def _finish_preparing(
    work: pd.DataFrame, redacted: pd.DataFrame, playbook: Playbook
) -> pd.DataFrame:
    """Duplicates flagged, brands tagged, the personal-data columns and private replies."""
    from ..nlp.pii import suggest_private_replies

    work = flag_near_duplicates(work)
    if not {"mentions_brand", "competitor"} <= set(work.columns):  # scope_mentions tags them
        work = tag_brands(work, playbook.brand)
    out = work.rename(columns={"text": "text_redacted"})
    out["pii_types"] = redacted["pii_types"].astype("str").array
    out["pii_count"] = redacted["pii_count"].to_numpy()
    public_customer = ~out["is_brand"].astype(bool)
    replies = suggest_private_replies(out.assign(lang=out["lang"].fillna(playbook.language)))
    out["private_reply"] = replies.where(public_customer & (out["pii_count"] > 0))
    logger.info(
        "prepared %d mentions: %d with personal data redacted",
        len(out),
        int((out["pii_count"] > 0).sum()),
    )
    return out


def _start_scores(
    work: pd.DataFrame, playbook: Playbook, pool: parallel.WorkerPool | None = None
) -> TextScores:
    """Sentiment and intent of ``work`` started, with the inputs ``score_mentions`` will use."""
    settings = playbook.listening
    lang = work["lang"].astype("string").fillna(playbook.language)
    customer = ~work["is_brand"].fillna(False).astype(bool).to_numpy()
    return start_text_scores(
        text_of(work),
        lang,
        customer,
        extension=settings.sentiment_extension,
        german_lexicon=settings.german_lexicon,
        domain_packs=settings.domain_packs,
        pool=pool,
    )


def redact_frame(frame: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Every text column of ``frame`` with personal data replaced by placeholders.

    For tables that keep raw values, such as the rejected rows of an import: they are written
    to disk, so they must not carry personal data either. Identifier columns are never
    redacted (a 16-digit id is an id, not a card number): the canonical ``mention_id``,
    ``in_reply_to_id``, ``conversation_id``, ``author_id`` and ``url``, the file columns a
    source's ``mapping`` names for them, and any column whose name ends in ``id``, ``ids``,
    ``url``, ``uri``, ``link`` or ``permalink`` as a word (``tweet_id``, ``Post ID``,
    ``response_tweet_id``), or is ``guid``/``uuid``. Links inside texts stay intact too
    (:func:`~socialcrm_utils.nlp.pii.find_pii`).

    Args:
        frame: Any table; non-text columns are left as they are.
        playbook: For the phone regions, the playbook's patterns and the sources' mappings.

    Returns:
        A new frame with the same columns.
    """
    from ..nlp.pii import redact_texts

    settings = playbook.listening
    keep = {"source", "row", "reason", *_ID_COLUMNS}
    for source in playbook.sources:
        mapping = getattr(source, "mapping", None) or {}
        keep.update(str(v) for k, v in mapping.items() if k in _ID_COLUMNS)
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if (
            column in keep
            or _ID_NAME_RE.search(_column_words(column))
            or not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object)
        ):
            continue
        text = values.astype("string")
        redacted = redact_texts(
            text.fillna(""), regions=tuple(settings.phone_regions), patterns=settings.pii_patterns
        )["text_redacted"]
        out[column] = redacted.astype("string").where(text.notna())
    return out


#: Canonical identifier columns :func:`redact_frame` never redacts.
_ID_COLUMNS = frozenset({"mention_id", "in_reply_to_id", "conversation_id", "author_id", "url"})
#: Identifier column names in exports, after :func:`_column_words` (``tweet_id``, ``post_id``).
_ID_NAME_RE = re.compile(r"(?:^|_)(?:ids?|urls?|uri|links?|permalink|guid|uuid)$")


def _column_words(name: object) -> str:
    """A column name as lower-case words joined by ``_`` (``"Post ID"``, ``postId``: post_id)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
