"""What customers ask and complain about: FAQ groups and complaint topics per language.

:func:`faq_candidates` and :func:`complaint_topics` cluster the customer mentions of one
intent per language, on the *distinct* texts (same text up to case, punctuation and
@handles):

1. **Words**: the content words of :func:`~socialcrm_utils.nlp.tokens.tokenize_clauses`
   (stop words, the brand's names, people's names and :data:`NOT_TOPIC_WORDS` removed,
   personal-data placeholders such as ``[BOOKING]`` dropped).
2. **TF-IDF** with scikit-learn (:func:`~socialcrm_utils.steps.content.vectors.weighted_tfidf`):
   ``tf = 1 + ln(count)``; ``idf = ln((1 + N) / (1 + df)) + 1`` where ``N`` is the number of
   mentions and ``df`` the number of mentions with the word, so a text asked 50 times weighs
   50 times; words in fewer than ``min_df`` mentions are dropped (they cannot make two texts
   similar). For similarity the idf is damped to ``1 + ln(idf)``: with the plain idf one rare
   word two questions share (a city, a product name) outweighs the words that say what is
   asked, and "can I change my seat on the flight to Rome?" clusters with "where is my refund
   for the flight to Rome?" rather than with "... to Oslo?". Rows are L2-normalised, so a
   dot product is the cosine.
3. **Order**: texts are visited by *density*, the sum of their cosine similarities to every
   mention (ties by times asked, then the text): typical, often asked questions come first
   and become the clusters' leaders.
4. **Greedy leader clustering**: a text joins the most similar leader when the cosine is at
   least ``threshold``; otherwise it becomes a new leader (up to ``max_leaders``), computed
   block by block with the same result as one text at a time
   (:mod:`~socialcrm_utils.steps.content.vectors`).
5. **Merge**: a leader only gathers texts close to itself, so one topic asked in many
   wordings can end up as one big cluster and many small ones. The clusters' centroids are
   clustered once more the same way (by density, sizes as counts) at ``merge_threshold``,
   which is higher than ``threshold``: centroids average the wordings out, so different
   topics with the same boilerplate are more alike as centroids than as single texts.
6. **Leftovers**: texts without a cluster (no leader was close enough once ``max_leaders``
   were taken) join the nearest centroid when the cosine is at least ``threshold``; the rest
   stay unclustered (they still count in ``share``).
7. **Description**: a cluster's centroid is the sum of its members' vectors (weighted by
   times asked); the representative is the member closest to it (cosine), then the next
   ``n_examples`` closest texts with other words; the label comes from a second TF-IDF
   matrix (plain idf) of the words and the pairs of adjacent words within a clause ("change
   seat"): the centroid's top terms, a word skipped when a pair with at least half its
   weight contains it, pairs chained ("frequent flyer" + "flyer status"), in German nouns
   preferred, spelled as customers write them (:mod:`~socialcrm_utils.steps.content.labels`).
   Question labels use the question sentences only ("Is there a student discount? Want to
   fly home for the semester break." is about a student discount); questions whose question
   sentences name nothing but the brand ("ACME Air? I thought that was a vacuum cleaner
   brand") are left out before clustering
   (:func:`~socialcrm_utils.steps.content.questions.questions_asked`).

Everything is deterministic and independent of the row order of the input. All functions
are pure: they return new frames and never modify their inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from ...nlp.pii import PLACEHOLDER_RE
from ...nlp.sentiment import normalize_lang
from ...nlp.tokens import exclusions, lang_key, tokenize_clauses
from ...schema import has_intent, text_of
from .labels import capitalised_spellings, label_phrases, surface_spelling
from .questions import NOT_TOPIC_WORDS, ExcludedTerms, person_names, questions_asked
from .text import (
    RULE_LANGUAGES,
    UNKNOWN_LANG,
    customer_posts,
    empty_frame,
    lang_name,
    require_columns,
    strip_handles,
)
from .vectors import TermMatrix, centroids, cluster_texts, count_terms, weighted_tfidf

__all__ = ["COMPLAINT_COLUMNS", "FAQ_COLUMNS", "complaint_topics", "faq_candidates",
           "language_note"]  # fmt: skip

logger = logging.getLogger(__name__)

_EXAMPLE_SEPARATOR = " | "
# Member texts nearest the centroid that labels are spelled from.
_LABEL_TEXTS = 20
# Top terms of a centroid that label phrases are chosen from.
_TOP_TERMS = 12


_CLUSTER_COLUMNS: tuple[str, ...] = (
    "topic", "lang", "{count}", "share", "distinct", "terms", "example", "example_id",
    "more_examples",
)  # fmt: skip
_CLUSTER_DTYPES: dict[str, str] = {
    "topic": "string",
    "lang": "string",
    "{count}": "int64",
    "share": "float64",
    "distinct": "int64",
    "terms": "string",
    "example": "string",
    "example_id": "string",
    "more_examples": "string",
}
#: Columns of :func:`faq_candidates` (``faq.csv``), in order.
FAQ_COLUMNS: tuple[str, ...] = tuple(c.format(count="questions") for c in _CLUSTER_COLUMNS)
#: Columns of :func:`complaint_topics`, in order.
COMPLAINT_COLUMNS: tuple[str, ...] = tuple(c.format(count="complaints") for c in _CLUSTER_COLUMNS)


def _check_parameters(
    n: int, n_examples: int, threshold: float, merge_threshold: float, min_df: int,
    min_size: int, max_leaders: int,
) -> None:  # fmt: skip
    """Raise ``ValueError`` for a clustering parameter out of range."""
    if n < 0 or n_examples < 0:
        raise ValueError(f"n and n_examples must be >= 0, got {n} and {n_examples}.")
    if not (0.0 < threshold <= 1.0 and 0.0 < merge_threshold <= 1.0):
        raise ValueError(
            f"threshold and merge_threshold must be in (0, 1], got {threshold} and "
            f"{merge_threshold}."
        )
    if min_df < 1 or min_size < 1 or max_leaders < 1:
        raise ValueError("min_df, min_size and max_leaders must be at least 1.")


def _per_value(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func`` (element-wise) computed once per distinct value of ``values`` (missing values
    included) and spread back onto ``values``' index: at 1M mentions most texts are repeats.

    Examples:
        >>> done = _per_value(pd.Series(["a", None, "a"], index=[5, 6, 7]), lambda s: s.str.upper())
        >>> done.index.tolist(), done.tolist()
        ([5, 6, 7], ['A', nan, 'A'])
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    done = func(pd.Series(uniques, dtype=values.dtype))
    return done.take(codes).set_axis(values.index)


def _key(display: pd.Series) -> pd.Series:
    """The text up to case, punctuation and @handles (already stripped from ``display``)."""
    return display.str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip()


def _questions_text(display: pd.Series, langs: pd.Series, exclude: tuple[str, ...]) -> pd.Series:
    """The question sentences of each text (:func:`questions_asked`), joined by spaces; once
    per distinct text and language."""
    text_codes, texts = pd.factorize(display)
    lang_codes, lang_values = pd.factorize(langs)
    n_langs = len(lang_values)
    codes, pairs = pd.factorize(text_codes * n_langs + lang_codes)
    texts, lang_values, terms = texts.tolist(), lang_values.tolist(), ExcludedTerms(exclude)
    asked = [
        " ".join(questions_asked(texts[pair // n_langs], terms, str(lang_values[pair % n_langs])))
        for pair in pairs.tolist()
    ]
    return pd.Series(np.asarray(asked, dtype=object)[codes], index=display.index, dtype="string")


def _texts_to_cluster(scored: pd.DataFrame, intent: str, exclude: tuple[str, ...]) -> pd.DataFrame:
    """The customer posts of ``intent``: ``mention_id``, ``lang``, ``display``, ``words_text``
    (what groups and names them) and ``key`` (the text up to case, punctuation, @handles)."""
    mask = customer_posts(scored) & has_intent(scored, intent)
    if intent == "question":  # a problem asked as a question is a complaint, not a FAQ
        mask &= ~has_intent(scored, "complaint")
    rows = scored.loc[mask.to_numpy(dtype=bool)]
    display = _per_value(text_of(rows), strip_handles).fillna("")
    langs = (
        _per_value(rows["lang"], normalize_lang).fillna(UNKNOWN_LANG)
        if "lang" in rows.columns
        else pd.Series(UNKNOWN_LANG, index=rows.index, dtype="string")
    )
    words_text = display
    if intent == "question" and len(rows):
        # Only what is asked counts: the real question sentences (a "?" or a question word),
        # not the story around them, not abuse, not a sentence naming only the brand or a
        # person ("ACME Air? I thought that was a vacuum cleaner brand").
        words_text = _questions_text(display, langs, exclude)
        asks = (words_text != "").to_numpy()
        if not asks.all():
            logger.info(
                "clustering questions: %d of %d ask nothing (no question sentence, only abuse "
                "or only a name)", int((~asks).sum()), len(asks),
            )  # fmt: skip
            rows, display, langs, words_text = (
                rows[asks],
                display[asks],
                langs[asks],
                words_text[asks],
            )
    return pd.DataFrame(
        {
            "mention_id": rows["mention_id"].astype("string").to_numpy(),
            "lang": langs.to_numpy(),
            "display": display.to_numpy(),
            "words_text": words_text.to_numpy(),
            "key": _per_value(display, _key),
        }
    )


def _cluster_intent(
    scored: pd.DataFrame,
    intent: str,
    count_column: str,
    *,
    n: int,
    exclude_terms: Iterable[str],
    threshold: float,
    merge_threshold: float,
    min_df: int,
    min_size: int,
    max_leaders: int,
    n_examples: int,
    names: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Cluster the customer mentions of one intent per language (see the module docstring)."""
    columns = [c.format(count=count_column) for c in _CLUSTER_COLUMNS]
    dtypes = {c.format(count=count_column): d for c, d in _CLUSTER_DTYPES.items()}
    require_columns(scored, ("mention_id", "intent"), f"clustering {intent}s")
    _check_parameters(n, n_examples, threshold, merge_threshold, min_df, min_size, max_leaders)
    names = person_names(scored) if names is None else list(names)
    exclude = tuple(dict.fromkeys([*exclude_terms, *names, *sorted(NOT_TOPIC_WORDS)]))
    frame = _texts_to_cluster(scored, intent, exclude)
    if frame.empty:
        logger.info("clustering %ss: none among %d mentions", intent, len(scored))
        return empty_frame(dtypes)[columns]
    totals = frame.groupby("lang").size()
    frame = frame[frame["key"] != ""].sort_values(["lang", "key", "mention_id"], kind="stable")
    distinct = (
        frame.groupby(["lang", "key"], sort=True)
        .agg(count=("mention_id", "size"), mention_id=("mention_id", "first"),
             display=("display", "first"), words_text=("words_text", "first"))
        .reset_index()
    )  # fmt: skip
    found = [
        _clusters_of_language(
            group.reset_index(drop=True),
            str(lang),
            int(totals[lang]),
            exclude,
            threshold=threshold,
            merge_threshold=merge_threshold,
            min_df=min_df,
            min_size=min_size,
            max_leaders=max_leaders,
            n=n,
            n_examples=n_examples,
        )  # fmt: skip
        for lang, group in distinct.groupby("lang", sort=True)
    ]
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    if out.empty:
        return empty_frame(dtypes)[columns]
    out = out.rename(columns={"size": count_column})
    out = out.sort_values(
        [count_column, "lang", "topic"], ascending=[False, True, True], kind="stable"
    )
    return out[columns].astype(dtypes).reset_index(drop=True)


