"""Recipients and identities of every native type, and the files that list them.

``parse_recipient`` and ``parse_identity`` pick the type from the string's
prefix. Identity and recipient files hold one key per line, with ``#``
comments and blank lines ignored, as the age tool writes them. Error messages
name line numbers, never the lines themselves, because identity lines are
secrets.
"""

from __future__ import annotations

from app.core.crypto import bech32, hybrid, x25519
from app.core.crypto.base import Identity, Recipient
from app.core.crypto.errors import AgeError, KeyFormatError
from app.core.crypto.hybrid import HybridIdentity, HybridRecipient
from app.core.crypto.scrypt import ScryptIdentity, ScryptRecipient
from app.core.crypto.x25519 import X25519Identity, X25519Recipient

__all__ = [
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "X25519Identity",
    "X25519Recipient",
    "parse_identity",
    "parse_identity_file",
    "parse_recipient",
    "parse_recipients_file",
]


def parse_recipient(text: str) -> Recipient:
    """An ``age1...`` or ``age1pq1...`` recipient."""
    text = text.strip()
    if text.startswith(("ssh-", "ecdsa-")):
        raise KeyFormatError("SSH keys are not supported as recipients; use an age1... key")
    hrp, _ = bech32.decode(text)
    if hrp == x25519.RECIPIENT_HRP:
        return X25519Recipient.from_string(text)
    if hrp == hybrid.RECIPIENT_HRP:
        return HybridRecipient.from_string(text)
    if hrp.startswith("age1"):
        raise KeyFormatError("recipients of age plugins are not supported")
    raise KeyFormatError("not an age recipient (expected age1...)")


def parse_identity(text: str) -> Identity:
    """An ``AGE-SECRET-KEY-1...`` or ``AGE-SECRET-KEY-PQ-1...`` identity."""
    hrp, _ = bech32.decode(text.strip())
    if hrp == x25519.IDENTITY_HRP:
        return X25519Identity.from_string(text.strip())
    if hrp == hybrid.IDENTITY_HRP:
        return HybridIdentity.from_string(text.strip())
    if hrp.startswith("AGE-PLUGIN-"):
        raise KeyFormatError("identities of age plugins are not supported")
    raise KeyFormatError("not an age identity (expected AGE-SECRET-KEY-1...)")


def _key_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append((number, stripped))
    return lines


def parse_identity_file(text: str) -> list[Identity]:
    """Every identity in an age identity file (as ``age-keygen`` writes it)."""
    identities = []
    for number, line in _key_lines(text):
        try:
            identities.append(parse_identity(line))
        except AgeError as exc:
            raise KeyFormatError(f"line {number} of the identity file: {exc.message}") from None
    if not identities:
        raise KeyFormatError("the identity file holds no identity")
    return identities


def parse_recipients_file(text: str) -> list[Recipient]:
    """Every recipient in a recipients file, one per line."""
    recipients = []
    for number, line in _key_lines(text):
        try:
            recipients.append(parse_recipient(line))
        except AgeError as exc:
            raise KeyFormatError(f"line {number} of the recipients file: {exc.message}") from None
    if not recipients:
        raise KeyFormatError("the recipients file holds no recipient")
    return recipients
