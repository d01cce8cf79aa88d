"""Revoking a signed submission: sign the revocation, write it beside the submission, record it.

Kept apart from building (:mod:`app.services.submissions`) because a
revocation is its own signed statement (``revocation.dsse.json``,
:mod:`app.core.submission.revocation`) with its own rules: only once, never
effective in the past, signed by the identity that signed the submission,
and written even when the submission's folder has been moved or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.core.errors import AlreadyExists, InvalidInput
from app.core.fsutil import atomic_write_bytes, storage_error
from app.core.store.database import transaction
from app.core.submission.revocation import make_revocation, sign_revocation
from app.services.submission_dataset import identity_for
from app.services.submission_rows import REVOKED, get_submission
from app.services.vault import Session


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
    # The signer comes from the vault's row, not from parsing the stored statement, so that a
    # submission signed in an earlier format can always be revoked.
    contributor = info.signer_did
    now = datetime.now(UTC)
    if effective is not None and effective.tzinfo is None:
        raise InvalidInput("the time a revocation takes effect needs a time zone")
    if effective is not None and effective.astimezone(UTC).replace(microsecond=0) < now.replace(
        microsecond=0
    ):
        raise InvalidInput("a revocation cannot take effect in the past")
    revocation = make_revocation(
        info.id,
        contributor,
        reason=reason.strip() if reason and reason.strip() else None,
        effective=effective,
        created=now,
    )
    signer = identity_for(session, contributor, role="signed this submission")
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
