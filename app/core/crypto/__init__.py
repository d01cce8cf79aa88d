"""age v1 encryption: keys, streaming encryption on every core, header rewrap.

The public names live here; the modules behind them are
:mod:`.keys` (recipients, identities, key files), :mod:`.age` (bytes, streams
and files), :mod:`.rewrap` (new recipients for an existing file) and
:mod:`.errors` (one error class per failure).
"""

from __future__ import annotations

from app.core.crypto.age import (
    HeaderInfo,
    IdentitySource,
    decrypt_bytes,
    decrypt_file,
    decrypt_stream,
    encrypt_bytes,
    encrypt_file,
    encrypt_stream,
    read_header,
)
from app.core.crypto.errors import (
    AgeError,
    ArmorError,
    HeaderError,
    HMACError,
    KeyFormatError,
    NoIdentityMatch,
    PayloadError,
)
from app.core.crypto.keys import (
    HybridIdentity,
    HybridRecipient,
    Identity,
    Recipient,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    parse_identity,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from app.core.crypto.rewrap import NewHeader, rewrap_file, rewrap_header, rewrap_stream

__all__ = [
    "AgeError",
    "ArmorError",
    "HMACError",
    "HeaderError",
    "HeaderInfo",
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "IdentitySource",
    "KeyFormatError",
    "NewHeader",
    "NoIdentityMatch",
    "PayloadError",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "X25519Identity",
    "X25519Recipient",
    "decrypt_bytes",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_bytes",
    "encrypt_file",
    "encrypt_stream",
    "parse_identity",
    "parse_identity_file",
    "parse_recipient",
    "parse_recipients_file",
    "read_header",
    "rewrap_file",
    "rewrap_header",
    "rewrap_stream",
]
