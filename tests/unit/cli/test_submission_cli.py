"""``tessera submission build | list | show | revoke`` and ``tessera verify`` on a real vault."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from app.cli.main import main
from app.core.crypto import X25519Identity
from app.core.submission.manifest import (
    CARD_FILE,
    HEADER_FILE,
    PACKAGE_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
)
from app.core.submission.revocation import REVOCATION_FILE
from app.services import identities, vault
from tests.helpers.prepared import insert_prepared_dataset, package_records

PROJECT = Path(__file__).resolve().parents[3]
NETWORK_DID = "did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"


class Profile(NamedTuple):
    data_dir: Path
    dataset: str
    records: list[object]
    """The records in the prepared package."""


@pytest.fixture
def profile(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """A passphrase vault, one identity, one prepared dataset; the CLI gets the passphrase."""
    monkeypatch.setenv("TESSERA_PASSPHRASE", "pw")
    with vault.create_vault(passphrase="pw") as session:
        identities.create_identity(session, "alice")
        dataset = insert_prepared_dataset(session)
        records = package_records(session, dataset)
    return Profile(data_dir, dataset, records)


@pytest.fixture
def network() -> X25519Identity:
    return X25519Identity.generate()


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _build(
    capsys: pytest.CaptureFixture[str],
    profile: Profile,
    network: X25519Identity,
    out: Path,
    *extra: str,
) -> dict[str, object]:
    data_dir, dataset, _ = profile
    code, stdout, stderr = run(
        capsys,
        data_dir,
        "--json",
        "submission",
        "build",
        dataset[:6],
        "--consent",
        "open-research",
        "--recipient",
        network.recipient.to_string(),
        "--network-id",
        NETWORK_DID,
        "-o",
        str(out),
        *extra,
    )
    assert code == 0, stderr
    body: dict[str, object] = json.loads(stdout)
    return body


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    """Each check's status in a ``--json`` verification report, by check name."""
    return {check["name"]: check["status"] for check in report["checks"]}


def test_build_list_show_verify_revoke(
    capsys: pytest.CaptureFixture[str],
    profile: Profile,
    network: X25519Identity,
    tmp_path: Path,
) -> None:
    data_dir, dataset, _ = profile
    out = tmp_path / "to-network"
    built = _build(capsys, profile, network, out)
    assert built["dataset_id"] == dataset
    assert built["state"] == "signed"
    assert sorted(p.name for p in out.iterdir()) == [
        CARD_FILE,
        HEADER_FILE,
        PAYLOAD_FILE,
        SUBMISSION_FILE,
    ]
    submission_id = str(built["id"])

    code, stdout, _ = run(capsys, data_dir, "submission", "list")
    assert code == 0
    assert submission_id[:12] in stdout
    assert "tide notes" in stdout
    code, stdout, _ = run(capsys, data_dir, "--json", "submission", "show", submission_id[:6])
    assert json.loads(stdout) == built
    assert built["files"] == [SUBMISSION_FILE, HEADER_FILE, PAYLOAD_FILE, CARD_FILE]
    code, stdout, _ = run(capsys, data_dir, "submission", "show", submission_id[:6])
    assert code == 0
    assert f"{HEADER_FILE}, {PAYLOAD_FILE}" in stdout

    code, stdout, _ = run(capsys, data_dir, "verify", str(out / SUBMISSION_FILE))
    assert code == 0, stdout
    lines = stdout.splitlines()
    assert lines[0] == f"submission {submission_id}"
    names = [line.split()[1] for line in lines[2:-1]]
    assert names == [
        "envelope",
        "signature",
        "statement",
        "manifest",
        "signer",
        "consent",
        "subjects",
        "package",
        "recipients",
        "card",
        "commitment",
    ]
    assert all(line.split()[0] == "ok" for line in lines[2:-1])
    assert lines[-1] == "Verified."

    code, stdout, _ = run(
        capsys, data_dir, "--json", "submission", "revoke", submission_id[:8], "--reason", "moved"
    )
    assert code == 0
    assert json.loads(stdout)["state"] == "revoked"
    assert (out / REVOCATION_FILE).is_file()
    code, stdout, _ = run(capsys, data_dir, "--json", "verify", str(out / REVOCATION_FILE))
    assert code == 0
    report = json.loads(stdout)
    assert report["kind"] == "revocation"
    assert _statuses(report)["submission"] == "passed"
    code, _, stderr = run(capsys, data_dir, "submission", "revoke", submission_id)
    assert code == 1
    assert stderr == f"tessera: error: submission {submission_id[:12]} is already revoked\n"


