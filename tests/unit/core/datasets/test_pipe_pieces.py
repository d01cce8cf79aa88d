"""The package pipe gathers writes by reference: what the reader gets is what was written."""

from __future__ import annotations

import threading
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.package import BytePipe

KINDS = ["bytes", "bytes-view", "bytearray", "bytearray-view", "strided", "words"]


def _buffer(data: bytes, kind: str) -> bytes | bytearray | memoryview:
    if kind == "bytes":
        return data
    if kind == "bytes-view":
        return memoryview(b"<" + data + b">")[1:-1]
    if kind == "bytearray":
        return bytearray(data)
    if kind == "bytearray-view":
        return memoryview(bytearray(data))
    if kind == "strided":
        return memoryview(bytes(b for pair in zip(data, data, strict=True) for b in pair))[::2]
    words = data[: len(data) - len(data) % 4]
    return memoryview(words).cast("I")


def _expected(data: bytes, kind: str) -> bytes:
    return data[: len(data) - len(data) % 4] if kind == "words" else data


def _drain(pipe: BytePipe, into: bytearray, size: int) -> None:
    view = memoryview(bytearray(size))
    while count := pipe.readinto(view):
        into += view[:count]


@settings(max_examples=120, deadline=None)
@given(
    writes=st.lists(st.tuples(st.binary(max_size=50), st.sampled_from(KINDS)), max_size=25),
    piece=st.integers(1, 64),
    depth=st.integers(1, 3),
    read_size=st.integers(1, 70),
)
def test_every_kind_of_buffer_arrives_whole_and_in_order(
    writes: list[tuple[bytes, str]], piece: int, depth: int, read_size: int
) -> None:
    pipe = BytePipe(depth=depth, piece=piece)
    got = bytearray()
    reader = threading.Thread(target=_drain, args=(pipe, got, read_size))
    reader.start()
    sent = bytearray()
    for data, kind in writes:
        buffer = _buffer(data, kind)
        assert pipe.write(buffer) == memoryview(buffer).nbytes  # bytes, not items
        sent += _expected(data, kind)
        if isinstance(buffer, memoryview):
            if not buffer.readonly:
                buffer.cast("B")[:] = b"\xff" * buffer.nbytes  # reused: what was sent stays
            buffer.release()  # released: what was sent stays readable
        elif isinstance(buffer, bytearray):
            buffer[:] = b"\xff" * len(buffer)
    pipe.close()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert bytes(got) == bytes(sent)


def test_a_word_view_counts_its_bytes_toward_a_piece() -> None:
    pipe = BytePipe(depth=4, piece=8)
    pipe.write(memoryview(array("I", [1, 2]).tobytes()).cast("I"))  # 8 bytes: one piece
    assert pipe._queue.qsize() == 1
    pipe.write(b"abc")
    assert pipe._queue.qsize() == 1
    pipe.close()
    got = bytearray()
    _drain(pipe, got, 5)
    assert bytes(got) == array("I", [1, 2]).tobytes() + b"abc"


def test_one_read_takes_many_small_writes() -> None:
    """Runs of records between duplicates are many small writes; the reader copies them at once."""
    pipe = BytePipe(depth=4, piece=200)
    data = bytes(range(200))
    for at in range(0, 200, 2):
        pipe.write(memoryview(data)[at : at + 2])
    pipe.close()
    view = memoryview(bytearray(150))
    assert pipe.readinto(view) == 150
    assert bytes(view) == data[:150]
    assert pipe.readinto(view) == 50  # what is left of the piece, without waiting for more
    assert bytes(view[:50]) == data[150:]
    assert pipe.readinto(view) == 0
    assert pipe.readinto(view) == 0
