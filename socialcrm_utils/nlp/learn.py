"""Per-client classifiers learned from the client's label files, measured and kept as JSON.

The rules (:func:`~socialcrm_utils.nlp.classify_intent`, the sentiment lexicons) work with zero
labels. Once a consultant has labelled enough of this client's posts (:mod:`.labels`), each label
with at least :data:`MIN_POSITIVES` yes and :data:`MIN_NEGATIVES` no labels (sentiment: at least
:data:`MIN_PER_CLASS` per class) gets its own model:

- features (:class:`MentionFeaturizer`): word 1-2-gram and character 2-5-gram (``char_wb``)
  TF-IDF of the text (URLs and @handles folded to one token each), plus the rule and lexicon
  outputs (the four intent flags, the sentiment score and label, "unscored") and the language
  (en, de, other) as features, so both languages live in one model;
- logistic regression with ``class_weight="balanced"`` (binary for the flags, multinomial for
  sentiment).

Every model is measured before it is used: stratified 5-fold cross-validated precision, recall
and F1 on the labelled rows with 95% bootstrap intervals, beside the rules' figures on the same
rows (:func:`classifier_card`). Every mention gets a prediction; labelled mentions keep their
human label; ``label_source`` says ``human``, ``model`` or ``rules``
(:func:`apply_classifier`). The model is kept without pickle, as plain JSON
(:func:`save_classifier`, :func:`load_classifier`), and retrained only when the label files, the
labelled posts or the package versions change (:func:`learn_from_labels`).
:func:`suggest_labels` picks the posts worth labelling next. See ``docs/learning.md``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from ..schema import text_of
from .intent import PRECEDENCE
from .labels import (
    FLAG_LABELS,
    LABEL_COLUMNS,
    SENTIMENT_CLASSES,
    LabelReport,
    hash_label_files,
    load_labels,
)
from .sentiment import normalize_lang

__all__ = [
    "MIN_POSITIVES",
    "MIN_NEGATIVES",
    "MIN_PER_CLASS",
    "MODEL_FILE",
    "RULE_FEATURES",
    "MentionFeaturizer",
    "ClientClassifier",
    "LearnResult",
    "mention_inputs",
    "apply_classifier",
    "classifier_card",
    "save_classifier",
    "load_classifier",
    "learn_from_labels",
    "suggest_labels",
    "model_folder",
    "card_table",
    "format_card_table",
    "latest_scored_run",
]

logger = logging.getLogger(__name__)

#: A yes/no label gets a model from this many "yes" labels on ...
MIN_POSITIVES = 20
#: ... and this many "no" labels.
MIN_NEGATIVES = 20
#: Sentiment gets a model from this many labels of each of negative, neutral and positive.
MIN_PER_CLASS = 15
#: The model's file in the client's model folder.
MODEL_FILE = "classifier.json"
#: What the JSON file says it is; a file with another format or version is retrained.
MODEL_FORMAT = ("socialcrm-classifier", 1)
#: Rule and lexicon outputs fed to the models next to the n-grams, in column order.
RULE_FEATURES: tuple[str, ...] = (
    "rule_complaint", "rule_question", "rule_praise", "rule_lead",
    "sentiment_score", "sentiment_negative", "sentiment_positive", "sentiment_unscored",
    "lang_en", "lang_de", "lang_other",
)
#: Texts the TF-IDF vocabularies are fitted on at most (a seeded sample; labelled ones always).
MAX_VOCABULARY_TEXTS = 50_000

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in ("socialcrm-utils", "scikit-learn"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            versions[name] = "unknown"
    return versions


# --- inputs -----------------------------------------------------------------------------------


def _flag(scored: pd.DataFrame, name: str) -> np.ndarray:
    column = f"is_{name}"
    if column in scored.columns:
        return scored[column].fillna(False).to_numpy(bool)
    if "intent" in scored.columns:
        return (scored["intent"].astype("string") == name).fillna(False).to_numpy(bool)
    return np.zeros(len(scored), bool)


def _lang_group(langs: pd.Series) -> pd.Series:
    code = normalize_lang(langs)
    return pd.Series(np.where(code.isin(["en", "de"]).fillna(False), code, "other"),
                     index=langs.index, dtype=object)


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
    score = (scored["sentiment"] if "sentiment" in scored.columns
             else pd.Series(np.nan, index=scored.index)).astype(float)
    label = (scored["sentiment_label"].astype("string").fillna("unscored")
             if "sentiment_label" in scored.columns
             else pd.Series("unscored", index=scored.index, dtype="string"))
    out["sentiment_score"] = score.fillna(0.0).to_numpy()
    out["sentiment_negative"] = (label == "negative").to_numpy(float)
    out["sentiment_positive"] = (label == "positive").to_numpy(float)
    out["sentiment_unscored"] = (score.isna() | (label == "unscored")).to_numpy(float)
    for code in ("en", "de", "other"):
        out[f"lang_{code}"] = (group == code).to_numpy(float)
    return out


# --- features ---------------------------------------------------------------------------------


def _vectorizer_to_dict(vectorizer: TfidfVectorizer) -> dict[str, Any]:
    params = {k: v for k, v in vectorizer.get_params().items()
              if k in ("analyzer", "ngram_range", "lowercase", "sublinear_tf", "norm",
                       "min_df", "max_features", "token_pattern", "strip_accents")}
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
        texts = inputs["text"].tolist()
        min_df = self.min_df if len(texts) >= 20 else 1
        common = {"sublinear_tf": True, "lowercase": True, "min_df": min_df, "norm": "l2"}
        self.word_ = TfidfVectorizer(analyzer="word", ngram_range=tuple(self.word_ngrams),
                                     max_features=self.max_word_features,
                                     token_pattern=r"(?u)[@#]?\b\w+\b|[?!]", **common)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                     max_features=self.max_char_features, **common)
        for vectorizer in (self.word_, self.char_):
            try:
                vectorizer.fit(texts)
            except ValueError:  # every n-gram below min_df: keep them all
                vectorizer.set_params(min_df=1).fit(texts)
        self.n_features_ = (len(self.word_.vocabulary_) + len(self.char_.vocabulary_)
                            + len(RULE_FEATURES))
        return self

    def transform(self, inputs: pd.DataFrame) -> sp.csr_matrix:
        """The feature matrix: word TF-IDF, character TF-IDF, rule columns (in that order).

        Args:
            inputs: :func:`mention_inputs` of the mentions.

        Returns:
            A sparse matrix with one row per input row and :attr:`n_features_` columns.
        """
        texts = inputs["text"].tolist()
        rules = inputs[list(RULE_FEATURES)].to_numpy(float) * self.rule_weight
        return sp.hstack([self.word_.transform(texts), self.char_.transform(texts),
                          sp.csr_matrix(rules)], format="csr")

    def to_dict(self) -> dict[str, Any]:
        """The fitted featurizer as plain JSON-able data (vocabularies and IDF, no pickle)."""
        return {"params": {**self.get_params(), "word_ngrams": list(self.word_ngrams),
                           "char_ngrams": list(self.char_ngrams)},
                "word": _vectorizer_to_dict(self.word_), "char": _vectorizer_to_dict(self.char_)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MentionFeaturizer:
        """Rebuild a fitted featurizer from :meth:`to_dict`'s data."""
        params = dict(data["params"])
        params["word_ngrams"] = tuple(params["word_ngrams"])
        params["char_ngrams"] = tuple(params["char_ngrams"])
        featurizer = cls(**params)
        featurizer.word_ = _vectorizer_from_dict(data["word"])
        featurizer.char_ = _vectorizer_from_dict(data["char"])
        featurizer.n_features_ = (len(data["word"]["terms"]) + len(data["char"]["terms"])
                                  + len(RULE_FEATURES))
        return featurizer


