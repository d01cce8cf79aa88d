"""Use cases of signed submissions: build one for a network, list, revoke, verify.

Building takes a prepared dataset (its encrypted package and card, from the
dataset service), rewraps the package's age header so the network can also
open it (the payload is not re-encrypted), signs the contribution manifest
with a vault identity, and writes the four files of a submission folder
(``resources/protocol/submission.md`` section 3): the new header, the
payload (reflinked or hard linked from the vault, its digest the one
computed at prepare, so a gigabyte builds as fast as a megabyte), the card
and the envelope. A dataset prepared before packages were split (one age
file) is split in the vault by its first build, which therefore copies and
hashes its payload once (:func:`app.services.datasets.split_package`). The
folder appears whole
or not at all: everything is written into a hidden sibling folder that is
renamed into place, and only then is the submission recorded in the vault.

A submission's id is its manifest digest (the protocol's submission id, the
network's idempotency key); any unique prefix of four or more characters
names it on the command line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

from app.core.canonical import loads_strict
from app.core.consent.cawg import LABEL as CAWG_LABEL
from app.core.consent.cawg import from_cawg
from app.core.consent.odrl import from_odrl
from app.core.consent.summary import summarize
from app.core.consent.templates import (
    CUSTOM,
    TEMPLATES,
    matching_template,
    read_terms_file,
)
from app.core.consent.terms import ConsentTerms
from app.core.crypto import NewHeader, parse_recipient, rewrap_header
from app.core.datasets.card import PACKAGE_ID as CARD_PACKAGE_ID
from app.core.datasets.card import card_bytes
from app.core.datasets.package import PackagePart, describe_split_package
from app.core.errors import AlreadyExists, InvalidInput, NotFound, StorageError
from app.core.fsutil import atomic_write_bytes, storage_error
from app.core.identity.keys import IdentityKeys
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.store.database import transaction, translated_errors
from app.core.submission.build import sign_submission
from app.core.submission.dsse import Envelope
from app.core.submission.manifest import (
    CARD_FILE,
    CONTRIBUTION_PREDICATE,
    CONTRIBUTION_SUBJECTS,
    DID,
    HEADER_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
    Manifest,
    make_manifest,
)
from app.core.submission.package import check_payload, place_payload
from app.core.submission.revocation import (
    REVOCATION_FILE,
    make_revocation,
    sign_revocation,
)
from app.core.submission.statement import parse_statement
from app.services import identities
from app.services.submission_folder import (
    check_destination,
    publish,
    staging_folder,
    write_synced,
)
from app.services.submission_verify import (
    package_records,
    vault_identities,
    verify_submission_file,
)
from app.services.vault import Session

State = Literal["signed", "revoked"]
SIGNED: Final = "signed"
REVOKED: Final = "revoked"
MIN_PREFIX: Final = 4


@dataclass(frozen=True, slots=True)
class SubmissionInfo:
    """A submission as the vault records it."""

    id: str
    """The submission id: hex SHA-256 of the signed manifest (RFC 8785)."""
    dataset_id: str
    dataset_name: str
    created: datetime
    state: State
    network_id: str | None
    network_recipient: str
    signer_did: str
    manifest_digest: str
    consent_digest: str
    folder: Path

    @property
    def envelope_path(self) -> Path:
        return self.folder / SUBMISSION_FILE

    @property
    def revocation_path(self) -> Path:
        return self.folder / REVOCATION_FILE

    @property
    def files(self) -> tuple[Path, ...]:
        """The submission's files: envelope, package header and payload, card."""
        return tuple(self.folder / name for name in (SUBMISSION_FILE, *CONTRIBUTION_SUBJECTS))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset_id": self.dataset_id,
            "dataset_name": self.dataset_name,
            "created": self.created.isoformat(),
            "state": self.state,
            "network_id": self.network_id,
            "network_recipient": self.network_recipient,
            "signer_did": self.signer_did,
            "manifest_digest": self.manifest_digest,
            "consent_digest": self.consent_digest,
            "folder": str(self.folder),
            "files": [path.name for path in self.files],
        }


