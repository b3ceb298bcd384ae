"""Artifacts in a run folder: every step writes its outputs here and reads its inputs from here.

A missing input names the step that writes it and the command that runs that step. CSV files
are opened in spreadsheets: text cells a spreadsheet would run as a formula are written with a
leading ``'`` (:func:`neutralize_csv_cells`) and read back as they were (docs/safe-output.md).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import ARTIFACT_PRODUCER, REPORTS_DIR, STEPS, client_store_url
from .exceptions import MissingArtifactError

if TYPE_CHECKING:
    from .playbook import Playbook

__all__ = [
    "FORMULA_PREFIXES",
    "SCORED_ARTIFACT",
    "SCORED_FROM_KEY",
    "artifact_path",
    "neutralize_csv_cells",
    "read_artifact",
    "release_memory",
    "resolve_run_dir",
    "restore_csv_cells",
    "run_started_at",
    "scoring_stamp",
    "share_allocator",
    "store_url",
    "write_artifact",
    "write_scored_mentions",
]

logger = logging.getLogger(__name__)


def resolve_run_dir(run_dir: str | Path, client: str) -> Path:
    """The run folder a notebook writes to, created if missing.

    The runner passes a fresh ``reports/<client>/<timestamp>`` folder; a notebook opened in
    JupyterLab with the default empty ``RUN_DIR`` uses ``reports/<client>/interactive``, so the
    step notebooks run one after the other share their artifacts.

    Examples:
        >>> resolve_run_dir("", "acme-air").parts[-2:]
        ('acme-air', 'interactive')
    """
    path = Path(run_dir) if str(run_dir) else REPORTS_DIR / client / "interactive"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def store_url(store: str | None, run_dir: str | Path) -> str:
    """The CRM store of a run: the playbook's ``store`` URL, else ``crm.sqlite`` in the client's
    report folder (the run folder's parent, ``reports/<client>/``, wherever ``--out`` put it).

    Examples:
        >>> store_url(None, "/tmp/reports/acme-air/20261101T090000Z")
        'sqlite:////tmp/reports/acme-air/crm.sqlite'
        >>> store_url("postgresql+psycopg://crm@db/crm", "/tmp/x/run")
        'postgresql+psycopg://crm@db/crm'
    """
    return client_store_url(store, Path(run_dir).resolve().parent)


def run_started_at(run_dir: str | Path) -> dt.datetime:
    """When a run started: from the runner's folder name (``20261101T090000Z``, or with the
    ``-N`` suffix of runs started in the same second), else now (UTC).

    Examples:
        >>> run_started_at("/tmp/reports/acme-air/20261101T090000Z").isoformat()
        '2026-11-01T09:00:00+00:00'
        >>> run_started_at("/tmp/reports/acme-air/20261101T090000Z-3").isoformat()
        '2026-11-01T09:00:00+00:00'
    """
    name = Path(run_dir).name.split("-", 1)[0]
    try:
        return dt.datetime.strptime(name, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime.now(dt.UTC)


def artifact_path(run_dir: str | Path, name: str) -> Path:
    """Return the path of artifact ``name`` in ``run_dir``.

    Examples:
        >>> artifact_path("/tmp/run", "goals.csv").name
        'goals.csv'
    """
    return Path(run_dir) / name


def write_artifact(
    data: pd.DataFrame | dict[str, Any] | list[Any], run_dir: str | Path, name: str
) -> Path:
    """Write ``data`` to ``run_dir/name`` in the format of the name's suffix.

    ``.parquet`` and ``.csv`` take a frame, ``.json`` takes anything JSON can hold. The file is
    written to a temporary name first and renamed, so a reader never sees half a file. CSV text
    cells and column names that a spreadsheet would run as a formula get a leading ``'``
    (:func:`neutralize_csv_cells`); :func:`read_artifact` removes it again.

    Args:
        data: The frame or JSON-able object.
        run_dir: The run folder (created if missing).
        name: File name with suffix.

    Returns:
        The path written.
    """
    path = artifact_path(run_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if name.endswith(".parquet"):
        data.to_parquet(tmp, index=False)
    elif name.endswith(".csv"):
        _write_csv(data, tmp)
    elif name.endswith(".json"):
        tmp.write_text(
            json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
    else:
        raise ValueError(f"unknown artifact type: {name}")
    os.replace(tmp, path)
    logger.info("wrote %s", path)
    return path


#: Rows formatted at a time when a frame is written as CSV: the text of one part is alive at
#: once, not the whole table's (450,000 SLA clocks: about 270 MB of Python strings).
CSV_PART_ROWS = 50_000


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as :func:`write_artifact` writes a CSV, formatted :data:`CSV_PART_ROWS` at a time.

    The bytes are those of one ``to_csv`` of the whole frame: the header once, then each part's
    rows; the fractional digits of a time column are chosen from the whole column.
    """
    units = _utc_units(frame)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for start in range(0, max(len(frame), 1), CSV_PART_ROWS):
            part = frame.iloc[start : start + CSV_PART_ROWS]
            neutralize_csv_cells(_with_utc_text(part, units)).to_csv(
                handle, index=False, header=start == 0
            )


