"""Step 2: the method's reference figures (data/benchmarks.yaml) and the client's figure
the best known one is compared with."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ...config import BENCHMARKS_FILE
from ...conversations import assign_conversations
from ...exceptions import BenchmarkError
from ...metrics import select_population

logger = logging.getLogger(__name__)

#: The reference figures shipped with the suite.
BENCHMARKS_PATH: Path = BENCHMARKS_FILE

_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_UNITS = ("share", "USD per contact", "list")


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    de: str = Field(min_length=1)


class _Benchmark(BaseModel):
    """One reference figure of ``benchmarks.yaml`` (see the comment at the top of the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    step: int = Field(ge=1, le=6)
    value: float | None
    unit: Literal[_UNITS]  # type: ignore[valid-type]
    items: list[str] = Field(default_factory=list)
    label: _Text
    wording: _Text
    source: str = Field(min_length=1)
    verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _Benchmark:
        if not _ID_RE.fullmatch(self.id):
            raise ValueError(f"id {self.id!r} must be lower-case letters, digits and underscores")
        if self.unit == "list":
            if self.value is not None or not self.items:
                raise ValueError("unit list needs items and value: null")
        elif self.items:
            raise ValueError(f"items are only for unit list, not {self.unit!r}")
        if self.unit == "share" and (self.value is None or not 0 <= self.value <= 1):
            raise ValueError(f"value {self.value!r} is not a share (allowed: 0 to 1, e.g. 0.25)")
        if self.value is not None and self.value < 0:
            raise ValueError(f"value {self.value!r} must not be negative")
        return self


def _describe_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        parts.append(f"{key}: {message}" if key else message)
    return "; ".join(parts)


def load_benchmarks(path: str | Path | None = None) -> pd.DataFrame:
    """Load and check the method's reference figures (``data/benchmarks.yaml``).

    Args:
        path: The YAML file (default: :data:`BENCHMARKS_PATH`).

    Returns:
        One row per figure, in file order: ``id``, ``step``, ``value`` (float, NaN when the
        method gives no number), ``unit``, ``items`` (list), ``label_en``, ``label_de``,
        ``wording_en``, ``wording_de``, ``source``, ``verified``, ``note``.

    Raises:
        BenchmarkError: On one line, naming the file and the entry (number and id) and what is
            wrong: missing file, invalid YAML, unknown or missing keys, a share outside 0-1, a
            duplicate id.

    Examples:
        >>> row = load_benchmarks().set_index("id").loc["negative_posts_answered"]
        >>> float(row["value"]), row["unit"], bool(row["verified"])
        (0.25, 'share', False)
    """
    path = Path(path) if path is not None else BENCHMARKS_PATH
    if not path.is_file():
        raise BenchmarkError(f"{path}: benchmarks file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise BenchmarkError(
            f"{path}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}"
        ) from None
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BenchmarkError(f"{path}: expected a non-empty list under 'benchmarks:'")
    rows, seen = [], {}
    for number, entry in enumerate(entries, start=1):
        name = entry.get("id") if isinstance(entry, dict) else None
        where = f"{path}: entry {number}" + (f" ({name})" if name else "")
        if not isinstance(entry, dict):
            raise BenchmarkError(f"{where}: expected a mapping of keys (id:, value:, ...)")
        try:
            item = _Benchmark.model_validate(entry)
        except ValidationError as exc:
            raise BenchmarkError(f"{where}: {_describe_error(exc)}") from None
        if item.id in seen:
            raise BenchmarkError(f"{where}: duplicate id (first used by entry {seen[item.id]})")
        seen[item.id] = number
        rows.append(
            {
                "id": item.id,
                "step": item.step,
                "value": math.nan if item.value is None else item.value,
                "unit": item.unit,
                "items": list(item.items),
                "label_en": item.label.en,
                "label_de": item.label.de,
                "wording_en": item.wording.en,
                "wording_de": item.wording.de,
                "source": item.source,
                "verified": item.verified,
                "note": item.note,
            }
        )
    logger.debug("loaded %d benchmarks from %s", len(rows), path)
    return pd.DataFrame(rows)


def context_line(
    benchmarks: pd.DataFrame, benchmark_id: str, lang: str = "en"
) -> tuple[float, str]:
    """A reference figure as a chart's context line: its value and a label that says what it is.

    Draw it with :func:`socialcrm_utils.plots.add_context_line`. The label is the figure's
    short ``label`` in ``lang``, marked "(source not verified)" unless the file says verified.

    Args:
        benchmarks: Output of :func:`load_benchmarks`.
        benchmark_id: The figure's ``id``.
        lang: ``en`` or ``de``.

    Returns:
        ``(value, label)``.

    Raises:
        BenchmarkError: If the id is unknown or the figure has no number.

    Examples:
        >>> context_line(load_benchmarks(), "negative_posts_answered")
        (0.25, 'study: 25% of negative public posts answered (source not verified)')
    """
    match = benchmarks[benchmarks["id"] == benchmark_id]
    if match.empty:
        raise BenchmarkError(
            f"unknown benchmark id {benchmark_id!r} (allowed: {', '.join(benchmarks['id'])})"
        )
    row = match.iloc[0]
    if pd.isna(row["value"]):
        raise BenchmarkError(
            f"benchmark {benchmark_id!r} has no number to draw (unit: {row['unit']})"
        )
    unverified = {"en": " (source not verified)", "de": " (Quelle nicht geprüft)"}
    label = row[f"label_{lang}"] + ("" if row["verified"] else unverified[lang])
    return float(row["value"]), label


def measure_answered_negatives(
    scored: pd.DataFrame, by: str | None = "platform", total: bool = True
) -> pd.DataFrame:
    """The client's share of negative public posts it answered (the method's 25% reference).

    A negative post is a customer post about the brand (:func:`metrics.select_population`, the
    population of every KPI) with
    ``sentiment_label`` ``negative``. It is answered when a brand post in the same conversation
    (:func:`sla.assign_conversations`) came after it. Unscored posts (languages without a
    sentiment model) are left out. Every mention counts as public: the canonical table does not
    tell DMs apart, so on a source of DMs this is the share of all negative posts.

    Args:
        scored: Scored mentions (step 3: ``is_brand``, ``sentiment_label``, ``mentions_brand``,
            ``competitor``, ``created_at``, ``mention_id``; reply links when present).
        by: Column to group by (e.g. ``platform``), or None for one row over everything.
        total: With ``by``, add a last row over everything, labelled ``all``.

    Returns:
        ``by`` (when given), ``negative_posts``, ``answered``, ``answered_share`` (NaN when
        there is no negative post).

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4"],
        ...     "in_reply_to_id": [None, "1", None, None], "platform": ["x", "x", "x", "y"],
        ...     "is_brand": [False, True, False, False],
        ...     "mentions_brand": [True, False, True, True],
        ...     "competitor": [None, None, None, None],
        ...     "sentiment_label": ["negative", "neutral", "negative", "negative"],
        ...     "created_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00",
        ...                                   "2026-01-05 12:00", "2026-01-05 13:00"], utc=True)})
        >>> measure_answered_negatives(df).values.tolist()
        [['x', 2, 1, 0.5], ['y', 1, 0, 0.0], ['all', 3, 1, 0.3333333333333333]]
    """
    conversation = assign_conversations(scored).to_numpy()
    created = pd.to_datetime(scored["created_at"], utc=True)
    brand = scored["is_brand"].fillna(False).astype(bool).to_numpy()
    last_brand = created[brand].groupby(conversation[brand]).max()
    last_reply = pd.Series(last_brand.reindex(conversation).array, index=scored.index)
    negative = select_population(scored) & (scored["sentiment_label"] == "negative").fillna(False)
    frame = pd.DataFrame(
        {
            "negative_posts": negative.astype("int64"),
            "answered": (negative & (last_reply > created).fillna(False)).astype("int64"),
        },
        index=scored.index,
    )
    keys = [] if by is None else [by]
    for key in keys:
        frame[key] = scored[key].astype("string").fillna("unknown")
    frame = frame[negative.to_numpy()]
    if keys:
        table = frame.groupby(keys, sort=True)[["negative_posts", "answered"]].sum().reset_index()
        if total:
            overall = pd.DataFrame(
                {
                    by: ["all"],
                    "negative_posts": [int(frame["negative_posts"].sum())],
                    "answered": [int(frame["answered"].sum())],
                }
            )
            table = pd.concat([table, overall], ignore_index=True)
    else:
        table = pd.DataFrame(
            {
                "negative_posts": [int(frame["negative_posts"].sum())],
                "answered": [int(frame["answered"].sum())],
            }
        )
    table["negative_posts"] = table["negative_posts"].astype("int64")
    table["answered"] = table["answered"].astype("int64")
    posts = table["negative_posts"]
    table["answered_share"] = (table["answered"] / posts.where(posts > 0)).astype(float)
    return table
