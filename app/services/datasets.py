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

The row lives in :mod:`app.services.dataset_rows` and the files (their
names, reading them, the split of one-file packages, the sweep) in
:mod:`app.services.dataset_files`. This module still names their use cases
in ``__all__`` because the front ends load it by name as the dataset
service (the wizard's backend, the CLI's ``dataset`` commands).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

from app import paths
from app.core.crypto import parse_recipient
from app.core.crypto.output import atomic_output
from app.core.datasets.card import PACKAGE_ID, build_card, card_bytes
from app.core.datasets.card_input import CardInput
from app.core.datasets.dedupe import MinHashParams
from app.core.datasets.importers import Format, ImportOptions
from app.core.datasets.normalize import DEFAULT_OPTIONS, NormalizeOptions
from app.core.datasets.package import (
    HEADER_SUFFIX,
    PAYLOAD_SUFFIX,
    EncryptingWriter,
    describe_split_package,
    iter_package_lines,
)
from app.core.datasets.pii import DEFAULT_TYPES, PiiType, RedactionPolicy
from app.core.datasets.pipeline import PipelineInput, prepare
from app.core.datasets.proof_document import (
    ProofDocument,
    make_proof_document,
    parse_proof_document,
)
from app.core.datasets.report import build_manifest, build_report
from app.core.datasets.stage_io import StageConfig
from app.core.errors import InvalidInput
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)
from app.core.store.database import transaction
from app.core.submission.manifest import HEADER_FILE, PAYLOAD_FILE
from app.core.submission.package import seal_payload
from app.services.dataset_facts import (
    UNSPECIFIED_LICENSE,
    check_card,
    complete_card,
    pipeline_facts,
)
from app.services.dataset_files import (
    LEAVES_SUFFIX,
    check_package,
    leaf_hashes,
    leaves_file,
    open_package_records,
    owner_identity,
    relative,
    split_package,
    sweep_orphans,
)
from app.services.dataset_rows import (
    DatasetInfo,
    dataset_card,
    dataset_manifest,
    dataset_report,
    dumps,
    get_dataset,
    list_datasets,
    new_dataset_id,
)
from app.services.identities import resolve_identity
from app.services.vault import Session

DedupeMode = Literal["off", "exact", "near"]
MAX_NAME: Final = 200


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


# -- prepare ---------------------------------------------------------------------------


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
    :class:`~app.core.datasets.card_input.InvalidCard` for unusable card fields
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
    sweep_orphans(session, folder)
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
            package_file=relative(package_path),
            package_sha256=package.payload_sha256,
            package_size=package.size,
            leaves_file=relative(leaves_path),
            leaves_sha256=leaves.sha256,
            card_sha256=hashlib.sha256(card_bytes(card)).hexdigest(),
        )
        del manifest["package"]["sha256"]  # the two files' digests follow
        manifest["package"]["header"] = {
            "file": relative(package_path),
            "sha256": package.header_sha256,
            "size": package.header_size,
        }
        manifest["package"]["payload"] = {
            "file": relative(payload_path),
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
                    relative(package_path),
                    package.payload_sha256,
                    package.size,
                    key,
                    dumps(manifest),
                    dumps(card),
                    dumps(report),
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


# -- reading ---------------------------------------------------------------------------


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
    with atomic_output(Path(destination)) as out:
        return export_dataset_to(session, id_or_prefix, out, progress=progress, cancel=cancel)


def export_dataset_to(
    session: Session,
    id_or_prefix: str,
    out: BinaryIO,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> int:
    """Write the records, decrypted, as JSONL to an open stream (say standard output).

    What :func:`export_dataset` writes into its file; the caller owns the
    stream, and a cancel or an error leaves it with part of the records.
    """
    info = get_dataset(session, id_or_prefix)
    check_package(info)
    identity = owner_identity(session, info)
    count = 0
    for line in iter_package_lines(info.package_files, [identity], cancel=cancel):
        out.write(line + b"\n")
        count += 1
        if not count % 10_000:
            progress(ProgressEvent("export", count, info.records, "records"))
    progress(ProgressEvent("export", count, info.records, "records"))
    return count


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
    leaves = leaf_hashes(session, info, cancel)
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
    for path in (*info.package_files, leaves_file(info)):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


__all__ = [
    "UNSPECIFIED_LICENSE",
    "PrepareRequest",
    "dataset_card",
    "dataset_manifest",
    "dataset_report",
    "delete_dataset",
    "export_dataset",
    "get_dataset",
    "list_datasets",
    "open_package_records",
    "prepare_dataset",
    "prove_record",
    "split_package",
    "verify_proof_document",
]
