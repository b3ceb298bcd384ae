"""Complete erasure of one author from a client's run folders, and the scan that proves it.

``socialcrm forget --runs`` first deletes the author from the CRM store (:meth:`Store.forget`)
and the row-level artifacts (:func:`~socialcrm_utils.store.forget_in_runs`), then
:func:`erase_runs` rewrites every other file of every run folder of the client, and
:func:`scan_runs` / :func:`scan_store` search everything for what is left. Decisions (what
is searched, why, and what is not) are in ``docs/erasure.md``; in short:

- **Traces** (:func:`collect_traces`, before anything is deleted): the author's ids, display
  names, the ids and URLs of their posts and their texts as stored (PII-redacted), from the run
  folders' mention tables and the store. Texts are searched as fragments of their normalised
  form (:func:`normalize_text`): any quote of :data:`MIN_QUOTE_CHARS` or more consecutive
  characters is found, also lower-cased, HTML-escaped, JSON-escaped, truncated or with
  punctuation changed. What other people still use (the same name, the same sentence) is not
  the author's and is not searched (:meth:`Traces.without`).
- **Tables** (CSV, Parquet): a row whose identifier column (``author_id``, ``customer_id``,
  ``handle``, ``*_id``, ``url``, ...) *is* one of the author's ids is removed; any other cell
  that quotes them becomes ``[erased]``. **JSON**: such strings become ``[erased]``.
- **Executed notebooks**: a code cell whose output quotes the author loses all its outputs
  (tables, text and its figures, which cannot be searched) and shows a one-line note instead.
- **report.html** is rebuilt from the cleaned notebooks (:func:`report.build_report`), figures
  included; one that cannot be rebuilt (no notebooks) and still quotes the author is removed.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..artifacts import write_artifact
from .schema import ERASED, TABLES, identities, interactions

if TYPE_CHECKING:
    from ..playbook import Playbook
    from .core import Store

__all__ = [
    "ERASED_TEXT",
    "MIN_TEXT_CHARS",
    "MIN_QUOTE_CHARS",
    "Traces",
    "Hit",
    "normalize_text",
    "collect_traces",
    "erase_runs",
    "scan_runs",
    "scan_store",
    "format_hits",
    "NOTEBOOK_NOTE",
    "erase_frame",
    "erase_notebook",
    "run_dirs",
]

logger = logging.getLogger(__name__)

#: What a cell, string or line that quoted the erased author becomes.
ERASED_TEXT = "[erased]"

#: Texts shorter than this (normalised) are not searched for: "ok thanks" is anybody's.
MIN_TEXT_CHARS = 20

#: Length of the text fragments searched for, and the step between their starts.
_FRAGMENT = 20
_STEP = 10

#: Any quote of at least this many consecutive (normalised) characters of a text is found.
MIN_QUOTE_CHARS = _FRAGMENT + _STEP - 1

#: Ids and names shorter than this are not searched as words (``1``, ``jo`` are everywhere).
MIN_WORD_CHARS = 3

#: Ids and URLs of posts shorter than this are only matched as whole identifier cells.
MIN_POST_ID_CHARS = 6

#: What a notebook cell shows instead of outputs that quoted the erased author.
NOTEBOOK_NOTE = "[output removed by socialcrm forget: it quoted a person whose data was erased]\n"

#: Column names whose cells identify a person or a post (a row keyed by the author is removed).
_ID_COLUMNS = {
    "author_id",
    "author_name",
    "customer_id",
    "handle",
    "responder",
    "account",
    "author",
    "display_name",
    "url",
    "permalink",
}

_NON_ALNUM = re.compile(r"[\W_]+")
_HTML_NOISE = re.compile(
    r"<style\b.*?</style>|<script\b.*?</script>|data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+",
    re.DOTALL | re.IGNORECASE,
)
_MENTION_FILES = ("mentions.parquet", "mentions_scored.parquet", "rejected.csv")
_TABLE_SUFFIXES = (".csv", ".parquet")
_TEXT_SUFFIXES = (".txt", ".md", ".log", ".svg", ".tsv", ".yaml", ".yml")


def normalize_text(value: str) -> str:
    """The form texts are compared in: entities decoded, NFKC, case-folded, every run of
    characters other than letters and digits one space.

    Examples:
        >>> normalize_text("Still waiting &amp; waiting... for my REFUND!!")
        'still waiting waiting for my refund'
        >>> normalize_text('"Straße" \\u2013 ok')
        'strasse ok'
    """
    text = unicodedata.normalize("NFKC", html.unescape(str(value))).casefold()
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def _fragments(text: str) -> list[str]:
    """Windows of :data:`_FRAGMENT` characters every :data:`_STEP` characters, and the last.

    Any substring of ``text`` with :data:`MIN_QUOTE_CHARS` characters contains one of them.

    Examples:
        >>> _fragments("abcdefghijklmnopqrstuvwxyz")
        ['abcdefghijklmnopqrst', 'ghijklmnopqrstuvwxyz']
    """
    if len(text) < _FRAGMENT:
        return []
    starts = list(range(0, len(text) - _FRAGMENT + 1, _STEP))
    if starts[-1] != len(text) - _FRAGMENT:
        starts.append(len(text) - _FRAGMENT)
    return [text[i : i + _FRAGMENT] for i in starts]


def _fold(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", html.unescape(str(value))).casefold().split())


@dataclass(frozen=True)
class Traces:
    """What identifies one author in the data: searched for by the clean-up and the scan.

    Attributes:
        author_id: The erased author id, as given to ``forget``.
        platform: The platform given to ``forget`` (None: every platform).
        words: Ids, names, post ids and URLs searched as whole words, ignoring case.
        exact: Values (case-folded) that, as a whole identifier cell, make a row the author's.
        texts: The author's texts as stored (PII-redacted), normalised; at least
            :data:`MIN_TEXT_CHARS` characters.
        fragments: The fragments of ``texts`` searched for (see :func:`normalize_text`).
        skipped: Notes on what is not searched and why (short values, values others use).
    """

    author_id: str
    platform: str | None = None
    words: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()
    fragments: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        author_id: str,
        platform: str | None = None,
        *,
        names: Iterable[str] = (),
        posts: Iterable[str] = (),
        texts: Iterable[str] = (),
    ) -> Traces:
        """Traces of an author from their ids, names, post ids/URLs and texts.

        Examples:
            >>> t = Traces.build("ann", names=["Ann Example"], posts=["t1"],
            ...                  texts=["@TinyAir my flight was cancelled, this is terrible"])
            >>> t.words, sorted(t.exact)
            (('ann', 'ann example'), ['ann', 'ann example', 't1'])
            >>> t.hits("<td>MY FLIGHT WAS CANCELLED, THIS IS TERR...</td>"), t.hits("annex")
            (True, False)
        """
        short: dict[str, list[str]] = {}
        words: list[str] = []
        exact: set[str] = set()
        for value, kind, shortest in (
            [(author_id, "id", MIN_WORD_CHARS)]
            + [(n, "name", MIN_WORD_CHARS) for n in names]
            + [(p, "post id", MIN_POST_ID_CHARS) for p in posts]
        ):
            folded = _fold(value) if value is not None else ""
            if not folded:
                continue
            exact.add(folded)
            if len(folded) < shortest:
                short.setdefault(f"{kind}s shorter than {shortest} characters", []).append(value)
            elif folded not in words:
                words.append(folded)
        normalised: list[str] = []
        for text in texts:
            norm = normalize_text(text) if text is not None else ""
            if len(norm) >= MIN_TEXT_CHARS and norm not in normalised:
                normalised.append(norm)
        fragments = list(dict.fromkeys(f for t in normalised for f in _fragments(t)))
        skipped = tuple(
            f"{what} ({', '.join(map(repr, values[:5]))}"
            f"{', ...' if len(values) > 5 else ''}): matched only as whole "
            "identifier cells, not searched as words"
            for what, values in short.items()
        )
        return cls(
            author_id,
            platform,
            tuple(words),
            frozenset(exact),
            tuple(normalised),
            tuple(fragments),
            skipped,
        )

    def __post_init__(self) -> None:
        pattern = None
        if self.words:
            alternatives = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        object.__setattr__(self, "_pattern", pattern)

    def without(self, others: Iterable[str], other_texts: str) -> Traces:
        """These traces minus what other people still use.

        Args:
            others: Ids and names of the authors left in the data (any case).
            other_texts: The normalised texts left in the data, joined by newlines.

        Returns:
            Traces without the words and exact values in ``others`` and without the
            fragments that occur in ``other_texts``; ``skipped`` says what was left out.
        """
        kept = {_fold(o) for o in others if o is not None}
        shared_words = [w for w in self.words if w in kept]
        fragments = tuple(f for f in self.fragments if f not in other_texts)
        notes = [
            f"{w!r}: still the id or name of another author (or of the same author on "
            "another platform), not searched"
            for w in shared_words
        ]
        dropped = len(self.fragments) - len(fragments)
        if dropped:
            notes.append(
                f"{dropped} of {len(self.fragments)} text fragments also occur in "
                "other people's posts, not searched"
            )
        return replace(
            self,
            words=tuple(w for w in self.words if w not in kept),
            exact=frozenset(self.exact - kept),
            fragments=fragments,
            skipped=self.skipped + tuple(notes),
        )

    @property
    def empty(self) -> bool:
        """Whether nothing is left to search for."""
        return not (self.words or self.exact or self.fragments)

    def hits(self, value: Any) -> bool:
        """Whether ``value`` (a string) quotes the author: a word or a text fragment."""
        if value is None or not isinstance(value, str) or not value:
            return False
        if self._pattern is not None and self._pattern.search(_fold(value)):
            return True
        if self.fragments:
            norm = normalize_text(value)
            if len(norm) >= _FRAGMENT:
                return any(f in norm for f in self.fragments)
        return False

    def is_identifier(self, value: Any) -> bool:
        """Whether ``value`` is, as a whole, one of the author's ids, names, post ids or URLs."""
        return isinstance(value, str) and bool(value) and _fold(value) in self.exact


