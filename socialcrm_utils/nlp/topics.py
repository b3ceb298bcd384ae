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
from collections import Counter
from collections.abc import Iterable, Sequence

import pandas as pd
from nltk.collocations import BigramCollocationFinder
from nltk.metrics import BigramAssocMeasures

from .pii import PLACEHOLDER_RE
from .sentiment import normalize_lang
from .tokens import exclusions, tokenize

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


def _rank_terms(docs: Sequence[list[str]], n: int, min_mentions: int) -> list[tuple[str, int]]:
    """Top ``n`` terms of one week and language as ``(term, mentions)``; see the module doc."""
    word_df: Counter[str] = Counter()
    pair_df: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        word_df.update(set(doc))
        pair_df.update(set(zip(doc, doc[1:], strict=False)))

    phrases: dict[tuple[str, str], float] = {}
    if pair_df:
        finder = BigramCollocationFinder.from_documents(docs)
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
    posts = scored.loc[customer.to_numpy()]
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(timezone)
    posts = pd.DataFrame(
        {
            "day": local.dt.tz_localize(None).dt.normalize(),
            "text": posts[text_column].astype("string"),
            "lang": normalize_lang(posts["lang"]).fillna(_UNKNOWN_LANG)
            if "lang" in posts.columns
            else _UNKNOWN_LANG,
        },
        index=posts.index,
    ).dropna(subset=["day"])
    if posts.empty:
        logger.info("weekly_topics: no customer posts")
        return empty_topics()
    if text_column == "text_redacted":
        posts["text"] = posts["text"].str.replace(PLACEHOLDER_RE.pattern, " ", regex=True)
    posts["week_start"] = posts["day"] - pd.to_timedelta(posts["day"].dt.day_of_week, unit="D")

    exclude = exclusions(exclude_terms)  # prepared once, not per text
    tokens_of: dict[tuple[object, str], list[str]] = {}
    rows: list[dict[str, object]] = []
    for (week_start, lang), group in posts.groupby(["week_start", "lang"], sort=True):
        docs = []
        for text in group["text"]:
            key = (None if pd.isna(text) else text, lang)
            if key not in tokens_of:
                tokens_of[key] = tokenize(key[0], lang, exclude) if key[0] is not None else []
            docs.append(tokens_of[key])
        iso = week_start.isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        for rank, (term, mentions) in enumerate(_rank_terms(docs, n, min_mentions), start=1):
            rows.append(
                {
                    "week": week,
                    "week_start": week_start.date(),
                    "lang": lang,
                    "rank": rank,
                    "term": term,
                    "mentions": mentions,
                    "share": mentions / len(docs),
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
