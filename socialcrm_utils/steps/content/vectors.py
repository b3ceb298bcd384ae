"""TF-IDF vectors and the leader clustering of step 6's FAQ groups and complaint topics.

scikit-learn does the text arithmetic: :class:`~sklearn.feature_extraction.text.CountVectorizer`
counts the words, :class:`~sklearn.feature_extraction.text.TfidfTransformer` weighs them
(``sublinear_tf``: ``tf = 1 + ln(count)``; smoothed ``idf = ln((1 + N) / (1 + df)) + 1``),
:func:`~sklearn.preprocessing.normalize` makes rows unit length and
:func:`~sklearn.metrics.pairwise.linear_kernel` gives their cosine similarities (on
L2-normalised rows the dot product is the cosine). What is ours is the method on top:

* **Weights by times asked**: the distinct texts are the rows, but the idf is learned on one
  row per mention (a text asked 50 times weighs 50 times) and a term must be in ``min_df``
  mentions; with ``damped`` the idf is ``1 + ln(idf)`` (see :mod:`.faq`).
* **Density order**: texts by the sum of their cosines to every mention, ``v_i . sum_j(count_j
  v_j)``, two sparse products without an n x n matrix; typical, often asked texts lead.
* **Greedy leader clustering**: in that order a text joins the most similar leader when the
  cosine is at least ``threshold``, else it becomes a new leader (up to ``max_leaders``).
  Similarities to the leaders are computed for blocks of texts (at most about two million
  cells at a time); texts that become leaders inside a block are handled one by one, so the
  result equals the one-text-at-a-time algorithm.
* **Merge** of clusters whose centroids are alike, and **leftovers** joining the nearest
  centroid.

Cosines are rounded to 12 decimals before they are compared, so a tie or a similarity that
equals the threshold does not depend on the order in which a sparse product sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.metrics.pairwise import linear_kernel
from sklearn.preprocessing import normalize
from sklearn.utils import gen_batches

__all__ = [
    "TermMatrix",
    "assign_leftovers",
    "centroids",
    "cluster_texts",
    "count_terms",
    "density_order",
    "leader_clusters",
    "merge_clusters",
    "weighted_tfidf",
]

# Cells of one block x leaders similarity matrix, and the largest block.
_BLOCK_CELLS = 2_000_000
_MAX_BLOCK = 1024
# Decimals cosines are rounded to before comparing them.
_DECIMALS = 12


@dataclass(frozen=True)
class TermMatrix:
    """Rows of term counts or L2-normalised TF-IDF vectors, and each column's term."""

    vectors: sparse.csr_array
    terms: np.ndarray  # object

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.vectors.shape[0])

    def columns(self, keep: np.ndarray) -> TermMatrix:
        """The columns (terms) where ``keep`` is true."""
        return TermMatrix(sparse.csr_array(self.vectors[:, keep]), self.terms[keep])


def _as_given(doc: list[str]) -> list[str]:
    """The analyzer of :class:`CountVectorizer`: documents arrive tokenized."""
    return doc


def count_terms(docs: Sequence[list[str]]) -> TermMatrix:
    """Term counts of tokenized texts (:class:`CountVectorizer`), terms alphabetical.

    Examples:
        >>> m = count_terms([["wifi", "free", "wifi"], [], ["seat"]])
        >>> m.terms.tolist(), m.vectors.toarray().tolist()
        (['free', 'seat', 'wifi'], [[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    """
    if not any(docs):
        return TermMatrix(sparse.csr_array((len(docs), 0)), np.array([], dtype=object))
    vectorizer = CountVectorizer(analyzer=_as_given, dtype=np.float64)
    tf = sparse.csr_array(vectorizer.fit_transform(docs))
    return TermMatrix(tf, vectorizer.get_feature_names_out().astype(object))


