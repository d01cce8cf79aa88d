"""Cutting a JSONL file into batches by reference: the same batches as cutting its bytes.

The prepare's parent cuts files into spans it never keeps the bytes of (the
workers read them), scanning them through one reused buffer. The carried
path (each batch holds its bytes, fresh blocks) and a line-by-line oracle
say what the spans must be, whatever the block size, line endings, a
missing final newline or lines over the cap.
"""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.importers.jsonl import (
    LONG_LINES,
    RawBatch,
    _NewlineCounter,
    iter_jsonl_batches,
)
from app.core.datasets.importers.source import Meter, read_blocks_into
from app.core.progress import NEVER_CANCELLED, no_progress

_LINE = st.one_of(
    st.text(alphabet='ab{}":é ', max_size=12),
    st.text(alphabet="x", min_size=20, max_size=90),  # over the cap for small caps
    st.just(""),
)


def _content(lines: list[str], crlf: list[bool], final_newline: bool, bom: bool) -> bytes:
    ends = [("\r\n" if crlf[i % len(crlf)] else "\n") if crlf else "\n" for i in range(len(lines))]
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    if not final_newline and text.endswith("\n"):
        text = text[:-1]
    data = text.encode("utf-8")
    if not data.strip(b"\r\n"):
        data = b'{"a":1}' + data  # a file of newlines only is still a file with a line
    return (codecs.BOM_UTF8 if bom else b"") + data


def _spans(path: Path, batch_bytes: int, max_line: int, by_reference: bool) -> list[RawBatch]:
    return list(iter_jsonl_batches(path, batch_bytes, max_line=max_line, by_reference=by_reference))


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=1, max_size=30),
    crlf=st.lists(st.booleans(), max_size=4),
    final_newline=st.booleans(),
    bom=st.booleans(),
    batch_bytes=st.integers(4, 120),  # the sample holds a byte order mark and more
    max_line=st.integers(1, 60),
)
def test_reference_batches_are_the_carried_batches(
    lines: list[str],
    crlf: list[bool],
    final_newline: bool,
    bom: bool,
    batch_bytes: int,
    max_line: int,
) -> None:
    data = _content(lines, crlf, final_newline, bom)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(data)
        carried = _spans(path, batch_bytes, max_line, by_reference=False)
        referenced = _spans(path, batch_bytes, max_line, by_reference=True)
    assert len(referenced) == len(carried)
    start = len(codecs.BOM_UTF8) if bom else 0
    for ref, own in zip(referenced, carried, strict=True):
        assert (ref.first_line, ref.overlong, ref.max_line) == (
            own.first_line,
            own.overlong,
            own.max_line,
        )
        assert ref.data == b""
        if own.overlong:
            continue
        assert data[ref.offset : ref.offset + ref.length] == own.data
        # the oracle: a batch starts at its line, after every newline before it
        assert ref.first_line == data.count(b"\n", start, ref.offset) + 1
        assert ref.offset == start or data[ref.offset - 1 : ref.offset] == b"\n"
        end = ref.offset + ref.length
        assert end == len(data) or data[end - 1 : end] == b"\n"


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="ab\r", max_size=30), min_size=1, max_size=40),
    batch_bytes=st.integers(1, 64),
    max_line=st.integers(1, 40),
)
def test_every_line_is_in_one_batch_or_rejected_as_overlong(
    lines: list[str], batch_bytes: int, max_line: int
) -> None:
    data = ("\n".join(lines) + "\n").encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(data)
        batches = _spans(path, batch_bytes, max_line, by_reference=True)
    numbered: dict[int, bytes | None] = {}
    for batch in batches:
        if batch.overlong:
            numbered[batch.first_line] = None
            continue
        span = data[batch.offset : batch.offset + batch.length]
        for number, line in enumerate(span.split(b"\n")[:-1], start=batch.first_line):
            numbered[number] = line
    for number, text in enumerate(lines, start=1):
        line = text.encode()
        assert number in numbered or not line  # an empty last piece may end the file
        if number not in numbered:
            continue
        if len(line) > max_line:  # cut off while it streamed by, or left to the parser
            assert numbered[number] in (None, line)
        else:
            assert numbered[number] == line


def test_the_reused_buffer_is_one_object_and_the_last_block_a_copy(tmp_path: Path) -> None:
    path = tmp_path / "blocks"
    path.write_bytes(bytes(range(256)) * 4 + b"tail")
    meter = Meter(no_progress, NEVER_CANCELLED)
    with path.open("rb") as stream:
        seen = []
        for block in read_blocks_into(stream, str(path), 256, meter):
            seen.append((id(block), type(block), bytes(block)))
    assert [data for _, _, data in seen] == [bytes(range(256))] * 4 + [b"tail"]
    assert len({ident for ident, kind, _ in seen if kind is bytearray}) == 1
    assert seen[-1][1] is bytes
    assert meter.done == 1028


@settings(max_examples=150, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 700), max_size=40),
    tail=st.integers(0, 300),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), max_size=12),
)
def test_the_newline_count_is_exact_whichever_way_it_counts(
    gaps: list[int], tail: int, cuts: list[tuple[int, int]]
) -> None:
    data = b"".join(b"x" * gap + b"\n" for gap in gaps) + b"y" * tail
    counter = _NewlineCounter()
    ways = set()
    for block in (data, bytearray(data)):
        for first, second in [(0, len(data)), *cuts, (0, len(data))]:
            start, end = sorted((min(first, len(data)), min(second, len(data))))
            ways.add(counter.search)
            assert counter(block, start, end) == data.count(b"\n", start, end)
    if sum(gaps) + tail >= 4 * LONG_LINES * max(1, len(gaps)) and cuts:
        assert True in ways


def test_long_lines_are_counted_by_search_and_short_ones_by_count(tmp_path: Path) -> None:
    long_lines = b"".join(b'{"a":"' + b"x" * 600 + b'"}\n' for _ in range(50))
    short_lines = b'{"a":1}\n' * 400
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(long_lines + short_lines + long_lines)
    batches = _spans(path, 4096, 1 << 20, by_reference=True)
    carried = _spans(path, 4096, 1 << 20, by_reference=False)
    assert [b.first_line for b in batches] == [b.first_line for b in carried]
    assert batches[-1].first_line + batches[-1].length // 609 - 1 == 500
    counter = _NewlineCounter()
    native = counter.native
    counter.native = None  # the Python way, which picks between its two
    counter(long_lines, 0, len(long_lines))
    assert counter.search
    counter(short_lines, 0, len(short_lines))
    assert not counter.search
    if native is not None:  # the C lane's count gives the same
        assert native(long_lines + short_lines, 10, 31_000) == (long_lines + short_lines).count(
            b"\n", 10, 31_000
        )
