"""The pipe between the prepare's thread and the encryptor's: every byte, in order, once."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.package import BytePipe

WRITES = st.lists(
    st.tuples(st.binary(min_size=0, max_size=40), st.sampled_from(["bytes", "bytearray", "view"])),
    max_size=30,
)


def _drain(pipe: BytePipe, into: bytearray, size: int) -> None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    while count := pipe.readinto(view):
        into += view[:count]


@settings(max_examples=150, deadline=None)
@given(writes=WRITES, piece=st.integers(1, 24), read_size=st.integers(1, 50))
def test_what_is_written_is_read_in_order(
    writes: list[tuple[bytes, str]], piece: int, read_size: int
) -> None:
    pipe = BytePipe(depth=2, piece=piece)
    got = bytearray()
    reader = threading.Thread(target=_drain, args=(pipe, got, read_size))
    reader.start()
    sent = bytearray()
    for data, kind in writes:
        buffer: bytes | bytearray | memoryview
        if kind == "bytes":
            buffer = data
        elif kind == "bytearray":
            buffer = bytearray(data)
        else:
            buffer = memoryview(bytearray(data))
        assert pipe.write(buffer) == len(data)
        sent += data
        if kind != "bytes":
            buffer[:] = b"\xff" * len(data)  # the caller reuses its buffer: what was sent stays
    pipe.close()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert bytes(got) == bytes(sent)


def test_an_abort_wakes_a_blocked_writer() -> None:
    pipe = BytePipe(depth=1, piece=1)
    pipe.write(b"a")  # fills the only slot
    errors: list[BaseException] = []

    def blocked() -> None:
        try:
            pipe.write(b"bb")
        except BaseException as exc:  # the test looks at what was raised
            errors.append(exc)

    writer = threading.Thread(target=blocked)
    writer.start()
    pipe.abort()
    writer.join(timeout=5)
    assert not writer.is_alive()
    assert len(errors) == 1


@pytest.mark.parametrize("size", [1 << 20, (1 << 20) + 1])
def test_a_whole_batch_crosses_without_being_gathered(size: int) -> None:
    pipe = BytePipe(depth=2)
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    got = bytearray()
    reader = threading.Thread(target=_drain, args=(pipe, got, 1 << 16))
    reader.start()
    pipe.write(b"head")
    pipe.write(data)
    pipe.write(data)
    pipe.close()
    reader.join(timeout=10)
    assert bytes(got) == b"head" + data + data
