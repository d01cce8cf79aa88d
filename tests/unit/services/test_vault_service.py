"""Vault use cases: create, unlock, change how the key is held."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import paths
from app.core.identity import custody as kc
from app.core.store.errors import VaultExists, VaultMissing
from app.services import vault

PROJECT = Path(__file__).resolve().parents[3]


def test_status_before_anything(data_dir: Path) -> None:
    status = vault.vault_status()
    assert not status.exists
    assert status.custody is None
    assert not status.unlocked
    assert status.data_dir == data_dir


def test_passphrase_vault_lifecycle(data_dir: Path) -> None:
    with vault.create_vault(passphrase="first") as session:
        assert session.custody == "passphrase"
        status = vault.vault_status()
        assert status.exists
        assert status.unlocked
    assert not vault.vault_status().unlocked
    with pytest.raises(vault.PassphraseRequired):
        vault.unlock_vault()
    with pytest.raises(vault.WrongPassphrase):
        vault.unlock_vault(passphrase="nope")
    with vault.unlock_vault(passphrase="first") as session:
        assert session.schema_version >= 1


def test_wrong_passphrase_changes_nothing(data_dir: Path) -> None:
    vault.create_vault(passphrase="first").close()
    before = paths.custody_path().read_bytes(), paths.vault_path().read_bytes()
    with pytest.raises(vault.WrongPassphrase):
        vault.change_passphrase("wrong", "second")
    after = paths.custody_path().read_bytes(), paths.vault_path().read_bytes()
    assert before == after


def test_change_passphrase(data_dir: Path) -> None:
    vault.create_vault(passphrase="first").close()
    vault.change_passphrase("first", "second")
    with pytest.raises(vault.WrongPassphrase):
        vault.unlock_vault(passphrase="first")
    vault.unlock_vault(passphrase="second").close()


def test_create_twice_refused(data_dir: Path) -> None:
    vault.create_vault(passphrase="pw").close()
    with pytest.raises(VaultExists):
        vault.create_vault(passphrase="pw")


def test_unlock_without_vault(data_dir: Path) -> None:
    with pytest.raises(VaultMissing):
        vault.unlock_vault(passphrase="pw")


def test_lock_request_reaches_open_sessions(data_dir: Path) -> None:
    session = vault.create_vault(passphrase="pw")
    assert not session.lock_requested()
    time.sleep(0.01)
    assert vault.request_lock() is True
    assert session.lock_requested()
    session.close()
    assert vault.request_lock() is False


def test_profile_folder_is_private(data_dir: Path) -> None:
    vault.create_vault(passphrase="pw").close()
    assert (data_dir.stat().st_mode & 0o777) == 0o700
    assert (paths.custody_path().stat().st_mode & 0o777) == 0o600


_CHANGER = """
import sys
from app import paths
from app.services import vault
paths.set_data_dir(sys.argv[1])
print("ready", flush=True)
for round in range(1000):
    old, new = ("one", "two") if round % 2 == 0 else ("two", "one")
    vault.change_passphrase(old, new)
"""


@pytest.mark.slow
def test_killed_during_passphrase_change_leaves_an_openable_vault(data_dir: Path) -> None:
    """Kill a process that keeps changing the passphrase, at varied moments;
    the vault must always open with one of the two passphrases."""
    vault.create_vault(passphrase="one").close()
    for delay in (0.05, 0.13, 0.21, 0.34, 0.42, 0.55, 0.61, 0.78):
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHANGER, str(data_dir)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            env={**os.environ, "TESSERA_FORBID_HOME": "1"},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        opened = []
        for candidate in ("one", "two"):
            try:
                vault.unlock_vault(passphrase=candidate).close()
                opened.append(candidate)
            except vault.WrongPassphrase:
                pass
        assert len(opened) == 1, f"after a kill at {delay}s the vault opened with {opened}"
        record = json.loads(paths.custody_path().read_bytes())
        assert record["custody"] == "passphrase"
        leftovers = [p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")]
        # A kill between write and rename may leave a temporary file, never a broken custody.
        assert all(name.startswith(".custody.json.") for name in leftovers)
        if opened != ["one"]:
            vault.change_passphrase("two", "one")


@pytest.mark.keyring
def test_keyring_custody_round_trip(data_dir: Path, secret_service: str) -> None:
    with vault.create_vault() as session:
        assert session.custody == "keyring"
    record = kc.read_record(paths.custody_path())
    assert record.custody == "keyring"
    assert "wrapped" not in json.loads(paths.custody_path().read_bytes())
    with vault.unlock_vault() as session:
        vault.move_custody_to_passphrase(session, "moved")
    with pytest.raises(kc.KeyMissingFromKeyring):
        kc.keyring_load(record.vault_id)
    with pytest.raises(vault.PassphraseRequired):
        vault.unlock_vault()
    with vault.unlock_vault(passphrase="moved") as session:
        vault.move_custody_to_keyring(session, "moved")
    vault.unlock_vault().close()
    assert kc.read_record(paths.custody_path()).custody == "keyring"


@pytest.mark.keyring
def test_keyring_entry_lost(data_dir: Path, secret_service: str) -> None:
    vault.create_vault().close()
    kc.keyring_delete(kc.read_record(paths.custody_path()).vault_id)
    with pytest.raises(kc.KeyMissingFromKeyring):
        vault.unlock_vault()
