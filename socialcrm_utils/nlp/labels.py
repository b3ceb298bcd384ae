"""Label files: the client's own judgments of mentions, read and checked.

A label file is a CSV (``,`` or ``;`` separated, UTF-8 with or without BOM) with a
``mention_id`` column and any of the label columns :data:`FLAG_LABELS` (``complaint``,
``question``, ``praise``, ``lead``: yes/no, true/false, 1/0, ja/nein, y/n, j/n; case and
surrounding blanks do not matter; empty means "not labelled") and ``sentiment``
(negative/neutral/positive, also German negativ/neutral/positiv). The context columns of
``labels_todo.csv`` (:data:`CONTEXT_COLUMNS`: ``platform``, ``lang``, ``text_redacted`` ...)
may stay in the file and are ignored; any other column is an error, so a typo
(``complain``) never silently drops labels.

Every problem is one line naming the file, the row (the line number a spreadsheet shows: the
header is row 1) and the column, e.g. ``labels.csv, row 4, column complaint: 'maybe' is not
a label; use yes/no, true/false, 1/0, ja/nein or leave it empty``. :func:`read_labels` raises
it as :class:`LabelFileError`; :func:`load_labels` collects it, goes on with the other files
and the caller goes on with the rules where labels cannot be used. Ids not in the mentions are
counted and reported (:class:`LabelReport`), never fatal. See ``docs/learning.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import LabelFileError

__all__ = [
    "FLAG_LABELS",
    "SENTIMENT_CLASSES",
    "LABEL_COLUMNS",
    "CONTEXT_COLUMNS",
    "LabelFileError",
    "LabelReport",
    "read_labels",
    "load_labels",
    "hash_label_files",
    "empty_labels",
]

logger = logging.getLogger(__name__)

#: Yes/no labels, one per intent flag (``is_complaint`` ... of the scored mentions).
FLAG_LABELS: tuple[str, ...] = ("complaint", "question", "praise", "lead")
#: The classes of the ``sentiment`` label.
SENTIMENT_CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
#: Every label column, flags first.
LABEL_COLUMNS: tuple[str, ...] = (*FLAG_LABELS, "sentiment")
#: Columns a label file may carry for the person labelling; they are read and ignored.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "platform",
    "lang",
    "text",
    "text_redacted",
    "created_at",
    "author_name",
    "url",
    "note",
)

_YES = frozenset({"yes", "y", "true", "t", "1", "ja", "j", "x"})
_NO = frozenset({"no", "n", "false", "f", "0", "nein"})
_SENTIMENT = {
    "negative": "negative",
    "negativ": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "positiv": "positive",
    "pos": "positive",
}
_FLAG_HELP = "use yes/no, true/false, 1/0, ja/nein or leave it empty"
_SENTIMENT_HELP = "use negative, neutral or positive or leave it empty"


@dataclass
class LabelReport:
    """What :func:`load_labels` read and used.

    Attributes:
        files: The label files, as given.
        rows: Data rows read from the files that could be used.
        labelled: Mentions with at least one label (distinct ids found in the mentions).
        unknown_ids: Labelled ids not in the mentions (counted, not fatal).
        unknown_examples: Up to five of them, for the message.
        counts: Label -> value -> count over the matched mentions (``{"complaint":
            {"yes": 12, "no": 30}, "sentiment": {"negative": 9, ...}}``).
        errors: One line per problem that made a file (or a conflicting value) unusable.
    """

    files: list[str] = field(default_factory=list)
    rows: int = 0
    labelled: int = 0
    unknown_ids: int = 0
    unknown_examples: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence for a notebook or the log.

        Examples:
            >>> LabelReport(files=["a.csv"], rows=3, labelled=2, unknown_ids=1).summary()
            '1 label file(s), 3 rows: 2 labelled mentions used, 1 id(s) not in the data'
        """
        text = (
            f"{len(self.files)} label file(s), {self.rows} rows: {self.labelled} labelled "
            f"mentions used, {self.unknown_ids} id(s) not in the data"
        )
        if self.errors:
            text += f"; {len(self.errors)} problem(s): " + " | ".join(self.errors)
        return text


def empty_labels() -> pd.DataFrame:
    """A label frame without rows: ``mention_id``, the flags (boolean) and ``sentiment``.

    Examples:
        >>> list(empty_labels().columns)
        ['mention_id', 'complaint', 'question', 'praise', 'lead', 'sentiment']
    """
    frame = pd.DataFrame({"mention_id": pd.Series(dtype="string")})
    for name in FLAG_LABELS:
        frame[name] = pd.Series(dtype="boolean")
    frame["sentiment"] = pd.Series(dtype="string")
    return frame


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _parse_flag(value: str, where: str) -> bool | None:
    word = value.strip().lower()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise LabelFileError(f"{where}: {value.strip()!r} is not a label; {_FLAG_HELP}")


