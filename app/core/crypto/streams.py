"""Byte sources and sinks that the age reader and writer share.

The header is text read line by line, the payload is binary read in large
blocks straight into preallocated buffers. :class:`Source` serves both from
one stream: a small look-ahead buffer for lines and peeking, then
``readinto`` directly from the underlying stream for the bulk, so the
payload is never copied through an intermediate ``bytes`` object.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.core.errors import StorageError

_FILL = 1 << 16


class Readable(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class Writable(Protocol):
    def write(self, data: Any, /) -> int | None: ...


class Source:
    """A readable stream with look-ahead; reads fill the buffer unless at EOF.

    Wraps any object with ``readinto`` (files, sockets, ``BytesIO``, the armor
    decoder) or, failing that, ``read``.
    """

    __slots__ = ("_buffer", "_pos", "_raw", "consumed")

    def __init__(self, raw: object) -> None:
        self._raw = raw
        self._buffer = bytearray()
        self._pos = 0
        self.consumed = 0
        """Bytes handed out so far."""

    def _raw_readinto(self, view: memoryview) -> int:
        try:
            readinto = getattr(self._raw, "readinto", None)
            if readinto is not None:
                count = readinto(view)
            else:
                data = self._raw.read(len(view))  # type: ignore[attr-defined]
                count = None if data is None else len(data)
                if count:
                    view[:count] = data
        except OSError as exc:
            raise StorageError(
                f"could not read the input: {exc.strerror or type(exc).__name__}"
            ) from None
        if count is None:
            raise StorageError("the input is not ready to be read (non-blocking stream)")
        return int(count)

    def _fill(self, want: int) -> bool:
        """Append at least one byte to the look-ahead buffer; False at EOF."""
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0
        start = len(self._buffer)
        size = max(want, _FILL)
        self._buffer.extend(bytes(size))
        count = self._raw_readinto(memoryview(self._buffer)[start:])
        del self._buffer[start + count :]
        return count > 0

    def _available(self) -> int:
        return len(self._buffer) - self._pos

    def peek(self, size: int) -> bytes:
        """Up to ``size`` bytes without consuming them (fewer only at EOF)."""
        while self._available() < size and self._fill(size - self._available()):
            pass
        return bytes(self._buffer[self._pos : self._pos + size])

    def readline(self, limit: int) -> bytes:
        """One line with its LF, or fewer bytes at EOF or when ``limit`` is hit."""
        searched = 0
        while True:
            end = self._buffer.find(b"\n", self._pos + searched, self._pos + limit)
            if end >= 0:
                return self._take(end + 1 - self._pos)
            searched = self._available()
            if searched >= limit or not self._fill(_FILL):
                return self._take(min(limit, self._available()))

    def _take(self, size: int) -> bytes:
        data = bytes(self._buffer[self._pos : self._pos + size])
        self._pos += size
        self.consumed += size
        return data

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, or fewer at EOF."""
        while self._available() < size and self._fill(size - self._available()):
            pass
        return self._take(min(size, self._available()))

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` completely unless the stream ends first."""
        total = min(self._available(), len(view))
        if total:
            view[:total] = self._buffer[self._pos : self._pos + total]
            self._pos += total
        while total < len(view):
            count = self._raw_readinto(view[total:])
            if count == 0:
                break
            total += count
        self.consumed += total
        return total


def write_all(sink: Writable, data: bytes | bytearray | memoryview) -> None:
    """Write every byte: raw files may accept only part of a large write."""
    view = memoryview(data).cast("B")
    while view:
        count = sink.write(view)
        if count is None:
            raise StorageError("the output is not ready to be written (non-blocking stream)")
        view = view[count:]
