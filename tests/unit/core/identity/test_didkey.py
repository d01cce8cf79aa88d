"""did:key encoding, strict parsing and Ed25519 verification."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import InvalidInput
from app.core.identity.didkey import (
    DidKey,
    InvalidDidKey,
    KeyType,
    b58decode,
    b58encode,
    ed25519_did_from_public_key,
    ed25519_public_key_from_did,
    parse_did_key,
    verify_ed25519,
    x25519_did_from_public_key,
    x25519_public_key_from_did,
)

# Published did:key documents (w3c-ccg did-method-key fixtures as used by
# ACA-Py and transmute did-key.js): DID and the key's own base58 encoding.
ED25519_VECTORS = [
    (
        "did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th",
        "8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K",
    ),
    (
        "did:key:z6MkvePyWAApUVeDboZhNbckaWHnqtD6pCETd6xoqGbcpEBV",
        "HC8vuuvP8x9kVJizh2eujQjo2JwFQJz6w63szzdbu1Q7",
    ),
]
X25519_VECTORS = [
    (
        "did:key:z6LShpNhGwSupbB7zjuivH156vhLJBDDzmQtA4BY9S94pe1K",
        "79CXkde3j8TNuMXxPdV7nLUrT2g7JAEjH5TreyVY7GEZ",
    ),
    (
        "did:key:z6LSnjagzhe8Df6gZmroW3wjDd7XQLwAuYfwa4ZeTBCGFoYc",
        "C4QXUPqG8CNwUPV2yQRmu2u3ZCQ4CwVnh5qxxiYjYRmr",
    ),
]

# RFC 8032 section 7.1, TEST 2 (one-byte message).
RFC8032_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC8032_MESSAGE = bytes.fromhex("72")
RFC8032_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)


@pytest.mark.parametrize(("did", "key_b58"), ED25519_VECTORS)
def test_published_ed25519_vectors(did: str, key_b58: str) -> None:
    key = b58decode(key_b58)
    assert ed25519_did_from_public_key(key) == did
    assert ed25519_public_key_from_did(did) == key
    assert parse_did_key(did) == DidKey(KeyType.ED25519, key)
    assert str(parse_did_key(did)) == did


@pytest.mark.parametrize(("did", "key_b58"), X25519_VECTORS)
def test_published_x25519_vectors(did: str, key_b58: str) -> None:
    key = b58decode(key_b58)
    assert x25519_did_from_public_key(key) == did
    assert x25519_public_key_from_did(did) == key


def test_base58_leading_zeros_and_empty() -> None:
    assert b58encode(b"") == ""
    assert b58decode("") == b""
    assert b58encode(b"\x00\x00\x01") == "112"
    assert b58decode("112") == b"\x00\x00\x01"
    # The Bitcoin wiki example: "Hello World!" is 2NEpo7TZRRrLZSi2U.
    assert b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"


@settings(max_examples=200)
@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


@settings(max_examples=100)
@given(st.binary(min_size=32, max_size=32))
def test_did_round_trip_both_types(key: bytes) -> None:
    ed = ed25519_did_from_public_key(key)
    x = x25519_did_from_public_key(key)
    assert ed.startswith("did:key:z6Mk")
    assert x.startswith("did:key:z6LS")
    assert ed25519_public_key_from_did(ed) == key
    assert x25519_public_key_from_did(x) == key


@pytest.mark.parametrize(
    ("did", "words"),
    [
        ("did:web:example.com", "does not start with 'did:key:'"),
        ("DID:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th", "does not start"),
        ("did:key:u7QFmHmnRlWR", "expected base58btc"),
        ("did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7tl", "invalid base58btc"),
        ("did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th#key-1", "invalid base58btc"),
        ("did:key:z" + b58encode(b"\xed\x01" + b"\x07" * 31), "31 key bytes, expected 32"),
        ("did:key:z" + b58encode(b"\xec\x01" + b"\x07" * 33), "33 key bytes, expected 32"),
        ("did:key:z" + b58encode(b"\xed\x02" + b"\x07" * 32), "unsupported did:key key"),
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "unsupported did:key key"),
        ("did:key:z", "unsupported did:key key"),
        ("did:key:" + "z" * 200, "longer than"),
    ],
)
def test_strict_parsing_names_the_problem(did: str, words: str) -> None:
    with pytest.raises(InvalidDidKey, match=words) as caught:
        parse_did_key(did)
    assert isinstance(caught.value, InvalidInput)


def test_wrong_key_type_is_refused_by_typed_accessors() -> None:
    ed_did, _ = ED25519_VECTORS[0]
    x_did, _ = X25519_VECTORS[0]
    with pytest.raises(InvalidDidKey, match="not an X25519 key"):
        x25519_public_key_from_did(ed_did)
    with pytest.raises(InvalidDidKey, match="not an Ed25519 key"):
        ed25519_public_key_from_did(x_did)
    with pytest.raises(InvalidDidKey, match="not an Ed25519 key"):
        verify_ed25519(x_did, b"", bytes(64))


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidDidKey, match="must be a string"):
        parse_did_key(b"did:key:z6Mk")  # type: ignore[arg-type]


def test_encode_refuses_wrong_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ed25519_did_from_public_key(b"\x01" * 31)


def test_verify_rfc8032_vector() -> None:
    did = ed25519_did_from_public_key(RFC8032_PUBLIC)
    assert verify_ed25519(did, RFC8032_MESSAGE, RFC8032_SIGNATURE)
    assert not verify_ed25519(did, b"\x73", RFC8032_SIGNATURE)
    flipped = bytearray(RFC8032_SIGNATURE)
    flipped[10] ^= 0x01
    assert not verify_ed25519(did, RFC8032_MESSAGE, bytes(flipped))
    assert not verify_ed25519(did, RFC8032_MESSAGE, RFC8032_SIGNATURE[:63])
    assert not verify_ed25519(did, RFC8032_MESSAGE, RFC8032_SIGNATURE + b"\x00")


def test_verify_with_generated_key_and_other_signer() -> None:
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    did = ed25519_did_from_public_key(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    message = b"tessera submission"
    assert verify_ed25519(did, message, key.sign(message))
    assert not verify_ed25519(did, message, other.sign(message))
