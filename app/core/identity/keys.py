"""A contributor identity's two independent keys.

An identity is an Ed25519 signing key (published as ``did:key:z6Mk...``) and
a separate X25519 key for age encryption (published as ``age1...``).
``cryptography`` offers no Ed25519-to-X25519 conversion, and two independent
keys mean a compromise of one use does not reach the other.

Private material is held in ``bytearray`` so it can be zeroed with
:meth:`IdentityKeys.wipe` when no longer needed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.core.crypto.keys import X25519Identity
from app.core.identity.didkey import ed25519_did_from_public_key

SEED_BYTES = 32


def _raw_public(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(slots=True)
class IdentityKeys:
    """The private halves of one identity."""

    signing_seed: bytearray
    age_secret: bytearray

    def __post_init__(self) -> None:
        if len(self.signing_seed) != SEED_BYTES or len(self.age_secret) != SEED_BYTES:
            raise ValueError("identity keys are 32 bytes each")

    def __repr__(self) -> str:
        return f"IdentityKeys(did={self.did!r})"

    @classmethod
    def generate(cls) -> IdentityKeys:
        return cls(bytearray(secrets.token_bytes(32)), bytearray(secrets.token_bytes(32)))

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(bytes(self.signing_seed))

    @property
    def verify_key(self) -> bytes:
        return _raw_public(self.signing_key())

    @property
    def did(self) -> str:
        return ed25519_did_from_public_key(self.verify_key)

    def age_identity(self) -> X25519Identity:
        return X25519Identity.from_bytes(bytes(self.age_secret))

    @property
    def recipient(self) -> str:
        return self.age_identity().recipient.to_string()

    def age_identity_string(self) -> str:
        return self.age_identity().to_string()

    def sign(self, message: bytes) -> bytes:
        return self.signing_key().sign(message)

    def wipe(self) -> None:
        for buffer in (self.signing_seed, self.age_secret):
            for index in range(len(buffer)):
                buffer[index] = 0
