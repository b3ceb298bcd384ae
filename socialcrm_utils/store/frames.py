"""DataFrame columns to database values and back (the store's row conversions).

Every write of the store takes its rows from a frame through these helpers (strings with
None for missing values, booleans, floats, UTC timestamps) and every read makes a frame of
result rows with ``datetime64[ns, UTC]`` timestamps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .schema import UNKNOWN_PLATFORM, StoreError, UnredactedTextError


def _check_redacted(frame: pd.DataFrame) -> None:
    if "text" in frame.columns and "text_redacted" not in frame.columns:
        raise UnredactedTextError(
            "the mentions have raw 'text' but no 'text_redacted': the store keeps PII-redacted "
            "text only; pass step 3's scored mentions (listening.score_mentions redacts them)"
        )


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise StoreError(
            f"the {what} lack column(s) {', '.join(missing)} "
            f"(they have: {', '.join(map(str, frame.columns))})"
        )


def _strings(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[column]
    out = values.astype("string").astype(object)
    return out.where(values.notna(), None)


def _texts(frame: pd.DataFrame, column: str) -> pd.Series:
    """:func:`_strings` in pandas' string dtype (missing: ``<NA>``): a million values stay in
    Arrow buffers instead of becoming a million Python strings (about 65 MB a column); the
    driver gets the same Python strings, a slice at a time (:func:`.sql._driver_values`)."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[column].astype("string")


def _platforms(frame: pd.DataFrame, strings: Callable[..., pd.Series] = _strings) -> pd.Series:
    values = strings(frame, "platform")
    return values.where(values.notna() & (values != ""), UNKNOWN_PLATFORM)


def _flags(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[column]
    if values.dtype == bool:
        return values.copy()
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.fillna(False).astype(bool)
    return (
        values.astype("string")
        .str.strip()
        .str.lower()
        .isin(["true", "1", "yes"])
        .fillna(False)
        .astype(bool)
    )


def _floats(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _utc(values: pd.Series) -> pd.Series:
    return (
        pd.to_datetime(values, utc=True, format="mixed")
        if values.dtype == object or pd.api.types.is_string_dtype(values)
        else pd.to_datetime(values, utc=True)
    )


def _utc_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return _utc(frame[column])


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Result rows as a frame (via plain tuples: pandas is slow on Row objects)."""
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def _utc_ns(values: pd.Series) -> pd.Series:
    """Datetimes read back from the database as ``datetime64[ns, UTC]`` (the canonical dtype)."""
    return pd.to_datetime(values, utc=True).dt.as_unit("ns")


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _python_values(values: pd.Series) -> list[Any]:
    """A column as Python objects for the DB driver: None for missing, naive UTC datetimes."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values.to_numpy(dtype="datetime64[us]").tolist()
    if pd.api.types.is_float_dtype(values):
        return [None if math.isnan(v) else v for v in values.astype("float64").tolist()]
    return values.astype(object).where(values.notna(), None).tolist()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = list(frame.columns)
    data = [_python_values(frame[c]) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*data, strict=True)]


def _record_slices(frame: pd.DataFrame, size: int) -> Iterator[list[dict[str, Any]]]:
    """:func:`_records` of ``size`` rows at a time: never all rows as Python objects at once."""
    for start in range(0, len(frame), size):
        yield _records(frame.iloc[start : start + size])
