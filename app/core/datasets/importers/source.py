"""Sources (files, archive entries), progress metering, and read errors in words.

An importer reads a :class:`Source`, not a path, so the same CSV reader serves a
file on disk and an entry of a Zip archive. All bytes pass through a
:class:`Meter`, which reports progress in bytes and checks the cancel token
at every block: that is what makes every importer cancellable without each
one remembering to.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.datasets.records import InvalidSource, MiB
from app.core.progress import CancelToken, ProgressCallback, ProgressEvent

_EMIT_EVERY = 1 * MiB


class Meter:
    """Bytes read so far across all sources of one import, reported and cancellable."""

    __slots__ = ("_cancel", "_last", "_progress", "done", "stage", "total")

    def __init__(
        self,
        progress: ProgressCallback,
        cancel: CancelToken,
        total: int | None = None,
        *,
        stage: str = "import",
    ) -> None:
        self._progress = progress
        self._cancel = cancel
        self.total = total
        self.stage = stage
        self.done = 0
        self._last = 0

    def add(self, count: int) -> None:
        """Count ``count`` more bytes read; raise ``Cancelled`` if the user asked to stop."""
        self._cancel.raise_if_cancelled()
        self.done += count
        if self.done - self._last >= _EMIT_EVERY:
            self._emit()

    def check(self) -> None:
        self._cancel.raise_if_cancelled()

    def finish(self) -> None:
        self._emit()

    def _emit(self) -> None:
        self._last = self.done
        total = self.total if self.total is None else max(self.total, self.done)
        self._progress(ProgressEvent(self.stage, self.done, total, "bytes"))


@dataclass(frozen=True, slots=True)
class Source:
    """One readable thing: a file, or an entry of an archive.

    ``name`` is what messages and locations show; ``relative`` is the name
    inside the folder or archive the user chose (the file name for a single
    file), which file records use. ``is_file`` is True when ``name`` is a
    real path that random-access readers (Parquet) can open directly.
    """

    name: str
    relative: str
    size: int | None
    opener: Callable[[], BinaryIO]
    is_file: bool = False

    def open(self) -> BinaryIO:
        try:
            return self.opener()
        except OSError as exc:
            raise read_error(self.name, exc) from None

    @classmethod
    def from_path(cls, path: Path, relative: str | None = None) -> Source:
        try:
            size: int | None = path.stat().st_size
        except OSError:
            size = None

        def opener() -> BinaryIO:
            return open(path, "rb")

        return cls(str(path), relative or path.name, size, opener, is_file=True)


def read_error(name: str, exc: OSError) -> InvalidSource:
    """An OS error while opening or reading, in words; never a traceback."""
    if isinstance(exc, PermissionError):
        reason = "cannot be read: permission denied"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a folder, not a file"
    elif isinstance(exc, FileNotFoundError):
        reason = "does not exist"
    elif exc.errno == errno.ELOOP:
        reason = "is a symbolic link that loops"
    else:
        reason = f"cannot be read: {os.strerror(exc.errno) if exc.errno else type(exc).__name__}"
    return InvalidSource(name, reason, skippable=True)


def read_blocks(stream: BinaryIO, name: str, block_size: int, meter: Meter) -> Iterator[bytes]:
    """The stream's bytes in blocks of up to ``block_size``, metered; OS errors in words."""
    while True:
        try:
            block = stream.read(block_size)
        except OSError as exc:
            raise read_error(name, exc) from None
        if not block:
            return
        meter.add(len(block))
        yield block


def read_blocks_into(
    stream: BinaryIO, name: str, block_size: int, meter: Meter
) -> Iterator[bytes | bytearray]:
    """The stream's bytes in blocks of up to ``block_size``, read into one reused buffer.

    For a reader that only scans the bytes (the JSONL cutter finds newlines
    and leaves the reading of records to the workers): a full block is the
    buffer itself, valid only until the next block is asked for, so a large
    file costs one buffer instead of a fresh allocation per block. A short
    block (the last) is a copy.
    """
    buffer = bytearray(block_size)
    view = memoryview(buffer)
    while True:
        try:
            count = stream.readinto(view)  # type: ignore[attr-defined]
        except OSError as exc:
            raise read_error(name, exc) from None
        if not count:
            return
        meter.add(count)
        yield buffer if count == block_size else bytes(view[:count])


def read_exactly(stream: BinaryIO, name: str, count: int, meter: Meter) -> bytes:
    """Up to ``count`` bytes, fewer only at the end of the stream."""
    parts: list[bytes] = []
    wanted = count
    while wanted > 0:
        try:
            block = stream.read(wanted)
        except OSError as exc:
            raise read_error(name, exc) from None
        if not block:
            break
        meter.add(len(block))
        parts.append(block)
        wanted -= len(block)
    return b"".join(parts)
