"""Weekly topics (step 3): what customers talk about most, week by week and per language.

For every ISO week (in the client's time zone) and language, :func:`weekly_topics` lists the
keywords and two-word phrases that the most customer posts contain. Offline by construction:
words come from :func:`socialcrm_utils.nlp.tokens.tokenize` (regular expressions and the
stop-word lists of the ``stop_words`` package), phrases from NLTK's collocation finder, which
needs no corpus download.

Ranking, per week and language (a *document* is one customer post):

1. **Phrases**: bigrams of adjacent tokens within a post
   (:class:`nltk.collocations.BigramCollocationFinder` over the week's token lists) that
   occur at least :data:`MIN_PHRASE_COUNT` times (the finder's frequency filter), occur more
   often than chance (observed count above the expected count) and whose Dunning
   log-likelihood ratio (:meth:`nltk.metrics.BigramAssocMeasures.likelihood_ratio`) is at
   least :data:`MIN_LIKELIHOOD_RATIO` (3.84, significant at the 5 % level).
2. **Words**: every token, counted by document frequency.
3. A word is dropped when a phrase containing it is found in at least
   :data:`ABSORB_SHARE` (half) of the posts that contain the word: the phrase is the better
   label ("lost luggage" rather than "lost" and "luggage").
4. ``mentions`` of a term is the number of posts that contain it (a phrase: both words next
   to each other); terms in fewer than ``min_mentions`` posts are left out.
5. Terms are sorted by ``mentions`` (descending), then phrases before words, then by the
   likelihood ratio (descending), then alphabetically; the first ``n`` are kept.

``share`` is ``mentions`` divided by the number of customer posts of that week and language
(posts without any content word included).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np
import pandas as pd
from nltk.collocations import BigramCollocationFinder
from nltk.metrics import BigramAssocMeasures
from nltk.probability import FreqDist

from .pii import PLACEHOLDER_RE
from .sentiment import normalize_lang
from .tokens import Exclusions, exclusions, tokenize

__all__ = [
    "ABSORB_SHARE",
    "MIN_LIKELIHOOD_RATIO",
    "MIN_PHRASE_COUNT",
    "TOPIC_COLUMNS",
    "empty_topics",
    "weekly_topics",
]

logger = logging.getLogger(__name__)

#: Frequency filter of the collocation finder: a phrase must occur at least this often.
MIN_PHRASE_COUNT: int = 2
#: Minimum log-likelihood ratio of a phrase (chi-squared, 1 degree of freedom, p = 0.05).
MIN_LIKELIHOOD_RATIO: float = 3.84
#: A word is absorbed by a phrase found in at least this share of the posts with the word.
ABSORB_SHARE: float = 0.5
#: Columns of :func:`weekly_topics`, in order.
TOPIC_COLUMNS: dict[str, str] = {
    "week": "string",
    "week_start": "object",
    "lang": "string",
    "rank": "int64",
    "term": "string",
    "mentions": "int64",
    "share": "float64",
}

_UNKNOWN_LANG = "und"  # BCP 47 "undetermined"


def _spread(
    rows: np.ndarray, starts: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For row ``i`` with ``sizes[i]`` items from ``starts[i]``: each item's row and position."""
    row = np.repeat(rows, sizes)
    offset = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return row, np.arange(len(row)) - offset + np.repeat(starts, sizes)


