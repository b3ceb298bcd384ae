"""Label posts inside JupyterLab: the file ``socialcrm label`` writes, filled one post at a time.

Two layers, so that everything but the buttons can be tested without a browser:

- :class:`LabelSession` is plain Python: the queue of posts to label (the rows of the label
  file), the answers, the position, Back / Skip / Save-and-next, the progress line, and saving:
  the whole file is written after every answer (to a temporary name, then renamed), in the
  columns and spelling of ``socialcrm label`` (``mention_id, platform, lang, text_redacted,
  complaint, question, praise, lead, sentiment``; ``yes``/``no``/empty and
  ``negative``/``neutral``/``positive``/empty), which :func:`~.labels.read_labels` reads.
  An existing file is resumed: its rows and labels are kept and the session starts at its first
  unlabelled post.
- :class:`LabelWidget` is a thin ipywidgets view over a session (the ``lab`` extra:
  ``pip install 'socialcrm-utils[lab]'``); its button handlers only call the session.

Notebook 03 builds the widget only when the environment asks for it (:data:`LABEL_ENV`), so
papermill and CI runs never write a label file. See ``docs/labelling.md``.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artifacts import neutralize_csv_cells, restore_csv_cells
from ..exceptions import ResourceMissingError
from .labels import FLAG_LABELS, LABEL_COLUMNS, SENTIMENT_CLASSES, read_labels
from .learn import mention_inputs, suggest_labels

__all__ = [
    "LABEL_ENV",
    "TODO_FILE",
    "TODO_COLUMNS",
    "Post",
    "LabelSession",
    "LabelWidget",
    "default_label_file",
    "labelling_requested",
    "format_flag",
    "format_sentiment",
    "read_label_rows",
    "merge_todo",
    "write_label_rows",
    "labelled_mask",
    "describe_guess",
    "explain_suggestions",
    "start_labelling",
]

logger = logging.getLogger(__name__)

#: Environment variable that makes notebook 03 build the labelling widget (``1``, ``true``,
#: ``yes`` or ``on``); unset under papermill and CI, so those runs write nothing.
LABEL_ENV = "SOCIALCRM_LABEL"
#: The file ``socialcrm label`` writes next to the playbook.
TODO_FILE = "labels_todo.csv"
#: The columns of ``labels_todo.csv``, in the order ``socialcrm label`` writes them.
TODO_COLUMNS: tuple[str, ...] = ("mention_id", "platform", "lang", "text_redacted", *LABEL_COLUMNS)

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_MODEL_UNSURE = 0.5  # a model is "unsure" when its top two classes are closer than this
_NEAR_THRESHOLD = 0.2  # |score| below this is near the sentiment thresholds (as suggest_labels)


def default_label_file(playbook_path: Path | str) -> Path:
    """Where ``socialcrm label`` writes by default: ``labels_todo.csv`` next to the playbook.

    Examples:
        >>> default_label_file("/clients/acme/playbook.yaml").as_posix()
        '/clients/acme/labels_todo.csv'
    """
    return Path(playbook_path).resolve().parent / TODO_FILE


def labelling_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the analyst asked for the labelling widget (:data:`LABEL_ENV` set to a yes).

    Args:
        environ: The variables (default ``os.environ``).

    Examples:
        >>> labelling_requested({"SOCIALCRM_LABEL": "1"}), labelling_requested({})
        (True, False)
    """
    variables = os.environ if environ is None else environ
    return variables.get(LABEL_ENV, "").strip().lower() in _TRUE_WORDS


