"""did:key identifiers for Ed25519 signing keys and X25519 encryption keys.

A did:key is self-certifying: the public key is the identifier, so a
signature can be checked against a DID with no registry and no network.
Parsing is strict (one canonical spelling per key) because DIDs are compared
as strings in signed documents: two spellings of one key would let a signer
appear as two people, or a forger hide behind a look-alike.

Format: ``did:key:z`` + base58btc(multicodec varint || raw 32-byte key), with
multicodec 0xed (Ed25519 public key, varint ``ed 01``, strings start
``z6Mk``) or 0xec (X25519 public key, varint ``ec 01``, strings start
``z6LS``). Base58btc uses the Bitcoin alphabet; each leading zero byte is one
leading ``1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.core.errors import InvalidInput

DID_KEY_PREFIX = "did:key:"
MULTIBASE_BASE58BTC = "z"
KEY_BYTES = 32
SIGNATURE_BYTES = 64

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
# A did:key for a 32-byte key is 56 characters long; refuse anything far
# longer before the quadratic base58 decode runs on it.
_MAX_DID_LENGTH = 128


class InvalidDidKey(InvalidInput):
    """A string is not a did:key Tessera accepts."""


class KeyType(StrEnum):
    """The key types Tessera publishes as did:key."""

    ED25519 = "Ed25519"
    X25519 = "X25519"


_MULTICODEC: dict[KeyType, bytes] = {
    KeyType.ED25519: b"\xed\x01",
    KeyType.X25519: b"\xec\x01",
}


@dataclass(frozen=True, slots=True)
class DidKey:
    """A parsed did:key: which kind of key, and its raw 32 public bytes."""

    key_type: KeyType
    public_key: bytes

    def __str__(self) -> str:
        return encode_did_key(self.key_type, self.public_key)


def b58encode(data: bytes) -> str:
    """Base58btc (Bitcoin alphabet) with one ``1`` per leading zero byte."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; rejects any character outside the alphabet.

    With the leading-``1`` rule every byte string has exactly one encoding,
    so a successful decode is also a canonicality check.
    """
    number = 0
    for position, char in enumerate(text):
        value = _INDEX.get(char)
        if value is None:
            raise InvalidDidKey(f"invalid base58btc character {char!r} at position {position}")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def encode_did_key(key_type: KeyType, public_key: bytes) -> str:
    """The did:key for a raw 32-byte public key of the given type."""
    if len(public_key) != KEY_BYTES:
        raise ValueError(f"{key_type} public keys are {KEY_BYTES} bytes, got {len(public_key)}")
    return DID_KEY_PREFIX + MULTIBASE_BASE58BTC + b58encode(_MULTICODEC[key_type] + public_key)


def ed25519_did_from_public_key(public_key: bytes) -> str:
    """``did:key:z6Mk...`` for a raw Ed25519 public key."""
    return encode_did_key(KeyType.ED25519, public_key)


def x25519_did_from_public_key(public_key: bytes) -> str:
    """``did:key:z6LS...`` for a raw X25519 public key."""
    return encode_did_key(KeyType.X25519, public_key)


def parse_did_key(did: str) -> DidKey:
    """Parse a bare did:key (no fragment, path or query) for Ed25519 or X25519."""
    if not isinstance(did, str):
        raise InvalidDidKey("a did:key must be a string")
    if len(did) > _MAX_DID_LENGTH:
        raise InvalidDidKey(f"not a did:key: longer than {_MAX_DID_LENGTH} characters")
    if not did.startswith(DID_KEY_PREFIX):
        raise InvalidDidKey(f"not a did:key: {_shown(did)} does not start with 'did:key:'")
    identifier = did[len(DID_KEY_PREFIX) :]
    if not identifier.startswith(MULTIBASE_BASE58BTC):
        raise InvalidDidKey(
            f"unsupported did:key encoding in {_shown(did)}: expected base58btc (multibase 'z')"
        )
    raw = b58decode(identifier[1:])
    for key_type, codec in _MULTICODEC.items():
        if raw.startswith(codec):
            key = raw[len(codec) :]
            if len(key) != KEY_BYTES:
                raise InvalidDidKey(
                    f"{key_type} did:key carries {len(key)} key bytes, expected {KEY_BYTES}"
                )
            return DidKey(key_type, key)
    raise InvalidDidKey(
        f"unsupported did:key key type in {_shown(did)}: expected Ed25519 (z6Mk...) "
        "or X25519 (z6LS...)"
    )


def ed25519_public_key_from_did(did: str) -> bytes:
    """The raw Ed25519 public key of a ``did:key:z6Mk...``."""
    parsed = parse_did_key(did)
    if parsed.key_type is not KeyType.ED25519:
        raise InvalidDidKey(f"{_shown(did)} is an {parsed.key_type} key, not an Ed25519 key")
    return parsed.public_key


def x25519_public_key_from_did(did: str) -> bytes:
    """The raw X25519 public key of a ``did:key:z6LS...``."""
    parsed = parse_did_key(did)
    if parsed.key_type is not KeyType.X25519:
        raise InvalidDidKey(f"{_shown(did)} is an {parsed.key_type} key, not an X25519 key")
    return parsed.public_key


def verify_ed25519(did: str, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``did``'s Ed25519 signature over ``message``.

    A malformed DID raises :class:`InvalidDidKey` (the caller named a key
    that cannot exist); a bad signature of any shape returns ``False``.
    """
    key = Ed25519PublicKey.from_public_bytes(ed25519_public_key_from_did(did))
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _shown(text: str) -> str:
    """A DID as quoted in an error: public by nature, but kept short."""
    return repr(text if len(text) <= 64 else text[:61] + "...")
