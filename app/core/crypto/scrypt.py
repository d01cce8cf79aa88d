"""The scrypt recipient type: a passphrase.

Decryption caps the work factor (2**22 by default, about 4 GiB of memory and
seconds of work) so that a hostile file cannot make the reader spend hours or
exhaust memory. A passphrase stanza must be alone in its header.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.core.crypto.base import Identity, Recipient, check_body, open_file_key, seal_file_key
from app.core.crypto.errors import HeaderError
from app.core.crypto.header import Stanza, b64decode, b64encode
from app.core.errors import InvalidInput

STANZA_TYPE: Final = "scrypt"
SALT_SIZE: Final = 16
DEFAULT_WORK_FACTOR: Final = 18
MAX_WORK_FACTOR: Final = 22
_SALT_LABEL: Final = b"age-encryption.org/v1/scrypt"
_DECIMAL: Final = re.compile(r"[1-9][0-9]*")


def _wrap_key(passphrase: str, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=_SALT_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1)
    return kdf.derive(passphrase.encode("utf-8"))


@dataclass(frozen=True, slots=True, repr=False)
class ScryptRecipient(Recipient):
    """Encrypt to a passphrase; ``work_factor`` is log2 of scrypt's N."""

    passphrase: str
    work_factor: int = DEFAULT_WORK_FACTOR
    _label: str = field(default_factory=lambda: os.urandom(16).hex(), compare=False)

    def __post_init__(self) -> None:
        if not self.passphrase:
            raise InvalidInput("an empty passphrase protects nothing")
        if not 1 <= self.work_factor <= MAX_WORK_FACTOR:
            raise InvalidInput(f"the scrypt work factor must be between 1 and {MAX_WORK_FACTOR}")

    def __repr__(self) -> str:
        return f"ScryptRecipient(work_factor={self.work_factor})"

    @property
    def labels(self) -> frozenset[str]:
        return frozenset({f"scrypt-{self._label}"})

    def wrap(self, file_key: bytes) -> list[Stanza]:
        salt = os.urandom(SALT_SIZE)
        body = seal_file_key(_wrap_key(self.passphrase, salt, self.work_factor), file_key)
        return [Stanza((STANZA_TYPE, b64encode(salt), str(self.work_factor)), body)]


class ScryptIdentity(Identity):
    """Open files encrypted to a passphrase, refusing work factors above the cap."""

    __slots__ = ("_passphrase", "max_work_factor")

    def __init__(self, passphrase: str, max_work_factor: int = MAX_WORK_FACTOR) -> None:
        self._passphrase = passphrase
        self.max_work_factor = max_work_factor

    def __repr__(self) -> str:
        return f"ScryptIdentity(max_work_factor={self.max_work_factor})"

    def unwrap_stanza(self, stanza: Stanza) -> bytes | None:
        if stanza.type != STANZA_TYPE:
            return None
        if len(stanza.args) != 3:
            raise HeaderError("an scrypt stanza has exactly two arguments")
        salt = b64decode(stanza.args[1], "scrypt salt")
        if len(salt) != SALT_SIZE:
            raise HeaderError("the scrypt salt has the wrong length")
        if not _DECIMAL.fullmatch(stanza.args[2]):
            raise HeaderError("the scrypt work factor is not a plain decimal number")
        digits = stanza.args[2]
        if len(digits) > 2 or int(digits) > self.max_work_factor:
            raise HeaderError(
                f"the scrypt work factor is above the limit of {self.max_work_factor}: "
                "opening the file would take too long"
            )
        work_factor = int(digits)
        check_body(stanza)
        return open_file_key(_wrap_key(self._passphrase, salt, work_factor), stanza.body)