def _parse_sentiment(value: str, where: str) -> str | None:
    word = value.strip().lower()
    if not word:
        return None
    if word in _SENTIMENT:
        return _SENTIMENT[word]
    raise LabelFileError(f"{where}: {value.strip()!r} is not a sentiment; {_SENTIMENT_HELP}")


def _show(value: object) -> str:
    if value is None or value is pd.NA:
        return "empty"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def _open_label_csv(path: Path) -> tuple[Iterable[list[str]], list[str]]:
    """A label file's CSV reader (positioned after the header) and its checked header.

    Raises:
        LabelFileError: If the file is missing or empty, has no ``mention_id`` column, an
            unknown column or a column twice.
    """
    name = str(path)
    if not path.is_file():
        raise LabelFileError(
            f"{name}: label file not found; check listening.labels in the playbook"
        )
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        content = path.read_bytes().decode("cp1252")
    if not content.strip():
        raise LabelFileError(
            f"{name}: the label file is empty; it needs a header row with mention_id and label "
            "columns (complaint, question, praise, lead, sentiment)"
        )
    lines = content.splitlines()
    reader = csv.reader(io.StringIO(content), delimiter=_sniff_separator(lines[0]))
    header = [h.strip().lower() for h in next(reader)]
    if "mention_id" not in header:
        raise LabelFileError(
            f"{name}, row 1: no mention_id column (found: {', '.join(header)}); the first row "
            "must name the columns, one of them mention_id"
        )
    allowed = ("mention_id", *LABEL_COLUMNS, *CONTEXT_COLUMNS)
    for column in header:
        if column not in allowed:
            raise LabelFileError(
                f"{name}, row 1, column {column or '(empty)'}: unknown column; allowed: "
                f"mention_id, {', '.join(LABEL_COLUMNS)} (and {', '.join(CONTEXT_COLUMNS)}, "
                "which are ignored)"
            )
    seen = [c for c in header if header.count(c) > 1]
    if seen:
        raise LabelFileError(f"{name}, row 1, column {seen[0]}: the column appears twice")
    return reader, header


def read_labels(path: Path | str) -> pd.DataFrame:
    """Read one label file and check every row.

    Rows with the same ``mention_id`` are merged; a column labelled differently in two of them
    is an error. Rows without any label are kept out.

    Args:
        path: The CSV file.

    Returns:
        One row per labelled mention: ``mention_id`` (string), the columns of
        :data:`FLAG_LABELS` (nullable boolean, NA = not labelled) and ``sentiment`` (string,
        NA = not labelled); the file's row number of each id's first row in the index.

    Raises:
        LabelFileError: If the file is missing or empty, has no ``mention_id`` column, has an
            unknown column, an unknown value, an empty ``mention_id`` in a labelled row, or one
            id labelled two ways. The message is one line naming file, row and column.

    Examples:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "labels.csv")
        >>> _ = open(path, "w").write("mention_id;Complaint;sentiment\\nm1;ja;negativ\\nm2;no;\\n")
        >>> read_labels(path)
          mention_id  complaint  question  praise  lead sentiment
        2         m1       True      <NA>    <NA>  <NA>  negative
        3         m2      False      <NA>    <NA>  <NA>      <NA>
    """
    name = str(path)
    reader, header = _open_label_csv(Path(path))
    positions = {c: header.index(c) for c in ("mention_id", *LABEL_COLUMNS) if c in header}
    records: dict[str, dict[str, object]] = {}
    first_row: dict[str, int] = {}
    where_set: dict[tuple[str, str], int] = {}
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        fields = fields + [""] * (len(header) - len(fields))
        values: dict[str, object] = {}
        for column, index in positions.items():
            if column == "mention_id":
                continue
            where = f"{name}, row {number}, column {column}"
            parse = _parse_sentiment if column == "sentiment" else _parse_flag
            value = parse(fields[index], where)
            if value is not None:
                values[column] = value
        mention_id = fields[positions["mention_id"]].strip()
        if mention_id.startswith("'"):  # written with the CSV-injection guard (artifacts)
            mention_id = mention_id[1:]
        if not mention_id:
            if values:
                raise LabelFileError(
                    f"{name}, row {number}, column mention_id: empty; every labelled row needs "
                    "the mention_id of its post"
                )
            continue
        if not values:
            continue
        record = records.setdefault(mention_id, {})
        first_row.setdefault(mention_id, number)
        for column, value in values.items():
            if column in record and record[column] != value:
                raise LabelFileError(
                    f"{name}, row {number}, column {column}: mention_id {mention_id!r} is "
                    f"labelled {_show(value)} here and {_show(record[column])} in row "
                    f"{where_set[(mention_id, column)]}; keep one"
                )
            record[column] = value
            where_set.setdefault((mention_id, column), number)
    frame = empty_labels()
    if records:
        rows = [{"mention_id": key, **value} for key, value in records.items()]
        frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)[list(frame.columns)]
        frame = frame.astype(
            {"mention_id": "string", "sentiment": "string", **{c: "boolean" for c in FLAG_LABELS}}
        )
        frame.index = pd.Index([first_row[key] for key in records], name=None)
    logger.debug("%s: %d labelled mentions", name, len(frame))
    return frame