def _group_counts(
    posts: tuple[np.ndarray, np.ndarray, np.ndarray],
    items: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_items: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Occurrences and posts of every item (word or pair) per group.

    ``posts`` is ``(group, doc, count)``: how many posts of a group have the distinct document
    ``doc``; ``items`` is ``(doc, item, count)``, sorted by ``doc``: how often a document
    contains an item. Returns ``(group, item, occurrences, posts)``, sorted by group and item.
    """
    group, doc, weight = posts
    item_doc, item, item_count = items
    n_items = max(n_items, 1)
    starts = np.searchsorted(item_doc, doc, side="left")
    sizes = np.searchsorted(item_doc, doc, side="right") - starts
    row, pos = _spread(np.arange(len(doc)), starts, sizes)
    inverse, keys = pd.factorize(group[row] * n_items + item[pos])  # hashing: no sort
    order = np.argsort(keys)  # by group, then item
    occurrences = np.bincount(inverse, weights=weight[row] * item_count[pos])[order]
    containing = np.bincount(inverse, weights=weight[row])[order]
    keys = keys[order]
    return (
        keys // n_items,
        keys % n_items,
        occurrences.round().astype(np.int64),
        containing.round().astype(np.int64),
    )


def _per_doc(doc: np.ndarray, item: np.ndarray, n_items: int) -> tuple[np.ndarray, ...]:
    """``(doc, item, count)`` of each distinct item of each document, sorted by document."""
    keys, counts = np.unique(doc * max(n_items, 1) + item, return_counts=True)
    return keys // max(n_items, 1), keys % max(n_items, 1), counts


class _TermCounts(NamedTuple):
    """Counts of one week and language, all over its posts (a post counted as often as it
    occurs): words and pairs of adjacent words within a post (pairs occurring at least
    :data:`MIN_PHRASE_COUNT` times) by occurrences (``*_fd``) and by posts (``*_df``)."""

    word_fd: dict[str, int]
    word_df: dict[str, int]
    pair_fd: dict[tuple[str, str], int]
    pair_df: dict[tuple[str, str], int]


def _term_counts(
    group: np.ndarray, doc: np.ndarray, docs: Sequence[list[str]]
) -> list[_TermCounts]:
    """Word and pair counts of each group: post ``i`` of group ``group[i]`` has the tokens
    ``docs[doc[i]]``; groups are ``0 .. group.max()``. Each distinct document is split once.

    Examples:
        >>> counts = _term_counts(np.array([0, 0, 0]), np.array([0, 0, 1]),
        ...                       [["lost", "bag", "lost", "bag"], ["bag"]])[0]
        >>> counts.word_fd, counts.word_df
        ({'lost': 4, 'bag': 5}, {'lost': 2, 'bag': 3})
        >>> counts.pair_fd, counts.pair_df
        ({('lost', 'bag'): 4, ('bag', 'lost'): 2}, {('lost', 'bag'): 2, ('bag', 'lost'): 2})
    """
    n_groups = int(group.max()) + 1 if len(group) else 0
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    word, vocab = pd.factorize(
        np.fromiter(chain.from_iterable(docs), dtype=object, count=int(lengths.sum()))
    )
    vocab, n_words = np.asarray(vocab, dtype=object), max(len(vocab), 1)
    token_doc = np.repeat(np.arange(len(docs)), lengths)
    inside = token_doc[:-1] == token_doc[1:]  # adjacent tokens of one document
    pair, pair_keys = pd.factorize(word[:-1][inside] * n_words + word[1:][inside])
    post_keys, post_counts = np.unique(group * len(docs) + doc, return_counts=True)
    posts = (post_keys // len(docs), post_keys % len(docs), post_counts)
    words = _group_counts(posts, _per_doc(token_doc, word, n_words), n_words)
    pairs = _group_counts(
        posts, _per_doc(token_doc[:-1][inside], pair, len(pair_keys)), len(pair_keys)
    )
    frequent = pairs[2] >= MIN_PHRASE_COUNT
    pairs = tuple(column[frequent] for column in pairs)
    word_bounds = np.searchsorted(words[0], np.arange(n_groups + 1))
    pair_bounds = np.searchsorted(pairs[0], np.arange(n_groups + 1))
    out = []
    for g in range(n_groups):
        ws = slice(word_bounds[g], word_bounds[g + 1])
        ps = slice(pair_bounds[g], pair_bounds[g + 1])
        names = vocab[words[1][ws]].tolist()
        key = pair_keys[pairs[1][ps]]
        pair_names = list(
            zip(vocab[key // n_words].tolist(), vocab[key % n_words].tolist(), strict=True)
        )
        out.append(
            _TermCounts(
                dict(zip(names, words[2][ws].tolist(), strict=True)),
                dict(zip(names, words[3][ws].tolist(), strict=True)),
                dict(zip(pair_names, pairs[2][ps].tolist(), strict=True)),
                dict(zip(pair_names, pairs[3][ps].tolist(), strict=True)),
            )
        )
    return out


def _rank_terms(counts: _TermCounts, n: int, min_mentions: int) -> list[tuple[str, int]]:
    """Top ``n`` terms of one week and language as ``(term, mentions)``; see the module doc."""
    word_df, pair_df = counts.word_df, counts.pair_df
    phrases: dict[tuple[str, str], float] = {}
    if counts.pair_fd:
        # The finder of BigramCollocationFinder.from_documents(posts): its FreqDists count
        # every word and every pair of adjacent words within a post (none across two posts).
        finder = BigramCollocationFinder(
            FreqDist(counts.word_fd), FreqDist(counts.pair_fd), window_size=2
        )
        finder.apply_freq_filter(MIN_PHRASE_COUNT)
        total = finder.word_fd.N()
        for pair, score in finder.score_ngrams(BigramAssocMeasures.likelihood_ratio):
            observed = finder.ngram_fd[pair]
            expected = finder.word_fd[pair[0]] * finder.word_fd[pair[1]] / total
            if score >= MIN_LIKELIHOOD_RATIO and observed > expected:
                phrases[pair] = score

    absorbed: set[str] = set()
    for pair in phrases:
        for word in set(pair):
            if pair_df[pair] >= ABSORB_SHARE * word_df[word]:
                absorbed.add(word)

    # (mentions, is_word, likelihood ratio, term)
    terms: list[tuple[int, int, float, str]] = [
        (pair_df[pair], 0, score, " ".join(pair)) for pair, score in phrases.items()
    ]
    terms += [(df, 1, 0.0, word) for word, df in word_df.items() if word not in absorbed]
    terms = [t for t in terms if t[0] >= min_mentions]
    terms.sort(key=lambda t: (-t[0], t[1], -t[2], t[3]))
    return [(term, mentions) for mentions, _, _, term in terms[:n]]


def _customer_posts(
    posts: pd.DataFrame, timezone: str, text_column: str
) -> tuple[pd.DataFrame, list[str | None]]:
    """The posts with a time: ``day`` and ``week_start`` (local), ``lang`` (primary subtag,
    ``"und"`` where unknown) and ``text`` (a number in the distinct texts, -1 for none); and
    the distinct texts, placeholders removed. Each distinct text and language is read once."""
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(timezone)
    text_codes, texts = pd.factorize(posts[text_column].astype("string"))  # NA: -1
    texts = pd.Series(texts, dtype="string")
    if text_column == "text_redacted":
        texts = texts.str.replace(PLACEHOLDER_RE.pattern, " ", regex=True)
    lang: object = _UNKNOWN_LANG
    if "lang" in posts.columns:
        lang_codes, langs = pd.factorize(posts["lang"].astype("string"))  # NA: -1
        normal = normalize_lang(pd.Series(langs, dtype="string")).fillna(_UNKNOWN_LANG)
        lang = pd.array(np.append(normal.to_numpy(object), _UNKNOWN_LANG)[lang_codes], "string")
    out = pd.DataFrame(
        {"day": local.dt.tz_localize(None).dt.normalize(), "text": text_codes, "lang": lang},
        index=posts.index,
    ).dropna(subset=["day"])
    out["week_start"] = out["day"] - pd.to_timedelta(out["day"].dt.day_of_week, unit="D")
    return out, texts.tolist()


def _documents(
    posts: pd.DataFrame, texts: list[str | None], exclude: Exclusions
) -> tuple[np.ndarray, list[list[str]]]:
    """Each post's document number and the tokens of each distinct (text, language)."""
    lang_codes, lang_index = pd.factorize(posts["lang"])
    langs = lang_index.tolist()
    doc, keys = pd.factorize(posts["text"].to_numpy(np.int64) * len(langs) + lang_codes)
    docs = [
        tokenize(texts[key // len(langs)], langs[key % len(langs)], exclude) if key >= 0 else []
        for key in keys.tolist()
    ]
    return doc.astype(np.int64), docs


def empty_topics() -> pd.DataFrame:
    """An empty topics table with the columns and dtypes of :data:`TOPIC_COLUMNS`.

    Examples:
        >>> list(empty_topics().columns) == list(TOPIC_COLUMNS), len(empty_topics())
        (True, 0)
    """
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in TOPIC_COLUMNS.items()})


def weekly_topics(
    scored: pd.DataFrame,
    timezone: str,
    n: int = 5,
    exclude_terms: Iterable[str] = (),
    *,
    min_mentions: int = 2,
) -> pd.DataFrame:
    """Top keywords and phrases of customer posts per ISO week (local time) and language.

    Customer posts are the rows with ``is_brand`` False (or, without that column,
    ``is_customer`` True). The text is ``text_redacted`` when the frame has it (placeholders
    such as ``[EMAIL]`` are removed first, so they never become topics), else ``text``. Words
    come from :func:`~socialcrm_utils.nlp.tokens.tokenize` in the post's language; the ranking is
    described in the module docstring. The input is not modified.

    Args:
        scored: Mentions with ``created_at`` (tz-aware, or naive UTC), ``text`` or
            ``text_redacted``, and optionally ``lang`` (missing or unknown: ``"und"``) and
            ``is_brand``.
        timezone: IANA time zone whose calendar weeks are counted (the playbook's).
        n: Number of terms per week and language.
        exclude_terms: Terms never reported, e.g. the brand's names (``brand.terms``);
            multi-word terms are removed as whole phrases, see
            :func:`~socialcrm_utils.nlp.tokens.tokenize`.
        min_mentions: Terms contained in fewer posts are left out.

    Returns:
        One row per week, language and rank: ``week`` (ISO week, e.g. ``"2026-W42"``),
        ``week_start`` (local Monday, ``datetime.date``), ``lang``, ``rank`` (1 = most
        mentioned), ``term`` (a word or a two-word phrase), ``mentions`` (customer posts
        containing it) and ``share`` (of the customer posts of that week and language).
        Sorted by week, language and rank; empty with these columns when there is nothing.

    Raises:
        ValueError: If ``n`` or ``min_mentions`` is below 1, or a needed column is missing.

    Examples:
        >>> posts = pd.DataFrame({
        ...     "created_at": pd.to_datetime(["2026-10-12 09:00", "2026-10-13 10:00",
        ...                                   "2026-10-14 11:00"], utc=True),
        ...     "text": ["Lost luggage in Munich", "LOST LUGGAGE again!", "Where is my seat?"],
        ...     "lang": ["en", "en", "en"], "is_brand": [False, False, False]})
        >>> weekly_topics(posts, "Europe/Berlin")
               week  week_start lang  rank          term  mentions     share
        0  2026-W42  2026-10-12   en     1  lost luggage         2  0.666667
    """
    if n < 1 or min_mentions < 1:
        raise ValueError(f"n and min_mentions must be at least 1, got {n} and {min_mentions}.")
    text_column = "text_redacted" if "text_redacted" in scored.columns else "text"
    missing = [c for c in ("created_at", text_column) if c not in scored.columns]
    if missing:
        raise ValueError(
            f"weekly_topics needs the column(s) {', '.join(missing)}; pass the mention table "
            "(canonical columns) or the scored table of step 3."
        )
    if "is_brand" in scored.columns:
        customer = ~scored["is_brand"].astype("boolean").fillna(False).astype(bool)
    elif "is_customer" in scored.columns:
        customer = scored["is_customer"].astype("boolean").fillna(False).astype(bool)
    else:
        customer = pd.Series(True, index=scored.index)
    columns = [c for c in ("created_at", text_column, "lang") if c in scored.columns]
    posts, texts = _customer_posts(scored.loc[customer.to_numpy(), columns], timezone, text_column)
    if posts.empty:
        logger.info("weekly_topics: no customer posts")
        return empty_topics()

    grouped = posts.groupby(["week_start", "lang"], sort=True)
    doc, docs = _documents(posts, texts, exclusions(exclude_terms))
    counts = _term_counts(grouped.ngroup().to_numpy(np.int64), doc, docs)
    rows: list[dict[str, object]] = []
    for ((week_start, lang), size), group_counts in zip(
        grouped.size().items(), counts, strict=True
    ):
        iso = week_start.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        for rank, (term, mentions) in enumerate(
            _rank_terms(group_counts, n, min_mentions), start=1
        ):
            rows.append(
                {
                    "week": week,
                    "week_start": week_start.date(),
                    "lang": lang,
                    "rank": rank,
                    "term": term,
                    "mentions": mentions,
                    "share": mentions / int(size),
                }
            )
    if not rows:
        logger.info(
            "weekly_topics: %d customer posts, no term in %d posts", len(posts), min_mentions
        )
        return empty_topics()
    out = pd.DataFrame(rows).astype(TOPIC_COLUMNS)
    logger.info(
        "weekly_topics: %d customer posts, %d weeks, %d rows",
        len(posts),
        out["week"].nunique(),
        len(out),
    )
    return out