@dataclass(frozen=True)
class Hit:
    """A place that still holds traces of the author.

    Attributes:
        where: A file path, or ``store:<table>``.
        detail: What was found there (``column text``, ``cell 12 output``, ...).
    """

    where: str
    detail: str


# ---------------------------------------------------------------------------------------------
# traces


def collect_traces(
    client_dir: str | Path,
    author_id: str,
    platform: str | None = None,
    store: Store | None = None,
    client: str | None = None,
) -> Traces:
    """Collect an author's traces from the run folders and the store, before erasing them.

    Args:
        client_dir: The client's folder of run folders.
        author_id: The author's id, exactly as stored.
        platform: Only this platform's identity (default: every platform).
        store: The open CRM store, or None.
        client: The client id (needed with ``store``).

    Returns:
        The author's :class:`Traces` (ids, names, post ids and URLs, texts).
    """
    names: list[str] = []
    posts: list[str] = []
    texts: list[str] = []
    for run_dir in run_dirs(Path(client_dir)):
        threads: set[str] = set()
        for name in ("conversations.parquet", "sla.csv"):
            frame = _read_table(run_dir / name) if (run_dir / name).is_file() else None
            if frame is not None and "customer_id" in frame.columns:
                threads |= set(
                    _values(
                        frame[_mask(frame, "customer_id", author_id, platform)], "conversation_id"
                    )
                )
        for name in _MENTION_FILES:
            path = run_dir / name
            frame = _read_table(path) if path.is_file() else None
            if frame is None or "author_id" not in frame.columns:
                continue
            rows = frame[_mask(frame, "author_id", author_id, platform)]
            names += _values(rows, "author_name")
            own = _values(rows, "mention_id")
            posts += own + _values(rows, "url")
            texts += _values(rows, "text_redacted") + _values(rows, "text")
            if "is_brand" in frame.columns:  # the brand's replies to them go with their posts
                brand = frame["is_brand"].astype(str).str.lower().isin(["true", "1"])
                related = (
                    frame["in_reply_to_id"].astype("string").isin(own)
                    if "in_reply_to_id" in frame.columns
                    else False
                )
                if "conversation_id" in frame.columns:
                    related |= frame["conversation_id"].astype("string").isin(threads)
                replies = frame[(brand & related).fillna(False).to_numpy(dtype=bool)]
                posts += _values(replies, "mention_id") + _values(replies, "url")
    if store is not None and client is not None:
        from sqlalchemy import select

        query = select(identities.c.id, identities.c.display_name).where(
            identities.c.client == client, identities.c.author_id == author_id
        )
        if platform is not None:
            query = query.where(identities.c.platform == platform)
        with store.engine.connect() as conn:
            found = conn.execute(query).all()
            names += [r.display_name for r in found if r.display_name]
            ids = [r.id for r in found]
            for start in range(0, len(ids), 900):
                rows = conn.execute(
                    select(
                        interactions.c.mention_id, interactions.c.url, interactions.c.text_redacted
                    ).where(interactions.c.identity_id.in_(ids[start : start + 900]))
                ).all()
                posts += [v for r in rows for v in (r.mention_id, r.url) if v]
                texts += [r.text_redacted for r in rows if r.text_redacted]
    return Traces.build(
        author_id,
        platform,
        names=dict.fromkeys(names),
        posts=dict.fromkeys(posts),
        texts=dict.fromkeys(texts),
    )


