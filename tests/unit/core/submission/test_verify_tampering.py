"""Any change to a signed submission fails verification with a message naming what failed."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from app.core.errors import InvalidInput
from app.core.progress import CancelToken
from app.core.submission.dsse import IN_TOTO_PAYLOAD_TYPE, sign_envelope
from app.core.submission.manifest import CARD_FILE, HEADER_FILE, PAYLOAD_FILE, SUBMISSION_FILE
from app.core.submission.verification_report import CheckStatus, VerificationReport
from app.core.submission.verify import verify_submission
from tests.unit.core.submission.conftest import RECORDS, Folder, records_source
from tests.vectors.submission.generate import SeedSigner


def _statement(folder: Folder) -> dict[str, Any]:
    return json.loads(folder.built.envelope.payload)


def _write_envelope(folder: Folder, envelope: dict[str, Any]) -> None:
    (folder.path / SUBMISSION_FILE).write_text(json.dumps(envelope), encoding="utf-8")


def _replace_payload(folder: Folder, payload: bytes) -> None:
    """Put new payload bytes in the envelope but keep the old signature."""
    envelope = folder.built.envelope.to_json()
    envelope["payload"] = base64.b64encode(payload).decode("ascii")
    _write_envelope(folder, envelope)


def _resign(folder: Folder, statement: dict[str, Any], signer: SeedSigner) -> None:
    payload = bytes(rfc8785.dumps(statement))
    envelope = sign_envelope(payload, IN_TOTO_PAYLOAD_TYPE, signer)
    (folder.path / SUBMISSION_FILE).write_bytes(envelope.to_bytes())


def _verify(folder: Folder) -> VerificationReport:
    return verify_submission(folder.envelope, decrypt_records=records_source())


def _failed(report: VerificationReport) -> dict[str, str]:
    return {check.name: check.message for check in report.failures()}


def test_the_untouched_submission_verifies(folder: Folder) -> None:
    report = _verify(folder)
    assert report.ok, report.to_json()
    assert [check.status for check in report.checks] == [CheckStatus.PASSED] * 11
    assert report.submission_id == folder.built.submission_id
    assert report.manifest == folder.built.manifest


MANIFEST_EDITS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("manifest_version", lambda m: m.update(manifest_version=2)),
    ("dataset.commitment", lambda m: m["dataset"].update(commitment="0" * 64)),
    ("dataset.records", lambda m: m["dataset"].update(records=4)),
    ("package.header.sha256", lambda m: m["package"]["header"].update(sha256="1" * 64)),
    ("package.header.size", lambda m: m["package"]["header"].update(size=1)),
    ("package.payload.sha256", lambda m: m["package"]["payload"].update(sha256="1" * 64)),
    ("package.payload.size", lambda m: m["package"]["payload"].update(size=1)),
    ("package.size", lambda m: m["package"].update(size=m["package"]["size"] + 1)),
    ("package.recipients", lambda m: m["package"]["recipients"].pop()),
    ("card.sha256", lambda m: m["card"].update(sha256="2" * 64)),
    (
        "consent.terms",
        lambda m: m["consent"]["terms"]["uses"]["ai_training"].update(use="allowed"),
    ),
    ("consent.sha256", lambda m: m["consent"].update(sha256="3" * 64)),
    (
        "contributor",
        lambda m: m.update(contributor="did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"),
    ),
    ("organization_credential", lambda m: m.update(organization_credential={"org": "x"})),
    ("network", lambda m: m.update(network=None)),
    ("created", lambda m: m.update(created="2025-06-01T00:00:01Z")),
    ("nonce", lambda m: m.update(nonce="0e" * 16)),
    ("client", lambda m: m.update(client="tessera/9.9.9")),
]


@pytest.mark.parametrize(("field", "edit"), MANIFEST_EDITS, ids=[f for f, _ in MANIFEST_EDITS])
def test_changing_any_manifest_field_breaks_the_signature(
    folder: Folder, field: str, edit: Callable[[dict[str, Any]], None]
) -> None:
    statement = _statement(folder)
    edit(statement["predicate"])
    _replace_payload(folder, bytes(rfc8785.dumps(statement)))
    report = _verify(folder)
    assert not report.ok
    assert _failed(report) == {
        "signature": (
            "signature does not verify: the signed statement was changed, or it was not signed "
            f"by {folder.built.manifest.contributor}"
            + (
                ""
                if field != "contributor"
                else " or did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"
            )
        )
    }
    assert all(check.status is CheckStatus.SKIPPED for check in report.checks[2:]), report.to_json()


def test_changing_the_subjects_breaks_the_signature(folder: Folder) -> None:
    statement = _statement(folder)
    statement["subject"][0]["digest"]["sha256"] = "4" * 64
    _replace_payload(folder, bytes(rfc8785.dumps(statement)))
    assert "signature" in _failed(_verify(folder))


def _flip_each_byte(path: Path, folder: Folder, check: str, words: str) -> None:
    original = path.read_bytes()
    for offset in range(len(original)):
        changed = bytearray(original)
        changed[offset] ^= 0x01
        path.write_bytes(bytes(changed))
        failures = _failed(_verify(folder))
        assert list(failures) == [check], (offset, failures)
        assert failures[check].startswith(words), failures[check]
    path.write_bytes(original)
    assert _verify(folder).ok


def test_every_byte_flip_of_the_header_is_named(folder: Folder) -> None:
    header = folder.path / HEADER_FILE
    expected = folder.built.manifest.header_sha256
    _flip_each_byte(header, folder, "package", f"header digest mismatch: expected {expected}, got ")


def test_every_byte_flip_of_the_payload_is_named(folder: Folder) -> None:
    payload = folder.path / PAYLOAD_FILE
    expected = folder.built.manifest.payload_sha256
    _flip_each_byte(
        payload, folder, "package", f"payload digest mismatch: expected {expected}, got "
    )


def test_every_byte_flip_of_the_card_is_named(folder: Folder) -> None:
    card = folder.path / CARD_FILE
    expected = folder.built.manifest.card_sha256
    _flip_each_byte(card, folder, "card", f"card digest mismatch: expected {expected}, got ")


@pytest.mark.parametrize("name", [HEADER_FILE, PAYLOAD_FILE])
@pytest.mark.parametrize("change", [b"", b"\x00", b"x" * 10])
def test_package_of_another_size_is_named(folder: Folder, name: str, change: bytes) -> None:
    path = folder.path / name
    data = path.read_bytes()
    path.write_bytes(data + change if change else data[:-1])
    failures = _failed(_verify(folder))
    what = "header" if name == HEADER_FILE else "payload"
    size = len(data)
    assert failures == {
        "package": f"{what} size mismatch: the manifest says {size} bytes, {name} has "
        f"{size + len(change) if change else size - 1}"
    }
    assert _verify(folder).check("commitment").status is CheckStatus.SKIPPED


def test_missing_files_are_named(folder: Folder) -> None:
    (folder.path / PAYLOAD_FILE).unlink()
    (folder.path / CARD_FILE).unlink()
    assert _failed(_verify(folder)) == {
        "package": "package.age-payload not found beside the envelope",
        "card": "card.json not found beside the envelope",
    }
    (folder.path / HEADER_FILE).unlink()
    assert _failed(_verify(folder))["package"] == "package.age-header not found beside the envelope"


def test_header_and_payload_swapped_are_named(folder: Folder) -> None:
    header, payload = folder.path / HEADER_FILE, folder.path / PAYLOAD_FILE
    first, second = header.read_bytes(), payload.read_bytes()
    header.write_bytes(second)
    payload.write_bytes(first)
    assert _failed(_verify(folder))["package"].startswith("header size mismatch")


def test_a_different_signer_is_named(folder: Folder, other_signer: SeedSigner) -> None:
    """The same statement signed by someone else: valid signature, wrong person."""
    _resign(folder, _statement(folder), other_signer)
    report = _verify(folder)
    assert report.signer == other_signer.did
    assert _failed(report) == {
        "signer": f"signer mismatch: signed by {other_signer.did}, but the manifest names "
        f"contributor {folder.built.manifest.contributor}"
    }


def test_keyid_is_only_a_hint(folder: Folder, other_signer: SeedSigner) -> None:
    for keyid in (other_signer.did, "", "not a did", "did:key:zzz"):
        envelope = folder.built.envelope.to_json()
        envelope["signatures"][0]["keyid"] = keyid
        _write_envelope(folder, envelope)
        report = _verify(folder)
        assert report.ok, (keyid, report.to_json())
        assert report.signer == folder.built.manifest.contributor


def test_a_claimed_keyid_cannot_take_over(folder: Folder, other_signer: SeedSigner) -> None:
    """Naming the contributor in keyid does not make another key's signature theirs."""
    statement = _statement(folder)
    payload = bytes(rfc8785.dumps(statement))
    envelope = sign_envelope(payload, IN_TOTO_PAYLOAD_TYPE, other_signer).to_json()
    envelope["signatures"][0]["keyid"] = folder.built.manifest.contributor
    _write_envelope(folder, envelope)
    assert "signature" in _failed(_verify(folder))


