"""Building a submission folder: hashing, signing, the atomic envelope write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.core.consent.templates import load_terms
from app.core.errors import Cancelled, NotFound, StorageError
from app.core.progress import CancelToken, ProgressEvent
from app.core.submission.build import build_submission, file_sha256, sign_submission
from app.core.submission.manifest import CARD_FILE, HEADER_FILE, PAYLOAD_FILE, SUBMISSION_FILE
from app.core.submission.verify import verify_submission
from tests.unit.core.submission.conftest import CARD, HEADER, PAYLOAD, RECIPIENTS, Folder
from tests.vectors.submission.generate import SeedSigner


def _prepared(tmp_path: Path, payload: bytes = PAYLOAD) -> Path:
    (tmp_path / HEADER_FILE).write_bytes(HEADER)
    (tmp_path / PAYLOAD_FILE).write_bytes(payload)
    (tmp_path / CARD_FILE).write_bytes(CARD)
    return tmp_path


def _build(folder: Path, signer: SeedSigner, **extra: object) -> object:
    return build_submission(
        folder,
        commitment="a" * 64,
        records=1,
        terms=load_terms("open-research"),
        recipients=RECIPIENTS,
        signer=signer,
        **extra,
    )


def test_built_folder_holds_the_four_files(folder: Folder) -> None:
    assert sorted(path.name for path in folder.path.iterdir()) == [
        CARD_FILE,
        HEADER_FILE,
        PAYLOAD_FILE,
        SUBMISSION_FILE,
    ]
    manifest = folder.built.manifest
    assert (manifest.header_size, manifest.payload_size) == (len(HEADER), len(PAYLOAD))
    assert manifest.package_size == len(HEADER) + len(PAYLOAD)
    assert manifest.header_sha256 == hashlib.sha256(HEADER).hexdigest()
    assert manifest.payload_sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert folder.built.envelope_path.read_bytes() == folder.built.envelope.to_bytes()
    assert folder.built.submission_id == folder.built.manifest.digest()


def test_hashing_reports_progress(tmp_path: Path, signer: SeedSigner) -> None:
    payload = PAYLOAD + b"\x00" * ((3 << 20) - len(PAYLOAD) + 22)
    events: list[ProgressEvent] = []
    _build(_prepared(tmp_path, payload), signer, progress=events.append)
    assert [event.done for event in events] == [1 << 20, 2 << 20, 3 << 20, len(payload)]
    assert {event.total for event in events} == {len(payload)}
    assert {event.stage for event in events} == {"hash"}
    assert verify_submission(tmp_path / SUBMISSION_FILE).ok


def test_cancel_leaves_no_envelope(tmp_path: Path, signer: SeedSigner) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        _build(_prepared(tmp_path), signer, cancel=token)
    assert not (tmp_path / SUBMISSION_FILE).exists()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_missing_inputs_are_named(tmp_path: Path, signer: SeedSigner) -> None:
    with pytest.raises(NotFound, match=f"{HEADER_FILE} not found in"):
        _build(tmp_path, signer)
    (tmp_path / HEADER_FILE).write_bytes(HEADER)
    with pytest.raises(NotFound, match=f"{PAYLOAD_FILE} not found in"):
        _build(tmp_path, signer)
    (tmp_path / PAYLOAD_FILE).write_bytes(PAYLOAD)
    with pytest.raises(NotFound, match=f"{CARD_FILE} not found in"):
        _build(tmp_path, signer)


def test_only_the_named_contributor_signs(folder: Folder, other_signer: SeedSigner) -> None:
    with pytest.raises(ValueError, match="signed by the contributor"):
        sign_submission(folder.built.manifest, other_signer)


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "data"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    assert file_sha256(path) == (hashlib.sha256(data).hexdigest(), len(data))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert file_sha256(empty) == (hashlib.sha256(b"").hexdigest(), 0)


def test_unreadable_input_is_named(tmp_path: Path, signer: SeedSigner) -> None:
    (tmp_path / HEADER_FILE).mkdir()
    with pytest.raises(StorageError, match=r"cannot read package\.age-header: "):
        _build(tmp_path, signer)
