"""The byte source and sink helpers under the reader and writer."""

from __future__ import annotations

import io
from typing import Any

import pytest

from app.core.crypto.streams import Source, write_all
from app.core.errors import StorageError


class Trickle:
    """A raw stream that hands out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data = data
        self.step = step

    def readinto(self, view: memoryview) -> int:
        count = min(self.step, len(view), len(self.data))
        view[:count] = self.data[:count]
        self.data = self.data[count:]
        return count


class ReadOnly:
    """Has ``read`` but no ``readinto``."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)

    def read(self, size: int) -> bytes:
        return self.stream.read(size)


def test_lines_peek_and_bulk_reads_share_one_position() -> None:
    source = Source(Trickle(b"one\ntwo\n" + bytes(range(100)), 3))
    assert source.peek(5) == b"one\nt"
    assert source.readline(100) == b"one\n"
    assert source.readline(100) == b"two\n"
    view = memoryview(bytearray(60))
    assert source.readinto(view) == 60
    assert bytes(view) == bytes(range(60))
    assert source.read(100) == bytes(range(60, 100))
    assert source.read(1) == b""
    assert source.consumed == 108


def test_readline_limits_and_eof() -> None:
    source = Source(io.BytesIO(b"abcdef"))
    assert source.readline(4) == b"abcd"
    assert source.readline(10) == b"ef"
    assert source.readline(10) == b""


def test_objects_with_only_read() -> None:
    source = Source(ReadOnly(b"hello\nworld"))
    assert source.readline(100) == b"hello\n"
    assert source.read(100) == b"world"


@pytest.mark.parametrize("raw", [Trickle(b"", 1), ReadOnly(b"")])
def test_non_blocking_streams_are_refused(raw: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "readinto" if hasattr(raw, "readinto") else "read", lambda *_: None)
    with pytest.raises(StorageError, match="not ready"):
        Source(raw).read(1)


def test_read_errors_become_storage_errors() -> None:
    class Broken:
        def readinto(self, view: memoryview) -> int:
            raise OSError(5, "Input/output error")

    with pytest.raises(StorageError, match="could not read the input: Input/output error"):
        Source(Broken()).read(1)


def test_write_all_finishes_partial_writes() -> None:
    class Slow:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, view: memoryview) -> int:
            self.data += view[:3]
            return min(3, len(view))

    sink = Slow()
    write_all(sink, b"0123456789")
    assert sink.data == b"0123456789"

    class Stuck:
        def write(self, view: memoryview) -> None:
            return None

    with pytest.raises(StorageError, match="not ready"):
        write_all(Stuck(), b"x")
