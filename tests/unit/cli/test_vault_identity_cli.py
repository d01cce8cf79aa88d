"""The command line contract for vault and identities, run as a real program."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]


def tessera(
    data_dir: Path,
    *args: str,
    passphrase: str | None = "pw",
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env["TESSERA_FORBID_HOME"] = "1"
    if passphrase is not None:
        env["TESSERA_PASSPHRASE"] = passphrase
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profile"
    result = tessera(folder, "init", "--passphrase")
    assert result.returncode == 0, result.stderr
    return folder


def test_help_and_usage_errors(tmp_path: Path) -> None:
    ok = tessera(tmp_path, "--help")
    assert ok.returncode == 0
    assert "identity" in ok.stdout
    bad = tessera(tmp_path, "identity", "frobnicate")
    assert bad.returncode == 2


def test_init_reports_json(tmp_path: Path) -> None:
    result = tessera(tmp_path / "p", "--json", "init", "--passphrase")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["custody"] == "passphrase"
    assert body["schema_version"] >= 1


def test_identity_lifecycle(profile: Path, tmp_path: Path) -> None:
    created = tessera(profile, "--json", "identity", "create", "alice")
    assert created.returncode == 0, created.stderr
    alice = json.loads(created.stdout)
    assert set(alice) == {"name", "did", "recipient"}
    assert alice["did"].startswith("did:key:z6Mk")
    assert alice["recipient"].startswith("age1")

    listed = json.loads(tessera(profile, "--json", "identity", "list").stdout)
    assert [(i["name"], i["default"]) for i in listed] == [("alice", True)]

    card = json.loads(tessera(profile, "identity", "export-public", "alice").stdout)
    assert card["did"] == alice["did"]
    assert "seed" not in json.dumps(card).lower()

    backup = tmp_path / "alice.age"
    made = tessera(profile, "identity", "backup", "alice", "-o", str(backup))
    assert made.returncode == 0, made.stderr
    assert backup.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")

    assert tessera(profile, "identity", "delete", "alice").returncode == 1  # no --yes, no tty
    assert tessera(profile, "identity", "delete", "alice", "--yes").returncode == 0
    assert json.loads(tessera(profile, "--json", "identity", "list").stdout) == []

    wrong = tessera(profile, "identity", "restore", str(backup), extra_env={})
    assert wrong.returncode == 0, wrong.stderr  # same passphrase "pw" for vault and backup
    restored = json.loads(tessera(profile, "--json", "identity", "show", "alice").stdout)
    assert restored["did"] == alice["did"]
    assert restored["recipient"] == alice["recipient"]

    renamed = tessera(profile, "identity", "rename", "alice", "alice-lab")
    assert renamed.returncode == 0
    assert tessera(profile, "identity", "show", "alice").returncode == 1


def test_errors_are_one_line_without_traceback(profile: Path) -> None:
    result = tessera(profile, "identity", "show", "nobody")
    assert result.returncode == 1
    assert result.stderr.startswith("tessera: error: no identity named 'nobody'")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_wrong_passphrase_is_clear(profile: Path) -> None:
    result = tessera(profile, "identity", "list", passphrase="wrong")
    assert result.returncode == 1
    assert "wrong passphrase" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_vault_says_what_to_do(tmp_path: Path) -> None:
    result = tessera(tmp_path / "empty", "identity", "list")
    assert result.returncode == 1
    assert "tessera init" in result.stderr


def test_vault_status_and_change_passphrase(profile: Path) -> None:
    status = json.loads(tessera(profile, "--json", "vault", "status").stdout)
    assert status["custody"] == "passphrase"
    assert status["locked"] is True
    assert status["schema_version"] >= 1
    changed = tessera(
        profile, "vault", "change-passphrase", extra_env={"TESSERA_NEW_PASSPHRASE": "new"}
    )
    assert changed.returncode == 0, changed.stderr
    assert tessera(profile, "identity", "list").returncode == 1
    assert tessera(profile, "identity", "list", passphrase="new").returncode == 0
    locked = json.loads(tessera(profile, "--json", "vault", "lock").stdout)
    assert locked["locked"] is True


@pytest.mark.keyring
def test_keyring_init(tmp_path: Path, secret_service: str) -> None:
    folder = tmp_path / "kr"
    result = tessera(folder, "--json", "init", "--identity", "bob", passphrase=None)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["custody"] == "keyring"
    assert body["identity"]["name"] == "bob"
    listed = tessera(folder, "--json", "identity", "list", passphrase=None)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["name"] == "bob"
