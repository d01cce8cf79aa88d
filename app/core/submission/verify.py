"""Verification of submissions and revocations as a list of named checks.

A verifier must say what failed, not just that something did: each check has
a stable name (for ``--json`` and the GUI), a status and a message naming
the mismatch ("payload digest mismatch: expected ..., got ..."). Checks that
cannot run because an earlier one failed are reported as skipped, with the
reason. The order follows the rule "verify the exact bytes, then parse":
nothing in the payload is trusted before the signature holds.
"""

from __future__ import annotations

import json
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.consent.jsonform import sha256_canonical_hex
from app.core.crypto.age import read_header
from app.core.crypto.hybrid import STANZA_TYPE as HYBRID_TYPE
from app.core.crypto.scrypt import STANZA_TYPE as SCRYPT_TYPE
from app.core.crypto.x25519 import STANZA_TYPE as X25519_TYPE
from app.core.errors import Cancelled, NotFound, StorageError, TesseraError
from app.core.progress import NEVER_CANCELLED, CancelToken, ProgressCallback, no_progress
from app.core.submission.build import file_sha256
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
from app.core.submission.merkle import MerkleAccumulator, record_digest
from app.core.submission.revocation import (
    REVOCATION_PREDICATE,
    REVOCATION_SUBJECT,
    InvalidRevocation,
    Revocation,
)
from app.core.submission.statement import InvalidStatement, Statement, parse_statement

AGE_MAGIC = b"age-encryption.org/v1\n"

RecordSource = Callable[[tuple[Path, Path]], Iterable[object]]
"""Given the package's header and payload files (their concatenation is the
age file), yields its decrypted records (JSON values) in file order."""

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


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: CheckStatus
    message: str


@dataclass(frozen=True)
class VerificationReport:
    kind: str
    """``submission`` or ``revocation``."""
    checks: tuple[Check, ...]
    signer: str | None = None
    submission_id: str | None = None
    manifest: Manifest | None = None
    revocation: Revocation | None = None

    @property
    def ok(self) -> bool:
        return not self.failures()

    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.status is CheckStatus.FAILED]

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "submission_id": self.submission_id,
            "signer": self.signer,
            "checks": [
                {"name": check.name, "status": check.status.value, "message": check.message}
                for check in self.checks
            ],
        }


class _Checks:
    """Collects results in the declared order; whatever is left is skipped."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.results: dict[str, Check] = {}

    def passed(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.PASSED, message)

    def failed(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.FAILED, message)

    def skipped(self, name: str, message: str) -> None:
        self.results[name] = Check(name, CheckStatus.SKIPPED, message)

    def done(self, reason: str = "") -> tuple[Check, ...]:
        return tuple(
            self.results.get(name) or Check(name, CheckStatus.SKIPPED, f"not run: {reason}")
            for name in self.names
        )


def verify_submission(
    envelope_path: Path,
    *,
    decrypt_records: RecordSource | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> VerificationReport:
    """Verify ``submission.dsse.json`` and the package's two files and the card beside it."""
    checks = _Checks(SUBMISSION_CHECKS)
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
    package_ok = _check_package(checks, files, statement, manifest, progress, cancel)
    if package_ok:
        _check_recipients(checks, files[0], manifest)
    else:
        checks.skipped("recipients", "not run: the package does not match the manifest")
    _check_card(checks, folder / CARD_FILE, statement, cancel)
    if decrypt_records is None:
        checks.skipped("commitment", "not checked: no identity that can decrypt the package")
    elif not package_ok:
        checks.skipped("commitment", "not run: the package does not match the manifest")
    else:
        _check_commitment(checks, files, manifest, decrypt_records, cancel)
    return VerificationReport("submission", checks.done(), signer, submission_id, manifest)


def signed_manifest(envelope_path: Path) -> Manifest | None:
    """The manifest of a submission envelope whose signature holds, else None.

    The checks :func:`verify_submission` runs before it looks beside the
    envelope: enough to test a revocation against its submission without
    hashing the package.
    """
    opened = _open_envelope(envelope_path, _Checks(SUBMISSION_CHECKS))
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
    checks = _Checks(REVOCATION_CHECKS)
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


