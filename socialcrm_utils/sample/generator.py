"""The public generator: :func:`generate_mentions`, :func:`iter_mentions`, :func:`write_sample`
and the writers of CSV and Parquet files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..schema import CANONICAL_COLUMNS, conform_mentions
from .plan import _Plan, _plan_mentions
from .text import _rows_frame
from .vocabulary import SAMPLE_SEED, TW

logger = logging.getLogger(__name__)

#: Rows generated, converted and written at a time by :func:`iter_mentions` and
#: :func:`write_sample` (about 100 MB of Python strings at a time).
CHUNK_ROWS: int = 100_000


def generate_mentions(
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    start: str = "2026-08-31",
    weeks: int = 9,
    include_malformed: bool = False,
) -> pd.DataFrame:
    """Generate the fictional ACME Air mention table.

    The composition scales with ``n_mentions``: about 1.7 % proactive brand posts, about 5.8 %
    crisis posts on the crisis day, a handful of retweets, four crisis statements, and customer
    threads (root post, brand reply, follow-up, second reply) filling the rest. Replies that
    would fall after the end of the period are left out (as in a real export).

    Args:
        n_mentions: Approximate number of rows (the result is within a few rows of it).
        seed: Seed of ``numpy.random.default_rng``; the same seed gives the same frame.
        start: First local day of the period (``YYYY-MM-DD``, Europe/Berlin).
        weeks: Length of the period in weeks. The crisis day is 44 days after ``start``
            (Wednesday 2026-10-14 by default), or mid-period for shorter periods.
        include_malformed: Must be False: the three malformed rows cannot be represented in
            canonical dtypes; :func:`write_sample` appends them to CSV files.

    Returns:
        Canonical mentions (see :data:`socialcrm_utils.schema.CANONICAL_COLUMNS`), sorted by
        ``created_at`` then ``mention_id``, ``source`` = ``"sample"``.

    Raises:
        ValueError: If ``n_mentions`` < 100, ``weeks`` < 1, ``start`` is not a date, or
            ``include_malformed`` is True.

    Examples:
        >>> df = generate_mentions(200, seed=7)
        >>> 190 <= len(df) <= 210, set(df["source"])
        (True, {'sample'})
    """
    if include_malformed:
        raise ValueError(
            "include_malformed=True is only possible when writing a CSV file: use "
            "write_sample(path, include_malformed=True)"
        )
    chunks = list(iter_mentions(n_mentions, seed=seed, start=start, weeks=weeks))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


def iter_mentions(
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    start: str = "2026-08-31",
    weeks: int = 9,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """Generate the mention table of :func:`generate_mentions` in chunks of consecutive rows.

    Everything that links rows (threads, authors, time order, mention ids, every random draw)
    is decided first, for all rows, in compact numeric arrays (about 250 bytes a row); the
    strings (texts, ids, names, URLs) are made chunk by chunk. So memory grows with the
    numeric plan, not with the strings, and the chunks concatenated are exactly
    ``generate_mentions(...)`` whatever ``chunk_rows`` is. A reply may sit in a later chunk
    than the post it answers.

    Args:
        n_mentions: Approximate number of rows (at least 100).
        seed: Random seed (same seed, same rows).
        start: First local day of the period (``YYYY-MM-DD``, Europe/Berlin).
        weeks: Length of the period in weeks.
        chunk_rows: Rows per chunk (at least 1).

    Yields:
        Canonical frames of at most ``chunk_rows`` rows, in ``created_at``, ``mention_id``
        order, each with a fresh index.

    Raises:
        ValueError: As :func:`generate_mentions`, or if ``chunk_rows`` < 1.

    Examples:
        >>> chunks = list(iter_mentions(300, seed=1, chunk_rows=100))
        >>> [len(c) for c in chunks][:3]
        [100, 100, 100]
        >>> pd.concat(chunks, ignore_index=True).equals(generate_mentions(300, seed=1))
        True
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    plan = _plan_mentions(n_mentions, seed=seed, start=start, weeks=weeks)
    for _, chunk in _chunks(plan, chunk_rows):
        yield chunk