def run_dirs(client_dir: Path) -> list[Path]:
    """The run folders of a client (every folder under ``client_dir``; ``latest`` and the
    label model's ``models`` skipped)."""
    if not client_dir.is_dir():
        return []
    return sorted(
        p for p in client_dir.iterdir() if p.is_dir() and not p.is_symlink() and p.name != "models"
    )


def _mask(frame: pd.DataFrame, column: str, author_id: str, platform: str | None) -> Any:
    """Rows of ``frame`` whose ``column`` is ``author_id`` (on ``platform``), as a bool array."""
    mask = frame[column].astype("string") == author_id
    if platform is not None and "platform" in frame.columns:
        mask &= frame["platform"].astype("string") == platform
    return mask.fillna(False).to_numpy(dtype=bool)


def _values(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return []
    return [str(v) for v in frame[column].dropna().unique() if str(v)]


def _remaining(client_dir: Path, store: Store | None, client: str | None) -> tuple[list[str], str]:
    """Ids and names of the authors left, and their texts (normalised, joined by newlines).

    Texts that name the erased author (``@[erased]``) are left out: a quote of the author in
    someone else's post does not make the author's words someone else's.
    """
    people: list[str] = []
    texts: set[str] = set()

    def add(frame: pd.DataFrame) -> None:
        for column in ("author_id", "author_name", "display_name"):
            people.extend(_values(frame, column))
        for column in ("text_redacted", "text"):
            for text in _values(frame, column):
                if ERASED not in text:
                    texts.add(normalize_text(text))

    for run_dir in run_dirs(client_dir):
        for name in _MENTION_FILES:
            frame = _read_table(run_dir / name) if (run_dir / name).is_file() else None
            if frame is not None:
                add(frame)
    if store is not None and client is not None:
        for table in ("identities", "contacts", "interactions"):
            add(store.read(table, client))
    return people, "\n".join(sorted(texts))


# ---------------------------------------------------------------------------------------------
# erasing


def erase_runs(
    client_dir: str | Path,
    traces: Traces,
    *,
    playbook: Playbook | None = None,
    store: Store | None = None,
    client: str | None = None,
    build_report: Callable[[Path, Playbook], Path] | None = None,
) -> tuple[Traces, dict[Path, str]]:
    """Rewrite every file of a client's run folders without an author's traces.

    Run after :meth:`Store.forget` and :func:`store.forget_in_runs` (which remove the author's
    rows and their conversations). Every other file is searched for ``traces`` (minus what
    other authors still use, see :meth:`Traces.without`) and rewritten where it holds them:
    tables, JSON, executed notebooks, text files; report.html is rebuilt from the cleaned
    notebooks (needs ``playbook``), or removed when it cannot be rebuilt and still quotes them.
    Files are replaced atomically.

    Args:
        client_dir: The client's folder of run folders.
        traces: From :func:`collect_traces`, collected before anything was deleted.
        playbook: The client's playbook, to rebuild report.html.
        build_report: The report builder (``socialcrm_utils.engine.report.build_report``;
            the store sits below the engine, so the caller hands it in). Without it, or
            without ``playbook``, a report.html that quotes the traces is removed.
        store: The open store (after ``forget``): its remaining authors and texts count as
            "still used by others".
        client: The client id (with ``store``).

    Returns:
        The traces actually searched for (pass them to :func:`scan_runs`), and path -> what
        was done, for every file changed.
    """
    client_dir = Path(client_dir)
    people, other_texts = _remaining(client_dir, store, client)
    traces = traces.without(people, other_texts)
    done: dict[Path, str] = {}
    if traces.empty:
        return traces, done
    for run_dir in run_dirs(client_dir):
        notebooks_changed = False
        for path in _files(run_dir):
            if path.name == "report.html" and path.parent == run_dir:
                continue
            action = _erase_file(path, traces)
            if action:
                done[path] = action
                notebooks_changed |= path.suffix == ".ipynb"
        report = run_dir / "report.html"
        if report.is_file() and (notebooks_changed or _scan_file(report, traces)):
            action = _rebuild_report(run_dir, traces, playbook, build_report)
            if action:
                done[report] = action
    return traces, done


def _files(run_dir: Path) -> Iterator[Path]:
    for path in sorted(run_dir.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".tmp"):
            yield path


def _erase_file(path: Path, traces: Traces) -> str | None:
    """Rewrite one file without the author's traces; returns what was done, or None."""
    import nbformat  # only here: a light import of the store for the other commands

    suffix = path.suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        frame = _read_table(path)
        if frame is None:
            return _erase_lines(path, traces)
        cleaned, dropped, erased = erase_frame(frame, traces)
        if not dropped and not erased:
            return None
        write_artifact(cleaned, path.parent, path.name)
        return f"{dropped} rows removed, {erased} cells erased"
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _erase_lines(path, traces)
        cleaned, erased = _erase_json(data, traces)
        if not erased:
            return None
        write_artifact(cleaned, path.parent, path.name)
        return f"{erased} values erased"
    if suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        cleared = erase_notebook(notebook, traces)
        if not cleared:
            return None
        tmp = path.with_name(f".{path.name}.tmp")
        nbformat.write(notebook, tmp)
        tmp.replace(path)
        return f"outputs of {cleared} cells removed"
    if suffix in (".html", ".htm"):
        if not _scan_file(path, traces):
            return None
        path.unlink()
        return "removed (an HTML page cannot be rewritten safely; rebuild it)"
    if suffix in _TEXT_SUFFIXES:
        return _erase_lines(path, traces)
    return None


def _erase_lines(path: Path, traces: Traces) -> str | None:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    erased = 0
    for i, line in enumerate(lines):
        if traces.hits(line):
            lines[i] = ERASED_TEXT + ("\n" if line.endswith("\n") else "")
            erased += 1
    if not erased:
        return None
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)
    return f"{erased} lines erased"


