"""The age payload (STREAM): 64 KiB chunks sealed and opened on every core.

Each chunk is ChaCha20-Poly1305 under the payload key with the nonce
``counter (11 bytes, big endian) || final flag``, so chunks are independent
given their position. The input is read in batches straight into reusable
buffers; each batch is cut into runs of consecutive chunks that a thread
pool seals or opens into a preallocated output buffer (``cryptography``
releases the GIL inside the cipher); batches are written out strictly in
order. A few batches are in flight at once, so memory stays bounded by the
batch size whatever the file size, and reading and writing overlap the
cipher work.

Opening releases a chunk only once its tag has verified, and follows the
reference reader exactly in what it has released when it stops: a full
chunk is tried as a middle chunk, then as the final one; a short chunk can
only be final; a final chunk may be empty only in an empty payload; nothing
may follow the final chunk.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.core.crypto.errors import PayloadError
from app.core.crypto.header import hkdf
from app.core.crypto.streams import Source, Writable, write_all
from app.core.errors import StorageError
from app.core.progress import CancelToken, ProgressCallback, ProgressEvent

CHUNK: Final = 1 << 16
TAG: Final = 16
SEALED_CHUNK: Final = CHUNK + TAG
NONCE_SIZE: Final = 16
BATCH_CHUNKS: Final = 64
"""Chunks read per batch (4 MiB of plaintext)."""
MIN_RUN: Final = 4
"""Fewest chunks worth handing to a worker thread."""
FIRST_BATCH: Final = 4
"""Chunks in the first batch of a stream of unknown size."""
IN_FLIGHT: Final = 3
"""Batches being processed while the next one is read."""

_NOT_FINAL: Final = "the payload is truncated: it ends without a final chunk"
_DAMAGED: Final = "a payload chunk failed authentication (damaged, truncated or reordered)"
_EMPTY_FINAL: Final = "the payload ends with an empty chunk"
_TRAILING: Final = "there is data after the final chunk of the payload"
_PARTIAL: Final = "the payload ends in the middle of a chunk"


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return hkdf(file_key, nonce, b"payload")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


def _nonce(counter: int, final: bool) -> bytes:
    return ((counter << 8) | final).to_bytes(12, "big")


def _seal_run(
    key: bytes,
    src: memoryview,
    dst: memoryview,
    counter: int,
    count: int,
    last: int,
    final: bool,
) -> None:
    """Seal ``count`` chunks; all are full but the last, of ``last`` bytes."""
    native = _native_seal()
    if native is not None and counter + count < 1 << 64:
        native(key, src, dst, counter, count, last, final)  # the run in one call, see _native_seal
        return
    encrypt_into = ChaCha20Poly1305(key).encrypt_into  # one cipher object per thread
    for index in range(count - 1):
        plain = index * CHUNK
        sealed = index * SEALED_CHUNK
        encrypt_into(
            _nonce(counter + index, False),
            src[plain : plain + CHUNK],
            None,
            dst[sealed : sealed + SEALED_CHUNK],
        )
    index = count - 1
    plain = index * CHUNK
    sealed = index * SEALED_CHUNK
    encrypt_into(
        _nonce(counter + index, final),
        src[plain : plain + last],
        None,
        dst[sealed : sealed + last + TAG],
    )


_SealChunks = Callable[[bytes, memoryview, memoryview, int, int, int, bool], None]
_seal_found: list[_SealChunks | None] = []


def _native_seal() -> _SealChunks | None:
    """The C extension's ``seal_chunks`` (OpenSSL's ChaCha20-Poly1305), when it is built.

    ``cryptography`` releases the GIL for each 64 KiB chunk and takes it back
    after, which is a wait each time another thread holds it: in a dataset
    prepare, where threads run Python between their C calls, the thread
    sealing the package waited thousands of times a gigabyte. The C run
    releases it once. Tests hold the two equal chunk for chunk, and the
    ``age`` CLI opens what either seals. Looked up once, on first use (the
    extension's module checks that its build is current).
    """
    if not _seal_found:
        from app.core.datasets import nativelane

        native = nativelane._NATIVE if nativelane.ENABLED else None
        _seal_found.append(getattr(native, "seal_chunks", None))
    return _seal_found[0]


def _open_run(
    key: bytes,
    src: memoryview,
    dst: memoryview,
    counter: int,
    count: int,
    last: int,
    at_end: bool,
) -> tuple[int, str | None]:
    """Open ``count`` chunks; the plaintext bytes released and why it stopped early."""
    decrypt_into = ChaCha20Poly1305(key).decrypt_into  # one cipher object per thread
    produced = 0
    for index in range(count):
        size = last if index == count - 1 else SEALED_CHUNK
        if size < TAG:
            return produced, _PARTIAL
        piece = src[index * SEALED_CHUNK : index * SEALED_CHUNK + size]
        out = dst[produced : produced + size - TAG]
        end_of_input = at_end and index == count - 1
        if size == SEALED_CHUNK:
            try:
                decrypt_into(_nonce(counter + index, False), piece, None, out)
            except InvalidTag:
                pass
            else:
                produced += CHUNK
                if end_of_input:
                    return produced, _NOT_FINAL
                continue
        try:
            decrypt_into(_nonce(counter + index, True), piece, None, out)
        except InvalidTag:
            return produced, _DAMAGED
        if size == TAG and counter + index > 0:
            return produced, _EMPTY_FINAL
        produced += size - TAG
        return produced, None if end_of_input else _TRAILING
    return produced, None


class _Runner:
    """Runs chunk runs on a lazily started thread pool, or inline for tiny inputs."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor: ThreadPoolExecutor | None = None

    def split(self, count: int, inline: bool) -> list[tuple[int, int]]:
        parts = 1 if inline else max(1, min(self.workers, count // MIN_RUN))
        step, extra = divmod(count, parts)
        runs = []
        start = 0
        for part in range(parts):
            end = start + step + (part < extra)
            runs.append((start, end))
            start = end
        return runs

    def submit(self, inline: bool, fn: Callable[[], object]) -> Future[object]:
        if inline or self.workers == 1:
            future: Future[object] = Future()
            future.set_result(fn())
            return future
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="age")
        return self._executor.submit(fn)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


class _Batch:
    __slots__ = ("chunks", "count", "futures", "inbuf", "limit", "offset", "outbuf", "runs", "size")

    def __init__(self, chunks: int, in_chunk: int, out_chunk: int) -> None:
        self.chunks = chunks
        self.inbuf = memoryview(bytearray(chunks * in_chunk))
        self.outbuf = memoryview(bytearray(chunks * out_chunk))
        self.limit = 0
        self.size = 0
        self.count = 0
        self.offset: int | None = None
        self.runs: list[tuple[int, int]] = []
        self.futures: list[Future[object]] = []


@dataclass(frozen=True, slots=True)
class FileRange:
    """Input that is the rest of a regular file: ``size`` bytes from ``offset``.

    Such input is read by position (``pread``) inside the worker threads, so
    copying it out of the page cache is spread over the cores as well
    instead of holding up the thread that writes the output.
    """

    fd: int
    offset: int
    size: int


def _pread_into(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        try:
            count = os.preadv(fd, [view[done:]], offset + done)
        except OSError as exc:
            raise StorageError(
                f"could not read the input: {exc.strerror or type(exc).__name__}"
            ) from None
        if count == 0:
            raise StorageError("the input file shrank while it was being read")
        done += count


class _Pipeline:
    """Reads batches in order with one batch of look-ahead (to find the end).

    Batches start small and double up to ``batch_chunks``, so a short stream
    costs little memory and a long one gets large batches; a size hint lets
    a large file start at full size.
    """

    def __init__(
        self,
        source: Source,
        in_chunk: int,
        out_chunk: int,
        batch_chunks: int,
        workers: int | None,
        size_hint: int | None,
        file_range: FileRange | None,
    ) -> None:
        self.source = source
        self.file_range = file_range
        if file_range is not None:
            size_hint = file_range.size
            self._offset = file_range.offset
            self._remaining = file_range.size
        self.in_chunk = in_chunk
        self.out_chunk = out_chunk
        self.max_chunks = batch_chunks
        wanted = FIRST_BATCH if size_hint is None else -(-size_hint // in_chunk)
        self.next_chunks = max(1, min(batch_chunks, wanted))
        self.runner = _Runner(default_workers() if workers is None else workers)
        self.pending: deque[_Batch] = deque()
        self._free: list[_Batch] = []

    def read(self) -> _Batch:
        chunks = self.next_chunks
        self.next_chunks = min(self.max_chunks, chunks * 2)
        batch = self._free.pop() if self._free else None
        if batch is None or batch.chunks < chunks:
            batch = _Batch(chunks, self.in_chunk, self.out_chunk)
        batch.limit = chunks * self.in_chunk
        if self.file_range is None:
            batch.size = self.source.readinto(batch.inbuf[: batch.limit])
        else:
            batch.size = min(batch.limit, self._remaining)
            batch.offset = self._offset
            self._offset += batch.size
            self._remaining -= batch.size
        return batch

    def fetch(self, batch: _Batch, first: int, end: int, last: int) -> memoryview:
        """The input of chunks ``first`` to ``end``, read now if read by position."""
        start = first * self.in_chunk
        view = batch.inbuf[start : start + (end - first - 1) * self.in_chunk + last]
        if self.file_range is not None and batch.offset is not None:
            _pread_into(self.file_range.fd, view, batch.offset + start)
        return view

    def check_end(self) -> None:
        """A file read by position must not have grown meanwhile."""
        if self.file_range is not None and os.pread(self.file_range.fd, 1, self._offset):
            raise StorageError("the input file grew while it was being read")

    def recycle(self, batch: _Batch) -> None:
        batch.futures = []
        self._free.append(batch)


def _drive(
    pipeline: _Pipeline,
    chunk: int,
    start: Callable[[_Batch, int, bool, bool], None],
    finish: Callable[[_Batch], None],
    cancel: CancelToken,
) -> None:
    """Read, start and finish every batch in order, ``IN_FLIGHT`` at a time."""
    counter = 0
    current = pipeline.read()
    first = True
    try:
        while True:
            cancel.raise_if_cancelled()
            at_end = current.size < current.limit
            following = None
            if not at_end:
                following = pipeline.read()
                if following.size == 0:
                    at_end = True
                    pipeline.recycle(following)
                    following = None
            current.count = max(1, -(-current.size // chunk))
            start(current, counter, at_end, first and at_end)
            pipeline.pending.append(current)
            counter += current.count
            first = False
            while len(pipeline.pending) > (0 if at_end else IN_FLIGHT - 1):
                cancel.raise_if_cancelled()
                batch = pipeline.pending.popleft()
                finish(batch)
                pipeline.recycle(batch)
            if following is None:
                pipeline.check_end()
                return
            current = following
    finally:
        pipeline.runner.close()


def seal_payload(
    source: Source,
    sink: Writable,
    key: bytes,
    *,
    workers: int | None = None,
    progress: ProgressCallback,
    cancel: CancelToken,
    total: int | None = None,
    batch_chunks: int = BATCH_CHUNKS,
    file_range: FileRange | None = None,
) -> int:
    """Encrypt everything ``source`` (or ``file_range``) holds into ``sink``; its size."""
    pipeline = _Pipeline(source, CHUNK, SEALED_CHUNK, batch_chunks, workers, total, file_range)
    if file_range is not None:
        total = file_range.size
    done = 0

    def start(batch: _Batch, counter: int, final: bool, inline: bool) -> None:
        last = batch.size - (batch.count - 1) * CHUNK
        batch.runs = pipeline.runner.split(batch.count, inline)
        for first, end in batch.runs:
            run_last = last if end == batch.count else CHUNK

            def job(first: int = first, end: int = end, run_last: int = run_last) -> None:
                _seal_run(
                    key,
                    pipeline.fetch(batch, first, end, run_last),
                    batch.outbuf[first * SEALED_CHUNK :],
                    counter + first,
                    end - first,
                    run_last,
                    final and end == batch.count,
                )

            batch.futures.append(pipeline.runner.submit(inline, job))

    def finish(batch: _Batch) -> None:
        nonlocal done
        for future in batch.futures:
            future.result()
        write_all(sink, batch.outbuf[: batch.size + batch.count * TAG])
        done += batch.size
        progress(ProgressEvent("encrypt", done, total))

    _drive(pipeline, CHUNK, start, finish, cancel)
    return done


def open_payload(
    source: Source,
    sink: Writable,
    key: bytes,
    *,
    workers: int | None = None,
    progress: ProgressCallback,
    cancel: CancelToken,
    total: int | None = None,
    batch_chunks: int = BATCH_CHUNKS,
    file_range: FileRange | None = None,
) -> int:
    """Decrypt the payload in ``source`` (or ``file_range``) into ``sink``; the plaintext size.

    Only authenticated chunks reach ``sink``, in order. On a
    :class:`PayloadError` the chunks before the damage have been written.
    """
    pipeline = _Pipeline(source, SEALED_CHUNK, CHUNK, batch_chunks, workers, total, file_range)
    if file_range is not None:
        total = file_range.size
    released = 0
    done = 0

    def start(batch: _Batch, counter: int, at_end: bool, inline: bool) -> None:
        if batch.size == 0:
            raise PayloadError("the payload has no chunks")
        last = batch.size - (batch.count - 1) * SEALED_CHUNK
        batch.runs = pipeline.runner.split(batch.count, inline)
        for first, end in batch.runs:
            run_last = last if end == batch.count else SEALED_CHUNK

            def job(first: int = first, end: int = end, run_last: int = run_last) -> object:
                return _open_run(
                    key,
                    pipeline.fetch(batch, first, end, run_last),
                    batch.outbuf[first * CHUNK :],
                    counter + first,
                    end - first,
                    run_last,
                    at_end and end == batch.count,
                )

            batch.futures.append(pipeline.runner.submit(inline, job))

    def finish(batch: _Batch) -> None:
        nonlocal released, done
        length = 0
        for (first, _), future in zip(batch.runs, batch.futures, strict=True):
            produced, failure = cast("tuple[int, str | None]", future.result())
            length = first * CHUNK + produced
            if failure is not None:
                write_all(sink, batch.outbuf[:length])
                raise PayloadError(failure)
        write_all(sink, batch.outbuf[:length])
        released += length
        done += batch.size
        progress(ProgressEvent("decrypt", done, total))

    _drive(pipeline, SEALED_CHUNK, start, finish, cancel)
    return released
