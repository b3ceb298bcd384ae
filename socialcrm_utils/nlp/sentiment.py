"""Sentiment of mentions, offline: VADER plus a customer-service extension for English, a
lexicon with German negation, intensifiers and "aber" for German.

English
    VADER (Hutto & Gilbert, 2014), a lexicon and rules built for social media; its
    ``compound`` score is a normalised sum of valences in [-1, 1]. It runs on
    :class:`~socialcrm_utils.nlp.vader.VaderScorer`, the project's own implementation of NLTK's
    VADER on NLTK's public lexicon and constants, whose scores equal NLTK's
    ``SentimentIntensityAnalyzer().polarity_scores`` exactly (``tests/test_vader_compat.py``).
    The lexicon is installed into the project-local NLTK data folder by
    :mod:`socialcrm_utils.nlp.resources`. On top of it, the
    **customer-service extension** (:mod:`socialcrm_utils.nlp.cs_lexicon`, version
    :data:`CS_EXTENSION_VERSION`) reads service language VADER misses: request words that are
    not praise ("please help"), service failures ("delayed 3 hours", "still waiting for my
    refund", "nobody answers", "lost my luggage") and sarcasm ("great, another delay", "thanks
    for nothing"). It keeps VADER's algorithm: extension words are lexicon entries that VADER's
    own negation, booster, capitals and "but" rules apply to, phrase cues add their valence at
    the cue's first word before the "but" rule and the normalisation, and sarcasm negates the
    praise word as VADER negates a word after "not". Two rules keep VADER's figures where VADER
    already gets a text right: a text VADER scores negative keeps VADER's score, and the
    extension never raises a score (it takes the lower of the two). So the extension only
    changes texts VADER calls neutral or positive, it never changes a negative label, and
    with ``extension=False`` every score equals
    ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]`` exactly.

German
    :mod:`socialcrm_utils.nlp.german`: a VADER-like lexicon scorer with German negation,
    intensifiers and "aber" contrast, on a customer-service lexicon written for this project
    (MIT), optionally merged with a SentiWS-format lexicon the user names
    (``listening.german_lexicon``; SentiWS itself is CC BY-NC-SA and therefore not shipped).

Labels
    ``negative`` if the score is at most the language's negative threshold, ``positive`` if it
    is at least the positive one, ``neutral`` in between: VADER's documented +-0.05 for English
    (:data:`NEGATIVE_THRESHOLD`, :data:`POSITIVE_THRESHOLD`), a wider band for German
    (:data:`~socialcrm_utils.nlp.german.DE_NEGATIVE_THRESHOLD`,
    :data:`~socialcrm_utils.nlp.german.DE_POSITIVE_THRESHOLD`), see :data:`LABEL_THRESHOLDS`.

Speed
    Each distinct text is scored once. :class:`~socialcrm_utils.nlp.vader.VaderScorer` maps
    each distinct whitespace token once (cached) and runs VADER's context rules only on lexicon
    words; the extension re-reads only the words its lexicon changes and runs a rule's regex
    only on texts that RE2 finds may match it (one pass of each rule's loosened pattern over
    all texts VADER does not score negative, :func:`~socialcrm_utils.nlp.prefilter.
    candidates_each`) and that hold its trigger strings; texts that are not fold-safe
    (:func:`~socialcrm_utils.nlp.casefree.fold_safe_text`) test every rule's triggers. From
    :data:`PARALLEL_MIN_TEXTS` distinct texts on, they are scored in chunks on every core
    (:mod:`~socialcrm_utils.nlp.parallel`); the result is identical.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import casefree, cs_lexicon, german, parallel, prefilter
from .cs_lexicon import CS_EXTENSION_VERSION
from .packs import check_packs
from .resources import vader_lexicon
from .vader import N_SCALAR, VaderScorer, VaderText

__all__ = [
    "CS_EXTENSION_VERSION",
    "LABEL_THRESHOLDS",
    "NEGATIVE_THRESHOLD",
    "PARALLEL_MIN_TEXTS",
    "POSITIVE_THRESHOLD",
    "SCORED_LANGUAGES",
    "SENTIMENT_LABELS",
    "english_compound",
    "normalize_lang",
    "score_sentiment",
    "start_sentiment",
]

logger = logging.getLogger(__name__)

#: VADER's documented cut-off for English: ``compound <= -0.05`` is negative.
NEGATIVE_THRESHOLD = -0.05
#: VADER's documented cut-off for English: ``compound >= 0.05`` is positive.
POSITIVE_THRESHOLD = 0.05
#: ``(negative, positive)`` label thresholds per language.
LABEL_THRESHOLDS: dict[str, tuple[float, float]] = {
    "en": (NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD),
    "de": (german.DE_NEGATIVE_THRESHOLD, german.DE_POSITIVE_THRESHOLD),
}
#: Every value of ``sentiment_label``.
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive", "unscored")
#: Languages with a sentiment model.
SCORED_LANGUAGES: frozenset[str] = frozenset(LABEL_THRESHOLDS)
#: From this many distinct texts of a language on, they are scored in chunks on every core
#: (:mod:`~socialcrm_utils.nlp.parallel`).
PARALLEL_MIN_TEXTS = 2_000


def normalize_lang(langs: pd.Series) -> pd.Series:
    """Primary language subtags, lower-cased: ``"en-US"`` -> ``"en"``, ``"DE_at"`` -> ``"de"``.

    Args:
        langs: Language codes as written by a source (NA where unknown).

    Returns:
        A ``string`` Series on the same index; NA (also for blank codes) where unknown.

    Examples:
        >>> normalize_lang(pd.Series(["en-US", "DE_at", " ", None])).tolist()
        ['en', 'de', <NA>, <NA>]
    """
    # Once per distinct code (a source has a handful), then back to every row.
    rows, distinct = pd.factorize(langs.astype("string"), use_na_sentinel=True)
    codes = pd.Series(distinct, dtype="string").str.strip().str.lower()
    codes = codes.str.split(r"[-_]", n=1, regex=True).str[0].astype("string")
    codes = codes.mask(codes == "")
    taken = codes.array.take(rows, allow_fill=True)
    return pd.Series(taken, index=langs.index, dtype="string", name=langs.name)


# --- English: exact VADER, faster ------------------------------------------------------------


def _first_index(words: Sequence[str]) -> dict[str, int]:
    """Each token's first position: VADER reads a repeated token in its first context."""
    first: dict[str, int] = {}
    for idx, token in enumerate(words):
        first.setdefault(token, idx)
    return first


