"""Key custody: passphrase wrapping and the allow-listed OS keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.errors import InvalidInput
from app.core.identity import custody as kc

VAULT_ID = "4d1e7c52-0000-4000-8000-000000000001"


def test_wrap_unwrap_round_trip() -> None:
    key = kc.new_vault_key()
    wrapped = kc.wrap_key(key, "correct horse", VAULT_ID)
    assert kc.unwrap_key(wrapped, "correct horse", VAULT_ID) == key
    assert wrapped["kdf"]["memory_kib"] >= 65536
    assert wrapped["kdf"]["iterations"] >= 3
    assert wrapped["kdf"]["lanes"] == 4


def test_wrong_passphrase() -> None:
    wrapped = kc.wrap_key(kc.new_vault_key(), "right", VAULT_ID)
    with pytest.raises(kc.WrongPassphrase):
        kc.unwrap_key(wrapped, "wrong", VAULT_ID)


def test_key_bound_to_vault_id() -> None:
    wrapped = kc.wrap_key(kc.new_vault_key(), "pw", VAULT_ID)
    with pytest.raises(kc.WrongPassphrase):
        kc.unwrap_key(wrapped, "pw", "another-vault")


def test_empty_passphrase_refused() -> None:
    with pytest.raises(kc.WeakPassphrase):
        kc.wrap_key(kc.new_vault_key(), "", VAULT_ID)


def test_weakened_parameters_are_refused() -> None:
    wrapped = kc.wrap_key(kc.new_vault_key(), "pw", VAULT_ID)
    wrapped["kdf"]["memory_kib"] = 1024
    with pytest.raises(InvalidInput, match="below the floor"):
        kc.unwrap_key(wrapped, "pw", VAULT_ID)


@pytest.mark.parametrize(
    "damage",
    [
        lambda w: w.update(cipher="aes"),
        lambda w: w["kdf"].update(name="pbkdf2"),
        lambda w: w.update(nonce="!!!"),
        lambda w: w["kdf"].pop("lanes"),
    ],
)
def test_damaged_wrapping_is_invalid_input(damage: object) -> None:
    wrapped = kc.wrap_key(kc.new_vault_key(), "pw", VAULT_ID)
    damage(wrapped)  # type: ignore[operator]
    with pytest.raises(InvalidInput):
        kc.unwrap_key(wrapped, "pw", VAULT_ID)


def test_record_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "custody.json"
    wrapped = kc.wrap_key(kc.new_vault_key(), "pw", VAULT_ID)
    kc.write_record(path, kc.CustodyRecord(VAULT_ID, "passphrase", wrapped))
    record = kc.read_record(path)
    assert record.custody == "passphrase"
    assert record.vault_id == VAULT_ID
    assert (path.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"format": "other"}', b'{"format": "tessera-custody/1"}'],
)
def test_damaged_record(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "custody.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInput):
        kc.read_record(path)


def test_passphrase_record_needs_wrapped_key(tmp_path: Path) -> None:
    path = tmp_path / "custody.json"
    path.write_text(
        json.dumps({"format": kc.FORMAT, "vault_id": VAULT_ID, "custody": "passphrase"})
    )
    with pytest.raises(InvalidInput, match="wrapped"):
        kc.read_record(path)


def test_zero() -> None:
    buffer = bytearray(b"secret")
    kc.zero(buffer)
    assert buffer == bytearray(6)


def test_no_keyring_without_a_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no session bus, only fail/null backends exist and none is allowed."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    assert kc.keyring_available() is False
    with pytest.raises(kc.KeyringUnavailable):
        kc.keyring_store(VAULT_ID, bytes(32))


@pytest.mark.keyring
def test_keyring_store_load_delete(secret_service: str) -> None:
    assert kc.keyring_available()
    key = kc.new_vault_key()
    kc.keyring_store(VAULT_ID, key)
    assert kc.keyring_load(VAULT_ID) == key
    kc.keyring_delete(VAULT_ID)
    with pytest.raises(kc.KeyMissingFromKeyring):
        kc.keyring_load(VAULT_ID)
    kc.keyring_delete(VAULT_ID)  # already gone: still fine


@pytest.mark.keyring
def test_real_backend_is_secret_service(secret_service: str) -> None:
    backend = kc.usable_backend()
    assert type(backend).__module__ == "keyring.backends.SecretService"
