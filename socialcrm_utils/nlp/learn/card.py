"""The classifier card (``classifier_card.json``) and its tables for the notebook and report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from ..labels import LabelReport
from .model import ClientClassifier

__all__ = ["classifier_card", "card_table", "format_card_table"]


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in ("socialcrm-utils", "scikit-learn"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            versions[name] = "unknown"
    return versions


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
        "minimums": {
            "yes": params["min_positives"],
            "no": params["min_negatives"],
            "sentiment_per_class": params["min_per_class"],
        },
        "method": {
            "features": "word 1-2-gram and char_wb 2-5-gram TF-IDF, rule flags, lexicon "
            "sentiment score and label, language (en/de/other)",
            "model": f"logistic regression, class_weight=balanced, C={params['C']}"
            + (
                "; sentiment: calibrated rules (two thresholds on the lexicon score) "
                "instead when their cross-validated macro-F1 is higher"
                if params.get("calibrate")
                else ""
            ),
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
    columns = [
        "label",
        "source",
        "n",
        *(f"{m}{suffix}" for m in metrics for suffix in ("", "_low", "_high")),
    ]
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
        out[title] = [
            f"{v:.2f} ({lo:.2f}-{hi:.2f})"
            for v, lo, hi in zip(
                table[metric], table[f"{metric}_low"], table[f"{metric}_high"], strict=True
            )
        ]
    return out.reset_index(drop=True)
