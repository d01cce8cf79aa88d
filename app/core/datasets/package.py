"""The encrypted package: prepared records pushed straight into an age encryptor.

The pipeline produces records one batch at a time and must never put them on
disk in the clear, while the age encryptor (:func:`app.core.crypto.encrypt_stream`)
pulls its plaintext from a readable stream. :class:`EncryptingWriter` joins
the two: the producer writes into a small bounded in-memory pipe, a thread
runs the encryptor over the pipe's other end (``cryptography`` releases the
GIL, so the cipher overlaps the producer), and the ciphertext goes through a
hashing sink into an all-or-nothing output file. Memory is the pipe's few
MiB whatever the dataset size.

:func:`iter_package_lines` runs the same pipe the other way for reading:
decryption in a thread, lines to the caller as they are authenticated.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from app.core.crypto import Identity, Recipient, decrypt_stream, encrypt_stream
from app.core.crypto.output import atomic_output
from app.core.errors import Cancelled, StorageError
from app.core.progress import NEVER_CANCELLED, CancelToken

PIPE_PIECE = 1 << 20
"""Bytes gathered before a piece crosses the pipe."""
PIPE_DEPTH = 4
"""Pieces the pipe holds: the producer waits when the encryptor falls behind."""
_POLL = 0.2


class _Aborted(Exception):
    """The other side of a pipe gave up."""


class BytePipe:
    """A bounded byte pipe between two threads: ``write`` and ``close`` here, ``readinto`` there.

    ``abort`` wakes both sides: a writer blocked on a full pipe, a reader
    blocked on an empty one, each raises instead of waiting forever.
    """

    def __init__(self, depth: int = PIPE_DEPTH, piece: int = PIPE_PIECE) -> None:
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._piece = piece
        self._pending = bytearray()
        self._current = memoryview(b"")
        self._aborted = threading.Event()
        self._eof = False

    # -- writer side ----------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending += data
        if len(self._pending) >= self._piece:
            self._put(bytes(self._pending))
            self._pending.clear()
        return len(data)

    def close(self) -> None:
        """No more data: flush what is gathered and mark the end."""
        if self._pending:
            self._put(bytes(self._pending))
            self._pending.clear()
        self._put(None)

    def _put(self, item: bytes | None) -> None:
        while True:
            if self._aborted.is_set():
                raise _Aborted()
            try:
                self._queue.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    def abort(self) -> None:
        self._aborted.set()

    # -- reader side ----------------------------------------------------------

    def readinto(self, view: memoryview) -> int:
        while not self._current:
            if self._eof:
                return 0
            if self._aborted.is_set():
                raise _Aborted()
            try:
                item = self._queue.get(timeout=_POLL)
            except queue.Empty:
                continue
            if item is None:
                self._eof = True
                return 0
            self._current = memoryview(item)
        count = min(len(view), len(self._current))
        view[:count] = self._current[:count]
        self._current = self._current[count:]
        return count


class _HashingSink:
    """Forwards writes to a file while hashing and counting them."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.digest.update(view)
        self.size += len(view)
        written = self.target.write(view)
        return len(view) if written is None else written

    def flush(self) -> None:
        self.target.flush()


class EncryptingWriter:
    """Write plaintext in; an age file for ``recipients`` appears at ``path`` on success only.

    Use as a context manager: leaving the block normally finishes the file
    (``sha256`` and ``size`` of the ciphertext are then set); leaving it by
    an exception (a cancel, an error) discards everything, so nothing, not
    even a temporary file, is left behind.
    """

    def __init__(self, path: Path, recipients: Sequence[Recipient]) -> None:
        self.path = path
        self._recipients = list(recipients)
        self._pipe = BytePipe()
        self._stack = contextlib.ExitStack()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._sink: _HashingSink | None = None
        self.plaintext_size = 0
        self.sha256 = ""
        self.size = 0

    def __enter__(self) -> EncryptingWriter:
        out = self._stack.enter_context(atomic_output(self.path))
        self._sink = _HashingSink(out)
        self._thread = threading.Thread(target=self._run, name="package-encrypt", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        assert self._sink is not None
        try:
            encrypt_stream(self._pipe, self._sink, self._recipients, workers=1)  # type: ignore[arg-type]
        except BaseException as exc:  # handed to the producer thread
            self._error = exc
            self._pipe.abort()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._error is not None:
            raise self._failure()
        self.plaintext_size += len(data)
        try:
            self._pipe.write(data)
        except _Aborted:
            raise self._failure() from None

    def _failure(self) -> Exception:
        error = self._error
        if isinstance(error, Exception) and not isinstance(error, _Aborted):
            return error
        return StorageError("the package could not be encrypted")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        assert self._thread is not None
        assert self._sink is not None
        if exc_type is None:
            with contextlib.suppress(_Aborted):
                self._pipe.close()
            self._thread.join()
            if self._error is None:
                self._stack.close()
                self.sha256 = self._sink.digest.hexdigest()
                self.size = self._sink.size
                return
            failure = self._failure()
            self._discard(failure)
            raise failure
        self._pipe.abort()
        self._thread.join()
        self._discard(exc if exc is not None else Cancelled())

    def _discard(self, error: BaseException) -> None:
        """Leave the output block by ``error``: the partial file is thrown away."""
        with contextlib.suppress(BaseException):
            self._stack.__exit__(type(error), error, error.__traceback__)


class _PipeWriter:
    """The writer end of a pipe as a stream ``decrypt_stream`` can write to."""

    def __init__(self, pipe: BytePipe) -> None:
        self._pipe = pipe

    def write(self, data: Any) -> int:
        return self._pipe.write(bytes(data))


def iter_package_blocks(
    path: Path,
    identities: Sequence[Identity],
    *,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[bytes]:
    """The plaintext of an age file in blocks of up to a MiB, decrypted in a thread.

    Only authenticated plaintext is yielded; a damaged file raises the
    crypto error after the blocks before the damage. Closing the iterator
    early stops the decryption thread.
    """
    pipe = BytePipe()
    error: list[BaseException] = []

    def run() -> None:
        try:
            with open(path, "rb") as handle:
                decrypt_stream(handle, _PipeWriter(pipe), list(identities), workers=1)  # type: ignore[arg-type]
            pipe.close()
        except _Aborted:
            return
        except BaseException as exc:  # re-raised in the reading thread
            error.append(exc)
            pipe.abort()

    thread = threading.Thread(target=run, name="package-decrypt", daemon=True)
    thread.start()
    view = memoryview(bytearray(PIPE_PIECE))
    try:
        while True:
            cancel.raise_if_cancelled()
            try:
                count = pipe.readinto(view)
            except _Aborted:
                break
            if count == 0:
                break
            yield bytes(view[:count])
        if error:
            raise error[0]
    finally:
        pipe.abort()
        thread.join()


def iter_package_lines(
    path: Path,
    identities: Sequence[Identity],
    *,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[bytes]:
    """The lines (without their newline) of an age-encrypted JSONL file, streaming."""
    tail = b""
    for block in iter_package_blocks(path, identities, cancel=cancel):
        lines = (tail + block).split(b"\n")
        tail = lines.pop()
        yield from lines
    if tail:
        yield tail
