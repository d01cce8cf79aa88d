"""Putting a prepared payload into a submission folder without re-encrypting or copying it.

A prepared package is stored as two files, the age header and the payload
(:mod:`app.core.datasets.package`); building for a network rewraps only the
header (:func:`app.core.crypto.rewrap_header`, a few hundred bytes) and
signs the payload's digest computed when it was prepared. The payload
itself reaches the submission folder by a reflink where the filesystem has
them, else by a hard link (the file is read-only, 0o444, so an accidental
write fails instead of silently changing signed bytes), so the build takes
the same time for a megabyte and a gigabyte. Only on another filesystem, or
for a package prepared before the split (one file: its payload is a tail
range), is the payload copied: inside the kernel (``copy_file_range``)
while a second thread hashes each copied range back from the output, so
the digest is of the bytes actually written.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from app.core.errors import StorageError
from app.core.fsutil import storage_error
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)
from app.core.submission.build import file_sha256

STEP: Final = 32 << 20
"""Bytes per copy step: the unit of progress, cancel checks and hashing."""
HASH_BUFFER: Final = 1 << 20
"""Bytes read back per hash update: small enough to stay in the CPU cache
(a 32 MiB buffer hashes a quarter slower)."""
_UNSUPPORTED: Final = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)
_NO_REFLINK: Final = (*_UNSUPPORTED, errno.ENOTTY, errno.EPERM)
_NO_LINK: Final = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP)


Method = Literal["reflink", "hardlink", "copy"]
METHODS: Final[tuple[Method, ...]] = ("reflink", "hardlink", "copy")
FICLONE: Final = 0x40049409
"""``ioctl`` request: make the destination share the source's extents (Linux)."""
PAYLOAD_MODE: Final = 0o444
"""Payload files are read-only: a hard link shares them with the vault, and an
accidental write must fail rather than change a signed digest."""


@dataclass(frozen=True, slots=True)
class PlacedPayload:
    sha256: str
    size: int
    method: Method
    """How the bytes got there: a reflink, a hard link, or a copy (hashed as it landed)."""


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


