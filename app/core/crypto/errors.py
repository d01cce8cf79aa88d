"""Why an age file could not be read, one class per failure a user can act on.

The classes follow the failure classes of the age conformance vectors, so a
test can map each vector's expectation to exactly one of them and the command
line can name the class in its message. None of the messages carries key
material or plaintext.
"""

from __future__ import annotations

from typing import ClassVar

from app.core.errors import InvalidInput


class AgeError(InvalidInput):
    """An age file (or a key meant for one) was refused.

    ``failure`` names the class of failure in words, for front ends that
    show it before the message.
    """

    failure: ClassVar[str] = "age failure"


class KeyFormatError(AgeError):
    """A recipient, identity or key file is not in a form age accepts."""

    failure = "invalid key"


class NoIdentityMatch(AgeError):
    """None of the given identities (or passphrases) opens the file."""

    failure = "no matching identity"


class HeaderError(AgeError):
    """The header is malformed, unsupported or breaks a rule of the format."""

    failure = "header failure"


class HMACError(AgeError):
    """The header MAC does not match: the header was changed after encryption."""

    failure = "HMAC failure"


class PayloadError(AgeError):
    """The payload is damaged, truncated or extended; it is not the one encrypted."""

    failure = "payload failure"


class ArmorError(AgeError):
    """The ASCII armor is not strict PEM as age writes it."""

    failure = "armor failure"
