"""artifacts: CSV text of datetime columns is exactly what pandas writes, only faster."""

from __future__ import annotations

import pandas as pd
import pytest

from socialcrm_utils.artifacts import read_artifact, write_artifact

_TIMES = {
    "seconds": ["2026-08-30 22:00:00", None, "2026-12-31 23:59:59"],
    "milliseconds": ["2026-08-30 22:00:00.250", "2026-08-30 22:00:01", None],
    "microseconds": ["2026-01-01 00:00:00.000001", None, "2026-01-01 00:00:00"],
    "nanoseconds": ["2026-01-01 00:00:00.000000001", "2026-01-01", None],
    "all missing": [None, None, None],
    "no rows": [],
}


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
@pytest.mark.parametrize("case", list(_TIMES))
def test_csv_datetimes_are_written_as_pandas_writes_them(tmp_path, case, unit):
    if case == "nanoseconds" and unit != "ns":
        pytest.skip("nanoseconds need a nanosecond column")
    utc = pd.to_datetime(pd.Series(_TIMES[case]), utc=True, format="ISO8601").astype(
        f"datetime64[{unit}, UTC]"
    )
    frame = pd.DataFrame(
        {
            "utc": utc,
            "berlin": utc.dt.tz_convert("Europe/Berlin"),  # left to pandas
            "naive": utc.dt.tz_localize(None),  # left to pandas
            "label": ["a", None, "c"][: len(utc)],
        }
    )
    path = write_artifact(frame, tmp_path, "x.csv")
    assert path.read_text() == frame.to_csv(index=False)


def test_csv_datetimes_by_hand(tmp_path):
    frame = pd.DataFrame({"at": pd.to_datetime(["2026-03-01 10:00:00.5", None], utc=True)})
    write_artifact(frame, tmp_path, "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines() == [
        "at",
        "2026-03-01 10:00:00.500+00:00",
        '""',
    ]  # a lone empty field is quoted
    back = read_artifact(tmp_path, "x.csv")
    assert pd.to_datetime(back["at"], utc=True).iloc[0] == frame["at"].iloc[0]
