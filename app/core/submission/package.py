"""Writing a network's copy of a prepared package: a new header, the same payload.

Rewrapping gives the package a header that also wraps the file key for the
network (:func:`app.core.crypto.rewrap_header`, time independent of size);
the payload is never decrypted or re-encrypted. The new file still has to
exist as bytes (the signed digest covers the whole file), so the payload is
copied inside the kernel (``copy_file_range``: no trip through Python, and
a reflink where the filesystem can) while a second thread hashes each
copied range back from the output, so hashing overlaps copying and the
digest is of the bytes actually written. Both are linear in the size; the
benchmark ``benchmarks/submission_build.py`` measures how much.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.core.crypto.rewrap import NewHeader
from app.core.errors import StorageError
from app.core.fsutil import storage_error
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)

STEP: Final = 32 << 20
"""Bytes per copy step: the unit of progress, cancel checks and hashing."""
HASH_BUFFER: Final = 1 << 20
"""Bytes read back per hash update: small enough to stay in the CPU cache
(a 32 MiB buffer hashes a quarter slower)."""
_UNSUPPORTED: Final = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)


@dataclass(frozen=True, slots=True)
class WrittenPackage:
    sha256: str
    size: int


class _Hasher:
    """Hashes ranges of a file in a thread, in the order they are queued."""

    def __init__(self, fd: int, prefix: bytes, largest: int) -> None:
        self._fd = fd
        self._size = max(1, min(HASH_BUFFER, largest))
        self._digest = hashlib.sha256(prefix)
        self._ranges: queue.Queue[tuple[int, int] | None] = queue.Queue(maxsize=4)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="package-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        view = memoryview(bytearray(self._size))
        while (item := self._ranges.get()) is not None:
            offset, length = item
            if self._error is not None:
                continue
            try:
                done = 0
                while done < length:
                    want = min(len(view), length - done)
                    count = os.preadv(self._fd, [view[:want]], offset + done)
                    if count == 0:
                        raise OSError(errno.EIO, "the output ended while being hashed")
                    self._digest.update(view[:count])
                    done += count
            except OSError as exc:
                self._error = exc

    def add(self, offset: int, length: int) -> None:
        self._ranges.put((offset, length))

    def finish(self) -> str:
        self._ranges.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def abandon(self) -> None:
        self._ranges.put(None)
        self._thread.join()


class _Syncer:
    """Pushes the output to disk while it is still being copied.

    The disk then writes while the CPUs copy and hash, and the final
    ``fsync`` has little left to wait for. Kicks that arrive while a sync
    runs are folded into the next one.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._wake = threading.Event()
        self._stop = False
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="package-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                self._error = exc
                return

    def kick(self) -> None:
        self._wake.set()

    def finish(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()
        if self._error is not None:
            raise self._error


def _copy_step(src: int, dst: int, offset: int, length: int, *, kernel: bool) -> int:
    """Copy up to ``length`` bytes from ``offset`` in ``src`` to the end of ``dst``."""
    if kernel:
        return os.copy_file_range(src, dst, length, offset)
    data = os.pread(src, min(length, STEP), offset)
    view = memoryview(data)
    while view:
        view = view[os.write(dst, view) :]
    return len(data)


def write_package(
    source: Path,
    header: NewHeader,
    destination: Path,
    *,
    sync: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> WrittenPackage:
    """Write ``header`` and the payload of ``source`` (from ``header.payload_offset``).

    ``destination`` must not exist; on any failure it is removed. With
    ``sync`` the file is on disk when this returns.
    """
    try:
        src = os.open(source, os.O_RDONLY)
    except OSError as exc:
        raise StorageError(
            f"cannot read the prepared package {source.name}: {exc.strerror}"
        ) from None
    try:
        payload = os.fstat(src).st_size - header.payload_offset
        if payload < 0:
            raise StorageError(f"the prepared package {source.name} is shorter than its header")
        try:
            dst = os.open(destination, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise storage_error(exc, destination) from None
        try:
            digest = _fill(src, dst, header, payload, sync, progress, cancel)
            if sync:
                os.fsync(dst)
        except OSError as exc:
            destination.unlink(missing_ok=True)
            raise storage_error(exc, destination) from None
        except BaseException:
            destination.unlink(missing_ok=True)
            raise
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return WrittenPackage(digest, len(header.header) + payload)


def _fill(
    src: int,
    dst: int,
    header: NewHeader,
    payload: int,
    sync: bool,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> str:
    view = memoryview(header.header)
    while view:
        view = view[os.write(dst, view) :]
    start = len(header.header)
    hasher = _Hasher(dst, header.header, payload)
    syncer = _Syncer(dst) if sync and payload > STEP else None
    kernel = True
    done = 0
    try:
        while done < payload:
            cancel.raise_if_cancelled()
            want = min(STEP, payload - done)
            try:
                count = _copy_step(src, dst, header.payload_offset + done, want, kernel=kernel)
            except OSError as exc:
                if not (kernel and done == 0 and exc.errno in _UNSUPPORTED):
                    raise
                kernel = False
                continue
            if count == 0:
                raise OSError(errno.EIO, "the prepared package ended early")
            hasher.add(start + done, count)
            if syncer is not None:
                syncer.kick()
            done += count
            progress(ProgressEvent("package", done, payload))
    except BaseException:
        hasher.abandon()
        if syncer is not None:
            with contextlib.suppress(OSError):
                syncer.finish()
        raise
    if syncer is not None:
        syncer.finish()
    if payload == 0:
        progress(ProgressEvent("package", 0, 0))
    return hasher.finish()
