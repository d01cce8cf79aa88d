"""Manifest, DSSE envelope, statement and Merkle commitment as formats."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.consent.templates import load_terms
from app.core.consent.terms import ConsentTerms
from app.core.submission.dsse import Envelope, InvalidEnvelope, pae, sign_envelope
from app.core.submission.manifest import InvalidManifest, Manifest, make_manifest
from app.core.submission.merkle import MerkleAccumulator, commitment, record_digest
from app.core.submission.statement import (
    InvalidStatement,
    Subject,
    parse_statement,
    statement_bytes,
)
from tests.unit.core.consent.strategies import consent_terms
from tests.unit.core.submission.conftest import NETWORK, RECIPIENTS
from tests.vectors.submission.generate import SeedSigner

SIGNER = SeedSigner(bytes(range(32)))


def _manifest(terms: ConsentTerms | None = None, **overrides: Any) -> Manifest:
    arguments: dict[str, Any] = {
        "commitment": "a" * 64,
        "records": 3,
        "header_sha256": "b" * 64,
        "header_size": 234,
        "payload_sha256": "d" * 64,
        "payload_size": 1000,
        "recipients": RECIPIENTS,
        "card_sha256": "c" * 64,
        "terms": terms or load_terms("open-research"),
        "contributor": SIGNER.did,
        "network": NETWORK,
        "created": datetime(2025, 6, 1, tzinfo=UTC),
        "nonce": "0f" * 16,
    }
    arguments.update(overrides)
    return make_manifest(**arguments)


@settings(max_examples=60)
@given(consent_terms(), st.integers(0, 2**53 - 1), st.none() | st.just({"role": "member"}))
def test_manifest_round_trip(terms: ConsentTerms, records: int, credential: Any) -> None:
    manifest = _manifest(terms, records=records, organization_credential=credential)
    as_json = json.loads(json.dumps(manifest.to_json()))
    assert Manifest.from_json(as_json) == manifest
    assert manifest.digest() == hashlib.sha256(rfc8785.dumps(as_json)).hexdigest()
    assert as_json["consent"]["sha256"] == terms.digest()


def test_manifest_defaults_are_fresh() -> None:
    first = make_manifest(
        commitment="a" * 64,
        records=1,
        header_sha256="b" * 64,
        header_size=1,
        payload_sha256="d" * 64,
        payload_size=0,
        recipients=RECIPIENTS[:1],
        card_sha256="c" * 64,
        terms=load_terms("custom"),
        contributor=SIGNER.did,
    )
    second = make_manifest(**{**_kwargs(first), "nonce": None, "created": None})
    assert first.nonce != second.nonce
    assert first.client.startswith("tessera/")
    assert first.created.tzinfo is UTC
    assert first.network is None


def _kwargs(manifest: Manifest) -> dict[str, Any]:
    return {
        "commitment": manifest.commitment,
        "records": manifest.records,
        "header_sha256": manifest.header_sha256,
        "header_size": manifest.header_size,
        "payload_sha256": manifest.payload_sha256,
        "payload_size": manifest.payload_size,
        "recipients": manifest.recipients,
        "card_sha256": manifest.card_sha256,
        "terms": manifest.terms,
        "contributor": manifest.contributor,
    }


def test_manifest_times_are_normalised() -> None:
    east = timezone(timedelta(hours=2))
    manifest = _manifest(created=datetime(2025, 6, 1, 14, 0, 0, 999, tzinfo=east))
    assert manifest.to_json()["created"] == "2025-06-01T12:00:00Z"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"commitment": "A" * 64}, "commitment must be 64 lowercase hex"),
        ({"records": -1}, "records must be a whole number"),
        ({"header_size": True}, "header_size must be a whole number"),
        ({"payload_sha256": "d" * 63}, "payload_sha256 must be 64 lowercase hex"),
        ({"payload_size": 2**53 - 1}, "package_size must be a whole number"),
        ({"recipients": []}, "between 1 and 32 recipients"),
        ({"recipients": [RECIPIENTS[0]] * 2}, "listed twice"),
        ({"recipients": ["ssh-ed25519 AAAA"]}, "is not an age recipient"),
        ({"contributor": "did:key:z6LSnjagzhe8Df6gZmroW3wjDd7XQLwAuYfwa4ZeTBCGFoYc"}, "Ed25519"),
        ({"contributor": "did:web:example.org"}, "contributor: not a did:key"),
        ({"created": datetime(2025, 1, 1)}, "needs a time zone"),
        ({"nonce": "0F" * 16}, "nonce must be 32 lowercase hex"),
        ({"client": "tessera"}, "name/version"),
        ({"network": "https://example.org"}, "network must be a DID"),
    ],
)
def test_manifest_rules(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidManifest, match=words):
        _manifest(**overrides)


def test_manifest_json_errors_name_the_path() -> None:
    document = _manifest().to_json()
    document["package"]["recipients"] = [RECIPIENTS[0], 7]
    with pytest.raises(
        InvalidManifest, match=r"manifest\.package\.recipients\[1\]: expected a string"
    ):
        Manifest.from_json(document)
    document = _manifest().to_json()
    document["consent"]["sha256"] = "d" * 64
    with pytest.raises(InvalidManifest, match="consent digest mismatch: expected"):
        Manifest.from_json(document)
    assert Manifest.from_json(document, check_consent=False).consent_sha256 != "d" * 64
    document = _manifest().to_json()
    assert document["package"]["size"] == 1234
    document["package"]["size"] = 1235
    with pytest.raises(
        InvalidManifest, match=r"manifest\.package\.size: expected 1234 \(header size \+ payload"
    ):
        Manifest.from_json(document)
    document = _manifest().to_json()
    document["organization_credential"] = "org"
    with pytest.raises(InvalidManifest, match="organization_credential: expected an object"):
        Manifest.from_json(document)
    document = _manifest().to_json()
    document["consent"]["terms"]["uses"]["evaluation"]["use"] = "sometimes"
    with pytest.raises(InvalidManifest, match=r"consent\.terms\.uses\.evaluation\.use"):
        Manifest.from_json(document)


def test_pae_matches_the_dsse_definition() -> None:
    assert pae("a", b"xyz") == b"DSSEv1 1 a 3 xyz"
    assert pae("application/vnd.in-toto+json", b"") == b"DSSEv1 28 application/vnd.in-toto+json 0 "
    assert pae("\u00e9", b"\x00") == b"DSSEv1 2 \xc3\xa9 1 \x00"


def test_envelope_round_trip_and_signature() -> None:
    envelope = sign_envelope(b'{"a":1}', "application/vnd.in-toto+json", SIGNER)
    assert envelope.keyid == SIGNER.did
    assert Envelope.from_bytes(envelope.to_bytes()) == envelope
    assert envelope.to_bytes().endswith(b"}\n")
    assert envelope.signed_by(SIGNER.did)
    assert not envelope.signed_by(SeedSigner(bytes(32)).did)
    assert not envelope.signed_by("did:key:nonsense")


def test_signing_with_a_lying_signer_is_refused() -> None:
    class Liar(SeedSigner):
        @property
        def did(self) -> str:
            return SeedSigner(bytes(32)).did

    with pytest.raises(ValueError, match="does not verify under its own did:key"):
        sign_envelope(b"{}", "t", Liar(bytes(range(32))))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda e: e.update(payload=e["payload"].rstrip("=")), "not standard base64"),
        (lambda e: e.update(payload=e["payload"].replace("e", "-", 1)), "not standard base64"),
        (lambda e: e["signatures"].append(e["signatures"][0]), "exactly one signature, found 2"),
        (lambda e: e["signatures"][0].update(sig=base64.b64encode(b"x" * 63).decode()), "64 bytes"),
        (lambda e: e["signatures"][0].update(keyid=None), "keyid: expected a string"),
        (lambda e: e["signatures"][0].pop("keyid"), "keyid: missing"),
        (lambda e: e.update(extra=True), "unknown member 'extra'"),
    ],
)
def test_envelope_parsing_is_strict(change: Any, words: str) -> None:
    envelope = sign_envelope(b'{"e":1}', "application/vnd.in-toto+json", SIGNER).to_json()
    change(envelope)
    with pytest.raises(InvalidEnvelope, match=words):
        Envelope.from_bytes(json.dumps(envelope).encode())


def test_non_canonical_base64_is_refused() -> None:
    # "e31=" decodes to the same byte as "e30=" but is not its canonical spelling.
    envelope = sign_envelope(b"{}", "t", SIGNER).to_json()
    envelope["payload"] = "e31="
    with pytest.raises(InvalidEnvelope, match="canonical padded form"):
        Envelope.from_bytes(json.dumps(envelope).encode())


def test_oversized_envelope_is_refused() -> None:
    with pytest.raises(InvalidEnvelope, match="larger than"):
        Envelope.from_bytes(b" " * (4 << 20) + b" ")


def test_statement_round_trip_and_shape() -> None:
    payload = statement_bytes([Subject("a", "0" * 64)], "https://example.org/p", {"x": 1})
    statement = parse_statement(
        payload, predicate_type="https://example.org/p", subject_names=("a",)
    )
    assert statement.subjects == (Subject("a", "0" * 64),)
    assert statement.predicate == {"x": 1}
    with pytest.raises(InvalidStatement, match="predicateType: expected"):
        parse_statement(payload, predicate_type="https://example.org/q", subject_names=("a",))
    with pytest.raises(InvalidStatement, match="expected the subjects"):
        parse_statement(payload, predicate_type="https://example.org/p", subject_names=("b",))
    bad = statement_bytes([Subject("a", "0" * 63)], "https://example.org/p", {})
    with pytest.raises(InvalidStatement, match=r"subject\[0\]\.digest\.sha256: does not match"):
        parse_statement(bad, predicate_type="https://example.org/p", subject_names=("a",))


def _reference_root(digests: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the recursion it is."""
    if not digests:
        return hashlib.sha256(b"").digest()
    if len(digests) == 1:
        return hashlib.sha256(b"\x00" + digests[0]).digest()
    split = 1 << (len(digests) - 1).bit_length() - 1
    left, right = _reference_root(digests[:split]), _reference_root(digests[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


@settings(max_examples=80)
@given(st.lists(st.binary(min_size=32, max_size=32), max_size=70))
def test_streaming_root_equals_the_rfc6962_recursion(digests: list[bytes]) -> None:
    accumulator = MerkleAccumulator()
    for digest in digests:
        accumulator.add(digest)
    assert accumulator.root() == _reference_root(digests)
    assert accumulator.count == len(digests)


def test_commitment_of_records() -> None:
    records = [{"b": 1, "a": [1.5, "x"]}, None, "text"]
    root, count = commitment(records)
    assert count == 3
    assert record_digest(records[0]) == hashlib.sha256(b'{"a":[1.5,"x"],"b":1}').digest()
    assert root == _reference_root([record_digest(record) for record in records]).hex()
    assert commitment([]) == (hashlib.sha256(b"").hexdigest(), 0)