# -- the prepared dataset ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedDataset:
    """What a submission takes from a prepared dataset."""

    id: str
    name: str
    owner_did: str
    records: int
    commitment: str
    package_path: Path
    """The header file of a split package, or the one age file of an older one."""
    package_size: int
    """The size of the file at ``package_path``."""
    card: dict[str, Any]
    """The card the dataset service made (it describes the prepared package)."""
    payload_path: Path | None = None
    payload_sha256: str | None = None
    payload_size: int | None = None


def submission_card(
    card: dict[str, Any], header: PackagePart, payload: PackagePart, terms: ConsentTerms
) -> bytes:
    """The card as it travels with one submission, as bytes.

    It must describe the package actually sent: the age file ``package.age``
    is the rewrapped header file followed by the payload file, so its entry
    names those two, each with its digest and size
    (:func:`app.core.datasets.package.describe_split_package`). And it
    points to the consent terms signed with it (``sc:usageInfo``, as
    :class:`app.core.datasets.card.ConsentReference` describes).
    """
    copy = json.loads(json.dumps(card))
    copy["distribution"] = [
        item
        for item in copy.get("distribution") or ()
        if not (isinstance(item, dict) and item.get("@id") in (HEADER_FILE, PAYLOAD_FILE))
    ]
    copy = describe_split_package(copy, CARD_PACKAGE_ID, header, payload)
    template = matching_template(terms)
    copy["usageInfo"] = {
        "@type": "CreativeWork",
        "name": TEMPLATES[template].title if template != CUSTOM else "Consent terms",
        "description": " ".join(summarize(terms)),
        "identifier": f"sha256:{terms.digest()}",
    }
    return card_bytes(copy)


def prepared_dataset(session: Session, dataset_id: str) -> PreparedDataset:
    """The dataset through the dataset service; its package must be on disk."""
    from app.services import datasets

    info = datasets.get_dataset(session, dataset_id)
    package = info.package_path
    sizes = []
    for path in info.package_files:
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            raise NotFound(
                f"the encrypted package of dataset {info.name!r} is missing ({path})",
                hint="prepare the dataset again",
            ) from None
        except OSError as exc:
            raise storage_error(exc, path) from None
    return PreparedDataset(
        id=info.id,
        name=info.name,
        owner_did=info.owner_did,
        records=info.records,
        commitment=info.commitment,
        package_path=package,
        package_size=sizes[0],
        card=datasets.dataset_card(session, info.id),
        payload_path=info.payload_path,
        payload_sha256=info.payload_sha256,
        payload_size=info.payload_size,
    )


# -- consent terms from the command line or a file ------------------------------------


def load_consent(spec: str | Path) -> ConsentTerms:
    """Terms from a template name, or a file holding terms, an ODRL policy or a CAWG assertion.

    The file's form is told by its content: an ``@context`` means ODRL, a
    ``cawg.training-mining`` label or bare ``entries`` mean CAWG (whose
    assertion carries only the uses; everything else takes the defaults),
    anything else is read as Tessera's own terms.
    """
    if isinstance(spec, str) and spec in TEMPLATES:
        return TEMPLATES[spec].terms
    path, data = read_terms_file(spec)
    value = loads_strict(data, what=path.name)
    if isinstance(value, dict) and "@context" in value:
        return from_odrl(value)
    if isinstance(value, dict) and (value.get("label") == CAWG_LABEL or set(value) == {"entries"}):
        return from_cawg(value)
    return ConsentTerms.from_json(value, where=path.name)


# -- building --------------------------------------------------------------------------


def _check_network(recipient: str, network_id: str | None) -> None:
    parse_recipient(recipient)  # a clear error for anything but an age recipient
    if network_id is not None and not DID.fullmatch(network_id):
        raise InvalidInput(
            f"the network id must be a DID (did:method:...), not {network_id[:40]!r}"
        )


