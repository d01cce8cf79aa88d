"""The vault's row of each prepared dataset: its id, how a prefix finds it, what it records.

Kept apart from :mod:`app.services.datasets` (the use cases) and
:mod:`app.services.dataset_files` (the package on disk) because everything
that only reads the ``datasets`` table lives here: listing, looking up an id
or a prefix of one, the JSON columns (manifest, card, report). It needs
neither the preparation pipeline nor a key, so the submission service reads
datasets through it without loading either.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from app import paths
from app.core.errors import InvalidInput, NotFound
from app.core.store.database import translated_errors
from app.services.vault import Session

MIN_PREFIX: Final = 4
CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"
"""The alphabet of dataset ids (lowercase Crockford base32: no i, l, o, u)."""


class DatasetNotFound(NotFound, InvalidInput):
    """No dataset has this id or id prefix."""


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One prepared dataset, as lists and summaries show it."""

    id: str
    name: str
    created: datetime
    owner_did: str
    records: int
    duplicates_removed: int
    rejected: int
    commitment: str
    package_path: Path
    package_sha256: str
    """SHA-256 of the payload file of a split package (the header changes with
    every rewrap and the whole age file is never hashed); of the one age file
    of a package prepared before the split."""
    package_size: int
    """The age file's size (header and payload)."""
    pii: dict[str, int]
    payload_path: Path | None = None
    """The payload file of a split package (``package_path`` is then its header);
    None for a package prepared before the split, one age file."""
    payload_sha256: str | None = None
    payload_size: int | None = None

    @property
    def package_files(self) -> tuple[Path, ...]:
        """The files whose concatenation is the age file, in order."""
        if self.payload_path is None:
            return (self.package_path,)
        return (self.package_path, self.payload_path)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created": self.created.isoformat(),
            "owner_did": self.owner_did,
            "records": self.records,
            "duplicates_removed": self.duplicates_removed,
            "rejected": self.rejected,
            "commitment": self.commitment,
            "package": str(self.package_path),
            "package_sha256": self.package_sha256,
            "package_size": self.package_size,
            "package_files": [str(path) for path in self.package_files],
            "pii": dict(self.pii),
        }


def new_dataset_id() -> str:
    """26 lowercase Crockford base32 characters: 48 bits of milliseconds, 80 random bits.

    Sorts by creation time, like a ULID.
    """
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def dumps(value: object) -> str:
    """JSON as the row's manifest, card and report columns store it (compact, key order kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


_COLUMNS: Final = (
    "id, name, created, owner_did, records, duplicates_removed, rejected, commitment,"
    " package_file, package_sha256, package_size, manifest"
)


def _info(row: tuple[Any, ...]) -> DatasetInfo:
    manifest = json.loads(row[11])
    pii = manifest.get("pii", {}) if isinstance(manifest, dict) else {}
    payload = manifest.get("package", {}).get("payload") if isinstance(manifest, dict) else None
    return DatasetInfo(
        id=row[0],
        name=row[1],
        created=datetime.fromisoformat(row[2]),
        owner_did=row[3],
        records=int(row[4]),
        duplicates_removed=int(row[5]),
        rejected=int(row[6]),
        commitment=row[7],
        package_path=paths.data_dir() / row[8],
        package_sha256=row[9],
        package_size=int(row[10]),
        pii={str(k): int(v) for k, v in pii.items()},
        payload_path=paths.data_dir() / payload["file"] if payload else None,
        payload_sha256=payload["sha256"] if payload else None,
        payload_size=int(payload["size"]) if payload else None,
    )


def list_datasets(session: Session) -> list[DatasetInfo]:
    """Every prepared dataset, newest first."""
    with translated_errors():
        rows = session.conn.execute(
            f"SELECT {_COLUMNS} FROM datasets ORDER BY created DESC, id DESC"  # noqa: S608
        ).fetchall()
    return [_info(row) for row in rows]


def _resolve_id(session: Session, id_or_prefix: str) -> str:
    wanted = id_or_prefix.strip().lower()
    if len(wanted) < MIN_PREFIX or not all(ch in CROCKFORD for ch in wanted):
        raise DatasetNotFound(
            f"no dataset {id_or_prefix!r}",
            hint=f"give its id or the first {MIN_PREFIX} or more characters of it",
        )
    with translated_errors():
        rows = session.conn.execute(
            "SELECT id FROM datasets WHERE substr(id, 1, ?) = ? LIMIT 2", (len(wanted), wanted)
        ).fetchall()
    if not rows:
        raise DatasetNotFound(
            f"no dataset {id_or_prefix!r}", hint="run `tessera dataset list` to see them"
        )
    if len(rows) > 1:
        raise InvalidInput(f"{id_or_prefix!r} matches several datasets; give more of the id")
    return str(rows[0][0])


def get_dataset(session: Session, id_or_prefix: str) -> DatasetInfo:
    dataset_id = _resolve_id(session, id_or_prefix)
    with translated_errors():
        row = session.conn.execute(
            f"SELECT {_COLUMNS} FROM datasets WHERE id = ?",  # noqa: S608
            (dataset_id,),
        ).fetchone()
    return _info(row)


def _json_column(session: Session, id_or_prefix: str, column: str) -> dict[str, Any]:
    dataset_id = _resolve_id(session, id_or_prefix)
    with translated_errors():
        row = session.conn.execute(
            f"SELECT {column} FROM datasets WHERE id = ?",  # noqa: S608 - fixed column names
            (dataset_id,),
        ).fetchone()
    value = json.loads(row[0])
    assert isinstance(value, dict)
    return value


def dataset_card(session: Session, id_or_prefix: str) -> dict[str, Any]:
    """The Croissant card (JSON-LD)."""
    return _json_column(session, id_or_prefix, "card")


def dataset_manifest(session: Session, id_or_prefix: str) -> dict[str, Any]:
    return _json_column(session, id_or_prefix, "manifest")


def dataset_report(session: Session, id_or_prefix: str) -> dict[str, Any]:
    """The quality and privacy report."""
    return _json_column(session, id_or_prefix, "report")


def dataset_package_path(session: Session, id_or_prefix: str) -> Path:
    return get_dataset(session, id_or_prefix).package_path
