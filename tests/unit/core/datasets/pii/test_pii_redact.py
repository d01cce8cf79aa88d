"""Redaction: each action, per-type and per-finding decisions, stale findings, pseudonyms."""

from __future__ import annotations

import copy
import json

import pytest

from app.core.datasets.pii import (
    Action,
    Finding,
    PiiScanner,
    PiiType,
    RedactionPolicy,
    finding_key,
    mask_tag,
    pseudonym,
    pseudonym_matches,
    redact_record,
)
from app.core.datasets.pii.redact import normalize_value
from app.core.errors import InvalidInput

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
SCANNER = PiiScanner()


def scan_and_redact(record, policy=None, index=0, key=KEY):  # type: ignore[no-untyped-def]
    findings = SCANNER.scan_record(record)
    return redact_record(record, findings, policy or RedactionPolicy(), record_index=index, key=key)


def test_mask_replaces_every_finding_with_its_tag_right_to_left() -> None:
    record = {"text": "Mail ann@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111."}
    assert scan_and_redact(record) == {"text": "Mail [EMAIL], call [PHONE], card [PAYMENT_CARD]."}
    assert mask_tag(PiiType.NATIONAL_ID) == "[NATIONAL_ID]"


def test_pseudonyms_are_keyed_and_the_same_across_records_and_spellings() -> None:
    policy = RedactionPolicy(default=Action.PSEUDONYMIZE)
    first = scan_and_redact({"t": "from Ann@Example.com"}, policy, index=0)
    second = scan_and_redact({"t": "to ann@example.com"}, policy, index=1)
    token = first["t"].removeprefix("from ")  # type: ignore[index]
    assert second == {"t": f"to {token}"}
    assert token.startswith("[EMAIL:")
    assert len(token) == len("[EMAIL:]") + 16
    third = scan_and_redact({"t": "from Ann@Example.com"}, policy, key=OTHER_KEY)
    assert third != first
    # one phone number, two spellings
    national = scan_and_redact({"t": "Tel. 020 7946 0958"}, policy)
    international = scan_and_redact({"t": "Tel. +44 20 7946 0958"}, policy)
    assert national == international


def test_pseudonym_follows_the_contract() -> None:
    import hashlib
    import hmac

    digest = hmac.new(KEY, b"email\0ann@example.com", hashlib.sha256).hexdigest()[:16]
    assert pseudonym(PiiType.EMAIL, "Ann@Example.com", KEY) == f"[EMAIL:{digest}]"
    token = pseudonym(PiiType.EMAIL, "ann@example.com", KEY)
    assert pseudonym_matches(token, PiiType.EMAIL, "ANN@example.com", KEY)
    assert not pseudonym_matches(token, PiiType.EMAIL, "bob@example.com", KEY)
    with pytest.raises(ValueError, match="16 bytes"):
        pseudonym(PiiType.EMAIL, "ann@example.com", b"short")