def _compile(fragment: str) -> re.Pattern[str]:
    return re.compile(fragment, re.IGNORECASE)


class _CustomerServiceVader:
    """VADER with the customer-service extension of :mod:`~socialcrm_utils.nlp.cs_lexicon`.

    Args:
        lexicon: VADER's lexicon (:func:`~socialcrm_utils.nlp.resources.vader_lexicon`, equal
            to ``SentimentIntensityAnalyzer().lexicon``).
        packs: Domain packs whose English entries and phrase rules join the extension.
    """

    def __init__(self, lexicon: Mapping[str, float], packs: tuple[str, ...] = ()) -> None:
        extension, phrase_rules = cs_lexicon.extension_rules(packs)
        self.scorer = VaderScorer({**lexicon, **extension})
        self.lexicon = self.scorer.lexicon
        self._changed = frozenset(extension)
        # Words VADER did not know: their neighbours' valences change too (VADER reads a
        # booster or a negation only when it is not itself a lexicon word).
        self._new = frozenset(w for w in extension if w not in lexicon)
        # Rules as (kind, first trigger group, further groups, pattern, valence), in the order
        # they apply: formulas, sarcasm, phrases.
        rows = [(_FORMULA, t, regex, 0.0) for _, t, regex in cs_lexicon.FORMULA_RULES]
        rows += [(_SARCASM, t, regex, 0.0) for _, t, regex in cs_lexicon.SARCASM_RULES]
        rows += [(_PHRASE, t, regex, valence) for _, t, regex, valence in phrase_rules]
        self._rules = tuple(
            (kind, *_split_triggers(t), _compile(regex), valence)
            for kind, t, regex, valence in rows
        )
        self._triggers = tuple(sorted({t for rule in self._rules for t in rule[1]}))
        # One pass that tells whether any trigger occurs at all (most texts have none).
        self._any_trigger = (
            re.compile("|".join(map(re.escape, self._triggers))) if self._triggers else None
        )

    def rule_candidates(self, texts: Sequence[str]) -> list[tuple[int, ...] | None]:
        """Per text, the rules it may match by an RE2 pass of each rule over all texts.

        :func:`~socialcrm_utils.nlp.prefilter.candidates_each` finds every text a rule's
        pattern can match, provided the text is fold-safe (:func:`~socialcrm_utils.nlp.
        casefree.fold_safe_text`): RE2's ``(?i)`` does not fold ``ı``/``İ``/``ſ`` as ``re``
        does. A text that is not fold-safe gets None (all rules, by their triggers).

        Args:
            texts: The texts.

        Returns:
            One entry per text: indices into the rules (ascending), or None.
        """
        masks = prefilter.candidates_each(texts, [rule[3] for rule in self._rules])
        found: list[tuple[int, ...] | None] = [()] * len(texts)
        text_rows, rule_rows = np.nonzero(masks.T)
        for row, group in itertools.groupby(
            zip(text_rows.tolist(), rule_rows.tolist(), strict=True), key=operator.itemgetter(0)
        ):
            found[row] = tuple(rule for _, rule in group)
        for row, text in enumerate(texts):
            if not text.isascii() and not casefree.fold_safe_text(text):
                found[row] = None
        return found

    def extended(
        self,
        read: VaderText,
        plain: list[float],
        text: str,
        candidates: tuple[int, ...] | None = None,
    ) -> list[float] | None:
        """Token valences with the extension, or None where it changes nothing.

        Args:
            read: The text as VADER reads it (:meth:`~socialcrm_utils.nlp.vader.VaderScorer.
                read`).
            plain: VADER's own valences of its tokens.
            text: The text.
            candidates: The rules the text may match (:meth:`rule_candidates`); None tests
                every rule.
        """
        sentiments = list(plain)
        changed = self._apply_words(read, sentiments, text)
        rules = self._triggered(text, candidates)
        if rules:
            changed = self._apply_rules(read, sentiments, text, rules) or changed
        return sentiments if changed else None

    def _apply_words(self, read: VaderText, sentiments: list[float], text: str) -> bool:
        """Lexicon entries, irrealis and hashtags into ``sentiments``; True if any changed."""
        words, lowered = read.words, read.lowered
        changed = False
        if not self._changed.isdisjoint(lowered):
            # Re-read the tokens whose valence the lexicon entries change, exactly as VADER
            # would with the extended lexicon.
            first = _first_index(words)
            new = [w in self._new for w in lowered] if not self._new.isdisjoint(lowered) else None
            for pos, item in enumerate(words):
                i = first[item]
                if lowered[i] in self._changed or (new is not None and any(new[max(i - 3, 0) : i])):
                    sentiments[pos] = self.scorer.valence_at(read, i)
                    changed = True
        if not cs_lexicon.IRREALIS.isdisjoint(lowered):
            for i, word in enumerate(lowered):
                if word in cs_lexicon.IRREALIS:
                    for j in range(i + 1, min(i + 4, len(words))):
                        if sentiments[j] > 0:
                            sentiments[j] = 0.0
                            changed = True
        if cs_lexicon.HASHTAG_WORDS and "#" in text:
            for i, word in enumerate(lowered):
                if word.startswith("#"):
                    valence = self.lexicon.get(word[1:].strip(_HASHTAG_TRAIL), 0.0)
                    if valence < 0:
                        sentiments[i] += valence
                        changed = True
        return changed

    def _triggered(self, text: str, candidates: Sequence[int] | None) -> list[tuple]:
        """The rules (of ``candidates``, or all) whose trigger groups ``text`` holds, in order."""
        if candidates is not None and not candidates:
            return []
        normalised = " ".join(text.lower().split())
        if candidates is None:  # every rule, after one pass that finds any trigger at all
            if self._any_trigger is None or not self._any_trigger.search(normalised):
                return []
            candidates = range(len(self._rules))
        folded = cs_lexicon.FoldedOnce(normalised)  # folded for the first rule with more groups
        chosen = []
        rules = self._rules
        for k in candidates:
            rule = rules[k]
            for trigger in rule[1]:  # one trigger of the first group, as written
                if trigger in normalised:
                    if folded.holds_all(rule[2]):
                        chosen.append(rule)
                    break
        return chosen

    def _apply_rules(
        self, read: VaderText, sentiments: list[float], text: str, rules: list[tuple]
    ) -> bool:
        """Formula, sarcasm and phrase ``rules`` into ``sentiments``; True if any changed."""
        changed = False
        starts: list[int] = []  # word offsets, found at the first match (most texts have none)

        def at(offset: int) -> int:
            if not starts:
                starts.extend(_word_starts(text, len(read.words)))
            return max(bisect.bisect_right(starts, offset) - 1, 0)

        for kind, _, _, pattern, valence in rules:
            for match in pattern.finditer(text):
                if kind == _PHRASE:
                    if sentiments:
                        sentiments[at(match.start())] += valence
                    else:
                        sentiments.append(valence)
                    changed = True
                    continue
                i = at(_group_start(match))
                if sentiments and sentiments[i] > 0:
                    sentiments[i] = 0.0 if kind == _FORMULA else sentiments[i] * N_SCALAR
                    changed = True
        return changed


