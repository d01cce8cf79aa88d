"""What every recipient and identity type has in common.

A recipient wraps the 16-byte file key into stanzas; an identity recognises
the stanzas addressed to it and unwraps the file key. Each native type
follows the same pattern: derive a 32-byte wrap key, then seal the file key
with ChaCha20-Poly1305 under the all-zero nonce (safe because every wrap key
is used once).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.core.crypto.errors import HeaderError
from app.core.crypto.header import Stanza

FILE_KEY_SIZE: Final = 16
WRAPPED_SIZE: Final = FILE_KEY_SIZE + 16
_ZERO_NONCE: Final = bytes(12)


def seal_file_key(wrap_key: bytes, file_key: bytes) -> bytes:
    return ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def open_file_key(wrap_key: bytes, body: bytes) -> bytes | None:
    """The file key, or None when the tag does not verify (not for us)."""
    try:
        return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None


def check_body(stanza: Stanza) -> None:
    """Refuse a body of the wrong length before trying to decrypt it.

    Trying keys against bodies of other lengths would open a partitioning
    oracle; the specification requires this check first.
    """
    if len(stanza.body) != WRAPPED_SIZE:
        raise HeaderError(f"the {stanza.type} stanza body has the wrong length")


class Recipient(ABC):
    """Someone a file can be encrypted to."""

    @abstractmethod
    def wrap(self, file_key: bytes) -> list[Stanza]:
        """Stanzas that let this recipient's identity recover ``file_key``."""

    @property
    def labels(self) -> frozenset[str]:
        """Recipients can share a file only when their labels are equal.

        Post-quantum recipients carry ``postquantum`` so that a file is never
        encrypted to both them and a classical key (which would undo their
        protection); a passphrase carries a label of its own, so it is alone.
        """
        return frozenset()

    def to_string(self) -> str:
        """The textual form, ``age1...``; a passphrase has none."""
        raise TypeError(f"{type(self).__name__} has no textual form")


class Identity(ABC):
    """Something that can open files: a secret key or a passphrase."""

    @abstractmethod
    def unwrap_stanza(self, stanza: Stanza) -> bytes | None:
        """The file key from a stanza meant for this identity, else None.

        Raises :class:`HeaderError` for a stanza of this identity's type that
        breaks the rules of the format (those are never silently skipped).
        """

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        for stanza in stanzas:
            file_key = self.unwrap_stanza(stanza)
            if file_key is not None:
                return file_key
        return None

    @property
    def recipient(self) -> Recipient | None:
        """The matching recipient, when the identity has one."""
        return None