def _open_envelope(source: Path | bytes, checks: _Checks) -> tuple[Envelope, str] | None:
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


def _check_signer(checks: _Checks, signer: str, claimed: str, document: str) -> None:
    if signer == claimed:
        checks.passed("signer", f"signed by the contributor the {document} names")
    else:
        checks.failed(
            "signer",
            f"signer mismatch: signed by {signer}, but the {document} names contributor {claimed}",
        )


def _check_consent(checks: _Checks, predicate: object, manifest: Manifest) -> None:
    assert isinstance(predicate, dict)
    declared = predicate["consent"]["sha256"]
    if declared == manifest.consent_sha256:
        checks.passed("consent", f"consent terms match their digest {declared}")
    else:
        checks.failed(
            "consent",
            f"consent digest mismatch: expected {declared}, got {manifest.consent_sha256}",
        )


def _check_subjects(checks: _Checks, statement: Statement, manifest: Manifest) -> None:
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


def _size(path: Path) -> int | None:
    """The size of a regular file; None otherwise (hashing it then says what is wrong)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _check_package(
    checks: _Checks,
    files: tuple[Path, Path],
    statement: Statement,
    manifest: Manifest,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> bool:
    """Both files of the package: sizes first (cheap), then the digests, header first."""
    parts = (
        ("header", files[0], manifest.header_size, statement.subjects[0].sha256),
        ("payload", files[1], manifest.payload_size, statement.subjects[1].sha256),
    )

    def wrong_size(what: str, path: Path, size: int, found: int | None) -> bool:
        if found is None or found == size:
            return False
        checks.failed(
            "package",
            f"{what} size mismatch: the manifest says {size} bytes, {path.name} has {found}",
        )
        return True

    if any(wrong_size(what, path, size, _size(path)) for what, path, size, _ in parts):
        return False
    for what, path, size, expected in parts:
        hashed = _hash_beside(
            checks, "package", path, cancel, progress if what == "payload" else no_progress
        )
        if hashed is None:
            return False
        digest, found = hashed
        if wrong_size(what, path, size, found):  # changed while being read
            return False
        if digest != expected:
            checks.failed("package", f"{what} digest mismatch: expected {expected}, got {digest}")
            return False
    with files[0].open("rb") as handle:
        if handle.read(len(AGE_MAGIC)) != AGE_MAGIC:
            checks.failed("package", f"{HEADER_FILE} does not begin with an age v1 header")
            return False
    checks.passed(
        "package",
        f"{HEADER_FILE} and {PAYLOAD_FILE} match their digests and sizes "
        f"({manifest.package_size} bytes of age file)",
    )
    return True


def recipient_stanza_type(recipient: str) -> str | None:
    """The stanza type an age recipient wraps the file key in; None for plugin recipients.

    The kind is the Bech32 human-readable part, everything before the last
    ``1``: ``age`` for X25519, ``age1pq`` for the post-quantum hybrid.
    """
    hrp = recipient.lower().rpartition("1")[0]
    return {"age": X25519_TYPE, "age1pq": HYBRID_TYPE}.get(hrp)


def _stanzas(count: int, kind: str) -> str:
    return f"{count} {kind} stanza{'' if count == 1 else 's'}"


def _check_recipients(checks: _Checks, path: Path, manifest: Manifest) -> None:
    """The header's stanzas against the declared recipients, as far as a header shows.

    X25519 and post-quantum stanzas are anonymous, so without the identities
    only their number and types can be compared: one stanza of the matching
    type per recipient, no passphrase stanza, and no stanza that none of the
    declared recipients could have made. Which recipient a stanza is for,
    and whether it wraps the same file key as the others, only its
    identity's holder can tell (decrypting checks the header MAC).
    """
    try:
        info = read_header(path, armor=False)
    except TesseraError as exc:
        checks.failed("recipients", f"cannot read the age header in {HEADER_FILE}: {exc}")
        return
    if info.header_size != manifest.header_size:
        checks.failed(
            "recipients",
            f"{HEADER_FILE} holds {manifest.header_size - info.header_size} bytes after "
            "the age header's MAC line",
        )
        return
    found = Counter(info.stanza_types)
    declared = Counter(recipient_stanza_type(r) for r in manifest.recipients)
    plugins = declared.pop(None, 0)
    if found[SCRYPT_TYPE]:
        checks.failed(
            "recipients",
            f"the package is encrypted with a passphrase ({SCRYPT_TYPE} stanza), "
            "not to the manifest's recipients",
        )
        return
    for kind in (X25519_TYPE, HYBRID_TYPE):
        if found[kind] != declared[kind]:
            checks.failed(
                "recipients",
                f"recipient mismatch: the manifest names {declared[kind]} {kind} "
                f"recipient{'' if declared[kind] == 1 else 's'}, "
                f"the header has {_stanzas(found[kind], kind)}",
            )
            return
    others = sorted(kind for kind in found if kind not in (X25519_TYPE, HYBRID_TYPE))
    other_count = sum(found[kind] for kind in others)
    if other_count and not plugins:
        checks.failed(
            "recipients",
            f"recipient mismatch: the header has a {others[0]!r} stanza that none of the "
            "manifest's recipients makes",
        )
        return
    if other_count < plugins:
        checks.failed(
            "recipients",
            f"recipient mismatch: the manifest names {plugins} plugin "
            f"recipient{'' if plugins == 1 else 's'}, the header has "
            f"{other_count} stanza{'' if other_count == 1 else 's'} of other types",
        )
        return
    checks.passed(
        "recipients",
        f"the header has one stanza of the right type for each of the "
        f"{len(manifest.recipients)} recipients (whom each is for, only its identity can tell)",
    )


def _check_card(checks: _Checks, path: Path, statement: Statement, cancel: CancelToken) -> None:
    expected = statement.subjects[2].sha256
    hashed = _hash_beside(checks, "card", path, cancel)
    if hashed is None:
        return
    if hashed[0] == expected:
        checks.passed("card", f"{CARD_FILE} matches its digest {expected}")
    else:
        checks.failed("card", f"card digest mismatch: expected {expected}, got {hashed[0]}")


def _hash_beside(
    checks: _Checks,
    check: str,
    path: Path,
    cancel: CancelToken,
    progress: ProgressCallback = no_progress,
) -> tuple[str, int] | None:
    """Digest and size of a file named beside the envelope, or a failed check saying why not."""
    try:
        return file_sha256(path, stage="verify", progress=progress, cancel=cancel)
    except NotFound:
        checks.failed(check, f"{path.name} not found beside the envelope")
    except StorageError as exc:
        checks.failed(check, exc.message)
    return None


def _check_commitment(
    checks: _Checks,
    files: tuple[Path, Path],
    manifest: Manifest,
    decrypt_records: RecordSource,
    cancel: CancelToken,
) -> None:
    accumulator = MerkleAccumulator()
    try:
        for record in decrypt_records(files):
            if accumulator.count % 1024 == 0:
                cancel.raise_if_cancelled()
            accumulator.add(record_digest(record))
    except Cancelled:
        raise
    except TesseraError as exc:
        checks.failed("commitment", f"cannot read the records: {exc}")
        return
    root = accumulator.root().hex()
    if root != manifest.commitment:
        checks.failed(
            "commitment", f"commitment mismatch: expected {manifest.commitment}, got {root}"
        )
    elif accumulator.count != manifest.records:
        checks.failed(
            "commitment",
            f"record count mismatch: the manifest says {manifest.records}, "
            f"the package holds {accumulator.count}",
        )
    else:
        checks.passed("commitment", f"{accumulator.count} records hash to the commitment {root}")