# --- one linear model per label ---------------------------------------------------------------


@dataclass
class _Linear:
    """A fitted logistic regression as plain arrays; predictions by one formula, always."""

    classes: list[Any]
    coef: np.ndarray
    intercept: np.ndarray
    languages: list[str]

    def proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        decision = np.asarray(matrix @ self.coef.T) + self.intercept
        if len(self.classes) == 2:
            positive = expit(decision[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return softmax(decision, axis=1)

    def predict(self, matrix: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.classes, dtype=object)[self.proba(matrix).argmax(axis=1)]

    def to_dict(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist(), "languages": list(self.languages)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Linear:
        return cls(list(data["classes"]), np.asarray(data["coef"], dtype=np.float64),
                   np.asarray(data["intercept"], dtype=np.float64), list(data["languages"]))


def _fit_linear(matrix: sp.csr_matrix, y: np.ndarray, c: float, languages: list[str]) -> _Linear:
    """Logistic regression on the columns the training rows use.

    A column that is zero in every training row has a zero gradient and an L2 penalty that
    keeps its weight at 0: leaving it out gives the same model, and a few hundred labelled
    rows use a few thousand of the vocabulary's hundreds of thousands of n-grams (the fit on
    the sample's 240 labels went from ~40 s to a few seconds).
    """
    matrix = sp.csr_matrix(matrix)
    used = np.unique(matrix.indices)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(matrix[:, used], y)
    coef = np.zeros((model.coef_.shape[0], matrix.shape[1]), dtype=np.float64)
    coef[:, used] = model.coef_
    return _Linear(model.classes_.tolist(), coef, model.intercept_.astype(np.float64), languages)


# --- measuring --------------------------------------------------------------------------------


def _binary_counts(gold: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, ...]:
    tp = np.sum(gold & predicted, axis=-1)
    fp = np.sum(~gold & predicted, axis=-1)
    fn = np.sum(gold & ~predicted, axis=-1)
    return tp, fp, fn


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, ...]:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    return precision, recall, f1


def _scores(gold: np.ndarray, predicted: np.ndarray, classes: Sequence[Any] | None):
    """(precision, recall, F1): of the positive class, or macro over ``classes``."""
    if classes is None:
        return _prf(*_binary_counts(gold.astype(bool), predicted.astype(bool)))
    parts = [_prf(*_binary_counts(gold == c, predicted == c)) for c in classes]
    return tuple(np.mean([p[i] for p in parts], axis=0) for i in range(3))


def measure(
    gold: np.ndarray,
    predicted: np.ndarray,
    classes: Sequence[Any] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 with 95% percentile-bootstrap intervals.

    Args:
        gold: True labels (bool for a yes/no label).
        predicted: Predicted labels, same length.
        classes: None for a yes/no label (figures of "yes"); else the classes to macro-average.
        n_bootstrap: Resamples of the rows (with replacement).
        seed: Seed of the resampling.

    Returns:
        ``{"precision": {"value", "low", "high"}, "recall": ..., "f1": ...}``, rounded to 4
        decimals.

    Examples:
        >>> gold = np.array([True, True, False, False])
        >>> measure(gold, np.array([True, False, False, True]), n_bootstrap=0)["f1"]
        {'value': 0.5, 'low': 0.5, 'high': 0.5}
    """
    gold, predicted = np.asarray(gold), np.asarray(predicted)
    point = _scores(gold, predicted, classes)
    if n_bootstrap and len(gold):
        rows = np.random.default_rng(seed).integers(0, len(gold), (n_bootstrap, len(gold)))
        spread = _scores(gold[rows], predicted[rows], classes)
    else:
        spread = tuple(np.array([float(v)]) for v in point)
    out = {}
    for name, value, values in zip(("precision", "recall", "f1"), point, spread, strict=True):
        low, high = np.percentile(values, [2.5, 97.5])
        out[name] = {"value": round(float(value), 4), "low": round(float(low), 4),
                     "high": round(float(high), 4)}
    return out


# --- the client's classifier ------------------------------------------------------------------


def _needed(counts: Mapping[str, int], minimums: Mapping[str, int]) -> dict[str, int]:
    return {value: minimums[value] - counts.get(value, 0) for value in minimums
            if counts.get(value, 0) < minimums[value]}


def _needed_message(label: str, counts: Mapping[str, int], needed: Mapping[str, int],
                    minimums: Mapping[str, int]) -> str:
    parts = [f"{more} more '{value}' (have {counts.get(value, 0)} of {minimums[value]})"
             for value, more in needed.items()]
    return f"{label}: label {' and '.join(parts)} to train a model; the rules stay until then"


def _labelled_rows(
    scored: pd.DataFrame, labels: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, list[tuple[str, np.ndarray, np.ndarray]]]:
    """Inputs, ids and, per label, the positions of its labelled rows and their gold values."""
    inputs = mention_inputs(scored)
    ids = scored["mention_id"].astype(str).reset_index(drop=True)
    position = pd.Series(np.arange(len(ids)), index=ids)
    position = position[~position.index.duplicated()]
    labels = labels[labels["mention_id"].astype(str).isin(position.index)]
    rows_of = position.reindex(labels["mention_id"].astype(str)).to_numpy()
    labelled = []
    for label in LABEL_COLUMNS:
        if label not in labels.columns:
            continue
        known = labels[label].notna().to_numpy()
        if known.any():
            values = labels.loc[known, label]
            gold = (values.astype(str).to_numpy() if label == "sentiment"
                    else values.astype(bool).to_numpy())
            labelled.append((label, rows_of[known].astype(int), gold))
    return inputs, ids, labelled


def _hash_rows(ids: pd.Series, inputs: pd.DataFrame,
               labelled: list[tuple[str, np.ndarray, np.ndarray]]) -> str:
    rows = [[label, ids.iloc[rows].tolist(), inputs["text"].iloc[rows].tolist(), gold.tolist()]
            for label, rows, gold in labelled]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode())
    return "sha256:" + digest.hexdigest()


class ClientClassifier(BaseEstimator):
    """One model per label with enough examples, for one client; the rules for the others.

    Args:
        min_positives: "yes" labels a yes/no label needs for a model.
        min_negatives: "no" labels it needs.
        min_per_class: Labels of each sentiment class sentiment needs.
        C: Inverse regularisation strength of the logistic regressions.
        n_folds: Folds of the stratified cross-validation (0: no measuring, e.g. benchmarks).
        n_bootstrap: Bootstrap resamples of the 95% intervals.
        random_state: Seed of the folds, the bootstrap and the vocabulary sample.
        featurizer: A :class:`MentionFeaturizer` with its settings (cloned, never changed).
        require_gain: Keep a label's model only when its cross-validated F1 is at least the
            rules' F1 on the same labelled rows; otherwise the rules stay for that label and the
            card says why (a model that is worse than the rules on the client's own labels
            should not replace them).

    Attributes:
        featurizer_: The fitted featurizer (fitted on every mention's text, no labels).
        models_: Label -> fitted linear model, for the labels that have one.
        results_: Label -> ``{"status": "model" | "rules", "counts", "needed", "message",
            "n", "model": metrics, "rules": metrics}`` (:func:`measure`'s dicts).
        training_hash_: SHA-256 of the labelled rows used (ids, texts, labels).

    Examples:
        >>> scored = pd.DataFrame({"mention_id": ["a", "b"], "text": ["x", "y"], "lang": "en"})
        >>> labels = pd.DataFrame({"mention_id": ["a"], "complaint": [True]})
        >>> model = ClientClassifier().fit(scored, labels)
        >>> model.models_, model.results_["complaint"]["needed"]
        ({}, {'yes': 19, 'no': 20})
    """

    def __init__(
        self,
        min_positives: int = MIN_POSITIVES,
        min_negatives: int = MIN_NEGATIVES,
        min_per_class: int = MIN_PER_CLASS,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        n_folds: int = 5,
        n_bootstrap: int = 1000,
        random_state: int = 0,
        featurizer: MentionFeaturizer | None = None,
        require_gain: bool = True,
    ) -> None:
        self.min_positives = min_positives
        self.min_negatives = min_negatives
        self.min_per_class = min_per_class
        self.C = C
        self.n_folds = n_folds
        self.n_bootstrap = n_bootstrap
        self.random_state = random_state
        self.featurizer = featurizer
        self.require_gain = require_gain

    def _minimums(self, label: str) -> dict[str, int]:
        if label == "sentiment":
            return dict.fromkeys(SENTIMENT_CLASSES, self.min_per_class)
        return {"yes": self.min_positives, "no": self.min_negatives}

    def _vocabulary_rows(self, n_rows: int, labelled: np.ndarray) -> np.ndarray:
        if n_rows <= MAX_VOCABULARY_TEXTS:
            return np.arange(n_rows)
        rng = np.random.default_rng(self.random_state)
        others = np.setdiff1d(np.arange(n_rows), labelled)
        take = max(0, MAX_VOCABULARY_TEXTS - len(labelled))
        return np.sort(np.concatenate([labelled, rng.choice(others, take, replace=False)]))

    def fit(self, scored: pd.DataFrame, labels: pd.DataFrame) -> ClientClassifier:
        """Measure and fit a model for each label with enough examples.

        Args:
            scored: The client's scored mentions (``mention_id``, text, ``lang``, rule columns).
            labels: Labels as :func:`~socialcrm_utils.nlp.labels.load_labels` returns them
                (``mention_id`` plus any label column; NA = not labelled). Ids not in
                ``scored`` are ignored.

        Returns:
            self.
        """
        inputs, ids, labelled = _labelled_rows(scored, labels)
        self.models_: dict[str, _Linear] = {}
        self.results_: dict[str, dict[str, Any]] = {}
        self.featurizer_: MentionFeaturizer | None = None
        trainable = []
        for label, rows, gold in labelled:
            if label == "sentiment":
                counts = {c: int((gold == c).sum()) for c in SENTIMENT_CLASSES}
            else:
                counts = {"yes": int(gold.sum()), "no": int((~gold).sum())}
            minimums = self._minimums(label)
            needed = _needed(counts, minimums)
            message = _needed_message(label, counts, needed, minimums) if needed else ""
            self.results_[label] = {"status": "rules", "n": int(len(rows)), "counts": counts,
                                    "needed": needed, "message": message}
            if needed:
                logger.info("%s", message)
            else:
                trainable.append((label, rows, gold))
        if trainable:
            featurizer = (MentionFeaturizer() if self.featurizer is None
                          else MentionFeaturizer(**self.featurizer.get_params()))
            every = np.unique(np.concatenate([rows for _, rows, _ in labelled]))
            self.featurizer_ = featurizer.fit(inputs.iloc[self._vocabulary_rows(len(ids), every)])
        for label, rows, gold in trainable:
            result = self.results_[label]
            x = self.featurizer_.transform(inputs.iloc[rows])
            languages = sorted(set(inputs["lang_group"].iloc[rows]))
            self._measure(label, x, gold, inputs.iloc[rows], scored.iloc[rows], result)
            if self.require_gain and "model" in result:
                model_f1, rules_f1 = (result[k]["f1"]["value"] for k in ("model", "rules"))
                if model_f1 < rules_f1:
                    result["message"] = (
                        f"{label}: the model from {len(rows)} labels (F1 {model_f1:.2f}) is not "
                        f"better than the rules (F1 {rules_f1:.2f}) on them; the rules stay")
                    logger.info("%s", result["message"])
                    continue
            self.models_[label] = _fit_linear(x, gold, self.C, languages)
            result["status"] = "model"
            result["message"] = f"{label}: model from {len(rows)} labels"
        self.training_hash_ = _hash_rows(ids, inputs, labelled)
        return self

    def _measure(self, label: str, x: sp.csr_matrix, gold: np.ndarray, inputs: pd.DataFrame,
                 scored: pd.DataFrame, result: dict[str, Any]) -> None:
        if not self.n_folds:
            return
        folds = StratifiedKFold(self.n_folds, shuffle=True, random_state=self.random_state)
        predicted = np.empty(len(gold), dtype=object)
        for train, test in folds.split(np.zeros(len(gold)), gold):
            fold_model = _fit_linear(x[train], gold[train], self.C, [])
            predicted[test] = fold_model.predict(x[test])
        classes = SENTIMENT_CLASSES if label == "sentiment" else None
        if label == "sentiment":
            rules = (scored["sentiment_label"].astype("string").fillna("unscored").to_numpy(str)
                     if "sentiment_label" in scored.columns
                     else np.full(len(gold), "unscored"))
        else:
            rules = inputs[f"rule_{label}"].to_numpy() > 0
            predicted = predicted.astype(bool)
        result["model"] = measure(gold, predicted, classes, self.n_bootstrap, self.random_state)
        result["rules"] = measure(gold, rules, classes, self.n_bootstrap, self.random_state)
        result["folds"] = self.n_folds

    def predict_proba(self, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Each model's class probabilities for every mention.

        Args:
            scored: Scored mentions.

        Returns:
            Label -> frame on ``scored``'s index with one column per class (``True``/``False``
            for the flags; ``negative``/``neutral``/``positive`` for sentiment). Empty without
            models.
        """
        if not self.models_ or self.featurizer_ is None:
            return {}
        inputs = mention_inputs(scored)
        # identical inputs (copies, retweets) are transformed once
        keys = pd.util.hash_pandas_object(inputs, index=False).to_numpy()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        matrix = self.featurizer_.transform(inputs.iloc[first])
        return {label: pd.DataFrame(model.proba(matrix)[inverse.ravel()], index=scored.index,
                                    columns=model.classes)
                for label, model in self.models_.items()}

    def predict(self, scored: pd.DataFrame) -> pd.DataFrame:
        """Each model's label for every mention (all languages; see :func:`apply_classifier`).

        Args:
            scored: Scored mentions.

        Returns:
            A frame on ``scored``'s index with one column per modelled label (bool for the
            flags, str for sentiment).
        """
        out = pd.DataFrame(index=scored.index)
        for label, proba in self.predict_proba(scored).items():
            best = np.asarray(proba.columns, dtype=object)[proba.to_numpy().argmax(axis=1)]
            out[label] = best.astype(bool) if label != "sentiment" else best.astype(str)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The fitted classifier as plain JSON-able data."""
        params = {k: v for k, v in self.get_params().items() if k != "featurizer"}
        featurizer = None if self.featurizer_ is None else self.featurizer_.to_dict()
        return {"params": params, "featurizer": featurizer,
                "models": {label: m.to_dict() for label, m in self.models_.items()},
                "results": self.results_, "training_hash": self.training_hash_}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientClassifier:
        """Rebuild a fitted classifier from :meth:`to_dict`'s data."""
        featurizer = (None if data["featurizer"] is None
                      else MentionFeaturizer.from_dict(data["featurizer"]))
        model = cls(**data["params"], featurizer=None if featurizer is None
                    else MentionFeaturizer(**featurizer.get_params()))
        model.featurizer_ = featurizer
        model.models_ = {label: _Linear.from_dict(m) for label, m in data["models"].items()}
        model.results_ = data["results"]
        model.training_hash_ = data["training_hash"]
        return model


# --- using it ---------------------------------------------------------------------------------


def apply_classifier(
    scored: pd.DataFrame,
    classifier: ClientClassifier | None,
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every mention's labels from the best source: human, else model, else rules.

    - ``is_complaint``, ``is_question``, ``is_praise``, ``is_lead``: a human label where the
      mention is labelled, else the label's model for customer posts (``is_customer``, where
      that column exists) in a language the model saw labels in, else the rules' value;
    - ``sentiment_label``: the same order (``sentiment``, the lexicon score, is kept);
    - ``intent``: recomputed from the flags by the rules' precedence
      (:data:`~socialcrm_utils.nlp.intent.PRECEDENCE`) where a flag changed; ``intent_cue``
      is NA there (no rule decided);
    - ``label_source``: ``human`` for a mention with at least one human label, else ``model``
      when a model gave at least one of its labels, else ``rules``.

    Args:
        scored: Scored mentions (the listening step's frame; ``is_complaint`` ... or ``intent``).
        classifier: A fitted :class:`ClientClassifier`, or None (rules and human labels only).
        labels: Human labels (:func:`~socialcrm_utils.nlp.labels.load_labels`), or None.

    Returns:
        A new frame: ``scored`` with the flag columns, ``sentiment_label``, ``intent``,
        ``intent_cue`` updated and ``label_source`` added. ``scored`` is not changed.
    """
    out = scored.copy()
    for name in FLAG_LABELS:
        out[f"is_{name}"] = _flag(scored, name)
    source = np.full(len(out), "rules", dtype=object)
    changed = np.zeros(len(out), bool)
    customer = (scored["is_customer"].fillna(False).to_numpy(bool)
                if "is_customer" in scored.columns else np.ones(len(out), bool))
    if classifier is not None and getattr(classifier, "models_", None):
        groups = mention_inputs(scored)["lang_group"].to_numpy()
        predicted = classifier.predict(scored)
        for label, model in classifier.models_.items():
            usable = np.isin(groups, model.languages)
            if label == "sentiment":
                if "sentiment_label" not in out.columns:
                    out["sentiment_label"] = pd.Series("unscored", index=out.index)
                usable &= predicted[label].str.len().to_numpy() > 0
                column = out["sentiment_label"].astype("string").to_numpy(object, copy=True)
                column[usable] = predicted[label].to_numpy(object)[usable]
                out["sentiment_label"] = pd.array(column, dtype="string")
            else:
                usable &= customer
                column = out[f"is_{label}"].to_numpy(bool, copy=True)
                new = predicted[label].to_numpy(bool)
                changed |= usable & (column != new)
                column = np.where(usable, new, column)
                out[f"is_{label}"] = column
            source[usable] = "model"
    if labels is not None and len(labels):
        ids = out["mention_id"].astype(str)
        for label in LABEL_COLUMNS:
            if label not in labels.columns:
                continue
            known = labels[labels[label].notna()]
            mapping = dict(zip(known["mention_id"].astype(str), known[label].to_numpy(object),
                               strict=True))
            hit = ids.isin(mapping.keys()).to_numpy()
            if not hit.any():
                continue
            rows = np.flatnonzero(hit)
            values = ids[hit].map(mapping).to_numpy(object, copy=True)
            if label == "sentiment":
                column = out["sentiment_label"].astype("string").to_numpy(object, copy=True)
                column[rows] = values
                out["sentiment_label"] = pd.array(column, dtype="string")
            else:
                column = out[f"is_{label}"].to_numpy(bool, copy=True)
                new = values.astype(bool)
                changed[rows] |= column[rows] != new
                column[rows] = new
                out[f"is_{label}"] = column
            source[rows] = "human"
    if "intent" in out.columns and changed.any():
        intent = np.full(len(out), "other", dtype=object)
        for name in reversed(PRECEDENCE):
            intent = np.where(out[f"is_{name}"].to_numpy(bool), name, intent)
        column = out["intent"].astype("string").to_numpy(object, copy=True)
        column[changed] = intent[changed]
        out["intent"] = pd.array(column, dtype="string")
        if "intent_cue" in out.columns:
            cue = out["intent_cue"].astype("string").to_numpy(object, copy=True)
            cue[changed] = pd.NA
            out["intent_cue"] = pd.array(cue, dtype="string")
    for name in FLAG_LABELS:
        out[f"is_{name}"] = out[f"is_{name}"].astype(bool)
    out["label_source"] = pd.array(source, dtype="string")
    return out


def classifier_card(
    classifier: ClientClassifier | None,
    report: LabelReport | None = None,
    label_hash: str | None = None,
) -> dict[str, Any]:
    """What was learned, from what, and how accurate it is: ``classifier_card.json``'s content.

    Args:
        classifier: The fitted classifier (None: no labels at all).
        report: The label files' :class:`~socialcrm_utils.nlp.labels.LabelReport`.
        label_hash: :func:`~socialcrm_utils.nlp.labels.hash_label_files` of the files.

    Returns:
        A JSON-able dict: ``created`` (UTC ISO time), ``versions`` (socialcrm-utils,
        scikit-learn), ``label_files``, ``label_hash``, ``labelled_mentions``, ``unknown_ids``,
        ``errors``, ``minimums``, ``method`` (features, model, validation), ``models`` (labels
        with a model), ``rules_only`` (labels without one), ``needed`` (label -> value -> how
        many more labels), ``messages`` (one sentence per label) and ``labels`` (label ->
        ``status``, ``n``, ``counts``, ``needed``, ``model`` and ``rules`` metrics with
        ``value``/``low``/``high``).
    """
    results = {} if classifier is None else dict(getattr(classifier, "results_", {}))
    params = classifier.get_params() if classifier is not None else ClientClassifier().get_params()
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _package_versions(),
        "label_files": [] if report is None else list(report.files),
        "label_hash": label_hash,
        "labelled_mentions": 0 if report is None else report.labelled,
        "unknown_ids": 0 if report is None else report.unknown_ids,
        "errors": [] if report is None else list(report.errors),
        "minimums": {"yes": params["min_positives"], "no": params["min_negatives"],
                     "sentiment_per_class": params["min_per_class"]},
        "method": {
            "features": "word 1-2-gram and char_wb 2-5-gram TF-IDF, rule flags, lexicon "
                        "sentiment score and label, language (en/de/other)",
            "model": f"logistic regression, class_weight=balanced, C={params['C']}",
            "validation": f"stratified {params['n_folds']}-fold cross-validation (seed "
                          f"{params['random_state']}); 95% percentile bootstrap intervals "
                          f"({params['n_bootstrap']} resamples) on the out-of-fold predictions",
        },
        "models": [label for label, r in results.items() if r["status"] == "model"],
        "rules_only": [label for label, r in results.items() if r["status"] == "rules"],
        "needed": {label: r["needed"] for label, r in results.items() if r["needed"]},
        "messages": [r["message"] for r in results.values() if r["message"]],
        "labels": results,
    }


# --- persistence ------------------------------------------------------------------------------


def save_classifier(classifier: ClientClassifier, folder: Path | str,
                    label_hash: str | None = None) -> Path:
    """Write the classifier as plain JSON (no pickle) to ``folder/classifier.json``.

    Args:
        classifier: A fitted :class:`ClientClassifier`.
        folder: The client's model folder (created if missing).
        label_hash: The label files' hash, kept to decide on retraining.

    Returns:
        The file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    data = {"format": MODEL_FORMAT[0], "format_version": MODEL_FORMAT[1],
            "versions": _package_versions(), "label_hash": label_hash,
            **classifier.to_dict()}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)
    logger.info("classifier saved to %s", path)
    return path


def load_classifier(folder: Path | str) -> tuple[ClientClassifier, dict[str, Any]] | None:
    """Read ``folder/classifier.json``.

    Args:
        folder: The client's model folder.

    Returns:
        ``(classifier, meta)`` with meta ``versions``, ``label_hash`` and ``training_hash``;
        None when there is no file, or it is not a classifier of this format (it is then
        retrained).
    """
    path = Path(folder) / MODEL_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if (data.get("format"), data.get("format_version")) != MODEL_FORMAT:
            return None
        classifier = ClientClassifier.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        logger.warning("%s is not a usable classifier (%s); it will be retrained", path, exc)
        return None
    meta = {"versions": data.get("versions"), "label_hash": data.get("label_hash"),
            "training_hash": data.get("training_hash")}
    return classifier, meta


@dataclass
class LearnResult:
    """What :func:`learn_from_labels` hands back.

    Attributes:
        scored: The mentions with the best labels and ``label_source`` (:func:`apply_classifier`).
        card: :func:`classifier_card`'s dict (write it as ``classifier_card.json``).
        report: The label files' report (problems, unknown ids).
        labels: The human labels used.
        classifier: The classifier (None without labels).
        retrained: True when it was trained in this call, False when loaded.
        model_path: The JSON file (None without a model folder or labels).
    """

    scored: pd.DataFrame
    card: dict[str, Any]
    report: LabelReport
    labels: pd.DataFrame
    classifier: ClientClassifier | None = None
    retrained: bool = False
    model_path: Path | None = None


def learn_from_labels(
    scored: pd.DataFrame,
    label_files: Sequence[Path | str],
    model_folder: Path | str | None = None,
    *,
    classifier: ClientClassifier | None = None,
) -> LearnResult:
    """Read the label files, train or load the client's classifier, apply it.

    The model in ``model_folder`` is loaded when its label-file hash, the hash of the labelled
    posts it was trained on and the versions of socialcrm-utils and scikit-learn all equal
    today's; otherwise it is retrained and saved. Bad label files never stop the run: their
    one-line problems are in ``report.errors`` and the card, and the rules stay where labels
    cannot be used.

    Args:
        scored: The client's scored mentions.
        label_files: The playbook's ``listening.labels`` (may be empty: rules only).
        model_folder: Where ``classifier.json`` lives (the client's folder); None: never saved.
        classifier: An unfitted :class:`ClientClassifier` with other settings, or None.

    Returns:
        A :class:`LearnResult`.
    """
    labels, report = load_labels(list(label_files), scored)
    label_hash = hash_label_files(label_files) if label_files else None
    if not label_files:
        out = apply_classifier(scored, None, None)
        return LearnResult(out, classifier_card(None, report, None), report, labels)
    template = classifier if classifier is not None else ClientClassifier()
    fitted: ClientClassifier | None = None
    retrained = False
    path = None if model_folder is None else Path(model_folder) / MODEL_FILE
    if model_folder is not None:
        loaded = load_classifier(model_folder)
        if loaded is not None:
            candidate, meta = loaded
            probe = _training_hash(scored, labels)
            if (meta["label_hash"] == label_hash and meta["versions"] == _package_versions()
                    and meta["training_hash"] == probe
                    and _settings(candidate) == _settings(template)):
                fitted = candidate
                logger.info("classifier loaded from %s (labels unchanged)", path)
    if fitted is None:
        fitted = ClientClassifier(**template.get_params(deep=False)).fit(scored, labels)
        retrained = True
        if model_folder is not None:
            path = save_classifier(fitted, model_folder, label_hash)
    out = apply_classifier(scored, fitted, labels)
    card = classifier_card(fitted, report, label_hash)
    return LearnResult(out, card, report, labels, fitted, retrained, path)


def _settings(classifier: ClientClassifier) -> dict[str, Any]:
    return {k: v for k, v in classifier.get_params(deep=False).items() if k != "featurizer"}


def _training_hash(scored: pd.DataFrame, labels: pd.DataFrame) -> str:
    """The hash :meth:`ClientClassifier.fit` would record, without fitting."""
    inputs, ids, labelled = _labelled_rows(scored, labels)
    return _hash_rows(ids, inputs, labelled)


# --- which posts to label next ----------------------------------------------------------------


def _disagreement(inputs: pd.DataFrame) -> np.ndarray:
    """How much the rules and the lexicon disagree, in [0, 1] (no model needed)."""
    complaint = inputs["rule_complaint"].to_numpy() > 0
    question = inputs["rule_question"].to_numpy() > 0
    praise = inputs["rule_praise"].to_numpy() > 0
    negative = inputs["sentiment_negative"].to_numpy() > 0
    positive = inputs["sentiment_positive"].to_numpy() > 0
    flags = inputs[[f"rule_{n}" for n in FLAG_LABELS]].to_numpy().sum(axis=1)
    score = inputs["sentiment_score"].to_numpy()
    unscored = inputs["sentiment_unscored"].to_numpy() > 0
    signals = np.column_stack([
        negative & ~complaint,              # negative, but no complaint cue
        complaint & positive,               # a complaint the lexicon finds positive
        question & negative & ~complaint,   # a problem asked as a question?
        praise & negative,                  # sarcasm?
        flags == 0,                         # no rule fired: the rules do not know
        flags > 1,                          # several flags
        ~unscored & (np.abs(score) < 0.2),  # near the sentiment thresholds
    ]).astype(float)
    return signals.sum(axis=1) / 3.0


def _wanted(classifier: ClientClassifier, inputs: pd.DataFrame) -> np.ndarray:
    """How likely a post is of a kind a label still lacks (by the rules), in [0, 1]."""
    negative = inputs["sentiment_negative"].to_numpy() > 0
    positive = inputs["sentiment_positive"].to_numpy() > 0
    neutral = ~negative & ~positive & ~(inputs["sentiment_unscored"].to_numpy() > 0)
    sentiment = {"negative": negative, "neutral": neutral, "positive": positive}
    hint = np.zeros(len(inputs))
    for label, result in classifier.results_.items():
        for value, more in result["needed"].items():
            if label == "sentiment":
                match = sentiment[value]
            else:
                rule = inputs[f"rule_{label}"].to_numpy() > 0
                match = rule if value == "yes" else ~rule
            have = result["counts"].get(value, 0)
            hint = np.maximum(hint, match * more / (more + have))
    return hint


def _uncertainty(classifier: ClientClassifier, scored: pd.DataFrame) -> np.ndarray:
    """Highest uncertainty over the models: 1 - (top probability - second), in [0, 1]."""
    most = np.zeros(len(scored))
    for proba in classifier.predict_proba(scored).values():
        values = np.sort(proba.to_numpy(), axis=1)
        most = np.maximum(most, 1.0 - (values[:, -1] - values[:, -2]))
    return most


def _quotas(sizes: pd.Series, n: int) -> pd.Series:
    """Posts per group: proportional to the square root of its size, at most its size.

    Largest remainders get the posts that rounding down leaves; a group's unused room goes to
    the others.

    Examples:
        >>> _quotas(pd.Series({"a": 100, "b": 25, "c": 1}), 10).tolist()
        [6, 3, 1]
    """
    quota = pd.Series(0, index=sizes.index)
    target = min(n, int(sizes.sum()))
    while (left := target - int(quota.sum())) > 0:
        room = sizes - quota
        open_groups = room[room > 0].index
        weights = np.sqrt(sizes[open_groups].astype(float))
        exact = weights / weights.sum() * left
        base = np.floor(exact).astype(int).clip(upper=room[open_groups])
        rest = left - int(base.sum())
        fraction = (exact - np.floor(exact))[base < room[open_groups]]
        extra = fraction.sort_values(ascending=False, kind="stable").index[:rest]
        base[extra] += 1
        quota[open_groups] += base
    return quota


def _pick_diverse(vectors: sp.csr_matrix, value: np.ndarray, k: int, penalty: float) -> list[int]:
    """Greedy: highest value minus ``penalty`` x cosine similarity to the posts already picked."""
    chosen: list[int] = []
    nearest = np.zeros(vectors.shape[0])
    gain = value.astype(float).copy()
    for _ in range(min(k, vectors.shape[0])):
        best = int(np.argmax(gain - penalty * nearest))
        chosen.append(best)
        gain[best] = -np.inf
        similarity = np.asarray((vectors @ vectors[best].T).todense()).ravel()
        nearest = np.maximum(nearest, similarity)
    return chosen


def suggest_labels(
    scored: pd.DataFrame,
    classifier: ClientClassifier | None = None,
    n: int = 200,
    labels: pd.DataFrame | None = None,
    *,
    random_state: int = 0,
) -> pd.DataFrame:
    """The posts that would teach the model most, ready to write as ``labels_todo.csv``.

    Candidates: customer posts (``is_customer`` where present) with text, not yet labelled,
    one per text (copies and retweets count once). Each gets a value:

    - with a model: its uncertainty (1 - the margin between the two most likely classes, the
      highest over the labels' models), plus a quarter of the rule disagreement;
    - without one: how much the rules and the lexicon disagree (negative without a complaint
      cue, a complaint scored positive, a negative question, negative praise, no rule fired,
      several flags, a score near the thresholds);
    - plus, for a label that still lacks examples of a kind (``results_[label]["needed"]``),
      the share still missing where the rules say the post is of that kind (e.g. posts the
      lexicon calls positive while sentiment lacks positive labels).

    Diversity: every (platform, language) group gets posts in proportion to the square root of
    its size (small groups are not drowned), and inside a group posts are picked greedily by
    value minus their highest character-n-gram cosine similarity to those already picked, so
    near-copies do not fill the list.

    Args:
        scored: Scored mentions (``mention_id``, text, ``lang``; ``platform`` optional).
        classifier: A fitted :class:`ClientClassifier` (with or without models), or None.
        n: How many posts at most.
        labels: Labels already given (their ids are left out), or None.
        random_state: Seed of the tie-breaking noise.

    Returns:
        ``mention_id``, ``platform``, ``lang``, ``text_redacted`` and the empty label columns
        ``complaint``, ``question``, ``praise``, ``lead``, ``sentiment`` (empty strings), most
        valuable first; ``labels_todo.csv`` as :func:`~socialcrm_utils.nlp.labels.read_labels`
        reads it back.
    """
    columns = ["mention_id", "platform", "lang", "text_redacted", *LABEL_COLUMNS]
    text = text_of(scored).astype("string")
    keep = text.fillna("").str.strip().str.len().to_numpy() > 0
    if "is_customer" in scored.columns:
        keep &= scored["is_customer"].fillna(False).to_numpy(bool)
    if labels is not None and len(labels):
        done = set(labels["mention_id"].astype(str))
        keep &= ~scored["mention_id"].astype(str).isin(done).to_numpy()
    folded = text.str.lower().str.replace(_URL, "", regex=True)
    folded = folded.str.replace(_HANDLE, "", regex=True).str.replace(r"^rt\s*:?\s*", "",
                                                                      regex=True)
    folded = folded.str.replace(r"\W+", " ", regex=True).str.strip()
    candidates = np.flatnonzero(keep)
    keep[candidates[folded.iloc[candidates].duplicated().to_numpy()]] = False
    pool = scored[keep]
    if pool.empty or n <= 0:
        return pd.DataFrame(columns=columns)
    inputs = mention_inputs(pool)
    value = _disagreement(inputs)
    if classifier is not None and getattr(classifier, "models_", None):
        value = _uncertainty(classifier, pool) + 0.25 * value
    if classifier is not None and getattr(classifier, "results_", None):
        value = value + _wanted(classifier, inputs)
    value = value + np.random.default_rng(random_state).uniform(0, 1e-6, len(value))
    platform = (pool["platform"].astype("string").fillna("unknown")
                if "platform" in pool.columns
                else pd.Series("unknown", index=pool.index, dtype="string"))
    group = platform.str.cat(inputs["lang_group"].astype("string"), sep="|").to_numpy()
    sizes = pd.Series(group).value_counts()
    quotas = _quotas(sizes, n)
    chosen: list[int] = []
    chosen_value: list[float] = []
    for name, quota in quotas.items():
        if quota <= 0:
            continue
        members = np.flatnonzero(group == name)
        order = members[np.argsort(-value[members], kind="stable")][: max(quota * 5, 50)]
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        try:
            vectors = vectorizer.fit_transform(inputs["text"].iloc[order].tolist())
        except ValueError:  # texts without characters to count
            vectors = sp.csr_matrix((len(order), 1))
        picked = _pick_diverse(vectors.tocsr(), value[order], int(quota), penalty=0.5)
        chosen += order[picked].tolist()
        chosen_value += value[order][picked].tolist()
    ranked = [chosen[i] for i in np.argsort(-np.asarray(chosen_value), kind="stable")]
    picked_rows = pool.iloc[ranked]
    out = pd.DataFrame({
        "mention_id": picked_rows["mention_id"].astype("string").to_numpy(),
        "platform": platform.iloc[ranked].to_numpy(),
        "lang": (picked_rows["lang"].astype("string").to_numpy() if "lang" in pool.columns
                 else pd.NA),
        "text_redacted": text[keep].iloc[ranked].to_numpy(),
    })
    for label in LABEL_COLUMNS:
        out[label] = ""
    logger.info("suggested %d posts to label from %d candidates", len(out), len(pool))
    return out[columns]



# --- helpers for the notebook and the CLI -----------------------------------------------------


def model_folder(run_dir: Path | str) -> Path:
    """The client's model folder: ``models/`` next to the run folders (``reports/<client>/``).

    Args:
        run_dir: A run folder, ``reports/<client>/<run>``.

    Returns:
        ``reports/<client>/models`` (not created here; :func:`save_classifier` creates it).

    Examples:
        >>> model_folder("/tmp/reports/acme-air/20261101T090000Z").as_posix()
        '/tmp/reports/acme-air/models'
    """
    return Path(run_dir).parent / "models"


def card_table(card: Mapping[str, Any]) -> pd.DataFrame:
    """Per-label accuracy of the model beside the rules, from a :func:`classifier_card`.

    Args:
        card: The classifier card (``classifier_card.json``'s content).

    Returns:
        One row per label with figures and source (``model``, ``rules``): ``label``,
        ``source``, ``n`` (labelled posts), and ``precision``, ``recall``, ``f1`` each with
        ``_low`` and ``_high`` (95% interval). Labels without figures (too few labels) are
        left out; no labels give an empty frame with these columns.

    Examples:
        >>> fig = {"value": 0.8, "low": 0.7, "high": 0.9}
        >>> card = {"labels": {"praise": {"n": 40, "model": {"precision": fig, "recall": fig,
        ...     "f1": fig}, "rules": {"precision": fig, "recall": fig, "f1": fig}}}}
        >>> card_table(card)[["label", "source", "n", "f1", "f1_low"]].to_dict("records")[0]
        {'label': 'praise', 'source': 'model', 'n': 40, 'f1': 0.8, 'f1_low': 0.7}
    """
    metrics = ("precision", "recall", "f1")
    columns = ["label", "source", "n",
               *(f"{m}{suffix}" for m in metrics for suffix in ("", "_low", "_high"))]
    rows = []
    for label, result in card.get("labels", {}).items():
        for source in ("model", "rules"):
            figures = result.get(source)
            if not figures:
                continue
            row: dict[str, Any] = {"label": label, "source": source, "n": result.get("n")}
            for m in metrics:
                row[m] = figures[m]["value"]
                row[f"{m}_low"] = figures[m]["low"]
                row[f"{m}_high"] = figures[m]["high"]
            rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def format_card_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`card_table` for reading: ``0.81 (0.74-0.88)`` per metric.

    Args:
        table: :func:`card_table`'s frame.

    Returns:
        ``label``, ``source``, ``n``, ``precision``, ``recall``, ``F1`` as text, the value with
        its 95% interval.

    Examples:
        >>> row = {"label": "lead", "source": "rules", "n": 9, "precision": 0.5,
        ...        "precision_low": 0.25, "precision_high": 0.75, "recall": 1.0,
        ...        "recall_low": 1.0, "recall_high": 1.0, "f1": 0.6667, "f1_low": 0.4,
        ...        "f1_high": 0.8571}
        >>> format_card_table(pd.DataFrame([row]))["F1"].iloc[0]
        '0.67 (0.40-0.86)'
    """
    out = table[["label", "source", "n"]].copy()
    for metric, title in (("precision", "precision"), ("recall", "recall"), ("f1", "F1")):
        out[title] = [f"{v:.2f} ({lo:.2f}-{hi:.2f})" for v, lo, hi in
                      zip(table[metric], table[f"{metric}_low"], table[f"{metric}_high"],
                          strict=True)]
    return out.reset_index(drop=True)


def latest_scored_run(client_dir: Path | str) -> Path | None:
    """The newest run folder of a client that holds ``mentions_scored.parquet``.

    ``<client>/latest`` first (the newest complete run), else the newest run folder by name
    (run folders are named by their UTC start time), ``interactive`` last.

    Args:
        client_dir: ``reports/<client>``.

    Returns:
        The run folder, or None when no run has scored mentions yet.
    """
    client_dir = Path(client_dir)
    if not client_dir.is_dir():
        return None
    latest = client_dir / "latest"
    if (latest / "mentions_scored.parquet").is_file():
        return latest.resolve()
    runs = sorted((p for p in client_dir.iterdir()
                   if p.is_dir() and p.name not in ("latest", "models")
                   and (p / "mentions_scored.parquet").is_file()),
                  key=lambda p: (p.name != "interactive", p.name))
    return runs[-1] if runs else None