def _split_triggers(
    triggers: Sequence[str | Sequence[str]],
) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """A rule's first trigger group (a set, looked up as found) and its further groups."""
    first, *rest = cs_lexicon.trigger_groups(triggers)
    return frozenset(first), tuple(rest)


def _word_starts(text: str, count: int) -> list[int]:
    """Where each of VADER's ``count`` tokens starts in ``text`` (all 0 for exotic whitespace)."""
    starts = [m.start() for m in _TOKEN.finditer(text) if len(m.group()) > 1]
    return starts if len(starts) == count else [0] * count


def _group_start(match: re.Match[str]) -> int:
    """Where the first group that took part in a match starts."""
    return next(match.start(g) for g in range(1, len(match.groups()) + 1) if match.start(g) >= 0)


_HASHTAG_TRAIL = "!?,.;:'\""
# Kinds of the extension's rules: a formula zeroes the praise word, sarcasm negates it as VADER
# negates a word after "not", a phrase adds its valence at its first word.
_FORMULA, _SARCASM, _PHRASE = 0, 1, 2
_TOKEN = re.compile(r"\S+")


@functools.lru_cache(maxsize=8)
def _fast_vader(
    extension: bool, packs: tuple[str, ...] = ()
) -> VaderScorer | _CustomerServiceVader:
    """Our scorer on VADER's lexicon, or the extension on it (cached per process)."""
    lexicon = vader_lexicon()
    return _CustomerServiceVader(lexicon, packs) if extension else VaderScorer(lexicon)


