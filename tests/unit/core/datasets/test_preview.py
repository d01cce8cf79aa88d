"""Preview: the first records at once, reading only what it needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.datasets.importers import ImportOptions
from app.core.datasets.preview import preview
from app.core.datasets.records import EncodingUnsure

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


def test_preview_of_a_small_file() -> None:
    shown = preview(FIXTURES / "questions.jsonl")
    assert [r.data["a"] for r in shown.records] == ["4", "Paris", "Jupiter"]
    assert shown.columns == ("q", "a", "tags", "score")
    assert not shown.more
    assert shown.rejected == ()
    assert shown.sources[0].format == "jsonl"


def test_preview_stops_at_the_limit_and_says_there_is_more(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n" + "".join(f"{n},x\n" for n in range(1000)))
    shown = preview(path, limit=10)
    assert [r.data["a"] for r in shown.records] == [str(n) for n in range(10)]
    assert shown.more
    assert shown.sources[0].delimiter == ","


def test_preview_never_reads_far(tmp_path: Path) -> None:
    """Good lines, then a gigabyte hole of NUL bytes: a preview that read on would see it."""
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"n": 1}\n' * 20_000)
        handle.truncate(1 << 30)
    shown = preview(path, limit=5)
    assert len(shown.records) == 5
    assert shown.more
    assert shown.rejected == ()


def test_preview_lists_bad_records_and_stops_after_enough(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"not json\n" * 100_000 + b'{"a": 2}\n')
    shown = preview(path, limit=10, max_rejected=20)
    assert [r.data for r in shown.records] == [{"a": 1}]
    assert len(shown.rejected) == 20
    assert shown.rejected[0].location.line == 2
    assert shown.more


def test_preview_of_a_folder_of_files_does_not_hash(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.bin").write_bytes(os.urandom(100_000))
    shown = preview(tmp_path, limit=2)
    assert [r.data["name"] for r in shown.records] == ["0.bin", "1.bin"]
    assert all(r.data["sha256"] is None and r.data["size"] == 100_000 for r in shown.records)
    assert shown.more


def test_preview_raises_what_only_the_user_can_answer() -> None:
    with pytest.raises(EncodingUnsure):
        preview(FIXTURES / "people_latin1.csv")
    shown = preview(FIXTURES / "people_latin1.csv", options=ImportOptions(encoding="latin-1"))
    assert shown.records[0].data == {"name": "José", "city": "Málaga"}