def _identity_for(session: Session, did: str, *, role: str) -> IdentityKeys:
    name = identities.name_of_did(session, did)
    if name is None:
        raise NotFound(
            f"the identity that {role} ({did}) is no longer in this vault",
            hint="restore it from its backup with `tessera identity restore`",
        )
    return identities.load_keys(session, name)


def _signer_and_owner(
    session: Session, dataset: PreparedDataset, identity: str | None
) -> tuple[IdentityKeys, IdentityKeys]:
    """The signing identity (named, else the dataset's owner) and the owner, whose key opens it."""
    owner = _identity_for(session, dataset.owner_did, role="prepared this dataset")
    if identity is None:
        return owner, owner
    try:
        return identities.load_keys(session, identity), owner
    except BaseException:
        owner.wipe()
        raise


def _rewrapped(
    dataset: PreparedDataset, signer: IdentityKeys, owner: IdentityKeys, network: str
) -> tuple[list[str], NewHeader]:
    """The package's recipients (owner, signer, network) and its header rewrapped for them."""
    recipients = list(dict.fromkeys([owner.recipient, signer.recipient, network]))
    header = rewrap_header(
        dataset.package_path,
        [owner.age_identity()],
        recipients=[parse_recipient(r) for r in recipients],
    )
    if dataset.payload_path is not None and header.payload_offset != dataset.package_size:
        raise StorageError(
            f"the header file {dataset.package_path.name} of dataset {dataset.name!r} "
            "holds more than an age header",
            hint="prepare the dataset again",
        )
    return recipients, header


def _payload_size(dataset: PreparedDataset, header: NewHeader) -> int:
    if dataset.payload_size is not None:
        return dataset.payload_size
    return dataset.package_size - header.payload_offset


def preview_submission(
    session: Session,
    dataset_id: str,
    terms: ConsentTerms,
    *,
    recipient: str,
    network_id: str | None,
    identity: str | None = None,
) -> dict[str, Any]:
    """The manifest exactly as it will be signed, for the review screen.

    ``created`` and ``nonce`` are null: they are filled at signing. So are
    ``package.header.sha256`` and ``card.sha256``: the rewrapped header
    holds fresh random keys, so its digest exists only once it is made (its
    size is exact), and the card names that digest. The payload's digest is
    known from the prepare (null for a package prepared before the split,
    whose payload is hashed while it is copied).
    """
    _check_network(recipient, network_id)
    dataset = prepared_dataset(session, dataset_id)
    signer, owner = _signer_and_owner(session, dataset, identity)
    try:
        recipients, header = _rewrapped(dataset, signer, owner, recipient)
        manifest = make_manifest(
            commitment=dataset.commitment,
            records=dataset.records,
            header_sha256="0" * 64,
            header_size=len(header.header),
            payload_sha256=dataset.payload_sha256 or "0" * 64,
            payload_size=_payload_size(dataset, header),
            recipients=recipients,
            card_sha256="0" * 64,
            terms=terms,
            contributor=signer.did,
            network=network_id,
        )
    finally:
        signer.wipe()
        owner.wipe()
    preview = manifest.to_json()
    preview["package"]["header"]["sha256"] = None
    preview["package"]["payload"]["sha256"] = dataset.payload_sha256
    preview["card"]["sha256"] = None
    preview["created"] = None
    preview["nonce"] = None
    return preview


