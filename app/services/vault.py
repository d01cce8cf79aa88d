"""Use cases of the vault: create, unlock, lock, change how its key is held.

A :class:`Session` is an unlocked vault. It owns one SQLCipher connection
and is not thread-safe: the GUI keeps it on a single worker thread, the CLI
opens one per command. While a session is open the process holds a shared
lock on ``session.lock`` in the profile, which is how ``tessera vault status``
tells whether some Tessera process has the vault unlocked, and
``tessera vault lock`` asks those processes to lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from app import paths
from app.core.identity import custody as kc
from app.core.store import database
from app.core.store.errors import VaultExists, VaultMissing

CustodyKind = Literal["keyring", "passphrase"]

_PRESENCE_FILE = "session.lock"
_LOCK_REQUEST_FILE = "lock-request"

# re-exported for front ends
KeyringUnavailable = kc.KeyringUnavailable
PassphraseRequired = kc.PassphraseRequired
WrongPassphrase = kc.WrongPassphrase


@dataclass(frozen=True, slots=True)
class VaultStatus:
    exists: bool
    custody: CustodyKind | None
    unlocked: bool
    path: Path
    schema_version: int | None
    data_dir: Path


class Session:
    """An unlocked vault; close it to lock."""

    def __init__(self, conn: Any, path: Path, custody: CustodyKind, vault_id: str) -> None:
        self.conn = conn
        self.path = path
        self.custody: CustodyKind = custody
        self.vault_id = vault_id
        self.opened_at = time.time()
        self._presence = _hold_presence(path.parent)

    @property
    def schema_version(self) -> int:
        return database.schema_version(self.conn)

    @property
    def closed(self) -> bool:
        return self.conn is None

    def lock_requested(self) -> bool:
        """True when ``tessera vault lock`` ran after this session opened."""
        request = self.path.parent / _LOCK_REQUEST_FILE
        try:
            return request.stat().st_mtime >= self.opened_at
        except FileNotFoundError:
            return False

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.close()
            self.conn = None
        if self._presence is not None:
            os.close(self._presence)
            self._presence = None

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _hold_presence(folder: Path) -> int | None:
    try:
        fd = os.open(folder / _PRESENCE_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _someone_holds_presence(folder: Path) -> bool:
    target = folder / _PRESENCE_FILE
    if not target.exists():
        return False
    fd = os.open(target, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def vault_status() -> VaultStatus:
    folder = paths.data_dir()
    path = paths.vault_path()
    custody: CustodyKind | None = None
    with contextlib.suppress(FileNotFoundError):
        custody = kc.read_record(paths.custody_path()).custody
    return VaultStatus(
        exists=path.is_file(),
        custody=custody,
        unlocked=_someone_holds_presence(folder),
        path=path,
        schema_version=None,
        data_dir=folder,
    )


def keyring_available() -> bool:
    return kc.keyring_available()


def create_vault(*, passphrase: str | None = None) -> Session:
    """Create the profile's vault; keyring custody unless a passphrase is given."""
    path = paths.vault_path()
    custody_file = paths.custody_path()
    if path.exists() or custody_file.exists():
        raise VaultExists()
    vault_id = kc.new_vault_id()
    key = kc.new_vault_key()
    try:
        if passphrase is None:
            kc.keyring_store(vault_id, key)
            record = kc.CustodyRecord(vault_id, "keyring")
        else:
            record = kc.CustodyRecord(
                vault_id, "passphrase", kc.wrap_key(key, passphrase, vault_id)
            )
        conn = database.create(path, bytes(key))
        try:
            kc.write_record(custody_file, record)
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
    finally:
        kc.zero(key)
    return Session(conn, path, record.custody, vault_id)


def _load_key(record: kc.CustodyRecord, passphrase: str | None) -> bytearray:
    if record.custody == "keyring":
        return kc.keyring_load(record.vault_id)
    if passphrase is None:
        raise kc.PassphraseRequired()
    assert record.wrapped is not None
    return kc.unwrap_key(record.wrapped, passphrase, record.vault_id)


def _read_custody() -> kc.CustodyRecord:
    try:
        return kc.read_record(paths.custody_path())
    except FileNotFoundError:
        raise VaultMissing() from None


def unlock_vault(*, passphrase: str | None = None) -> Session:
    """Open the vault with the key its custody holds."""
    path = paths.vault_path()
    if not path.exists():
        raise VaultMissing()
    record = _read_custody()
    key = _load_key(record, passphrase)
    try:
        conn = database.open_existing(path, bytes(key))
    finally:
        kc.zero(key)
    if record.custody == "passphrase" and _stale_keyring_possible():
        kc.keyring_delete(record.vault_id)
    return Session(conn, path, record.custody, record.vault_id)


def _stale_keyring_possible() -> bool:
    """A move to passphrase custody that was killed may have left the key in
    the keyring; it is removed on the next passphrase unlock. Skipped when no
    keyring is reachable, so unlocking never waits on a missing service."""
    try:
        kc.usable_backend()
    except kc.CustodyError:
        return False
    return True


def change_passphrase(old: str, new: str) -> None:
    """Re-wrap the vault key under a new passphrase.

    The vault itself is not touched (its key does not change), and the
    custody file is replaced atomically: a killed process leaves the vault
    openable with the old or the new passphrase.
    """
    record = _read_custody()
    if record.custody != "passphrase":
        raise kc.CustodyError(
            "this vault's key is held by the OS keyring, not a passphrase",
            hint="use `tessera vault use-passphrase` to move it to a passphrase",
        )
    assert record.wrapped is not None
    key = kc.unwrap_key(record.wrapped, old, record.vault_id)
    try:
        wrapped = kc.wrap_key(key, new, record.vault_id)
    finally:
        kc.zero(key)
    kc.write_record(paths.custody_path(), kc.CustodyRecord(record.vault_id, "passphrase", wrapped))


def move_custody_to_passphrase(
    session: Session, passphrase: str, *, current: str | None = None
) -> None:
    """Wrap the key with a passphrase, then forget it in the keyring."""
    record = _read_custody()
    key = _load_key(record, current)
    try:
        wrapped = kc.wrap_key(key, passphrase, record.vault_id)
    finally:
        kc.zero(key)
    kc.write_record(paths.custody_path(), kc.CustodyRecord(record.vault_id, "passphrase", wrapped))
    kc.keyring_delete(record.vault_id)
    session.custody = "passphrase"


def move_custody_to_keyring(session: Session, passphrase: str) -> None:
    """Store the key in the OS keyring (read back), then drop the passphrase."""
    record = _read_custody()
    key = _load_key(record, passphrase)
    try:
        kc.keyring_store(record.vault_id, key)
    finally:
        kc.zero(key)
    kc.write_record(paths.custody_path(), kc.CustodyRecord(record.vault_id, "keyring"))
    session.custody = "keyring"


def request_lock() -> bool:
    """Ask every process holding this vault open to lock it.

    Returns whether some process had it unlocked when asked.
    """
    folder = paths.data_dir()
    was_open = _someone_holds_presence(folder)
    request = folder / _LOCK_REQUEST_FILE
    request.touch(mode=0o600)
    os.utime(request)
    return was_open


def integrity_problems(session: Session) -> list[str]:
    return database.integrity_check(session.conn)
