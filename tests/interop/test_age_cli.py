"""Interoperability with the reference ``age`` command, both ways.

``age`` reads passphrases from the terminal only, so the passphrase cases run
it under a pseudo-terminal (:func:`pty.fork`) and type the passphrase at its
prompt.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.crypto import (
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    decrypt_bytes,
    decrypt_file,
    encrypt_bytes,
    encrypt_file,
    parse_identity_file,
)

pytestmark = pytest.mark.interop

AGE = shutil.which("age")
AGE_KEYGEN = shutil.which("age-keygen")
CHUNK = 65536
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * 1024 * 1024 + 3]
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def _need_age() -> None:
    if AGE is None or AGE_KEYGEN is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the age command is required under CI=true")
        pytest.skip("the age command is not installed")


def age(*args: str, stdin: bytes = b"") -> bytes:
    assert AGE is not None
    result = subprocess.run([AGE, *args], input=stdin, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def age_on_a_terminal(*args: str, passphrase: str) -> None:
    """Run ``age`` with a controlling terminal, answering every passphrase prompt."""
    assert AGE is not None
    pid, terminal = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        os.execv(AGE, [AGE, *args])  # noqa: S606 - a fixed program, no shell
    transcript = b""
    answered = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(terminal, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            transcript += data
            if transcript.lower().count(b"passphrase") > answered:
                answered += 1
                os.write(terminal, passphrase.encode() + b"\n")
    finally:
        os.close(terminal)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, transcript.decode(errors="replace")
    assert answered >= 1


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, X25519Identity]]:
    """Three identities made by age-keygen, read back by us."""
    assert AGE_KEYGEN is not None
    folder = tmp_path_factory.mktemp("keys")
    found = []
    for index in range(3):
        path = folder / f"key{index}.txt"
        subprocess.run([AGE_KEYGEN, "-o", str(path)], check=True, capture_output=True)
        identities = parse_identity_file(path.read_text())
        assert isinstance(identities[0], X25519Identity)
        found.append((path, identities[0]))
    return found


def data_of(size: int) -> bytes:
    return (os.urandom(4096) * (size // 4096 + 1))[:size]


@pytest.mark.parametrize("armor", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_age_reads_what_we_write(
    keys: list[tuple[Path, X25519Identity]], size: int, armor: bool
) -> None:
    plaintext = data_of(size)
    (key_one, one), (key_two, two), _ = keys
    single = encrypt_bytes(plaintext, [one.recipient], armor=armor)
    assert age("-d", "-i", str(key_one), stdin=single) == plaintext
    several = encrypt_bytes(plaintext, [one.recipient, two.recipient], armor=armor)
    assert age("-d", "-i", str(key_two), stdin=several) == plaintext


@pytest.mark.parametrize("armor", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_we_read_what_age_writes(
    keys: list[tuple[Path, X25519Identity]], size: int, armor: bool
) -> None:
    plaintext = data_of(size)
    (_, one), (_, two), (_, three) = keys
    flags = ["-a"] if armor else []
    single = age(*flags, "-r", one.recipient.to_string(), stdin=plaintext)
    assert decrypt_bytes(single, [one]) == plaintext
    several = age(
        *flags, "-r", one.recipient.to_string(), "-r", three.recipient.to_string(), stdin=plaintext
    )
    assert decrypt_bytes(several, [two, three]) == plaintext


def test_files_both_ways(keys: list[tuple[Path, X25519Identity]], tmp_path: Path) -> None:
    (key_one, one), _, _ = keys
    source = tmp_path / "data.bin"
    source.write_bytes(data_of(3 * CHUNK + 17))
    encrypt_file(source, tmp_path / "ours.age", [one.recipient])
    age("-d", "-i", str(key_one), "-o", str(tmp_path / "by_age.bin"), str(tmp_path / "ours.age"))
    assert (tmp_path / "by_age.bin").read_bytes() == source.read_bytes()
    age("-r", one.recipient.to_string(), "-o", str(tmp_path / "theirs.age"), str(source))
    decrypt_file(tmp_path / "theirs.age", tmp_path / "by_us.bin", [one])
    assert (tmp_path / "by_us.bin").read_bytes() == source.read_bytes()


@pytest.mark.parametrize("size", [0, CHUNK + 1, 3 * CHUNK])
def test_age_opens_our_passphrase_files(size: int, tmp_path: Path) -> None:
    plaintext = data_of(size)
    sealed = tmp_path / "ours.age"
    sealed.write_bytes(encrypt_bytes(plaintext, [ScryptRecipient("interop pw", 10)], armor=True))
    target = tmp_path / "plain"
    age_on_a_terminal("-d", "-o", str(target), str(sealed), passphrase="interop pw")
    # age creates its output file on the first write, so an empty plaintext leaves none.
    assert (target.read_bytes() if target.exists() else b"") == plaintext


@pytest.mark.parametrize("size", [1, 3 * CHUNK])
def test_we_open_age_passphrase_files(size: int, tmp_path: Path) -> None:
    plaintext = data_of(size)
    (tmp_path / "plain").write_bytes(plaintext)
    sealed = tmp_path / "theirs.age"
    age_on_a_terminal(
        "-p", "-a", "-o", str(sealed), str(tmp_path / "plain"), passphrase="interop pw"
    )
    assert decrypt_bytes(sealed.read_bytes(), [ScryptIdentity("interop pw")]) == plaintext


def test_the_command_lines_talk_to_each_other(
    keys: list[tuple[Path, X25519Identity]], tmp_path: Path
) -> None:
    (key_one, one), _, _ = keys
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    ours = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--data-dir",
            str(tmp_path),
            "encrypt",
            "-a",
            "-r",
            one.recipient.to_string(),
        ],
        input=b"from tessera",
        capture_output=True,
        cwd=PROJECT,
        env=env,
        check=True,
    )
    assert age("-d", "-i", str(key_one), stdin=ours.stdout) == b"from tessera"
    theirs = age("-r", one.recipient.to_string(), stdin=b"from age")
    back = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path), "decrypt", "-i", str(key_one)],
        input=theirs,
        capture_output=True,
        cwd=PROJECT,
        env=env,
        check=True,
    )
    assert back.stdout == b"from age"
