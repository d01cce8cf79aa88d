"""Use cases of prepared datasets: prepare, list, show, export, prove, delete.

A prepared dataset is two things that appear together or not at all: an
age-encrypted JSONL package in ``<data dir>/datasets/``, stored as its age
header and its payload in two files (``<id>.age-header``, ``<id>.age-payload``,
see :mod:`app.core.datasets.package`; datasets prepared before the split
have one ``<id>.age``), with an encrypted
companion holding the records' leaf hashes, so proofs need not decrypt the
records) and a row in the vault's ``datasets`` table with the manifest,
the Croissant card and the quality and privacy report. Both files are
written as unnamed temporary files and named only once complete; the row is
inserted right after, and any failure in between removes the files again.
A crash in that instant leaves named files without a row, which the next
prepare sweeps away.

The package is encrypted to the owner identity's own recipient: prepared
records never sit on disk in the clear, and exporting them is an explicit
act (:func:`export_dataset`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from app import paths
from app.core.crypto import X25519Identity, parse_recipient, read_header
from app.core.crypto.output import atomic_output
from app.core.datasets.card import (
    PACKAGE_ID,
    CardInput,
    build_card,
    card_bytes,
)
from app.core.datasets.commitment import HASH_SIZE, LeafHashes
from app.core.datasets.dedupe import MinHashParams
from app.core.datasets.importers import Format, ImportOptions
from app.core.datasets.normalize import DEFAULT_OPTIONS, NormalizeOptions
from app.core.datasets.package import (
    HEADER_SUFFIX,
    PAYLOAD_SUFFIX,
    EncryptingWriter,
    describe_split_package,
    iter_package_blocks,
    iter_package_lines,
)
from app.core.datasets.pii import DEFAULT_TYPES, PiiType, RedactionPolicy
from app.core.datasets.pipeline import PipelineInput, prepare
from app.core.datasets.proof_document import (
    ProofDocument,
    make_proof_document,
    parse_proof_document,
)
from app.core.datasets.records import JsonValue
from app.core.datasets.report import build_manifest, build_report
from app.core.datasets.stages import StageConfig
from app.core.errors import InvalidInput, NotFound
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)
from app.core.store.database import transaction, translated_errors
from app.core.submission.manifest import HEADER_FILE, PAYLOAD_FILE
from app.core.submission.package import place_payload, seal_payload
from app.services.dataset_facts import (
    UNSPECIFIED_LICENSE,
    check_card,
    complete_card,
    pipeline_facts,
)
from app.services.identities import list_identities, load_keys, resolve_identity
from app.services.vault import Session

DedupeMode = Literal["off", "exact", "near"]
PACKAGE_SUFFIX: Final = ".age"
LEAVES_SUFFIX: Final = ".leaves.age"
MIN_PREFIX: Final = 4
MAX_NAME: Final = 200
_ORPHAN_AGE_SECONDS: Final = 300
_CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"


class DatasetNotFound(NotFound, InvalidInput):
    """No dataset has this id or id prefix."""


@dataclass(frozen=True, slots=True)
class PrepareRequest:
    """Everything a prepare needs; the GUI wizard and the CLI both fill one."""

    inputs: tuple[Path, ...]
    name: str
    format: Format | None = None
    import_options: ImportOptions = field(default_factory=ImportOptions)
    skip_bad_records: bool = False
    dedupe: DedupeMode = "exact"
    near_threshold: float = 0.85
    keep_near_duplicates: frozenset[int] = frozenset()
    """Records (by index in the import, as the scan reports them) kept after review
    although they are near duplicates of an earlier record."""
    pii_types: frozenset[PiiType] = DEFAULT_TYPES
    pii_policy: RedactionPolicy = field(default_factory=RedactionPolicy)
    card: CardInput | None = None
    identity: str | None = None
    normalize: NormalizeOptions = DEFAULT_OPTIONS
    workers: int | None = None
    """Worker processes; None uses every core (small inputs run in this process)."""

    def pipeline_input(self) -> PipelineInput:
        if not self.inputs:
            raise InvalidInput("name at least one file or folder to prepare")
        return PipelineInput(
            paths=tuple(Path(p) for p in self.inputs),
            format=self.format,
            options=self.import_options,
            skip_bad_records=self.skip_bad_records,
            workers=self.workers,
            # Beside the packages, on the profile's disk: the system temp folder may be in RAM.
            spill_dir=paths.datasets_dir(),
        )

    def stage_config(self, mode: Literal["prepare", "scan"], key: bytes) -> StageConfig:
        if self.dedupe not in ("off", "exact", "near"):
            raise InvalidInput(f"unknown dedupe mode {self.dedupe!r}; choose off, exact or near")
        if not 0.0 < self.near_threshold < 1.0:
            raise InvalidInput("the near-duplicate threshold must be between 0 and 1")
        return StageConfig(
            mode=mode,
            normalize=self.normalize,
            pii_types=frozenset(self.pii_types),
            policy=self.pii_policy,
            pseudonym_key=key,
            dedupe=self.dedupe,
            minhash=MinHashParams(),
            near_threshold=self.near_threshold,
            keep_near=frozenset(self.keep_near_duplicates),
        )


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


# -- prepare ---------------------------------------------------------------------------


def new_dataset_id() -> str:
    """26 lowercase Crockford base32 characters: 48 bits of milliseconds, 80 random bits.

    Sorts by creation time, like a ULID.
    """
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def check_dataset_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("a dataset needs a name")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"dataset names are at most {MAX_NAME} characters")
    return cleaned


def prepare_dataset(
    session: Session,
    request: PrepareRequest,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> DatasetInfo:
    """Import, clean, redact, commit, encrypt and record one dataset; all or nothing.

    Raises the importers' :class:`~app.core.errors.InvalidInput` errors
    (naming file and line) on bad input unless skipping bad records,
    :class:`~app.core.datasets.card.InvalidCard` for unusable card fields
    (checked before any work), ``Cancelled`` when cancelled. On any failure
    no package, companion, temporary file or row is left.
    """
    name = check_dataset_name(request.name)
    owner = resolve_identity(session, request.identity)
    recipient = parse_recipient(owner.recipient)
    card_input = complete_card(request.card, name, owner.name, owner.did)
    check_card(card_input)
    source = request.pipeline_input()
    key = secrets.token_bytes(32)
    config = request.stage_config("prepare", key)
    folder = paths.datasets_dir()
    _sweep_orphans(session, folder)
    dataset_id = new_dataset_id()
    package_path = folder / f"{dataset_id}{HEADER_SUFFIX}"
    payload_path = folder / f"{dataset_id}{PAYLOAD_SUFFIX}"
    leaves_path = folder / f"{dataset_id}{LEAVES_SUFFIX}"
    try:
        with (
            EncryptingWriter(package_path, [recipient], payload=payload_path) as package,
            EncryptingWriter(leaves_path, [recipient]) as leaves,
        ):
            outcome = prepare(source, config, package, leaves, progress=progress, cancel=cancel)
            cancel.raise_if_cancelled()
        seal_payload(package_path, payload_path)
        progress(ProgressEvent("finish", 0, 1, "steps"))
        created = datetime.now(UTC).replace(microsecond=0)
        facts = pipeline_facts(request, outcome, created, package.payload_sha256, package.size)
        card = describe_split_package(  # the package entry names its two files
            build_card(card_input, facts),
            PACKAGE_ID,
            (HEADER_FILE, package.header_sha256, package.header_size),
            (PAYLOAD_FILE, package.payload_sha256, package.payload_size),
        )
        manifest = build_manifest(
            dataset_id=dataset_id,
            name=name,
            created=created,
            owner_did=owner.did,
            recipient=owner.recipient,
            outcome=outcome,
            package_file=_relative(package_path),
            package_sha256=package.payload_sha256,
            package_size=package.size,
            leaves_file=_relative(leaves_path),
            leaves_sha256=leaves.sha256,
            card_sha256=hashlib.sha256(card_bytes(card)).hexdigest(),
        )
        del manifest["package"]["sha256"]  # the two files' digests follow
        manifest["package"]["header"] = {
            "file": _relative(package_path),
            "sha256": package.header_sha256,
            "size": package.header_size,
        }
        manifest["package"]["payload"] = {
            "file": _relative(payload_path),
            "sha256": package.payload_sha256,
            "size": package.payload_size,
        }
        report = build_report(request_summary(request), outcome)
        cancel.raise_if_cancelled()
        with transaction(session.conn) as conn:
            conn.execute(
                "INSERT INTO datasets (id, name, created, owner_did, records, duplicates_removed,"
                " rejected, commitment, package_file, package_sha256, package_size,"
                " pseudonym_key, manifest, card, report)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset_id,
                    name,
                    created.isoformat(),
                    owner.did,
                    outcome.records,
                    outcome.exact_duplicates + outcome.near_duplicates,
                    outcome.rejections.total,
                    outcome.commitment.hex(),
                    _relative(package_path),
                    package.payload_sha256,
                    package.size,
                    key,
                    _dumps(manifest),
                    _dumps(card),
                    _dumps(report),
                ),
            )
    except BaseException:
        for leftover in (package_path, payload_path, leaves_path):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise
    progress(ProgressEvent("finish", 1, 1, "steps"))
    return get_dataset(session, dataset_id)


def request_summary(request: PrepareRequest) -> dict[str, Any]:
    """The choices of a prepare, for the report (no record content, no secret)."""
    policy = request.pii_policy
    return {
        "format": request.format,
        "skip_bad_records": request.skip_bad_records,
        "dedupe": request.dedupe,
        "near_threshold": request.near_threshold if request.dedupe == "near" else None,
        "pii_types": sorted(str(kind) for kind in request.pii_types),
        "pii_default_action": str(policy.default),
        "pii_type_actions": {str(k): str(v) for k, v in sorted(policy.per_type.items())},
        "pii_reviewed_findings": len(policy.per_finding),
        "normalisation": list(request.normalize.steps()),
    }


def _relative(path: Path) -> str:
    return path.relative_to(paths.data_dir()).as_posix()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def _sweep_orphans(session: Session, folder: Path) -> None:
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


# -- reading ---------------------------------------------------------------------------

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
    if len(wanted) < MIN_PREFIX or not all(ch in _CROCKFORD for ch in wanted):
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


def _leaves_path(info: DatasetInfo) -> Path:
    return info.package_path.with_name(info.id + LEAVES_SUFFIX)


def _owner_identity(session: Session, info: DatasetInfo) -> X25519Identity:
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


def _check_package(info: DatasetInfo) -> None:
    for path in info.package_files:
        if not path.is_file():
            raise NotFound(f"the package of dataset {info.id[:8]} is missing {path}")


def open_package_records(
    session: Session, id_or_prefix: str, *, cancel: CancelToken = NEVER_CANCELLED
) -> Iterator[JsonValue]:
    """The prepared records, decrypted as they are read (nothing written to disk)."""
    info = get_dataset(session, id_or_prefix)
    _check_package(info)
    identity = _owner_identity(session, info)
    for line in iter_package_lines(info.package_files, [identity], cancel=cancel):
        value: JsonValue = json.loads(line)
        yield value


def export_dataset(
    session: Session,
    id_or_prefix: str,
    destination: Path,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> int:
    """Write the records, decrypted, as JSONL to ``destination``; the number written.

    The file appears only when complete. This is the one operation that
    puts prepared records on disk in the clear, so front ends ask first.
    """
    info = get_dataset(session, id_or_prefix)
    _check_package(info)
    identity = _owner_identity(session, info)
    count = 0
    with atomic_output(Path(destination)) as out:
        for line in iter_package_lines(info.package_files, [identity], cancel=cancel):
            out.write(line + b"\n")
            count += 1
            if not count % 10_000:
                progress(ProgressEvent("export", count, info.records, "records"))
    progress(ProgressEvent("export", count, info.records, "records"))
    return count


def _leaf_hashes(session: Session, info: DatasetInfo, cancel: CancelToken) -> LeafHashes:
    path = _leaves_path(info)
    if not path.is_file():
        raise NotFound(f"the leaf hashes of dataset {info.id[:8]} are missing from {path}")
    identity = _owner_identity(session, info)
    data = b"".join(iter_package_blocks(path, [identity], cancel=cancel))
    if len(data) != info.records * HASH_SIZE:
        raise InvalidInput(f"the leaf hashes of dataset {info.id[:8]} are incomplete")
    return LeafHashes(data)


def prove_record(
    session: Session,
    id_or_prefix: str,
    index: int,
    *,
    include_record: bool = False,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ProofDocument:
    """An inclusion proof of record ``index`` (0-based) against the dataset's commitment.

    With ``include_record`` the document carries the record itself (read
    from the package up to that record), so it shows the content too.
    """
    info = get_dataset(session, id_or_prefix)
    if not 0 <= index < info.records:
        raise InvalidInput(
            f"dataset {info.id[:8]} has {info.records} records; "
            f"give a record number from 0 to {info.records - 1}"
        )
    leaves = _leaf_hashes(session, info, cancel)
    record: object | None = None
    if include_record:
        for position, value in enumerate(open_package_records(session, info.id, cancel=cancel)):
            if position == index:
                record = value
                break
    document = make_proof_document(leaves, index, record=record, cancel=cancel)
    if document.root.hex() != info.commitment:
        raise InvalidInput(
            f"the stored leaf hashes of dataset {info.id[:8]} do not match its commitment"
        )
    return document


def verify_proof_document(document: bytes | str | Mapping[str, object]) -> bool:
    """True when the proof's path leads from its leaf (or record) to its root.

    Raises :class:`~app.core.datasets.commitment.InvalidProof` when the
    document is malformed rather than false.
    """
    return parse_proof_document(document).verify()


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
    _check_package(info)
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
        package["file"] = _relative(header_path)
        package["header"] = {
            "file": _relative(header_path),
            "sha256": hashlib.sha256(header).hexdigest(),
            "size": header_size,
        }
        package["payload"] = {
            "file": _relative(payload_path),
            "sha256": placed.sha256,
            "size": placed.size,
        }
        with transaction(session.conn) as conn:
            conn.execute(
                "UPDATE datasets SET package_file = ?, package_sha256 = ?, manifest = ?"
                " WHERE id = ?",
                (_relative(header_path), placed.sha256, _dumps(manifest), info.id),
            )
    except BaseException:
        for leftover in (header_path, payload_path):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        info.package_path.unlink()
    return get_dataset(session, info.id)


def delete_dataset(session: Session, id_or_prefix: str) -> None:
    """Remove the row and the encrypted files; refused while a submission refers to it."""
    info = get_dataset(session, id_or_prefix)
    with transaction(session.conn) as conn:
        used = conn.execute(
            "SELECT count(*) FROM submissions WHERE dataset_id = ?", (info.id,)
        ).fetchone()[0]
        if used:
            raise InvalidInput(
                f"dataset {info.id[:8]} is part of {used} submission(s) and cannot be deleted",
                hint="revoke or remove the submissions first",
            )
        conn.execute("DELETE FROM datasets WHERE id = ?", (info.id,))
    for path in (*info.package_files, _leaves_path(info)):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


__all__ = [
    "UNSPECIFIED_LICENSE",
    "DatasetInfo",
    "DatasetNotFound",
    "PrepareRequest",
    "dataset_card",
    "dataset_manifest",
    "dataset_package_path",
    "dataset_report",
    "delete_dataset",
    "export_dataset",
    "get_dataset",
    "list_datasets",
    "new_dataset_id",
    "open_package_records",
    "prepare_dataset",
    "prove_record",
    "split_package",
    "verify_proof_document",
]
