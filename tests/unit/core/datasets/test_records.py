"""The record model: locations, rejections, the bad-record policy."""

from __future__ import annotations

import pickle

import pytest

from app.core.datasets.records import (
    BadRecordPolicy,
    EncodingUnsure,
    ImportedRecord,
    InvalidRecord,
    InvalidSource,
    RecordRejected,
    SourceLocation,
    UnsafeArchive,
)
from app.core.errors import InvalidInput, TesseraError


def test_location_describes_line_or_record() -> None:
    assert SourceLocation("a.csv", 12, 10).describe() == "a.csv, line 12"
    assert SourceLocation("t.parquet", None, 4).describe() == "t.parquet, record 5"


def test_records_and_rejections_pickle_for_worker_processes() -> None:
    record = ImportedRecord({"a": [1, 2.5, None, "x"]}, SourceLocation("f.jsonl", 3, 2))
    rejected = RecordRejected(SourceLocation("f.jsonl", 4, 3), "not valid JSON")
    assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301 (our own bytes)
    assert pickle.loads(pickle.dumps(rejected)) == rejected  # noqa: S301 (our own bytes)
    assert record.location.index == 2


def test_fail_fast_policy_raises_naming_file_and_line() -> None:
    policy = BadRecordPolicy.fail_fast()
    rejected = RecordRejected(
        SourceLocation("data.csv", 7, 5), "the row has 3 fields, the header has 2"
    )
    with pytest.raises(InvalidRecord) as caught:
        policy.reject(rejected)
    assert isinstance(caught.value, InvalidInput)
    assert "data.csv, line 7: the row has 3 fields" in str(caught.value)
    assert caught.value.location == rejected.location
    assert caught.value.hint is not None


def test_skip_policy_counts_all_and_keeps_the_first_details() -> None:
    policy = BadRecordPolicy.skip(max_details=2)
    for line in range(1, 6):
        policy.reject(
            RecordRejected(SourceLocation("f", line, line - 1), f"the row has {line} fields")
        )
    report = policy.report()
    assert report.total == 5
    assert policy.rejected == 5
    assert [r.location.line for r in report.details] == [1, 2]
    assert report.truncated
    assert report.by_reason == {"the row has N fields": 5}


def test_reasons_group_without_losing_encoding_names() -> None:
    policy = BadRecordPolicy.skip()
    policy.reject(
        RecordRejected(SourceLocation("f", 1, 0), "not valid UTF-8 text (byte 7 of the line)")
    )
    policy.reject(
        RecordRejected(SourceLocation("f", 2, 1), "not valid UTF-8 text (byte 9 of the line)")
    )
    assert policy.report().by_reason == {"not valid UTF-8 text (byte N of the line)": 2}


def test_source_errors_skip_only_when_allowed() -> None:
    empty = InvalidSource("a.csv", "the file is empty", skippable=True)
    unsafe = UnsafeArchive("a.zip", "points outside the archive's folder", entry="../x")
    skip = BadRecordPolicy.skip()
    skip.reject_source(empty)
    assert skip.report().details[0].reason == "the file is empty"
    with pytest.raises(UnsafeArchive):
        skip.reject_source(unsafe)
    with pytest.raises(InvalidSource):
        BadRecordPolicy.fail_fast().reject_source(empty)
    assert "'../x'" in str(unsafe)


def test_encoding_unsure_asks_for_an_encoding() -> None:
    error = EncodingUnsure("people.csv", line=3)
    assert isinstance(error, TesseraError)
    assert str(error).startswith("people.csv, line 3: the text is not UTF-8")
    assert "--encoding" in str(error)
