"""Opening, creating and migrating the SQLCipher vault.

The vault is keyed with a raw 256-bit key (no per-open KDF: key custody
already did the slow part). ``PRAGMA key`` is always the first statement,
and a read of ``sqlite_master`` right after it proves the key, because
SQLCipher only notices a wrong key on the first read. A vault is never
created without a key, so no plaintext database can appear by accident.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import sqlcipher3

from app.core.errors import DiskFull, StorageError
from app.core.store.errors import (
    NotAVault,
    VaultBusy,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
    VaultTooNew,
    WrongKey,
)
from app.core.store.migrations import MIGRATIONS, SCHEMA_VERSION

KEY_BYTES: Final = 32
_PLAINTEXT_MAGIC: Final = b"SQLite format 3\x00"
_BUSY_TIMEOUT_MS: Final = 5000

Connection = Any  # sqlcipher3 ships no type information


def translate_error(exc: BaseException) -> Exception:
    """Map an sqlcipher3 error to the vault error taxonomy."""
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFull("no space left on the disk that holds the vault")
    if "locked" in text or "busy" in text:
        return VaultBusy()
    if "not a database" in text or "malformed" in text:
        return VaultCorrupt("a page failed its integrity check")
    if "readonly" in text or "unable to open" in text:
        return StorageError("the vault file cannot be written; check its permissions")
    return StorageError(f"the vault could not complete the operation ({type(exc).__name__})")


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Turn low-level database errors into typed vault errors."""
    try:
        yield
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        raise translate_error(exc) from None


def _apply_key(conn: Connection, key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError("vault key must be 32 bytes")
    # The key is passed as a raw hex blob so SQLCipher skips its own KDF.
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


def _connect(path: Path) -> Connection:
    try:
        return sqlcipher3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=5.0
        )
    except sqlcipher3.DatabaseError as exc:
        raise translate_error(exc) from None


def _configure(conn: Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA temp_store = MEMORY")


def create(path: Path, key: bytes) -> Connection:
    """Create a new, empty vault at ``path`` keyed with ``key``."""
    if path.exists():
        raise VaultExists()
    conn = _connect(path)
    try:
        _apply_key(conn, key)
        with translated_errors():
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            _configure(conn)
            migrate(conn)
    except BaseException:
        conn.close()
        for leftover in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        raise
    with path.open("rb") as handle:
        if handle.read(len(_PLAINTEXT_MAGIC)) == _PLAINTEXT_MAGIC:  # pragma: no cover - guard
            conn.close()
            path.unlink()
            raise RuntimeError("SQLCipher wrote a plaintext database; refusing to continue")
    return conn


def open_existing(path: Path, key: bytes) -> Connection:
    """Open the vault at ``path``; the key is proven before anything else runs."""
    if not path.is_file():
        raise VaultMissing()
    with path.open("rb") as handle:
        head = handle.read(len(_PLAINTEXT_MAGIC))
    if head == _PLAINTEXT_MAGIC:
        raise NotAVault("it is an unencrypted SQLite database")
    if len(head) < len(_PLAINTEXT_MAGIC):
        raise NotAVault("the file is empty or truncated")
    conn = _connect(path)
    try:
        _apply_key(conn, key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            if "not a database" in str(exc).lower():
                raise WrongKey() from None
            raise translate_error(exc) from None
        with translated_errors():
            _configure(conn)
            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`, one transaction per step."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise VaultTooNew(current, SCHEMA_VERSION)
    for version in range(current + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[version - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


def _split_statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlcipher3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def integrity_check(conn: Connection) -> list[str]:
    """Page HMAC and structure problems; an empty list means healthy."""
    problems = [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
    rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
    if rows != ["ok"]:
        problems.extend(rows)
    return problems


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """One write transaction; rolled back on any error."""
    with translated_errors():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
