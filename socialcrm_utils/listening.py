"""Step 3, listen: what do customers say? Sentiment, intent, priority, brand tags and spikes.

Pure functions on the canonical mention table (:mod:`socialcrm_utils.schema`) and the playbook:
:func:`score_mentions` adds sentiment, intent, priority and brand tags to every mention,
:func:`daily_volume` counts per local calendar day, :func:`detect_spikes` raises alerts when a
day's count jumps far above its trailing baseline.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nlp import parallel
from .nlp.intent import FLAG_COLUMNS, classify_intent
from .nlp.sentiment import start_sentiment
from .playbook import Brand, Playbook
from .schema import PRIORITIES, TEXT_COLUMNS, blank_missing_markers, text_of

__all__ = [
    "PREPARED_COLUMNS",
    "prepare_mentions",
    "blank_missing_markers",
    "redact_frame",
    "about_brand",
    "PRIORITIES",
    "HIGH_PRIORITY_SENTIMENT",
    "HIGH_PRIORITY_REACH",
    "VIRAL_REACH",
    "SCORED_COLUMNS",
    "DAILY_COLUMNS",
    "ALERT_COLUMNS",
    "tag_brands",
    "score_mentions",
    "daily_volume",
    "detect_spikes",
    "has_intent",
]

logger = logging.getLogger(__name__)

#: A complaint at or below this sentiment is high priority.
HIGH_PRIORITY_SENTIMENT = -0.5
#: A complaint from an author with at least this reach (followers) is high priority.
HIGH_PRIORITY_REACH = 10_000
#: Any negative customer post from an author with at least this reach is high priority.
VIRAL_REACH = 50_000
#: Columns :func:`score_mentions` adds, in order, after the input's columns.
SCORED_COLUMNS: tuple[str, ...] = (
    "is_customer",
    "sentiment",
    "sentiment_label",
    "intent",
    "intent_cue",
    "is_complaint",
    "is_question",
    "is_praise",
    "is_lead",
    "priority",
    "mentions_brand",
    "competitor",
)
#: Columns of :func:`daily_volume`.
DAILY_COLUMNS: tuple[str, ...] = ("date", "mentions", "customer_mentions", "negative", "complaints")
#: Columns of :func:`detect_spikes` (the step's ``alerts.csv``): the day, its count, the
#: baseline (mean, std, number of covered days and their first and last day) and a sentence.
ALERT_COLUMNS: tuple[str, ...] = (
    "date",
    "metric",
    "count",
    "baseline_mean",
    "baseline_std",
    "threshold",
    "ratio",
    "baseline_days",
    "baseline_from",
    "baseline_to",
    "message",
)
#: A day is judged only with at least this many covered days in its baseline (docs/spikes.md).
_MIN_PRIOR_DAYS = 7
#: ... and with posts of any kind on at least this share of them (sparse data has no "usual").
_MIN_ACTIVE_SHARE = 0.5


# Scripts written without spaces between words (kana, CJK ideographs, Hangul syllables): a
# brand name may touch their characters ("Velomiraの自転車"), so they do not count as letters
# at a term's edges.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f"
_LEFT_EDGE = f"(?<![^\\W{_UNSPACED}])"
_RIGHT_EDGE = f"(?![^\\W{_UNSPACED}])"


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word-ish, case-insensitive pattern for brand terms; None when there are none.

    A term must not touch a letter or digit on either side ("acme air" matches "ACME Air's"
    and "#acme air", not "acmeairline"); spaces inside a term match any whitespace. Letters
    of scripts written without spaces (Japanese, Chinese, Korean) may touch it.

    Examples:
        >>> pattern = _term_pattern(["velomira"])
        >>> [bool(pattern.search(t)) for t in ["Velomiraの自転車", "velomiras", "#velomira!"]]
        [True, False, True]
    """
    escaped = sorted(
        {re.escape(t.strip()).replace(r"\ ", r"\s+") for t in terms if t and t.strip()},
        key=len,
        reverse=True,
    )
    if not escaped:
        return None
    return re.compile(f"{_LEFT_EDGE}(?:" + "|".join(escaped) + f"){_RIGHT_EDGE}", re.IGNORECASE)


