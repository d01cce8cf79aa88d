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
hashes its payload once (:func:`app.services.dataset_files.split_package`). The
folder appears whole
or not at all: everything is written into a hidden sibling folder that is
renamed into place, and only then is the submission recorded in the vault.

A submission's id is its manifest digest (the protocol's submission id, the
network's idempotency key); any unique prefix of four or more characters
names it on the command line.

What a build takes from the dataset lives in
:mod:`app.services.submission_dataset`, the vault's record of submissions
(listing, lookup, the signed manifest) in :mod:`app.services.submission_rows`,
revoking in :mod:`app.services.submission_revocation`. This module still
names them in ``__all__`` because the front ends load it by name as the
submission service (the wizard's backend, the CLI's ``submission`` commands)
and the verifier reads a revoked submission's manifest through it.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from app.core.canonical import loads_strict
from app.core.consent.cawg import LABEL as CAWG_LABEL
from app.core.consent.cawg import from_cawg
from app.core.consent.odrl import from_odrl
from app.core.consent.templates import TEMPLATES, read_terms_file
from app.core.consent.terms import ConsentTerms
from app.core.crypto import parse_recipient
from app.core.errors import InvalidInput
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.store.database import transaction
from app.core.submission.build import sign_submission
from app.core.submission.dsse import Envelope
from app.core.submission.manifest import (
    CARD_FILE,
    DID,
    HEADER_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
    Manifest,
    make_manifest,
)
from app.core.submission.package import check_payload, place_payload
from app.services.dataset_files import split_package
from app.services.submission_dataset import (
    PreparedDataset,
    payload_size,
    prepared_dataset,
    rewrapped,
    signer_and_owner,
    submission_card,
)
from app.services.submission_folder import (
    check_destination,
    publish,
    staging_folder,
    write_synced,
)
from app.services.submission_revocation import revoke_submission
from app.services.submission_rows import (
    SIGNED,
    SubmissionInfo,
    get_submission,
    list_submissions,
    submission_manifest,
)
from app.services.submission_verify import (
    package_records,
    vault_identities,
    verify_submission_file,
)
from app.services.vault import Session

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
    signer, owner = signer_and_owner(session, dataset, identity)
    try:
        recipients, header = rewrapped(dataset, signer, owner, recipient)
        manifest = make_manifest(
            commitment=dataset.commitment,
            records=dataset.records,
            header_sha256="0" * 64,
            header_size=len(header.header),
            payload_sha256=dataset.payload_sha256 or "0" * 64,
            payload_size=payload_size(dataset, header),
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
    _check_network(recipient, network_id)
    out_dir = Path(out_dir).absolute()
    check_destination(out_dir)
    split_package(session, dataset_id, progress=progress, cancel=cancel)
    dataset = prepared_dataset(session, dataset_id)
    signer, owner = signer_and_owner(session, dataset, identity)
    try:
        recipients, header = rewrapped(dataset, signer, owner, recipient)
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
                size=payload_size(dataset, header),
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


__all__ = [
    "SubmissionInfo",
    "build_submission_for_dataset",
    "get_submission",
    "list_submissions",
    "load_consent",
    "package_records",
    "prepared_dataset",
    "preview_submission",
    "revoke_submission",
    "submission_manifest",
    "vault_identities",
    "verify_submission_file",
]
