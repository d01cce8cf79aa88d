"""A prepared dataset's files on disk: where they are, reading them, splitting, sweeping.

The package lives in ``<data dir>/datasets/`` as its age header and its
payload (``<id>.age-header``, ``<id>.age-payload``; a dataset prepared
before the split has one ``<id>.age``) beside the encrypted companion of
leaf hashes (``<id>.leaves.age``). Kept apart from the use cases in
:mod:`app.services.datasets` so that whatever knows these names, opens the
files with the owner's key, or moves them (the one-time split of a legacy
package, the sweep of files a crash left without a row) is in one place,
and a submission build can split a package without loading the pipeline.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from app import paths
from app.core.crypto import X25519Identity, read_header
from app.core.crypto.output import atomic_output
from app.core.datasets.commitment import HASH_SIZE, LeafHashes
from app.core.datasets.package import (
    HEADER_SUFFIX,
    PAYLOAD_SUFFIX,
    iter_package_blocks,
    iter_package_lines,
)
from app.core.datasets.records import JsonValue
from app.core.errors import InvalidInput, NotFound
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.store.database import transaction, translated_errors
from app.core.submission.package import place_payload, seal_payload
from app.services.dataset_rows import DatasetInfo, dataset_manifest, dumps, get_dataset
from app.services.identities import list_identities, load_keys
from app.services.vault import Session

PACKAGE_SUFFIX: Final = ".age"
LEAVES_SUFFIX: Final = ".leaves.age"
_ORPHAN_AGE_SECONDS: Final = 300


def relative(path: Path) -> str:
    """The path as the row stores it: relative to the data folder, so the folder can move."""
    return path.relative_to(paths.data_dir()).as_posix()


def sweep_orphans(session: Session, folder: Path) -> None:
    """Remove packages a crash left without a row (named files older than a few minutes)."""
    with translated_errors():
        known = {row[0] for row in session.conn.execute("SELECT id FROM datasets")}
    cutoff = time.time() - _ORPHAN_AGE_SECONDS
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            name = entry.name
            if name.endswith(LEAVES_SUFFIX):
                dataset_id = name[: -len(LEAVES_SUFFIX)]
            elif name.endswith((HEADER_SUFFIX, PAYLOAD_SUFFIX)):
                dataset_id = name.rpartition(".age-")[0]
            elif name.endswith(PACKAGE_SUFFIX):
                dataset_id = name[: -len(PACKAGE_SUFFIX)]
            elif name.startswith(".") and name.endswith(".tmp"):
                dataset_id = ""
            else:
                continue
            if dataset_id in known:
                continue
            with contextlib.suppress(OSError):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)


def leaves_file(info: DatasetInfo) -> Path:
    return info.package_path.with_name(info.id + LEAVES_SUFFIX)


def owner_identity(session: Session, info: DatasetInfo) -> X25519Identity:
    """The age identity of the vault identity that prepared the dataset (the only one it opens)."""
    for identity in list_identities(session):
        if identity.did == info.owner_did:
            keys = load_keys(session, identity.name)
            try:
                return keys.age_identity()
            finally:
                keys.wipe()
    raise NotFound(
        f"the identity that owns dataset {info.id[:8]} is no longer in this vault",
        hint="restore it from its backup to read the dataset",
    )


def check_package(info: DatasetInfo) -> None:
    for path in info.package_files:
        if not path.is_file():
            raise NotFound(f"the package of dataset {info.id[:8]} is missing {path}")


def open_package_records(
    session: Session, id_or_prefix: str, *, cancel: CancelToken = NEVER_CANCELLED
) -> Iterator[JsonValue]:
    """The prepared records, decrypted as they are read (nothing written to disk)."""
    info = get_dataset(session, id_or_prefix)
    check_package(info)
    identity = owner_identity(session, info)
    for line in iter_package_lines(info.package_files, [identity], cancel=cancel):
        value: JsonValue = json.loads(line)
        yield value


def leaf_hashes(session: Session, info: DatasetInfo, cancel: CancelToken) -> LeafHashes:
    """The records' leaf hashes from the encrypted companion, so a proof needs no record."""
    path = leaves_file(info)
    if not path.is_file():
        raise NotFound(f"the leaf hashes of dataset {info.id[:8]} are missing from {path}")
    identity = owner_identity(session, info)
    data = b"".join(iter_package_blocks(path, [identity], cancel=cancel))
    if len(data) != info.records * HASH_SIZE:
        raise InvalidInput(f"the leaf hashes of dataset {info.id[:8]} are incomplete")
    return LeafHashes(data)


def split_package(
    session: Session,
    id_or_prefix: str,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> DatasetInfo:
    """Store a package prepared before the split (one ``<id>.age``) as header and payload, once.

    The payload is copied inside the kernel and hashed as it lands (time
    linear in the size, this one time); the row then names the two files and
    the one-file package is removed. A package already split is left alone.
    """
    info = get_dataset(session, id_or_prefix)
    if info.payload_path is not None:
        with contextlib.suppress(OSError):  # left by a split interrupted after its row was updated
            info.package_path.with_name(f"{info.id}{PACKAGE_SUFFIX}").unlink(missing_ok=True)
        return info
    check_package(info)
    header_size = read_header(info.package_path).header_size
    with info.package_path.open("rb") as handle:
        header = handle.read(header_size)
    header_path = info.package_path.with_name(f"{info.id}{HEADER_SUFFIX}")
    payload_path = info.package_path.with_name(f"{info.id}{PAYLOAD_SUFFIX}")
    try:
        with atomic_output(header_path) as out:
            out.write(header)
        payload_path.unlink(missing_ok=True)  # a leftover of an interrupted split
        placed = place_payload(
            info.package_path,
            payload_path,
            size=info.package_size - header_size,
            sha256=None,
            offset=header_size,
            methods=("copy",),
            progress=progress,
            cancel=cancel,
        )
        seal_payload(header_path, payload_path)
        manifest = dataset_manifest(session, info.id)
        package = manifest["package"]
        package.pop("sha256", None)
        package["file"] = relative(header_path)
        package["header"] = {
            "file": relative(header_path),
            "sha256": hashlib.sha256(header).hexdigest(),
            "size": header_size,
        }
        package["payload"] = {
            "file": relative(payload_path),
            "sha256": placed.sha256,
            "size": placed.size,
        }
        with transaction(session.conn) as conn:
            conn.execute(
                "UPDATE datasets SET package_file = ?, package_sha256 = ?, manifest = ?"
                " WHERE id = ?",
                (relative(header_path), placed.sha256, dumps(manifest), info.id),
            )
    except BaseException:
        for leftover in (header_path, payload_path):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        info.package_path.unlink()
    return get_dataset(session, info.id)
