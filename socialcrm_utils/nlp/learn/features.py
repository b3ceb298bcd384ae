"""The per-client models' inputs: rule outputs per mention and the feature matrix.

:func:`mention_inputs` turns scored mentions into the model's inputs (folded text, language
group, rule and lexicon outputs); :class:`MentionFeaturizer` turns those into word and character
n-gram TF-IDF plus the rule columns, and round-trips through plain JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from ...schema import text_of
from ..labels import FLAG_LABELS
from ..sentiment import normalize_lang

__all__ = ["RULE_FEATURES", "mention_inputs", "MentionFeaturizer"]

#: Rule and lexicon outputs fed to the models next to the n-grams, in column order.
RULE_FEATURES: tuple[str, ...] = (
    "rule_complaint",
    "rule_question",
    "rule_praise",
    "rule_lead",
    "sentiment_score",
    "sentiment_negative",
    "sentiment_positive",
    "sentiment_unscored",
    "lang_en",
    "lang_de",
    "lang_other",
)

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")


def _flag(scored: pd.DataFrame, name: str) -> np.ndarray:
    column = f"is_{name}"
    if column in scored.columns:
        return scored[column].fillna(False).to_numpy(bool)
    if "intent" in scored.columns:
        return (scored["intent"].astype("string") == name).fillna(False).to_numpy(bool)
    return np.zeros(len(scored), bool)


def _lang_group(langs: pd.Series) -> pd.Series:
    code = normalize_lang(langs)
    return pd.Series(
        np.where(code.isin(["en", "de"]).fillna(False), code, "other"),
        index=langs.index,
        dtype=object,
    )


def mention_inputs(scored: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs of each mention: text, language group and the rule outputs.

    The flags come from ``is_complaint`` ... (or ``intent == name`` where those columns are
    absent), the lexicon score from ``sentiment`` (0 where unscored) and ``sentiment_label``.

    Args:
        scored: Scored mentions (``text_redacted`` or ``text``; ``lang``; the rule columns of
            the listening step where present).

    Returns:
        A frame on ``scored``'s index: ``text`` (URLs and @handles folded), ``lang_group``
        (``en``, ``de`` or ``other``) and the float columns :data:`RULE_FEATURES`.

    Examples:
        >>> frame = pd.DataFrame({"text": ["@acme still broken https://x.y"], "lang": ["en"],
        ...                       "intent": ["complaint"], "sentiment": [-0.5],
        ...                       "sentiment_label": ["negative"]})
        >>> row = mention_inputs(frame).iloc[0]
        >>> row["text"], row["lang_group"], float(row["rule_complaint"])
        ('@user still broken url', 'en', 1.0)
    """
    text = text_of(scored).astype("string").fillna("")
    text = text.str.replace(_URL, "url", regex=True).str.replace(_HANDLE, "@user", regex=True)
    langs = scored["lang"] if "lang" in scored.columns else pd.Series(pd.NA, index=scored.index)
    group = _lang_group(langs)
    out = pd.DataFrame({"text": text.astype(object), "lang_group": group}, index=scored.index)
    for name in FLAG_LABELS:
        out[f"rule_{name}"] = _flag(scored, name).astype(float)
    score = (
        scored["sentiment"]
        if "sentiment" in scored.columns
        else pd.Series(np.nan, index=scored.index)
    ).astype(float)
    label = (
        scored["sentiment_label"].astype("string").fillna("unscored")
        if "sentiment_label" in scored.columns
        else pd.Series("unscored", index=scored.index, dtype="string")
    )
    out["sentiment_score"] = score.fillna(0.0).to_numpy()
    out["sentiment_negative"] = (label == "negative").to_numpy(float)
    out["sentiment_positive"] = (label == "positive").to_numpy(float)
    out["sentiment_unscored"] = (score.isna() | (label == "unscored")).to_numpy(float)
    for code in ("en", "de", "other"):
        out[f"lang_{code}"] = (group == code).to_numpy(float)
    return out


