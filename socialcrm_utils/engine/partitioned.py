"""Step 3 partition-wise on Dask: the same results as pandas, for data too big for one process.

With ``listening: {engine: dask}`` in the playbook, step 3's
:func:`~socialcrm_utils.listening.listen_mentions` runs :func:`score_mentions_partitioned`
(the per-row work of :func:`~socialcrm_utils.listening.score_mentions` via
``map_partitions``) and computes the cross-row parts exactly as pandas does: daily volume
(:func:`daily_volume_partitioned`, per-partition counts summed) and weekly topics
(:func:`weekly_topics_partitioned`, a shuffle by week so each week is ranked whole).
:func:`prepare_mentions_partitioned` does the same for step 1's
:func:`~socialcrm_utils.steps.prepare.prepare_mentions`: near-duplicates across partitions,
two passes over a shuffle by text key.

Inside a notebook kernel :func:`kernel_scheduler` picks the scheduler named by the environment
variable ``SOCIALCRM_DASK_SCHEDULER`` (:data:`DASK_SCHEDULER_ENV`): a scheduler address
(``tcp://HOST:PORT``) connects a ``distributed.Client``; ``processes``, ``threads`` or ``sync``
pick Dask's local schedulers. Unset, it uses a ``distributed`` client already made default in
the kernel, else a local process pool (the NLP work is pure Python, so threads would share one
core).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..playbook import Playbook
from .batch import SCHEDULER_ADDRESS, SchedulerError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = [
    "DASK_SCHEDULER_ENV",
    "PARTITION_ROWS",
    "count_partitions",
    "kernel_scheduler",
    "prepare_mentions_partitioned",
    "score_mentions_partitioned",
    "daily_volume_partitioned",
    "weekly_topics_partitioned",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the scheduler of ``listening.engine: dask`` in a notebook kernel.
DASK_SCHEDULER_ENV = "SOCIALCRM_DASK_SCHEDULER"
#: Default partition size of ``listening.engine: dask``: one partition per this many mentions.
PARTITION_ROWS = 100_000

_LOCAL_SCHEDULERS = {"processes", "threads", "sync", "synchronous", "single-threaded"}
_HELPERS = ("_key", "_part", "_pos")


def count_partitions(rows: int, partitions: int | None = None) -> int:
    """How many partitions ``rows`` mentions get.

    ``partitions`` when given, else one per :data:`PARTITION_ROWS` and at least one per core;
    never more than there are rows, and at least one.

    Examples:
        >>> count_partitions(250_000, 4), count_partitions(10, 64), count_partitions(0)
        (4, 10, 1)
    """
    wanted = partitions or max(os.cpu_count() or 1, math.ceil(rows / PARTITION_ROWS))
    return max(1, min(wanted, rows))


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``meta``'s column order and dtypes.

    An empty partition can come out ``object`` where full ones are ``str``; concatenated, the
    partitions would then differ from the pandas result.
    """
    frame = frame[list(meta.columns)]
    wrong = {c: meta[c].dtype for c in meta.columns if frame[c].dtype != meta[c].dtype}
    return frame.astype(wrong) if wrong else frame


def _empty_frame(frame: dd.DataFrame) -> pd.DataFrame:
    """``frame``'s columns and dtypes, no rows (Dask's *meta*)."""
    from dask.dataframe.utils import make_meta

    return make_meta(frame)


def _meta(func: Callable[..., pd.DataFrame], frame: dd.DataFrame, *args: object) -> pd.DataFrame:
    """The empty result of ``func`` on ``frame``'s partitions, from Dask's made-up sample rows."""
    from dask.dataframe.utils import meta_nonempty

    empty = _empty_frame(frame)
    try:
        return func(meta_nonempty(empty), *args).iloc[:0]
    except Exception:  # made-up rows can trip a check: the empty frame then
        logger.debug("meta of %s from the empty frame", func.__name__, exc_info=True)
        return func(empty, *args).iloc[:0]


def _duplicate_key(prepared: pd.DataFrame) -> pd.Series:
    """The near-duplicate key of each row (NA: never a copy).

    Computed exactly as :func:`~socialcrm_utils.steps.prepare.flag_near_duplicates` does.
    """
    from ..schema import text_of
    from ..steps.prepare import MIN_DUPLICATE_CHARS, normalize_text

    key = normalize_text(text_of(prepared).astype("string"))
    return key.where(key.str.len() >= MIN_DUPLICATE_CHARS)


