"""Small filesystem helpers for writes that must survive a killed process."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from app.core.errors import DiskFull, StorageError


def fsync_dir(path: Path) -> None:
    """Persist a rename by syncing its folder (a no-op where unsupported)."""
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file.

    The bytes go to a temporary file in the same folder, are fsynced, and the
    file is renamed over the target; a crash at any point leaves one whole
    version behind.
    """
    folder = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def storage_error(exc: OSError, path: Path) -> StorageError:
    """Words for an OS error the user can act on."""
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"no space left on the disk while writing {path.name}")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StorageError(f"permission denied writing {path}")
    if exc.errno == errno.EROFS:
        return StorageError(f"the filesystem holding {path} is read-only")
    return StorageError(f"could not write {path}: {exc.strerror or exc.__class__.__name__}")