def english_compound(
    texts: Sequence[str], *, extension: bool = True, domain_packs: Sequence[str] = ()
) -> list[float]:
    """English sentiment of each text: VADER's compound, with the customer-service extension.

    With the extension, a text VADER scores negative (at most :data:`NEGATIVE_THRESHOLD`)
    keeps VADER's score; any other text gets the lower of VADER's score and the extended one.

    Args:
        texts: Non-empty texts.
        extension: Apply the customer-service extension (:mod:`~socialcrm_utils.nlp.cs_lexicon`).
            Without it each value is exactly NLTK's
            ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``.
        domain_packs: Domain packs (``listening.domain_packs``) whose English lexicon entries
            and phrase rules join the extension (:func:`~socialcrm_utils.nlp.cs_lexicon.
            extension_rules`); none by default.

    Returns:
        One score in [-1, 1] per text.

    Raises:
        ResourceMissingError: If the VADER lexicon is missing and cannot be installed.

    Examples:
        >>> texts = ["Great, another delay.", "Still waiting for my refund, 3 hours on hold.",
        ...          "Thanks, great crew!"]
        >>> english_compound(texts, extension=False)
        [0.4215, 0.0, 0.807]
        >>> english_compound(texts)
        [-0.6802, -0.8126, 0.807]
    """
    texts = list(texts)
    plain = _fast_vader(False)
    reads = [plain.read(text) for text in texts]
    valences = [plain.valences(read) for read in reads]
    scores = [
        plain.compound_of(read.lowered, plain_valences, text) if read.scored else 0.0
        for read, plain_valences, text in zip(reads, valences, texts, strict=True)
    ]
    if not extension:
        return scores
    extended = _fast_vader(True, check_packs(domain_packs))
    # The extension only lowers scores above the negative threshold.
    open_rows = [k for k, score in enumerate(scores) if score > NEGATIVE_THRESHOLD]
    candidates = extended.rule_candidates([texts[k] for k in open_rows])
    for k, rules in zip(open_rows, candidates, strict=True):
        changed = extended.extended(reads[k], valences[k], texts[k], rules)
        if changed is not None:
            scores[k] = min(scores[k], plain.compound_of(reads[k].lowered, changed, texts[k]))
    return scores


# --- all languages ----------------------------------------------------------------------------


def _score_chunk(
    lang: str,
    extension: bool,
    german_lexicon: Path | None,
    domain_packs: tuple[str, ...],
    texts: list[str],
) -> list[float]:
    """Scores of distinct texts of one language (a chunk of :func:`start_sentiment`'s work)."""
    if lang == "en":
        return english_compound(texts, extension=extension, domain_packs=domain_packs)
    analyzer = german.german_analyzer(german_lexicon, packs=domain_packs)
    return [analyzer.compound(text) for text in texts]


