"""``tessera encrypt | decrypt | rewrap`` run as the real program."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.crypto import (
    X25519Identity,
    decrypt_bytes,
    encrypt_bytes,
    read_header,
)

PROJECT = Path(__file__).resolve().parents[3]


def tessera(
    data_dir: Path,
    *args: str,
    stdin: bytes = b"",
    passphrase: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env["TESSERA_FORBID_HOME"] = "1"
    if passphrase is not None:
        env["TESSERA_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
        cwd=PROJECT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode().strip().splitlines()[-1]


@pytest.fixture
def keys(tmp_path: Path) -> tuple[X25519Identity, Path]:
    identity = X25519Identity.generate()
    key_file = tmp_path / "key.txt"
    key_file.write_text(
        f"# created: now\n# public key: {identity.recipient.to_string()}\n{identity.to_string()}\n"
    )
    return identity, key_file


def test_help_names_the_commands(tmp_path: Path) -> None:
    result = tessera(tmp_path, "--help")
    assert result.returncode == 0
    for command in (b"encrypt", b"decrypt", b"rewrap"):
        assert command in result.stdout


def test_files_round_trip(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, key_file = keys
    plain = tmp_path / "notes.txt"
    plain.write_bytes(b"field notes\n" * 10000)
    sealed = tmp_path / "notes.age"
    result = tessera(
        tmp_path, "encrypt", "-r", identity.recipient.to_string(), "-o", str(sealed), str(plain)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert decrypt_bytes(sealed.read_bytes(), [identity]) == plain.read_bytes()
    out = tmp_path / "back.txt"
    result = tessera(tmp_path, "decrypt", "-i", str(key_file), "-o", str(out), str(sealed))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == plain.read_bytes()


def test_pipes_and_armor(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, key_file = keys
    recipients = tmp_path / "recipients.txt"
    other = X25519Identity.generate()
    recipients.write_text(f"# team\n{identity.recipient.to_string()}\n")
    result = tessera(
        tmp_path,
        "encrypt",
        "-a",
        "-R",
        str(recipients),
        "-r",
        other.recipient.to_string(),
        stdin=b"piped",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert read_header(result.stdout).recipient_count == 2
    back = tessera(tmp_path, "decrypt", "-i", str(key_file), "-", stdin=result.stdout)
    assert back.returncode == 0, back.stderr
    assert back.stdout == b"piped"


def test_json_summary_for_file_output(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, _ = keys
    result = tessera(
        tmp_path,
        "--json",
        "encrypt",
        "-r",
        identity.recipient.to_string(),
        "-o",
        str(tmp_path / "x.age"),
        stdin=b"12345",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"output": str(tmp_path / "x.age"), "plaintext_bytes": 5}


def test_passphrase_needs_no_flag_to_decrypt(tmp_path: Path) -> None:
    sealed = tessera(tmp_path, "encrypt", "-p", stdin=b"backup", passphrase="correct horse")
    assert sealed.returncode == 0, sealed.stderr
    assert read_header(sealed.stdout).stanza_types == ("scrypt",)
    opened = tessera(tmp_path, "decrypt", stdin=sealed.stdout, passphrase="correct horse")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == b"backup"
    wrong = tessera(tmp_path, "decrypt", stdin=sealed.stdout, passphrase="wrong")
    assert wrong.returncode == 1
    assert error_line(wrong).startswith("tessera: error: no matching identity:")


@pytest.mark.parametrize(
    "args",
    [
        ("encrypt", "-p", "-r", "age1xyz"),
        ("encrypt",),
        ("rewrap", "-o", "out", "in"),
        ("rewrap", "--add-recipient", "age1xyz", "in"),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    if args[:2] == ("encrypt", "-p"):
        args = ("encrypt", "-p", "-r", X25519Identity.generate().recipient.to_string())
    result = tessera(tmp_path, *args, passphrase="pw")
    assert result.returncode == 2
    assert b"usage:" in result.stderr


def test_refuses_binary_on_a_terminal(tmp_path: Path) -> None:
    recipient = X25519Identity.generate().recipient.to_string()
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(tmp_path), "encrypt", "-r", recipient],
            cwd=PROJECT,
            input=b"x",
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 2
    assert b"refusing to write binary to the terminal" in result.stderr


def test_errors_name_the_failure_class(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, key_file = keys
    sealed = encrypt_bytes(b"x" * 100, [identity.recipient])
    cases = {
        "payload failure": sealed[:-1] + bytes([sealed[-1] ^ 1]),
        "header failure": b"not an age file",
        "HMAC failure": _bad_mac(sealed),
        "armor failure": encrypt_bytes(b"x", [identity.recipient], armor=True) + b"junk",
        "no matching identity": encrypt_bytes(b"x", [X25519Identity.generate().recipient]),
    }
    for failure, data in cases.items():
        result = tessera(tmp_path, "decrypt", "-i", str(key_file), stdin=data)
        assert result.returncode == 1, failure
        assert error_line(result).startswith(f"tessera: error: {failure}: "), error_line(result)
    bad_key = tessera(tmp_path, "encrypt", "-r", "age1notakey", stdin=b"x")
    assert error_line(bad_key).startswith("tessera: error: invalid key: ")
    as_json = tessera(tmp_path, "--json", "decrypt", "-i", str(key_file), stdin=b"nope")
    assert json.loads(as_json.stderr)["error"]["type"] == "HeaderError"


def _bad_mac(sealed: bytes) -> bytes:
    start = sealed.index(b"\n--- ") + 5
    mac = bytearray(sealed[start : start + 43])
    mac[0] = ord("A") if mac[0] != ord("A") else ord("B")
    return sealed[:start] + bytes(mac) + sealed[start + 43 :]


def test_failed_decryption_leaves_no_output(
    tmp_path: Path, keys: tuple[X25519Identity, Path]
) -> None:
    identity, key_file = keys
    sealed = bytearray(encrypt_bytes(bytes(300_000), [identity.recipient]))
    sealed[-3] ^= 1
    (tmp_path / "bad.age").write_bytes(sealed)
    out = tmp_path / "out"
    out.mkdir()
    result = tessera(
        tmp_path,
        "decrypt",
        "-i",
        str(key_file),
        "-o",
        str(out / "plain"),
        str(tmp_path / "bad.age"),
    )
    assert result.returncode == 1
    assert list(out.iterdir()) == []


def test_missing_files_are_reported(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, _ = keys
    result = tessera(
        tmp_path, "encrypt", "-r", identity.recipient.to_string(), str(tmp_path / "missing")
    )
    assert result.returncode == 1
    assert "could not open" in error_line(result)
    sealed = encrypt_bytes(b"x", [identity.recipient])
    result = tessera(tmp_path, "decrypt", "-i", str(tmp_path / "nokeys"), stdin=sealed)
    assert "could not read the identity file" in error_line(result)


def test_killed_encryption_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "--data-dir",
            str(tmp_path),
            "encrypt",
            "-r",
            X25519Identity.generate().recipient.to_string(),
            "-o",
            str(out / "big.age"),
        ],
        cwd=PROJECT,
        env=env,
        stdin=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None
    for _ in range(8):
        process.stdin.write(bytes(1 << 20))
    process.stdin.flush()
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdin.close()
    assert process.returncode == -signal.SIGKILL
    assert list(out.iterdir()) == []


# --- vault identities --------------------------------------------------------------


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    profile = tmp_path / "profile"
    for args in (
        ("init", "--passphrase"),
        ("identity", "create", "alice"),
        ("identity", "create", "bob"),
    ):
        result = tessera(profile, *args, passphrase="vault pw")
        assert result.returncode == 0, result.stderr
    return profile


def _recipient(profile: Path, name: str) -> str:
    shown = tessera(profile, "--json", "identity", "show", name, passphrase="vault pw")
    return str(json.loads(shown.stdout)["recipient"])


def test_vault_identities(vault: Path, tmp_path: Path) -> None:
    alice, bob = _recipient(vault, "alice"), _recipient(vault, "bob")
    sealed = tessera(vault, "encrypt", "-r", alice, stdin=b"for alice").stdout
    (tmp_path / "a.age").write_bytes(sealed)
    any_identity = tessera(vault, "decrypt", str(tmp_path / "a.age"), passphrase="vault pw")
    assert any_identity.stdout == b"for alice", any_identity.stderr
    named = tessera(
        vault, "decrypt", "--identity", "alice", str(tmp_path / "a.age"), passphrase="vault pw"
    )
    assert named.stdout == b"for alice"
    wrong = tessera(
        vault, "decrypt", "--identity", "bob", str(tmp_path / "a.age"), passphrase="vault pw"
    )
    assert error_line(wrong).startswith("tessera: error: no matching identity")

    added = tessera(
        vault,
        "rewrap",
        "--identity",
        "alice",
        "--add-recipient",
        bob,
        "-o",
        str(tmp_path / "ab.age"),
        str(tmp_path / "a.age"),
        passphrase="vault pw",
    )
    assert added.returncode == 0, added.stderr
    assert b"2 recipient stanza(s)" in added.stdout
    removed = tessera(
        vault,
        "--json",
        "rewrap",
        "--identity",
        "alice",
        "--remove-recipient",
        alice,
        "-o",
        str(tmp_path / "b.age"),
        str(tmp_path / "ab.age"),
        passphrase="vault pw",
    )
    assert json.loads(removed.stdout)["recipient_count"] == 1
    as_bob = tessera(
        vault, "decrypt", "--identity", "bob", str(tmp_path / "b.age"), passphrase="vault pw"
    )
    assert as_bob.stdout == b"for alice"
    # Bob's stanza can be removed while opening with alice: bob is in the vault too.
    only_alice = tessera(
        vault,
        "--json",
        "rewrap",
        "--identity",
        "alice",
        "--remove-recipient",
        bob,
        "-o",
        str(tmp_path / "a2.age"),
        str(tmp_path / "ab.age"),
        passphrase="vault pw",
    )
    assert json.loads(only_alice.stdout)["recipient_count"] == 1, only_alice.stderr
    gone = tessera(
        vault, "decrypt", "--identity", "bob", str(tmp_path / "a2.age"), passphrase="vault pw"
    )
    assert error_line(gone).startswith("tessera: error: no matching identity")


def test_rewrap_with_an_identity_file(tmp_path: Path, keys: tuple[X25519Identity, Path]) -> None:
    identity, key_file = keys
    other = X25519Identity.generate()
    (tmp_path / "in.age").write_bytes(encrypt_bytes(b"data", [identity.recipient]))
    result = tessera(
        tmp_path,
        "rewrap",
        "-i",
        str(key_file),
        "--add-recipient",
        other.recipient.to_string(),
        "-o",
        str(tmp_path / "out.age"),
        str(tmp_path / "in.age"),
    )
    assert result.returncode == 0, result.stderr
    assert decrypt_bytes((tmp_path / "out.age").read_bytes(), [other]) == b"data"
    refused = tessera(
        tmp_path,
        "rewrap",
        "-i",
        str(key_file),
        "--remove-recipient",
        other.recipient.to_string(),
        "-o",
        str(tmp_path / "x.age"),
        str(tmp_path / "out.age"),
    )
    assert refused.returncode == 1
    assert "cannot find the stanza" in error_line(refused)