def build_submission_for_dataset(
    session: Session,
    dataset_id: str,
    terms: ConsentTerms,
    *,
    recipient: str,
    network_id: str | None,
    out_dir: Path,
    identity: str | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SubmissionInfo:
    """Write a signed submission folder at ``out_dir`` and record it in the vault.

    ``out_dir`` must not exist or be an empty folder. The package is the
    prepared one with a header that wraps its key for the owner, the signer
    and the network's ``recipient``; ``network_id`` is the network's DID.
    """
    from app.services import datasets

    _check_network(recipient, network_id)
    out_dir = Path(out_dir).absolute()
    check_destination(out_dir)
    datasets.split_package(session, dataset_id, progress=progress, cancel=cancel)
    dataset = prepared_dataset(session, dataset_id)
    signer, owner = _signer_and_owner(session, dataset, identity)
    try:
        recipients, header = _rewrapped(dataset, signer, owner, recipient)
        with staging_folder(out_dir) as staging:
            write_synced(staging / HEADER_FILE, header.header)
            sent_header = (
                HEADER_FILE,
                hashlib.sha256(header.header).hexdigest(),
                len(header.header),
            )
            assert dataset.payload_path is not None  # split_package made sure
            if dataset.payload_sha256 is not None:
                check_payload(
                    dataset.package_path,
                    dataset.payload_path,
                    dataset.payload_sha256,
                    progress=progress,
                    cancel=cancel,
                )
            placed = place_payload(
                dataset.payload_path,
                staging / PAYLOAD_FILE,
                size=_payload_size(dataset, header),
                sha256=dataset.payload_sha256,
                progress=progress,
                cancel=cancel,
            )
            sent_payload = (PAYLOAD_FILE, placed.sha256, placed.size)
            card = submission_card(dataset.card, sent_header, sent_payload, terms)
            write_synced(staging / CARD_FILE, card)
            manifest = make_manifest(
                commitment=dataset.commitment,
                records=dataset.records,
                header_sha256=sent_header[1],
                header_size=sent_header[2],
                payload_sha256=placed.sha256,
                payload_size=placed.size,
                recipients=recipients,
                card_sha256=hashlib.sha256(card).hexdigest(),
                terms=terms,
                contributor=signer.did,
                network=network_id,
            )
            envelope = sign_submission(manifest, signer)
            write_synced(staging / SUBMISSION_FILE, envelope.to_bytes())
            cancel.raise_if_cancelled()
            publish(staging, out_dir)
    finally:
        signer.wipe()
        owner.wipe()
    try:
        _record(session, dataset, manifest, envelope, recipient, out_dir)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return get_submission(session, manifest.digest())


def _record(
    session: Session,
    dataset: PreparedDataset,
    manifest: Manifest,
    envelope: Envelope,
    network_recipient: str,
    folder: Path,
) -> None:
    with transaction(session.conn) as conn:
        conn.execute(
            "INSERT INTO submissions (id, dataset_id, created, state, network_id,"
            " network_recipient, signer_did, manifest_digest, consent_digest, folder, envelope)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                manifest.digest(),
                dataset.id,
                manifest.created.isoformat(),
                SIGNED,
                manifest.network,
                network_recipient,
                manifest.contributor,
                manifest.digest(),
                manifest.consent_sha256,
                str(folder),
                envelope.to_bytes().decode("utf-8"),
            ),
        )


# -- listing ---------------------------------------------------------------------------

_COLUMNS: Final = (
    "s.id, s.dataset_id, coalesce(d.name, ''), s.created, s.state, s.network_id,"
    " s.network_recipient, s.signer_did, s.manifest_digest, s.consent_digest, s.folder"
)
_FROM: Final = "FROM submissions s LEFT JOIN datasets d ON d.id = s.dataset_id"


def _info(row: Sequence[Any]) -> SubmissionInfo:
    return SubmissionInfo(
        id=row[0],
        dataset_id=row[1],
        dataset_name=row[2],
        created=datetime.fromisoformat(row[3]),
        state=REVOKED if row[4] == REVOKED else SIGNED,
        network_id=row[5],
        network_recipient=row[6],
        signer_did=row[7],
        manifest_digest=row[8],
        consent_digest=row[9],
        folder=Path(row[10]),
    )


def list_submissions(session: Session) -> list[SubmissionInfo]:
    """Newest first."""
    with translated_errors():
        rows = session.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} ORDER BY s.created DESC, s.id"
        ).fetchall()
    return [_info(row) for row in rows]


