"""open_source and detect_format: many paths, detection, policy, progress, cancel, closing."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from app.core.datasets.importers import (
    FORMATS,
    ImportOptions,
    Source,
    detect_format,
    open_source,
)
from app.core.datasets.importers.source import Meter
from app.core.datasets.importers.text import read_text
from app.core.datasets.records import BadRecordPolicy, InvalidSource
from app.core.errors import Cancelled, InvalidInput
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressEvent, no_progress

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("people.csv", "csv"),
        ("people_utf16.tsv", "tsv"),
        ("questions.jsonl", "jsonl"),
        ("questions.json", "json"),
        ("table.parquet", "parquet"),
        ("notes.md", "markdown"),
        ("plain.txt", "text"),
    ],
)
def test_detect_by_extension(name: str, expected: str) -> None:
    assert detect_format(FIXTURES / name) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'[{"a": 1}]', "json"),
        (b'\xef\xbb\xbf  {"a": 1}\n{"a": 2}\n', "jsonl"),
        (b'{"a":\n1}', "json"),
        (b"PK\x05\x06" + b"\x00" * 18, "zip"),
        (b"just some words", "text"),
        (b"\x00\x01binary", "files"),
        (b"", "text"),
    ],
)
def test_detect_by_content_without_extension(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "noext"
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_detect_unreadable_path() -> None:
    with pytest.raises(InvalidSource, match="does not exist"):
        detect_format("/nonexistent/file")


def test_several_paths_in_order_with_their_sources(tmp_path: Path) -> None:
    stream = open_source(
        [FIXTURES / "questions.jsonl", FIXTURES / "people.csv", FIXTURES / "plain.txt"]
    )
    records = list(stream)
    assert [Path(r.location.path).name for r in records] == [
        "questions.jsonl",
        "questions.jsonl",
        "questions.jsonl",
        "people.csv",
        "people.csv",
        "plain.txt",
    ]
    assert [(s.format, s.encoding) for s in stream.sources] == [
        ("jsonl", "utf-8"),
        ("csv", "utf-8"),
        ("text", "utf-8"),
    ]
    assert stream.source_count == 3


def test_missing_path_and_bad_choices() -> None:
    with pytest.raises(InvalidSource, match="does not exist"):
        list(open_source("/nonexistent/data.csv"))
    with pytest.raises(InvalidInput, match="unknown format"):
        open_source(FIXTURES / "people.csv", "xlsx")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="unknown text encoding"):
        open_source(FIXTURES / "people.csv", options=ImportOptions(encoding="klingon"))
    with pytest.raises(InvalidInput, match="not a text encoding"):
        open_source(FIXTURES / "people.csv", options=ImportOptions(encoding="base64"))
    with pytest.raises(InvalidInput):
        ImportOptions(delimiter=";;")
    with pytest.raises(InvalidInput):
        ImportOptions(max_record_bytes=0)


def test_skip_policy_goes_on_after_a_bad_source(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    policy = BadRecordPolicy.skip()
    records = list(open_source([empty, FIXTURES / "questions.jsonl"], policy=policy))
    assert len(records) == 3
    assert [r.reason for r in policy.report().details] == ["the file is empty"]
    # A path the user named that does not exist is a mistake to fix, not a record to skip.
    with pytest.raises(InvalidSource, match="does not exist"):
        list(open_source([tmp_path / "missing.jsonl", empty], policy=BadRecordPolicy.skip()))


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InvalidSource, match="the folder holds no files"):
        list(open_source(tmp_path / "nothing"))


def test_permission_denied_is_a_clear_skippable_error() -> None:
    """What the OS says when a file cannot be opened, in words (root cannot be refused here)."""

    def refuse() -> BinaryIO:
        raise PermissionError(13, "Permission denied")

    source = Source("private/notes.txt", "notes.txt", 10, refuse)
    meter = Meter(no_progress, NEVER_CANCELLED)
    with pytest.raises(InvalidSource) as caught:
        list(read_text(source, ImportOptions(), meter))
    assert str(caught.value) == "private/notes.txt: cannot be read: permission denied"
    assert caught.value.skippable


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    locked = tmp_path / "b.txt"
    locked.write_text("b")
    locked.chmod(0)
    policy = BadRecordPolicy.skip()
    assert len(list(open_source(tmp_path, policy=policy))) == 1
    assert "permission denied" in policy.report().details[0].reason


def test_a_folder_as_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "dir.csv" / "x.csv").write_text("a\n1\n")
    assert [r.data for r in open_source(tmp_path / "dir.csv")] == [{"a": "1"}]


def test_progress_has_a_total_and_ends_there(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    for n in range(5):
        (folder / f"{n}.jsonl").write_bytes(b'{"n": 1}\n' * 50_000)
    events: list[ProgressEvent] = []
    list(open_source(folder, progress=events.append))
    size = 5 * len(b'{"n": 1}\n') * 50_000
    assert events
    assert all(e.total == size and e.stage == "import" and e.unit == "bytes" for e in events)
    assert events[-1].done == size
    assert events[-1].fraction == 1.0


def test_cancel_between_sources(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.txt").write_text(f"file {n}")
    token = CancelToken()
    stream = open_source(tmp_path, cancel=token)
    assert next(stream).data == {"text": "file 0"}
    token.cancel()
    with pytest.raises(Cancelled):
        next(stream)


def test_close_releases_open_files(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"n": 1}\n' * 100_000)
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        pytest.skip("needs /proc")

    def open_fds() -> int:
        return sum(1 for fd in fd_dir.iterdir() if os.path.realpath(fd) == str(path))

    with open_source(path, options=ImportOptions(block_size=4096)) as stream:
        next(stream)
        assert open_fds() == 1
    assert open_fds() == 0
    stream = open_source(path, options=ImportOptions(block_size=4096))
    next(stream)
    del stream
    gc.collect()
    assert open_fds() == 0


def test_every_format_has_a_reader(tmp_path: Path) -> None:
    samples = {
        "csv": b"a\n1\n",
        "tsv": b"a\n1\n",
        "jsonl": b'{"a": 1}\n',
        "json": b'[{"a": 1}]',
        "parquet": (FIXTURES / "table.parquet").read_bytes(),
        "text": b"a",
        "markdown": b"a",
        "files": b"a",
    }
    import zipfile

    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
    for fmt in FORMATS:
        path = tmp_path / "z.zip" if fmt == "zip" else tmp_path / f"sample.{fmt}"
        if fmt != "zip":
            path.write_bytes(samples[fmt])
        assert list(open_source(path, fmt)), fmt
