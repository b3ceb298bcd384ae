"""Which posts to label next: uncertainty, rule disagreement, missing kinds and diversity."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ...schema import text_of
from ..labels import FLAG_LABELS, LABEL_COLUMNS, SENTIMENT_CLASSES
from .features import _HANDLE, _URL, mention_inputs
from .model import ClientClassifier

__all__ = ["BALANCE_SHARE", "RANDOM_SHARE", "suggest_labels"]

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
    signals = np.column_stack(
        [
            negative & ~complaint,  # negative, but no complaint cue
            complaint & positive,  # a complaint the lexicon finds positive
            question & negative & ~complaint,  # a problem asked as a question?
            praise & negative,  # sarcasm?
            flags == 0,  # no rule fired: the rules do not know
            flags > 1,  # several flags
            ~unscored & (np.abs(score) < 0.2),  # near the sentiment thresholds
        ]
    ).astype(float)
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


#: Share of each group's posts given to the predicted classes of the labels, rarest first.
#: Off by default: 0.3 (with RANDOM_SHARE 0.2) did not beat 0 inside the GermEval tune half
#: (docs/learning.md).
BALANCE_SHARE = 0.0
#: Share of each group's posts drawn at random (representative of the posts as they are); off.
RANDOM_SHARE = 0.0


def _strata(
    classifier: ClientClassifier | None, pool: pd.DataFrame, inputs: pd.DataFrame
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per (label, class): the candidates predicted of that class and how surely, rarest first.

    The prediction is the label's model where it has one (sureness: its probability of the
    class), else the rules: the rule flag (sureness 0 for all), the lexicon's
    ``sentiment_label`` (sureness: the score for positive, minus the score for negative, minus
    its absolute value for neutral; unscored posts in no stratum). The labels are those the
    client has labelled so far (``results_``), else all five.
    """
    results = getattr(classifier, "results_", None) or {}
    names = [name for name in LABEL_COLUMNS if name in results] or list(LABEL_COLUMNS)
    probabilities = (
        classifier.predict_proba(pool)
        if classifier is not None and getattr(classifier, "models_", None)
        else {}
    )
    score = inputs["sentiment_score"].to_numpy()
    strata = []
    for name in names:
        classes = SENTIMENT_CLASSES if name == "sentiment" else (True, False)
        if name in probabilities:
            proba = probabilities[name]
            values = np.asarray(proba.columns, dtype=object)[proba.to_numpy().argmax(axis=1)]
            sure = {c: proba[c].to_numpy() for c in classes}
        elif name == "sentiment":
            values = np.select(
                [
                    inputs["sentiment_negative"].to_numpy() > 0,
                    inputs["sentiment_positive"].to_numpy() > 0,
                    inputs["sentiment_unscored"].to_numpy() > 0,
                ],
                ["negative", "positive", ""],
                "neutral",
            )
            sure = {"negative": -score, "neutral": -np.abs(score), "positive": score}
        else:
            values = inputs[f"rule_{name}"].to_numpy() > 0
            sure = dict.fromkeys(classes, np.zeros(len(inputs)))
        strata += [(values == c, sure[c]) for c in classes]
    return sorted(strata, key=lambda stratum: int(stratum[0].sum()))


def _pick_balanced(
    strata: list[tuple[np.ndarray, np.ndarray]], members: np.ndarray, value: np.ndarray, k: int
) -> list[int]:
    """Up to ``k`` of ``members``, round-robin over the strata: each one's surest next.

    Inside a stratum the surest member comes first (a rare class needs real examples, not
    borderline ones), the more valuable one on a tie.

    Examples:
        >>> rare = (np.array([False, False, True, False]), np.zeros(4))
        >>> common = (np.array([True, True, False, True]), np.array([0.0, 0.0, 0.0, 0.9]))
        >>> _pick_balanced([rare, common], np.arange(4), np.array([0.9, 0.1, 0.2, 0.5]), 3)
        [2, 3, 0]
    """
    queues = []
    for mask, sure in strata:
        inside = members[mask[members]]
        queues.append(list(inside[np.lexsort((-value[inside], -sure[inside]))]))
    chosen: list[int] = []
    taken: set[int] = set()
    while len(chosen) < k and any(queues):
        for queue in queues:
            while queue and queue[0] in taken:
                queue.pop(0)
            if queue and len(chosen) < k:
                chosen.append(int(queue[0]))
                taken.add(int(queue.pop(0)))
    return chosen


def _pick_diverse_of(texts: pd.Series, members: np.ndarray, value: np.ndarray, k: int) -> list[int]:
    """:func:`_pick_diverse` over the ``max(5k, 50)`` most valuable ``members``."""
    order = members[np.argsort(-value[members], kind="stable")][: max(k * 5, 50)]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform(texts.iloc[order].tolist())
    except ValueError:  # texts without characters to count
        vectors = sp.csr_matrix((len(order), 1))
    return order[_pick_diverse(vectors.tocsr(), value[order], k, penalty=0.5)].tolist()