def _contains(text: pd.Series, pattern: re.Pattern[str] | None) -> np.ndarray:
    if pattern is None:
        return np.zeros(len(text), dtype=bool)
    return text.str.contains(pattern, regex=True).fillna(False).to_numpy(bool)


def tag_brands(mentions: pd.DataFrame, brand: Brand) -> pd.DataFrame:
    """Tag which mentions name the brand and which name a competitor.

    Matching is case-insensitive and whole-word-ish: a term or handle must not touch a letter
    or digit on either side, so ``acme air`` matches "ACME Air's" but not "acmeairline", and
    ``@AcmeAir`` does not match "@AcmeAirHelp". A competitor's terms are its list in the
    playbook (its name when the list is empty); when several competitors appear, the first
    in playbook order wins.

    Args:
        mentions: Mentions with a ``text`` column.
        brand: The playbook's brand section.

    Returns:
        A copy of ``mentions`` with ``mentions_brand`` (bool: any brand term or handle appears)
        and ``competitor`` (string: the competitor's name, NA when none appears).

    Examples:
        >>> brand = Brand(handles=["@AcmeAir"], terms=["acme air"],
        ...               competitors={"Globex": ["globex"]})
        >>> tag_brands(pd.DataFrame({"text": ["ACME Air's lounge", "acmeairline", "Globex!"]}),
        ...            brand)
                        text  mentions_brand competitor
        0  ACME Air's lounge            True       <NA>
        1        acmeairline           False       <NA>
        2            Globex!           False     Globex
    """
    out = mentions.copy()
    codes, distinct = pd.factorize(text_of(mentions).astype("string"), use_na_sentinel=False)
    text = pd.Series(distinct, dtype="string")  # each distinct text is matched once
    tagged = _contains(text, _term_pattern([*brand.terms, *brand.handles]))
    competitor = pd.Series(pd.NA, index=text.index, dtype="string")
    for name, terms in reversed(list(brand.competitors.items())):
        found = _contains(text, _term_pattern(terms or [name]))
        competitor = competitor.mask(found, name)
    out["mentions_brand"] = np.asarray(tagged, dtype=bool)[codes]
    out["competitor"] = pd.array(competitor.to_numpy()[codes], dtype="string")
    return out


def _priority(
    intent: pd.Series,
    is_complaint: pd.Series,
    sentiment: pd.Series,
    label: pd.Series,
    reach: pd.Series,
    customer: np.ndarray,
) -> np.ndarray:
    reach_values = pd.to_numeric(reach, errors="coerce").fillna(0).to_numpy(float)
    score = sentiment.to_numpy(float)
    complaint = is_complaint.fillna(False).to_numpy(bool)
    negative = (label == "negative").fillna(False).to_numpy(bool)
    high = (
        complaint & ((score <= HIGH_PRIORITY_SENTIMENT) | (reach_values >= HIGH_PRIORITY_REACH))
    ) | (customer & negative & (reach_values >= VIRAL_REACH))
    low = intent.isin(["praise", "other"]).to_numpy(bool)
    return np.select([high, low], ["high", "low"], default="normal")


PREPARED_COLUMNS: tuple[str, ...] = (
    "text_redacted", "pii_types", "pii_count", "private_reply", "duplicate_of", "is_retweet",
    "mentions_brand", "competitor",
)


def about_brand(scored: pd.DataFrame) -> pd.Series:
    """Customer posts that concern the client: not about a competitor only.

    A post counts for the brand when it names the brand (``mentions_brand``) or names no
    competitor (a reply in the brand's thread rarely repeats the brand's name). Posts that name
    only a competitor are kept in the data for share of voice but are not the client's volume.

    Examples:
        >>> df = pd.DataFrame({"is_brand": [False, False, False, True],
        ...     "mentions_brand": [True, False, False, False],
        ...     "competitor": ["Globex", "Globex", None, None]})
        >>> about_brand(df).tolist()
        [True, False, True, False]
    """
    customer = ~scored["is_brand"].astype(bool)
    return customer & (scored["mentions_brand"].astype(bool) | scored["competitor"].isna())


