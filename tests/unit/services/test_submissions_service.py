"""Submissions built from a real prepared dataset in a real vault, then verified and revoked."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity
from app.core.crypto.age import read_header
from app.core.errors import AlreadyExists, Cancelled, InvalidInput, NotFound, StorageError
from app.core.progress import CancelToken, ProgressEvent
from app.core.submission.dsse import IN_TOTO_PAYLOAD_TYPE, sign_envelope
from app.core.submission.manifest import (
    CARD_FILE,
    HEADER_FILE,
    PACKAGE_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
)
from app.core.submission.revocation import REVOCATION_FILE
from app.core.submission.verification_report import CheckStatus, VerificationReport
from app.services import identities, submissions, vault
from app.services.vault import Session
from tests.helpers.prepared import insert_prepared_dataset, package_records
from tests.vectors.submission.generate import SeedSigner

NETWORK_DID = "did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"
TERMS = load_terms("no-ai-training")


@pytest.fixture
def session(data_dir: Path) -> Iterator[Session]:
    opened = vault.create_vault(passphrase="pw")
    identities.create_identity(opened, "alice")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def network() -> X25519Identity:
    return X25519Identity.generate()


@pytest.fixture
def dataset(session: Session) -> str:
    return insert_prepared_dataset(session)


def _build(
    session: Session, dataset: str, network: X25519Identity, out: Path, **extra: object
) -> submissions.SubmissionInfo:
    return submissions.build_submission_for_dataset(
        session,
        dataset,
        TERMS,
        recipient=network.recipient.to_string(),
        network_id=NETWORK_DID,
        out_dir=out,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """Where submission folders go (the profile is elsewhere in tmp_path)."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    return folder


