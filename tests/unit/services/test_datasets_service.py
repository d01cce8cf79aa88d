"""Prepared datasets on a real vault: all or nothing, readable back, provable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity, read_header
from app.core.datasets.card_input import CardInput, InvalidCard
from app.core.datasets.commitment import InvalidProof, dataset_commitment
from app.core.datasets.pii import Action, PiiType, RedactionPolicy, finding_key
from app.core.datasets.records import InvalidRecord
from app.core.errors import Cancelled, InvalidInput, NotFound
from app.core.progress import CancelToken, ProgressEvent
from app.services import identities, submissions, vault
from app.services.dataset_rows import DatasetNotFound, dataset_package_path
from app.services.dataset_scan import scan_inputs
from app.services.datasets import (
    PrepareRequest,
    dataset_card,
    dataset_manifest,
    dataset_report,
    delete_dataset,
    export_dataset,
    get_dataset,
    list_datasets,
    open_package_records,
    prepare_dataset,
    prove_record,
    verify_proof_document,
)
from app.services.vault import Session

RECORDS = [
    {"id": 1, "text": "Call me at  +1 415 555 0100 or mail ann@example.com\r\n"},
    {"id": 2, "text": "nothing personal here"},
    {"id": 1, "text": "Call me at +1 415 555 0100 or mail ann@example.com"},
    {"id": 3, "text": "mail ann@example.com again"},
]


@pytest.fixture
def session(data_dir: Path) -> Iterator[Session]:
    with vault.create_vault(passphrase="pw") as opened:
        identities.create_identity(opened, "me")
        yield opened


def write_jsonl(path: Path, records: list[dict[str, object]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra, encoding="utf-8")
    return path


def leftovers(data_dir: Path) -> list[str]:
    folder = data_dir / "datasets"
    found = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    tmp = data_dir / "tmp"
    return found + (sorted(p.name for p in tmp.iterdir()) if tmp.exists() else [])


def test_round_trip(session: Session, data_dir: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "notes.jsonl", RECORDS)
    policy = RedactionPolicy(per_type={PiiType.EMAIL: Action.PSEUDONYMIZE})
    info = prepare_dataset(session, PrepareRequest((source,), "Notes", pii_policy=policy))

    assert info.records == 3
    assert info.duplicates_removed == 1
    # What the package holds: the duplicate's findings are reported apart.
    assert info.pii == {"email": 2, "phone": 1}
    assert dataset_report(session, info.id)["privacy"]["findings_in_removed_duplicates"] == {
        "email": 1,
        "phone": 1,
    }
    body = info.to_json()
    assert {"id", "records", "duplicates_removed", "commitment", "pii"} <= body.keys()
    assert len(info.id) == 26

    assert [d.id for d in list_datasets(session)] == [info.id]
    assert get_dataset(session, info.id[:6]) == info
    package = dataset_package_path(session, info.id)
    assert package == data_dir / "datasets" / f"{info.id}.age-header"
    assert info.package_files == (package, data_dir / "datasets" / f"{info.id}.age-payload")
    assert read_header(package).stanza_types == ("X25519",)
    age_file = b"".join(path.read_bytes() for path in info.package_files)
    assert read_header(package).header_size == package.stat().st_size  # exactly the header
    assert b"example.com" not in age_file
    # The digests recorded while writing: the payload's (it identifies the package), the header's.
    payload_digest = hashlib.sha256(info.package_files[1].read_bytes()).hexdigest()
    assert info.package_size == len(age_file)
    assert info.package_sha256 == info.payload_sha256 == payload_digest
    stored = dataset_manifest(session, info.id)["package"]
    assert stored["header"]["sha256"] == hashlib.sha256(package.read_bytes()).hexdigest()
    assert stored["payload"] == {
        "file": f"datasets/{info.id}.age-payload",
        "sha256": payload_digest,
        "size": info.payload_size,
    }
    card_files = {item["@id"]: item for item in dataset_card(session, info.id)["distribution"]}
    assert card_files["package.age-payload"]["sha256"] == payload_digest
    assert card_files["package.age"]["containedIn"][0] == {"@id": "package.age-header"}
    assert info.package_files[1].stat().st_mode & 0o777 == 0o444

    records = list(open_package_records(session, info.id))
    token = str(records[0]["text"]).split("mail ")[1]
    assert token.startswith("[EMAIL:")
    assert records == [
        {"id": 1, "text": f"Call me at [PHONE] or mail {token}"},
        {"id": 2, "text": "nothing personal here"},
        {"id": 3, "text": f"mail {token} again"},
    ]
    assert dataset_commitment(records)[0].hex() == info.commitment

    manifest = dataset_manifest(session, info.id)
    assert manifest["commitment"]["root"] == info.commitment
    assert manifest["package"]["payload"]["sha256"] == info.package_sha256
    card = dataset_card(session, info.id)
    assert card["name"] == "Notes"
    assert card["identifier"]["value"] == info.commitment
    report = dataset_report(session, info.id)
    assert report["privacy"]["actions"] == {"email": {"pseudonymize": 2}, "phone": {"mask": 1}}
    assert report["quality"]["duplicates"]["clusters_shown"][0]["representative"] == 0

    exported = tmp_path / "out.jsonl"
    assert export_dataset(session, info.id, exported) == 3
    assert [json.loads(line) for line in exported.read_text().splitlines()] == records

    document = prove_record(session, info.id, 2, include_record=True)
    assert document.record == records[2]
    assert verify_proof_document(document.to_bytes())
    bare = json.loads(prove_record(session, info.id, 1).to_bytes())
    assert "record" not in bare
    assert bare["root"] == info.commitment
    assert verify_proof_document(bare)
    tampered = dict(bare, leaf_hash="0" * 64)
    assert not verify_proof_document(tampered)
    with pytest.raises(InvalidProof):
        verify_proof_document(b'{"index": 0}')
    with pytest.raises(InvalidInput, match="has 3 records"):
        prove_record(session, info.id, 3)

    delete_dataset(session, info.id)
    assert list_datasets(session) == []
    assert leftovers(data_dir) == []


def test_unknown_and_short_ids(session: Session) -> None:
    with pytest.raises(DatasetNotFound):
        get_dataset(session, "zzzzzzzz")
    with pytest.raises(NotFound):
        get_dataset(session, "01")


def test_cancel_leaves_nothing(session: Session, data_dir: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", RECORDS * 50)
    token = CancelToken()

    def progress(event: ProgressEvent) -> None:
        if event.stage == "prepare":
            token.cancel()

    with pytest.raises(Cancelled):
        prepare_dataset(session, PrepareRequest((source,), "x"), progress=progress, cancel=token)
    assert list_datasets(session) == []
    assert leftovers(data_dir) == []


def test_bad_input_names_file_and_line_and_leaves_nothing(
    session: Session, data_dir: Path, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "bad.jsonl", RECORDS[:2], extra='{"id": 9\n')
    with pytest.raises(InvalidRecord, match=r"bad\.jsonl, line 3"):
        prepare_dataset(session, PrepareRequest((source,), "x"))
    assert list_datasets(session) == []
    assert leftovers(data_dir) == []
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(InvalidInput, match="does not exist"):
        prepare_dataset(session, PrepareRequest((missing,), "x"))

    info = prepare_dataset(session, PrepareRequest((source,), "x", skip_bad_records=True))
    assert (info.records, info.rejected) == (2, 1)
    (detail,) = dataset_report(session, info.id)["quality"]["rejected"]["details"]
    assert (detail["file"], detail["line"]) == (str(source), 3)


def test_card_fields_are_checked_before_any_work(session: Session, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    card = CardInput(name="n", description="d", license="not a license!", creator_name="me")
    with pytest.raises(InvalidCard, match="license"):
        prepare_dataset(session, PrepareRequest((source,), "x", card=card))
    good = CardInput(name="n", description="About it", license="CC-BY-4.0", creator_name="Me")
    info = prepare_dataset(session, PrepareRequest((source,), "x", card=good))
    card_json = dataset_card(session, info.id)
    assert card_json["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert card_json["creator"]["identifier"] == info.owner_did


def test_scan_then_prepare_with_review_decisions(session: Session, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    request = PrepareRequest((source,), "reviewed", pii_types=frozenset({PiiType.EMAIL}))
    scanned = scan_inputs(request)
    assert scanned.pii_counts == {"email": 3}
    assert scanned.exact_duplicates == 1
    assert [index for index, _ in scanned.findings] == [0, 2, 3]
    assert scanned.contexts[2][1] == "ann@example.com"
    index, finding = scanned.findings[2]
    decisions = {finding_key(index, finding): Action.KEEP}
    reviewed = PrepareRequest(
        (source,),
        "reviewed",
        pii_types=frozenset({PiiType.EMAIL}),
        pii_policy=RedactionPolicy(per_finding=decisions),
    )
    info = prepare_dataset(session, reviewed)
    records = list(open_package_records(session, info.id))
    assert records[-1] == {"id": 3, "text": "mail ann@example.com again"}
    assert "[EMAIL]" in str(records[0]["text"])
    privacy = dataset_report(session, info.id)["privacy"]
    # Record 2 duplicates record 0 (deferred to the parent for its per-finding decisions).
    assert privacy["actions"] == {"email": {"keep": 1, "mask": 1}}
    assert privacy["findings_in_removed_duplicates"] == {"email": 1}


def test_delete_is_refused_while_a_submission_uses_the_dataset(
    session: Session, data_dir: Path, tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "notes.jsonl", RECORDS)
    info = prepare_dataset(session, PrepareRequest((source,), "Notes"))
    header, payload = (path.stat().st_mtime_ns for path in info.package_files)
    assert header == payload  # sealed as prepared: a write through a link would move it
    submissions.build_submission_for_dataset(
        session,
        info.id,
        load_terms("no-ai-training"),
        recipient=X25519Identity.generate().recipient.to_string(),
        network_id=None,
        out_dir=tmp_path / "submission",
    )
    with pytest.raises(InvalidInput, match="part of 1 submission"):
        delete_dataset(session, info.id)
    assert get_dataset(session, info.id) == info
    assert info.package_path.is_file()


def test_pii_counts_describe_the_package_not_removed_duplicates(
    session: Session, tmp_path: Path
) -> None:
    records: list[dict[str, object]] = [
        {"text": "mail bob@example.com"},
        {"text": "one"},
        {"text": "mail bob@example.com"},
        {"text": "two"},
        {"text": "three"},
    ]
    source = write_jsonl(tmp_path / "five.jsonl", records)
    info = prepare_dataset(session, PrepareRequest((source,), "Five"))
    assert (info.records, info.duplicates_removed) == (4, 1)
    assert info.pii == {"email": 1}
    report = dataset_report(session, info.id)
    assert report["privacy"]["findings"] == {"email": 1}
    assert report["privacy"]["findings_in_removed_duplicates"] == {"email": 1}
    assert dataset_manifest(session, info.id)["pii"] == {"email": 1}


def test_a_sampled_schema_says_so_in_the_report_and_card(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.datasets import schema_sampling

    monkeypatch.setattr(schema_sampling, "SCHEMA_EXACT", 100)
    records: list[dict[str, object]] = [{"n": i, "text": f"note {i}"} for i in range(300)]
    source = write_jsonl(tmp_path / "many.jsonl", records)
    info = prepare_dataset(session, PrepareRequest((source,), "Many", workers=0))
    schema = dataset_manifest(session, info.id)["schema"]
    assert schema["records"] == 100 + len(range(112, 300, 16))
    assert schema["estimated_from_sample"]["of"] == 300
    assert schema["columns"][0]["present"] == schema["records"]
    assert "sample of 112 of 300" in dataset_report(session, info.id)["quality"]["schema_basis"]
    fields = dataset_card(session, info.id)["recordSet"][0]["field"]
    assert all("sample of 112 of 300" in field["description"] for field in fields)


def test_a_crash_leftover_in_either_layout_is_swept_by_the_next_prepare(
    session: Session, data_dir: Path, tmp_path: Path
) -> None:
    """Named package files without a row (a crash between the files and the row) go away."""
    import os

    kept = prepare_dataset(
        session, PrepareRequest((write_jsonl(tmp_path / "a.jsonl", RECORDS),), "A")
    )
    folder = data_dir / "datasets"
    orphans = [folder / f"0orphan{suffix}" for suffix in (".age-header", ".age-payload", ".age")]
    for path in orphans:
        path.write_bytes(b"age-encryption.org/v1\n")
        os.utime(path, (1, 1))  # older than the few minutes a running prepare may take
    orphans[1].chmod(0o444)
    fresh = folder / "0fresh.age-payload"
    fresh.write_bytes(b"a prepare still running")
    prepare_dataset(session, PrepareRequest((write_jsonl(tmp_path / "b.jsonl", RECORDS),), "B"))
    assert not any(path.exists() for path in orphans)
    assert fresh.exists()
    assert all(path.is_file() for path in get_dataset(session, kept.id).package_files)