def prepare_mentions(mentions: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Make imported mentions safe to store: personal data redacted, language, duplicates, brands.

    - Personal data (e-mail addresses, phone numbers, IBANs, card numbers, the playbook's
      ``listening.pii_patterns``) is replaced by typed placeholders in ``text_redacted``; the
      original ``text`` column is dropped, so no artifact ever holds it. ``pii_types`` and
      ``pii_count`` say what was found; ``private_reply`` suggests a public answer that moves
      the conversation to a private channel (NA for brand posts and posts without personal
      data).
    - "NaN", "null" and the like in optional columns are missing values
      (:func:`blank_missing_markers`).
    - ``lang`` is detected where the source gave none; near-duplicates (retweets, copy-paste
      campaigns) are flagged in ``duplicate_of`` / ``is_retweet``, never dropped; brand and
      competitor mentions are tagged.

    Sentiment and intent of the prepared mentions start in the worker processes before this
    function returns (:mod:`~socialcrm_utils.nlp.parallel`); :func:`score_mentions` of the
    returned frame collects them instead of starting again.

    Args:
        mentions: Canonical mentions straight from the sources (with ``text``).
        playbook: The client's playbook.

    Returns:
        A new frame: canonical columns without ``text``, plus :data:`PREPARED_COLUMNS`.
    """
    from .nlp.pii import redact_texts, suggest_private_replies
    from .normalize import fill_languages, flag_near_duplicates

    settings = playbook.listening
    mentions = blank_missing_markers(mentions)
    redacted = redact_texts(mentions["text"], regions=tuple(settings.phone_regions),
                            patterns=settings.pii_patterns)
    work = mentions.assign(text=redacted["text_redacted"].to_numpy())
    work["lang"] = fill_languages(work, playbook)
    _prefetch_scores(work, playbook)  # the workers score while this process goes on
    work = flag_near_duplicates(work)
    if not {"mentions_brand", "competitor"} <= set(work.columns):  # scope_mentions tags them
        work = tag_brands(work, playbook.brand)
    out = work.rename(columns={"text": "text_redacted"})
    out["pii_types"] = redacted["pii_types"].to_numpy()
    out["pii_count"] = redacted["pii_count"].to_numpy()
    public_customer = ~out["is_brand"].astype(bool)
    replies = suggest_private_replies(out.assign(lang=out["lang"].fillna(playbook.language)))
    out["private_reply"] = replies.where(public_customer & (out["pii_count"] > 0))
    logger.info("prepared %d mentions: %d with personal data redacted", len(out),
                int((out["pii_count"] > 0).sum()))
    return out


def redact_frame(frame: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Every text column of ``frame`` with personal data replaced by placeholders.

    For tables that keep raw values, such as the rejected rows of an import: they are written
    to disk, so they must not carry personal data either. Identifier columns are never
    redacted (a 16-digit id is an id, not a card number): the canonical ``mention_id``,
    ``in_reply_to_id``, ``conversation_id``, ``author_id`` and ``url``, the file columns a
    source's ``mapping`` names for them, and any column whose name ends in ``id``, ``ids``,
    ``url``, ``uri``, ``link`` or ``permalink`` as a word (``tweet_id``, ``Post ID``,
    ``response_tweet_id``), or is ``guid``/``uuid``. Links inside texts stay intact too
    (:func:`~socialcrm_utils.nlp.pii.find_pii`).

    Args:
        frame: Any table; non-text columns are left as they are.
        playbook: For the phone regions, the playbook's patterns and the sources' mappings.

    Returns:
        A new frame with the same columns.
    """
    from .nlp.pii import redact_texts

    settings = playbook.listening
    keep = {"source", "row", "reason", *_ID_COLUMNS}
    for source in playbook.sources:
        mapping = getattr(source, "mapping", None) or {}
        keep.update(str(v) for k, v in mapping.items() if k in _ID_COLUMNS)
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column in keep or _ID_NAME_RE.search(_column_words(column)) or not (
            pd.api.types.is_string_dtype(values.dtype) or values.dtype == object
        ):
            continue
        text = values.astype("string")
        redacted = redact_texts(text.fillna(""), regions=tuple(settings.phone_regions),
                                patterns=settings.pii_patterns)["text_redacted"]
        out[column] = redacted.astype("string").where(text.notna())
    return out


#: Canonical identifier columns :func:`redact_frame` never redacts.
_ID_COLUMNS = frozenset({"mention_id", "in_reply_to_id", "conversation_id", "author_id", "url"})
#: Identifier column names in exports, after :func:`_column_words` (``tweet_id``, ``post_id``).
_ID_NAME_RE = re.compile(r"(?:^|_)(?:ids?|urls?|uri|links?|permalink|guid|uuid)$")


def _column_words(name: object) -> str:
    """A column name as lower-case words joined by ``_`` (``"Post ID"``, ``postId``: post_id)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


_INTENT_COLUMNS = ("intent", "intent_cue", *FLAG_COLUMNS)


def _classify_chunk(packs: tuple[str, ...], pairs: list[tuple[str | None, str | None]]
                    ) -> list[tuple[object, ...]]:
    """:func:`classify_intent` of (text, language) pairs, as (intent, cue, *flags) tuples."""
    frame = pd.DataFrame(pairs, columns=["text", "lang"], dtype="string")
    out = classify_intent(frame["text"], frame["lang"], packs=packs)
    cue = out["intent_cue"].astype(object).where(out["intent_cue"].notna())
    return list(zip(out["intent"].tolist(), cue.tolist(),
                    *(out[c].astype(bool).tolist() for c in FLAG_COLUMNS), strict=True))


def _start_intent(text: pd.Series, lang: pd.Series,
                  packs: Iterable[str] = ()) -> Callable[[], pd.DataFrame]:
    """:func:`classify_intent` once per distinct (text, language), in the worker processes.

    Returns a function that waits for the result (intent, cue and the flags of
    :data:`~socialcrm_utils.nlp.intent.FLAG_COLUMNS`) and maps it back to every row.
    """
    keys = pd.DataFrame({"text": text.astype("string"), "lang": lang.astype("string")})
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(keys.fillna("\x00")))
    first = pd.Series(np.arange(len(keys))).groupby(codes).first().to_numpy()
    distinct = keys.iloc[first].astype(object).where(keys.iloc[first].notna(), None)
    pairs = list(zip(distinct["text"].tolist(), distinct["lang"].tolist(), strict=True))
    pending = parallel.submit_chunks(functools.partial(_classify_chunk, tuple(packs)), pairs,
                                     weight=lambda pair: len(pair[0] or ""))

    def finish() -> pd.DataFrame:
        rows = pending.result()
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(_INTENT_COLUMNS)
        out = {name: pd.array(values, dtype="string").take(codes)
               for name, values in zip(_INTENT_COLUMNS[:2], columns[:2], strict=True)}
        out.update({name: np.asarray(values, dtype=bool)[codes]
                    for name, values in zip(FLAG_COLUMNS, columns[2:], strict=True)})
        return pd.DataFrame(out, index=text.index)

    return finish


@dataclass
class _Started:
    """Sentiment and intent of some mentions, started in the workers (see :func:`_start_scores`)."""

    text: pd.Series
    lang: pd.Series
    customer: np.ndarray
    settings: tuple[object, ...]
    sentiment_of: Callable[[], pd.DataFrame]
    intent_of: Callable[[], pd.DataFrame] | None


#: The scores :func:`prepare_mentions` started last, until :func:`score_mentions` takes them.
_prefetched: _Started | None = None


def _settings(playbook: Playbook) -> tuple[object, ...]:
    listening = playbook.listening
    return (playbook.language, listening.sentiment_extension, listening.german_lexicon,
            tuple(listening.domain_packs))


def _scoring_inputs(mentions: pd.DataFrame, playbook: Playbook) -> tuple[pd.Series, np.ndarray]:
    """Each mention's language (the playbook's where missing) and whether a customer wrote it."""
    lang = mentions["lang"].astype("string").fillna(playbook.language)
    return lang, ~mentions["is_brand"].fillna(False).astype(bool).to_numpy()


def _start_scores(mentions: pd.DataFrame, text: pd.Series, playbook: Playbook) -> _Started:
    """Queue sentiment (every mention) and intent (customers' mentions) in the workers.

    Both are queued before either is read, so they share the workers without a pause.
    """
    lang, customer = _scoring_inputs(mentions, playbook)
    sentiment_of = start_sentiment(text, lang, extension=playbook.listening.sentiment_extension,
                                   german_lexicon=playbook.listening.german_lexicon,
                                   domain_packs=tuple(playbook.listening.domain_packs))
    intent_of = (_start_intent(text[customer], lang[customer], playbook.listening.domain_packs)
                 if customer.any() else None)
    return _Started(text, lang, customer, _settings(playbook), sentiment_of, intent_of)


def _prefetch_scores(mentions: pd.DataFrame, playbook: Playbook) -> None:
    """Start scoring mentions that :func:`score_mentions` will most likely be given next."""
    global _prefetched
    _prefetched = None  # one slot: scores nobody took are dropped
    if len(mentions) >= parallel.MIN_ITEMS and parallel.workers() > 1:
        _prefetched = _start_scores(mentions, text_of(mentions), playbook)


def _take_prefetched(mentions: pd.DataFrame, text: pd.Series,
                     playbook: Playbook) -> _Started | None:
    """The prefetched scores if they were started for exactly these texts, languages, authors."""
    global _prefetched
    started, _prefetched = _prefetched, None
    if started is None or started.settings != _settings(playbook):
        return None
    lang, customer = _scoring_inputs(mentions, playbook)
    same = (started.text.index.equals(text.index) and started.text.equals(text)
            and started.lang.equals(lang) and np.array_equal(started.customer, customer))
    if same:
        logger.debug("score_mentions: using the scores prepare_mentions started")
    return started if same else None


def score_mentions(mentions: pd.DataFrame, playbook: Playbook) -> pd.DataFrame:
    """Score every mention: customer or brand, sentiment, intent, priority, brand tags.

    - ``is_customer``: not posted by one of the brand's handles (``not is_brand``).
    - ``sentiment``, ``sentiment_label``: :func:`~socialcrm_utils.nlp.score_sentiment` (English
      only in this version; German is ``unscored``). Brand posts are scored too, for the
      brand-voice checks of step 4.
    - ``intent``, ``intent_cue``, ``is_complaint``, ``is_question``, ``is_praise``,
      ``is_lead``: :func:`~socialcrm_utils.nlp.classify_intent` for customer posts, with the
      playbook's ``listening.domain_packs``; the flags are multi-label ("why does it keep
      failing?" is a complaint and a question), ``intent`` is the primary one (complaint > lead
      > question > praise > other, see ``docs/intent.md``). Brand posts are not classified
      (intent ``other``, cue NA, every flag False).
    - ``priority``, first rule that holds:

      1. ``high``: a complaint with sentiment <= :data:`HIGH_PRIORITY_SENTIMENT` (-0.5) or
         author reach >= :data:`HIGH_PRIORITY_REACH` (10,000), or any negative customer post
         with reach >= :data:`VIRAL_REACH` (50,000);
      2. ``low``: praise or other (so every brand post is ``low``);
      3. ``normal``: everything else (other complaints, questions, leads).

      Unknown reach counts as 0. Unscored (German) complaints are high only by reach until
      German sentiment exists.
    - ``mentions_brand``, ``competitor``: :func:`tag_brands`.

    The language of a mention is its ``lang`` column, or ``playbook.language`` where that is
    NA; the ``lang`` column itself is returned unchanged.

    Args:
        mentions: The canonical mention table (at least ``text``, ``lang``, ``is_brand`` and
            ``reach``).
        playbook: The client's playbook (language, brand).

    Returns:
        A new frame: the input's columns, then :data:`SCORED_COLUMNS`, on the input's index.

    Raises:
        ValueError: If a needed column is missing.
        ResourceMissingError: If the VADER lexicon is missing and cannot be installed.
    """
    missing = [c for c in ("lang", "is_brand", "reach") if c not in mentions.columns]
    missing += [] if set(TEXT_COLUMNS) & set(mentions.columns) else ["text"]
    if missing:
        raise ValueError(
            f"mentions lack column(s) {', '.join(missing)} (conform_mentions adds them)"
        )
    out = mentions.drop(columns=list(SCORED_COLUMNS), errors="ignore")
    text = text_of(mentions)
    if {"mentions_brand", "competitor"} <= set(mentions.columns):  # tagged by prepare_mentions
        brand_tags = mentions[["mentions_brand", "competitor"]]
    else:
        brand_tags = tag_brands(mentions, playbook.brand)
    started = _take_prefetched(mentions, text, playbook) or _start_scores(mentions, text, playbook)
    customer = started.customer
    sentiment = started.sentiment_of()
    intent = pd.DataFrame(
        {
            "intent": pd.Series("other", index=mentions.index, dtype="string"),
            "intent_cue": pd.Series(pd.NA, index=mentions.index, dtype="string"),
            **{flag: np.zeros(len(mentions), dtype=bool) for flag in FLAG_COLUMNS},
        },
        index=mentions.index,
    )
    if started.intent_of is not None:
        intent.loc[customer] = started.intent_of()
    out["is_customer"] = customer
    out["sentiment"] = sentiment["sentiment"]
    out["sentiment_label"] = sentiment["sentiment_label"]
    for column in ("intent", "intent_cue", *FLAG_COLUMNS):
        out[column] = intent[column].astype(bool) if column in FLAG_COLUMNS else intent[column]
    out["priority"] = pd.array(
        _priority(
            intent["intent"],
            intent["is_complaint"].astype(bool),
            sentiment["sentiment"],
            sentiment["sentiment_label"],
            mentions["reach"],
            customer,
        ),
        dtype="string",
    )
    out["mentions_brand"] = brand_tags["mentions_brand"]
    out["competitor"] = brand_tags["competitor"]
    logger.info(
        "scored %d mentions: %d from customers, %d high priority",
        len(out),
        int(customer.sum()),
        int((out["priority"] == "high").sum()),
    )
    return out


def has_intent(scored: pd.DataFrame, intent: str) -> pd.Series:
    """Which posts are of one intent, as a flag: ``is_<intent>``, else ``intent == <intent>``.

    A post can be several things (a complaint asked as a question): the multi-label flags of
    :func:`score_mentions` say so. Frames written before the flags existed (old artifacts) have
    only the primary ``intent``, which is used then; without either, no post has the intent.

    Args:
        scored: Scored mentions (``is_complaint`` ... and/or ``intent``).
        intent: ``complaint``, ``question``, ``praise`` or ``lead``.

    Returns:
        A boolean Series on ``scored``'s index (missing values are False).

    Examples:
        >>> df = pd.DataFrame({"intent": ["question", "complaint", "question"],
        ...                    "is_complaint": [True, True, False]})
        >>> has_intent(df, "complaint").tolist(), has_intent(df[["intent"]], "complaint").tolist()
        ([True, True, False], [False, True, False])
    """
    flag = f"is_{intent}"
    if flag in scored.columns:
        values = scored[flag].astype("boolean").fillna(False)
    elif "intent" in scored.columns:
        values = scored["intent"].astype("string").eq(intent).fillna(False)
    else:
        values = pd.Series(False, index=scored.index)
    return values.astype(bool)


def daily_volume(scored: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Count mentions per local calendar day over the days the data covers.

    Each source (the ``source`` column; one source when it is missing) covers the days from its
    first to its last post; the rows are the union of those days, and a covered day without
    posts counts 0 (a real zero). Days before a source's first or after its last post are not
    covered and have no row: nobody knows what was posted then, so they are never zeros.

    Args:
        scored: Output of :func:`score_mentions` (``created_at`` tz-aware, ``is_customer``,
            ``sentiment_label``, ``is_complaint`` (else ``intent``), optionally ``source``).
        timezone: IANA time zone whose calendar days are counted (the playbook's).

    Returns:
        One row per covered day, in order: ``date`` (midnight, tz-naive, local), ``mentions``
        (all posts), ``customer_mentions``, ``negative`` (customer posts labelled negative) and
        ``complaints`` (customer posts that are complaints, ``is_complaint``, any language; a
        complaint asked as a question counts; :func:`has_intent`).

    Examples:
        >>> scored = pd.DataFrame({
        ...     "created_at": pd.to_datetime(["2026-03-01 23:30", "2026-03-03 09:00",
        ...                                   "2026-03-06 12:00"], utc=True),
        ...     "source": ["shop", "shop", "forum"], "is_customer": [True, False, True],
        ...     "sentiment_label": ["negative", "neutral", "neutral"],
        ...     "intent": ["complaint", "other", "question"]})
        >>> daily_volume(scored, "Europe/Berlin")  # 03-04 and 03-05: no source covers them
                date  mentions  customer_mentions  negative  complaints
        0 2026-03-02         1                  1         1           1
        1 2026-03-03         1                  0         0           0
        2 2026-03-06         1                  1         0           0
    """
    local = pd.to_datetime(scored["created_at"], utc=True).dt.tz_convert(timezone)
    day = local.dt.tz_localize(None).dt.normalize()
    customer = scored["is_customer"].fillna(False).astype(bool)
    source = (scored["source"].astype("string").fillna("") if "source" in scored.columns
              else pd.Series("", index=scored.index, dtype="string"))
    counts = pd.DataFrame(
        {
            "date": day,
            "mentions": 1,
            "customer_mentions": customer.astype("int64"),
            "negative": (customer & (scored["sentiment_label"] == "negative").fillna(False)).astype(
                "int64"
            ),
            "complaints": (customer & has_intent(scored, "complaint")).astype("int64"),
        }
    ).dropna(subset=["date"])
    if counts.empty:
        empty = {c: pd.Series(dtype="int64") for c in DAILY_COLUMNS}
        empty["date"] = pd.Series(dtype="datetime64[ns]")
        return pd.DataFrame(empty)
    per_day = counts.groupby("date").sum()
    spans = counts["date"].groupby(source.loc[counts.index]).agg(["min", "max"])
    days = pd.DatetimeIndex(
        np.unique(np.concatenate([
            pd.date_range(first, last, freq="D", unit=getattr(per_day.index.dtype, "unit", "ns"))
            .to_numpy() for first, last in spans.itertuples(index=False)
        ])),
        name="date",
    )
    return per_day.reindex(days, fill_value=0).astype("int64").reset_index()[list(DAILY_COLUMNS)]