@pytest.fixture
def built(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> submissions.SubmissionInfo:
    return _build(session, dataset, network, place / "out")


def _failed(report: VerificationReport) -> dict[str, str]:
    return {check.name: check.message for check in report.failures()}


def test_build_writes_a_folder_that_verifies_end_to_end(
    session: Session, built: submissions.SubmissionInfo, dataset: str
) -> None:
    assert sorted(p.name for p in built.folder.iterdir()) == [
        CARD_FILE,
        HEADER_FILE,
        PAYLOAD_FILE,
        SUBMISSION_FILE,
    ]
    assert built.to_json()["files"] == [SUBMISSION_FILE, HEADER_FILE, PAYLOAD_FILE, CARD_FILE]
    assert [p.name for p in built.folder.parent.iterdir()] == ["out"]  # no staging left behind
    report = submissions.verify_submission_file(built.envelope_path, session=session)
    assert report.ok, report.to_json()
    assert [check.status for check in report.checks] == [CheckStatus.PASSED] * 11
    assert report.check("commitment").message.startswith("3 records hash to the commitment")
    assert report.submission_id == built.id == built.manifest_digest
    alice = identities.get_identity(session, "alice")
    assert built.signer_did == report.signer == alice.did
    assert built.dataset_id == dataset
    assert built.dataset_name == "tide notes"
    assert built.state == "signed"
    assert built.network_id == NETWORK_DID
    assert built.consent_digest == TERMS.digest()
    assert report.manifest is not None
    assert report.manifest.terms == TERMS
    assert report.manifest.recipients == (alice.recipient, built.network_recipient)
    # The card describes the package that is sent, and the terms signed with it.
    card = json.loads((built.folder / CARD_FILE).read_bytes())
    files = {item["@id"]: item for item in card["distribution"]}
    assert files[HEADER_FILE]["sha256"] == report.manifest.header_sha256
    assert files[HEADER_FILE]["contentSize"] == f"{report.manifest.header_size} B"
    assert files[PAYLOAD_FILE]["sha256"] == report.manifest.payload_sha256
    assert files[PAYLOAD_FILE]["contentSize"] == f"{report.manifest.payload_size} B"
    assert files[PACKAGE_FILE]["contentSize"] == f"{report.manifest.package_size} B"
    assert files[PACKAGE_FILE]["containedIn"] == [{"@id": HEADER_FILE}, {"@id": PAYLOAD_FILE}]
    assert card["usageInfo"]["identifier"] == f"sha256:{TERMS.digest()}"
    assert card["usageInfo"]["name"] == "No AI training"


def test_the_payload_is_rewrapped_not_reencrypted(
    session: Session, built: submissions.SubmissionInfo, dataset: str
) -> None:
    prepared = submissions.prepared_dataset(session, dataset)
    assert prepared.payload_path is not None
    header = (built.folder / HEADER_FILE).read_bytes()
    old = read_header(prepared.package_path)
    new = read_header(header)
    assert old.stanza_types == ("X25519",)
    assert new.stanza_types == ("X25519", "X25519")
    assert new.header_size == len(header)
    assert old.header_size == prepared.package_size
    # The payload is the prepared file itself (same inode on one filesystem), read-only.
    sent = built.folder / PAYLOAD_FILE
    assert sent.read_bytes() == prepared.payload_path.read_bytes()
    assert sent.stat().st_ino == prepared.payload_path.stat().st_ino
    assert sent.stat().st_mode & 0o777 == 0o444
    if os.geteuid() != 0:  # root writes read-only files anyway
        with pytest.raises(PermissionError):
            sent.open("r+b")


def test_the_network_opens_the_package_with_the_age_cli(
    session: Session,
    dataset: str,
    built: submissions.SubmissionInfo,
    network: X25519Identity,
    tmp_path: Path,
) -> None:
    if shutil.which("age") is None:
        pytest.skip("the age command is not installed")
    key = tmp_path / "network.key"
    key.write_text(network.to_string() + "\n")
    package = tmp_path / PACKAGE_FILE  # what a network does: cat header payload > package.age
    package.write_bytes(
        (built.folder / HEADER_FILE).read_bytes() + (built.folder / PAYLOAD_FILE).read_bytes()
    )
    out = subprocess.run(
        ["age", "-d", "-i", str(key), str(package)], check=True, capture_output=True
    ).stdout
    assert [json.loads(line) for line in out.splitlines()] == package_records(session, dataset)


def test_a_network_verifies_with_its_own_key_and_no_vault(
    built: submissions.SubmissionInfo, network: X25519Identity
) -> None:
    without = submissions.verify_submission_file(built.envelope_path)
    assert without.ok
    assert without.check("commitment").status is CheckStatus.SKIPPED
    with_key = submissions.verify_submission_file(built.envelope_path, keys=[network])
    assert with_key.check("commitment").status is CheckStatus.PASSED
    stranger = submissions.verify_submission_file(
        built.envelope_path, keys=[X25519Identity.generate()]
    )
    assert stranger.check("commitment").status is CheckStatus.SKIPPED


# -- tampering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    session: Session
    info: submissions.SubmissionInfo


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """One vault and one built submission for the tamper tests, which each work on a copy."""
    from app import paths

    base = tmp_path_factory.mktemp("shared")
    paths.set_data_dir(base / "profile")
    try:
        opened = vault.create_vault(passphrase="pw")
        identities.create_identity(opened, "alice")
        dataset = insert_prepared_dataset(opened)
        info = _build(opened, dataset, X25519Identity.generate(), base / "out")
    finally:
        paths.set_data_dir(None)
    try:
        yield Shared(opened, info)
    finally:
        opened.close()


@dataclass(frozen=True)
class Tampered:
    envelope: Path
    session: Session

    def verify(self) -> VerificationReport:
        return submissions.verify_submission_file(self.envelope, session=self.session)


@pytest.fixture
def tampered(shared: Shared, tmp_path: Path) -> Tampered:
    """A fresh copy of the shared submission folder, to change."""
    copy = tmp_path / "copy"
    shutil.copytree(shared.info.folder, copy)
    return Tampered(copy / SUBMISSION_FILE, shared.session)


def test_the_untouched_copy_verifies(tampered: Tampered) -> None:
    report = tampered.verify()
    assert report.ok, report.to_json()
    assert report.check("commitment").status is CheckStatus.PASSED


def _statement(envelope: Path) -> dict[str, object]:
    statement: dict[str, object] = json.loads(
        base64.b64decode(json.loads(envelope.read_bytes())["payload"])
    )
    return statement


@pytest.mark.parametrize(
    "field",
    ["dataset.records", "package.size", "consent.terms", "network", "created", "recipients"],
)
def test_a_changed_manifest_field_breaks_the_signature(tampered: Tampered, field: str) -> None:
    statement = _statement(tampered.envelope)
    manifest = statement["predicate"]
    assert isinstance(manifest, dict)
    if field == "dataset.records":
        manifest["dataset"]["records"] += 1
    elif field == "package.size":
        manifest["package"]["size"] -= 1
    elif field == "consent.terms":
        manifest["consent"]["terms"]["uses"]["ai_training"]["use"] = "allowed"
    elif field == "recipients":
        manifest["package"]["recipients"].pop()
    else:
        manifest[field] = None if field == "network" else "2020-01-01T00:00:00Z"
    envelope = json.loads(tampered.envelope.read_bytes())
    envelope["payload"] = base64.b64encode(bytes(rfc8785.dumps(statement))).decode()
    tampered.envelope.write_text(json.dumps(envelope))
    report = tampered.verify()
    assert list(_failed(report)) == ["signature"]
    assert _failed(report)["signature"].startswith("signature does not verify")


def _flip(path: Path, offset: int) -> None:
    path.chmod(0o644)  # the payload is read-only
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x20
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("name", "where"),
    [(HEADER_FILE, 40), (HEADER_FILE, -1), (PAYLOAD_FILE, 0), (PAYLOAD_FILE, -30)],
)
def test_a_changed_package_byte_is_named(tampered: Tampered, name: str, where: int) -> None:
    path = tampered.envelope.parent / name
    _flip(path, where % path.stat().st_size)
    report = tampered.verify()
    assert list(_failed(report)) == ["package"]
    what = "header" if name == HEADER_FILE else "payload"
    assert _failed(report)["package"].startswith(f"{what} digest mismatch: expected ")
    assert report.check("commitment").status is CheckStatus.SKIPPED


