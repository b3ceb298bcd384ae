"""Incremental runs: fetch only what is new, run the steps on a rolling window of history.

``socialcrm run PLAYBOOK --incremental`` (cron, systemd timers) and each cycle of ``socialcrm
watch`` (:mod:`socialcrm_utils.engine.watch`) call :func:`run_incremental`:

1. take the client's run lock in the CRM store (a second run stops with one line);
2. read only what is new: feeds and social APIs with the cursors stored by the last
   successful run (:class:`~socialcrm_utils.sources.apis.SourceCursor`; the HTTP cache is
   bypassed, it would hide new posts for ``http.cache_ttl``), file sources only the files not
   read before or changed since (a folder source: ``path: exports/*.csv``); mentions the store
   already holds are not new;
3. nothing new: one line, nothing runs (no notebooks, no report), exit 0;
4. else step 1's input is the window: the client's stored history of the last ``window``
   (playbook, default 28 days; :func:`~socialcrm_utils.store.incremental.read_history`) plus
   the new mentions. The runner hands it to notebook 01 as files in the run folder
   (:data:`INPUT_FILES`), which :func:`read_run_input` reads and removes (they hold the new
   posts' raw text until step 1 has redacted it); the six steps run as usual, step 5 adds the
   new mentions to the store's history;
5. after a successful run only: the cursors, the files read and the mentions' counts
   (``reach``, ``likes``, ``shares``, ``replies``, which the history needs) are stored; a failed
   run stores none of them, so the next run fetches the same again.

See ``docs/incremental.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import client_store_url
from ..exceptions import StepFailedError
from ..playbook import FileSource, Playbook, Source, load_playbook
from ..schema import conform_mentions
from ..sources import ReadResult, SourceCursor, read_mentions
from ..store import open_store
from ..store.incremental import (
    HISTORY_SOURCE,
    FileSeen,
    acquire_lock,
    known_mentions,
    read_cursors,
    read_history,
    read_seen_files,
    release_lock,
    save_cursors,
    save_mention_metrics,
    save_seen_files,
)

__all__ = [
    "INPUT_FILES",
    "Incoming",
    "IncrementalResult",
    "file_fingerprint",
    "plan_file_sources",
    "read_incoming",
    "read_run_input",
    "run_incremental",
    "window_input",
    "window_start",
    "write_run_input",
]

logger = logging.getLogger(__name__)

#: The files an incremental run hands to step 1 in the run folder (removed once read).
INPUT_FILES = {
    "mentions": "input_mentions.parquet",
    "rejected": "input_rejected.parquet",
    "counts": "input_counts.json",
}
#: The HTTP cache's lifetime for incremental fetches (a fresh, throw-away cache folder).
_NO_CACHE_TTL = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Incoming:
    """What the sources gave that is new, and what to store once the run went well.

    Attributes:
        read: The sources' result with only the new mentions (the counts say how many were
            already in the history: ``outside``, with a note).
        cursors: Source label -> cursor values, to store after a successful run.
        files: The files read this time, to record after a successful run.
        unchanged: Files of file sources skipped because they were read before, unchanged.
        lines: What happened, one line each (changed files read again, failed sources).
    """

    read: ReadResult
    cursors: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: tuple[FileSeen, ...] = ()
    unchanged: int = 0
    lines: tuple[str, ...] = ()

    @property
    def new(self) -> int:
        """Mentions not in the history yet."""
        return len(self.read.mentions)


@dataclass
class IncrementalResult:
    """An incremental run: nothing new (no run), or the run with its window and new mentions."""

    client: str
    new: int
    run: Any = None  # engine.runner.RunResult when the steps ran
    window_rows: int = 0
    line: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing was new or the run went well."""
        return self.run is None or self.run.ok


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """First instant of the rolling window that ends at ``now`` (UTC).

    Examples:
        >>> window_start(dt.datetime(2026, 5, 29, 12, tzinfo=dt.UTC), dt.timedelta(days=28))
        datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    """
    return now.astimezone(dt.UTC) - window


