"""Building and signing a submission folder.

The statement's subjects are the package's age header, its payload and the
card, in that order (``resources/protocol/submission.md`` section 8). The
submission service knows the payload's digest from the prepare and hashes
only the rewrapped header; :func:`build_submission` is the plain form for
files already in a folder (``package.age-header``, ``package.age-payload``,
``card.json``): it hashes all three, signs, and writes
``submission.dsse.json`` beside them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.core.consent.terms import ConsentTerms
from app.core.errors import NotFound, StorageError
from app.core.fsutil import atomic_write_bytes
from app.core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressCallback,
    ProgressEvent,
    no_progress,
)
from app.core.submission.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, Signer, sign_envelope
from app.core.submission.manifest import (
    CARD_FILE,
    CLIENT,
    CONTRIBUTION_PREDICATE,
    HEADER_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
    Manifest,
    make_manifest,
)
from app.core.submission.statement import Subject, statement_bytes

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SignedSubmission:
    manifest: Manifest
    envelope: Envelope
    envelope_path: Path

    @property
    def submission_id(self) -> str:
        return self.manifest.digest()


def file_sha256(
    path: Path,
    *,
    stage: str = "hash",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> tuple[str, int]:
    """Hex SHA-256 and size of a file, streamed in 1 MiB reads."""
    digest = hashlib.sha256()
    done = 0
    try:
        total = path.stat().st_size
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                cancel.raise_if_cancelled()
                digest.update(chunk)
                done += len(chunk)
                progress(ProgressEvent(stage, done, total))
    except FileNotFoundError:
        raise NotFound(f"{path.name} not found in {path.parent}") from None
    except OSError as exc:
        raise StorageError(
            f"cannot read {path.name}: {exc.strerror or type(exc).__name__}"
        ) from None
    return digest.hexdigest(), done


def contribution_statement(manifest: Manifest) -> bytes:
    """The in-toto statement: header, payload and card as subjects, the manifest as predicate."""
    return statement_bytes(
        [
            Subject(HEADER_FILE, manifest.header_sha256),
            Subject(PAYLOAD_FILE, manifest.payload_sha256),
            Subject(CARD_FILE, manifest.card_sha256),
        ],
        CONTRIBUTION_PREDICATE,
        manifest.to_json(),
    )


def sign_submission(manifest: Manifest, signer: Signer) -> Envelope:
    if signer.did != manifest.contributor:
        raise ValueError("a submission is signed by the contributor its manifest names")
    return sign_envelope(contribution_statement(manifest), IN_TOTO_PAYLOAD_TYPE, signer)


def build_submission(
    folder: Path,
    *,
    commitment: str,
    records: int,
    terms: ConsentTerms,
    recipients: Sequence[str],
    signer: Signer,
    network: str | None = None,
    organization_credential: Mapping[str, Any] | None = None,
    created: datetime | None = None,
    nonce: str | None = None,
    client: str = CLIENT,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> SignedSubmission:
    """Hash the package's two files and the card in ``folder``, sign, write the envelope."""
    header_sha256, header_size = file_sha256(folder / HEADER_FILE, stage="hash", cancel=cancel)
    payload_sha256, payload_size = file_sha256(
        folder / PAYLOAD_FILE, stage="hash", progress=progress, cancel=cancel
    )
    card_sha256, _ = file_sha256(folder / CARD_FILE, stage="hash", cancel=cancel)
    manifest = make_manifest(
        commitment=commitment,
        records=records,
        header_sha256=header_sha256,
        header_size=header_size,
        payload_sha256=payload_sha256,
        payload_size=payload_size,
        recipients=recipients,
        card_sha256=card_sha256,
        terms=terms,
        contributor=signer.did,
        network=network,
        organization_credential=organization_credential,
        created=created,
        nonce=nonce,
        client=client,
    )
    envelope = sign_submission(manifest, signer)
    cancel.raise_if_cancelled()
    path = folder / SUBMISSION_FILE
    atomic_write_bytes(path, envelope.to_bytes(), mode=0o644)
    return SignedSubmission(manifest, envelope, path)
