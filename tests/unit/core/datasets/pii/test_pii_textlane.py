"""The PII text lane equals the record path: same canonical bytes, counts and drops."""

from __future__ import annotations

import itertools
import json
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.canonical import canonical_json
from app.core.datasets.pii import (
    ALL_TYPES,
    DEFAULT_TYPES,
    Action,
    PiiScanner,
    PiiType,
    RedactionPolicy,
    redact_record,
)
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.pii import scanner as scanner_module
from app.core.datasets.pii.textlane import SUPPORTED, TextLane, usable
from app.core.datasets.records import JsonObject, JsonValue
from app.core.datasets.stage_findings import count_findings
from tests.helpers.pii_corpus import generate_corpus

KEY = bytes(range(32))


def _ascii(text: str) -> str:
    """``text`` in printable ASCII without quotes or backslashes, which the text lane needs."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = "".join(char if char.isprintable() else " " for char in plain)
    return plain.replace('"', "'").replace("\\", "/")


CORPUS = generate_corpus(seed=5, items=400)
TEXTS = sorted({_ascii(item.text) for item in CORPUS})
PLANTED = sorted(
    {_ascii(item.text[span.start : span.end]) for item in CORPUS for span in item.spans}
    | {
        "ann@example.com",
        "+1 415 555 0132",
        "DE89370400440532013000",
        "4111 1111 1111 1111",
        "192.0.2.7",
        "2001:db8::1",
        "ghp_rML6nhTMLCOXNIgNnZUSVW760ZEcjCQ1746P",
        "password = hunter2hunter2",
        "AKIAIOSFODNN7EXAMPLE",
    }
)
WORDS = ["a", "mail", "to", "call", "tel", "is", ":", "=", "x@", "12", "2024-01-02", "id", " "]

SCANNERS = {"default": PiiScanner(DEFAULT_TYPES), "all": PiiScanner(ALL_TYPES)}
ACTIONS = sorted(SUPPORTED)
POLICY = st.one_of(
    st.sampled_from(ACTIONS).map(lambda action: RedactionPolicy(default=action)),
    st.builds(
        RedactionPolicy,
        default=st.sampled_from(ACTIONS),
        per_type=st.dictionaries(st.sampled_from(sorted(PiiType)), st.sampled_from(ACTIONS)),
    ),
)

TEXT = st.one_of(
    st.sampled_from(TEXTS),
    st.sampled_from(PLANTED),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PLANTED)), max_size=6).map(" ".join),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
)
OBJECT_KEY = st.one_of(
    st.sampled_from(["text", "title", "a", "", "contact", "x:y", "[EMAIL]"]),
    st.sampled_from(PLANTED),  # keys are never scanned, whatever they hold
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.sampled_from([0.5, -1.25, 1e-7, 123456.789]),
    TEXT,
)
VALUE = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(OBJECT_KEY, children, max_size=4)
    ),
    max_leaves=12,
)
RECORD = st.dictionaries(OBJECT_KEY, VALUE, max_size=6)


def _record_path(
    scanner: PiiScanner, policy: RedactionPolicy, record: JsonObject, families: int
) -> tuple[bytes | None, dict[str, dict[str, int]] | None]:
    """What the stage's record path makes of the record: its bytes (None: dropped), counts."""
    saved, scanner_module.NATIVE = scanner_module.NATIVE, False  # the Python detectors alone
    try:
        findings = scanner.scan_record(record, families)
    finally:
        scanner_module.NATIVE = saved
    if not findings:
        return canonical_json(record), None
    counts: dict[str, dict[str, int]] = {}
    count_findings(counts, findings, policy, 7)
    redacted = redact_record(record, findings, policy, record_index=7, key=KEY)
    if redacted is None:
        return None, counts
    return canonical_json(redacted), counts


def _families(canonical: bytes, record: JsonObject) -> list[int]:
    return [pf.ALL, pf.json_families(canonical, len(record)), pf.EMAIL, pf.DIGITS, 0]