def place_payload(
    source: Path,
    destination: Path,
    *,
    size: int,
    sha256: str | None,
    offset: int = 0,
    methods: tuple[Method, ...] = METHODS,
    sync: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> PlacedPayload:
    """Put ``size`` payload bytes of ``source`` (from ``offset``) at ``destination``, read-only.

    A prepared payload file (``offset`` 0, its ``sha256`` known from the
    prepare) is reflinked where the filesystem can, else hard linked: no
    byte is read or written, and the known digest is the payload's. Across
    filesystems, or for a payload that is the tail of a one-file package
    (``offset`` > 0), the bytes are copied inside the kernel and hashed back
    from the destination as they land; a known ``sha256`` must then match.
    ``destination`` must not exist; on any failure it is removed.
    """
    try:
        available = os.stat(source).st_size - offset
    except OSError as exc:
        raise StorageError(
            f"cannot read the prepared package {source.name}: {exc.strerror}"
        ) from None
    if available != size:
        raise StorageError(
            f"the prepared package {source.name} has {available} payload bytes, "
            f"{size} were recorded when it was prepared",
            hint="prepare the dataset again",
        )
    if offset == 0 and sha256 is not None:
        for method in methods:
            if method == "reflink" and _reflink(source, destination, sync):
                return _placed(sha256, size, "reflink", progress)
            if method == "hardlink" and _hardlink(source, destination, sync):
                return _placed(sha256, size, "hardlink", progress)
    if "copy" not in methods:
        raise StorageError(f"cannot link {source.name} to {destination.parent}")
    digest = _copy(source, destination, offset, size, sync, progress, cancel)
    if sha256 is not None and digest != sha256:
        destination.unlink(missing_ok=True)
        raise StorageError(
            f"the prepared payload {source.name} no longer matches the digest recorded when "
            f"it was prepared (expected {sha256}, got {digest})",
            hint="prepare the dataset again",
        )
    return PlacedPayload(digest, size, "copy")


def seal_payload(header: Path, payload: Path) -> None:
    """Give a prepared payload its header file's modification time, the mark of an unchanged one.

    A hard-linked payload is one file with every submission folder it was
    placed in, so a write through any of those names (after a chmod, or as
    root, for whom 0o444 means nothing) changes the vault's copy too, and a
    build signs the digest recorded at prepare without reading the bytes.
    Linking, chmod and reading leave a file's modification time alone; a
    write moves it away from the header's, which is never linked or written
    after the prepare, so :func:`check_payload` knows when to hash again.
    """
    try:
        mtime = os.stat(header).st_mtime_ns
        os.utime(payload, ns=(mtime, mtime))
    except OSError as exc:
        raise storage_error(exc, payload) from None


def check_payload(
    header: Path,
    payload: Path,
    sha256: str,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> None:
    """Refuse a prepared payload written since :func:`seal_payload` marked it.

    Free when the mark holds; else the payload is hashed once against the
    digest recorded at prepare (a copy that kept the bytes but not the times
    passes and is marked again).
    """
    try:
        if os.stat(payload).st_mtime_ns == os.stat(header).st_mtime_ns:
            return
    except OSError as exc:
        raise storage_error(exc, payload) from None
    found, _size = file_sha256(payload, stage="package", progress=progress, cancel=cancel)
    if found != sha256:
        raise StorageError(
            f"the prepared payload {payload.name} was written to since it was prepared "
            "(through a submission folder's link to it?)",
            hint="prepare the dataset again",
        )
    seal_payload(header, payload)


def _placed(sha256: str, size: int, method: Method, progress: ProgressCallback) -> PlacedPayload:
    progress(ProgressEvent("package", size, size))
    return PlacedPayload(sha256, size, method)


def _reflink(source: Path, destination: Path, sync: bool) -> bool:
    """A copy that shares the source's blocks; False where the filesystem cannot."""
    try:
        src = os.open(source, os.O_RDONLY)
    except OSError as exc:
        raise storage_error(exc, source) from None
    try:
        try:
            dst = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PAYLOAD_MODE)
        except OSError as exc:
            raise storage_error(exc, destination) from None
        try:
            fcntl.ioctl(dst, FICLONE, src)
            os.fchmod(dst, PAYLOAD_MODE)
            if sync:
                os.fsync(dst)
        except OSError as exc:
            destination.unlink(missing_ok=True)
            if exc.errno in _NO_REFLINK:
                return False
            raise storage_error(exc, destination) from None
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return True


def _hardlink(source: Path, destination: Path, sync: bool) -> bool:
    """The same file under a second name; False across filesystems or where links are refused."""
    try:
        os.link(source, destination)
    except OSError as exc:
        if exc.errno in _NO_LINK:
            return False
        raise storage_error(exc, destination) from None
    try:
        os.chmod(destination, PAYLOAD_MODE)
    except OSError as exc:
        destination.unlink(missing_ok=True)
        raise storage_error(exc, destination) from None
    del sync  # a new name only: the folder's fsync (when published) makes it durable
    return True


def _copy(
    source: Path,
    destination: Path,
    offset: int,
    size: int,
    sync: bool,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> str:
    try:
        src = os.open(source, os.O_RDONLY)
    except OSError as exc:
        raise StorageError(
            f"cannot read the prepared package {source.name}: {exc.strerror}"
        ) from None
    try:
        try:
            dst = os.open(destination, os.O_RDWR | os.O_CREAT | os.O_EXCL, PAYLOAD_MODE)
        except OSError as exc:
            raise storage_error(exc, destination) from None
        try:
            digest = _fill(src, dst, offset, size, sync, progress, cancel)
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
    return digest


def _fill(
    src: int,
    dst: int,
    offset: int,
    payload: int,
    sync: bool,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> str:
    hasher = _Hasher(dst, b"", payload)
    syncer = _Syncer(dst) if sync and payload > STEP else None
    kernel = True
    done = 0
    try:
        while done < payload:
            cancel.raise_if_cancelled()
            want = min(STEP, payload - done)
            try:
                count = _copy_step(src, dst, offset + done, want, kernel=kernel)
            except OSError as exc:
                if not (kernel and done == 0 and exc.errno in _UNSUPPORTED):
                    raise
                kernel = False
                continue
            if count == 0:
                raise OSError(errno.EIO, "the prepared package ended early")
            hasher.add(done, count)
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