def _prepare_partition(
    part: pd.DataFrame, playbook: Playbook, meta: pd.DataFrame, partition_info: dict | None = None
) -> pd.DataFrame:
    """Pass 1: ``prepare_mentions`` on one partition, plus the key and the global position."""
    from ..steps.prepare import prepare_mentions

    out = _conform(prepare_mentions(part, playbook), meta)
    return out.assign(
        _key=_duplicate_key(out),
        _part=(partition_info or {}).get("number", 0),
        _pos=np.arange(len(out), dtype="int64"),
    )


def _local_firsts(part: pd.DataFrame) -> pd.DataFrame:
    """Each key's first row within the partition (``duplicate_of`` NA).

    These are the candidates for the key's first row overall.
    """
    first = part["_key"].notna() & part["duplicate_of"].isna()
    return part.loc[
        first.to_numpy(bool), ["_key", "_part", "_pos", "mention_id", "text_redacted", "created_at"]
    ]


def _global_firsts(candidates: pd.DataFrame) -> pd.DataFrame:
    """The first row overall of each key found in several partitions.

    After the shuffle by key all of a key's candidates are in this partition. Ties go to the
    earlier partition and row, as in one frame; ``flag_near_duplicates`` itself decides, so
    the rule stays in one place.
    """
    from ..steps.prepare import flag_near_duplicates

    ordered = candidates.sort_values(["_part", "_pos"], kind="stable")
    spread = ordered.groupby("_key", sort=False)["_part"].transform("size") >= 2
    ordered = ordered[spread.to_numpy(bool)]
    flagged = flag_near_duplicates(ordered[["mention_id", "text_redacted", "created_at"]])
    first = ordered[flagged["duplicate_of"].isna().to_numpy(bool)]
    return pd.DataFrame(
        {
            "_key": first["_key"],
            "_first_id": first["mention_id"],
            "_first_part": first["_part"],
            "_first_pos": first["_pos"],
        }
    )


def _apply_global_firsts(
    part: pd.DataFrame, firsts: pd.DataFrame, meta: pd.DataFrame
) -> pd.DataFrame:
    """Pass 2: point copies of keys spread over partitions at the first row overall."""
    lookup = firsts.drop_duplicates("_key").set_index("_key")
    first_id = part["_key"].map(lookup["_first_id"]).astype("string")
    hit = first_id.notna().to_numpy(bool)
    first_part = part["_key"].map(lookup["_first_part"]).to_numpy()
    first_pos = part["_key"].map(lookup["_first_pos"]).to_numpy()
    is_first = (
        hit & (first_part == part["_part"].to_numpy()) & (first_pos == part["_pos"].to_numpy())
    )
    duplicate_of = part["duplicate_of"].astype("string").copy()
    duplicate_of[hit] = first_id[hit]
    duplicate_of[is_first] = pd.NA
    return _conform(part.drop(columns=list(_HELPERS)).assign(duplicate_of=duplicate_of), meta)


def prepare_mentions_partitioned(mentions: dd.DataFrame, playbook: Playbook) -> dd.DataFrame:
    """:func:`~socialcrm_utils.steps.prepare.prepare_mentions` partition-wise, same result.

    Redaction, language, retweets and brand tags are per row (``map_partitions``). The
    near-duplicate flags need every partition: a key's first post may sit in another one. So
    each partition's first post per key is a candidate; the candidates are shuffled by key,
    the first overall is chosen for keys that occur in several partitions (by ``created_at``,
    then partition and row: the order of the concatenated frame), and a second
    ``map_partitions`` points every copy at it. Only those keys' first rows are held together
    (one small partition), never the mentions.

    Args:
        mentions: Canonical mentions with ``text`` (any number of partitions, in row order).
        playbook: The client's playbook.

    Returns:
        A lazy frame equal, once computed, to ``prepare_mentions`` of the concatenated
        partitions (same index, columns, dtypes and values).
    """
    from ..steps.prepare import prepare_mentions

    meta = _meta(prepare_mentions, mentions, playbook)
    helpers = meta.assign(
        _key=pd.Series(dtype="string"),
        _part=pd.Series(dtype="int64"),
        _pos=pd.Series(dtype="int64"),
    )
    local = mentions.map_partitions(_prepare_partition, playbook, meta, meta=helpers)
    candidates = local.map_partitions(_local_firsts, meta=_local_firsts(helpers))
    firsts_meta = _global_firsts(_local_firsts(helpers))
    firsts = (
        candidates.shuffle(on="_key")
        .map_partitions(_global_firsts, meta=firsts_meta)
        .repartition(npartitions=1)
    )
    return local.map_partitions(_apply_global_firsts, firsts, meta, meta=meta)