def hash_label_files(paths: Iterable[Path | str]) -> str:
    """SHA-256 of the label files' bytes, in the given order (missing files count as absent).

    Args:
        paths: The label files.

    Returns:
        ``"sha256:<hex>"``; the same files with the same bytes give the same hash.

    Examples:
        >>> hash_label_files([])[:10]
        'sha256:e3b'
    """
    digest = hashlib.sha256()
    for path in paths:
        path = Path(path)
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def _count(labels: pd.DataFrame) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in FLAG_LABELS:
        values = labels[name].dropna()
        if len(values):
            counts[name] = {"yes": int(values.sum()), "no": int((~values).sum())}
    sentiment = labels["sentiment"].dropna()
    if len(sentiment):
        counts["sentiment"] = {c: int((sentiment == c).sum()) for c in SENTIMENT_CLASSES}
    return counts


def load_labels(
    paths: Sequence[Path | str], mentions: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, LabelReport]:
    """Read every label file, merge them and keep the ids found in the mentions.

    Never raises for a bad file: its one-line problem goes to ``report.errors`` (and the log)
    and the other files are used. An id labelled differently in two files keeps neither value
    for that column (an error line names both files). Ids not in ``mentions`` are counted in
    ``report.unknown_ids``.

    Args:
        paths: The label files (the playbook's ``listening.labels``).
        mentions: The mentions the labels are about (needs ``mention_id``); None keeps every id.

    Returns:
        ``(labels, report)``: labels as :func:`read_labels` returns them (fresh index), one row
        per labelled mention found in ``mentions``; and the :class:`LabelReport`.

    Examples:
        >>> labels, report = load_labels(["no/such/file.csv"])
        >>> len(labels), report.errors
        (0, ['no/such/file.csv: label file not found; check listening.labels in the playbook'])
    """
    report = LabelReport(files=[str(p) for p in paths])
    merged: dict[str, dict[str, object]] = {}
    origin: dict[tuple[str, str], str] = {}
    dropped: set[tuple[str, str]] = set()
    for path in paths:
        try:
            frame = read_labels(path)
        except LabelFileError as exc:
            report.errors.append(str(exc))
            logger.warning("label file not used: %s", exc)
            continue
        report.rows += len(frame)
        for row in frame.itertuples(index=True):
            record = merged.setdefault(row.mention_id, {})
            for column in LABEL_COLUMNS:
                value = getattr(row, column)
                if value is pd.NA or (column, row.mention_id) in dropped:
                    continue
                key = (row.mention_id, column)
                if column in record and record[column] != value:
                    message = (
                        f"{path}, row {row.Index}, column {column}: mention_id "
                        f"{row.mention_id!r} is labelled {_show(value)} here and "
                        f"{_show(record[column])} in {origin[key]}; neither is used"
                    )
                    report.errors.append(message)
                    logger.warning("%s", message)
                    del record[column]
                    dropped.add((column, row.mention_id))
                    continue
                record[column] = value
                origin.setdefault(key, str(path))
    labels = empty_labels()
    rows = [{"mention_id": key, **value} for key, value in merged.items() if value]
    if rows:
        labels = pd.concat([labels, pd.DataFrame(rows)], ignore_index=True)[list(labels.columns)]
        labels = labels.astype(
            {"mention_id": "string", "sentiment": "string", **{c: "boolean" for c in FLAG_LABELS}}
        )
    if mentions is not None:
        ids = pd.Index(mentions["mention_id"].astype(str).unique())
        known = pd.Series(
            ids.get_indexer(labels["mention_id"].astype(str).to_numpy(dtype=object)) >= 0,
            index=labels.index,
        )  # one hash look-up (isin against a million Arrow strings lists them in Python)
        report.unknown_ids = int((~known).sum())
        report.unknown_examples = labels.loc[~known, "mention_id"].head(5).tolist()
        if report.unknown_ids:
            logger.warning(
                "%d labelled id(s) not in the mentions, e.g. %s",
                report.unknown_ids,
                ", ".join(report.unknown_examples),
            )
        labels = labels[known].reset_index(drop=True)
    report.labelled = len(labels)
    report.counts = _count(labels)
    return labels, report
