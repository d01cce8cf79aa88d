"""Verification of submissions and revocations as a list of named checks.

A verifier must say what failed, not just that something did: each check has
a stable name (for ``--json`` and the GUI), a status and a message naming
the mismatch ("payload digest mismatch: expected ..., got ..."). Checks that
cannot run because an earlier one failed are reported as skipped, with the
reason. The order follows the rule "verify the exact bytes, then parse":
nothing in the payload is trusted before the signature holds.

This module holds that order and the checks of the envelope and statement
themselves; the files beside the envelope are checked in
:mod:`app.core.submission.package_checks`, and the outcome is a
:class:`~app.core.submission.verification_report.VerificationReport`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.consent.jsonform import sha256_canonical_hex
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.submission.dsse import (
    IN_TOTO_PAYLOAD_TYPE,
    MAX_ENVELOPE_BYTES,
    Envelope,
    InvalidEnvelope,
)
from app.core.submission.manifest import (
    CARD_FILE,
    CONTRIBUTION_PREDICATE,
    CONTRIBUTION_SUBJECTS,
    HEADER_FILE,
    PAYLOAD_FILE,
    InvalidManifest,
    Manifest,
)
from app.core.submission.package_checks import (
    RecordSource,
    check_card,
    check_commitment,
    check_package,
    check_recipients,
)
from app.core.submission.revocation import (
    REVOCATION_PREDICATE,
    REVOCATION_SUBJECT,
    InvalidRevocation,
    Revocation,
)
from app.core.submission.statement import InvalidStatement, Statement, parse_statement
from app.core.submission.verification_report import Checks, VerificationReport

SUBMISSION_CHECKS = (
    "envelope",
    "signature",
    "statement",
    "manifest",
    "signer",
    "consent",
    "subjects",
    "package",
    "recipients",
    "card",
    "commitment",
)
REVOCATION_CHECKS = ("envelope", "signature", "statement", "revocation", "signer", "submission")


def verify_submission(
    envelope_path: Path,
    *,
    decrypt_records: RecordSource | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> VerificationReport:
    """Verify ``submission.dsse.json`` and the package's two files and the card beside it."""
    checks = Checks(SUBMISSION_CHECKS)
    opened = _open_envelope(envelope_path, checks)
    if opened is None:
        return VerificationReport("submission", checks.done("the envelope is unusable"))
    envelope, signer = opened
    try:
        statement = parse_statement(
            envelope.payload,
            predicate_type=CONTRIBUTION_PREDICATE,
            subject_names=CONTRIBUTION_SUBJECTS,
        )
        checks.passed(
            "statement",
            "in-toto Statement v1 with the package header, payload and card as subjects",
        )
    except InvalidStatement as exc:
        checks.failed("statement", exc.message)
        return VerificationReport("submission", checks.done("the statement is malformed"), signer)
    try:
        manifest = Manifest.from_json(statement.predicate, where="predicate", check_consent=False)
        checks.passed("manifest", "the manifest follows manifest.schema.json")
    except InvalidManifest as exc:
        checks.failed("manifest", exc.message)
        return VerificationReport("submission", checks.done("the manifest is malformed"), signer)
    submission_id = sha256_canonical_hex(statement.predicate)
    _check_signer(checks, signer, manifest.contributor, "manifest")
    _check_consent(checks, statement.predicate, manifest)
    _check_subjects(checks, statement, manifest)
    folder = envelope_path.parent
    files = (folder / HEADER_FILE, folder / PAYLOAD_FILE)
    package_ok = check_package(checks, files, statement, manifest, progress, cancel)
    if package_ok:
        check_recipients(checks, files[0], manifest)
    else:
        checks.skipped("recipients", "not run: the package does not match the manifest")
    check_card(checks, folder / CARD_FILE, statement, cancel)
    if decrypt_records is None:
        checks.skipped("commitment", "not checked: no identity that can decrypt the package")
    elif not package_ok:
        checks.skipped("commitment", "not run: the package does not match the manifest")
    else:
        check_commitment(checks, files, manifest, decrypt_records, cancel)
    return VerificationReport("submission", checks.done(), signer, submission_id, manifest)


def signed_manifest(envelope_path: Path) -> Manifest | None:
    """The manifest of a submission envelope whose signature holds, else None.

    The checks :func:`verify_submission` runs before it looks beside the
    envelope: enough to test a revocation against its submission without
    hashing the package.
    """
    opened = _open_envelope(envelope_path, Checks(SUBMISSION_CHECKS))
    if opened is None:
        return None
    try:
        statement = parse_statement(
            opened[0].payload,
            predicate_type=CONTRIBUTION_PREDICATE,
            subject_names=CONTRIBUTION_SUBJECTS,
        )
        return Manifest.from_json(statement.predicate, where="predicate", check_consent=False)
    except (InvalidStatement, InvalidManifest):
        return None


