"""The submission folder on disk: it appears whole or not at all.

Everything is written into a hidden sibling of the destination (same
filesystem, so the final rename is atomic), each file fsynced, then the
folder is renamed into place and its parent synced. Split from
:mod:`app.services.submissions`, which decides what goes in the folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from app.core.errors import AlreadyExists, NotFound
from app.core.fsutil import fsync_dir, storage_error


def check_destination(out_dir: Path) -> None:
    """Refuse, before any work, a destination that would mix with or hide other files."""
    if out_dir.is_dir():
        try:
            empty = next(out_dir.iterdir(), None) is None
        except OSError as exc:
            raise storage_error(exc, out_dir) from None
        if not empty:
            raise AlreadyExists(
                f"{out_dir} already exists and is not empty; choose a new folder for the submission"
            )
    elif out_dir.exists():
        raise AlreadyExists(f"{out_dir} exists and is not a folder")
    if not out_dir.parent.is_dir():
        raise NotFound(f"the folder {out_dir.parent} does not exist")


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A hidden sibling of ``out_dir`` (same filesystem, so the rename is atomic)."""
    try:
        staging = Path(
            tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent)
        )
    except OSError as exc:
        raise storage_error(exc, out_dir) from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_synced(path: Path, data: bytes) -> None:
    """A new file in the staging folder, on disk before the folder is published."""
    try:
        with open(path, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise storage_error(exc, path) from None


def publish(staging: Path, out_dir: Path) -> None:
    """Rename the finished folder into place (over an empty folder, if one is there)."""
    try:
        fsync_dir(staging)
        os.replace(staging, out_dir)
        fsync_dir(out_dir.parent)
    except OSError as exc:
        raise storage_error(exc, out_dir) from None
