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

Modules: :mod:`.features` (inputs, feature matrix), :mod:`.model` (the classifier, applying it),
:mod:`.metrics` (figures with intervals), :mod:`.card` (the card and its tables),
:mod:`.persistence` (JSON, :func:`learn_from_labels`), :mod:`.suggest` (what to label next).
Every public name is importable from here.
"""

from __future__ import annotations

from .card import card_table, classifier_card, format_card_table
from .features import RULE_FEATURES, MentionFeaturizer, mention_inputs
from .metrics import measure
from .model import MIN_NEGATIVES, MIN_PER_CLASS, MIN_POSITIVES, ClientClassifier, apply_classifier
from .persistence import (
    MODEL_FILE,
    LearnResult,
    latest_scored_run,
    learn_from_labels,
    load_classifier,
    model_folder,
    save_classifier,
)
from .suggest import suggest_labels

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
    "measure",
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