def weighted_tfidf(
    term_counts: TermMatrix, counts: np.ndarray, min_df: int, *, damped: bool = False
) -> TermMatrix:
    """L2-normalised TF-IDF rows of term counts, each text weighing ``counts`` mentions.

    Args:
        term_counts: Output of :func:`count_terms` (or some of its columns).
        counts: Times each text was posted (mentions): they weigh the document frequencies.
        min_df: Terms in fewer mentions are dropped.
        damped: Use ``1 + ln(idf)`` instead of the idf (similarity, not labels).

    Returns:
        One row per text; rows without a kept term are all zero.

    Examples:
        >>> words = count_terms([["wifi", "free"], ["wifi"], ["seat"]])
        >>> m = weighted_tfidf(words, np.array([1, 2, 1]), 2)
        >>> m.terms.tolist(), m.vectors.toarray().round(3).tolist()
        (['wifi'], [[1.0], [1.0], [0.0]])
    """
    tf = term_counts.vectors
    n_rows = tf.shape[0]
    # One row per mention: a text asked k times counts k times in the document frequencies.
    per_mention = tf[np.repeat(np.arange(n_rows), np.asarray(counts, dtype=np.int64))]
    keep = np.bincount(per_mention.indices, minlength=tf.shape[1]) >= min_df
    if not keep.any():
        return TermMatrix(sparse.csr_array((n_rows, 0)), np.array([], dtype=object))
    weighting = TfidfTransformer(sublinear_tf=True).fit(per_mention[:, keep])
    if damped:
        weighting.idf_ = 1.0 + np.log(weighting.idf_)
    vectors = sparse.csr_array(weighting.transform(tf[:, keep]))
    vectors.sort_indices()
    return TermMatrix(vectors, term_counts.terms[keep])


def _cosines(rows: sparse.csr_array, columns: sparse.csr_array) -> np.ndarray:
    """Dense cosine similarities of L2-normalised rows, rounded (see the module docstring)."""
    if rows.shape[0] == 0 or columns.shape[0] == 0:
        return np.zeros((rows.shape[0], columns.shape[0]))
    return np.round(linear_kernel(rows, columns, dense_output=True), _DECIMALS)


def density_order(matrix: TermMatrix, counts: np.ndarray) -> np.ndarray:
    """Rows by density (sum of cosines to every mention) desc, times asked desc, row number.

    ``density_i = v_i . sum_j(count_j v_j)``: two sparse products, no n x n matrix.

    Examples:
        >>> m = weighted_tfidf(count_terms([["a"], ["a", "b"], ["b"]]), np.array([1, 1, 3]), 1)
        >>> density_order(m, np.array([1.0, 1.0, 3.0])).tolist()
        [2, 1, 0]
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = matrix.vectors.T @ counts
    density = matrix.vectors @ total
    rows = np.arange(matrix.n_rows)
    return np.lexsort((rows, -counts, -np.round(density, 9)))


def _settle_candidates(
    sims_within: np.ndarray, candidates: np.ndarray, labels_at: np.ndarray, room: int,
    threshold: float, first_label: int,
) -> list[int]:  # fmt: skip
    """Texts of a block without an old leader, one at a time against this block's new leaders.

    Writes the label of each candidate into ``labels_at`` (positions in the block) and returns
    the candidate numbers that became leaders (at most ``room``).
    """
    new_at: list[int] = []
    for j, pos in enumerate(candidates):
        if new_at:
            row = sims_within[pos, new_at]
            best = int(row.argmax())
            if row[best] >= threshold:
                labels_at[pos] = labels_at[candidates[new_at[best]]]
                continue
        if len(new_at) < room:
            labels_at[pos] = first_label + len(new_at)
            new_at.append(j)
    return new_at


def leader_clusters(
    matrix: TermMatrix, order: np.ndarray, threshold: float, max_leaders: int
) -> np.ndarray:
    """Greedy leader clustering in ``order``; returns each row's leader number (-1: none).

    Leaders are numbered in the order they are found; rows without a term stay unclustered.

    Examples:
        >>> m = weighted_tfidf(count_terms([["a"], ["a", "b"], ["c"]]), np.ones(3), 1)
        >>> leader_clusters(m, np.array([0, 1, 2]), 0.5, 10).tolist()
        [0, 0, 1]
    """
    vectors = matrix.vectors
    labels = np.full(matrix.n_rows, -1, dtype=np.int64)
    leader_rows: list[int] = []
    leaders = vectors[[]]
    has_terms = np.diff(vectors.indptr) > 0
    start = 0
    while start < len(order):
        size = int(min(_MAX_BLOCK, max(64, _BLOCK_CELLS // max(len(leader_rows), 1))))
        block = order[start : start + size]
        start += len(block)
        block = block[has_terms[block]]
        if not len(block):
            continue
        rows = vectors[block]
        sims = _cosines(rows, leaders)
        if leader_rows:
            best_old = sims.argmax(axis=1)
            sim_old = sims[np.arange(len(block)), best_old]
        else:
            best_old = np.full(len(block), -1, dtype=np.int64)
            sim_old = np.full(len(block), -np.inf)
        joins = sim_old >= threshold
        block_labels = np.where(joins, best_old, -1)
        candidates = np.flatnonzero(~joins)
        room = max_leaders - len(leader_rows)
        if len(candidates) and room > 0:
            within = _cosines(rows, rows[candidates])
            new_at = _settle_candidates(
                within, candidates, block_labels, room, threshold, len(leader_rows)
            )
            if new_at:
                # Texts that joined an old leader may prefer a new leader found before them.
                new_pos = candidates[new_at]
                to_new = within[:, new_at].copy()
                to_new[np.arange(len(block))[:, None] <= new_pos[None, :]] = -np.inf
                best_new = to_new.argmax(axis=1)
                sim_new = to_new[np.arange(len(block)), best_new]
                switch = joins & (sim_new > sim_old) & (sim_new >= threshold)
                block_labels[switch] = len(leader_rows) + best_new[switch]
                leader_rows.extend(block[new_pos].tolist())
                leaders = vectors[np.asarray(leader_rows)]
        labels[block] = block_labels
    return labels


def centroids(matrix: TermMatrix, labels: np.ndarray, counts: np.ndarray) -> sparse.csr_array:
    """Per cluster the sum of its members' rows, each weighted by times asked (not normalised).

    Examples:
        >>> m = weighted_tfidf(count_terms([["a"], ["a"], ["b"]]), np.ones(3), 1)
        >>> centroids(m, np.array([0, 0, -1]), np.array([1.0, 2.0, 1.0])).toarray().tolist()
        [[3.0, 0.0]]
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    member = np.flatnonzero(labels >= 0)
    membership = sparse.csr_array(
        (np.asarray(counts, dtype=np.float64)[member], (labels[member], member)),
        shape=(n_clusters, matrix.n_rows),
    )
    return sparse.csr_array(membership @ matrix.vectors)