def _pick_in_group(
    members: np.ndarray,
    quota: int,
    value: np.ndarray,
    texts: pd.Series,
    strata: list[tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    shares: tuple[float, float],
) -> list[int]:
    """A group's picks: the balanced share, the random share, then value with diversity."""
    chosen = _pick_balanced(strata, members, value, int(round(shares[0] * quota)))
    rest = np.setdiff1d(members, chosen)
    draw = min(int(round(shares[1] * quota)), quota - len(chosen), len(rest))
    chosen += rng.choice(rest, draw, replace=False).tolist() if draw > 0 else []
    rest = np.setdiff1d(members, chosen)
    left = min(quota - len(chosen), len(rest))
    return chosen + (_pick_diverse_of(texts, rest, value, left) if left > 0 else [])


def _candidates(scored: pd.DataFrame, labels: pd.DataFrame | None) -> np.ndarray:
    """Which rows may be suggested: customer posts with text, unlabelled, one per text."""
    text = text_of(scored).astype("string")
    keep = text.fillna("").str.strip().str.len().to_numpy() > 0
    if "is_customer" in scored.columns:
        keep &= scored["is_customer"].fillna(False).to_numpy(bool)
    if labels is not None and len(labels):
        done = set(labels["mention_id"].astype(str))
        keep &= ~scored["mention_id"].astype(str).isin(done).to_numpy()
    folded = text.str.lower().str.replace(_URL, "", regex=True)
    folded = folded.str.replace(_HANDLE, "", regex=True).str.replace(r"^rt\s*:?\s*", "", regex=True)
    folded = folded.str.replace(r"\W+", " ", regex=True).str.strip()
    candidates = np.flatnonzero(keep)
    keep[candidates[folded.iloc[candidates].duplicated().to_numpy()]] = False
    return keep


def suggest_labels(
    scored: pd.DataFrame,
    classifier: ClientClassifier | None = None,
    n: int = 200,
    labels: pd.DataFrame | None = None,
    *,
    random_state: int = 0,
    balance_share: float = BALANCE_SHARE,
    random_share: float = RANDOM_SHARE,
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

    Every (platform, language) group gets posts in proportion to the square root of its size
    (small groups are not drowned). Inside a group: ``balance_share`` of its posts go
    round-robin to the predicted classes of the labels (model, else rules; rarest class first,
    surest posts of a class first, so a rare class such as positive gets real examples),
    ``random_share`` are drawn at random (representative posts keep the labelled set near the
    population), and the rest are
    picked greedily by value minus their highest character-n-gram cosine similarity to those
    already picked, so near-copies do not fill the list.

    Args:
        scored: Scored mentions (``mention_id``, text, ``lang``; ``platform`` optional).
        classifier: A fitted :class:`ClientClassifier` (with or without models), or None.
        n: How many posts at most.
        labels: Labels already given (their ids are left out), or None.
        random_state: Seed of the random share and the tie-breaking noise.
        balance_share: Share of each group's posts for the predicted classes
            (:data:`BALANCE_SHARE`; 0: none).
        random_share: Share of each group's posts drawn at random (:data:`RANDOM_SHARE`).

    Returns:
        ``mention_id``, ``platform``, ``lang``, ``text_redacted`` and the empty label columns
        ``complaint``, ``question``, ``praise``, ``lead``, ``sentiment`` (empty strings), most
        valuable first; ``labels_todo.csv`` as :func:`~socialcrm_utils.nlp.labels.read_labels`
        reads it back.
    """
    columns = ["mention_id", "platform", "lang", "text_redacted", *LABEL_COLUMNS]
    keep = _candidates(scored, labels)
    pool = scored[keep]
    if pool.empty or n <= 0:
        return pd.DataFrame(columns=columns)
    inputs = mention_inputs(pool)
    value = _disagreement(inputs)
    if classifier is not None and getattr(classifier, "models_", None):
        value = _uncertainty(classifier, pool) + 0.25 * value
    if classifier is not None and getattr(classifier, "results_", None):
        value = value + _wanted(classifier, inputs)
    rng = np.random.default_rng(random_state)
    value = value + rng.uniform(0, 1e-6, len(value))
    platform = (
        pool["platform"].astype("string").fillna("unknown")
        if "platform" in pool.columns
        else pd.Series("unknown", index=pool.index, dtype="string")
    )
    group = platform.str.cat(inputs["lang_group"].astype("string"), sep="|").to_numpy()
    strata = _strata(classifier, pool, inputs)
    chosen: list[int] = []
    for name, quota in _quotas(pd.Series(group).value_counts(), n).items():
        if quota > 0:
            chosen += _pick_in_group(
                np.flatnonzero(group == name),
                int(quota),
                value,
                inputs["text"],
                strata,
                rng,
                (balance_share, random_share),
            )
    ranked = [chosen[i] for i in np.argsort(-value[chosen], kind="stable")]
    picked_rows = pool.iloc[ranked]
    out = pd.DataFrame(
        {
            "mention_id": picked_rows["mention_id"].astype("string").to_numpy(),
            "platform": platform.iloc[ranked].to_numpy(),
            "lang": (
                picked_rows["lang"].astype("string").to_numpy() if "lang" in pool.columns else pd.NA
            ),
            "text_redacted": text_of(pool).astype("string").iloc[ranked].to_numpy(),
        }
    )
    for label in LABEL_COLUMNS:
        out[label] = ""
    logger.info("suggested %d posts to label from %d candidates", len(out), len(pool))
    return out[columns]