def test_normalised_values() -> None:
    assert normalize_value(PiiType.PAYMENT_CARD, "4111-1111 1111 1111") == "4111111111111111"
    assert normalize_value(PiiType.IBAN, "de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert normalize_value(PiiType.IP, "2001:0DB8:0000:0000:0000:0000:0000:0001") == "2001:db8::1"
    assert normalize_value(PiiType.PHONE, "030 1234567", "phone:DE") == "+49301234567"
    assert normalize_value(PiiType.PERSON_NAME, "John  SMITH") == "john smith"
    assert normalize_value(PiiType.SECRET, "AbC") == "AbC"


def test_drop_field_removes_the_member_or_the_array_element() -> None:
    record = {
        "id": 1,
        "email": "ann@example.com",
        "msgs": ["hello", "call +44 20 7946 0958", "bye"],
        "nested": {"keep": "fine", "ip": "203.0.113.7"},
    }
    policy = RedactionPolicy(default=Action.DROP_FIELD)
    assert scan_and_redact(record, policy) == {
        "id": 1,
        "msgs": ["hello", "bye"],
        "nested": {"keep": "fine"},
    }


def test_drop_field_on_several_elements_of_one_array() -> None:
    record = {"m": ["a@example.com", "x", "b@example.com", "c@example.com"]}
    policy = RedactionPolicy(default=Action.DROP_FIELD)
    assert scan_and_redact(record, policy) == {"m": ["x"]}


def test_drop_record_and_keep() -> None:
    record = {"text": "ann@example.com and 203.0.113.7"}
    policy = RedactionPolicy(per_type={PiiType.IP: Action.DROP_RECORD})
    assert scan_and_redact(record, policy) is None
    keep = RedactionPolicy(default=Action.KEEP)
    assert scan_and_redact(record, keep) is record


def test_a_string_record_is_redacted_and_dropped_whole() -> None:
    assert scan_and_redact("mail ann@example.com") == "mail [EMAIL]"
    assert scan_and_redact("mail ann@example.com", RedactionPolicy(Action.DROP_FIELD)) is None


def test_per_finding_decisions_win_over_per_type_over_default() -> None:
    record = {"a": "ann@example.com", "b": "bob@example.com", "c": "203.0.113.7"}
    findings = SCANNER.scan_record(record)
    kept = next(f for f in findings if f.path == "/b")
    policy = RedactionPolicy(
        default=Action.MASK,
        per_type={PiiType.EMAIL: Action.PSEUDONYMIZE},
        per_finding={finding_key(3, kept): Action.KEEP},
    )
    result = redact_record(record, findings, policy, record_index=3, key=KEY)
    assert result == {
        "a": pseudonym(PiiType.EMAIL, "ann@example.com", KEY),
        "b": "bob@example.com",
        "c": "[IP]",
    }
    # the same decision does not apply to another record
    other = redact_record(record, findings, policy, record_index=4, key=KEY)
    assert other["b"] != "bob@example.com"  # type: ignore[index, call-overload]


def test_finding_key_format() -> None:
    finding = Finding(PiiType.EMAIL, "/msgs/0/content", 3, 18, "ann@example.com", "email")
    assert finding_key(12, finding) == "12:/msgs/0/content:3:18:email"


def test_the_input_record_is_not_modified() -> None:
    record = {"m": [{"content": "ann@example.com"}, {"content": "hi"}], "x": "203.0.113.7"}
    before = copy.deepcopy(record)
    result = scan_and_redact(record, RedactionPolicy(per_type={PiiType.IP: Action.DROP_FIELD}))
    assert record == before
    assert result == {"m": [{"content": "[EMAIL]"}, {"content": "hi"}]}
    assert result["m"][1] is record["m"][1]  # type: ignore[index, call-overload]


def test_overlapping_findings_are_merged_not_left_half_done() -> None:
    text = "value 0123456789abc end"
    findings = [
        Finding(PiiType.PHONE, "/t", 6, 16, text[6:16], "phone:x"),
        Finding(PiiType.SECRET, "/t", 10, 19, text[10:19], "secret:x"),
    ]
    result = redact_record({"t": text}, findings, RedactionPolicy(), record_index=0, key=KEY)
    assert result == {"t": "value [SECRET] end"}


@pytest.mark.parametrize(
    "finding",
    [
        Finding(PiiType.EMAIL, "/text", 0, 5, "zq@secret", "email"),
        Finding(PiiType.EMAIL, "/text", 0, 99, "zq@secret", "email"),
        Finding(PiiType.EMAIL, "/missing", 0, 9, "zq@secret", "email"),
        Finding(PiiType.EMAIL, "/n", 0, 9, "zq@secret", "email"),
        Finding(PiiType.EMAIL, "/list/7", 0, 9, "zq@secret", "email"),
        Finding(PiiType.EMAIL, "text", 0, 9, "zq@secret", "email"),
    ],
)
def test_stale_findings_fail_clearly_and_reveal_nothing(finding: Finding) -> None:
    record = {"text": "ann@example.com", "n": 5, "list": ["a"]}
    with pytest.raises(InvalidInput) as error:
        redact_record(record, [finding], RedactionPolicy(), record_index=0, key=KEY)
    assert "ann@" not in str(error.value)
    assert "zq@secret" not in str(error.value)


def test_drop_field_aimed_at_a_missing_field_fails() -> None:
    finding = Finding(PiiType.EMAIL, "/gone", 0, 1, "a", "email")
    with pytest.raises(InvalidInput, match="/gone"):
        redact_record(
            {"x": "a"}, [finding], RedactionPolicy(Action.DROP_FIELD), record_index=0, key=KEY
        )


def test_policy_from_strings_and_json_round_trip() -> None:
    policy = RedactionPolicy(
        default="pseudonymize",  # type: ignore[arg-type]
        per_type={"ip": "drop-field"},  # type: ignore[dict-item]
        per_finding={"0:/t:0:5:email": "keep"},  # type: ignore[dict-item]
    )
    assert policy.default is Action.PSEUDONYMIZE
    assert policy.per_type == {PiiType.IP: Action.DROP_FIELD}
    data = json.loads(json.dumps(policy.to_json()))
    assert RedactionPolicy.from_json(data) == policy
    with pytest.raises(InvalidInput, match="bad redaction policy"):
        RedactionPolicy(per_type={"ip": "shred"})  # type: ignore[dict-item]
    with pytest.raises(InvalidInput, match="bad redaction policy"):
        RedactionPolicy.from_json({"per_type": ["ip"]})


def test_default_policy_masks() -> None:
    assert RedactionPolicy().default is Action.MASK
    assert RedactionPolicy().per_type == {}
