"""Zip archives read as if hostile: traversal, links, bombs, lies, corruption."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from app.core.datasets.importers import ImportOptions, SafeZip, ZipLimits, open_source
from app.core.datasets.records import BadRecordPolicy, InvalidSource, UnsafeArchive

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


def make_zip(
    path: Path, entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_archive_of_data_files_imports_each_entry(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "data.zip",
        {
            "a/people.csv": (FIXTURES / "people.csv").read_bytes(),
            "b/more.csv": b"name;city;note\nGrace;Arlington;COBOL\n",
            "d/": b"",
        },
    )
    stream = open_source(path)
    records = list(stream)
    assert [r.data["name"] for r in records] == ["Ada Lovelace", "José", "Grace"]
    assert records[0].location.path == f"{path}!/a/people.csv"
    assert records[0].location.line == 2
    assert [s.format for s in stream.sources] == ["csv", "csv"]


def test_parquet_entry_is_read_through_the_archive(tmp_path: Path) -> None:
    table = (FIXTURES / "table.parquet").read_bytes()
    path = make_zip(tmp_path / "p.zip", {"t.parquet": table})
    assert [r.data["id"] for r in open_source(path)] == [1, 2, 3]


def test_archive_of_mixed_data_formats_is_a_folder_of_files(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "mixed.zip",
        {"a.csv": b"a\n1\n", "b.jsonl": b'{"a": 1}\n'},
    )
    assert [r.data["name"] for r in open_source(path)] == ["a.csv", "b.jsonl"]
    assert [r.data for r in open_source(path, "jsonl", policy=BadRecordPolicy.skip())] == [{"a": 1}]


def test_archive_with_other_files_is_a_folder_of_files(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"x.txt": b"x"})
    path = make_zip(
        tmp_path / "mixed.zip",
        {"photo.jpg": b"\xff\xd8\xff" + b"1" * 100, "inner.zip": inner.read_bytes()},
    )
    records = list(open_source(path))
    assert [(r.data["name"], r.data["media_type"]) for r in records] == [
        ("photo.jpg", "image/jpeg"),
        ("inner.zip", "application/zip"),
    ]


def test_explicit_format_applies_to_every_entry(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "d.zip", {"one.dat": b"a,b\n1,2\n", "two.dat": b"a,b\n3,4\n"})
    assert [r.data for r in open_source(path, "csv")] == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "4"},
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../escape.txt", "points outside the archive's folder"),
        ("ok/../../escape.txt", "points outside the archive's folder"),
        ("..\\windows.txt", "points outside the archive's folder"),
        ("/etc/passwd", "has an absolute path"),
        ("C:/Windows/x.txt", "has an absolute path"),
        ("a\\..\\..\\b.txt", "points outside the archive's folder"),
    ],
)
def test_paths_out_of_the_folder_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    path = make_zip(tmp_path / "evil.zip", {"fine.txt": b"hello", name: b"gotcha"})
    with pytest.raises(UnsafeArchive) as caught:
        list(open_source(path, policy=BadRecordPolicy.skip()))
    assert reason in str(caught.value)
    assert repr(name) in str(caught.value)


def test_symbolic_links_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("notes/link")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchive, match="'notes/link': is a symbolic link"):
        list(open_source(path))


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "one")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("a.txt", "two")
    with pytest.raises(UnsafeArchive, match="appears twice"):
        list(open_source(path))


def test_too_many_entries_are_refused_before_parsing(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", {f"{n}.txt": b"x" for n in range(50)})
    limits = ZipLimits(max_entries=49)
    with pytest.raises(UnsafeArchive, match="has 50 entries, more than the limit of 49"):
        SafeZip(path, limits)
    with SafeZip(path, ZipLimits(max_entries=50)) as archive:
        assert len(archive.entries()) == 50


def test_total_size_is_limited(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", {"a.txt": b"a" * 6000, "b.txt": b"b" * 6000})
    options = ImportOptions(zip_limits=ZipLimits(max_total_bytes=10_000))
    with pytest.raises(UnsafeArchive, match="more than the limit of 10000 bytes"):
        list(open_source(path, options=options))


def test_compression_bomb_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", {"zeros.txt": b"0" * (8 << 20)})
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeArchive, match=r"'zeros\.txt': expands [0-9]+ times"):
        list(open_source(path))
    # Small entries compress a lot harmlessly and are not refused.
    small = make_zip(tmp_path / "small.zip", {"zeros.txt": b"0" * 100_000})
    (record,) = open_source(small, "files")
    assert record.data["size"] == 100_000


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    """The overlapping-entry bomb: many directory entries share one compressed stream."""
    path = make_zip(tmp_path / "o.zip", {"a.txt": b"a" * 1000, "b.txt": b"b" * 1000})
    data = bytearray(path.read_bytes())
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # b.txt's local header offset -> a.txt's
    path.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchive, match="overlaps another entry"):
        list(open_source(path))


def test_encrypted_entries_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.txt": b"secret"})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 1)
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidSource, match=r"'a\.txt' is encrypted"):
        list(open_source(path))


def test_a_size_that_lies_is_caught_while_reading(tmp_path: Path) -> None:
    payload = b"line of text\n" * 1000
    path = make_zip(tmp_path / "lie.zip", {"a.txt": payload})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)  # declared uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidSource, match=r"'a\.txt' is corrupt"):
        list(open_source(path))


def test_corrupt_data_names_the_entry(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "c.zip", {"a.txt": b"hello world " * 100}, compression=zipfile.ZIP_STORED
    )
    data = bytearray(path.read_bytes())
    at = data.find(b"hello world")
    data[at : at + 5] = b"HELLO"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidSource, match=r"entry 'a.txt' is corrupt \(Bad CRC-32"):
        list(open_source(path))


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04 but nothing else")
    with pytest.raises(InvalidSource, match="is not a valid Zip archive"):
        list(open_source(path))


def test_empty_archive(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "empty.zip", {"folder/": b""})
    with pytest.raises(InvalidSource, match="the archive holds no files"):
        list(open_source(path))


def test_entries_read_in_memory_never_extracted(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("q.jsonl", b'{"a": 1}\n')
    path = tmp_path / "q.zip"
    path.write_bytes(buffer.getvalue())
    before = set(tmp_path.iterdir())
    assert [r.data for r in open_source(path)] == [{"a": 1}]
    assert set(tmp_path.iterdir()) == before


def test_macos_resource_forks_and_hidden_entries_are_left_out(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "mac.zip",
        {
            "notes/a.md": b"alpha",
            "__MACOSX/notes/._a.md": b"\x00\x05\x16\x07 resource fork",
            "notes/.DS_Store": b"\x00\x00\x00\x01Bud1",
        },
    )
    stream = open_source(path)
    assert [r.data for r in stream] == [{"text": "alpha"}]
    assert stream.sources[0].format == "markdown"
    hidden = open_source(path, options=ImportOptions(include_hidden=True))
    assert [r.data["name"] for r in hidden] == [
        "notes/a.md",
        "__MACOSX/notes/._a.md",
        "notes/.DS_Store",
    ]


def test_a_folder_of_archives_with_format_zip(tmp_path: Path) -> None:
    folder = tmp_path / "drops"
    folder.mkdir()
    make_zip(folder / "1.zip", {"a.jsonl": b'{"n": 1}\n'})
    make_zip(folder / "2.zip", {"b.jsonl": b'{"n": 2}\n'})
    assert [r.data for r in open_source(folder, "zip")] == [{"n": 1}, {"n": 2}]
    assert [r.data["name"] for r in open_source(folder)] == ["1.zip", "2.zip"]
