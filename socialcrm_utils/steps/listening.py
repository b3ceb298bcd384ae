"""Step 3, listen: what do customers say? Sentiment, intent, priority, brand tags and spikes.

Pure functions on the canonical mention table (:mod:`socialcrm_utils.schema`) and the playbook:
:func:`score_mentions` adds sentiment, intent, priority and brand tags to every mention,
:func:`daily_volume` counts per local calendar day, :func:`detect_spikes` raises alerts when a
day's count jumps far above its trailing baseline. :func:`listen_mentions` is the step's entry
point: all of it on the engine the playbook chooses (pandas, or Dask partition-wise).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from ..artifacts import (
    SCORED_ARTIFACT,
    SCORED_FROM_KEY,
    artifact_path,
    read_artifact,
    scoring_stamp,
)
from ..nlp.brands import tag_brands
from ..nlp.intent import FLAG_COLUMNS
from ..nlp.scoring import TextScores, start_text_scores
from ..playbook import Playbook
from ..schema import (
    PRIORITIES,
    TEXT_COLUMNS,
    about_brand,
    blank_missing_markers,
    has_intent,
    text_of,
)

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = [
    "read_scored_mentions",
    "blank_missing_markers",
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
    "Listened",
    "listen_mentions",
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


def _scoring_inputs(
    mentions: pd.DataFrame, playbook: Playbook
) -> tuple[pd.Series, np.ndarray, dict[str, object]]:
    """Each mention's language (the playbook's where missing), whether a customer wrote it,
    and the playbook's scoring options (the arguments of ``start_text_scores``)."""
    settings = playbook.listening
    lang = mentions["lang"].astype("string").fillna(playbook.language)
    options = {
        "extension": settings.sentiment_extension,
        "german_lexicon": settings.german_lexicon,
        "domain_packs": tuple(settings.domain_packs),
    }
    return lang, ~mentions["is_brand"].fillna(False).astype(bool).to_numpy(), options


def score_mentions(
    mentions: pd.DataFrame, playbook: Playbook, *, started: TextScores | None = None
) -> pd.DataFrame:
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

    Sentiment and intent run in worker processes (:mod:`~socialcrm_utils.nlp.scoring`), started
    here, or earlier by :func:`~socialcrm_utils.steps.prepare.prepare_and_start_scores`, whose
    handle this function takes over (``started``): it collects the scores and closes the handle
    (stopping its workers). Scores started for other texts, languages or options are dropped
    (a warning) and the mentions scored again.

    Args:
        mentions: The canonical mention table (at least ``text``, ``lang``, ``is_brand`` and
            ``reach``).
        playbook: The client's playbook (language, brand).
        started: Scores of exactly these mentions, already running
            (:attr:`Prepared.scores <socialcrm_utils.steps.prepare.Prepared>`).

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
    lang, customer, options = _scoring_inputs(mentions, playbook)
    if started is not None and not started.matches(text, lang, customer, options):
        logger.warning(
            "score_mentions: the started scores are of other mentions or options: scoring again"
        )
        started.close()
        started = None
    with started or start_text_scores(text, lang, customer, **options) as scores:
        if {"mentions_brand", "competitor"} <= set(mentions.columns):  # tagged by step 1
            brand_tags = mentions[["mentions_brand", "competitor"]]
        else:  # while the workers score
            brand_tags = tag_brands(mentions, playbook.brand)
        sentiment, customer_intent = scores.results()
    intent = pd.DataFrame(
        {
            "intent": pd.Series("other", index=mentions.index, dtype="string"),
            "intent_cue": pd.Series(pd.NA, index=mentions.index, dtype="string"),
            **{flag: np.zeros(len(mentions), dtype=bool) for flag in FLAG_COLUMNS},
        },
        index=mentions.index,
    )
    if customer_intent is not None:
        intent.loc[customer] = customer_intent
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


