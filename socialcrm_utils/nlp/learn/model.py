"""The client's classifier: one logistic regression per label with enough labels; applying it.

:class:`ClientClassifier` measures (cross-validated, beside the rules) and fits a model per label;
:func:`apply_classifier` gives every mention its labels from the best source (human, model,
rules) and ``label_source``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from ..intent import PRECEDENCE
from ..labels import FLAG_LABELS, LABEL_COLUMNS, SENTIMENT_CLASSES
from .features import MentionFeaturizer, _flag, mention_inputs
from .metrics import _binary_counts, _prf, measure

__all__ = [
    "MIN_POSITIVES",
    "MIN_NEGATIVES",
    "MIN_PER_CLASS",
    "ClientClassifier",
    "apply_classifier",
]

logger = logging.getLogger(__name__)

#: A yes/no label gets a model from this many "yes" labels on ...
MIN_POSITIVES = 20
#: ... and this many "no" labels.
MIN_NEGATIVES = 20
#: Sentiment gets a model from this many labels of each of negative, neutral and positive.
MIN_PER_CLASS = 15
#: ``min_calibrated`` as tried: calibrated rules alone from this many labels per sentiment class.
#: Not the default: inside the GermEval tune half it gained +0.007 at 100 random labels and lost
#: 0.017 at 100 suggested ones (docs/learning.md); the default is ``MIN_PER_CLASS`` (off).
MIN_CALIBRATED = 5
#: Texts the TF-IDF vocabularies are fitted on at most (a seeded sample; labelled ones always).
MAX_VOCABULARY_TEXTS = 50_000


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
        return {
            "classes": list(self.classes),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "languages": list(self.languages),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Linear:
        return cls(
            list(data["classes"]),
            np.asarray(data["coef"], dtype=np.float64),
            np.asarray(data["intercept"], dtype=np.float64),
            list(data["languages"]),
        )


def _fit_linear(matrix: sp.csr_matrix, y: np.ndarray, c: float, languages: list[str]) -> _Linear:
    """Logistic regression on the columns the training rows use.

    A column that is zero in every training row has a zero gradient and an L2 penalty that
    keeps its weight at 0: leaving it out gives the same model, and a few hundred labelled
    rows use a few thousand of the vocabulary's hundreds of thousands of n-grams (the fit on
    the sample's 240 labels went from ~40 s to a few seconds).

    The solver is Newton-CG: the loss is strictly convex, so every solver reaches the same
    optimum, and with ten thousand columns and a few hundred rows SciPy's L-BFGS-B (sklearn's
    default) spends about 1 s per fit in its own bookkeeping; on the sample's labels the 30 fits
    take 10 s instead of 29 s, with identical predictions and cross-validated figures.
    """
    matrix = sp.csr_matrix(matrix)
    used = np.unique(matrix.indices)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="newton-cg")
    model.fit(matrix[:, used], y)
    coef = np.zeros((model.coef_.shape[0], matrix.shape[1]), dtype=np.float64)
    coef[:, used] = model.coef_
    return _Linear(model.classes_.tolist(), coef, model.intercept_.astype(np.float64), languages)


#: Candidate thresholds of the calibrated rules (the lexicon score is in [-1, 1]).
THRESHOLD_GRID = tuple(round(-0.95 + 0.05 * i, 2) for i in range(39))


@dataclass
class _Thresholds:
    """Calibrated rules: the lexicon score's thresholds, learned from the labels.

    ``negative`` at or below ``negative_at``, ``positive`` at or above ``positive_at``,
    ``neutral`` between; the score is the feature matrix's column ``column`` divided by
    ``scale`` (the featurizer's rule weight). Probabilities are a softmax of 10 x the distance
    past each threshold, so the predicted class is the rule's and posts near a threshold are
    uncertain (for :func:`~socialcrm_utils.nlp.learn.suggest_labels`).
    """

    negative_at: float
    positive_at: float
    column: int
    scale: float
    languages: list[str]
    classes: tuple[str, ...] = SENTIMENT_CLASSES

    def proba(self, matrix: sp.csr_matrix) -> np.ndarray:
        score = np.asarray(matrix[:, self.column].todense()).ravel() / self.scale
        decision = np.column_stack(
            [
                10 * (self.negative_at - score) + 1e-6,
                np.zeros(len(score)),
                10 * (score - self.positive_at) + 1e-6,
            ]
        )
        return softmax(decision, axis=1)

    def predict(self, matrix: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self.classes, dtype=object)[self.proba(matrix).argmax(axis=1)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "thresholds",
            "negative_at": self.negative_at,
            "positive_at": self.positive_at,
            "column": self.column,
            "scale": self.scale,
            "languages": list(self.languages),
        }


def _fit_thresholds(
    matrix: sp.csr_matrix, y: np.ndarray, column: int, scale: float, languages: list[str]
) -> _Thresholds:
    """The pair of :data:`THRESHOLD_GRID` values with the highest macro-F1 on the rows.

    Ties go to the first pair (the lowest thresholds).

    Examples:
        >>> x = sp.csr_matrix(np.array([[-0.5], [-0.2], [0.0], [0.1], [0.6]]))
        >>> y = np.array(["negative", "negative", "neutral", "neutral", "positive"])
        >>> model = _fit_thresholds(x, y, 0, 1.0, ["de"])
        >>> model.predict(x).tolist() == y.tolist()
        True
    """
    score = np.asarray(matrix[:, column].todense()).ravel() / scale
    grid = np.asarray(THRESHOLD_GRID)
    low, high = np.triu_indices(len(grid), k=1)
    negative = score[None, :] <= grid[low][:, None]
    positive = score[None, :] >= grid[high][:, None]
    predicted = np.where(negative, "negative", np.where(positive, "positive", "neutral"))
    gold = np.broadcast_to(np.asarray(y, dtype=str), predicted.shape)
    parts = [_prf(*_binary_counts(gold == c, predicted == c))[2] for c in SENTIMENT_CLASSES]
    best = int(np.argmax(np.mean(parts, axis=0)))
    return _Thresholds(float(grid[low[best]]), float(grid[high[best]]), column, scale, languages)


def _model_from_dict(data: Mapping[str, Any]) -> _Linear | _Thresholds:
    if data.get("kind") == "thresholds":
        return _Thresholds(
            float(data["negative_at"]),
            float(data["positive_at"]),
            int(data["column"]),
            float(data["scale"]),
            list(data["languages"]),
        )
    return _Linear.from_dict(data)


# --- the client's classifier ------------------------------------------------------------------


def _needed(counts: Mapping[str, int], minimums: Mapping[str, int]) -> dict[str, int]:
    return {
        value: minimums[value] - counts.get(value, 0)
        for value in minimums
        if counts.get(value, 0) < minimums[value]
    }


def _needed_message(
    label: str, counts: Mapping[str, int], needed: Mapping[str, int], minimums: Mapping[str, int]
) -> str:
    parts = [
        f"{more} more '{value}' (have {counts.get(value, 0)} of {minimums[value]})"
        for value, more in needed.items()
    ]
    return f"{label}: label {' and '.join(parts)} to train a model; the rules stay until then"


def _labelled_rows(
    scored: pd.DataFrame, labels: pd.DataFrame
) -> tuple[pd.Series, list[tuple[str, np.ndarray, np.ndarray]]]:
    """Ids and, per label, the positions of its labelled rows and their gold values.

    Labels are matched to rows through one hash look-up of their ids (an ``isin`` against a
    million Arrow-string ids builds a Python list of them: seconds per call).
    """
    ids = scored["mention_id"].astype(str).reset_index(drop=True)
    position = pd.Series(np.arange(len(ids)), index=ids)
    position = position[~position.index.duplicated()]
    where = position.index.get_indexer(labels["mention_id"].astype(str).to_numpy(dtype=object))
    found = where >= 0
    labels = labels[found]
    rows_of = position.to_numpy()[where[found]]
    labelled = []
    for label in LABEL_COLUMNS:
        if label not in labels.columns:
            continue
        known = labels[label].notna().to_numpy()
        if known.any():
            values = labels.loc[known, label]
            gold = (
                values.astype(str).to_numpy()
                if label == "sentiment"
                else values.astype(bool).to_numpy()
            )
            labelled.append((label, rows_of[known].astype(int), gold))
    return ids, labelled


def _hash_rows(
    ids: pd.Series, scored: pd.DataFrame, labelled: list[tuple[str, np.ndarray, np.ndarray]]
) -> str:
    """The hash of the labelled posts: ids, model texts and gold values per label.

    :func:`mention_inputs` works row by row, so only the labelled rows are prepared.
    """
    rows = [
        [label, ids.iloc[rows].tolist(), mention_inputs(scored.iloc[rows])["text"].tolist(),
         gold.tolist()]
        for label, rows, gold in labelled
    ]  # fmt: skip
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
        calibrate: For sentiment, also cross-validate calibrated rules (the lexicon score's
            two thresholds learned from the labels, :data:`THRESHOLD_GRID`) and use them
            instead of the logistic regression when their cross-validated macro-F1 is higher
            (needs ``n_folds``); the card's ``kind`` says which (``linear``, ``thresholds``).
        min_calibrated: Labels per sentiment class from which the calibrated rules alone are
            tried while the n-gram model still lacks labels (below ``min_per_class``); the
            default, ``min_per_class``, never does (see :data:`MIN_CALIBRATED`).

    Attributes:
        featurizer_: The fitted featurizer (fitted on every mention's text, no labels).
        models_: Label -> fitted model (linear, or calibrated rules for sentiment), for the
            labels that have one.
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
        calibrate: bool = False,
        min_calibrated: int = MIN_PER_CLASS,
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
        self.calibrate = calibrate
        self.min_calibrated = min_calibrated

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
        self._fit(scored, labels)
        return self

    def _fit(self, scored: pd.DataFrame, labels: pd.DataFrame) -> sp.csr_matrix | None:
        """:meth:`fit`'s work; returns the feature matrix of every row of ``scored``, or None.

        The featurizer is fitted with ``fit_transform``, so its texts are analysed once; the
        labelled rows' matrices are rows of that matrix (identical to transforming them). When
        the vocabulary was fitted on every row of ``scored`` (up to
        :data:`MAX_VOCABULARY_TEXTS`), the matrix is returned for
        :func:`apply_classifier`'s ``features`` (the same rows :meth:`predict_proba` would
        transform); otherwise, and without a model to fit, None.
        """
        ids, labelled = _labelled_rows(scored, labels)
        self.models_: dict[str, _Linear | _Thresholds] = {}
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
            self.results_[label] = {
                "status": "rules",
                "n": int(len(rows)),
                "counts": counts,
                "needed": needed,
                "message": message,
            }
            calibrated_only = bool(needed) and label == "sentiment" and self._can_calibrate(counts)
            if needed and not calibrated_only:
                logger.info("%s", message)
            else:
                self.results_[label]["linear_ok"] = not calibrated_only
                trainable.append((label, rows, gold))
        matrix = None
        if trainable:
            featurizer = (
                MentionFeaturizer()
                if self.featurizer is None
                else MentionFeaturizer(**self.featurizer.get_params())
            )
            every = np.unique(np.concatenate([rows for _, rows, _ in labelled]))
            # Sorted, and holds every labelled row; the inputs work row by row, so only the
            # rows used are prepared (not a million for a few hundred labels).
            vocabulary = self._vocabulary_rows(len(ids), every)
            inputs = mention_inputs(scored.iloc[vocabulary])
            matrix = featurizer.fit_transform(inputs)
            self.featurizer_ = featurizer
        for label, rows, gold in trainable:
            at = np.searchsorted(vocabulary, rows)
            self._fit_label(label, rows, gold, matrix[at], inputs.iloc[at], scored.iloc[rows])
        self.training_hash_ = _hash_rows(ids, scored, labelled)
        return matrix if matrix is not None and len(vocabulary) == len(scored) else None

    def _fit_label(
        self,
        label: str,
        rows: np.ndarray,
        gold: np.ndarray,
        x: sp.csr_matrix,
        rows_inputs: pd.DataFrame,
        scored: pd.DataFrame,
    ) -> None:
        """Measure one label's model and fit it on all its rows, unless the rules stay."""
        result = self.results_[label]
        languages = sorted(set(rows_inputs["lang_group"]))
        self._measure(label, x, gold, rows_inputs, scored, result)
        if self.require_gain and "model" in result:
            model_f1, rules_f1 = (result[k]["f1"]["value"] for k in ("model", "rules"))
            if model_f1 < rules_f1:
                result["message"] = (
                    f"{label}: the model from {len(rows)} labels (F1 {model_f1:.2f}) is not "
                    f"better than the rules (F1 {rules_f1:.2f}) on them; the rules stay"
                )
                logger.info("%s", result["message"])
                return
        if result.get("kind") == "thresholds":
            self.models_[label] = self._fit_thresholds(x, gold, languages)
            what = (
                f"calibrated rules (negative <= {self.models_[label].negative_at}, "
                f"positive >= {self.models_[label].positive_at})"
            )
        else:
            self.models_[label] = _fit_linear(x, gold, self.C, languages)
            what = "model"
        result["status"] = "model"
        result["message"] = f"{label}: {what} from {len(rows)} labels"
        if result["needed"]:
            more = " and ".join(f"{n} more '{value}'" for value, n in result["needed"].items())
            result["message"] += f"; label {more} for the n-gram model"

    def _measure(
        self,
        label: str,
        x: sp.csr_matrix,
        gold: np.ndarray,
        inputs: pd.DataFrame,
        scored: pd.DataFrame,
        result: dict[str, Any],
    ) -> None:
        if not self.n_folds:
            return
        folds = StratifiedKFold(self.n_folds, shuffle=True, random_state=self.random_state)
        linear = result.get("linear_ok", True)
        predicted = np.empty(len(gold), dtype=object)
        calibrated = np.empty(len(gold), dtype=object)
        for train, test in folds.split(np.zeros(len(gold)), gold):
            if linear:
                fold_model = _fit_linear(x[train], gold[train], self.C, [])
                predicted[test] = fold_model.predict(x[test])
            if label == "sentiment" and self.calibrate:
                calibrated[test] = self._fit_thresholds(x[train], gold[train], []).predict(x[test])
        classes = SENTIMENT_CLASSES if label == "sentiment" else None
        if label == "sentiment":
            rules = (
                scored["sentiment_label"].astype("string").fillna("unscored").to_numpy(str)
                if "sentiment_label" in scored.columns
                else np.full(len(gold), "unscored")
            )
        else:
            rules = inputs[f"rule_{label}"].to_numpy() > 0
            predicted = predicted.astype(bool)
        result["model"] = measure(gold, predicted, classes, self.n_bootstrap, self.random_state)
        result["rules"] = measure(gold, rules, classes, self.n_bootstrap, self.random_state)
        result["folds"] = self.n_folds
        result["kind"] = "linear"
        if label == "sentiment" and self.calibrate:
            figures = measure(gold, calibrated, classes, self.n_bootstrap, self.random_state)
            if linear:
                result["linear"] = result["model"]
            if not linear or figures["f1"]["value"] > result["model"]["f1"]["value"]:
                result["model"], result["kind"] = figures, "thresholds"

    def _can_calibrate(self, counts: Mapping[str, int]) -> bool:
        """Calibrated rules alone: enough per class for them and for every fold."""
        return (
            self.calibrate
            and self.n_folds > 0
            and min(counts.values()) >= max(self.min_calibrated, self.n_folds)
        )

    def _fit_thresholds(
        self, x: sp.csr_matrix, gold: np.ndarray, languages: list[str]
    ) -> _Thresholds:
        if self.featurizer_ is None:  # pragma: no cover - fit sets it before measuring
            raise ValueError("fit the featurizer first")
        column, scale = self.featurizer_.rule_column("sentiment_score")
        return _fit_thresholds(x, gold, column, scale, languages)

    def predict_proba(
        self, scored: pd.DataFrame, *, features: sp.spmatrix | None = None
    ) -> dict[str, pd.DataFrame]:
        """Each model's class probabilities for every mention.

        Args:
            scored: Scored mentions.
            features: The fitted featurizer's matrix of every row of ``scored``, when the
                caller has it (the one fitting the featurizer on ``scored`` returned): its rows
                are used instead of transforming the texts again (the same rows).

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
        if features is None:
            matrix = self.featurizer_.transform(inputs.iloc[first])
        elif features.shape != (len(scored), self.featurizer_.n_features_):
            raise ValueError(
                f"features has shape {features.shape}, not one row per mention "
                f"({len(scored)}) and {self.featurizer_.n_features_} columns"
            )
        else:
            matrix = sp.csr_matrix(features)[first]
        return {
            label: pd.DataFrame(
                model.proba(matrix)[inverse.ravel()], index=scored.index, columns=model.classes
            )
            for label, model in self.models_.items()
        }

    def predict(self, scored: pd.DataFrame, *, features: sp.spmatrix | None = None) -> pd.DataFrame:
        """Each model's label for every mention (all languages; see :func:`apply_classifier`).

        Args:
            scored: Scored mentions.
            features: As :meth:`predict_proba`'s.

        Returns:
            A frame on ``scored``'s index with one column per modelled label (bool for the
            flags, str for sentiment).
        """
        out = pd.DataFrame(index=scored.index)
        for label, proba in self.predict_proba(scored, features=features).items():
            best = np.asarray(proba.columns, dtype=object)[proba.to_numpy().argmax(axis=1)]
            out[label] = best.astype(bool) if label != "sentiment" else best.astype(str)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The fitted classifier as plain JSON-able data."""
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "featurizer"}
        featurizer = None if self.featurizer_ is None else self.featurizer_.to_dict()
        return {
            "params": params,
            "featurizer": featurizer,
            "models": {label: m.to_dict() for label, m in self.models_.items()},
            "results": self.results_,
            "training_hash": self.training_hash_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientClassifier:
        """Rebuild a fitted classifier from :meth:`to_dict`'s data."""
        featurizer = (
            None if data["featurizer"] is None else MentionFeaturizer.from_dict(data["featurizer"])
        )
        model = cls(
            **data["params"],
            featurizer=None if featurizer is None else MentionFeaturizer(**featurizer.get_params()),
        )
        model.featurizer_ = featurizer
        model.models_ = {label: _model_from_dict(m) for label, m in data["models"].items()}
        model.results_ = data["results"]
        model.training_hash_ = data["training_hash"]
        return model


# --- using it ---------------------------------------------------------------------------------


def apply_classifier(
    scored: pd.DataFrame,
    classifier: ClientClassifier | None,
    labels: pd.DataFrame | None = None,
    *,
    features: sp.spmatrix | None = None,
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
        features: The classifier's feature matrix of every row of ``scored``, when fitting
            returned it (:func:`~socialcrm_utils.nlp.learn.learn_from_labels` passes it):
            the texts are then not transformed again (:meth:`ClientClassifier.predict_proba`).

    Returns:
        A new frame: ``scored`` with the flag columns, ``sentiment_label``, ``intent``,
        ``intent_cue`` updated and ``label_source`` added. ``scored`` is not changed.
    """
    out = scored.copy(deep=False)  # copy-on-write: new columns never reach ``scored``
    for name in FLAG_LABELS:
        out[f"is_{name}"] = _flag(scored, name)
    source = np.full(len(out), "rules", dtype=object)
    changed = np.zeros(len(out), bool)
    customer = (
        scored["is_customer"].fillna(False).to_numpy(bool)
        if "is_customer" in scored.columns
        else np.ones(len(out), bool)
    )
    if classifier is not None and getattr(classifier, "models_", None):
        groups = mention_inputs(scored)["lang_group"].to_numpy()
        predicted = classifier.predict(scored, features=features)
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
            mapping = dict(
                zip(known["mention_id"].astype(str), known[label].to_numpy(object), strict=True)
            )
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
