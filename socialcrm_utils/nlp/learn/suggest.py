"""Which posts to label next: uncertainty, rule disagreement, missing kinds and diversity."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ...schema import text_of
from ..labels import FLAG_LABELS, LABEL_COLUMNS
from .features import _HANDLE, _URL, mention_inputs
from .model import ClientClassifier

__all__ = ["suggest_labels"]

logger = logging.getLogger(__name__)


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
