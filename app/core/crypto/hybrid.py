"""The post-quantum hybrid recipient type, ML-KEM-768 + X25519 (X-Wing).

``age1pq1...`` recipients and ``AGE-SECRET-KEY-PQ-1...`` identities. The file
key is sealed with HPKE (RFC 9180) base mode using the MLKEM768-X25519 KEM,
HKDF-SHA256 and ChaCha20-Poly1305, ``info`` naming the stanza type. The
identity is a 32-byte seed expanded with SHAKE256 into the ML-KEM seed and
the X25519 secret, as the X-Wing KEM defines.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from app.core.crypto import bech32
from app.core.crypto.base import Identity, Recipient, check_body
from app.core.crypto.errors import HeaderError, KeyFormatError
from app.core.crypto.header import Stanza, b64decode, b64encode

STANZA_TYPE: Final = "mlkem768x25519"
RECIPIENT_HRP: Final = "age1pq"
IDENTITY_HRP: Final = "AGE-SECRET-KEY-PQ-"
SEED_SIZE: Final = 32
MLKEM_PUBLIC_SIZE: Final = 1184
MLKEM_CIPHERTEXT_SIZE: Final = 1088
X25519_SIZE: Final = 32
PUBLIC_SIZE: Final = MLKEM_PUBLIC_SIZE + X25519_SIZE
ENC_SIZE: Final = MLKEM_CIPHERTEXT_SIZE + X25519_SIZE
LABEL: Final = "postquantum"
_INFO: Final = b"age-encryption.org/mlkem768x25519"
_UNSUPPORTED: Final = (
    "post-quantum keys need a build of the cryptography library with ML-KEM "
    "(the official wheels have it)"
)


@functools.cache
def _suite() -> hpke.Suite:
    """The HPKE suite, made on first use: not every backend has ML-KEM."""
    return hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


@dataclass(frozen=True, slots=True)
class HybridRecipient(Recipient):
    """An ML-KEM-768 encapsulation key followed by an X25519 public key."""

    public: bytes

    def __post_init__(self) -> None:
        if len(self.public) != PUBLIC_SIZE:
            raise KeyFormatError(f"a post-quantum recipient is {PUBLIC_SIZE} bytes")
        try:
            MLKEM768PublicKey.from_public_bytes(self.public[:MLKEM_PUBLIC_SIZE])
        except ValueError:
            raise KeyFormatError("the post-quantum recipient's ML-KEM key is invalid") from None
        except UnsupportedAlgorithm:
            raise KeyFormatError(_UNSUPPORTED) from None

    @classmethod
    def from_string(cls, text: str) -> HybridRecipient:
        hrp, data = bech32.decode(text)
        if hrp != RECIPIENT_HRP:
            raise KeyFormatError("not an age post-quantum recipient (expected age1pq1...)")
        return cls(data)

    def to_string(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public)

    def __str__(self) -> str:
        return self.to_string()

    @property
    def labels(self) -> frozenset[str]:
        return frozenset({LABEL})

    def wrap(self, file_key: bytes) -> list[Stanza]:
        public = hpke.MLKEM768X25519PublicKey(
            MLKEM768PublicKey.from_public_bytes(self.public[:MLKEM_PUBLIC_SIZE]),
            X25519PublicKey.from_public_bytes(self.public[MLKEM_PUBLIC_SIZE:]),
        )
        sealed = _suite().encrypt(file_key, public, info=_INFO)
        enc, body = sealed[:ENC_SIZE], sealed[ENC_SIZE:]
        return [Stanza((STANZA_TYPE, b64encode(enc)), body)]


class HybridIdentity(Identity):
    """A 32-byte seed; its ``repr`` shows nothing secret."""

    __slots__ = ("_key", "_recipient", "_seed", "_x25519")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_SIZE:
            raise KeyFormatError("a post-quantum identity is a 32-byte seed")
        expanded = hashlib.shake_256(seed).digest(96)
        try:
            mlkem = MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
        except UnsupportedAlgorithm:
            raise KeyFormatError(_UNSUPPORTED) from None
        self._x25519 = X25519PrivateKey.from_private_bytes(expanded[64:])
        self._key = hpke.MLKEM768X25519PrivateKey(mlkem, self._x25519)
        self._seed = bytes(seed)
        self._recipient = HybridRecipient(
            mlkem.public_key().public_bytes_raw() + self._x25519.public_key().public_bytes_raw()
        )

    @classmethod
    def generate(cls) -> HybridIdentity:
        return cls(os.urandom(SEED_SIZE))

    @classmethod
    def from_string(cls, text: str) -> HybridIdentity:
        hrp, data = bech32.decode(text)
        if hrp != IDENTITY_HRP:
            raise KeyFormatError("not an age post-quantum identity (AGE-SECRET-KEY-PQ-1...)")
        return cls(data)

    def to_bytes(self) -> bytes:
        return self._seed

    def to_string(self) -> str:
        return bech32.encode(IDENTITY_HRP, self._seed).upper()

    @property
    def recipient(self) -> HybridRecipient:
        return self._recipient

    def __repr__(self) -> str:
        return "HybridIdentity(...)"

    def unwrap_stanza(self, stanza: Stanza) -> bytes | None:
        if stanza.type != STANZA_TYPE:
            return None
        if len(stanza.args) != 2:
            raise HeaderError("an mlkem768x25519 stanza has exactly one argument")
        enc = b64decode(stanza.args[1], "mlkem768x25519 encapsulated key")
        if len(enc) != ENC_SIZE:
            raise HeaderError("the mlkem768x25519 encapsulated key has the wrong length")
        check_body(stanza)
        try:
            # HPKE would fail on an all-zero X25519 secret too, but only as an
            # opaque error; the format calls it a header failure, so look first.
            self._x25519.exchange(X25519PublicKey.from_public_bytes(enc[MLKEM_CIPHERTEXT_SIZE:]))
        except ValueError:
            raise HeaderError("the mlkem768x25519 share is a low-order point") from None
        try:
            return _suite().decrypt(enc + stanza.body, self._key, info=_INFO)
        except InvalidTag:
            return None