def _is_id_column(name: Any) -> bool:
    text = str(name).lower()
    return text in _ID_COLUMNS or text.endswith(("_id", "_ids", "_url", "_handle"))


def erase_frame(frame: pd.DataFrame, traces: Traces) -> tuple[pd.DataFrame, int, int]:
    """A table without an author's traces (the input is not changed).

    A row whose identifier column (``author_id``, ``customer_id``, ``handle``, ``url``,
    ``*_id``, ...) is one of the author's ids, names, post ids or URLs is removed; any other
    text cell that quotes the author becomes :data:`ERASED_TEXT`.

    Returns:
        The cleaned frame, the rows removed and the cells erased.

    Examples:
        >>> t = Traces.build("ann", texts=["my flight was cancelled, this is terrible"])
        >>> faq = pd.DataFrame({"example_id": ["x1", "ann"], "example": [
        ...     "MY FLIGHT WAS CANCELLED, THIS IS...", "hi"], "n": [3, 1]})
        >>> out, dropped, erased = erase_frame(faq, t)
        >>> out.to_dict("list"), dropped, erased
        ({'example_id': ['x1'], 'example': ['[erased]'], 'n': [3]}, 1, 1)
    """
    drop = pd.Series(False, index=frame.index)
    erase: dict[Any, pd.Series] = {}
    for column in frame.columns:
        values = frame[column]
        if not (
            pd.api.types.is_string_dtype(values)
            or values.dtype == object
            or isinstance(values.dtype, pd.CategoricalDtype)
        ):
            continue
        hit = _column_hits(values, traces)
        if not hit.any():
            continue
        if _is_id_column(column):
            exact = values.map(traces.is_identifier).astype(bool)
            drop |= exact & hit
            hit &= ~exact
        if hit.any():
            erase[column] = hit
    out = frame.copy()
    erased = 0
    for column, hit in erase.items():
        hit = hit & ~drop
        if not hit.any():
            continue
        strings = out[column].map(lambda v: isinstance(v, str))
        other = hit & ~strings  # lists and other objects cannot hold a string: drop the row
        drop |= other
        hit &= strings & ~drop
        erased += int(hit.sum())
        values = out[column].astype(object).where(~hit, ERASED_TEXT)
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            values = values.astype("category")
        elif pd.api.types.is_string_dtype(frame[column]) and frame[column].dtype != object:
            values = values.astype(frame[column].dtype)
        out[column] = values
    out = out[~drop.to_numpy()].reset_index(drop=True)
    return out, int(drop.sum()), erased