def score_sentiment(
    texts: pd.Series,
    langs: pd.Series,
    *,
    extension: bool = True,
    german_lexicon: Path | None = None,
    domain_packs: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Score the sentiment of each English or German text; other languages stay unscored.

    English: VADER's ``compound`` with the customer-service extension (see the module
    docstring; ``extension=False`` gives plain VADER). German:
    :func:`~socialcrm_utils.nlp.german.german_analyzer`. Labels use the language's
    :data:`LABEL_THRESHOLDS`: ``negative`` at or below the negative threshold, ``positive`` at
    or above the positive one, ``neutral`` in between. Texts in any other language, texts
    that are NA or blank, and texts whose language is NA are ``unscored`` (``sentiment`` NaN).
    Each distinct text is scored once per language, so repeated texts (retweets, copy-paste
    complaints) cost nothing extra; from :data:`PARALLEL_MIN_TEXTS` distinct texts on they are
    scored on every core, with the same result.

    Args:
        texts: Mention texts.
        langs: Language codes on the same index as ``texts`` (``en``, ``en-US``, ``de`` ...).
        extension: Apply the English customer-service extension
            (:data:`CS_EXTENSION_VERSION`); the playbook's ``listening.sentiment_extension``.
        german_lexicon: A SentiWS-format lexicon file (or a folder of them) merged over the
            shipped German lexicon; the playbook's ``listening.german_lexicon``.
        domain_packs: Domain packs (``listening.domain_packs``, :mod:`~socialcrm_utils.nlp.
            packs`) whose lexicon entries and rules are added in both languages; none (the
            default) gives the industry-neutral scores.

    Returns:
        A frame on ``texts``' index with ``sentiment`` (float in [-1, 1]) and
        ``sentiment_label`` (one of :data:`SENTIMENT_LABELS`).

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index.
        ResourceMissingError: If the VADER lexicon is missing and cannot be installed, or the
            German lexicon file cannot be read.

    Examples:
        >>> score_sentiment(pd.Series(["The flight was great!", "Der Flug war nicht gut.", "x"]),
        ...                 pd.Series(["en", "de", "fr"]))
           sentiment sentiment_label
        0     0.6588        positive
        1    -0.2924        negative
        2        NaN        unscored
    """
    return start_sentiment(
        texts, langs, extension=extension, german_lexicon=german_lexicon, domain_packs=domain_packs
    )()


def start_sentiment(
    texts: pd.Series,
    langs: pd.Series,
    *,
    extension: bool = True,
    german_lexicon: Path | None = None,
    domain_packs: tuple[str, ...] = (),
) -> Callable[[], pd.DataFrame]:
    """:func:`score_sentiment` in two halves: start scoring in the workers, collect later.

    Other work (intent) can run in the workers meanwhile; the returned function waits for the
    scores and returns :func:`score_sentiment`'s frame.

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index.
    """
    if not texts.index.equals(langs.index):
        raise ValueError("texts and langs must share the same index")
    text = texts.astype("string")
    lang = normalize_lang(langs)
    filled = (text.str.strip().str.len().fillna(0) > 0).to_numpy(bool)
    rows = {
        code: filled & (lang == code).fillna(False).to_numpy(bool)
        for code in sorted(SCORED_LANGUAGES)
    }
    # Each row's code among its language's distinct texts: the scores go back by position.
    # The distinct texts stay an Index of Arrow strings (chunks become lists when sent), not
    # a list of Python strings held while the workers run (about 60 MB at a million mentions).
    factorized = {code: pd.factorize(text[where]) for code, where in rows.items() if where.any()}
    work = {code: unique for code, (_, unique) in factorized.items()}
    domain_packs = check_packs(domain_packs)  # an unknown pack fails here, with its name
    if "en" in work:
        vader_lexicon()  # a missing lexicon fails here, in this process, with its fix
    pending = {
        code: parallel.submit_chunks(
            functools.partial(_score_chunk, code, extension, german_lexicon, domain_packs),
            unique,
            min_items=PARALLEL_MIN_TEXTS,
            weight=len,
        )
        for code, unique in work.items()
    }

    def finish() -> pd.DataFrame:
        sentiment = pd.Series(np.nan, index=texts.index, dtype="float64")
        negative = np.full(len(texts), np.nan)
        positive = np.full(len(texts), np.nan)
        for code, unique in work.items():
            where = rows[code]
            logger.debug(
                "%s: scored %d unique texts for %d mentions", code, len(unique), where.sum()
            )
            scores = np.asarray(pending[code].result(), dtype="float64")
            sentiment[where] = scores[factorized[code][0]]
            negative[where], positive[where] = LABEL_THRESHOLDS[code]
        values = sentiment.to_numpy()
        labels = np.select(
            [values <= negative, values >= positive, ~np.isnan(values)],
            ["negative", "positive", "neutral"],
            default="unscored",
        )
        return pd.DataFrame(
            {"sentiment": sentiment, "sentiment_label": pd.array(labels, dtype="string")},
            index=texts.index,
        )

    return finish
