"""The X25519 recipient type: ``age1...`` recipients, ``AGE-SECRET-KEY-1...`` identities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from app.core.crypto import bech32
from app.core.crypto.base import Identity, Recipient, check_body, open_file_key, seal_file_key
from app.core.crypto.errors import HeaderError, KeyFormatError
from app.core.crypto.header import Stanza, b64decode, b64encode, hkdf

STANZA_TYPE: Final = "X25519"
RECIPIENT_HRP: Final = "age"
IDENTITY_HRP: Final = "AGE-SECRET-KEY-"
KEY_SIZE: Final = 32
_INFO: Final = b"age-encryption.org/v1/X25519"


def _raw_public(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


@dataclass(frozen=True, slots=True)
class X25519Recipient(Recipient):
    """A public key; equal recipients compare and hash equal."""

    public: bytes

    def __post_init__(self) -> None:
        if len(self.public) != KEY_SIZE:
            raise KeyFormatError("an X25519 recipient is 32 bytes")

    @classmethod
    def from_string(cls, text: str) -> X25519Recipient:
        hrp, data = bech32.decode(text)
        if hrp != RECIPIENT_HRP:
            raise KeyFormatError("not an age X25519 recipient (expected age1...)")
        if len(data) != KEY_SIZE:
            raise KeyFormatError("an age X25519 recipient holds 32 bytes")
        return cls(data)

    def to_string(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public)

    def __str__(self) -> str:
        return self.to_string()

    def wrap(self, file_key: bytes) -> list[Stanza]:
        ephemeral = X25519PrivateKey.generate()
        share = _raw_public(ephemeral)
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public))
        wrap_key = hkdf(shared, share + self.public, _INFO)
        return [Stanza((STANZA_TYPE, b64encode(share)), seal_file_key(wrap_key, file_key))]


class X25519Identity(Identity):
    """A secret X25519 key. Its ``repr`` shows only the public recipient."""

    __slots__ = ("_key", "_recipient")

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self._recipient = X25519Recipient(_raw_public(key))

    @classmethod
    def generate(cls) -> X25519Identity:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, secret: bytes) -> X25519Identity:
        if len(secret) != KEY_SIZE:
            raise KeyFormatError("an X25519 identity is 32 bytes")
        return cls(X25519PrivateKey.from_private_bytes(secret))

    @classmethod
    def from_string(cls, text: str) -> X25519Identity:
        hrp, data = bech32.decode(text)
        if hrp != IDENTITY_HRP:
            raise KeyFormatError("not an age X25519 identity (expected AGE-SECRET-KEY-1...)")
        return cls.from_bytes(data)

    def to_bytes(self) -> bytes:
        return self._key.private_bytes_raw()

    def to_string(self) -> str:
        return bech32.encode(IDENTITY_HRP, self.to_bytes()).upper()

    @property
    def recipient(self) -> X25519Recipient:
        return self._recipient

    def __repr__(self) -> str:
        return f"X25519Identity(recipient={self._recipient.to_string()!r})"

    def unwrap_stanza(self, stanza: Stanza) -> bytes | None:
        if stanza.type != STANZA_TYPE:
            return None
        if len(stanza.args) != 2:
            raise HeaderError("an X25519 stanza has exactly one argument")
        share = b64decode(stanza.args[1], "X25519 share")
        if len(share) != KEY_SIZE:
            raise HeaderError("the X25519 share has the wrong length")
        check_body(stanza)
        try:
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(share))
        except ValueError:
            raise HeaderError("the X25519 share is a low-order point") from None
        wrap_key = hkdf(shared, share + self._recipient.public, _INFO)
        return open_file_key(wrap_key, stanza.body)
