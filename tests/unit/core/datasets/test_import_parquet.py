"""Parquet through pyarrow: batches, JSON forms of wider types, bad files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.core.datasets.importers import ImportOptions, detect_format, open_source
from app.core.datasets.records import BadRecordPolicy, InvalidRecord, InvalidSource

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


def test_shipped_table_types_become_json() -> None:
    records = list(
        open_source(FIXTURES / "table.parquet", options=ImportOptions(parquet_batch_rows=2))
    )
    assert [r.data for r in records] == [
        {
            "id": 1,
            "text": "a",
            "score": 0.5,
            "when": "2024-01-02T03:04:05",
            "price": "1.10",
            "blob": "AAE=",
            "tags": ["x"],
        },
        {
            "id": 2,
            "text": "b",
            "score": None,
            "when": None,
            "price": "2.00",
            "blob": None,
            "tags": [],
        },
        {
            "id": 3,
            "text": None,
            "score": 1.5,
            "when": "2025-06-07T00:00:00",
            "price": None,
            "blob": "aGk=",
            "tags": None,
        },
    ]
    assert [r.location.line for r in records] == [None, None, None]
    assert [r.location.index for r in records] == [0, 1, 2]


def test_maps_structs_and_dates(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table(
        {
            "m": pa.array([[("k", 1)], []], type=pa.map_(pa.string(), pa.int64())),
            "s": [{"x": 1, "y": "a"}, {"x": 2, "y": None}],
            "d": [dt.date(2020, 1, 31), None],
            "dur": pa.array([dt.timedelta(seconds=90), None]),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    assert [r.data for r in open_source(path)] == [
        {"m": {"k": 1}, "s": {"x": 1, "y": "a"}, "d": "2020-01-31", "dur": 90.0},
        {"m": {}, "s": {"x": 2, "y": None}, "d": None, "dur": None},
    ]


def test_infinite_number_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "inf.parquet"
    pq.write_table(pa.table({"v": [1.0, float("inf"), 2.0]}), path)
    with pytest.raises(InvalidRecord, match="record 2: a number is infinite"):
        list(open_source(path))
    policy = BadRecordPolicy.skip()
    assert [r.data for r in open_source(path, policy=policy)] == [{"v": 1.0}, {"v": 2.0}]


def test_many_row_groups_stream_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "many.parquet"
    pq.write_table(pa.table({"n": list(range(10_000))}), path, row_group_size=1000)
    events = []
    records = list(
        open_source(path, options=ImportOptions(parquet_batch_rows=256), progress=events.append)
    )
    assert [r.data["n"] for r in records] == list(range(10_000))
    assert events[-1].done == path.stat().st_size


def test_not_parquet_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"PAR1 this is not really parquet at all")
    with pytest.raises(InvalidSource, match="is not a valid Parquet file"):
        list(open_source(path))
    truncated = tmp_path / "cut.parquet"
    truncated.write_bytes((FIXTURES / "table.parquet").read_bytes()[:-100])
    with pytest.raises(InvalidSource, match="Parquet"):
        list(open_source(truncated))


def test_detected_by_magic_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "table"
    path.write_bytes((FIXTURES / "table.parquet").read_bytes())
    assert detect_format(path) == "parquet"
    assert len(list(open_source(path))) == 3