def test_verify_names_a_failure_and_exits_1(
    capsys: pytest.CaptureFixture[str],
    profile: Profile,
    network: X25519Identity,
    tmp_path: Path,
) -> None:
    data_dir, _, _ = profile
    out = tmp_path / "out"
    _build(capsys, profile, network, out)
    card = out / CARD_FILE
    card.write_bytes(card.read_bytes().replace(b"tide", b"tidy"))
    code, stdout, _ = run(capsys, data_dir, "verify", str(out / SUBMISSION_FILE))
    assert code == 1
    assert any(line.split()[:2] == ["FAIL", "card"] for line in stdout.splitlines())
    assert stdout.splitlines()[-1] == "NOT verified: card failed."
    code, stdout, _ = run(capsys, data_dir, "--json", "verify", str(out / SUBMISSION_FILE))
    assert code == 1
    report = json.loads(stdout)
    assert report["ok"] is False
    failed = [c for c in report["checks"] if c["status"] == "failed"]
    assert [c["name"] for c in failed] == ["card"]
    assert failed[0]["message"].startswith("card digest mismatch")


def test_verify_without_a_vault_or_with_a_key_file(
    capsys: pytest.CaptureFixture[str],
    profile: Profile,
    network: X25519Identity,
    tmp_path: Path,
) -> None:
    data_dir, _, _ = profile
    out = tmp_path / "out"
    _build(capsys, profile, network, out)
    envelope = str(out / SUBMISSION_FILE)
    code, stdout, _ = run(capsys, data_dir, "--json", "verify", envelope, "--no-vault")
    assert code == 0
    checks = _statuses(json.loads(stdout))
    assert checks["commitment"] == "skipped"
    key = tmp_path / "network.key"
    key.write_text(f"# the network\n{network.to_string()}\n")
    code, stdout, _ = run(
        capsys, data_dir, "--json", "verify", envelope, "--no-vault", "-i", str(key)
    )
    assert code == 0
    checks = _statuses(json.loads(stdout))
    assert checks["commitment"] == "passed"


def test_build_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    profile: Profile,
    network: X25519Identity,
    tmp_path: Path,
) -> None:
    data_dir, dataset, _ = profile
    base = ["submission", "build", dataset, "-o", str(tmp_path / "x")]
    cases = [
        (
            ["--consent", "nope", "--recipient", network.recipient.to_string()],
            "no consent template",
        ),
        (["--consent", "custom", "--recipient", "age1nope"], ""),
        (
            [
                "--consent",
                "custom",
                "--recipient",
                network.recipient.to_string(),
                "--network-id",
                "x",
            ],
            "the network id must be a DID",
        ),
        (
            [
                "--consent",
                "custom",
                "--recipient",
                network.recipient.to_string(),
                "--identity",
                "bob",
            ],
            "no identity named 'bob'",
        ),
    ]
    for extra, words in cases:
        code, stdout, stderr = run(capsys, data_dir, *base, *extra)
        assert code == 1, extra
        assert stdout == ""
        assert stderr.startswith("tessera: error: " + words), stderr
        assert len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
    code, _, stderr = run(capsys, data_dir, "submission", "show", "zz")
    assert code == 1
    assert "at least 4 of its hex digits" in stderr


def test_the_real_program_and_the_age_cli(
    profile: Profile, network: X25519Identity, tmp_path: Path
) -> None:
    """End to end as a user runs it: build with the program, open with age, verify."""
    if shutil.which("age") is None:
        pytest.skip("the age command is not installed")
    data_dir, dataset, _ = profile
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env.update(TESSERA_FORBID_HOME="1", TESSERA_PASSPHRASE="pw")

    def tessera(*args: str) -> subprocess.CompletedProcess[str]:
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

    out = tmp_path / "out"
    built = tessera(
        "submission", "build", dataset, "--consent", "no-ai-training",
        "--recipient", network.recipient.to_string(), "-o", str(out),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Signed submission ")
    key = tmp_path / "network.key"
    key.write_text(network.to_string() + "\n")
    package = tmp_path / PACKAGE_FILE  # cat header payload: the age file
    package.write_bytes((out / HEADER_FILE).read_bytes() + (out / PAYLOAD_FILE).read_bytes())
    opened = subprocess.run(
        ["age", "-d", "-i", str(key), str(package)], capture_output=True, check=True
    )
    assert [json.loads(line) for line in opened.stdout.splitlines()] == profile.records
    verified = tessera("verify", str(out / SUBMISSION_FILE))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "Verified."