def _check(record: JsonObject, policy: RedactionPolicy) -> bool:
    """Both ways agree on ``record`` under every scanner; whether the text lane could run."""
    canonical = canonical_json(record)
    if not usable(canonical):
        return False
    for scanner, native in itertools.product(SCANNERS.values(), (True, False)):
        lane = TextLane(scanner, policy, KEY, native=native)  # C detectors where built, and not
        for families in _families(canonical, record):
            line, counts = lane.redact(canonical, families)
            expected = _record_path(scanner, policy, record, families)
            assert (line, counts) == expected, (families, scanner)
            if counts is None:
                assert line is canonical  # nothing found: the very same bytes
            if line is not None:
                assert usable(line)
                assert json.loads(line) == json.loads(expected[0] or b"")
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORD, POLICY)
@example({"text": "mail ann@example.com or +1 415 555 0132"}, RedactionPolicy())
@example(
    {"a": ["DE89370400440532013000", {"b": "4111 1111 1111 1111 and 192.0.2.7"}]},
    RedactionPolicy(default=Action.PSEUDONYMIZE),
)
@example({"ann@example.com": "x", "k": "ann@example.com"}, RedactionPolicy())
@example(
    {"t": "ann@example.com", "u": "192.0.2.7"},
    RedactionPolicy(per_type={PiiType.IP: Action.DROP_RECORD}),
)
def test_random_records_with_planted_values(record: JsonObject, policy: RedactionPolicy) -> None:
    _check(record, policy)


@pytest.mark.parametrize(
    "policy",
    [
        RedactionPolicy(),
        RedactionPolicy(default=Action.PSEUDONYMIZE),
        RedactionPolicy(default=Action.KEEP),
        RedactionPolicy(default=Action.DROP_RECORD),
        RedactionPolicy(
            default=Action.PSEUDONYMIZE,
            per_type={PiiType.EMAIL: Action.MASK, PiiType.IP: Action.KEEP},
        ),
        RedactionPolicy(per_type={PiiType.SECRET: Action.DROP_RECORD}),
    ],
    ids=["mask", "pseudonymize", "keep", "drop-record", "mix", "drop-secrets"],
)
def test_the_labelled_corpus_in_records(policy: RedactionPolicy) -> None:
    """Each corpus text as a record member, and several as the strings of one nested record."""
    ran = found = 0
    for at, item in enumerate(CORPUS):
        record: JsonObject = {"id": at, "text": _ascii(item.text), "lang": item.locale.lower()}
        if at % 3 == 0:
            nested: list[JsonValue] = [text for text in TEXTS[at : at + 3]]
            record["messages"] = [{"content": text, "n": k} for k, text in enumerate(nested)]
        ran += _check(record, policy)
        found += bool(item.spans)
    assert ran == len(CORPUS)
    assert found > ran // 2


def test_unusable_text_is_refused() -> None:
    assert not usable(canonical_json({"t": 'a "quoted" word'}))
    assert not usable(canonical_json({"t": "line\nbreak"}))
    assert not usable(canonical_json({"t": "caf\u00e9"}))
    assert usable(canonical_json({"t": "plain words", "n": [1, 2.5, None]}))


def test_which_policies_the_text_lane_takes() -> None:
    assert TextLane.supports(RedactionPolicy(), DEFAULT_TYPES)
    assert TextLane.supports(RedactionPolicy(default=Action.DROP_RECORD), ALL_TYPES)
    assert not TextLane.supports(RedactionPolicy(default=Action.DROP_FIELD), DEFAULT_TYPES)
    assert not TextLane.supports(
        RedactionPolicy(per_type={PiiType.PHONE: Action.DROP_FIELD}), DEFAULT_TYPES
    )
    # A drop-field for a type not scanned does not matter.
    assert TextLane.supports(
        RedactionPolicy(per_type={PiiType.PERSON_NAME: Action.DROP_FIELD}), DEFAULT_TYPES
    )
    assert not TextLane.supports(
        RedactionPolicy(per_finding={"0:/t:0:5:email": Action.KEEP}), DEFAULT_TYPES
    )
