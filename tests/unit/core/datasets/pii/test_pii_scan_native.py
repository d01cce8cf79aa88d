"""The record scan asks the C detectors first: the same findings as the Python detectors alone.

``PiiScanner.scan_record`` (the review's first pass, and every record that
does not take the text lane) hands each ASCII string past its gate to
``_fastlane.find_pii`` and runs the Python detectors only where C cannot be
sure. Here both ways scan the same records, paths and offsets included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii import native_find, prefilter, scanner
from app.core.datasets.pii.scanner import PiiScanner
from app.core.datasets.pii.types import DEFAULT_TYPES, PiiType
from app.core.datasets.records import JsonValue
from tests.helpers.pii_corpus import generate_corpus

pytestmark = pytest.mark.skipif(not native_find.available, reason="the C extension is not built")

CORPUS = generate_corpus(seed=11, items=600)
SCANNERS = (
    PiiScanner(DEFAULT_TYPES),
    PiiScanner(set(PiiType) - {PiiType.PERSON_NAME, PiiType.STREET_ADDRESS}),
    PiiScanner(DEFAULT_TYPES, regions=("DE", "GB")),
    PiiScanner({PiiType.PHONE, PiiType.PAYMENT_CARD}),
)
PLANTED = [
    "ann@example.com",
    "+1 415 555 0132",
    "+49 30 901820",
    "030 901820",
    "DE89 3704 0044 0532 0130 00",
    "4111 1111 1111 1111",
    "4111 1111 1111 1112",
    "192.0.2.7",
    "v1.2.3.4",
    "ghp_rML6nhTMLCOXNIgNnZUSVW760ZEcjCQ1746P",
    "order no. +1 415 555 0132",
    "078-05-1120",
    "AB123456C",
]


@contextmanager
def _python_only() -> Iterator[None]:
    saved = scanner.NATIVE
    scanner.NATIVE = False
    try:
        yield
    finally:
        scanner.NATIVE = saved


def _both_ways(record: JsonValue, families: int = prefilter.ALL) -> None:
    for pii in SCANNERS:
        native = pii.scan_record(record, families)
        with _python_only():
            python = pii.scan_record(record, families)
        assert native == python, (pii, record)


def test_the_labelled_corpus_scans_alike_and_c_decides_some() -> None:
    decided = 0
    arguments = native_find.scanner_arguments(SCANNERS[0])
    for item in CORPUS:
        record: JsonValue = {"text": item.text, "nested": [{"note": item.text}], "n": 1}
        _both_ways(record)
        if item.text.isascii():
            found = native_find.native_findings(item.text.encode(), prefilter.ALL, arguments)
            decided += found is not None
    assert decided > 100  # the comparison is not between two Python runs


TEXT = st.one_of(
    st.sampled_from([item.text for item in CORPUS]),
    st.lists(
        st.one_of(st.sampled_from(PLANTED), st.sampled_from(["tel", "mail", ":", "12", "x"])),
        max_size=6,
    ).map(" ".join),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24),
)
VALUE = st.recursive(
    st.one_of(st.none(), st.integers(-5, 5), TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from("abc"), children)
    ),
    max_leaves=8,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["text", "title", "x/y", "a~b"]), VALUE), st.booleans())
def test_random_records_scan_alike(record: dict[str, JsonValue], narrowed: bool) -> None:
    families = prefilter.EMAIL | prefilter.DIGITS if narrowed else prefilter.ALL
    _both_ways(record, families)