def write_sample(
    path: str | Path,
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    include_malformed: bool = True,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Generate the sample and write it as CSV or Parquet (chosen by the file suffix).

    Rows are generated and written ``chunk_rows`` at a time (:func:`iter_mentions`): Parquet
    through one ``pyarrow.parquet.ParquetWriter`` (a row group per chunk), CSV by appending, so
    a million rows never sit in memory as strings at once; the file holds the same rows
    whatever the chunk size (CSV files are byte-identical).

    CSV files are UTF-8 with ``\\n`` line ends and ``created_at`` as ISO 8601 UTC with ``Z``.
    With ``include_malformed`` (CSV only) three rows that an importer must reject are appended
    at the very end: one with an empty ``text``, one whose ``created_at`` is ``not a date`` and
    one that repeats the ``mention_id`` of an earlier row (an overlapping export).

    Args:
        path: Target file, ``.csv`` or ``.parquet``; parent folders are created.
        n_mentions: Approximate number of well-formed rows.
        seed: Random seed (same seed, same bytes).
        include_malformed: Append the three malformed rows (ignored for Parquet, which cannot
            hold them in canonical dtypes).
        chunk_rows: Rows generated and written at a time.

    Returns:
        The path written.

    Raises:
        ValueError: If the suffix is neither ``.csv`` nor ``.parquet``, or as
            :func:`iter_mentions`.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = write_sample(Path(tmp) / "m.csv", 200, seed=3)
        ...     out.read_text(encoding="utf-8").splitlines()[0].split(",")[:3]
        ['mention_id', 'platform', 'source']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: unsupported suffix '{path.suffix}'; use .csv or .parquet")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    plan = _plan_mentions(n_mentions, seed=seed, start="2026-08-31", weeks=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if suffix == ".parquet":
        if include_malformed:
            logger.info("malformed rows are only written to CSV files; %s gets none", path)
        _write_parquet(plan, tmp, chunk_rows)
    else:
        _write_csv(plan, tmp, chunk_rows, include_malformed)
    tmp.replace(path)
    logger.info("wrote %d sample mentions to %s", plan.size, path)
    return path


# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------
def _chunks(plan: _Plan, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first row number, canonical frame) of every chunk, in order."""
    for first in range(0, plan.size, chunk_rows):
        yield first, conform_mentions(_rows_frame(plan, plan.order[first : first + chunk_rows]))


def _write_parquet(plan: _Plan, path: Path, chunk_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for _, chunk in _chunks(plan, chunk_rows):
            if writer is None:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                writer = pq.ParquetWriter(path, table.schema)
            else:
                table = pa.Table.from_pandas(chunk, schema=writer.schema, preserve_index=False)
            writer.write_table(table)
            del table
    finally:
        if writer is not None:
            writer.close()


def _write_csv(plan: _Plan, path: Path, chunk_rows: int, include_malformed: bool) -> None:
    middle = plan.size // 2  # the row an "overlapping export" repeats at the end
    duplicate: dict[str, str] = {}
    last_created = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for first, chunk in _chunks(plan, chunk_rows):
            table = _to_csv_table(chunk)
            table.to_csv(handle, index=False, header=first == 0, lineterminator="\n")
            if first <= middle < first + len(table):
                duplicate = table.iloc[middle - first].to_dict()
            last_created = table["created_at"].iloc[-1]
        if include_malformed:
            twitter = plan.seq[plan.platform == TW]
            next_number = int(twitter.max()) + 1 if len(twitter) else 1
            malformed = _malformed_rows(next_number, plan.width, last_created, duplicate)
            malformed.to_csv(handle, index=False, header=False, lineterminator="\n")


def _to_csv_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Canonical frame -> all-text frame as written to CSV (timestamps with ``Z``)."""
    table = pd.DataFrame(index=mentions.index)
    for column in CANONICAL_COLUMNS:
        values = mentions[column]
        if column == "created_at":
            values = values.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif column == "is_brand":
            values = values.map({True: "true", False: "false"})
        table[column] = values.astype("string").fillna("")
    return table


def _malformed_rows(
    next_number: int, width: int, last_created: str, duplicate: dict[str, str]
) -> pd.DataFrame:
    """Three rows an importer must reject: empty text, bad date, duplicate mention_id.

    ``next_number`` is the next free twitter number, ``last_created`` the last row's
    ``created_at`` and ``duplicate`` the CSV row that is exported twice.
    """
    template = {c: "" for c in CANONICAL_COLUMNS}
    template.update(
        platform="twitter",
        source="sample",
        lang="en",
        is_brand="false",
        reach="87",
        likes="0",
        shares="0",
        replies="0",
    )
    empty = dict(
        template,
        mention_id=f"tw-{next_number:0{width}d}",
        author_id="malformed_row_1",
        author_name="Malformed Row (empty text)",
        text="",
        created_at=last_created,
    )
    bad_date = dict(
        template,
        mention_id=f"tw-{next_number + 1:0{width}d}",
        author_id="malformed_row_2",
        author_name="Malformed Row (bad date)",
        text="@AcmeAirHelp flight AC 1234 delayed again, still waiting",
        created_at="not a date",
    )
    for row in (empty, bad_date):
        row["conversation_id"] = row["mention_id"]
    return pd.DataFrame([empty, bad_date, duplicate], columns=list(CANONICAL_COLUMNS))


def _generate_frame(n_mentions: int, *, seed: int, start: str, weeks: int) -> pd.DataFrame:
    """Canonical columns plus the labels ``kind``, ``intent`` and ``template`` (internal)."""
    plan = _plan_mentions(n_mentions, seed=seed, start=start, weeks=weeks)
    return _rows_frame(plan, plan.order)
