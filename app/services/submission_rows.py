"""The vault's record of each signed submission: its id, how a prefix finds it, its manifest.

Kept apart from building (:mod:`app.services.submissions`) and revoking
(:mod:`app.services.submission_revocation`) because both, and the verifier,
read the ``submissions`` table the same way: a submission's id is its
manifest digest (the protocol's submission id, the network's idempotency
key), any unique prefix of four or more hex digits names it, and the signed
manifest is read back from the envelope the vault keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from app.core.errors import InvalidInput, NotFound
from app.core.store.database import translated_errors
from app.core.submission.dsse import Envelope
from app.core.submission.manifest import (
    CONTRIBUTION_PREDICATE,
    CONTRIBUTION_SUBJECTS,
    SUBMISSION_FILE,
    Manifest,
)
from app.core.submission.revocation import REVOCATION_FILE
from app.core.submission.statement import parse_statement
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