def file_fingerprint(path: Path, source: str) -> FileSeen:
    """Size, modification time and SHA-256 of a file, as :class:`FileSeen`."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    stat = path.stat()
    return FileSeen(source, str(path), stat.st_size, stat.st_mtime, digest.hexdigest())


def plan_file_sources(
    sources: list[Source], seen: Mapping[tuple[str, str], FileSeen]
) -> tuple[list[Source], list[FileSeen], int, list[str]]:
    """The sources to read now: file sources cut to their new or changed files.

    A file (of a one-file source or of a pattern such as ``exports/*.csv``) is new when no run
    has read it, changed when its size or time differ and its SHA-256 too (then it is read
    again, and a line says so); a file touched without a change is not read again.

    Args:
        sources: The playbook's sources.
        seen: The files read before (:func:`~socialcrm_utils.store.incremental.read_seen_files`).

    Returns:
        ``(sources, files, unchanged, lines)``: every non-file source plus one file source per
        file to read (named like its playbook source), the fingerprints of those files (and of
        files touched without a change), how many files were skipped, and the log lines.
    """
    out: list[Source] = []
    files: list[FileSeen] = []
    unchanged = 0
    lines: list[str] = []
    for source in sources:
        if not isinstance(source, FileSource):
            out.append(source)
            continue
        for path in source.matching_files():
            before = seen.get((source.label, str(path)))
            stat = path.stat() if path.is_file() else None
            if before and stat and (stat.st_size, stat.st_mtime) == (before.size, before.mtime):
                unchanged += 1
                continue
            now = file_fingerprint(path, source.label) if stat else None
            if now is None:
                out.append(source.model_copy(update={"name": source.label}))  # missing: say so
                continue
            if before and now.sha256 == before.sha256:
                files.append(now)  # touched, same content: remember the new time
                unchanged += 1
                continue
            if before:
                lines.append(
                    f"{path.name} ({source.label}) changed since it was read "
                    f"({before.size:,} -> {now.size:,} bytes): reading it again"
                )
            files.append(now)
            out.append(source.model_copy(update={"path": path, "name": source.label}))
    return out, files, unchanged, lines


def read_incoming(
    playbook: Playbook, engine: Any, *, now: dt.datetime, cache_dir: Path
) -> Incoming:
    """Read what is new since the last successful incremental run of the client.

    Args:
        playbook: The validated playbook.
        engine: The store's engine.
        now: The run's time.
        cache_dir: An empty folder for this fetch's HTTP cache (thrown away after).

    Returns:
        The new mentions and what to store after a successful run.
    """
    client = playbook.client
    sources, files, unchanged, lines = plan_file_sources(
        list(playbook.sources), read_seen_files(engine, client)
    )
    stored = read_cursors(engine, client)
    if not sources:
        return Incoming(_empty_read(), stored, tuple(files), unchanged, tuple(lines))
    http = playbook.http.model_copy(update={"cache_dir": cache_dir, "cache_ttl": _NO_CACHE_TTL})
    reading = playbook.model_copy(update={"sources": sources, "http": http})
    cursors = {label: SourceCursor.from_dict(values) for label, values in stored.items()}
    read = read_mentions(reading, now, cursors=cursors)
    new_cursors = {**stored, **{k: v.to_dict() for k, v in read.cursors.items()}}
    lines += [f"warning: source '{s}' could not be read this time" for s in read.failed]
    mentions = read.mentions
    known = known_mentions(engine, client, mentions) if len(mentions) else pd.Series(dtype=bool)
    counts = read.counts.copy()
    if known.any():
        old = mentions.loc[known, "source"].value_counts()
        for label, n in old.items():
            at = counts["source"] == label
            counts.loc[at, "kept"] -= n
            counts.loc[at, "outside"] += n
            counts.loc[at, "notes"] = counts.loc[at, "notes"].map(
                lambda note, n=n: "; ".join(filter(None, [note, f"{n} already in the history"]))
            )
        mentions = mentions[~known].reset_index(drop=True)
    fresh = ReadResult(mentions, read.rejected, counts, read.cursors)
    return Incoming(fresh, new_cursors, tuple(files), unchanged, tuple(lines))


def window_input(incoming: ReadResult, history: pd.DataFrame, start: dt.datetime) -> ReadResult:
    """Step 1's input of a windowed run: the stored history plus the new mentions.

    History rows whose ``platform`` and ``mention_id`` come again among the new mentions are
    left out (the new copy wins). The counts get one row ``history`` (from the CRM store).

    Args:
        incoming: The new mentions, their rejected rows and counts (:attr:`Incoming.read`).
        history: :func:`~socialcrm_utils.store.incremental.read_history` of the window.
        start: The window's first instant (for the note).

    Returns:
        Mentions sorted by ``created_at`` and ``mention_id``; rejected rows and counts.
    """
    new = incoming.mentions
    key = ["platform", "mention_id"]
    again = history.set_index(key).index.isin(new.set_index(key).index) if len(new) else None
    kept = history[~again] if again is not None else history
    kept = conform_mentions(kept.reindex(columns=new.columns))
    mentions = pd.concat([kept, new], ignore_index=True) if len(kept) else new
    mentions = mentions.sort_values(["created_at", "mention_id"], kind="stable")
    row = {
        "source": HISTORY_SOURCE,
        "kind": HISTORY_SOURCE,
        "read": len(kept),
        "kept": len(kept),
        "rejected": 0,
        "outside": 0,
        "encoding": None,
        "separator": None,
        "status": "ok",
        "notes": f"from the CRM store, created since {start:%Y-%m-%d %H:%M} UTC",
    }
    counts = pd.concat([incoming.counts, pd.DataFrame([row])], ignore_index=True)
    return ReadResult(mentions.reset_index(drop=True), incoming.rejected, counts, incoming.cursors)


def write_run_input(result: ReadResult, run_dir: Path) -> dict[str, Path]:
    """Write step 1's input (:data:`INPUT_FILES`) into a folder; returns name -> path."""
    paths = {key: Path(run_dir) / name for key, name in INPUT_FILES.items()}
    result.mentions.to_parquet(paths["mentions"], index=False)
    rejected = result.rejected.astype("string")
    rejected.columns = [str(c) for c in rejected.columns]
    rejected.to_parquet(paths["rejected"], index=False)
    counts = json.loads(result.counts.to_json(orient="records"))
    paths["counts"].write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")
    return paths


def read_run_input(playbook: Playbook, run_dir: str | Path, now: dt.datetime | None = None):
    """Step 1's input: what an incremental run handed over, else every source of the playbook.

    The handed-over files (:data:`INPUT_FILES`) hold the new posts' raw text: they are removed
    once read, so only step 1's redacted artifacts stay in the run folder.

    Args:
        playbook: The validated playbook.
        run_dir: The run folder.
        now: The run's time for :func:`~socialcrm_utils.sources.read_mentions`.

    Returns:
        A :class:`~socialcrm_utils.sources.ReadResult`.
    """
    paths = {key: Path(run_dir) / name for key, name in INPUT_FILES.items()}
    if not paths["mentions"].is_file():
        return read_mentions(playbook, now)
    try:
        mentions = conform_mentions(pd.read_parquet(paths["mentions"]))
        rejected = pd.read_parquet(paths["rejected"]).astype(object)
        counts = pd.DataFrame(json.loads(paths["counts"].read_text(encoding="utf-8")))
    finally:
        for path in paths.values():
            path.unlink(missing_ok=True)
    return ReadResult(mentions, rejected.where(rejected.notna(), None), counts)


def run_incremental(
    playbook_path: str | Path,
    *,
    out: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    report: bool = True,
    strict: bool = False,
    now: dt.datetime | None = None,
    command: str = "socialcrm run --incremental",
) -> IncrementalResult:
    """Run a playbook on what is new: nothing new ends at once, else the steps on the window.

    Args:
        playbook_path: The client's playbook.
        out: Folder that holds the client folders (default ``reports/``).
        progress: Called with one line per event (the CLI prints them).
        report: Build ``report.html`` when the steps run.
        strict: Fail the run when a source cannot be read.
        now: The run's time (tests fix it); now when None.
        command: What runs, shown to a second run while this one holds the lock.

    Returns:
        The result: ``run`` is None when nothing was new.

    Raises:
        RunLockedError: If another run of the client holds the lock.
        PlaybookError: If the playbook is not valid.
        StepFailedError: If a step fails (nothing is stored for the next run: it reads the
            same again).
    """
    say = progress or (lambda line: logger.info("%s", line))
    playbook = load_playbook(playbook_path)
    from .runner import check_out_dir  # light: the notebook machinery loads only for a run

    client_dir = check_out_dir(out) / playbook.client
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with open_store(client_store_url(playbook.store, client_dir)) as store:
        lock = acquire_lock(store.engine, playbook.client, command)
        try:
            with tempfile.TemporaryDirectory(prefix="socialcrm-http-") as cache_dir:
                incoming = read_incoming(playbook, store.engine, now=now, cache_dir=Path(cache_dir))
            for line in incoming.lines:
                say(line)
            if not incoming.new:
                save_cursors(store.engine, playbook.client, incoming.cursors)
                save_seen_files(store.engine, playbook.client, incoming.files)
                line = _nothing_new_line(playbook, incoming)
                say(line)
                return IncrementalResult(playbook.client, 0, line=line)
            start = window_start(now, playbook.window)
            history = read_history(store.engine, playbook.client, start)
            window = window_input(incoming.read, history, start)
            say(
                f"{incoming.new:,} new mentions; step 1 runs on the window since "
                f"{start:%Y-%m-%d %H:%M} UTC: {len(window.mentions):,} mentions"
            )
            result = _run_window(playbook_path, window, out, say, report, strict)
            if result.ok:
                save_cursors(store.engine, playbook.client, incoming.cursors)
                save_seen_files(store.engine, playbook.client, incoming.files)
                step1 = pd.read_parquet(result.run_dir / "mentions.parquet")
                save_mention_metrics(store.engine, playbook.client, step1)
            return IncrementalResult(
                playbook.client, incoming.new, result, len(window.mentions), line=""
            )
        finally:
            release_lock(store.engine, lock)


def _run_window(
    playbook_path: str | Path,
    window: ReadResult,
    out: str | Path | None,
    say: Callable[[str], None],
    report: bool,
    strict: bool,
):
    """Run the six steps with ``window`` as step 1's input; the input files never outlive it."""
    from .runner import run_playbook

    with tempfile.TemporaryDirectory(prefix="socialcrm-input-") as folder:
        inputs = write_run_input(window, Path(folder))
        try:
            result = run_playbook(
                playbook_path,
                out=out,
                progress=say,
                report=report,
                strict=strict,
                extra_inputs={path.name: path for path in inputs.values()},
            )
        except StepFailedError as exc:
            _remove_input(Path(exc.notebook).parent)  # step 1 failed before reading them
            raise
    _remove_input(result.run_dir)
    return result


def _remove_input(run_dir: Path) -> None:
    for name in INPUT_FILES.values():
        (run_dir / name).unlink(missing_ok=True)


def _nothing_new_line(playbook: Playbook, incoming: Incoming) -> str:
    """``nothing new for acme-air: 2 sources read, 3 files unchanged; no run``."""
    read = len(incoming.read.counts)
    parts = [f"{read} source{'s' if read != 1 else ''} read"] if read else []
    if incoming.unchanged:
        parts.append(f"{incoming.unchanged} file{'s' if incoming.unchanged != 1 else ''} unchanged")
    return f"nothing new for {playbook.client}: {', '.join(parts) or 'no source to read'}; no run"


def _empty_read() -> ReadResult:
    from ..schema import empty_mentions
    from ..sources import COUNT_COLUMNS

    return ReadResult(
        empty_mentions(),
        pd.DataFrame(columns=["source", "row", "line", "reason"]),
        pd.DataFrame(columns=list(COUNT_COLUMNS)),
    )