def _score_partition(part: pd.DataFrame, playbook: Playbook, meta: pd.DataFrame) -> pd.DataFrame:
    from ..steps.listening import score_mentions

    return _conform(score_mentions(part, playbook), meta)


def score_mentions_partitioned(mentions: dd.DataFrame, playbook: Playbook) -> dd.DataFrame:
    """:func:`~socialcrm_utils.listening.score_mentions` per partition (it is per row).

    Args:
        mentions: Prepared mentions (step 1's ``mentions.parquet``, or the result of
            :func:`prepare_mentions_partitioned`).
        playbook: The client's playbook.

    Returns:
        A lazy frame equal, once computed, to ``score_mentions`` of the concatenation.
    """
    from ..steps.listening import score_mentions

    meta = _meta(score_mentions, mentions, playbook)
    return mentions.map_partitions(_score_partition, playbook, meta, meta=meta)


def _daily_piece(part: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """``daily_volume`` of each source of one partition, with a ``source`` column."""
    from ..steps.listening import DAILY_COLUMNS, daily_volume

    unit = getattr(part["created_at"].dtype, "unit", "ns")
    source = (
        part["source"].astype("string").fillna("")
        if "source" in part.columns
        else pd.Series("", index=part.index, dtype="string")
    )
    pieces = [
        daily_volume(group, timezone).assign(source=name)
        for name, group in part.groupby(source, sort=False)
    ]
    if not pieces:
        pieces = [daily_volume(part, timezone).assign(source=pd.Series(dtype="string"))]
    return pd.concat(pieces, ignore_index=True).astype(
        {"date": f"datetime64[{unit}]", "source": "string"}
    )[[*DAILY_COLUMNS, "source"]]


def _sum_daily(pieces: pd.DataFrame) -> pd.DataFrame:
    """Per-partition day counts summed per day over the days the sources cover.

    A source covers the days from its first to its last post over all partitions (a piece's
    first and last rows are its posts' first and last day); the union of the sources' days is
    kept, a covered day without posts counts 0, as in ``daily_volume``.
    """
    from ..steps.listening import DAILY_COLUMNS

    if pieces.empty:
        return pieces.drop(columns="source").reset_index(drop=True)
    unit = getattr(pieces["date"].dtype, "unit", "ns")
    spans = pieces.groupby("source")["date"].agg(["min", "max"])
    days = pd.DatetimeIndex(
        np.unique(
            np.concatenate(
                [
                    pd.date_range(first, last, freq="D", unit=unit).to_numpy()
                    for first, last in spans.itertuples(index=False)
                ]
            )
        ),
        name="date",
    )
    per_day = pieces.drop(columns="source").groupby("date").sum()
    return per_day.reindex(days, fill_value=0).astype("int64").reset_index()[list(DAILY_COLUMNS)]


def daily_volume_partitioned(scored: dd.DataFrame, timezone: str) -> dd.DataFrame:
    """:func:`~socialcrm_utils.listening.daily_volume` from per-partition counts.

    Each partition counts its days per source; the counts are summed per day over the days the
    sources cover (each from its first to its last post) and the covered days without posts
    filled with 0 (a sum, so exact). Feed the result to
    :func:`~socialcrm_utils.listening.detect_spikes` (one row per day: small).

    Returns:
        A lazy one-partition frame equal, once computed, to ``daily_volume`` of the whole.
    """
    columns = [
        c
        for c in (
            "created_at",
            "is_customer",
            "sentiment_label",
            "intent",
            "is_complaint",
            "source",
        )
        if c in scored.columns
    ]
    meta = _daily_piece(_empty_frame(scored)[columns], timezone)
    pieces = scored[columns].map_partitions(_daily_piece, timezone, meta=meta)
    return pieces.repartition(npartitions=1).map_partitions(
        _sum_daily, meta=meta.drop(columns="source")
    )


def _week_start(part: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Adds ``_week``: the local Monday of each post, as :func:`weekly_topics` groups them."""
    local = pd.to_datetime(part["created_at"], utc=True).dt.tz_convert(timezone)
    day = local.dt.tz_localize(None).dt.normalize()
    return part.assign(_week=day - pd.to_timedelta(day.dt.day_of_week, unit="D"))


def _topics_partition(
    part: pd.DataFrame, timezone: str, n: int, exclude: tuple[str, ...], min_mentions: int
) -> pd.DataFrame:
    from ..nlp.topics import weekly_topics

    return weekly_topics(
        part.drop(columns="_week"), timezone, n, exclude, min_mentions=min_mentions
    )


def _sort_topics(topics: pd.DataFrame) -> pd.DataFrame:
    from ..nlp.topics import TOPIC_COLUMNS

    ordered = topics.sort_values(["week_start", "lang", "rank"], kind="stable")
    return ordered.reset_index(drop=True).astype(TOPIC_COLUMNS)


def weekly_topics_partitioned(
    scored: dd.DataFrame,
    timezone: str,
    n: int = 5,
    exclude_terms: Iterable[str] = (),
    *,
    min_mentions: int = 2,
) -> dd.DataFrame:
    """:func:`~socialcrm_utils.nlp.topics.weekly_topics` with each week ranked whole.

    Phrases and document frequencies need all posts of a week, so the posts (four columns)
    are shuffled by local week, each partition then holds whole weeks and is ranked by
    ``weekly_topics`` itself; the pieces are sorted by week, language and rank.

    Returns:
        A lazy one-partition frame equal, once computed, to ``weekly_topics`` of the whole.
    """
    from ..nlp.topics import empty_topics

    text = "text_redacted" if "text_redacted" in scored.columns else "text"
    columns = [
        c for c in ("created_at", text, "lang", "is_brand", "is_customer") if c in scored.columns
    ]
    meta = _week_start(_empty_frame(scored)[columns], timezone)
    posts = scored[columns].map_partitions(_week_start, timezone, meta=meta)
    exclude = tuple(exclude_terms)
    pieces = posts.shuffle(on="_week").map_partitions(
        _topics_partition, timezone, n, exclude, min_mentions, meta=empty_topics()
    )
    return pieces.repartition(npartitions=1).map_partitions(_sort_topics, meta=empty_topics())


@contextlib.contextmanager
def kernel_scheduler(partitions: int) -> Iterator[str]:
    """The Dask scheduler of a computation in a notebook kernel (see the module docstring).

    Args:
        partitions: Partitions of the computation (a local process pool gets at most one
            process per partition and core).

    Yields:
        The scheduler's name, for the log.

    Raises:
        SchedulerError: If :data:`DASK_SCHEDULER_ENV` names no scheduler.
    """
    import dask

    wanted = os.environ.get(DASK_SCHEDULER_ENV, "").strip()
    if wanted and SCHEDULER_ADDRESS.fullmatch(wanted):
        from distributed import Client

        with (
            Client(wanted, set_as_default=False, timeout="30s") as client,
            dask.config.set(scheduler=client),
        ):
            yield f"distributed {wanted}"
        return
    if wanted and wanted not in _LOCAL_SCHEDULERS:
        raise SchedulerError(
            f"{DASK_SCHEDULER_ENV}={wanted!r}: use a scheduler address (tcp://HOST:PORT) or one "
            f"of {', '.join(sorted(_LOCAL_SCHEDULERS))}"
        )
    if not wanted and "distributed" in sys.modules:
        from distributed import default_client

        client = None
        with contextlib.suppress(ValueError):
            client = default_client()
        if client is not None:  # Dask computes on it anyway: say so
            yield f"distributed {client.scheduler.address} (the kernel's default client)"
            return
    if wanted in ("", "processes") and partitions > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        n = min(partitions, os.cpu_count() or 1)
        context = multiprocessing.get_context(dask.config.get("multiprocessing.context", "spawn"))
        with (
            ProcessPoolExecutor(n, mp_context=context) as pool,
            dask.config.set(scheduler="processes", pool=pool),
        ):
            yield f"{n} local processes"
        return
    name = wanted if wanted and wanted != "processes" else "sync"
    with dask.config.set(scheduler=name):
        yield name
