"""The encrypted package: prepared records pushed straight into an age encryptor.

The pipeline produces records one batch at a time and must never put them on
disk in the clear, while the age encryptor (:func:`app.core.crypto.encrypt_stream`)
pulls its plaintext from a readable stream. :class:`EncryptingWriter` joins
the two: the producer writes into a small bounded in-memory pipe, a thread
runs the encryptor over the pipe's other end (``cryptography`` releases the
GIL, so the cipher overlaps the producer), and the ciphertext goes through a
hashing sink into all-or-nothing output files. Memory is the pipe's few
MiB whatever the dataset size.

A dataset's package is stored as two files whose concatenation is one age
v1 file: the header (``<id>.age-header``: the version line through the
header MAC line) and the payload (``<id>.age-payload``: the STREAM nonce and
the chunks). Giving a submission to a network rewraps only the header, so
the payload file, and the digest the sink computed while writing it, are
used as they are: no second read, no copy. The payload file is read-only
(0o444). Packages written before the split are one ``<id>.age`` file; the
readers take either form (a sequence of paths is read as one stream).

:func:`iter_package_lines` runs the same pipe the other way for reading:
decryption in a thread, lines to the caller as they are authenticated.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

from app.core.crypto import Identity, Recipient, decrypt_stream, encrypt_stream
from app.core.crypto.output import atomic_output
from app.core.errors import Cancelled, StorageError
from app.core.progress import NEVER_CANCELLED, CancelToken

HEADER_SUFFIX: Final = ".age-header"
PAYLOAD_SUFFIX: Final = ".age-payload"
PAYLOAD_MODE: Final = 0o444
MAX_HEADER: Final = 1 << 20
"""A header larger than this is not one Tessera wrote (a few hundred bytes per recipient)."""
_MAC_LINE: Final = b"\n--- "

PIPE_PIECE = 1 << 20
"""Bytes gathered before a piece crosses the pipe."""
PIPE_DEPTH = 4
"""Pieces the pipe holds: the producer waits when the encryptor falls behind."""
_POLL = 0.2


class _Aborted(Exception):
    """The other side of a pipe gave up."""


class BytePipe:
    """A bounded byte pipe between two threads: ``write`` and ``close`` here, ``readinto`` there.

    What is written is gathered by reference, not copied: immutable data
    (``bytes``, or a view of ``bytes``) crosses as it is, in pieces of at
    least ``piece`` bytes a queue slot, and only a mutable buffer the
    caller may reuse is copied. The reader then copies each byte once, into
    its own buffer. ``abort`` wakes both sides: a writer blocked on a full
    pipe, a reader blocked on an empty one, each raises instead of waiting
    forever.
    """

    def __init__(self, depth: int = PIPE_DEPTH, piece: int = PIPE_PIECE) -> None:
        self._queue: queue.Queue[list[bytes | memoryview] | None] = queue.Queue(maxsize=depth)
        self._piece = piece
        self._pending: list[bytes | memoryview] = []
        self._pending_size = 0
        self._parts: list[bytes | memoryview] = []  # the reader's current piece, reversed
        self._current = memoryview(b"")
        self._aborted = threading.Event()
        self._eof = False

    # -- writer side ----------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> int:
        kept: bytes | memoryview
        if type(data) is bytes:
            kept = data
        elif type(data) is memoryview and type(data.obj) is bytes and data.c_contiguous:
            kept = data[:]  # a view of bytes never changes; its own, should the caller release
        else:
            kept = bytes(data)  # the caller may reuse its buffer
        size = kept.nbytes if isinstance(kept, memoryview) else len(kept)
        if size:
            self._pending.append(kept)
            self._pending_size += size
            if self._pending_size >= self._piece:
                self._flush()
        return size

    def close(self) -> None:
        """No more data: flush what is gathered and mark the end."""
        if self._pending:
            self._flush()
        self._put(None)

    def _flush(self) -> None:
        pending = self._pending
        self._pending = []
        self._pending_size = 0
        self._put(pending)

    def _put(self, item: list[bytes | memoryview] | None) -> None:
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
        """Copy what is there into ``view``, up to its size; wait only while nothing is."""
        size = len(view)
        filled = 0
        while filled < size:
            current = self._current
            if not current:
                if self._parts:
                    self._current = memoryview(self._parts.pop()).cast("B")
                    continue
                if filled or not self._next_piece():
                    break
                continue
            count = min(size - filled, len(current))
            view[filled : filled + count] = current[:count]
            self._current = current[count:]
            filled += count
        return filled

    def _next_piece(self) -> bool:
        """Wait for the next piece; False at the end of the data."""
        while not self._eof:
            if self._aborted.is_set():
                raise _Aborted()
            try:
                item = self._queue.get(timeout=_POLL)
            except queue.Empty:
                continue
            if item is None:
                self._eof = True
                break
            item.reverse()
            self._parts = item
            return True
        return False


class _HashingSink:
    """Forwards writes to a file while hashing and counting them.

    With a ``payload`` target it splits the age file: the bytes up to and
    including the header MAC line go to ``target``, the rest to ``payload``.
    It then hashes the payload alone as it passes (the header is small and
    kept to be hashed at the end): one SHA-256 pass over the ciphertext,
    as for a one-file package, never two.
    """

    def __init__(self, target: BinaryIO, payload: BinaryIO | None = None) -> None:
        self.target = target
        self.payload = payload
        self.digest = hashlib.sha256()
        self.size = 0
        self.header = bytearray()
        self.header_done = payload is None
        self.payload_digest = hashlib.sha256()
        self.payload_size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.size += len(view)
        if self.payload is None:
            self.digest.update(view)
        if self.header_done:
            self._payload(view)
            return len(view)
        self.header += view
        mac = self.header.find(_MAC_LINE)
        end = -1 if mac < 0 else self.header.find(b"\n", mac + len(_MAC_LINE))
        if end < 0:
            if len(self.header) > MAX_HEADER:
                raise StorageError("the package does not start with an age header")
            return len(view)
        rest = memoryview(bytes(self.header[end + 1 :]))
        del self.header[end + 1 :]
        self._write(self.target, memoryview(self.header))
        self.header_done = True
        self._payload(rest)
        return len(view)

    def _payload(self, view: memoryview) -> None:
        if self.payload is None:
            self._write(self.target, view)
            return
        self.payload_digest.update(view)
        self.payload_size += len(view)
        self._write(self.payload, view)

    @staticmethod
    def _write(target: BinaryIO, view: memoryview) -> None:
        while view:
            written = target.write(view)
            view = view[len(view) if written is None else written :]

    def flush(self) -> None:
        self.target.flush()
        if self.payload is not None:
            self.payload.flush()


class EncryptingWriter:
    """Write plaintext in; an age file for ``recipients`` appears at ``path`` on success only.

    With ``payload`` the age file is stored split: its header at ``path``,
    its payload (read-only) at ``payload``; both appear on success only.
    Use as a context manager: leaving the block normally finishes the files
    (``size`` of the whole ciphertext; for one file its ``sha256``, for a
    split one ``header_sha256``, ``header_size``, ``payload_sha256`` and
    ``payload_size`` instead: the whole file's digest is not computed) are
    then set); leaving it by an exception (a cancel, an error) discards
    everything, so nothing, not even a temporary file, is left behind.
    """

    def __init__(
        self, path: Path, recipients: Sequence[Recipient], *, payload: Path | None = None
    ) -> None:
        self.path = path
        self.payload_path = payload
        self._recipients = list(recipients)
        self._pipe = BytePipe()
        self._stack = contextlib.ExitStack()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._sink: _HashingSink | None = None
        self.plaintext_size = 0
        self.sha256 = ""
        self.size = 0
        self.header_sha256 = ""
        self.header_size = 0
        self.payload_sha256 = ""
        self.payload_size = 0

    def __enter__(self) -> EncryptingWriter:
        out = self._stack.enter_context(atomic_output(self.path))
        payload = None
        if self.payload_path is not None:
            payload = self._stack.enter_context(atomic_output(self.payload_path))
            os.fchmod(payload.fileno(), PAYLOAD_MODE)
        self._sink = _HashingSink(out, payload)
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
            if self._error is None and not self._sink.header_done:
                self._error = StorageError("the package ended inside its age header")
            if self._error is None:
                self._stack.close()
                sink = self._sink
                self.size = sink.size
                if self.payload_path is None:
                    self.sha256 = sink.digest.hexdigest()
                else:
                    self.header_sha256 = hashlib.sha256(sink.header).hexdigest()
                    self.header_size = len(sink.header)
                    self.payload_sha256 = sink.payload_digest.hexdigest()
                    self.payload_size = sink.payload_size
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


PackagePart = tuple[str, str, int]
"""One file of a split package as a card names it: name, SHA-256 hex, size in bytes."""


def describe_split_package(
    card: dict[str, Any], package_id: str, header: PackagePart, payload: PackagePart
) -> dict[str, Any]:
    """A copy of a Croissant card whose package entry is made of a header and a payload file.

    The age file ``package_id`` is ``header`` followed by ``payload``; its
    entry keeps the total size and names the two in ``containedIn`` (it has
    no digest of its own: the whole file is never hashed), and each file
    gets a ``cr:FileObject`` with its digest and size, ahead of the others.
    """
    copy: dict[str, Any] = json.loads(json.dumps(card))
    distribution = [item for item in copy.get("distribution") or () if isinstance(item, dict)]
    for item in distribution:
        if item.get("@id") == package_id:
            item.pop("sha256", None)
            item["contentSize"] = f"{header[2] + payload[2]} B"
            item["containedIn"] = [{"@id": header[0]}, {"@id": payload[0]}]
            description = item.get("description", "")
            parts = f" It is {header[0]} followed by {payload[0]}."
            item["description"] = description.removesuffix(parts) + parts
    files = [
        {
            "@type": "cr:FileObject",
            "@id": name,
            "name": name,
            "description": f"The age {what} of {package_id}.",
            "contentUrl": name,
            "contentSize": f"{size} B",
            "encodingFormat": "application/octet-stream",
            "sha256": sha256,
        }
        for (name, sha256, size), what in ((header, "header"), (payload, "payload"))
    ]
    copy["distribution"] = [*files, *distribution]
    return copy


class _PipeWriter:
    """The writer end of a pipe as a stream ``decrypt_stream`` can write to."""

    def __init__(self, pipe: BytePipe) -> None:
        self._pipe = pipe

    def write(self, data: Any) -> int:
        return self._pipe.write(bytes(data))


class ChainedReader(io.RawIOBase):
    """Files read one after the other as one stream: a split package as its age file."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__()
        self._paths = list(paths)
        self._index = 0
        self._current: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._index < len(self._paths):
            if self._current is None:
                self._current = open(self._paths[self._index], "rb", buffering=0)  # noqa: SIM115
            count = self._current.readinto(view)  # type: ignore[attr-defined]
            if count:
                return int(count)
            self._current.close()
            self._current = None
            self._index += 1
        return 0

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def open_package(files: Path | Sequence[Path]) -> BinaryIO:
    """A package as one readable stream: one age file, or its header and payload files."""
    if isinstance(files, Path):
        return open(files, "rb")
    return ChainedReader(files)  # type: ignore[return-value]


def iter_package_blocks(
    path: Path | Sequence[Path],
    identities: Sequence[Identity],
    *,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[bytes]:
    """The plaintext of an age file in blocks of up to a MiB, decrypted in a thread.

    ``path`` is an age file, or the files whose concatenation is one (a
    split package's header and payload). Only authenticated plaintext is
    yielded; a damaged file raises the crypto error after the blocks before
    the damage. Closing the iterator early stops the decryption thread.
    """
    pipe = BytePipe()
    error: list[BaseException] = []

    def run() -> None:
        try:
            with open_package(path) as handle:
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
    path: Path | Sequence[Path],
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