RESIGNED: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
    (
        lambda m: m["consent"]["terms"]["uses"]["ai_training"].update(use="allowed"),
        "consent",
        "consent digest mismatch: expected ",
    ),
    (lambda m: m["consent"].update(sha256="3" * 64), "consent", "consent digest mismatch"),
    (
        lambda m: m["package"]["header"].update(sha256="1" * 64),
        "subjects",
        "header subject mismatch",
    ),
    (
        lambda m: m["package"]["payload"].update(sha256="1" * 64),
        "subjects",
        "payload subject mismatch",
    ),
    (lambda m: m["card"].update(sha256="2" * 64), "subjects", "card subject mismatch"),
    (
        lambda m: m["package"].update(size=1),
        "manifest",
        "predicate.package.size: expected ",
    ),
    (
        lambda m: (
            m["package"]["payload"].update(size=1),
            m["package"].update(size=m["package"]["header"]["size"] + 1),
        ),
        "package",
        "payload size mismatch",
    ),
    (lambda m: m["dataset"].update(commitment="0" * 64), "commitment", "commitment mismatch"),
    (lambda m: m["dataset"].update(records=4), "commitment", "record count mismatch"),
    (lambda m: m.update(manifest_version=2), "manifest", "predicate.manifest_version: version 2"),
    (lambda m: m.update(nonce="XYZ"), "manifest", "predicate.nonce: does not match"),
    (lambda m: m.update(contributor="did:key:z6LS"), "manifest", "predicate: contributor: "),
    (lambda m: m.update(created="yesterday"), "manifest", "predicate.created: expected an RFC"),
    (lambda m: m.update(extra=1), "manifest", "predicate: unknown member 'extra'"),
    (
        lambda m: m["consent"]["terms"].update(jurisdictions=["US", "FR"]),
        "manifest",
        "predicate.consent.terms: not in normal form",
    ),
]