def _features(clauses: list[list[str]]) -> list[str]:
    """Words and within-clause pairs of adjacent words (repeats kept: they are the tf)."""
    features: list[str] = []
    for clause in clauses:
        features += clause
        features += [f"{a} {b}" for a, b in zip(clause, clause[1:], strict=False)]
    return features


def _members(
    distinct: pd.DataFrame, clauses: list[list[list[str]]], matrix: TermMatrix,
    labels: np.ndarray, counts: np.ndarray, kept: np.ndarray,
) -> pd.DataFrame:  # fmt: skip
    """The texts of the ``kept`` clusters, closest to their centroid (cosine) first."""
    clustered = labels >= 0
    cent = centroids(matrix, labels, counts)
    norm = np.sqrt(np.asarray(cent.multiply(cent).sum(axis=1), dtype=np.float64).ravel())
    own = cent[np.maximum(labels, 0)]
    dot = np.asarray(matrix.vectors.multiply(own).sum(axis=1), dtype=np.float64).ravel()
    cosine = np.where(clustered, dot / np.where(clustered, norm[np.maximum(labels, 0)], 1.0),
                      np.nan)  # fmt: skip
    members = pd.DataFrame(
        {
            "cluster": labels,
            "cosine": np.round(cosine, 9),
            "count": counts,
            "length": distinct["display"].str.len().to_numpy(),
            "key": distinct["key"].to_numpy(),
            "display": distinct["display"].to_numpy(),
            "mention_id": distinct["mention_id"].to_numpy(),
            # Texts with the same words (only the brand's name or @handles differ) are one
            # example.
            "words": [" ".join(sorted({w for c in cl for w in c})) for cl in clauses],
        }
    )
    return members[members["cluster"].isin(kept)].sort_values(
        ["cluster", "cosine", "count", "length", "key"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )


def _centroid_terms(matrix: TermMatrix, labels: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    """``cluster``, ``term``, ``weight``: every term of every cluster's centroid."""
    cells = centroids(matrix, labels, counts).tocoo()
    return pd.DataFrame(
        {"cluster": cells.row.astype(np.int64), "term": matrix.terms[cells.col],
         "weight": np.round(cells.data, 12)}
    )  # fmt: skip


def _top_terms(
    features: TermMatrix, matrix: TermMatrix, labels: np.ndarray, counts: np.ndarray,
    kept: np.ndarray, min_df: int,
) -> pd.DataFrame:  # fmt: skip
    """The heaviest label terms (words and phrases, plain idf) of each kept cluster."""
    phrases = weighted_tfidf(features, counts, min_df)
    cells = _centroid_terms(phrases, labels, counts)
    cells = cells[cells["cluster"].isin(kept)].sort_values(
        ["cluster", "weight", "term"], ascending=[True, False, True], kind="stable"
    )
    top = cells.groupby("cluster").head(_TOP_TERMS)
    # A cluster whose label words all fall below min_df (clustered on the words of the whole
    # texts, labelled from the question sentences only) is labelled from its similarity
    # centroid instead: every kept cluster gets a label, in any language.
    unlabelled = np.setdiff1d(kept, top["cluster"].unique())
    if len(unlabelled):
        fallback = _centroid_terms(matrix, labels, counts)
        fallback = fallback[fallback["cluster"].isin(unlabelled)].sort_values(
            ["cluster", "weight", "term"], ascending=[True, False, True], kind="stable"
        )
        top = pd.concat([top, fallback.groupby("cluster").head(_TOP_TERMS)])
    return top


def _describe(
    top: pd.DataFrame, members: pd.DataFrame, lang: str, size: np.ndarray,
    distinct_n: np.ndarray, total: int, n_examples: int,
) -> pd.DataFrame:  # fmt: skip
    """One row per cluster: its label, figures, representative and further examples."""
    nearest = members.groupby("cluster", sort=False).head(_LABEL_TEXTS)
    shown = members.drop_duplicates(["cluster", "words"]).groupby("cluster", sort=False)
    shown = shown.head(1 + n_examples)
    records = []
    for cluster, terms in top.groupby("cluster", sort=False):
        near = nearest.loc[nearest["cluster"] == cluster, "display"].tolist()
        capitalised = capitalised_spellings(near)
        nouns = capitalised if lang == "de" else None
        chosen = label_phrases(terms["term"].tolist(), terms["weight"].tolist(), nouns)
        chosen = chosen or terms["term"].tolist()[:1]
        examples = shown[shown["cluster"] == cluster]
        texts = examples["display"].tolist()
        records.append(
            {
                "label": [surface_spelling(t, near, capitalised) for t in chosen],
                "terms": ", ".join(chosen),
                "lang": lang,
                "size": int(round(size[cluster])),
                "share": size[cluster] / total,
                "distinct": int(distinct_n[cluster]),
                "example": texts[0],
                "example_id": examples["mention_id"].iloc[0],
                "more_examples": _EXAMPLE_SEPARATOR.join(texts[1:]),
            }
        )
    return pd.DataFrame(records)


def _clusters_of_language(
    distinct: pd.DataFrame,
    lang: str,
    total: int,
    exclude: tuple[str, ...],
    *,
    threshold: float,
    merge_threshold: float,
    min_df: int,
    min_size: int,
    max_leaders: int,
    n: int,
    n_examples: int,
) -> pd.DataFrame:
    """The top ``n`` clusters of the distinct texts of one language.

    Words come from ``words_text`` (for questions: the question sentences only, so "Is there
    a student discount? Want to go home for the semester break." is about a student
    discount); examples show ``display``. Any language works: one without stop words or
    rules is tokenized with the English and German lists together.
    """
    texts = distinct["words_text"].str.replace(PLACEHOLDER_RE.pattern, " ", regex=True).tolist()
    excluded = exclusions(exclude)  # prepared once, not per text
    clauses = [tokenize_clauses(text, lang, excluded) for text in texts]
    counts = distinct["count"].to_numpy(dtype=np.float64)
    # Similarity on words (damped idf); labels from words and phrases (see the module doc).
    # distinct is sorted by text, so the row number is the last tie-break of the order.
    features = count_terms([_features(cl) for cl in clauses])
    is_word = np.array([" " not in term for term in features.terms], dtype=bool)
    matrix = weighted_tfidf(features.columns(is_word), counts, min_df, damped=True)
    labels, leaders, merged = cluster_texts(
        matrix, counts, threshold=threshold, merge_threshold=merge_threshold,
        max_leaders=max_leaders,
    )  # fmt: skip
    clustered = labels >= 0
    logger.info(
        "clustering (%s): %d distinct texts, %d leaders merged into %d clusters, "
        "%d texts unclustered", lang, len(distinct), leaders, merged, int((~clustered).sum()),
    )  # fmt: skip
    if not clustered.any() or n == 0:
        return pd.DataFrame()
    n_clusters = int(labels.max()) + 1
    size = np.bincount(labels[clustered], weights=counts[clustered], minlength=n_clusters)
    distinct_n = np.bincount(labels[clustered], minlength=n_clusters)
    kept = np.flatnonzero(size >= min_size)
    if not len(kept):
        return pd.DataFrame()
    # Candidates for the top n: every cluster at least as big as the n-th biggest (ties).
    cut = np.sort(size[kept])[::-1][min(n, len(kept)) - 1]
    kept = kept[size[kept] >= cut]
    members = _members(distinct, clauses, matrix, labels, counts, kept)
    top = _top_terms(features, matrix, labels, counts, kept, min_df)
    out = _describe(top, members, lang, size, distinct_n, total, n_examples)
    if out.empty:
        return out
    # One word says little ("Flughafen"): the next label term joins it ("Flughafen, früh").
    out["topic"] = [
        ", ".join(label[:2]) if " " not in label[0] else label[0] for label in out["label"]
    ]
    clash = out["topic"].duplicated(keep=False)
    out.loc[clash, "topic"] = [" / ".join(label[:2]) for label in out.loc[clash, "label"]]
    out = out.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    return out.head(n).drop(columns=["label"])


def language_note(scored: pd.DataFrame, default_lang: str = "en") -> str:
    """Name the languages of customer posts that step 6 has no rules for, or ``""``.

    Step 6 has question words, stop words and reply wording for English and German. Posts in
    any other language (and undetermined ones, ``und``) are carried through the parts that
    need no rules: grouped by their own words (stop words of English and German together)
    and by question marks, counted on platforms and in slots; their reply templates are
    written in ``default_lang``.

    Args:
        scored: Mentions with ``lang`` (missing: all undetermined) and ``is_brand``.
        default_lang: The playbook's ``language``.

    Returns:
        One sentence, or ``""`` when every customer post is English or German.

    Examples:
        >>> df = pd.DataFrame({"lang": ["en", "pt", "pt", None, "de-AT"], "is_brand": False})
        >>> print(language_note(df))
        No language rules for pt (2 posts), und (1 post): their questions and complaints are \
grouped by their own words and question marks only, and their reply templates are in English.
    """
    posts = scored.loc[customer_posts(scored).to_numpy(dtype=bool)]
    langs = (
        normalize_lang(posts["lang"]).fillna(UNKNOWN_LANG)
        if "lang" in posts.columns
        else pd.Series(UNKNOWN_LANG, index=posts.index)
    )
    other = langs[[lang_key(lang) == "" for lang in langs]].value_counts()
    if other.empty:
        return ""
    ordered = sorted(other.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{lang} ({n} post{'s' if n != 1 else ''})" for lang, n in ordered)
    wording = lang_name(default_lang if default_lang in RULE_LANGUAGES else "en")
    return (
        f"No language rules for {listed}: their questions and complaints are grouped by their "
        f"own words and question marks only, and their reply templates are in {wording}."
    )


def faq_candidates(
    scored: pd.DataFrame,
    n: int = 10,
    exclude_terms: Iterable[str] = (),
    *,
    names: Iterable[str] | None = None,
    threshold: float = 0.4,
    merge_threshold: float = 0.5,
    min_df: int = 2,
    min_size: int = 2,
    max_leaders: int = 2000,
    n_examples: int = 3,
) -> pd.DataFrame:
    """What customers ask most: clusters of similar questions per language (``faq.csv``).

    Questions are the customer mentions (``is_brand`` false, or ``is_customer`` true) that
    ask something and are no complaint: ``is_question & ~is_complaint`` (frames without the
    flags: ``intent == "question"``), so "why does the update keep failing?" is a complaint
    topic, not a FAQ; their text is ``text_redacted`` (else ``text``). They are
    clustered per language with TF-IDF, cosine similarity and greedy leader clustering, as
    the module docstring describes.

    Args:
        scored: Scored mentions with ``mention_id``, ``intent``, ``text_redacted`` or
            ``text``, and ``lang`` (missing or empty: ``"und"``) and ``is_brand``.
        n: Clusters per language (the biggest).
        exclude_terms: Terms that must not make questions similar, typically the brand's and
            competitors' names and handles (see :func:`~socialcrm_utils.nlp.tokens.tokenize`).
        threshold: Minimum cosine similarity of a question to its cluster's leader (and of
            a question left over to a cluster's centroid).
        merge_threshold: Minimum cosine similarity of two clusters' centroids to merge them;
            higher than ``threshold`` because centroids average the wordings out, so
            different topics with the same boilerplate ("is there ... at the airport?") are
            more alike as centroids than as single questions.
        min_df: Terms in fewer questions are ignored.
        min_size: Clusters with fewer questions are not reported.
        max_leaders: At most this many clusters per language; later questions that fit none
            stay unclustered (they still count in ``share``).
        n_examples: Further examples besides the representative question.

    Returns:
        One row per cluster, columns :data:`FAQ_COLUMNS`: ``topic`` (the label's first term
        as customers spell it, the second joined to a single word with ", "; two terms where
        two clusters would share it), ``lang``,
        ``questions`` (mentions in the cluster, repeats included), ``share`` (of all questions
        in that language), ``distinct`` (distinct texts), ``terms`` (up to three label terms),
        ``example`` (the question closest to the centroid, @handles removed), ``example_id``
        (its first ``mention_id``) and ``more_examples`` (the next closest, joined by
        ``" | "``). Sorted by ``questions`` descending, then language and topic; empty with
        these columns when there are no questions.

    Raises:
        ValueError: If ``mention_id`` or ``intent`` is missing or a parameter is out of range.
        KeyError: If the frame has neither ``text_redacted`` nor ``text``.

    Examples:
        >>> df = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3", "4", "5"], "lang": "en", "is_brand": False,
        ...     "intent": "question",
        ...     "text": ["@AcmeAir can I change my seat?", "How to change seat online?",
        ...              "Can I change my seat after check-in?", "Is wifi free?",
        ...              "is WIFI free"]})
        >>> faq_candidates(df)[["topic", "questions", "share", "distinct", "example"]]
                 topic  questions  share  distinct                example
        0  change seat          3    0.6         3  can I change my seat?
        1    wifi free          2    0.4         1          Is wifi free?
    """
    return _cluster_intent(
        scored, "question", "questions", n=n, exclude_terms=exclude_terms,
        threshold=threshold, merge_threshold=merge_threshold, min_df=min_df,
        min_size=min_size, max_leaders=max_leaders, n_examples=n_examples, names=names,
    )  # fmt: skip


def complaint_topics(
    scored: pd.DataFrame,
    n: int = 10,
    exclude_terms: Iterable[str] = (),
    *,
    names: Iterable[str] | None = None,
    threshold: float = 0.4,
    merge_threshold: float = 0.5,
    min_df: int = 2,
    min_size: int = 2,
    max_leaders: int = 2000,
    n_examples: int = 3,
) -> pd.DataFrame:
    """What customers complain about most: clusters of similar complaints per language.

    The same clustering as :func:`faq_candidates` on the customer mentions that are
    complaints, ``is_complaint`` (frames without the flag: ``intent == "complaint"``), a
    complaint asked as a question included. The input of :func:`reply_templates` and, with
    :func:`faq_candidates`, of :func:`content_calendar`.

    Args:
        scored: As for :func:`faq_candidates`.
        n: Clusters per language.
        exclude_terms: Terms that must not make complaints similar (the brand's names).
        threshold: As for :func:`faq_candidates`.
        merge_threshold: As for :func:`faq_candidates`.
        min_df: As for :func:`faq_candidates`.
        min_size: Clusters with fewer complaints are not reported.
        max_leaders: As for :func:`faq_candidates`.
        n_examples: Further examples besides the representative complaint.

    Returns:
        Columns :data:`COMPLAINT_COLUMNS`: those of :func:`faq_candidates` with
        ``complaints`` instead of ``questions``; ``share`` is of all complaints in the
        language.

    Raises:
        ValueError: If ``mention_id`` or ``intent`` is missing or a parameter is out of range.

    Examples:
        >>> df = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3"], "lang": "de", "is_brand": False,
        ...     "intent": "complaint",
        ...     "text": ["Koffer verloren!", "Mein Koffer ist verloren", "Essen kalt"]})
        >>> complaint_topics(df)[["topic", "lang", "complaints", "terms"]]
                     topic lang  complaints            terms
        0  Koffer verloren   de           2  koffer verloren
    """
    return _cluster_intent(
        scored, "complaint", "complaints", n=n, exclude_terms=exclude_terms,
        threshold=threshold, merge_threshold=merge_threshold, min_df=min_df,
        min_size=min_size, max_leaders=max_leaders, n_examples=n_examples, names=names,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Reply templates
# --------------------------------------------------------------------------------------------
