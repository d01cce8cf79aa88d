"""The SQLCipher vault: keyed first, proven by a read, never plaintext."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app.core.store import database
from app.core.store.errors import (
    NotAVault,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
    VaultTooNew,
    WrongKey,
)
from app.core.store.migrations import SCHEMA_VERSION

KEY = bytes(range(32))


@pytest.fixture
def vault_file(tmp_path: Path) -> Path:
    return tmp_path / "vault.db"


def test_create_then_open_with_the_same_key(vault_file: Path) -> None:
    conn = database.create(vault_file, KEY)
    conn.execute("INSERT INTO meta (key, value) VALUES ('greeting', 'hello')")
    conn.close()
    conn = database.open_existing(vault_file, KEY)
    assert conn.execute("SELECT value FROM meta").fetchone() == ("hello",)
    assert database.schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.integrity_check(conn) == []
    conn.close()


def test_file_is_not_plaintext_sqlite(vault_file: Path) -> None:
    database.create(vault_file, KEY).close()
    raw = vault_file.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"CREATE TABLE" not in raw
    assert b"identities" not in raw


def test_wrong_key_is_a_typed_error(vault_file: Path) -> None:
    database.create(vault_file, KEY).close()
    with pytest.raises(WrongKey):
        database.open_existing(vault_file, bytes(32))


def test_plain_sqlite_is_refused(vault_file: Path) -> None:
    plain = sqlite3.connect(vault_file)
    plain.execute("CREATE TABLE t (a)")
    plain.commit()
    plain.close()
    with pytest.raises(NotAVault, match="unencrypted"):
        database.open_existing(vault_file, KEY)


def test_empty_file_is_refused(vault_file: Path) -> None:
    vault_file.write_bytes(b"")
    with pytest.raises(NotAVault, match="empty"):
        database.open_existing(vault_file, KEY)


def test_random_bytes_look_like_a_wrong_key(vault_file: Path) -> None:
    vault_file.write_bytes(os.urandom(8192))
    with pytest.raises(WrongKey):
        database.open_existing(vault_file, KEY)


def test_missing_and_existing(vault_file: Path) -> None:
    with pytest.raises(VaultMissing):
        database.open_existing(vault_file, KEY)
    database.create(vault_file, KEY).close()
    with pytest.raises(VaultExists):
        database.create(vault_file, KEY)


def test_key_length_is_checked(vault_file: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        database.create(vault_file, b"short")
    assert not vault_file.exists()


def test_newer_schema_is_refused(vault_file: Path) -> None:
    conn = database.create(vault_file, KEY)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(VaultTooNew):
        database.open_existing(vault_file, KEY)


def test_damaged_page_is_detected(vault_file: Path) -> None:
    conn = database.create(vault_file, KEY)
    with database.transaction(conn):
        for index in range(400):
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (str(index), "x" * 200))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(vault_file.read_bytes())
    assert len(raw) > 4096 * 4
    raw[4096 * 3 + 100] ^= 0xFF  # inside a later page, past the first
    vault_file.write_bytes(bytes(raw))
    conn = database.open_existing(vault_file, KEY)

    def read_everything() -> None:
        with database.translated_errors():
            conn.execute("SELECT count(*), max(length(value)) FROM meta").fetchall()
            if database.integrity_check(conn):
                raise VaultCorrupt("integrity check failed")

    with pytest.raises(VaultCorrupt):
        read_everything()
    conn.close()


def test_transaction_rolls_back(vault_file: Path) -> None:
    conn = database.create(vault_file, KEY)

    def insert_then_fail() -> None:
        with database.transaction(conn):
            conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 0
    conn.close()


def test_split_statements_keeps_each_statement() -> None:
    parts = database._split_statements("CREATE TABLE a (x);\n\nCREATE TABLE b (y);\n")
    assert parts == ["CREATE TABLE a (x);", "CREATE TABLE b (y);"]


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database or disk is full", "DiskFull"),
        ("database is locked", "VaultBusy"),
        ("file is not a database", "VaultCorrupt"),
        ("attempt to write a readonly database", "StorageError"),
        ("something else", "StorageError"),
    ],
)
def test_error_translation(message: str, kind: str) -> None:
    assert type(database.translate_error(Exception(message))).__name__ == kind