def verify_revocation(
    envelope: Path | bytes, *, submission: Manifest | None = None
) -> VerificationReport:
    """Verify a revocation; given the ``submission``, also that it revokes that one."""
    checks = Checks(REVOCATION_CHECKS)
    opened = _open_envelope(envelope, checks)
    if opened is None:
        return VerificationReport("revocation", checks.done("the envelope is unusable"))
    found, signer = opened
    try:
        statement = parse_statement(
            found.payload, predicate_type=REVOCATION_PREDICATE, subject_names=(REVOCATION_SUBJECT,)
        )
        checks.passed("statement", "in-toto Statement v1 naming the revoked submission")
    except InvalidStatement as exc:
        checks.failed("statement", exc.message)
        return VerificationReport("revocation", checks.done("the statement is malformed"), signer)
    try:
        revocation = Revocation.from_json(statement.predicate, where="predicate")
    except InvalidRevocation as exc:
        checks.failed("revocation", exc.message)
        return VerificationReport("revocation", checks.done("the revocation is malformed"), signer)
    if statement.subjects[0].sha256 != revocation.submission:
        checks.failed(
            "revocation",
            f"subject mismatch: the statement names {statement.subjects[0].sha256}, "
            f"the revocation {revocation.submission}",
        )
    else:
        checks.passed("revocation", "the revocation follows revocation.schema.json")
    _check_signer(checks, signer, revocation.contributor, "revocation")
    if submission is None:
        checks.skipped("submission", "not checked: no submission given to compare with")
    elif submission.digest() != revocation.submission:
        checks.failed(
            "submission",
            f"submission mismatch: expected {submission.digest()}, "
            f"the revocation names {revocation.submission}",
        )
    elif submission.contributor != revocation.contributor:
        checks.failed(
            "submission",
            f"contributor mismatch: the submission is by {submission.contributor}, "
            f"the revocation by {revocation.contributor}",
        )
    else:
        checks.passed("submission", f"revokes submission {revocation.submission}")
    return VerificationReport(
        "revocation", checks.done(), signer, revocation.submission, submission, revocation
    )


def _open_envelope(source: Path | bytes, checks: Checks) -> tuple[Envelope, str] | None:
    """Parse the envelope and find who signed it; records the first two checks."""
    if isinstance(source, Path):
        try:
            with source.open("rb") as handle:
                data = handle.read(MAX_ENVELOPE_BYTES + 1)
        except OSError as exc:
            checks.failed("envelope", f"cannot read {source.name}: {exc.strerror}")
            return None
    else:
        data = source
    try:
        envelope = Envelope.from_bytes(data)
    except InvalidEnvelope as exc:
        checks.failed("envelope", exc.message)
        return None
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE:
        checks.failed(
            "envelope",
            f"envelope: payloadType {envelope.payload_type!r}, expected {IN_TOTO_PAYLOAD_TYPE!r}",
        )
        return None
    checks.passed("envelope", "DSSE envelope with one signature over an in-toto statement")
    candidates = _candidate_signers(envelope)
    signer = next((did for did in candidates if envelope.signed_by(did)), None)
    if signer is None:
        named = " or ".join(candidates) if candidates else "no usable did:key"
        checks.failed(
            "signature",
            f"signature does not verify: the signed statement was changed, or it was not "
            f"signed by {named}",
        )
        return None
    checks.passed("signature", f"valid Ed25519 signature by {signer}")
    return envelope, signer


def _candidate_signers(envelope: Envelope) -> list[str]:
    """The keyid hint, then the signer the (not yet trusted) payload claims."""
    candidates = [envelope.keyid] if envelope.keyid.startswith("did:key:") else []
    try:
        claimed = _parse_loosely(envelope.payload)["predicate"]["contributor"]
    except (ValueError, TypeError, KeyError, RecursionError):
        claimed = None
    if isinstance(claimed, str) and claimed not in candidates and len(claimed) < 200:
        candidates.append(claimed)
    return candidates


def _parse_loosely(payload: bytes) -> Any:
    return json.loads(payload)


def _check_signer(checks: Checks, signer: str, claimed: str, document: str) -> None:
    if signer == claimed:
        checks.passed("signer", f"signed by the contributor the {document} names")
    else:
        checks.failed(
            "signer",
            f"signer mismatch: signed by {signer}, but the {document} names contributor {claimed}",
        )


def _check_consent(checks: Checks, predicate: object, manifest: Manifest) -> None:
    assert isinstance(predicate, dict)
    declared = predicate["consent"]["sha256"]
    if declared == manifest.consent_sha256:
        checks.passed("consent", f"consent terms match their digest {declared}")
    else:
        checks.failed(
            "consent",
            f"consent digest mismatch: expected {declared}, got {manifest.consent_sha256}",
        )


def _check_subjects(checks: Checks, statement: Statement, manifest: Manifest) -> None:
    header, payload, card = statement.subjects
    for what, subject, declared in (
        ("header", header, manifest.header_sha256),
        ("payload", payload, manifest.payload_sha256),
        ("card", card, manifest.card_sha256),
    ):
        if subject.sha256 != declared:
            checks.failed(
                "subjects",
                f"{what} subject mismatch: the statement says {subject.sha256}, "
                f"the manifest {declared}",
            )
            return
    checks.passed("subjects", "the statement's subjects match the manifest")
