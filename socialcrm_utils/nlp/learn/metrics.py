"""Precision, recall and F1 with 95% bootstrap intervals (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["measure"]


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
        out[name] = {
            "value": round(float(value), 4),
            "low": round(float(low), 4),
            "high": round(float(high), 4),
        }
    return out