def format_flag(value: object) -> str:
    """A yes/no answer in the label file's spelling: ``yes``, ``no`` or ``""`` (not labelled).

    Raises:
        ValueError: For anything but True/False/None or those three words.

    Examples:
        >>> format_flag(True), format_flag(False), format_flag(None), format_flag("no")
        ('yes', 'no', '', 'no')
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, str) and value in ("yes", "no", ""):
        return value
    raise ValueError(f"{value!r} is not a yes/no answer; use True, False or None")


def format_sentiment(value: object) -> str:
    """A sentiment answer in the label file's spelling: a class of ``SENTIMENT_CLASSES`` or ``""``.

    Raises:
        ValueError: For anything else.

    Examples:
        >>> format_sentiment("positive"), format_sentiment(None)
        ('positive', '')
    """
    if value is None or value is pd.NA or value == "":
        return ""
    if isinstance(value, str) and value in SENTIMENT_CLASSES:
        return value
    raise ValueError(f"{value!r} is not a sentiment; use one of {', '.join(SENTIMENT_CLASSES)}")


def _format_label(column: str, value: object) -> str:
    return format_sentiment(value) if column == "sentiment" else format_flag(value)


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _queue_columns(columns: Any) -> list[str]:
    """The CLI's columns in its order, then a file's other (context) columns in theirs."""
    return [*TODO_COLUMNS, *(c for c in columns if c not in TODO_COLUMNS)]


def read_label_rows(path: Path | str) -> pd.DataFrame:
    """The rows of a label file as text, ready to resume; labels in the CLI's spelling.

    The labels are read by :func:`~.labels.read_labels` (so a file it rejects is rejected here,
    with its one-line message), the context columns (``platform``, ``text_redacted`` ...) as
    written, without the ``'`` a spreadsheet guard added. Rows without ``mention_id`` are left
    out, and an id's later rows are merged into its first (as the reader does).

    Args:
        path: The label file; a missing file gives no rows.

    Returns:
        Text columns: :data:`TODO_COLUMNS` (empty where the file lacks them), then the file's
        other context columns (``text``, ``note`` ...; headers lower-cased); one row per
        mention, in file order.

    Raises:
        LabelFileError: If :func:`~.labels.read_labels` rejects the file.
    """
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TODO_COLUMNS})
    parsed = read_labels(path).set_index("mention_id")
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252")
    reader = csv.reader(io.StringIO(content), delimiter=_sniff_separator(content.splitlines()[0]))
    header = [h.strip().lower() for h in next(reader)]
    records = [
        dict(zip(header, fields + [""] * (len(header) - len(fields)), strict=False))
        for fields in reader
    ]
    rows = pd.DataFrame(records, columns=header, dtype=object).fillna("")
    rows = restore_csv_cells(rows)
    rows["mention_id"] = rows["mention_id"].str.strip()
    rows = rows[rows["mention_id"] != ""].drop_duplicates("mention_id").reset_index(drop=True)
    rows = rows.reindex(columns=_queue_columns(rows.columns), fill_value="")
    for column in LABEL_COLUMNS:
        rows[column] = [
            _format_label(column, parsed.at[key, column]) if key in parsed.index else ""
            for key in rows["mention_id"]
        ]
    return rows


def merge_todo(existing: pd.DataFrame, suggested: pd.DataFrame | None, n: int) -> pd.DataFrame:
    """The queue of a session: the file's rows as they are, then new suggestions up to ``n``.

    Rows of ``existing`` are kept in their order with their labels. Suggested posts whose id is
    not in ``existing`` are appended, most valuable first, until the queue holds ``n`` rows (a
    file that already has ``n`` or more rows gets none), so opening the same file again with the
    same ``n`` shows the same posts. Neither input is modified.

    Args:
        existing: :func:`read_label_rows` of the file (may be empty).
        suggested: :func:`~.learn.suggest_labels`' frame, or None.
        n: How many rows the queue should hold.

    Returns:
        Text columns: :data:`TODO_COLUMNS` (the CLI's order), then ``existing``'s other ones.

    Examples:
        >>> old = pd.DataFrame({"mention_id": ["a"], "complaint": ["yes"]})
        >>> new = pd.DataFrame({"mention_id": ["a", "b", "c"], "complaint": ["", "", ""]})
        >>> merge_todo(old, new, 2)[["mention_id", "complaint"]].values.tolist()
        [['a', 'yes'], ['b', '']]
    """
    columns = _queue_columns(existing.columns)
    parts = [existing]
    if suggested is not None and len(suggested) and n > len(existing):
        known = set(existing["mention_id"].astype(str)) if len(existing) else set()
        fresh = suggested[~suggested["mention_id"].astype(str).isin(known)]
        parts.append(fresh.head(n - len(existing)))
    merged = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=columns)
    )
    merged = merged.reindex(columns=columns)
    return merged.astype(object).where(merged.notna(), "").astype(str).reset_index(drop=True)


def write_label_rows(rows: pd.DataFrame, path: Path | str) -> Path:
    """Write the queue as the label file, atomically (a temporary file renamed over it).

    UTF-8, ``,``-separated, ``\\n`` line ends, cells a spreadsheet would run as a formula with a
    leading ``'`` (as ``socialcrm label`` writes). ``rows`` is not modified.

    Args:
        rows: The session's rows (text columns).
        path: The label file (its folder is created).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    neutralize_csv_cells(rows).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    os.replace(tmp, path)
    logger.debug("wrote %s (%d rows)", path, len(rows))
    return path


def labelled_mask(rows: pd.DataFrame) -> np.ndarray:
    """True for rows with at least one label filled in (what :func:`~.labels.read_labels` keeps).

    Examples:
        >>> labelled_mask(pd.DataFrame({"complaint": ["", "no"], "sentiment": ["", ""]})).tolist()
        [False, True]
    """
    present = [c for c in LABEL_COLUMNS if c in rows.columns]
    if not present:
        return np.zeros(len(rows), dtype=bool)
    return (
        (rows[present].astype(str).apply(lambda col: col.str.strip()) != "")
        .any(axis=1)
        .to_numpy(bool)
    )


# --- what the analyst sees beside the post ----------------------------------------------------


def _is_true(value: object) -> bool:
    return value is not None and not (np.ndim(value) == 0 and pd.isna(value)) and bool(value)


def _flags_of(row: Mapping[str, Any]) -> list[str]:
    if any(f"is_{name}" in row for name in FLAG_LABELS):
        return [name for name in FLAG_LABELS if _is_true(row.get(f"is_{name}"))]
    intent = row.get("intent")
    return [intent] if isinstance(intent, str) and intent in FLAG_LABELS else []


def describe_guess(row: Mapping[str, Any]) -> str:
    """The suite's current labels of one scored mention, in one line.

    Args:
        row: A scored mention (``is_complaint`` ... or ``intent``, ``sentiment_label``,
            ``sentiment``, ``intent_cue``, ``label_source`` where present).

    Examples:
        >>> row = {"is_complaint": True, "is_question": True, "is_praise": False,
        ...        "is_lead": False, "sentiment_label": "negative", "sentiment": -0.62,
        ...        "intent_cue": "still not", "label_source": "rules"}
        >>> describe_guess(row).split(" · ")  # doctest: +NORMALIZE_WHITESPACE
        ['complaint, question', 'sentiment negative (lexicon -0.62)', "cue 'still not'",
         'from the rules']
    """
    flags = _flags_of(row)
    parts = [", ".join(flags) if flags else "no intent"]
    label = row.get("sentiment_label")
    score = row.get("sentiment")
    if isinstance(label, str) and label != "unscored":
        shown = (
            f" (lexicon {score:+.2f})"
            if isinstance(score, int | float) and not pd.isna(score)
            else ""
        )
        parts.append(f"sentiment {label}{shown}")
    else:
        parts.append("sentiment unscored")
    cue = row.get("intent_cue")
    if isinstance(cue, str) and cue:
        parts.append(f"cue {cue!r}")
    source = row.get("label_source")
    if isinstance(source, str) and source:
        parts.append(f"from the {source}" if source in ("rules", "model") else f"from a {source}")
    return " · ".join(parts)


_SIGNALS = (
    ("negative, but no complaint cue", lambda f: f["neg"] & ~f["complaint"]),
    ("a complaint the lexicon finds positive", lambda f: f["complaint"] & f["pos"]),
    (
        "a negative question: a problem asked as a question?",
        lambda f: f["question"] & f["neg"] & ~f["complaint"],
    ),
    ("praise with a negative score: sarcasm?", lambda f: f["praise"] & f["neg"]),
    ("no intent rule fired", lambda f: f["flags"] == 0),
    ("several intents at once", lambda f: f["flags"] > 1),
    ("sentiment score near the thresholds", lambda f: f["near"]),
)


def _rule_reasons(inputs: pd.DataFrame) -> list[list[str]]:
    """Why the rules are unsure of each post (the signals :func:`suggest_labels` adds up)."""
    facts = {name: inputs[f"rule_{name}"].to_numpy() > 0 for name in FLAG_LABELS}
    facts["neg"] = inputs["sentiment_negative"].to_numpy() > 0
    facts["pos"] = inputs["sentiment_positive"].to_numpy() > 0
    facts["flags"] = inputs[[f"rule_{n}" for n in FLAG_LABELS]].to_numpy().sum(axis=1)
    facts["near"] = (inputs["sentiment_unscored"].to_numpy() == 0) & (
        np.abs(inputs["sentiment_score"].to_numpy()) < _NEAR_THRESHOLD
    )
    reasons: list[list[str]] = [[] for _ in range(len(inputs))]
    for text, test in _SIGNALS:
        for i in np.flatnonzero(test(facts)):
            reasons[i].append(text)
    return reasons


def _model_reasons(classifier: Any, scored: pd.DataFrame, inputs: pd.DataFrame) -> list[list[str]]:
    """The label whose model is least sure of each post; labels still lacking a kind it may be."""
    reasons: list[list[str]] = [[] for _ in range(len(scored))]
    worst = np.ones(len(scored))
    models = classifier.predict_proba(scored) if getattr(classifier, "models_", None) else {}
    for label, proba in models.items():
        values = proba.to_numpy()
        order = np.argsort(-values, axis=1, kind="stable")
        rows = np.arange(len(values))
        margin = values[rows, order[:, 0]] - values[rows, order[:, 1]]
        for i in np.flatnonzero((margin < _MODEL_UNSURE) & (margin < worst)):
            name = proba.columns[order[i, 0]]
            shown = name if label == "sentiment" else format_flag(bool(name))
            reasons[i] = [f"the {label} model is unsure ({shown} {values[i, order[i, 0]]:.2f})"]
        worst = np.minimum(worst, margin)
    sentiment = {
        "negative": inputs["sentiment_negative"].to_numpy() > 0,
        "positive": inputs["sentiment_positive"].to_numpy() > 0,
    }
    sentiment["neutral"] = (
        ~sentiment["negative"]
        & ~sentiment["positive"]
        & ~(inputs["sentiment_unscored"].to_numpy() > 0)
    )
    for label, result in (getattr(classifier, "results_", None) or {}).items():
        for value, more in result.get("needed", {}).items():
            if not more:
                continue
            if label == "sentiment":
                match = sentiment.get(value, np.zeros(len(inputs), dtype=bool))
            else:
                rule = inputs[f"rule_{label}"].to_numpy() > 0
                match = rule if value == "yes" else ~rule
            for i in np.flatnonzero(match):
                reasons[i].append(
                    f"{label} still needs {more} more '{value}' labels and the rules say {value}"
                )
    return reasons


def explain_suggestions(scored: pd.DataFrame, classifier: Any = None) -> pd.Series:
    """Why each post is worth labelling, in words, on ``scored``'s index.

    The rules' disagreements that :func:`~.learn.suggest_labels` counts (negative without a
    complaint cue, a negative question, several intents ...), and with a fitted classifier the
    label whose model is least sure and the labels that still lack examples. A post with none
    of these was picked so that every platform and language gets posts.

    Args:
        scored: Scored mentions (a few hundred: the queue's).
        classifier: A fitted :class:`~.learn.ClientClassifier`, or None.

    Returns:
        One text per mention, reasons joined with ``"; "``.
    """
    if scored.empty:
        return pd.Series([], index=scored.index, dtype=object)
    inputs = mention_inputs(scored)
    reasons = _rule_reasons(inputs)
    if classifier is not None:
        for mine, model in zip(reasons, _model_reasons(classifier, scored, inputs), strict=True):
            mine[:0] = model
    texts = [
        "; ".join(r) if r else "the rules agree; picked so every platform and language gets posts"
        for r in reasons
    ]
    return pd.Series(texts, index=scored.index, dtype=object)


# --- the session: state, navigation, saving ---------------------------------------------------


@dataclass(frozen=True)
class Post:
    """The post a session shows.

    Attributes:
        position: Its row in the queue (0-based).
        mention_id: Its id.
        text: The text (``text_redacted``, else ``text`` of the file or the mentions).
        platform: Its platform (may be empty).
        lang: Its language code (may be empty).
        guess: :func:`describe_guess` of the scored mention ("" when not in the mentions).
        reason: :func:`explain_suggestions`' text ("" when not in the mentions).
        answer: The labels already given: label column -> ``yes``/``no``/sentiment/``""``.
    """

    position: int
    mention_id: str
    text: str
    platform: str
    lang: str
    guess: str
    reason: str
    answer: dict[str, str] = field(default_factory=dict)


class LabelSession:
    """Labelling one post at a time; saves the label file after every answer.

    Args:
        rows: The queue (:func:`merge_todo`'s frame); copied, never modified.
        path: The label file written after every answer.
        context: Per ``mention_id`` (index): ``text``, ``guess``, ``reason`` shown beside the
            post, or None.

    Attributes:
        path: The label file.
        position: The row shown (``len(rows)`` once past the last one).
    """

    def __init__(
        self, rows: pd.DataFrame, path: Path | str, context: pd.DataFrame | None = None
    ) -> None:
        self._rows = rows.reset_index(drop=True).astype(str).copy()
        self.path = Path(path)
        self._context = (
            context if context is not None else pd.DataFrame(columns=["text", "guess", "reason"])
        )
        unlabelled = np.flatnonzero(~labelled_mask(self._rows))
        self.position = int(unlabelled[0]) if len(unlabelled) else len(self._rows)

    @classmethod
    def open(
        cls,
        path: Path | str,
        suggested: pd.DataFrame | None = None,
        n: int = 200,
        *,
        scored: pd.DataFrame | None = None,
        classifier: Any = None,
    ) -> LabelSession:
        """Resume the label file at ``path`` (if any) and add suggested posts up to ``n`` rows.

        Args:
            path: The label file (``labels_todo.csv`` by default; see
                :func:`default_label_file`).
            suggested: :func:`~.learn.suggest_labels`' frame, or None (the file's rows only).
            n: How many rows the queue should hold (see :func:`merge_todo`).
            scored: The scored mentions, for the current guess and the reason; or None.
            classifier: The fitted classifier, for the reason; or None.

        Raises:
            LabelFileError: If the existing file cannot be read as a label file.
        """
        rows = merge_todo(read_label_rows(path), suggested, n)
        context = None
        if scored is not None:
            ids = scored["mention_id"].astype(str)
            queued = scored[ids.isin(set(rows["mention_id"])).to_numpy()]
            queued = queued.drop_duplicates("mention_id")
            text = (
                queued["text_redacted"]
                if "text_redacted" in queued.columns
                else (
                    queued["text"]
                    if "text" in queued.columns
                    else pd.Series("", index=queued.index)
                )
            )
            context = pd.DataFrame(
                {
                    "text": text.astype("string").fillna("").to_numpy(dtype=object),
                    "guess": [describe_guess(r) for r in queued.to_dict("records")],
                    "reason": explain_suggestions(queued, classifier).to_numpy(dtype=object),
                },
                index=queued["mention_id"].astype(str).to_numpy(),
            )
        return cls(rows, path, context)

    @property
    def rows(self) -> pd.DataFrame:
        """A copy of the queue with the answers so far (what the file holds after a save)."""
        return self._rows.copy()

    @property
    def done(self) -> bool:
        """True once past the last post."""
        return self.position >= len(self._rows)

    @property
    def labelled_count(self) -> int:
        """Rows with at least one label."""
        return int(labelled_mask(self._rows).sum())

    def progress_text(self) -> str:
        """The progress line, e.g. ``12 of 200 labelled · post 13``.

        Examples:
            >>> rows = pd.DataFrame({"mention_id": ["a", "b"], "complaint": ["yes", ""]})
            >>> LabelSession(rows, "unused.csv").progress_text()
            '1 of 2 labelled · post 2'
        """
        text = f"{self.labelled_count} of {len(self._rows)} labelled"
        return text + (" · all posts seen" if self.done else f" · post {self.position + 1}")

    def current(self) -> Post | None:
        """The post shown now, or None once past the last one."""
        if self.done:
            return None
        row = self._rows.iloc[self.position]
        key = row["mention_id"]
        known = key in self._context.index
        info = self._context.loc[key] if known else {}
        text = (
            row.get("text_redacted", "") or row.get("text", "") or (info["text"] if known else "")
        )
        return Post(
            position=self.position,
            mention_id=key,
            text=text,
            platform=row.get("platform", ""),
            lang=row.get("lang", ""),
            guess=info["guess"] if known else "",
            reason=info["reason"] if known else "",
            answer={c: row[c] for c in LABEL_COLUMNS},
        )

    def answer(self, labels: Mapping[str, object]) -> Path:
        """Record the labels of the current post, save the file, move to the next post.

        Args:
            labels: Label column -> value (flags: True/False/None or ``yes``/``no``/``""``;
                sentiment: a class or None/``""``). Columns not given are left as they are;
                None or ``""`` clears a label.

        Returns:
            The label file written.

        Raises:
            ValueError: For an unknown column or value, or when past the last post.
        """
        if self.done:
            raise ValueError("no post to answer: all posts seen; go back first")
        unknown = set(labels) - set(LABEL_COLUMNS)
        if unknown:
            raise ValueError(
                f"unknown label column(s): {', '.join(sorted(unknown))}; "
                f"use {', '.join(LABEL_COLUMNS)}"
            )
        values = {c: _format_label(c, v) for c, v in labels.items()}
        for column, value in values.items():
            self._rows.iat[self.position, self._rows.columns.get_loc(column)] = value
        path = self.save()
        self.position += 1
        return path

    def skip(self) -> None:
        """Move to the next post without changing the current one's labels."""
        self.position = min(self.position + 1, len(self._rows))

    def back(self) -> None:
        """Move to the previous post (its answers are shown and can be changed)."""
        self.position = max(self.position - 1, 0)

    def save(self) -> Path:
        """Write the label file now (atomic)."""
        return write_label_rows(self._rows, self.path)


# --- the view ---------------------------------------------------------------------------------


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise ResourceMissingError(
            "the labelling widget needs ipywidgets, which is not installed; run "
            "`pip install 'socialcrm-utils[lab]'` (the lab extra) and restart the kernel"
        ) from None
    return ipywidgets


class LabelWidget:
    """A thin ipywidgets view of a :class:`LabelSession`: display it, click, the file is saved.

    Every button calls one session method and redraws (:meth:`on_save`, :meth:`on_skip`,
    :meth:`on_back`); tests call those handlers as a click would.

    Args:
        session: The session shown.

    Raises:
        ResourceMissingError: If ipywidgets is not installed.
    """

    def __init__(self, session: LabelSession) -> None:
        widgets = _ipywidgets()
        self.session = session
        self.header = widgets.HTML()
        self.text = widgets.HTML()
        self.details = widgets.HTML()
        unsure = ("not sure", "")
        self.flags = {
            name: widgets.ToggleButtons(
                options=[unsure, ("yes", "yes"), ("no", "no")], description=name
            )
            for name in FLAG_LABELS
        }
        self.sentiment = widgets.ToggleButtons(
            options=[unsure, *((c, c) for c in SENTIMENT_CLASSES)], description="sentiment"
        )
        self.back_button = widgets.Button(description="Back", icon="arrow-left")
        self.skip_button = widgets.Button(description="Skip", icon="forward")
        self.save_button = widgets.Button(
            description="Save and next", icon="check", button_style="success"
        )
        self.back_button.on_click(self.on_back)
        self.skip_button.on_click(self.on_skip)
        self.save_button.on_click(self.on_save)
        self.progress = widgets.Label()
        self.status = widgets.Label()
        self.view = widgets.VBox(
            [
                self.progress,
                self.header,
                self.text,
                self.details,
                *self.flags.values(),
                self.sentiment,
                widgets.HBox([self.back_button, self.skip_button, self.save_button]),
                self.status,
            ]
        )
        self.render()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the widget itself (``display(widget)`` or a cell's last value)."""
        return self.view._repr_mimebundle_(**kwargs)

    def form_values(self) -> dict[str, str]:
        """The answers the buttons show: label column -> ``yes``/``no``/sentiment/``""``."""
        return {
            **{name: toggle.value for name, toggle in self.flags.items()},
            "sentiment": self.sentiment.value,
        }

    def set_form(self, answer: Mapping[str, str]) -> None:
        """Set the buttons to an answer (a post's labels so far; missing columns: not sure)."""
        for name, toggle in self.flags.items():
            toggle.value = answer.get(name, "")
        self.sentiment.value = answer.get("sentiment", "")

    def on_save(self, _button: object = None) -> None:
        """Save-and-next: record the buttons' answers, write the file, show the next post."""
        try:
            path = self.session.answer(self.form_values())
        except (OSError, ValueError) as exc:  # shown in the widget: callbacks have no cell
            logger.warning("label not saved: %s", exc)
            self.status.value = f"not saved: {exc}"
            return
        self.render()
        self.status.value = f"saved to {path}"

    def on_skip(self, _button: object = None) -> None:
        """Skip: show the next post, this one's labels unchanged."""
        self.session.skip()
        self.render()

    def on_back(self, _button: object = None) -> None:
        """Back: show the previous post with its labels."""
        self.session.back()
        self.render()

    def render(self) -> None:
        """Draw the session's current post, its labels and the progress line."""
        self.progress.value = self.session.progress_text()
        self.status.value = ""
        post = self.session.current()
        self.save_button.disabled = self.skip_button.disabled = post is None
        self.back_button.disabled = self.session.position == 0
        if post is None:
            self.header.value = "<b>All posts seen.</b>"
            self.text.value = (
                f"Labels are in <code>{html.escape(str(self.session.path))}"
                "</code>; name the file in <code>listening.labels</code> and "
                "run step 3 again."
            )
            self.details.value = ""
            self.set_form({})
            return
        where = " · ".join(p for p in (post.platform, post.lang, post.mention_id) if p)
        self.header.value = f"<b>{html.escape(where)}</b>"
        self.text.value = f"<blockquote>{html.escape(post.text)}</blockquote>"
        guess = html.escape(post.guess or "not in the mentions of this run")
        self.details.value = (
            f"<i>current guess:</i> {guess}<br>"
            f"<i>suggested because:</i> {html.escape(post.reason or '-')}"
        )
        self.set_form(post.answer)


def start_labelling(
    scored: pd.DataFrame,
    path: Path | str,
    *,
    classifier: Any = None,
    labels: pd.DataFrame | None = None,
    n: int = 200,
) -> LabelWidget:
    """Suggest posts as ``socialcrm label`` does, resume ``path`` and return the widget.

    Args:
        scored: The scored mentions (notebook 03's ``scored`` after learning).
        path: The label file to fill (see :func:`default_label_file`).
        classifier: The fitted classifier (``learned.classifier``), or None.
        labels: Labels already given (``learned.labels``): those posts are not suggested.
        n: How many posts the file should hold.

    Returns:
        The :class:`LabelWidget` (display it).

    Raises:
        ResourceMissingError: If ipywidgets is not installed (checked before any work).
        LabelFileError: If the existing file cannot be read as a label file.
    """
    _ipywidgets()
    suggested = suggest_labels(scored, classifier, n=n, labels=labels)
    session = LabelSession.open(path, suggested, n, scored=scored, classifier=classifier)
    logger.info("labelling %s: %s", session.path, session.progress_text())
    return LabelWidget(session)
