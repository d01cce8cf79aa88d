"""The error taxonomy shared by every layer.

The core raises typed errors; the GUI and the CLI turn them into words. A
``TesseraError`` is something the user can act on (a wrong passphrase, a full
disk, a malformed file); anything else that escapes is a bug and is reported
as such. Messages never contain secrets: no key material, no passphrase, no
record content beyond what the user already sees.
"""

from __future__ import annotations


class TesseraError(Exception):
    """An error the user can understand and act on.

    ``hint`` is an optional next step ("run `tessera init` first").
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"


class Cancelled(TesseraError):
    """The user asked a long operation to stop; nothing was left half-done."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class InvalidInput(TesseraError):
    """Input from outside (a file, an argument, a network answer) is malformed."""


class NotFound(TesseraError):
    """A named object (identity, dataset, submission) does not exist."""


class AlreadyExists(TesseraError):
    """A named object would be created twice."""


class StorageError(TesseraError):
    """The disk or the filesystem refused an operation."""


class DiskFull(StorageError):
    """There is no space left where Tessera writes."""