def _resolve(session: Session, id_or_prefix: str) -> str:
    prefix = id_or_prefix.strip().lower()
    if len(prefix) < MIN_PREFIX or not all(c in "0123456789abcdef" for c in prefix):
        raise InvalidInput(
            f"{id_or_prefix!r} is not a submission id: "
            f"give at least {MIN_PREFIX} of its hex digits",
            hint="see `tessera submission list`",
        )
    with translated_errors():
        rows = session.conn.execute(
            "SELECT id FROM submissions WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 3",
            (len(prefix), prefix),
        ).fetchall()
    if not rows:
        raise NotFound(f"no submission {prefix}", hint="see `tessera submission list`")
    if len(rows) > 1:
        raise InvalidInput(
            f"{prefix} names more than one submission ({rows[0][0][:12]}, {rows[1][0][:12]}, ...);"
            " give more digits"
        )
    return str(rows[0][0])


def get_submission(session: Session, id_or_prefix: str) -> SubmissionInfo:
    found = _resolve(session, id_or_prefix)
    with translated_errors():
        row = session.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE s.id = ?",
            (found,),
        ).fetchone()
    return _info(row)


def submission_manifest(session: Session, id_or_prefix: str) -> Manifest:
    """The signed manifest, read back from the envelope the vault keeps."""
    found = _resolve(session, id_or_prefix)
    with translated_errors():
        (text,) = session.conn.execute(
            "SELECT envelope FROM submissions WHERE id = ?", (found,)
        ).fetchone()
    return _manifest_of(Envelope.from_bytes(text.encode("utf-8")))


def _manifest_of(envelope: Envelope) -> Manifest:
    statement = parse_statement(
        envelope.payload,
        predicate_type=CONTRIBUTION_PREDICATE,
        subject_names=CONTRIBUTION_SUBJECTS,
    )
    return Manifest.from_json(statement.predicate, where="predicate")


# -- revoking --------------------------------------------------------------------------


def revoke_submission(
    session: Session,
    id_or_prefix: str,
    reason: str | None,
    *,
    effective: datetime | None = None,
) -> Path:
    """Sign a revocation, write ``revocation.dsse.json`` in the folder, mark it revoked.

    ``effective`` defaults to now and cannot be in the past. If the folder
    was moved or deleted it is made again to hold the revocation.
    """
    info = get_submission(session, id_or_prefix)
    if info.state == REVOKED:
        raise AlreadyExists(f"submission {info.id[:12]} is already revoked")
    manifest = submission_manifest(session, info.id)
    now = datetime.now(UTC)
    if effective is not None and effective.tzinfo is None:
        raise InvalidInput("the time a revocation takes effect needs a time zone")
    if effective is not None and effective.astimezone(UTC).replace(microsecond=0) < now.replace(
        microsecond=0
    ):
        raise InvalidInput("a revocation cannot take effect in the past")
    revocation = make_revocation(
        info.id,
        manifest.contributor,
        reason=reason.strip() if reason and reason.strip() else None,
        effective=effective,
        created=now,
    )
    signer = _identity_for(session, manifest.contributor, role="signed this submission")
    try:
        envelope = sign_revocation(revocation, signer)
    finally:
        signer.wipe()
    path = info.revocation_path
    try:
        info.folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, info.folder) from None
    atomic_write_bytes(path, envelope.to_bytes(), mode=0o644)
    with transaction(session.conn) as conn:
        conn.execute(
            "UPDATE submissions SET state = ?, revocation = ? WHERE id = ?",
            (REVOKED, envelope.to_bytes().decode("utf-8"), info.id),
        )
    return path


__all__ = [
    "SubmissionInfo",
    "build_submission_for_dataset",
    "get_submission",
    "list_submissions",
    "load_consent",
    "package_records",
    "preview_submission",
    "revoke_submission",
    "submission_manifest",
    "vault_identities",
    "verify_submission_file",
]