def read_scored_mentions(run_dir: str | Path, playbook: Playbook) -> pd.DataFrame:
    """This run's scored mentions, scored once per run.

    ``mentions_scored.parquet`` when it is current: written by :func:`write_scored_mentions`
    from this run's ``mentions.parquet`` with the playbook's present language, brand and
    listening settings and the present code (a changed setting, a rewritten
    ``mentions.parquet`` or an edited module makes it stale). Otherwise ``mentions.parquet``
    scored now with :func:`score_mentions`.

    Raises:
        MissingArtifactError: If ``mentions.parquet`` is missing (run step 1).
    """
    path = artifact_path(run_dir, SCORED_ARTIFACT)
    if path.is_file():
        import pyarrow.parquet as pq

        stamp = (pq.read_schema(path).metadata or {}).get(SCORED_FROM_KEY)
        if (
            stamp is not None
            and artifact_path(run_dir, "mentions.parquet").is_file()
            and stamp.decode() == scoring_stamp(run_dir, playbook)
        ):
            logger.info("reusing the scores in %s", path)
            return pd.read_parquet(path)
    return score_mentions(read_artifact(run_dir, "mentions.parquet"), playbook)


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
    source = (
        scored["source"].astype("string").fillna("")
        if "source" in scored.columns
        else pd.Series("", index=scored.index, dtype="string")
    )
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
        np.unique(
            np.concatenate(
                [
                    pd.date_range(
                        first, last, freq="D", unit=getattr(per_day.index.dtype, "unit", "ns")
                    ).to_numpy()
                    for first, last in spans.itertuples(index=False)
                ]
            )
        ),
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
    posted = (
        frame["mentions"].to_numpy() > 0
        if "mentions" in frame.columns
        else np.ones(len(frame), bool)
    )
    active = (
        pd.Series(posted.astype("float64"), index=dates)
        .rolling(f"{window}D", closed="left")
        .sum()
        .fillna(0)
    )
    position = pd.Series(np.arange(len(frame), dtype="float64"), index=dates).rolling(
        f"{window}D", closed="left"
    )
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
        for values in alerts[
            [
                "date",
                "count",
                "baseline_mean",
                "baseline_std",
                "threshold",
                "ratio",
                "baseline_days",
                "baseline_from",
                "baseline_to",
            ]
        ].itertuples(index=False)
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


class Listened(NamedTuple):
    """What step 3 computes: the scored mentions, the daily counts and the weekly topics."""

    scored: pd.DataFrame
    daily: pd.DataFrame
    topics: pd.DataFrame


def listen_mentions(
    mentions: pd.DataFrame | dd.DataFrame,
    playbook: Playbook,
    *,
    exclude_terms: Iterable[str] = (),
    topics: int = 5,
) -> Listened:
    """Step 3 on the engine the playbook chooses (``listening.engine``): same results.

    ``pandas`` (default): :func:`score_mentions`, :func:`daily_volume` and
    :func:`~socialcrm_utils.nlp.topics.weekly_topics` in memory. ``dask``: the same, partition
    by partition (:mod:`socialcrm_utils.engine.partitioned`) in one Dask computation, on the
    scheduler :func:`~socialcrm_utils.engine.partitioned.kernel_scheduler` chooses.
    ``listening.partitions`` sets the partitions of a pandas input (default
    :func:`~socialcrm_utils.engine.partitioned.count_partitions`); a Dask input keeps its own.

    Args:
        mentions: Prepared mentions (``mentions.parquet`` of step 1), pandas or Dask; with
            the engine ``pandas``, mentions that are scored already
            (:func:`~socialcrm_utils.artifacts.read_scored_mentions`) keep their scores.
        playbook: The client's playbook.
        exclude_terms: Terms never reported as topics (the brand's names).
        topics: Topics per week and language.

    Returns:
        The scored mentions (on the input's index), the daily counts and the weekly topics,
        as pandas frames.
    """
    from ..nlp.topics import weekly_topics

    timezone = playbook.timezone
    if playbook.listening.engine == "pandas":
        # Mentions already scored (artifacts.read_scored_mentions: step 1's current scores) keep
        # their scores: scoring a million mentions takes minutes.
        scored = (
            mentions
            if set(SCORED_COLUMNS) <= set(mentions.columns)
            else score_mentions(mentions, playbook)
        )
        return Listened(
            scored,
            daily_volume(scored, timezone),
            weekly_topics(scored, timezone, n=topics, exclude_terms=exclude_terms),
        )
    import dask
    import dask.dataframe as dd

    from ..engine.partitioned import (
        count_partitions,
        daily_volume_partitioned,
        kernel_scheduler,
        score_mentions_partitioned,
        weekly_topics_partitioned,
    )

    with dask.config.set({"dataframe.convert-string": False}):
        if isinstance(mentions, pd.DataFrame):
            frame = dd.from_pandas(
                mentions,
                npartitions=count_partitions(len(mentions), playbook.listening.partitions),
                sort=False,
            )
        else:
            frame = mentions
        scored = score_mentions_partitioned(frame, playbook)
        daily = daily_volume_partitioned(scored, timezone)
        weekly = weekly_topics_partitioned(scored, timezone, topics, exclude_terms)
        started = time.perf_counter()
        with kernel_scheduler(frame.npartitions) as where:
            result = Listened(*dask.compute(scored, daily, weekly))
    logger.info(
        "listening engine dask: %d partitions on %s, %.1fs",
        frame.npartitions,
        where,
        time.perf_counter() - started,
    )
    return result