def detect_spikes(
    daily: pd.DataFrame,
    column: str = "complaints",
    window: int = 28,
    k: float = 3.0,
    min_count: int = 10,
) -> pd.DataFrame:
    """Alert on days whose count jumps far above the baseline of the covered days before.

    Rule (``docs/spikes.md``): a day is a spike when ``count > mean + k * std`` of its baseline
    **and** ``count >= min_count``. The baseline is the covered days among the ``window``
    calendar days before it (the day itself excluded): the rows of ``daily``. A date without a
    row is not covered (before the data starts, after it ends, between sources) and is left
    out, never counted as 0; a covered day without posts is a real 0. ``std`` is the sample
    standard deviation (``ddof=1``). A day is judged only with a minimum history: at least 7
    covered days in its baseline, with posts of any kind (``mentions``, when the column is
    there) on at least half of them; before that, and on data too sparse to say what is usual
    (a thread dump's stray early posts), there are no alerts. ``min_count`` keeps a jump from
    0 to 2 from paging anyone. Complaints are counted in every language, so German spikes are
    caught before German sentiment exists.

    Args:
        daily: Output of :func:`daily_volume`: one row per covered day, a ``date`` column.
        column: The count to watch (``complaints``, ``negative``, ``mentions`` ...).
        window: Calendar days before a day that its baseline may use (at least 7).
        k: How many standard deviations above the mean count as a spike.
        min_count: The smallest count that can alert.

    Returns:
        The alerts, one row per spike day: :data:`ALERT_COLUMNS` (``ratio`` is count /
        baseline mean, ``inf`` after an all-zero baseline; ``baseline_days``,
        ``baseline_from`` and ``baseline_to`` the covered days the baseline used; ``message``
        one readable sentence naming the day and the baseline).

    Raises:
        ValueError: If ``window`` is below 7 or ``column`` is missing.

    Examples:
        >>> daily = pd.DataFrame({"date": pd.date_range("2026-01-01", periods=29),
        ...                       "complaints": [4, 6] * 14 + [20]})
        >>> alert = detect_spikes(daily).iloc[0]
        >>> str(alert["date"].date()), int(alert["count"]), round(float(alert["threshold"]), 2)
        ('2026-01-29', 20, 8.06)
        >>> print(alert["message"])  # doctest: +NORMALIZE_WHITESPACE
        Spike: 20 complaints on 2026-01-29 vs a mean of 5.0/day (std 1.0) over the 28 covered
        days before (2026-01-01 to 2026-01-28); alert threshold 8.1, 4.0x the usual.
    """
    if window < _MIN_PRIOR_DAYS:
        raise ValueError(f"window must be at least {_MIN_PRIOR_DAYS} days, got {window}")
    if column not in daily.columns:
        raise ValueError(
            f"daily counts have no column {column!r} (have: {', '.join(daily.columns)})"
        )
    frame = daily.sort_values("date").reset_index(drop=True)
    dates = pd.DatetimeIndex(pd.to_datetime(frame["date"]))
    counts = pd.Series(frame[column].to_numpy("float64"), index=dates)
    # The previous `window` calendar days, the day excluded; only covered days have a row.
    prior = counts.rolling(f"{window}D", closed="left")
    mean, std, days = prior.mean(), prior.std(ddof=1), prior.count().fillna(0)
    posted = (frame["mentions"].to_numpy() > 0 if "mentions" in frame.columns
              else np.ones(len(frame), bool))
    active = pd.Series(posted.astype("float64"), index=dates).rolling(
        f"{window}D", closed="left").sum().fillna(0)
    position = pd.Series(np.arange(len(frame), dtype="float64"), index=dates).rolling(
        f"{window}D", closed="left")
    first, last = position.min(), position.max()
    judged = (days >= _MIN_PRIOR_DAYS) & (active >= _MIN_ACTIVE_SHARE * days)
    threshold = (mean + k * std).where(judged)
    spike = ((counts > threshold) & (counts >= min_count)).to_numpy(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = counts / mean
    alerts = pd.DataFrame(
        {
            "date": frame["date"],
            "metric": column,
            "count": frame[column].astype("int64"),
            "baseline_mean": mean.to_numpy(),
            "baseline_std": std.to_numpy(),
            "threshold": threshold.to_numpy(),
            "ratio": ratio.to_numpy(),
            "baseline_days": days.to_numpy().astype("int64"),
            "baseline_from": frame["date"].reindex(first.fillna(-1).to_numpy("int64")).to_numpy(),
            "baseline_to": frame["date"].reindex(last.fillna(-1).to_numpy("int64")).to_numpy(),
        }
    )[spike]
    alerts["message"] = [
        _spike_message(*values, metric=column)
        for values in alerts[["date", "count", "baseline_mean", "baseline_std", "threshold",
                              "ratio", "baseline_days", "baseline_from", "baseline_to"]]
        .itertuples(index=False)
    ]
    if len(alerts):
        logger.info("%d %s spike(s), the last on %s", len(alerts), column, alerts["date"].iloc[-1])
    return (
        alerts[list(ALERT_COLUMNS)]
        .reset_index(drop=True)
        .astype({"metric": "string", "message": "string"})
    )


def _spike_message(
    date: pd.Timestamp,
    count: int,
    mean: float,
    std: float,
    threshold: float,
    ratio: float,
    days: int,
    first: pd.Timestamp,
    last: pd.Timestamp,
    *,
    metric: str,
) -> str:
    """One sentence for an alert: the day and its baseline (a loop over alerts, which are few)."""
    when, start, end = (pd.Timestamp(day).strftime("%Y-%m-%d") for day in (date, first, last))
    usual = f", {ratio:.1f}x the usual" if np.isfinite(ratio) else ""
    return (
        f"Spike: {count} {metric.replace('_', ' ')} on {when} vs a mean of {mean:.1f}/day "
        f"(std {std:.1f}) over the {int(days)} covered days before ({start} to {end}); "
        f"alert threshold {threshold:.1f}{usual}."
    )