@pytest.mark.parametrize(("edit", "check", "words"), RESIGNED)
def test_resigned_inconsistencies_are_named(
    folder: Folder,
    signer: SeedSigner,
    edit: Callable[[dict[str, Any]], None],
    check: str,
    words: str,
) -> None:
    """Even a properly signed statement must agree with itself and with the files."""
    statement = _statement(folder)
    edit(statement["predicate"])
    _resign(folder, statement, signer)
    failures = _failed(_verify(folder))
    assert check in failures, failures
    assert failures[check].startswith(words), failures[check]


def test_record_count_mismatch_is_named(folder: Folder) -> None:
    report = verify_submission(
        folder.envelope, decrypt_records=records_source([*RECORDS, {"text": "extra"}])
    )
    assert _failed(report)["commitment"].startswith("commitment mismatch")
    statement = _statement(folder)
    assert statement["predicate"]["dataset"]["records"] == len(RECORDS)


def test_same_root_other_count_is_named(folder: Folder, signer: SeedSigner) -> None:
    statement = _statement(folder)
    statement["predicate"]["dataset"]["records"] = 99
    _resign(folder, statement, signer)
    held = len(RECORDS)
    assert _failed(_verify(folder)) == {
        "commitment": f"record count mismatch: the manifest says 99, the package holds {held}"
    }


def test_records_that_cannot_be_read_are_named(folder: Folder) -> None:
    def broken(_package: tuple[Path, Path]) -> list[object]:
        raise InvalidInput("no identity can open package.age")

    report = verify_submission(folder.envelope, decrypt_records=broken)
    assert _failed(report) == {
        "commitment": "cannot read the records: no identity can open package.age"
    }


def test_without_a_decryptor_the_commitment_is_skipped(folder: Folder) -> None:
    report = verify_submission(folder.envelope)
    assert report.ok
    skipped = report.check("commitment")
    assert skipped.status is CheckStatus.SKIPPED
    assert skipped.message == "not checked: no identity that can decrypt the package"


