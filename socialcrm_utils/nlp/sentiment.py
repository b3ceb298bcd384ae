"""Sentiment of mentions: NLTK's VADER for English, offline.

VADER (Hutto & Gilbert, 2014) is a lexicon and rules built for social media text; its
``compound`` score is a normalised sum of valences in [-1, 1]. The lexicon is installed into
the project-local NLTK data folder by :mod:`socialcrm_utils.nlp.resources`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .resources import vader_analyzer

__all__ = [
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "SENTIMENT_LABELS",
    "SCORED_LANGUAGES",
    "normalize_lang",
    "score_sentiment",
]

logger = logging.getLogger(__name__)

#: VADER's documented cut-off: ``compound <= -0.05`` is negative.
NEGATIVE_THRESHOLD = -0.05
#: VADER's documented cut-off: ``compound >= 0.05`` is positive.
POSITIVE_THRESHOLD = 0.05
#: Every value of ``sentiment_label``.
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive", "unscored")
#: Languages with a sentiment lexicon (German follows in a later release).
SCORED_LANGUAGES: frozenset[str] = frozenset({"en"})


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
    codes = langs.astype("string").str.strip().str.lower()
    codes = codes.str.split(r"[-_]", n=1, regex=True).str[0].astype("string")
    return codes.mask(codes == "")


def score_sentiment(texts: pd.Series, langs: pd.Series) -> pd.DataFrame:
    """Score the sentiment of each text: VADER ``compound`` for English, unscored otherwise.

    Labels use VADER's documented thresholds: ``negative`` if the score is at most
    :data:`NEGATIVE_THRESHOLD` (-0.05), ``positive`` if it is at least
    :data:`POSITIVE_THRESHOLD` (0.05), ``neutral`` in between. German and every other language
    are not scored in this version (``sentiment`` NaN, label ``unscored``): VADER's lexicon is
    English, and a German lexicon is planned in a later issue. Texts that are NA or blank, and
    texts whose language is NA, are unscored too. Each distinct English text is scored once,
    so repeated texts (retweets, copy-paste complaints) cost nothing extra.

    Args:
        texts: Mention texts.
        langs: Language codes on the same index as ``texts`` (``en``, ``en-US``, ``de`` ...).

    Returns:
        A frame on ``texts``' index with ``sentiment`` (float in [-1, 1], equal to
        ``SentimentIntensityAnalyzer().polarity_scores(text)["compound"]``) and
        ``sentiment_label`` (one of :data:`SENTIMENT_LABELS`).

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index.
        ResourceMissingError: If the VADER lexicon is missing and cannot be installed.

    Examples:
        >>> score_sentiment(pd.Series(["The flight was great!", "Der Flug war super!"]),
        ...                 pd.Series(["en", "de"]))
           sentiment sentiment_label
        0     0.6588        positive
        1        NaN        unscored
    """
    if not texts.index.equals(langs.index):
        raise ValueError("texts and langs must share the same index")
    text = texts.astype("string")
    in_language = normalize_lang(langs).isin(SCORED_LANGUAGES).fillna(False).to_numpy(bool)
    scored = in_language & (text.str.strip().str.len().fillna(0).to_numpy() > 0)
    sentiment = pd.Series(np.nan, index=texts.index, dtype="float64")
    if scored.any():
        unique = pd.unique(text[scored].to_numpy(dtype=object))
        analyzer = vader_analyzer()
        compound = {t: analyzer.polarity_scores(t)["compound"] for t in unique}
        logger.debug("scored %d unique texts for %d mentions", len(unique), int(scored.sum()))
        sentiment[scored] = text[scored].map(compound).astype("float64").to_numpy()
    labels = np.select(
        [
            sentiment.to_numpy() <= NEGATIVE_THRESHOLD,
            sentiment.to_numpy() >= POSITIVE_THRESHOLD,
            scored,
        ],
        ["negative", "positive", "neutral"],
        default="unscored",
    )
    return pd.DataFrame(
        {"sentiment": sentiment, "sentiment_label": pd.array(labels, dtype="string")},
        index=texts.index,
    )