def _utc_units(frame: pd.DataFrame) -> dict[Any, str]:
    """The unit each UTC datetime column of ``frame`` is written in: as many fractional digits
    as the column needs (``s``, ``ms``, ``us`` or ``ns``). Other columns are not named."""
    units = {}
    for name, values in frame.items():
        dtype = values.dtype
        if values.empty or not (isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"):
            continue
        times = values.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
        fraction = times[~np.isnat(times)].view("int64") % 1_000_000_000
        units[name] = (
            "s"
            if not fraction.any()
            else "ms"
            if not (fraction % 1_000_000).any()
            else "us"
            if not (fraction % 1_000).any()
            else "ns"
        )
    return units


def _with_utc_text(frame: pd.DataFrame, units: dict[Any, str]) -> pd.DataFrame:
    """``frame`` with its UTC datetime columns as the text ``to_csv`` would write for them.

    ``to_csv`` formats datetimes one value at a time in Python (40 s for 450,000 SLA clocks of
    seven time columns); numpy does it for the whole column at once, to the same text:
    ``YYYY-MM-DD HH:MM:SS+00:00``, with as many fractional digits as the column needs
    (``units``: :func:`_utc_units` of the whole table ``frame`` is a part of), empty for NaT.
    Other columns, and datetimes in other time zones, are left to ``to_csv``.
    """
    columns = {}
    for name, unit in units.items():
        values = frame[name]
        times = values.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
        text = np.char.add(
            np.char.replace(np.datetime_as_string(times, unit=unit), "T", " "), "+00:00"
        )
        columns[name] = pd.Series(
            np.where(np.isnat(times), "", text), index=frame.index, dtype=object
        )
    return frame.assign(**columns) if columns else frame


#: First characters that make a spreadsheet cell a formula or a command (OWASP, CSV injection):
#: ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?%?")


def neutralize_csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell a spreadsheet would run as a formula prefixed with ``'``.

    Text cells (and column names) starting with one of :data:`FORMULA_PREFIXES` get a leading
    ``'``, as the OWASP guidance on CSV injection says: ``=HYPERLINK("http://x")`` is written
    ``'=HYPERLINK("http://x")`` and shown as text. Text that is a plain number (``-0.5``,
    ``-12%``) is a number in a spreadsheet too and stays as it is; numeric columns are never
    touched. Text already starting with ``'`` gets a second one, so :func:`restore_csv_cells`
    gives back exactly the text written. The input is not modified.

    Args:
        frame: The table to be written as CSV.

    Returns:
        A new frame (the same object when nothing needed a prefix).

    Examples:
        >>> frame = pd.DataFrame({"text": ["=HYPERLINK(1)", "@SUM(1)", "-0.5", "ok"],
        ...                       "score": [-0.5, 1.0, 2.0, 3.0]})
        >>> print(*neutralize_csv_cells(frame)["text"])
        '=HYPERLINK(1) '@SUM(1) -0.5 ok
        >>> neutralize_csv_cells(frame)["score"].tolist()
        [-0.5, 1.0, 2.0, 3.0]
    """
    columns = {}
    for name, values in frame.items():
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = dtype.categories.to_series()
            fixed = _neutralize_text(categories)
            if fixed is not categories:
                columns[name] = values.cat.rename_categories(fixed.tolist())
        elif pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            fixed = _neutralize_text(values)
            if fixed is not values:
                columns[name] = fixed
    names = [_neutralize_name(name) for name in frame.columns]
    return _with_columns(frame, columns, names)


def restore_csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralize_csv_cells` on a frame read from a CSV artifact.

    Every text cell and column name starting with ``'`` loses that one character.

    Examples:
        >>> restore_csv_cells(pd.DataFrame({"t": ["'=1+1", "''x", "-0.5"]}))["t"].tolist()
        ['=1+1', "'x", '-0.5']
    """
    columns = {}
    for name, values in frame.items():
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            text = values.astype("string") if values.dtype == object else values
            quoted = np.array(text.str.startswith(_QUOTE).fillna(False), dtype=bool)
            if quoted.any():
                fixed = values.copy()
                cut = text[quoted].str.slice(1)
                fixed[quoted] = cut.astype(object) if values.dtype == object else cut
                columns[name] = fixed
    names = [
        name[1:] if isinstance(name, str) and name.startswith(_QUOTE) else name
        for name in frame.columns
    ]
    return _with_columns(frame, columns, names)


