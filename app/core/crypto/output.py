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
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.core.fsutil import fsync_dir, storage_error

USE_UNNAMED_TEMP = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
"""Whether to try ``O_TMPFILE`` first (Linux with ``/proc``)."""


def _is_special(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


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
            handle = os.fdopen(fd, "wb", buffering=0)
    except OSError as exc:
        raise storage_error(exc, path) from None
    try:
        with handle:
            yield handle
            if not special:
                os.fsync(handle.fileno())
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