def test_non_canonical_payload_is_refused(folder: Folder, signer: SeedSigner) -> None:
    payload = json.dumps(_statement(folder), indent=1).encode()
    envelope = sign_envelope(payload, IN_TOTO_PAYLOAD_TYPE, signer)
    (folder.path / SUBMISSION_FILE).write_bytes(envelope.to_bytes())
    assert _failed(_verify(folder)) == {
        "statement": "statement: the payload is not in RFC 8785 canonical form"
    }


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s.update(predicateType="https://slsa.dev/provenance/v1"), "predicateType"),
        (lambda s: s.update(_type="https://in-toto.io/Statement/v0.1"), "_type"),
        (lambda s: s["subject"].reverse(), "expected the subjects"),
        (lambda s: s["subject"].pop(), "expected the subjects"),
        (lambda s: s["subject"][0]["digest"].update(sha512="ab"), "unknown member 'sha512'"),
        (lambda s: s.update(predicate=[]), "predicate: expected an object"),
    ],
)
def test_statement_shape_is_checked(
    folder: Folder, signer: SeedSigner, edit: Callable[[dict[str, Any]], None], words: str
) -> None:
    statement = _statement(folder)
    edit(statement)
    _resign(folder, statement, signer)
    failures = _failed(_verify(folder))
    assert len(failures) == 1
    assert words in next(iter(failures.values())), failures


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not valid JSON"),
        ("[]", "expected an object"),
        ('{"payload": "", "payloadType": "x"}', "signatures: missing"),
        ('{"payload": "e30=", "payloadType": "x", "signatures": []}', "exactly one"),
        ('{"payload": "e30", "payloadType": "x", "signatures": []}', "not standard base64"),
        (
            '{"payload": "e30=", "payloadType": "x", "payload": "e30=", "signatures": []}',
            "duplicate",
        ),
    ],
)
def test_malformed_envelopes_are_named(folder: Folder, text: str, words: str) -> None:
    (folder.path / SUBMISSION_FILE).write_text(text, encoding="utf-8")
    report = _verify(folder)
    failures = _failed(report)
    assert list(failures) == ["envelope"]
    assert words in failures["envelope"]
    assert all(check.message == "not run: the envelope is unusable" for check in report.checks[1:])


def test_wrong_payload_type_is_named(folder: Folder) -> None:
    envelope = folder.built.envelope.to_json()
    envelope["payloadType"] = "application/json"
    _write_envelope(folder, envelope)
    assert "payloadType 'application/json'" in _failed(_verify(folder))["envelope"]


def test_unreadable_envelope_is_named(tmp_path: Path) -> None:
    report = verify_submission(tmp_path / SUBMISSION_FILE)
    assert _failed(report) == {
        "envelope": "cannot read submission.dsse.json: No such file or directory"
    }


def test_report_as_json(folder: Folder) -> None:
    as_json = _verify(folder).to_json()
    assert as_json["ok"] is True
    assert as_json["kind"] == "submission"
    assert [check["name"] for check in as_json["checks"]] == [
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
    assert json.loads(json.dumps(as_json)) == as_json


def test_verification_can_be_cancelled(folder: Folder) -> None:
    from app.core.errors import Cancelled

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        verify_submission(folder.envelope, cancel=token)


def test_a_copied_folder_verifies_anywhere(folder: Folder, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    shutil.copytree(folder.path, copy)
    assert verify_submission(copy / SUBMISSION_FILE, decrypt_records=records_source()).ok


def test_a_package_that_is_not_age_is_named(tmp_path: Path, signer: SeedSigner) -> None:
    from app.core.consent.templates import load_terms
    from app.core.submission.build import build_submission

    (tmp_path / HEADER_FILE).write_bytes(b"PK\x03\x04 not an age file")
    (tmp_path / PAYLOAD_FILE).write_bytes(b"")
    (tmp_path / CARD_FILE).write_bytes(b"{}")
    built = build_submission(
        tmp_path,
        commitment="a" * 64,
        records=1,
        terms=load_terms("custom"),
        recipients=["age1xjnu4zaaa48r7fxxpm9k2hujxkkpkyke0t4xnrz4fhut78v4puksfqqtje"],
        signer=signer,
    )
    report = verify_submission(built.envelope_path)
    assert _failed(report) == {"package": "package.age-header does not begin with an age v1 header"}


def test_unreadable_files_are_named(folder: Folder) -> None:
    for name in (HEADER_FILE, CARD_FILE):
        (folder.path / name).unlink()
        (folder.path / name).mkdir()
    failures = _failed(_verify(folder))
    assert failures["package"].startswith("cannot read package.age-header: ")
    assert failures["card"].startswith("cannot read card.json: ")


def test_cancel_inside_the_record_source_propagates(folder: Folder) -> None:
    from app.core.errors import Cancelled

    def cancelled(_package: tuple[Path, Path]) -> list[object]:
        raise Cancelled()

    with pytest.raises(Cancelled):
        verify_submission(folder.envelope, decrypt_records=cancelled)
