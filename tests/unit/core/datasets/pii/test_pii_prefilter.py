"""The prefilter never hides a finding: scanning with its answer finds what a full scan finds.

"Full scan" is the scanner with every family allowed. Checked on the labelled corpus, on
generated text built from detector-shaped fragments, and, for the JSON Lines level, on
whole lines as ``json.dumps`` writes them.
"""

from __future__ import annotations

import functools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.canonical import NotIJSON, canonical_json
from app.core.datasets.pii import DEFAULT_TYPES, PiiScanner
from app.core.datasets.pii import prefilter as pf
from tests.helpers.pii_corpus import generate_corpus

SCANNER = PiiScanner(DEFAULT_TYPES)

FRAGMENTS = [
    "+44 20 7946 0958",
    "(415) 555-0132",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "ann@example.com",
    "https://bob:hunter22@example.com/x",
    "203.0.113.7",
    "2001:db8::1",
    "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "fe80:1:2:3:4:5:6:7",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a1B2c3D4e5" * 4,
    "sk-proj-" + "Zx8kQ2mP9vLw3nRt" * 2,
    "xoxb-1234567890-abcdefghij",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
    "SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
    "AIzaSyA1234567890abcdefghijklmnopqrstu",
    "api_key=",
    "API_KEY = ",
    "apiKey: ",
    "password: ",
    "Password is ",
    "PASSWORD IS ",
    ":x token IS ",
    "Authorization: Bearer ",
    "bearer ",
    "Zx8kQ2mP9vLw3nRt",
    "Summer2024!",
    "-----BEGIN PRIVATE KEY-----",
    "AB 12 34 56 C",
    "ABCPE1234F",
    "123-45-6789",
    "SSN ",
    "Tel. ",
    "call ",
    "2024-01-15",
    " / ",
    ":",
    "=",
    " is ",
    "  ",
    "'",
    "\u00a0",
    "\n",
    "\t",
    "\\",
    '"',
    "\u0130",
    "\u212a",
    "\u017f",
]

texts = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(FRAGMENTS),
        st.from_regex(r"[0-9 .\-()+/:]{1,20}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9_\-]{4,40}", fullmatch=True),
    ),
    max_size=10,
).map("".join)


def full(text: str) -> list[object]:
    return list(SCANNER.scan_text(text, "/t"))


def filtered(text: str, families: int) -> list[object]:
    allowed = families & pf.text_families(text)
    return list(SCANNER.scan_text(text, "/t", allowed)) if allowed else []


@functools.cache
def corpus_texts() -> list[str]:
    return [item.text for item in generate_corpus(seed=5, items=1500)]


def test_text_families_keep_every_corpus_finding() -> None:
    for text in corpus_texts():
        assert filtered(text, pf.ALL) == full(text), text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_text_families_keep_every_finding(text: str) -> None:
    assert filtered(text, pf.ALL) == full(text)


def _fast_line(line: str) -> bool:
    return line.isascii() and "\\" not in line


def _line_findings_match(values: list[str], separators: tuple[str, str] | None) -> None:
    record = {f"k{i}": value for i, value in enumerate(values)} | {"n": 1234567, "x": 0.5}
    line = json.dumps(record, separators=separators)
    if not _fast_line(line):
        return
    folded = line.encode("ascii").translate(pf.FOLD)
    for families in (pf.line_families(line, folded), pf.line_families(line, folded, len(record))):
        for value in values:
            assert filtered(value, families) == full(value), (line, value)


def test_line_families_keep_every_corpus_finding() -> None:
    texts = [text for text in corpus_texts() if _fast_line(json.dumps(text))]
    assert len(texts) > 300
    for start in range(0, len(texts), 3):
        _line_findings_match(texts[start : start + 3], None)
        _line_findings_match(texts[start : start + 3], (",", ":"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=4), st.booleans())
def test_line_families_keep_every_finding(values: list[str], compact: bool) -> None:
    _line_findings_match(values, (",", ":") if compact else None)


def test_plain_prose_and_numbers_outside_strings_pass_nothing() -> None:
    line = json.dumps({"id": 12345678901, "score": 0.123456789, "text": "A quiet day. Nothing."})
    assert pf.line_families(line, line.encode().translate(pf.FOLD)) == pf.NONE
    line = json.dumps({"text": "call 555 0100 123"})
    assert pf.line_families(line, line.encode().translate(pf.FOLD)) & pf.DIGITS
    assert pf.text_families("A quiet day.") == pf.NONE


def test_long_digit_runs() -> None:
    assert pf.long_digit_run(b"[9007199254740993]".translate(pf.FOLD))
    assert not pf.long_digit_run(b"[900719925474099]".translate(pf.FOLD))
    card = b'{"card": "4111111111111111", "n": 1}'
    assert not pf.long_digit_run(card.translate(pf.FOLD))
    assert pf.long_digit_run(
        b'{"card": "4111111111111111", "n": 12345678901234567}'.translate(pf.FOLD)
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=4), st.booleans())
def test_canonical_bytes_families_keep_every_finding(values: list[str], nest: bool) -> None:
    record: dict[str, object] = {f"k{i}": value for i, value in enumerate(values)}
    record |= {"n": 1234567, "x": 0.5}
    if nest:
        record = {"outer": record, "tags": list(values)}
    try:
        data = canonical_json(record, what="record")
    except NotIJSON:
        return
    families = pf.json_families(data, len(record))
    if not data.isascii() or b"\\" in data:
        assert families == pf.ALL
    assert SCANNER.scan_record(record, families) == SCANNER.scan_record(record)


def test_canonical_bytes_of_prose_pass_nothing() -> None:
    record = {"text": "A quiet day.", "n": 12345678901, "tags": ["a", "b"]}
    assert pf.json_families(canonical_json(record, what="record"), len(record)) == pf.NONE
    assert pf.json_families(b'{"t":"caf\\u00e9"}') == pf.ALL
    assert pf.json_families('{"t":"café ann@example.com"}'.encode()) == pf.ALL