# --- features ---------------------------------------------------------------------------------


def _fit_tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """Fit ``vectorizer`` on ``texts`` and return ``vectorizer.transform(texts)``, analysing once.

    The vocabulary comes from ``CountVectorizer.fit_transform``, the step ``TfidfVectorizer.fit``
    runs first, and the IDF from a ``TfidfTransformer`` fitted on those counts, as ``fit`` does
    (document frequencies: integers, whatever the order of a row's columns). The counts' columns
    are then sorted within each row as ``transform``'s are, so weighting and normalising them
    does the same floating-point operations in the same order: the rows equal
    ``transform(texts)`` bit for bit. (``TfidfVectorizer.fit_transform`` normalises rows whose
    columns are still in the order the vocabulary was pruned in, so a row's norm can differ from
    ``transform``'s in its last bit.)
    """
    counts = CountVectorizer.fit_transform(vectorizer, texts)
    counts.sort_indices()
    weights = TfidfTransformer(
        norm=vectorizer.norm,
        use_idf=vectorizer.use_idf,
        smooth_idf=vectorizer.smooth_idf,
        sublinear_tf=vectorizer.sublinear_tf,
    ).fit(counts)
    vectorizer.idf_ = weights.idf_
    return weights.transform(counts, copy=False)


def _vectorizer_to_dict(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    params = {
        k: v
        for k, v in vectorizer.get_params().items()
        if k
        in (
            "analyzer",
            "ngram_range",
            "lowercase",
            "sublinear_tf",
            "norm",
            "min_df",
            "max_features",
            "token_pattern",
            "strip_accents",
        )
    }
    params["ngram_range"] = list(params["ngram_range"])
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return {"params": params, "terms": terms, "idf": vectorizer.idf_.tolist()}


def _vectorizer_from_dict(data: Mapping[str, Any]) -> TfidfVectorizer:
    params = dict(data["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    vocabulary = {term: index for index, term in enumerate(data["terms"])}
    vectorizer = TfidfVectorizer(**params, vocabulary=vocabulary)
    vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float64)
    return vectorizer


class MentionFeaturizer(TransformerMixin, BaseEstimator):
    """Word and character n-gram TF-IDF plus the rule outputs of :func:`mention_inputs`.

    Fitted on the client's texts only (no labels), so cross-validation on the labelled rows
    leaks no label; the vocabularies keep the most frequent ``max_word_features`` word and
    ``max_char_features`` character n-grams seen in at least ``min_df`` texts.

    Args:
        word_ngrams: Word n-gram lengths.
        char_ngrams: Character n-gram lengths (``char_wb``: inside word boundaries).
        min_df: Minimum number of texts an n-gram must occur in (1 when fewer than 20 texts).
        max_word_features: Word vocabulary size at most.
        max_char_features: Character vocabulary size at most.
        rule_weight: Factor on the :data:`RULE_FEATURES` columns.

    Attributes:
        word_: The fitted word vectorizer.
        char_: The fitted character vectorizer.
        n_features_: Width of :meth:`transform`'s matrix.

    Examples:
        >>> frame = pd.DataFrame({"text": ["my order never arrived", "where is my order?"],
        ...                       "lang": ["en", "en"]})
        >>> featurizer = MentionFeaturizer().fit(mention_inputs(frame))
        >>> featurizer.transform(mention_inputs(frame)).shape[0]
        2
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        min_df: int = 2,
        max_word_features: int = 20_000,
        max_char_features: int = 50_000,
        rule_weight: float = 1.0,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.rule_weight = rule_weight

    def fit(self, inputs: pd.DataFrame, y: object = None) -> MentionFeaturizer:
        """Fit both vocabularies and their IDF on ``inputs["text"]``.

        Args:
            inputs: :func:`mention_inputs` of the client's mentions.
            y: Ignored.

        Returns:
            self.
        """
        self.fit_transform(inputs)
        return self

    def fit_transform(self, inputs: pd.DataFrame, y: object = None) -> sp.csr_matrix:
        """Fit as :meth:`fit` does; the matrix of ``inputs``, equal to ``transform(inputs)``.

        Each text is analysed into n-grams once, for the vocabulary and for its row
        (:meth:`fit` then :meth:`transform` analyses every text twice); the matrix is
        identical to :meth:`transform`'s, bit for bit.

        Args:
            inputs: :func:`mention_inputs` of the client's mentions.
            y: Ignored.

        Returns:
            A sparse matrix with one row per input row and :attr:`n_features_` columns.
        """
        texts = inputs["text"].tolist()
        min_df = self.min_df if len(texts) >= 20 else 1
        common = {"sublinear_tf": True, "lowercase": True, "min_df": min_df, "norm": "l2"}
        self.word_ = TfidfVectorizer(
            analyzer="word",
            ngram_range=tuple(self.word_ngrams),
            max_features=self.max_word_features,
            token_pattern=r"(?u)[@#]?\b\w+\b|[?!]",
            **common,
        )
        self.char_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.char_ngrams),
            max_features=self.max_char_features,
            **common,
        )
        parts = []
        for vectorizer in (self.word_, self.char_):
            try:
                parts.append(_fit_tfidf(vectorizer, texts))
            except ValueError:  # every n-gram below min_df: keep them all
                parts.append(_fit_tfidf(vectorizer.set_params(min_df=1), texts))
        self.n_features_ = (
            len(self.word_.vocabulary_) + len(self.char_.vocabulary_) + len(RULE_FEATURES)
        )
        return self._stack(*parts, inputs)

    def transform(self, inputs: pd.DataFrame) -> sp.csr_matrix:
        """The feature matrix: word TF-IDF, character TF-IDF, rule columns (in that order).

        Args:
            inputs: :func:`mention_inputs` of the mentions.

        Returns:
            A sparse matrix with one row per input row and :attr:`n_features_` columns.
        """
        texts = inputs["text"].tolist()
        return self._stack(self.word_.transform(texts), self.char_.transform(texts), inputs)

    def _stack(self, word: sp.spmatrix, char: sp.spmatrix, inputs: pd.DataFrame) -> sp.csr_matrix:
        rules = inputs[list(RULE_FEATURES)].to_numpy(float) * self.rule_weight
        return sp.hstack([word, char, sp.csr_matrix(rules)], format="csr")

    def rule_column(self, name: str) -> tuple[int, float]:
        """Where a :data:`RULE_FEATURES` column is in :meth:`transform`'s matrix, and its factor.

        Args:
            name: One of :data:`RULE_FEATURES`.

        Returns:
            ``(column index, rule_weight)``: the matrix holds the value times the factor.
        """
        start = len(self.word_.vocabulary_) + len(self.char_.vocabulary_)
        return start + RULE_FEATURES.index(name), float(self.rule_weight)

    def to_dict(self) -> dict[str, Any]:
        """The fitted featurizer as plain JSON-able data (vocabularies and IDF, no pickle)."""
        return {
            "params": {
                **self.get_params(),
                "word_ngrams": list(self.word_ngrams),
                "char_ngrams": list(self.char_ngrams),
            },
            "word": _vectorizer_to_dict(self.word_),
            "char": _vectorizer_to_dict(self.char_),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MentionFeaturizer:
        """Rebuild a fitted featurizer from :meth:`to_dict`'s data."""
        params = dict(data["params"])
        params["word_ngrams"] = tuple(params["word_ngrams"])
        params["char_ngrams"] = tuple(params["char_ngrams"])
        featurizer = cls(**params)
        featurizer.word_ = _vectorizer_from_dict(data["word"])
        featurizer.char_ = _vectorizer_from_dict(data["char"])
        featurizer.n_features_ = (
            len(data["word"]["terms"]) + len(data["char"]["terms"]) + len(RULE_FEATURES)
        )
        return featurizer