def test_a_changed_card_byte_is_named(tampered: Tampered) -> None:
    _flip(tampered.envelope.parent / CARD_FILE, 5)
    report = tampered.verify()
    assert list(_failed(report)) == ["card"]
    assert _failed(report)["card"].startswith("card digest mismatch")


def test_another_signer_is_named(tampered: Tampered, shared: Shared) -> None:
    """Someone re-signs the exact statement with their own key: the signer check says who."""
    mallory = SeedSigner(bytes(range(7, 39)))
    payload = base64.b64decode(json.loads(tampered.envelope.read_bytes())["payload"])
    tampered.envelope.write_bytes(sign_envelope(payload, IN_TOTO_PAYLOAD_TYPE, mallory).to_bytes())
    report = tampered.verify()
    assert list(_failed(report)) == ["signer"]
    assert _failed(report)["signer"] == (
        f"signer mismatch: signed by {mallory.did}, but the manifest names contributor "
        f"{shared.info.signer_did}"
    )


def test_records_that_do_not_match_the_commitment_are_named(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    """A dataset row whose commitment lies: the signature holds, the decrypted records do not."""
    session.conn.execute("UPDATE datasets SET commitment = ? WHERE id = ?", ("ab" * 32, dataset))
    info = _build(session, dataset, network, place / "lie")
    report = submissions.verify_submission_file(info.envelope_path, session=session)
    assert list(_failed(report)) == ["commitment"]
    assert _failed(report)["commitment"].startswith(f"commitment mismatch: expected {'ab' * 32}")


def _one_file_package(session: Session, dataset: str) -> Path:
    """Turn a prepared dataset into the layout before the split: one ``<id>.age`` file."""
    from app import paths
    from app.services import datasets

    info = datasets.get_dataset(session, dataset)
    assert info.payload_path is not None
    single = info.package_path.with_name(f"{dataset}.age")
    single.write_bytes(info.package_path.read_bytes() + info.payload_path.read_bytes())
    manifest = datasets.dataset_manifest(session, dataset)
    del manifest["package"]["header"], manifest["package"]["payload"]
    manifest["package"]["file"] = single.relative_to(paths.data_dir()).as_posix()
    session.conn.execute(
        "UPDATE datasets SET package_file = ?, manifest = ? WHERE id = ?",
        (manifest["package"]["file"], json.dumps(manifest), dataset),
    )
    info.package_path.unlink()
    info.payload_path.unlink()
    return single


def test_a_package_prepared_before_the_split_still_reads_and_is_split_once(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    """An older one-file package reads as it is; its first build splits it in the vault."""
    from app.services import datasets

    records = package_records(session, dataset)
    single = _one_file_package(session, dataset)
    old = single.read_bytes()
    assert datasets.get_dataset(session, dataset).package_files == (single,)
    assert package_records(session, dataset) == records
    preview = submissions.preview_submission(
        session, dataset, TERMS, recipient=network.recipient.to_string(), network_id=None
    )
    assert preview["package"]["payload"]["sha256"] is None  # known once it is split
    info = _build(session, dataset, network, place / "old")
    report = submissions.verify_submission_file(info.envelope_path, keys=[network])
    assert report.ok, report.to_json()
    assert report.check("commitment").status is CheckStatus.PASSED
    assert report.manifest is not None
    split = datasets.get_dataset(session, dataset)
    assert not single.exists()
    assert [path.name for path in split.package_files] == [
        f"{dataset}.age-header",
        f"{dataset}.age-payload",
    ]
    assert b"".join(path.read_bytes() for path in split.package_files) == old
    assert split.package_sha256 == split.payload_sha256 == report.manifest.payload_sha256
    assert package_records(session, dataset) == records
    header, payload = (path.stat().st_mtime_ns for path in split.package_files)
    assert header == payload  # sealed by the split: later builds need not hash it
    # From now on the payload is linked, not copied.
    again = _build(session, dataset, network, place / "again")
    assert (again.folder / PAYLOAD_FILE).stat().st_ino == split.package_files[1].stat().st_ino
    assert datasets.split_package(session, dataset) == split


def test_a_cancelled_split_leaves_the_one_file_package(session: Session, dataset: str) -> None:
    from app.services import datasets

    single = _one_file_package(session, dataset)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        datasets.split_package(session, dataset, cancel=token)
    assert sorted(path.name for path in single.parent.iterdir() if dataset in path.name) == [
        f"{dataset}.age",
        f"{dataset}.leaves.age",
    ]
    assert datasets.get_dataset(session, dataset).package_files == (single,)


def test_deleting_a_dataset_removes_both_package_files(session: Session) -> None:
    from app.services import datasets

    info = datasets.get_dataset(session, insert_prepared_dataset(session, name="another"))
    assert len(info.package_files) == 2
    assert all(path.is_file() for path in info.package_files)
    datasets.delete_dataset(session, info.id)
    assert not any(path.exists() for path in info.package_files)


def test_a_changed_prepared_payload_is_refused(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    prepared = submissions.prepared_dataset(session, dataset)
    assert prepared.payload_path is not None
    prepared.payload_path.chmod(0o644)
    with prepared.payload_path.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(StorageError, match="prepare the dataset again"):
        _build(session, dataset, network, place / "out")
    assert list(place.iterdir()) == []


def test_a_write_through_a_linked_payload_is_caught_by_the_next_build(
    session: Session, built: submissions.SubmissionInfo, dataset: str, network: X25519Identity
) -> None:
    prepared = submissions.prepared_dataset(session, dataset)
    assert prepared.payload_path is not None
    sent = built.folder / PAYLOAD_FILE
    assert sent.stat().st_ino == prepared.payload_path.stat().st_ino  # a hard link
    sent.chmod(0o644)
    with sent.open("r+b") as handle:  # the same size: only the digest can tell
        handle.seek(40)
        byte = handle.read(1)
        handle.seek(40)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(StorageError, match="written to since it was prepared"):
        _build(session, dataset, network, built.folder.parent / "again")
    assert not (built.folder.parent / "again").exists()


def test_a_payload_whose_time_alone_changed_still_builds(
    session: Session, built: submissions.SubmissionInfo, dataset: str, network: X25519Identity
) -> None:
    prepared = submissions.prepared_dataset(session, dataset)
    assert prepared.payload_path is not None
    os.utime(prepared.payload_path, ns=(1, 1))  # a restore that kept the bytes, not the times
    again = _build(session, dataset, network, built.folder.parent / "again")
    assert (again.folder / PAYLOAD_FILE).read_bytes() == prepared.payload_path.read_bytes()
    assert prepared.payload_path.stat().st_mtime_ns == prepared.package_path.stat().st_mtime_ns


# -- listing, preview, revocation ---------------------------------------------------------------


def test_list_and_get_by_prefix(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    first = _build(session, dataset, network, place / "one")
    second = _build(session, dataset, network, place / "two")
    assert first.id != second.id  # a fresh nonce each time
    listed = submissions.list_submissions(session)
    assert {info.id for info in listed} == {first.id, second.id}
    assert listed[0].created >= listed[1].created
    assert submissions.get_submission(session, first.id[:10].upper()) == first
    with pytest.raises(InvalidInput, match="at least 4 of its hex digits"):
        submissions.get_submission(session, "ab")
    with pytest.raises(NotFound, match="no submission"):
        submissions.get_submission(session, "0000000000" if first.id[:4] != "0000" else "ffff")


def _at(document: dict[str, Any], path: str) -> object:
    value: Any = document
    for key in path.split("."):
        value = value[key]
    return value


def test_preview_is_the_manifest_that_gets_signed(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    preview = submissions.preview_submission(
        session, dataset, TERMS, recipient=network.recipient.to_string(), network_id=NETWORK_DID
    )
    info = _build(session, dataset, network, place / "out")
    signed = submissions.submission_manifest(session, info.id).to_json()
    unknown = ("created", "nonce", "package.header.sha256", "card.sha256")
    assert [_at(preview, path) for path in unknown] == [None] * 4
    for key in ("created", "nonce"):
        signed[key] = None
    signed["package"]["header"]["sha256"] = signed["card"]["sha256"] = None
    assert preview == signed


def test_revoke_writes_a_signed_revocation_beside_it(
    session: Session, built: submissions.SubmissionInfo
) -> None:
    later = datetime.now(UTC) + timedelta(days=3)
    path = submissions.revoke_submission(
        session, built.id[:8], "I changed my mind", effective=later
    )
    assert path == built.folder / REVOCATION_FILE
    assert submissions.get_submission(session, built.id).state == "revoked"
    report = submissions.verify_submission_file(path, session=session)
    assert report.kind == "revocation"
    assert report.ok, report.to_json()
    assert report.check("submission").status is CheckStatus.PASSED
    assert report.revocation is not None
    assert report.revocation.reason == "I changed my mind"
    assert report.revocation.effective == later.replace(microsecond=0)
    # Alone (the submission moved away), it still verifies against the vault's record.
    alone = built.folder.parent / "alone"
    alone.mkdir()
    shutil.copy(path, alone / REVOCATION_FILE)
    report = submissions.verify_submission_file(alone / REVOCATION_FILE, session=session)
    assert report.check("submission").status is CheckStatus.PASSED
    without = submissions.verify_submission_file(alone / REVOCATION_FILE)
    assert without.check("submission").status is CheckStatus.SKIPPED
    with pytest.raises(AlreadyExists, match="already revoked"):
        submissions.revoke_submission(session, built.id, None)


def test_a_submission_in_a_format_this_version_cannot_read_can_still_be_revoked(
    session: Session, built: submissions.SubmissionInfo
) -> None:
    """Withdrawing consent must never depend on parsing what an earlier version signed."""
    with session.conn:
        session.conn.execute(
            "UPDATE submissions SET envelope = ? WHERE id = ?", ('{"unreadable": true}', built.id)
        )
    path = submissions.revoke_submission(session, built.id, "withdrawn")
    assert submissions.get_submission(session, built.id).state == "revoked"
    report = submissions.verify_submission_file(path)
    assert report.kind == "revocation"
    assert report.check("signature").status is CheckStatus.PASSED
    assert report.revocation is not None
    assert report.revocation.reason == "withdrawn"


def test_revocation_cannot_take_effect_in_the_past(
    session: Session, built: submissions.SubmissionInfo
) -> None:
    with pytest.raises(InvalidInput, match="in the past"):
        submissions.revoke_submission(
            session, built.id, None, effective=datetime.now(UTC) - timedelta(hours=1)
        )
    with pytest.raises(InvalidInput, match="needs a time zone"):
        submissions.revoke_submission(session, built.id, None, effective=datetime(2099, 1, 1))
    assert submissions.get_submission(session, built.id).state == "signed"
    assert not built.revocation_path.exists()


# -- refusals ----------------------------------------------------------------------------------


def test_bad_network_details_are_refused_before_any_work(
    session: Session, dataset: str, place: Path
) -> None:
    out = place / "out"
    with pytest.raises(InvalidInput, match="age"):
        submissions.build_submission_for_dataset(
            session, dataset, TERMS, recipient="ssh-ed25519 AAAA", network_id=None, out_dir=out
        )
    with pytest.raises(InvalidInput, match="the network id must be a DID"):
        submissions.build_submission_for_dataset(
            session,
            dataset,
            TERMS,
            recipient=X25519Identity.generate().recipient.to_string(),
            network_id="example.org",
            out_dir=out,
        )
    assert not out.exists()
    assert submissions.list_submissions(session) == []


def test_a_non_empty_folder_is_not_overwritten(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    out = place / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(AlreadyExists, match="not empty"):
        _build(session, dataset, network, out)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    empty = place / "empty"
    empty.mkdir()
    assert _build(session, dataset, network, empty).folder == empty


def test_cancel_leaves_nothing(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    token = CancelToken()
    events: list[ProgressEvent] = []
    token.cancel()
    with pytest.raises(Cancelled):
        _build(session, dataset, network, place / "out", cancel=token, progress=events.append)
    assert list(place.iterdir()) == []
    assert submissions.list_submissions(session) == []


def test_unknown_dataset_and_identity_are_named(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    with pytest.raises(NotFound, match="no dataset"):
        _build(session, "zzzz9999", network, place / "a")
    with pytest.raises(NotFound, match="no identity named 'bob'"):
        _build(session, dataset, network, place / "b", identity="bob")


def test_signing_as_another_identity_keeps_every_key_holder_able_to_open_it(
    session: Session, dataset: str, network: X25519Identity, place: Path
) -> None:
    bob = identities.create_identity(session, "bob")
    info = _build(session, dataset, network, place / "out", identity="bob")
    assert info.signer_did == bob.did
    manifest = submissions.submission_manifest(session, info.id)
    alice = identities.get_identity(session, "alice")
    assert manifest.recipients == (alice.recipient, bob.recipient, info.network_recipient)
    only_bob = submissions.verify_submission_file(
        info.envelope_path, session=session, identity="bob"
    )
    assert only_bob.ok
    assert only_bob.check("commitment").status is CheckStatus.PASSED
    identities.delete_identity(session, "alice")
    with pytest.raises(NotFound, match="prepared this dataset"):
        _build(session, dataset, network, place / "again")


def test_terms_load_from_templates_and_every_import_form(tmp_path: Path) -> None:
    from app.core.consent.cawg import to_cawg
    from app.core.consent.odrl import to_odrl

    terms = load_terms("inference-retrieval")
    assert submissions.load_consent("inference-retrieval") == terms
    for name, document in (
        ("terms.json", terms.to_json()),
        ("policy.jsonld", to_odrl(terms)),
    ):
        (tmp_path / name).write_text(json.dumps(document))
        assert submissions.load_consent(tmp_path / name) == terms
    (tmp_path / "cawg.json").write_text(json.dumps(to_cawg(terms)))
    assert submissions.load_consent(str(tmp_path / "cawg.json")).uses == terms.uses
    (tmp_path / "bad.json").write_text('{"uses": 1}')
    with pytest.raises(InvalidInput, match=r"bad\.json"):
        submissions.load_consent(tmp_path / "bad.json")
    with pytest.raises(NotFound, match="no consent template or file"):
        submissions.load_consent("no-such-template")
