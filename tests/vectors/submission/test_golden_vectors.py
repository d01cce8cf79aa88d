"""The golden submission vectors: reproducible, and verified by Tessera's own verifier."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.submission.manifest import HEADER_FILE, PAYLOAD_FILE, SUBMISSION_FILE
from app.core.submission.revocation import REVOCATION_FILE
from app.core.submission.verification_report import CheckStatus
from app.core.submission.verify import verify_revocation, verify_submission
from tests.vectors.submission.generate import HERE, RECORDS, VECTOR_FILES, generate


def test_regenerating_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path)
    for name in VECTOR_FILES:
        assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), name
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(VECTOR_FILES)


def _records_from_jsonl(package: tuple[Path, Path]) -> list[object]:
    lines = (package[0].parent / "records.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in lines]


def test_golden_submission_verifies() -> None:
    report = verify_submission(HERE / SUBMISSION_FILE, decrypt_records=_records_from_jsonl)
    assert report.ok, report.to_json()
    assert all(check.status is CheckStatus.PASSED for check in report.checks)
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    assert report.submission_id == expected["submission_id"]
    assert report.signer == expected["contributor_did"]
    assert report.manifest is not None
    assert report.manifest.commitment == expected["commitment"]
    assert report.manifest.network == expected["network_did"]


def test_golden_revocation_verifies_against_the_submission() -> None:
    submission = verify_submission(HERE / SUBMISSION_FILE)
    report = verify_revocation(HERE / REVOCATION_FILE, submission=submission.manifest)
    assert report.ok, report.to_json()
    assert report.check("submission").status is CheckStatus.PASSED
    assert report.revocation is not None
    assert report.revocation.reason is not None


@pytest.mark.interop
def test_the_package_opens_with_the_age_cli(tmp_path: Path) -> None:
    """Header and payload together are a real age file: ``cat header payload | age -d``."""
    if shutil.which("age") is None:
        pytest.skip("the age command is not installed")

    def decrypt(package: tuple[Path, Path]) -> list[object]:
        out = subprocess.run(
            ["age", "-d", "-i", str(HERE / "identity.txt")],
            input=package[0].read_bytes() + package[1].read_bytes(),
            check=True,
            capture_output=True,
        ).stdout
        return [json.loads(line) for line in out.splitlines()]

    report = verify_submission(HERE / SUBMISSION_FILE, decrypt_records=decrypt)
    assert report.check("commitment").status is CheckStatus.PASSED, report.to_json()
    files = (HERE / HEADER_FILE, HERE / PAYLOAD_FILE)
    assert decrypt(files) == json.loads(json.dumps(RECORDS))
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    age_file = files[0].read_bytes() + files[1].read_bytes()
    assert hashlib.sha256(age_file).hexdigest() == expected["package_sha256"]