def _with_columns(
    frame: pd.DataFrame, columns: dict[Any, pd.Series], names: list[Any]
) -> pd.DataFrame:
    """``frame`` with some columns replaced and all renamed; ``frame`` itself if nothing changes."""
    if not columns and names == list(frame.columns):
        return frame
    out = frame.copy(deep=False)
    for name, values in columns.items():
        out[name] = values
    out.columns = names
    return out


def _neutralize_text(values: pd.Series) -> pd.Series:
    """``values`` with a ``'`` before text that starts a formula; ``values`` if none does."""
    text = values.astype("string") if values.dtype == object else values
    risky = np.array(text.str.startswith((*FORMULA_PREFIXES, _QUOTE)).fillna(False), dtype=bool)
    if values.dtype == object:  # only text cells: numbers and other objects stay as they are
        risky &= (
            np.fromiter((isinstance(v, str) for v in values), bool, len(values))
            if risky.any()
            else risky
        )
    if not risky.any():
        return values
    index = np.flatnonzero(risky)
    numbers = text.iloc[index].str.fullmatch(_NUMBER).fillna(False).to_numpy(dtype=bool)
    risky[index[numbers]] = False
    if not risky.any():
        return values
    fixed = values.copy()
    prefixed = _QUOTE + text[risky]
    fixed[risky] = prefixed.astype(object) if values.dtype == object else prefixed
    return fixed


def _neutralize_name(name: object) -> object:
    """A column name as :func:`neutralize_csv_cells` writes a text cell."""
    if (
        isinstance(name, str)
        and name.startswith((*FORMULA_PREFIXES, _QUOTE))
        and not _NUMBER.fullmatch(name)
    ):
        return _QUOTE + name
    return name


def share_allocator() -> None:
    """Let Arrow allocate from the C library's ``malloc``, as Python and numpy do.

    Arrow's own pool (mimalloc) keeps what it frees for its next buffers, so a step that reads
    a large table, then works in numpy and Python objects, holds the free memory of two
    allocators at once; with one allocator, what Arrow frees is reused by the next array (step
    1's kernel at a million mentions: about 250 MB less at its peak). Buffers allocated before
    keep their pool. Steps 1, 3 and 4 call it before their first large read; a process that
    names its pool in ``ARROW_DEFAULT_MEMORY_POOL`` keeps that one. Results do not change.
    """
    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


def release_memory() -> None:
    """Hand memory this process has freed back to the system, between a step's large phases.

    A collection, then Arrow's pool's unused memory, then (glibc) ``malloc_trim``: the C
    library keeps freed pages of a large heap mapped, and a kernel that read and prepared a
    million mentions would carry them into the next phase (step 1: 300-400 MB). Nothing that is
    still referenced is touched; it takes a few hundredths of a second.
    """
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only (not musl)
        if trim is not None:
            trim(0)


