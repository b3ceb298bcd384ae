"""The client's model as plain JSON (no pickle), retrained only when its inputs change.

:func:`learn_from_labels` is the one call of the listening step: read the label files, load or
train the classifier, apply it, and return the card. :func:`model_folder` and
:func:`latest_scored_run` find the client's folders for the notebook and the CLI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..labels import LabelReport, hash_label_files, load_labels
from .card import _package_versions, classifier_card
from .features import MentionFeaturizer
from .model import ClientClassifier, _hash_rows, _labelled_rows, apply_classifier

__all__ = [
    "MODEL_FILE",
    "LearnResult",
    "save_classifier",
    "load_classifier",
    "learn_from_labels",
    "model_folder",
    "latest_scored_run",
]

logger = logging.getLogger(__name__)

#: The model's file in the client's model folder.
MODEL_FILE = "classifier.json"
#: What the JSON file says it is; a file with another format or version is retrained.
MODEL_FORMAT = ("socialcrm-classifier", 2)  # 2: calibrated rules, models with a "kind"


def save_classifier(
    classifier: ClientClassifier, folder: Path | str, label_hash: str | None = None
) -> Path:
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
    data = {
        "format": MODEL_FORMAT[0],
        "format_version": MODEL_FORMAT[1],
        "versions": _package_versions(),
        "label_hash": label_hash,
        **classifier.to_dict(),
    }
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
    meta = {
        "versions": data.get("versions"),
        "label_hash": data.get("label_hash"),
        "training_hash": data.get("training_hash"),
    }
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
            if (
                meta["label_hash"] == label_hash
                and meta["versions"] == _package_versions()
                and meta["training_hash"] == probe
                and _settings(candidate) == _settings(template)
            ):
                fitted = candidate
                logger.info("classifier loaded from %s (labels unchanged)", path)
    features = None  # the featurizer's matrix of every mention, when fitted on them all
    if fitted is None:
        fitted = ClientClassifier(**template.get_params(deep=False))
        features = fitted._fit(scored, labels)
        retrained = True
        if model_folder is not None:
            path = save_classifier(fitted, model_folder, label_hash)
    out = apply_classifier(scored, fitted, labels, features=features)
    card = classifier_card(fitted, report, label_hash)
    return LearnResult(out, card, report, labels, fitted, retrained, path)


def _settings(classifier: ClientClassifier) -> dict[str, Any]:
    """The settings that decide the model, the featurizer's included (None: its defaults)."""
    params = dict(classifier.get_params(deep=False))
    featurizer = params.pop("featurizer") or MentionFeaturizer()
    return {**params, "featurizer": featurizer.get_params()}


def _training_hash(scored: pd.DataFrame, labels: pd.DataFrame) -> str:
    """The hash :meth:`ClientClassifier.fit` would record, without fitting."""
    ids, labelled = _labelled_rows(scored, labels)
    return _hash_rows(ids, scored, labelled)


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
    runs = sorted(
        (
            p
            for p in client_dir.iterdir()
            if p.is_dir()
            and p.name not in ("latest", "models")
            and (p / "mentions_scored.parquet").is_file()
        ),
        key=lambda p: (p.name != "interactive", p.name),
    )
    return runs[-1] if runs else None