def merge_clusters(
    matrix: TermMatrix, labels: np.ndarray, counts: np.ndarray, threshold: float
) -> np.ndarray:
    """Merge clusters whose centroids are alike: leader clustering of the centroids, once.

    One round: a merged centroid is a blend of its parts, and blending again lets
    boilerplate win. Centroids are ordered by density with the clusters' sizes as counts.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    if n_clusters < 2:
        return labels
    clustered = labels >= 0
    sizes = np.bincount(labels[clustered], weights=counts[clustered], minlength=n_clusters)
    unit = TermMatrix(sparse.csr_array(normalize(centroids(matrix, labels, counts))), matrix.terms)
    merged = leader_clusters(unit, density_order(unit, sizes), threshold, n_clusters)
    if int(merged.max()) + 1 == n_clusters:
        return labels
    return np.where(clustered, merged[np.maximum(labels, 0)], -1)


def assign_leftovers(
    matrix: TermMatrix, labels: np.ndarray, counts: np.ndarray, threshold: float
) -> np.ndarray:
    """Texts no leader took (after ``max_leaders``) join the nearest centroid at ``threshold``.

    Centroids are closer to a cluster's wordings than its leader, so this also recovers
    texts of big topics that came after the leaders ran out.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    left = np.flatnonzero((labels < 0) & (np.diff(matrix.vectors.indptr) > 0))
    if not n_clusters or not len(left):
        return labels
    unit = sparse.csr_array(normalize(centroids(matrix, labels, counts)))
    out = labels.copy()
    size = int(min(_MAX_BLOCK * 8, max(64, _BLOCK_CELLS // n_clusters)))
    for batch in gen_batches(len(left), size):
        block = left[batch]
        sims = _cosines(matrix.vectors[block], unit)
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(block)), best] >= threshold
        out[block[ok]] = best[ok]
    return out


def cluster_texts(
    matrix: TermMatrix, counts: np.ndarray, *, threshold: float, merge_threshold: float,
    max_leaders: int,
) -> tuple[np.ndarray, int, int]:  # fmt: skip
    """Leaders in density order, merged, leftovers assigned: each row's cluster (-1: none).

    Returns:
        ``(labels, leaders, merged)``: the cluster of every row, the number of leaders found
        and the number of clusters after merging (for the log).
    """
    counts = np.asarray(counts, dtype=np.float64)
    labels = leader_clusters(matrix, density_order(matrix, counts), threshold, max_leaders)
    leaders = int(labels.max()) + 1 if len(labels) else 0
    labels = merge_clusters(matrix, labels, counts, merge_threshold)
    merged = int(labels.max()) + 1 if len(labels) else 0
    return assign_leftovers(matrix, labels, counts, threshold), leaders, merged
