"""Verifying a submission or revocation folder, with the vault's keys when there is one.

Kept apart from building so that verifying needs nothing of the writing
side: a network, an auditor or the contributor runs the same checks
(``app/core/submission/verify.py``); this module only finds the keys that
can open the package, so the commitment check can run, and tells a
revocation from a submission before anything in it is trusted.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.core.canonical import loads_strict
from app.core.crypto import Identity, X25519Identity
from app.core.crypto.age import open_input, open_source, unwrap_file_key
from app.core.crypto.errors import NoIdentityMatch
from app.core.crypto.header import parse_header
from app.core.errors import InvalidInput, NotFound, TesseraError
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.submission.dsse import MAX_ENVELOPE_BYTES, Envelope
from app.core.submission.manifest import HEADER_FILE, SUBMISSION_FILE
from app.core.submission.package_checks import RecordSource
from app.core.submission.revocation import REVOCATION_PREDICATE
from app.core.submission.verification_report import VerificationReport
from app.core.submission.verify import signed_manifest, verify_revocation, verify_submission
from app.services import identities
from app.services.vault import Session


def _predicate_type(path: Path) -> str | None:
    """What an envelope claims to hold, read before anything is trusted (only to dispatch)."""
    try:
        with path.open("rb") as handle:
            envelope = Envelope.from_bytes(handle.read(MAX_ENVELOPE_BYTES + 1))
        statement = json.loads(envelope.payload)
        kind = statement.get("predicateType") if isinstance(statement, dict) else None
    except (OSError, TesseraError, ValueError, RecursionError):
        return None
    return kind if isinstance(kind, str) else None


def vault_identities(session: Session, name: str | None = None) -> list[Identity]:
    """The age identities of the vault (or of the one named), to open packages with."""
    return [
        X25519Identity.from_string(text) for text in identities.age_identity_strings(session, name)
    ]


def _opens(header: Path, keys: Sequence[Identity]) -> bool:
    """Whether one of ``keys`` opens the package's header (MAC checked)."""
    if not keys:
        return False
    try:
        handle, _ = open_input(header)
        with handle:
            source, _ = open_source(handle, False)
            unwrap_file_key(parse_header(source), list(keys))
    except NoIdentityMatch:
        return False
    except (TesseraError, OSError):
        return True  # let the commitment check report what is wrong with it
    return True


def package_records(
    keys: Sequence[Identity], cancel: CancelToken = NEVER_CANCELLED
) -> RecordSource:
    """A record source for the verifier: decrypts in a thread and parses each line."""
    from app.core.datasets.package import iter_package_lines

    def records(files: tuple[Path, Path]) -> Iterable[object]:
        for number, line in enumerate(iter_package_lines(files, keys, cancel=cancel)):
            yield loads_strict(line, what=f"record {number}")

    return records


def verify_submission_file(
    envelope: Path,
    *,
    session: Session | None = None,
    identity: str | None = None,
    keys: Sequence[Identity] = (),
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> VerificationReport:
    """Verify a submission (or a revocation) envelope and the files beside it.

    The commitment check runs when some identity opens the package: ``keys``
    given directly, or the vault's identities (only ``identity`` if named).
    A revocation is checked against the submission beside it, or the one
    the vault recorded under the id it names.
    """
    envelope = Path(envelope)
    if _predicate_type(envelope) == REVOCATION_PREDICATE:
        return _verify_revocation_file(envelope, session)
    available = list(keys)
    if session is not None:
        available += vault_identities(session, identity)
    header = envelope.parent / HEADER_FILE
    source = package_records(available, cancel) if _opens(header, available) else None
    return verify_submission(envelope, decrypt_records=source, progress=progress, cancel=cancel)


def _verify_revocation_file(path: Path, session: Session | None) -> VerificationReport:
    beside = path.parent / SUBMISSION_FILE
    manifest = signed_manifest(beside) if beside.is_file() else None
    report = verify_revocation(path, submission=manifest)
    if manifest is None and session is not None and report.revocation is not None:
        with contextlib.suppress(NotFound, InvalidInput):
            from app.services.submissions import submission_manifest

            manifest = submission_manifest(session, report.revocation.submission)
            report = verify_revocation(path, submission=manifest)
    return report
