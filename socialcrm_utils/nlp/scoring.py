"""Sentiment and intent of mention texts, started in worker processes and collected later.

:func:`start_text_scores` queues the sentiment of every text and the intent of the customers'
texts in a :class:`~socialcrm_utils.nlp.parallel.WorkerPool` of its own and returns at once;
the :class:`TextScores` it returns is the explicit hand-over: step 1 starts the scores of its
prepared mentions before it flags duplicates and tags brands
(:func:`~socialcrm_utils.steps.prepare.prepare_and_start_scores`), and step 3's
:func:`~socialcrm_utils.steps.listening.score_mentions` takes the handle (``started=``), collects
the scores and closes it. The handle owns the workers until then (see ``docs/workers.md``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import parallel
from .intent import FLAG_COLUMNS, classify_intent
from .sentiment import score_sentiment, start_sentiment

__all__ = [
    "INTENT_COLUMNS",
    "TextScores",
    "pair_codes",
    "start_intent",
    "start_text_scores",
    "warm_scorers",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`start_intent`'s frame: the primary intent, its cue and the flags.
INTENT_COLUMNS: tuple[str, ...] = ("intent", "intent_cue", *FLAG_COLUMNS)


def _classify_chunk(
    packs: tuple[str, ...], pairs: list[tuple[str | None, str | None]]
) -> list[tuple[object, ...]]:
    """:func:`classify_intent` of (text, language) pairs, as (intent, cue, *flags) tuples."""
    frame = pd.DataFrame(pairs, columns=["text", "lang"], dtype="string")
    out = classify_intent(frame["text"], frame["lang"], packs=packs)
    cue = out["intent_cue"].astype(object).where(out["intent_cue"].notna())
    return list(
        zip(
            out["intent"].tolist(),
            cue.tolist(),
            *(out[c].astype(bool).tolist() for c in FLAG_COLUMNS),
            strict=True,
        )
    )


#: Largest intent chunk (distinct texts): a worker's memory grows with its chunk (at a
#: million mentions one chunk per worker added 55 MB to each).
_INTENT_CHUNK_ITEMS = 20_000

#: Texts that make :func:`warm_scorers` compile what scoring needs (English and German:
#: complaint, question, praise and lead cues, emoji, hashtags, digits).
_WARM_TEXTS: tuple[tuple[str, str], ...] = (
    ("Where is my bag?! Still waiting 3 hours, thanks for nothing @acme #fail", "en"),
    ("Love the new app, great service :) \U0001f60d", "en"),
    ("I want to buy the premium plan, what is the price?", "en"),
    ("Wo ist mein Koffer? Seit 3 Stunden warten, danke für nichts! #fail", "de"),
    ("Super Service, vielen Dank :) \U0001f60d", "de"),
    ("Ich möchte den Tarif kaufen, was kostet das?", "de"),
)


def warm_scorers(
    extension: bool = True, german_lexicon: Path | None = None, domain_packs: tuple[str, ...] = ()
) -> None:
    """Compile and load what scoring needs (regexes, lexicons), by scoring a few texts.

    A worker pool's host runs it before it forks the workers
    (:meth:`~socialcrm_utils.nlp.parallel.WorkerPool.start`), so the workers share it instead
    of each paying about 0.3 s of CPU for its first texts.
    """
    texts = pd.Series([text for text, _ in _WARM_TEXTS], dtype="string")
    langs = pd.Series([lang for _, lang in _WARM_TEXTS], dtype="string")
    classify_intent(texts, langs, packs=domain_packs)
    score_sentiment(
        texts, langs, extension=extension, german_lexicon=german_lexicon, domain_packs=domain_packs
    )


def pair_codes(first: pd.Series, second: pd.Series) -> np.ndarray:
    """A code per row for its (``first``, ``second``) pair, numbered in order of appearance.

    What ``pd.factorize`` of a ``MultiIndex`` of the two gives (NA is a value of its own), by
    factorizing each column and then one integer per pair: at a million rows 0.3 s, not 5 s
    (building the ``MultiIndex``'s tuples).

    Examples:
        >>> pair_codes(pd.Series(["a", "b", "a", None]), pd.Series(["en", "de", "en", "en"]))
        array([0, 1, 0, 2])
    """
    left, _ = pd.factorize(first, use_na_sentinel=False)
    right, right_values = pd.factorize(second, use_na_sentinel=False)
    combined = left.astype(np.int64) * max(len(right_values), 1) + right
    return pd.factorize(combined)[0]


class _Pairs(Sequence[tuple[str | None, str | None]]):
    """(text, language) pairs of two columns, made as they are read (NA: None).

    What :func:`start_intent` submits: its pending work keeps the columns (Arrow strings), not
    a list of a tuple and two Python strings per distinct text (about 75 MB at a million
    mentions, held while the workers run).

    Examples:
        >>> pairs = _Pairs(pd.Series(["a", None, "c"], dtype="string"), pd.Series(["en"] * 3))
        >>> len(pairs), pairs[1], pairs[1:], list(pairs)[0]
        (3, (None, 'en'), [(None, 'en'), ('c', 'en')], ('a', 'en'))
    """

    _BLOCK = 10_000  # pairs made at a time when iterating

    def __init__(self, text: pd.Series, lang: pd.Series) -> None:
        self._text, self._lang = text.array, lang.array

    def __len__(self) -> int:
        return len(self._text)

    @staticmethod
    def _values(values: pd.api.extensions.ExtensionArray) -> list[str | None]:
        return values.to_numpy(dtype=object, na_value=None).tolist()

    def __getitem__(self, key):  # noqa: ANN001, ANN204 (int or slice, as Sequence's)
        if isinstance(key, slice):
            text, lang = self._values(self._text[key]), self._values(self._lang[key])
            return list(zip(text, lang, strict=True))
        return self[key : key + 1 or None][0]  # IndexError past the end, as a list's

    def __iter__(self) -> Iterator[tuple[str | None, str | None]]:
        for start in range(0, len(self), self._BLOCK):
            yield from self[start : start + self._BLOCK]


def start_intent(
    text: pd.Series,
    lang: pd.Series,
    packs: Iterable[str] = (),
    *,
    pool: parallel.WorkerPool | None = None,
) -> Callable[[], pd.DataFrame]:
    """:func:`classify_intent` once per distinct (text, language), in the worker processes.

    Args:
        text: The texts.
        lang: Their languages, on the same index.
        packs: Domain packs (``listening.domain_packs``).
        pool: The workers (default: see :func:`~socialcrm_utils.nlp.parallel.submit_chunks`).

    Returns:
        A function that waits for the result (:data:`INTENT_COLUMNS`) and maps it back to
        every row, on ``text``'s index: equal to ``classify_intent(text, lang, packs=packs)``.
    """
    keys = pd.DataFrame({"text": text.astype("string"), "lang": lang.astype("string")})
    codes = pair_codes(keys["text"], keys["lang"])
    first = np.unique(codes, return_index=True)[1]  # codes count up in order of appearance
    distinct = keys.iloc[first]
    pending = parallel.submit_chunks(
        functools.partial(_classify_chunk, tuple(packs)),
        _Pairs(distinct["text"], distinct["lang"]),
        weight=lambda pair: len(pair[0] or ""),
        pool=pool,
        chunks_per_worker=1,  # submitted first: each call pays its own RE2 scans' set-up
        max_chunk_items=_INTENT_CHUNK_ITEMS,
    )

    def finish() -> pd.DataFrame:
        rows = pending.result()
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(INTENT_COLUMNS)
        out = {
            name: pd.array(values, dtype="string").take(codes)
            for name, values in zip(INTENT_COLUMNS[:2], columns[:2], strict=True)
        }
        out.update(
            {
                name: np.asarray(values, dtype=bool)[codes]
                for name, values in zip(FLAG_COLUMNS, columns[2:], strict=True)
            }
        )
        return pd.DataFrame(out, index=text.index)

    return finish


class TextScores:
    """Sentiment of some texts and intent of the customers' ones, computing in worker processes.

    Made by :func:`start_text_scores`; it owns the worker processes (a context manager):
    :meth:`results` waits for the scores and stops the workers, :meth:`close` (or the end of
    a ``with`` block) stops them and drops what was not collected.

    Attributes:
        text: The texts scored.
        lang: Their languages.
        customer: Which texts customers wrote (only those get an intent).
        options: The scoring options (``extension``, ``german_lexicon``, ``domain_packs``).
    """

    def __init__(
        self,
        text: pd.Series,
        lang: pd.Series,
        customer: np.ndarray,
        options: dict[str, object],
        pool: parallel.WorkerPool,
        sentiment_of: Callable[[], pd.DataFrame],
        intent_of: Callable[[], pd.DataFrame] | None,
    ) -> None:
        self.text, self.lang, self.customer, self.options = text, lang, customer, options
        self._pool = pool
        self._sentiment_of, self._intent_of = sentiment_of, intent_of

    def __enter__(self) -> TextScores:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def matches(
        self, text: pd.Series, lang: pd.Series, customer: np.ndarray, options: dict[str, object]
    ) -> bool:
        """True when these scores were started for exactly these texts, languages and authors."""
        return (
            options == self.options
            and self.text.index.equals(text.index)
            and self.text.equals(text)
            and self.lang.equals(lang)
            and np.array_equal(self.customer, customer)
        )

    def results(self) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Wait for the scores, then stop the workers.

        Returns:
            The sentiment frame (``sentiment``, ``sentiment_label`` on :attr:`text`'s index)
            and the customers' intent frame (:data:`INTENT_COLUMNS` on the customers' rows;
            None when there are no customers).
        """
        try:
            sentiment = self._sentiment_of()
            intent = self._intent_of() if self._intent_of is not None else None
        finally:
            self.close()
        return sentiment, intent

    def close(self) -> None:
        """Stop the workers; scores not collected are dropped."""
        self._pool.close()


def start_text_scores(
    text: pd.Series,
    lang: pd.Series,
    customer: np.ndarray,
    *,
    extension: bool = True,
    german_lexicon: Path | None = None,
    domain_packs: Iterable[str] = (),
    pool: parallel.WorkerPool | None = None,
) -> TextScores:
    """Queue sentiment (every text) and intent (customers' texts) in workers of their own.

    Both are queued before either is read, so they share the workers without a pause.

    Args:
        text: The texts.
        lang: Their languages (missing ones already filled with the playbook's language).
        customer: Which texts customers wrote (a boolean array, one per text).
        extension: The English customer-service extension of sentiment
            (``listening.sentiment_extension``).
        german_lexicon: ``listening.german_lexicon``.
        domain_packs: ``listening.domain_packs``.
        pool: Workers started earlier (:meth:`~socialcrm_utils.nlp.parallel.WorkerPool.start`)
            to use; the handle owns them from now on. Default: a pool of its own.

    Returns:
        The handle that owns the workers until its scores are collected or it is closed.

    Raises:
        ResourceMissingError: If the VADER lexicon is missing and cannot be installed.
    """
    options = {
        "extension": extension,
        "german_lexicon": german_lexicon,
        "domain_packs": tuple(domain_packs),
    }
    pool = parallel.WorkerPool() if pool is None else pool
    try:
        # Intent first, in one chunk per worker; the sentiment's smaller chunks fill in
        # around them, so the workers finish together (longest work first).
        intent_of = (
            start_intent(text[customer], lang[customer], options["domain_packs"], pool=pool)
            if customer.any()
            else None
        )
        with pool.active():  # start_sentiment submits to the active pool
            sentiment_of = start_sentiment(text, lang, **options)
    except BaseException:
        pool.close()
        raise
    return TextScores(text, lang, customer, options, pool, sentiment_of, intent_of)
