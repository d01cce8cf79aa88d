"""Identity use cases on a real vault: lifecycle, backups any age tool can open, damaged backups."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.crypto import ScryptIdentity, ScryptRecipient, decrypt_bytes, encrypt_bytes
from app.core.crypto.errors import NoIdentityMatch
from app.core.errors import AlreadyExists, InvalidInput, NotFound
from app.services import identities, vault

PASSPHRASE = "backup passphrase for tests"


@pytest.fixture
def session(data_dir: Path) -> Iterator[vault.Session]:
    with vault.create_vault(passphrase="vault passphrase") as opened:
        yield opened


def test_lifecycle(session: vault.Session) -> None:
    first = identities.create_identity(session, "  Ada  ")
    assert first.name == "Ada"
    assert first.is_default
    assert first.did.startswith("did:key:z6Mk")
    assert first.recipient.startswith("age1")
    second = identities.create_identity(session, "Grace")
    assert not second.is_default
    with pytest.raises(AlreadyExists):
        identities.create_identity(session, "Grace")
    identities.set_default_identity(session, "Grace")
    assert identities.default_identity(session) == identities.get_identity(session, "Grace")
    renamed = identities.rename_identity(session, "Ada", "Ada L.")
    assert renamed.did == first.did
    with pytest.raises(NotFound):
        identities.get_identity(session, "Ada")
    identities.delete_identity(session, "Ada L.")
    assert [i.name for i in identities.list_identities(session)] == ["Grace"]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 65, "tab\there", "nul\x00"])
def test_bad_names_are_refused(session: vault.Session, bad: str) -> None:
    with pytest.raises(InvalidInput):
        identities.create_identity(session, bad)


def test_backup_restores_the_same_keys_into_another_vault(
    session: vault.Session, tmp_path: Path
) -> None:
    made = identities.create_identity(session, "Ada")
    backup = tmp_path / "ada.age"
    identities.backup_identity(session, "Ada", backup, PASSPHRASE)
    strings = identities.age_identity_strings(session, "Ada")
    identities.delete_identity(session, "Ada")
    restored = identities.restore_identity(session, backup, PASSPHRASE, name="Ada again")
    assert (restored.did, restored.recipient) == (made.did, made.recipient)
    assert identities.age_identity_strings(session, "Ada again") == strings
    with pytest.raises(AlreadyExists):
        identities.restore_identity(session, backup, PASSPHRASE)


def test_wrong_backup_passphrase_changes_nothing(session: vault.Session, tmp_path: Path) -> None:
    identities.create_identity(session, "Ada")
    backup = tmp_path / "ada.age"
    identities.backup_identity(session, "Ada", backup, PASSPHRASE)
    identities.delete_identity(session, "Ada")
    with pytest.raises(NoIdentityMatch, match="passphrase"):
        identities.restore_identity(session, backup, "not it")
    assert identities.list_identities(session) == []


def test_backup_is_a_standard_age_passphrase_file(session: vault.Session, tmp_path: Path) -> None:
    """A backup is plain age with one scrypt stanza, so any age tool opens it."""
    identities.create_identity(session, "Ada")
    backup = tmp_path / "ada.age"
    identities.backup_identity(session, "Ada", backup, PASSPHRASE)
    plain = decrypt_bytes(backup.read_bytes(), [ScryptIdentity(PASSPHRASE)])
    assert json.loads(plain)["did"] == identities.get_identity(session, "Ada").did
    assert backup.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")


def _sealed_backup(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "damaged.age"
    cheap = ScryptRecipient(PASSPHRASE, work_factor=10)
    path.write_bytes(encrypt_bytes(json.dumps(document).encode(), [cheap]))
    return path


@pytest.fixture(scope="module")
def good_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One real backup's contents, made once: scrypt at full strength is slow on purpose."""
    from app import paths

    folder = tmp_path_factory.mktemp("backup-source")
    paths.set_data_dir(folder / "profile")
    try:
        with vault.create_vault(passphrase="vault passphrase") as source:
            identities.create_identity(source, "Ada")
            identities.backup_identity(source, "Ada", folder / "good.age", PASSPHRASE)
    finally:
        paths.set_data_dir(None)
    sealed = (folder / "good.age").read_bytes()
    document: dict[str, object] = json.loads(decrypt_bytes(sealed, [ScryptIdentity(PASSPHRASE)]))
    return document


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", "Ada", None),
        ("format", "something-else/1", "not a Tessera identity backup"),
        ("age_identity", "AGE-SECRET-KEY-1NOTAKEY", "damaged identity backup"),
        ("age_identity", 42, "damaged identity backup"),
        ("signing_seed", "not base64!", "damaged identity backup"),
        ("signing_seed", "AAAA", "damaged identity backup"),
        ("did", "did:key:z6MkSomebodyElse", "do not match"),
    ],
)
def test_damaged_backups_are_clear_errors(
    session: vault.Session,
    tmp_path: Path,
    good_document: dict[str, object],
    field: str,
    value: object,
    words: str | None,
) -> None:
    document = dict(good_document)
    document[field] = value
    sealed = _sealed_backup(tmp_path, document)
    if words is None:  # the untouched document restores: the damage is what fails the others
        assert identities.restore_identity(session, sealed, PASSPHRASE).did == good_document["did"]
        return
    with pytest.raises(InvalidInput, match=words):
        identities.restore_identity(session, sealed, PASSPHRASE)
    assert identities.list_identities(session) == []


def test_a_backup_that_is_not_json_is_a_clear_error(session: vault.Session, tmp_path: Path) -> None:
    path = tmp_path / "text.age"
    path.write_bytes(encrypt_bytes(b"hello", [ScryptRecipient(PASSPHRASE, work_factor=10)]))
    with pytest.raises(InvalidInput, match="damaged identity backup"):
        identities.restore_identity(session, path, PASSPHRASE)


def test_age_cli_reads_identity_strings(session: vault.Session, tmp_path: Path) -> None:
    """The AGE-SECRET-KEY string of a vault identity decrypts with the reference tool."""
    if shutil.which("age") is None:
        pytest.skip("the age CLI is not installed")
    info = identities.create_identity(session, "Ada")
    key_file = tmp_path / "key.txt"
    key_file.write_text(identities.age_identity_strings(session, "Ada")[0] + "\n", encoding="ascii")
    sealed = subprocess.run(
        ["age", "-r", info.recipient], input=b"for Ada", capture_output=True, check=True
    ).stdout
    opened = subprocess.run(
        ["age", "-d", "-i", str(key_file)], input=sealed, capture_output=True, check=True
    )
    assert opened.stdout == b"for Ada"