def read_artifact(run_dir: str | Path, name: str) -> Any:
    """Read artifact ``name`` from ``run_dir``.

    Args:
        run_dir: The run folder.
        name: File name with suffix (``.parquet``, ``.csv`` or ``.json``).

    Returns:
        A frame for Parquet/CSV, the parsed object for JSON. CSV cells neutralised by
        :func:`write_artifact` are returned as the step wrote them.

    Raises:
        MissingArtifactError: If the file is not there; the message names the step to run.
    """
    path = artifact_path(run_dir, name)
    if not path.is_file():
        step = ARTIFACT_PRODUCER.get(name)
        if step is None:
            raise MissingArtifactError(f"{path}: not found")
        notebook = STEPS[step - 1].notebook
        raise MissingArtifactError(
            f"{path}: not found; it is written by step {step} ({notebook}): run that step first, "
            f"e.g. socialcrm run PLAYBOOK --steps {step}"
        )
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith(".csv"):
        return restore_csv_cells(pd.read_csv(path))
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Scored mentions: scored once per run
# ---------------------------------------------------------------------------------------------
#: The scored mentions' artifact, and the Parquet metadata key of its stamp.
SCORED_ARTIFACT = "mentions_scored.parquet"
SCORED_FROM_KEY = b"socialcrm.scored_from"


def write_scored_mentions(scored: pd.DataFrame, run_dir: str | Path, playbook: Playbook) -> Path:
    """Write ``mentions_scored.parquet``, stamped with what it was scored from.

    The stamp (in the Parquet metadata) is a hash of this run's ``mentions.parquet``, the
    playbook's language, brand and listening settings, and the suite's code, so
    :func:`socialcrm_utils.steps.listening.read_scored_mentions` can tell whether the scores
    are still current. Step 1 scores every mention for its platform table anyway and writes
    them here right after ``mentions.parquet``; steps 2 and 3 then read them instead of
    scoring again (at 1,000,000 mentions scoring takes minutes).

    Args:
        scored: Output of :func:`~socialcrm_utils.steps.listening.score_mentions` on the mentions in
            ``run_dir/mentions.parquet``.
        run_dir: The run folder; ``mentions.parquet`` must be written already.
        playbook: The playbook the mentions were scored with.

    Returns:
        The path written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = artifact_path(run_dir, SCORED_ARTIFACT)
    tmp = path.with_name(f".{path.name}.tmp")
    table = pa.Table.from_pandas(scored, preserve_index=False)
    stamp = scoring_stamp(run_dir, playbook).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), SCORED_FROM_KEY: stamp})
    pq.write_table(table, tmp)
    del table
    os.replace(tmp, path)
    logger.info("wrote %s", path)
    return path


def scoring_stamp(run_dir: str | Path, playbook: Playbook) -> str:
    """Hash of what scores depend on: mentions.parquet, the settings, the suite's code."""
    digest = hashlib.sha256()
    with artifact_path(run_dir, "mentions.parquet").open("rb") as handle:
        digest.update(hashlib.file_digest(handle, "sha256").digest())
    settings = {
        "language": playbook.language,
        "brand": playbook.brand.model_dump(mode="json"),
        "listening": playbook.listening.model_dump(mode="json"),
    }
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    lexicon = playbook.listening.german_lexicon
    for file in (
        sorted(Path(lexicon).rglob("*"))
        if lexicon and Path(lexicon).is_dir()
        else [Path(lexicon)]
        if lexicon and Path(lexicon).is_file()
        else []
    ):
        if file.is_file():
            digest.update(file.read_bytes())
    digest.update(_code_digest().encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """Hash of the package's modules and data files (scores change when the code does)."""
    from . import __version__

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for file in sorted(package.rglob("*")):
        if file.is_file() and file.suffix in (".py", ".txt", ".json", ".csv"):
            digest.update(str(file.relative_to(package)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()
