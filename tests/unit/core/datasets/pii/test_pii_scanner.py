"""The scanner: each detector on realistic text, decoys left alone, overlaps, records, workers."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from app.core.datasets.pii import ALL_TYPES, DEFAULT_TYPES, Finding, PiiScanner, PiiType
from app.core.errors import InvalidInput

SCANNER = PiiScanner(ALL_TYPES)


def found(text: str, scanner: PiiScanner = SCANNER) -> list[tuple[str, str]]:
    return [(f.type.value, f.value) for f in scanner.scan_text(text)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        # e-mail: subdomains, plus tags, Unicode domains, punctuation around
        (
            "mail jean.dupont+news@mail.example.co.uk now",
            "email",
            "jean.dupont+news@mail.example.co.uk",
        ),
        ("«ana@uol.com.br»", "email", "ana@uol.com.br"),
        ("„jürgen@müller-bäckerei.de“", "email", "jürgen@müller-bäckerei.de"),
        ("Send it to o'brien@example.ie.", "email", "o'brien@example.ie"),
        ("<mailto:FOO@EXAMPLE.COM>", "email", "FOO@EXAMPLE.COM"),
        # phones: national and international formats
        ("Call +44 20 7946 0958 today", "phone", "+44 20 7946 0958"),
        ("US office (415) 555-0132.", "phone", "(415) 555-0132"),
        ("Tel. 030/1234567", "phone", "030/1234567"),
        ("+44 (0)20 7946 0958", "phone", "+44 (0)20 7946 0958"),
        ("Mon portable : 06.12.34.56.78", "phone", "06.12.34.56.78"),
        ("Meu celular: (11) 96123-4567", "phone", "(11) 96123-4567"),
        ("WhatsApp 98765 43210", "phone", "98765 43210"),
        ("0049 30 1234567", "phone", "0049 30 1234567"),
        ("phone: 4155550132", "phone", "4155550132"),
        ("(+49 30 1234567)", "phone", "+49 30 1234567"),
        # cards with spaces, dashes, none
        ("card 4111 1111 1111 1111 exp 12/27", "payment_card", "4111 1111 1111 1111"),
        ("Amex 3782-822463-10005", "payment_card", "3782-822463-10005"),
        ("5555555555554444", "payment_card", "5555555555554444"),
        # IBANs with and without spaces
        ("IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "iban", "DE89 3704 0044 0532 0130 00"),
        ("to GB82WEST12345698765432.", "iban", "GB82WEST12345698765432"),
        ("FR14 2004 1010 0505 0001 3M02 606", "iban", "FR14 2004 1010 0505 0001 3M02 606"),
        # IP addresses
        ("login from 203.0.113.7 failed", "ip", "203.0.113.7"),
        ("host [2001:db8::8a2e:370:7334]:443", "ip", "2001:db8::8a2e:370:7334"),
        (
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
            "ip",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
        ),
        # national identifiers
        ("SSN 123-45-6789", "national_id", "123-45-6789"),
        ("NI number AB 12 34 56 C", "national_id", "AB 12 34 56 C"),
        ("NI AB123456C", "national_id", "AB123456C"),
        ("Steuer-ID 86 095 742 719", "national_id", "86 095 742 719"),
        ("CPF 529.982.247-25", "national_id", "529.982.247-25"),
        ("CNPJ 11.222.333/0001-81", "national_id", "11.222.333/0001-81"),
        ("Aadhaar 2341 2341 2346", "national_id", "2341 2341 2346"),
        ("PAN ABCPE1234F", "national_id", "ABCPE1234F"),
        ("NIR 2 55 08 14 168 025 38", "national_id", "2 55 08 14 168 025 38"),
        # secrets
        ("AKIAIOSFODNN7EXAMPLE", "secret", "AKIAIOSFODNN7EXAMPLE"),
        (
            "token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 here",
            "secret",
            "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        ),
        (
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "secret",
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        ),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "secret", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        (
            "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
            "secret",
            "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
        ),
        (
            "OPENAI_KEY sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
            "secret",
            "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        ),
        ("export API_KEY=Zx8kP2mQ9vL4nR7tW1yB5cF3", "secret", "Zx8kP2mQ9vL4nR7tW1yB5cF3"),
        ('{"client_secret": "Zx8kP2mQ9vL4nR7tW1yB"}', "secret", "Zx8kP2mQ9vL4nR7tW1yB"),
        ("githubToken = 'Zx8kP2mQ9vL4nR7tW1yB'", "secret", "Zx8kP2mQ9vL4nR7tW1yB"),
        ("DB_PASSWORD=hunter22", "secret", "hunter22"),
        ("Authorization: Bearer abcDEF123456ghiJKL7890", "secret", "abcDEF123456ghiJKL7890"),
        ("postgres://app:s3cr3tpw@db.internal/app", "secret", "s3cr3tpw"),
    ],
)
def test_finds_the_value_with_its_exact_span(text: str, kind: str, value: str) -> None:
    findings = SCANNER.scan_text(text)
    assert (kind, value) in [(f.type.value, f.value) for f in findings]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.value


@pytest.mark.parametrize(
    "text",
    [
        "Order #10234587 shipped",
        "order number 4500012345",
        "ISBN 978-3-16-148410-0",
        "ISBN 0-306-40615-2",
        "at 2024-01-15 10:30:00 and 2024-01-15T10:30:00Z",
        "released 15.01.2024, due 01/15/2024",
        "v2.14.1, Python 3.11.4, build 10.0.19045.3803",
        "id 550e8400-e29b-41d4-a716-446655440000",
        "commit 3f9a2c1e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        "4111 1111 1111 1112",
        "DE88 3704 0044 0532 0130 00",
        "$1,299.99 or 1.299,99 € or R$ 1.234,56",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "icon@2x.png lodash@4.17.21 @maintainers user@localhost",
        "MAC 00:1A:2B:3C:4D:5E at 10:30:00, slice a[10::20]",
        "pip install scikit-learn (sk-learn)",
        "token=YOUR_TOKEN_HERE password: ******** api_key=${API_KEY}",
        "secret = os.environ['SECRET'] and token: str = get_token()",
        "the password is required",
        "monkey = 'Zx8kP2mQ9vL4nR7tW1yB'",
        "+1 123 555 0199 and 000-000-0000",
        "SSN 000-12-3456 or 666-12-3456",
        "1 234 567 visitors",
        "epoch 1705314600",
        "48.8566, 2.3522",
    ],
)
def test_decoys_are_not_findings(text: str) -> None:
    assert found(text, PiiScanner()) == []


def test_a_card_is_not_also_a_phone_and_an_iban_not_a_phone() -> None:
    assert found("Phone 4111 1111 1111 1111") == [("payment_card", "4111 1111 1111 1111")]
    text = "IBAN DE89 3704 0044 0532 0130 00"
    assert found(text) == [("iban", "DE89 3704 0044 0532 0130 00")]


def test_two_numbers_in_one_run_are_read_apart() -> None:
    text = "Tel. 030 1234567 / 030 7654321, card 4111 1111 1111 1111 12/27"
    assert found(text) == [
        ("phone", "030 1234567"),
        ("phone", "030 7654321"),
        ("payment_card", "4111 1111 1111 1111"),
    ]


def test_unformatted_numbers_need_a_word_before_them() -> None:
    assert found("ref 4155550132", PiiScanner()) == []
    assert found("call 4155550132", PiiScanner()) == [("phone", "4155550132")]
    assert found("id 123456789", PiiScanner()) == []
    assert found("SSN 123456789", PiiScanner()) == [("national_id", "123456789")]


def test_regions_limit_national_formats_not_international_ones() -> None:
    us_only = PiiScanner(regions=["US"])
    assert found("Tel. 030 1234567", us_only) == []
    assert found("Tel. +49 30 1234567", us_only) == [("phone", "+49 30 1234567")]
    [finding] = us_only.scan_text("Tel. +49 30 1234567")
    assert finding.detector == "phone:DE"


def test_types_limit_the_detectors() -> None:
    scanner = PiiScanner([PiiType.EMAIL])
    assert found("a@example.com 4111 1111 1111 1111", scanner) == [("email", "a@example.com")]
    assert PiiScanner(["email", "phone"]).types == {PiiType.EMAIL, PiiType.PHONE}


def test_names_and_addresses_only_when_asked() -> None:
    text = "Dear John Smith, I live at 221B Baker Street."
    assert found(text, PiiScanner()) == []
    assert found(text) == [("person_name", "John Smith"), ("street_address", "221B Baker Street")]
    assert found("Hauptstraße 5 und 12 rue de la Paix") == [
        ("street_address", "Hauptstraße 5"),
        ("street_address", "12 rue de la Paix"),
    ]
    assert found("Mme Dupont et Frau Müller") == [
        ("person_name", "Dupont"),
        ("person_name", "Müller"),
    ]


def test_default_types_leave_out_the_heuristics() -> None:
    assert ALL_TYPES - {PiiType.PERSON_NAME, PiiType.STREET_ADDRESS} == DEFAULT_TYPES


def test_private_key_block_is_one_finding_to_its_end() -> None:
    lines = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA3Tz2", "abcd=="]
    block = "\n".join([*lines, "-----END RSA PRIVATE KEY-----"])
    text = f"key:\n{block}\nthanks"
    [finding] = SCANNER.scan_text(text)
    assert finding.value == block
    truncated = "-----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2\nMIIEpAIBAAKCAQEA3Tz2"
    [finding] = SCANNER.scan_text(truncated + "\n\nmore")
    assert finding.value == truncated


def test_jwt() -> None:
    token = (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    )
    [finding] = SCANNER.scan_text(f"Authorization header had {token}.")
    assert (finding.value, finding.detector) == (token, "secret:jwt")


def test_context_gives_the_text_around() -> None:
    text = "Please write to ann@example.com before Friday"
    [finding] = SCANNER.scan_text(text, "/text")
    assert finding.context(text, width=6) == ("te to ", "ann@example.com", " befor")
    assert finding.to_json() == {
        "type": "email",
        "path": "/text",
        "start": 16,
        "end": 31,
        "detector": "email",
    }
    assert "ann@" not in repr(finding)


def test_scan_record_walks_strings_with_json_pointers() -> None:
    record = {
        "id": 7,
        "a/b": "ann@example.com",
        "m~n": ["x", {"content": "call +44 20 7946 0958"}],
        "ann@example.com": "keys are not scanned",
        "flag": True,
        "none": None,
    }
    findings = SCANNER.scan_record(record)
    assert [(f.path, f.type.value, f.start) for f in findings] == [
        ("/a~1b", "email", 0),
        ("/m~0n/1/content", "phone", 5),
    ]
    assert SCANNER.scan_record("ann@example.com")[0].path == ""
    assert SCANNER.scan_record(42) == []


def test_unknown_types_and_regions_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="unknown PII type"):
        PiiScanner(["email", "shoe_size"])
    with pytest.raises(InvalidInput, match="unsupported phone region 'XX'"):
        PiiScanner(regions=["US", "XX"])


def test_scanner_pickles_small_and_equal() -> None:
    scanner = PiiScanner(DEFAULT_TYPES, regions=("DE", "FR"))
    data = pickle.dumps(scanner)
    assert len(data) < 600
    restored = pickle.loads(data)  # noqa: S301 (our own bytes)
    assert restored == scanner
    assert hash(restored) == hash(scanner)


def _scan_in_worker(args: tuple[PiiScanner, str]) -> list[Finding]:
    scanner, text = args
    return scanner.scan_text(text)


def test_scanner_works_in_a_worker_process() -> None:
    scanner = PiiScanner()
    text = "Mail ann@example.com or call +44 20 7946 0958"
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(_scan_in_worker, (scanner, text)).result(timeout=60)
    assert remote == scanner.scan_text(text)
    assert len(remote) == 2
