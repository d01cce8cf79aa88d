"""Signed revocations: making them, and verifying them against their submission."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from app.core.submission.dsse import IN_TOTO_PAYLOAD_TYPE, sign_envelope
from app.core.submission.revocation import (
    REVOCATION_PREDICATE,
    InvalidRevocation,
    Revocation,
    make_revocation,
    sign_revocation,
)
from app.core.submission.verification_report import CheckStatus
from app.core.submission.verify import verify_revocation
from tests.unit.core.submission.conftest import Folder
from tests.vectors.submission.generate import SeedSigner

MADE = datetime(2025, 7, 1, tzinfo=UTC)


def _revocation(folder: Folder, **overrides: object) -> Revocation:
    arguments: dict[str, object] = {
        "reason": "changed my mind",
        "created": MADE,
        "nonce": "ab" * 16,
    }
    arguments.update(overrides)
    return make_revocation(
        folder.built.submission_id,
        folder.built.manifest.contributor,
        **arguments,
    )


def test_revocation_verifies_against_its_submission(folder: Folder, signer: SeedSigner) -> None:
    revocation = _revocation(folder)
    envelope = sign_revocation(revocation, signer)
    report = verify_revocation(envelope.to_bytes(), submission=folder.built.manifest)
    assert report.ok, report.to_json()
    assert report.kind == "revocation"
    assert report.revocation == revocation
    assert report.submission_id == folder.built.submission_id
    assert report.signer == signer.did
    assert revocation.effective == revocation.created


def test_revocation_json_round_trip(folder: Folder) -> None:
    revocation = _revocation(folder, reason=None, effective=MADE + timedelta(days=30))
    assert Revocation.from_json(json.loads(json.dumps(revocation.to_json()))) == revocation


def test_revocation_without_a_submission_skips_that_check(
    folder: Folder, signer: SeedSigner
) -> None:
    report = verify_revocation(sign_revocation(_revocation(folder), signer).to_bytes())
    assert report.ok
    assert report.check("submission").status is CheckStatus.SKIPPED


def test_revocation_of_another_submission_is_named(folder: Folder, signer: SeedSigner) -> None:
    other = make_revocation("e" * 64, signer.did, created=MADE, nonce="ab" * 16)
    report = verify_revocation(
        sign_revocation(other, signer).to_bytes(), submission=folder.built.manifest
    )
    assert {check.name: check.message for check in report.failures()} == {
        "submission": f"submission mismatch: expected {folder.built.submission_id}, "
        f"the revocation names {'e' * 64}"
    }


def test_revocation_by_someone_else_is_named(
    folder: Folder, signer: SeedSigner, other_signer: SeedSigner
) -> None:
    forged = make_revocation(
        folder.built.submission_id, other_signer.did, created=MADE, nonce="ab" * 16
    )
    report = verify_revocation(
        sign_revocation(forged, other_signer).to_bytes(), submission=folder.built.manifest
    )
    failures = {check.name: check.message for check in report.failures()}
    assert failures["submission"].startswith("contributor mismatch")
    with pytest.raises(ValueError, match="signed by the contributor it names"):
        sign_revocation(_revocation(folder), other_signer)


def test_revocation_signed_by_the_wrong_key_is_named(
    folder: Folder, other_signer: SeedSigner
) -> None:
    revocation = _revocation(folder)
    envelope = sign_envelope(revocation.statement(), IN_TOTO_PAYLOAD_TYPE, other_signer)
    report = verify_revocation(envelope.to_bytes(), submission=folder.built.manifest)
    assert report.check("signer").message == (
        f"signer mismatch: signed by {other_signer.did}, but the revocation names contributor "
        f"{revocation.contributor}"
    )


def test_tampered_revocation_fails_the_signature(folder: Folder, signer: SeedSigner) -> None:
    envelope = sign_revocation(_revocation(folder), signer)
    statement = json.loads(envelope.payload)
    statement["predicate"]["effective"] = "2030-01-01T00:00:00Z"
    forged = envelope.to_json()
    forged["payload"] = base64.b64encode(rfc8785.dumps(statement)).decode()
    report = verify_revocation(json.dumps(forged).encode(), submission=folder.built.manifest)
    assert [check.name for check in report.failures()] == ["signature"]


def test_subject_and_predicate_must_agree(folder: Folder, signer: SeedSigner) -> None:
    statement = json.loads(_revocation(folder).statement())
    statement["subject"][0]["digest"]["sha256"] = "f" * 64
    envelope = sign_envelope(bytes(rfc8785.dumps(statement)), IN_TOTO_PAYLOAD_TYPE, signer)
    report = verify_revocation(envelope.to_bytes())
    assert report.check("revocation").message.startswith("subject mismatch")


def test_a_submission_envelope_is_not_a_revocation(folder: Folder) -> None:
    report = verify_revocation(folder.envelope)
    assert report.check("statement").message.startswith(
        f"statement.predicateType: expected {REVOCATION_PREDICATE}"
    )


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"effective": MADE - timedelta(seconds=1)}, "cannot take effect before"),
        ({"reason": " "}, "must not be empty"),
        ({"nonce": "xyz"}, "nonce must be 32 lowercase hex"),
        ({"created": datetime(2025, 1, 1)}, "needs a time zone"),
    ],
)
def test_revocation_rules(folder: Folder, overrides: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidRevocation, match=words):
        _revocation(folder, **overrides)


def test_revocation_identifiers_are_checked() -> None:
    with pytest.raises(InvalidRevocation, match="submission id must be 64"):
        make_revocation("abc", "did:key:z6Mk")
    with pytest.raises(InvalidRevocation, match="contributor: "):
        make_revocation("a" * 64, "did:key:z6Mk")


def test_revocation_version_is_checked(folder: Folder) -> None:
    document = _revocation(folder).to_json()
    document["revocation_version"] = 2
    with pytest.raises(InvalidRevocation, match="version 2 is not supported"):
        Revocation.from_json(document)


def test_malformed_revocation_predicate_is_named(folder: Folder, signer: SeedSigner) -> None:
    statement = json.loads(_revocation(folder).statement())
    del statement["predicate"]["nonce"]
    envelope = sign_envelope(bytes(rfc8785.dumps(statement)), IN_TOTO_PAYLOAD_TYPE, signer)
    report = verify_revocation(envelope.to_bytes())
    assert report.check("revocation").message == "predicate.nonce: missing"
    assert report.check("signer").message == "not run: the revocation is malformed"


def test_revocation_contributor_must_sign() -> None:
    x25519 = "did:key:z6LSnjagzhe8Df6gZmroW3wjDd7XQLwAuYfwa4ZeTBCGFoYc"
    with pytest.raises(InvalidRevocation, match="must be an Ed25519 did:key"):
        make_revocation("a" * 64, x25519)
