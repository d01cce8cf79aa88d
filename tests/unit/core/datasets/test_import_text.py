"""Plain text and Markdown: one record per file or per paragraph; folders of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.datasets.importers import ImportOptions, detect_format, open_source
from app.core.datasets.records import BadRecordPolicy, EncodingUnsure, InvalidRecord, InvalidSource

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"
PARAGRAPHS = ImportOptions(text_unit="paragraph")


def texts(path: Path, options: ImportOptions = PARAGRAPHS, **kwargs: object) -> list[str]:
    return [str(r.data["text"]) for r in open_source(path, options=options, **kwargs)]  # type: ignore[arg-type]


def test_whole_file_is_one_record() -> None:
    (record,) = open_source(FIXTURES / "plain.txt")
    assert record.data == {"text": "One file, one record.\nSecond line.\n"}
    assert record.location == (str(FIXTURES / "plain.txt"), 1, 0)


def test_markdown_paragraphs_keep_fenced_code_whole() -> None:
    records = list(open_source(FIXTURES / "notes.md", options=PARAGRAPHS))
    assert [r.data["text"] for r in records] == [
        "# Field notes",
        "The first paragraph\nspans two lines.",
        "```python\ndef f():\n\n    return 1\n```",
        "Last paragraph.",
    ]
    assert [r.location.line for r in records] == [1, 3, 6, 12]
    assert [r.location.index for r in records] == [0, 1, 2, 3]


def test_plain_text_splits_code_blocks_like_any_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("```\na\n\nb\n```\n")
    assert texts(path) == ["```\na", "b\n```"]


def test_whitespace_only_lines_separate_paragraphs_and_crlf_stays(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_bytes(b"one\r\ntwo\r\n \t \r\n\r\n\r\nthree")
    assert texts(path) == ["one\r\ntwo\r", "three"]


def test_paragraph_over_the_cap_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("short\n\n" + "word " * 100 + "\n" + "more\n" * 50 + "\nafter\n")
    options = ImportOptions(
        text_unit="paragraph", max_record_bytes=200, block_size=64, sample_bytes=16
    )
    with pytest.raises(
        InvalidRecord, match="line 3: the paragraph is longer than the limit of 200 bytes"
    ):
        list(open_source(path, options=options))
    policy = BadRecordPolicy.skip()
    assert texts(path, options, policy=policy) == ["short", "after"]


def test_file_over_the_cap_is_rejected_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 5000)
    options = ImportOptions(max_record_bytes=1024, block_size=256)
    with pytest.raises(InvalidRecord, match="the file is longer than the limit of 1 KiB"):
        list(open_source(path, options=options))


def test_invalid_utf8_in_a_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_bytes(b"good\n\nalso good\n\nbad \xff here\nsecond\n\nend\n")
    options = ImportOptions(text_unit="paragraph", sample_bytes=4)
    policy = BadRecordPolicy.skip()
    assert texts(path, options, policy=policy) == ["good", "also good", "end"]
    assert policy.report().details[0].location.line == 5
    with pytest.raises(EncodingUnsure):
        list(open_source(path))


def test_latin1_text_when_chosen(tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_bytes("Crème brûlée".encode("latin-1"))
    assert texts(path, ImportOptions(encoding="latin-1")) == ["Crème brûlée"]


def test_folder_of_notes(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("A1\n\nA2\n")
    (folder / "sub" / "b.txt").write_text("B1\n")
    (folder / ".hidden.txt").write_text("never read\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "x.txt").write_text("never read\n")
    assert detect_format(folder) == "markdown"
    records = list(open_source(folder, options=PARAGRAPHS))
    assert [(Path(r.location.path).name, r.data["text"]) for r in records] == [
        ("a.md", "A1"),
        ("a.md", "A2"),
        ("b.txt", "B1"),
    ]


def test_empty_and_binary_files_in_a_folder_are_skippable(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text("fine")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (folder / "d.txt").write_text("also fine")
    with pytest.raises(InvalidSource, match=r"b\.txt: the file is empty"):
        list(open_source(folder))
    policy = BadRecordPolicy.skip()
    assert texts(folder, ImportOptions(), policy=policy) == ["fine", "also fine"]
    reasons = [r.reason for r in policy.report().details]
    assert reasons == ["the file is empty", "looks like binary data, not text"]


def test_single_line_beyond_the_cap_streams_by(tmp_path: Path) -> None:
    """A single line far beyond the cap costs one block, and the text after it still imports."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"before\n\n")
        for _ in range(64):
            handle.write(b"y" * 65536)
        handle.write(b"\n\nafter\n")
    options = ImportOptions(text_unit="paragraph", max_record_bytes=1 << 20, block_size=1 << 16)
    policy = BadRecordPolicy.skip()
    assert texts(path, options, policy=policy) == ["before", "after"]
    assert policy.report().details[0].location.line == 3
