"""Vault errors, each one a situation the user can act on."""

from __future__ import annotations

from app.core.errors import DiskFull, StorageError, TesseraError


class VaultError(TesseraError):
    """Base of every vault problem."""


class VaultMissing(VaultError):
    def __init__(self) -> None:
        super().__init__("no vault in this profile yet", hint="run `tessera init` first")


class VaultExists(VaultError):
    def __init__(self) -> None:
        super().__init__("a vault already exists in this profile")


class WrongKey(VaultError):
    """The key does not open the vault: a wrong key, or a damaged first page."""

    def __init__(self) -> None:
        super().__init__(
            "the vault key does not open this vault",
            hint="the key held for it is wrong, or the vault file is damaged",
        )


class NotAVault(VaultError):
    def __init__(self, what: str) -> None:
        super().__init__(f"the vault file is not a Tessera vault: {what}")


class VaultCorrupt(VaultError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"the vault is damaged: {what}", hint="restore it from a backup of the profile"
        )


class VaultBusy(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "the vault is busy in another Tessera process",
            hint="wait for it to finish, or close the other window",
        )


class VaultTooNew(VaultError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the vault has schema version {found}, this Tessera knows up to {known}",
            hint="update Tessera to open it",
        )


__all__ = [
    "DiskFull",
    "NotAVault",
    "StorageError",
    "VaultBusy",
    "VaultCorrupt",
    "VaultError",
    "VaultExists",
    "VaultMissing",
    "VaultTooNew",
    "WrongKey",
]
