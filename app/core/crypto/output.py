"""Where encrypted or decrypted bytes go: all or nothing for regular files.

Output meant for a regular file is written to an unnamed temporary file in
the destination folder (``O_TMPFILE``), fsynced, and only then given the
final name, so a cancel, an error or a killed process leaves neither a
partial file under that name nor a stray temporary file. Where the
filesystem cannot create unnamed files, a hidden named temporary file is
used instead and removed on failure. Output that is not a regular file
(a device such as ``/dev/null``, a pipe) is written in place and never
replaced.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from app.core.fsutil import fsync_dir, storage_error

USE_UNNAMED_TEMP = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
"""Whether to try ``O_TMPFILE`` first (Linux with ``/proc``)."""
SYNC_STEP = 64 << 20
"""Bytes written between background syncs of a file output."""


def _is_special(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


class _SyncingFile(io.FileIO):
    """A file that is pushed to disk while it is being written.

    Every ``SYNC_STEP`` bytes a short-lived thread runs ``fdatasync`` on it,
    so the disk writes overlap the encryption instead of all waiting for the
    final ``fsync``; the pages already on disk are then dropped from the
    page cache (they are rarely read back soon, and other files deserve the
    memory more).
    """

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb", closefd=True)
        self._written = 0
        self._synced = 0
        self._thread: threading.Thread | None = None
        self._error: OSError | None = None

    def write(self, data: Any, /) -> int:
        count = super().write(data)
        self._written += count
        if self._written - self._synced >= SYNC_STEP and (
            self._thread is None or not self._thread.is_alive()
        ):
            self._thread = threading.Thread(target=self._sync, args=(self._written,), daemon=True)
            self._thread.start()
        return count

    def _sync(self, upto: int) -> None:
        try:
            os.fdatasync(self.fileno())
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(self.fileno(), 0, upto, os.POSIX_FADV_DONTNEED)
        except OSError as exc:
            self._error = exc
        self._synced = upto

    def sync(self) -> None:
        """Wait for the background sync, then make everything durable."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        os.fsync(self.fileno())

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        super().close()


def _open_unnamed(folder: Path) -> int | None:
    if not USE_UNNAMED_TEMP:
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes appear at ``path`` only if the block succeeds.

    OS errors while writing are reported as :class:`StorageError` naming
    ``path``; any exception discards what was written.
    """
    path = Path(path)
    folder = path.parent
    temp: Path | None = None
    try:
        special = _is_special(path)
        if special:
            handle = open(path, "wb", buffering=0)  # noqa: SIM115 - closed below
        else:
            fd = _open_unnamed(folder)
            if fd is None:
                fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
                temp = Path(name)
            handle = _SyncingFile(fd)
    except OSError as exc:
        raise storage_error(exc, path) from None
    try:
        with handle:
            yield handle
            if isinstance(handle, _SyncingFile):
                handle.sync()
                if temp is None:
                    temp = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
                    _link_unnamed(handle.fileno(), temp)
        if not special:
            assert temp is not None
            os.replace(temp, path)
            fsync_dir(folder)
    except OSError as exc:
        _discard(temp)
        raise storage_error(exc, path) from None
    except BaseException:
        _discard(temp)
        raise


def _link_unnamed(fd: int, target: Path) -> None:
    """Give an ``O_TMPFILE`` file a name.

    Plain ``link`` would try to link the ``/proc`` symlink itself; ``linkat``
    with ``AT_SYMLINK_FOLLOW`` links the file it points to. Passing a
    directory descriptor makes ``os.link`` use ``linkat``.
    """
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", target.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _discard(temp: Path | None) -> None:
    if temp is not None:
        with contextlib.suppress(OSError):
            temp.unlink()
