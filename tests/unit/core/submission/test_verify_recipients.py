"""Check 9: the package's age header against the recipients the manifest declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity, encrypt_bytes
from app.core.crypto.header import Stanza, b64encode, encode_header
from app.core.submission.build import build_submission
from app.core.submission.manifest import CARD_FILE, HEADER_FILE, PAYLOAD_FILE
from app.core.submission.package_checks import recipient_stanza_type
from app.core.submission.verification_report import CheckStatus, VerificationReport
from app.core.submission.verify import verify_submission
from tests.unit.core.submission.conftest import CARD, RECIPIENTS
from tests.vectors.submission.generate import SeedSigner

PQ_RECIPIENT = "age1pq1" + "q" * 1950
PLUGIN_RECIPIENT = "age1yubikey1qwertyqwertyqwertyqwerty"


def _write_package(folder: Path, age_file: bytes, *, extra: int = 0) -> None:
    """Store an age file split as a submission sends it (``extra`` payload bytes in the header)."""
    mac = age_file.index(b"\n--- ")
    end = age_file.index(b"\n", mac + 1) + 1 + extra
    (folder / HEADER_FILE).write_bytes(age_file[:end])
    (folder / PAYLOAD_FILE).write_bytes(age_file[end:])


def _stanza(kind: str, *args: str) -> Stanza:
    return Stanza((kind, *args), bytes(32))


def _x25519(n: int) -> Stanza:
    return _stanza("X25519", b64encode(bytes([n]) * 32))


def _submit(tmp_path: Path, stanzas: list[Stanza], recipients: list[str]) -> VerificationReport:
    _write_package(tmp_path, encode_header(stanzas, bytes(16)) + b"payload")
    (tmp_path / CARD_FILE).write_bytes(CARD)
    built = build_submission(
        tmp_path,
        commitment="a" * 64,
        records=1,
        terms=load_terms("open-research"),
        recipients=recipients,
        signer=SeedSigner(bytes(range(32))),
    )
    return verify_submission(built.envelope_path)


def test_stanza_type_follows_the_bech32_prefix() -> None:
    assert recipient_stanza_type(RECIPIENTS[0]) == "X25519"
    assert recipient_stanza_type(PQ_RECIPIENT) == "mlkem768x25519"
    assert recipient_stanza_type(PLUGIN_RECIPIENT) is None


def test_a_real_package_passes(tmp_path: Path) -> None:
    identities = [X25519Identity.generate() for _ in range(3)]
    recipients = [identity.recipient for identity in identities]
    _write_package(tmp_path, encrypt_bytes(b'{"a":1}\n', recipients))
    (tmp_path / CARD_FILE).write_bytes(CARD)
    built = build_submission(
        tmp_path,
        commitment="a" * 64,
        records=1,
        terms=load_terms("open-research"),
        recipients=[r.to_string() for r in recipients],
        signer=SeedSigner(bytes(range(32))),
    )
    check = verify_submission(built.envelope_path).check("recipients")
    assert check.status is CheckStatus.PASSED, check.message
    assert "3 recipients" in check.message


@pytest.mark.parametrize(
    ("stanzas", "recipients", "message"),
    [
        (
            [_x25519(1)],
            RECIPIENTS,
            "recipient mismatch: the manifest names 2 X25519 recipients, "
            "the header has 1 X25519 stanza",
        ),
        (
            [_x25519(1), _x25519(2), _x25519(3)],
            RECIPIENTS,
            "recipient mismatch: the manifest names 2 X25519 recipients, "
            "the header has 3 X25519 stanzas",
        ),
        (
            [_stanza("scrypt", b64encode(bytes(16)), "18")],
            RECIPIENTS[:1],
            "the package is encrypted with a passphrase (scrypt stanza)",
        ),
        (
            [_x25519(1), _x25519(2), _stanza("x-grease")],
            RECIPIENTS,
            "recipient mismatch: the header has a 'x-grease' stanza that none of the manifest's",
        ),
        (
            [_x25519(1), _stanza("mlkem768x25519", "enc")],
            RECIPIENTS,
            "recipient mismatch: the manifest names 2 X25519 recipients, "
            "the header has 1 X25519 stanza",
        ),
        (
            [_x25519(1)],
            [RECIPIENTS[0], PQ_RECIPIENT],
            "recipient mismatch: the manifest names 1 mlkem768x25519 recipient, "
            "the header has 0 mlkem768x25519 stanzas",
        ),
        (
            [_x25519(1)],
            [RECIPIENTS[0], PLUGIN_RECIPIENT],
            "recipient mismatch: the manifest names 1 plugin recipient, "
            "the header has 0 stanzas of other types",
        ),
    ],
    ids=["missing", "extra", "passphrase", "unknown-type", "wrong-type", "missing-pq", "plugin"],
)
def test_header_and_recipients_disagree(
    tmp_path: Path, stanzas: list[Stanza], recipients: list[str], message: str
) -> None:
    report = _submit(tmp_path, stanzas, recipients)
    failures = {check.name: check.message for check in report.failures()}
    assert list(failures) == ["recipients"], failures
    assert failures["recipients"].startswith(message), failures["recipients"]


def test_plugin_stanzas_are_counted_not_typed(tmp_path: Path) -> None:
    report = _submit(
        tmp_path, [_x25519(1), _stanza("piv-p256", "tag")], [RECIPIENTS[0], PLUGIN_RECIPIENT]
    )
    assert report.check("recipients").status is CheckStatus.PASSED


def test_a_header_that_does_not_parse_is_named(tmp_path: Path) -> None:
    _write_package(tmp_path, b"age-encryption.org/v1\n-> X25519\n--- bWFj\n")
    (tmp_path / CARD_FILE).write_bytes(CARD)
    built = build_submission(
        tmp_path,
        commitment="a" * 64,
        records=1,
        terms=load_terms("open-research"),
        recipients=RECIPIENTS,
        signer=SeedSigner(bytes(range(32))),
    )
    check = verify_submission(built.envelope_path).check("recipients")
    assert check.status is CheckStatus.FAILED
    assert check.message.startswith("cannot read the age header in package.age-header: ")


def test_a_header_file_with_payload_bytes_in_it_is_named(tmp_path: Path) -> None:
    """The header file ends at the MAC line: the split is part of what is signed."""
    _write_package(tmp_path, encode_header([_x25519(1)], bytes(16)) + b"payload", extra=3)
    (tmp_path / CARD_FILE).write_bytes(CARD)
    built = build_submission(
        tmp_path,
        commitment="a" * 64,
        records=1,
        terms=load_terms("open-research"),
        recipients=RECIPIENTS[:1],
        signer=SeedSigner(bytes(range(32))),
    )
    check = verify_submission(built.envelope_path).check("recipients")
    assert check.status is CheckStatus.FAILED
    assert check.message == "package.age-header holds 3 bytes after the age header's MAC line"


def test_skipped_when_the_package_is_not_the_signed_one(tmp_path: Path) -> None:
    report = _submit(tmp_path, [_x25519(1), _x25519(2)], RECIPIENTS)
    assert report.ok
    (tmp_path / HEADER_FILE).write_bytes(b"age-encryption.org/v1\n")
    report = verify_submission(tmp_path / "submission.dsse.json")
    assert report.check("package").status is CheckStatus.FAILED
    assert report.check("recipients").status is CheckStatus.SKIPPED