def _column_hits(values: pd.Series, traces: Traces) -> pd.Series:
    """Per cell, whether it quotes the author; a whole column is tested at once first."""
    texts = values.map(_as_text)
    present = texts.dropna()
    if present.empty or not traces.hits("\n".join(dict.fromkeys(present))):
        return pd.Series(False, index=values.index)
    return texts.map(traces.hits).astype(bool)


def _as_text(value: Any) -> str | None:
    """A cell as searchable text (lists and dicts as JSON); None for a missing value."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (list, tuple, dict)) or hasattr(value, "tolist"):
        return json.dumps(
            value.tolist() if hasattr(value, "tolist") else value, ensure_ascii=False, default=str
        )
    return str(value)


def _erase_json(data: Any, traces: Traces) -> tuple[Any, int]:
    """``data`` with every string (or key) that quotes the author replaced; count replaced."""
    if isinstance(data, str):
        return (ERASED_TEXT, 1) if traces.hits(data) else (data, 0)
    if isinstance(data, list):
        items = [_erase_json(v, traces) for v in data]
        return [v for v, _ in items], sum(n for _, n in items)
    if isinstance(data, dict):
        out, count = {}, 0
        for key, value in data.items():
            if traces.hits(str(key)):
                count += 1
                continue
            out[key], n = _erase_json(value, traces)
            count += n
        return out, count
    return data, 0


def erase_notebook(notebook: Any, traces: Traces) -> int:
    """Remove, in place, the outputs of every code cell that quotes the author.

    Such a cell keeps one stdout line, :data:`NOTEBOOK_NOTE`; its figures go with the other
    outputs (an image cannot be searched). A source line or metadata string that quotes the
    author becomes :data:`ERASED_TEXT`.

    Returns:
        The number of cells changed.
    """
    import nbformat  # only here: a light import of the store for the other commands

    changed = 0
    for cell in notebook.cells:
        touched = False
        if traces.hits(cell.get("source", "")):
            cell["source"] = "\n".join(
                ERASED_TEXT if traces.hits(line) else line for line in cell["source"].split("\n")
            )
            touched = True
        if cell.get("cell_type") == "code" and any(
            traces.hits(text)
            for output in cell.get("outputs", [])
            for text in _output_texts(output)
        ):
            cell["outputs"] = [nbformat.v4.new_output("stream", name="stdout", text=NOTEBOOK_NOTE)]
            touched = True
        metadata, n = _erase_json(dict(cell.get("metadata", {})), traces)
        if n:
            cell["metadata"] = nbformat.from_dict(metadata)
            touched = True
        changed += touched
    metadata, n = _erase_json(dict(notebook.get("metadata", {})), traces)
    if n:
        notebook["metadata"] = nbformat.from_dict(metadata)
        changed += 1
    return changed


def _output_texts(output: Any) -> Iterator[str]:
    """The searchable text of a notebook output (images are not searchable)."""
    if "text" in output:
        yield _joined(output["text"])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("image/") and mime != "image/svg+xml":
            continue
        yield (
            value
            if isinstance(value, str)
            else (
                _joined(value) if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
            )
        )
    for key in ("ename", "evalue"):
        if key in output:
            yield str(output[key])
    if "traceback" in output:
        yield "\n".join(output["traceback"])
    if output.get("metadata"):
        yield json.dumps(output["metadata"], ensure_ascii=False, default=str)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _rebuild_report(
    run_dir: Path,
    traces: Traces,
    playbook: Playbook | None,
    build_report: Callable[[Path, Playbook], Path] | None,
) -> str | None:
    """Rebuild report.html (and figures/) from the cleaned notebooks, or remove it."""
    report = run_dir / "report.html"
    notebooks = sorted(run_dir.glob("[0-9][0-9]_*.ipynb"))
    if playbook is not None and notebooks and build_report is not None:
        for figure in (run_dir / "figures").glob("step*_*.png"):
            figure.unlink()  # build_report writes the figures of the cleaned notebooks again
        build_report(run_dir, playbook)
        return "rebuilt from the cleaned notebooks"
    if not _scan_file(report, traces):
        return None
    report.unlink()
    why = "no notebooks" if not notebooks else "no playbook"
    return f"removed (quoted the author; cannot be rebuilt: {why})"


# ---------------------------------------------------------------------------------------------
# scanning


def scan_runs(client_dir: str | Path, traces: Traces) -> tuple[list[Hit], list[Path]]:
    """Search every file of a client's run folders for an author's traces.

    Args:
        client_dir: The client's folder of run folders.
        traces: What to search for (as returned by :func:`erase_runs`).

    Returns:
        The places still holding traces, and the files that cannot be searched (images and
        other binary files).
    """
    hits: list[Hit] = []
    unsearched: list[Path] = []
    for run_dir in run_dirs(Path(client_dir)):
        for path in _files(run_dir):
            found = _scan_file(path, traces)
            if found is None:
                unsearched.append(path)
            hits += [Hit(str(path), detail) for detail in found or []]
    return hits, unsearched


def _scan_file(path: Path, traces: Traces) -> list[str] | None:
    """What in one file quotes the author (empty: nothing); None if it cannot be searched."""
    suffix = path.suffix.lower()
    if suffix in _TABLE_SUFFIXES:
        frame = _read_table(path)
        if frame is not None:
            return [
                f"column {c}"
                for c in frame.columns
                if _column_hits(frame[c].astype(object), traces).any()
            ]
    if suffix == ".ipynb":
        import nbformat

        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - a broken notebook is searched as text below
            notebook = None
        if notebook is not None:
            found = [
                f"cell {i} {part}"
                for i, cell in enumerate(notebook.cells)
                for part, texts in (
                    ("source", [cell.get("source", "")]),
                    ("output", [t for o in cell.get("outputs", []) for t in _output_texts(o)]),
                    ("metadata", [json.dumps(cell.get("metadata", {}), default=str)]),
                )
                if any(traces.hits(t) for t in texts)
            ]
            if traces.hits(json.dumps(notebook.get("metadata", {}), default=str)):
                found.append("notebook metadata")
            return found
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            data = None
        if data is not None:
            return ["value"] if _erase_json(data, traces)[1] else []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    if suffix in (".html", ".htm", ".ipynb"):
        text = _HTML_NOISE.sub(" ", text)
    return [f"line {n}" for n, line in enumerate(text.splitlines(), start=1) if traces.hits(line)][
        :5
    ]


def scan_store(store: Store, client: str, traces: Traces) -> list[Hit]:
    """Search every table of the client in the CRM store for an author's traces.

    Returns:
        One :class:`Hit` per table and column that still holds traces
        (``store:interactions``, ``column text_redacted``).
    """
    hits = []
    for table in TABLES:
        frame = store.read(table, client)
        for column in frame.columns:
            values = frame[column]
            if values.dtype != object and not pd.api.types.is_string_dtype(values):
                continue
            if _column_hits(values, traces).any():
                hits.append(Hit(f"store:{table}", f"column {column}"))
    return hits


def format_hits(hits: Sequence[Hit], base: Path | None = None) -> list[str]:
    """One line per place (``path: column text, cell 3 output``), paths relative to ``base``."""
    places: dict[str, list[str]] = {}
    for hit in hits:
        where = hit.where
        if base is not None and not where.startswith("store:"):
            with contextlib.suppress(ValueError):
                where = str(Path(where).relative_to(base))
        places.setdefault(where, []).append(hit.detail)
    return [f"{where}: {', '.join(details)}" for where, details in places.items()]


def _read_table(path: Path) -> pd.DataFrame | None:
    """A CSV (every cell as text, as written) or Parquet file; None if it cannot be read."""
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        logger.warning("%s: cannot be read as a table (%s); searched as text", path, exc)
        return None
