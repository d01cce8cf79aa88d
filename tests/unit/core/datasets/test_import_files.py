"""Folders of arbitrary files: records that point at content by SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core.datasets.importers import ImportOptions, detect_format, open_source
from app.core.datasets.importers.files import media_type

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10


def make_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "shoot"
    (folder / "raw").mkdir(parents=True)
    (folder / "cover.png").write_bytes(PNG)
    (folder / "notes.md").write_text("# notes\n")
    (folder / "raw" / "IMG_0001").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 3_000_000)
    (folder / "empty.bin").write_bytes(b"")
    (folder / ".DS_Store").write_bytes(b"junk")
    return folder


def test_folder_with_non_data_files_is_a_folder_of_files(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    assert detect_format(folder) == "files"
    records = list(open_source(folder))
    by_name = {r.data["name"]: r.data for r in records}
    assert list(by_name) == ["cover.png", "empty.bin", "notes.md", "raw/IMG_0001"]
    assert by_name["cover.png"] == {
        "name": "cover.png",
        "size": len(PNG),
        "media_type": "image/png",
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    assert by_name["raw/IMG_0001"]["media_type"] == "image/jpeg"
    assert by_name["raw/IMG_0001"]["size"] == 3_000_004
    assert by_name["notes.md"]["media_type"] == "text/markdown"
    assert by_name["empty.bin"]["sha256"] == hashlib.sha256(b"").hexdigest()
    assert all(r.location.line is None for r in records)


def test_hashing_can_be_turned_off(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    events = []
    records = list(
        open_source(folder, options=ImportOptions(hash_files=False), progress=events.append)
    )
    assert all(r.data["sha256"] is None for r in records)
    assert {r.data["name"]: r.data["size"] for r in records}["raw/IMG_0001"] == 3_000_004
    assert events[-1].done < 10_000


def test_explicit_files_format_on_a_data_file(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n")
    (record,) = open_source(path, "files")
    assert record.data["name"] == "table.csv"
    assert record.data["media_type"] == "text/csv"


def test_media_type_guesses() -> None:
    assert media_type("x.pdf", b"") == "application/pdf"
    assert media_type("blob", b"%PDF-1.7") == "application/pdf"
    assert media_type("blob", "plain words é".encode()) == "text/plain"
    assert media_type("blob", b"\x00\x01\x02") == "application/octet-stream"
    assert media_type("blob", b"\xfe\xfa\xfb\xfc" * 10) == "application/octet-stream"
    assert media_type("blob", b"") == "application/octet-stream"
