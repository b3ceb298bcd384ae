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


def test_csv_written_in_parts_is_the_whole_frames_csv(tmp_path, monkeypatch):
    import socialcrm_utils.artifacts as artifacts

    at = pd.to_datetime(
        ["2026-03-01 10:00:00", None, "2026-03-01 11:00:00", None, "2026-03-02 00:00:00"], utc=True
    )
    frame = pd.DataFrame(
        {
            "at": at,
            "late": pd.Series(at).where(
                pd.Series(range(5)) < 4, pd.Timestamp("2026-03-02 09:00:00.25", tz="UTC")
            ),
            "text": ["=HYPERLINK(1)", "ok", None, "-0.5", "@x"],
            "kind": pd.Categorical(["a", "+b", "a", "c", "+b"]),
            "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "x": [0.1, 2.5, None, -1.0, 1e-7],
        }
    )
    monkeypatch.setattr(artifacts, "CSV_PART_ROWS", 10)
    whole = write_artifact(frame, tmp_path, "whole.csv").read_bytes()
    monkeypatch.setattr(artifacts, "CSV_PART_ROWS", 2)
    parts = write_artifact(frame, tmp_path, "parts.csv").read_bytes()
    assert parts == whole
    lines = parts.decode().splitlines()
    assert lines[0] == "at,late,text,kind,n,x"
    # milliseconds only in the last part: the whole column is written with them
    assert (
        lines[1] == "2026-03-01 10:00:00+00:00,2026-03-01 10:00:00.000+00:00,'=HYPERLINK(1),a,1,0.1"
    )
    assert lines[5].startswith("2026-03-02 00:00:00+00:00,2026-03-02 09:00:00.250+00:00,'@x,'+b,5,")
    assert write_artifact(frame.iloc[:0], tmp_path, "empty.csv").read_text() == lines[0] + "\n"
    pd.testing.assert_frame_equal(
        read_artifact(tmp_path, "parts.csv"), read_artifact(tmp_path, "whole.csv")
    )


def test_share_allocator_puts_arrow_on_the_system_allocator(monkeypatch):
    import pyarrow as pa

    from socialcrm_utils.artifacts import share_allocator

    before = pa.default_memory_pool()
    try:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
        share_allocator()  # a pool named by the environment stays
        assert pa.default_memory_pool().backend_name == before.backend_name
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL")
        share_allocator()
        assert pa.default_memory_pool().backend_name == "system"
        table = pa.table({"text": ["a", "bc", None]})
        assert table.column("text").to_pylist() == ["a", "bc", None]
    finally:
        pa.set_memory_pool(before)


def test_release_memory_keeps_what_is_referenced():
    from socialcrm_utils.artifacts import release_memory

    frame = pd.DataFrame({"text": pd.array(["x" * 100] * 10_000, dtype="str"), "n": range(10_000)})
    garbage = pd.DataFrame({"text": pd.array(["y" * 100] * 10_000, dtype="str")})
    del garbage
    release_memory()
    assert frame["text"].str.len().sum() == 1_000_000 and frame["n"].sum() == 49_995_000
