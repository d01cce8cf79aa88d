"""Per-string gates in the record scan: the same findings as every string's own scan.

:meth:`PiiScanner.scan_record` tests each string with the gate of the
families it was left (an ``@``, the digit candidates, a credential prefix)
before any detector runs, and hands the candidates on. The reference here
scans every string of the record on its own with :meth:`PiiScanner.scan_text`,
which runs each detector behind its own test; the two must agree for every
family set, with and without a prefilter's answer, on generated records and
on the labelled corpus.
"""

from __future__ import annotations

import functools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii import ALL_TYPES, DEFAULT_TYPES, Finding, PiiScanner, PiiType
from app.core.datasets.pii import prefilter as pf
from app.core.datasets.pii.scanner import iter_strings
from app.core.datasets.records import JsonValue
from tests.helpers.pii_corpus import generate_corpus
from tests.unit.core.datasets.pii.test_pii_properties import texts

SCANNERS = (
    PiiScanner(DEFAULT_TYPES),
    PiiScanner(ALL_TYPES),  # names and addresses: no gate, every string scanned
    PiiScanner({PiiType.EMAIL}),
    PiiScanner({PiiType.SECRET}),
    PiiScanner({PiiType.IP}),
    PiiScanner({PiiType.PHONE, PiiType.IBAN}, regions=("DE", "US")),
)
SINGLE_FAMILIES = (
    pf.EMAIL,
    pf.DIGITS,
    pf.IPV6,
    pf.KNOWN_SECRETS,
    pf.PRIVATE_KEYS,
    pf.ASSIGNED_SECRETS,
)


def reference(scanner: PiiScanner, record: JsonValue, families: int) -> list[Finding]:
    if not scanner.prefilters:
        families = pf.ALL
    if not families:
        return []
    return [
        finding
        for path, text in iter_strings(record)
        for finding in scanner.scan_text(text, path, families)
    ]


def assert_gated_scan_agrees(record: JsonValue, families: int) -> None:
    for scanner in SCANNERS:
        assert scanner.scan_record(record, families) == reference(scanner, record, families)


records = st.recursive(
    texts,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["title", "text", "tags", "a/b", "~"]), children, max_size=4
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, st.sampled_from((pf.ALL, 0, *SINGLE_FAMILIES)) | st.integers(0, pf.ALL))
def test_gated_record_scan_equals_each_string_scanned(record: JsonValue, families: int) -> None:
    assert_gated_scan_agrees(record, families)


@functools.cache
def corpus_texts() -> list[str]:
    return [item.text for item in generate_corpus(seed=11, items=900)]


def test_gated_record_scan_equals_each_string_scanned_on_the_corpus() -> None:
    corpus = corpus_texts()
    found = 0
    for start in range(0, len(corpus) - 2, 3):
        first, second, third = corpus[start : start + 3]
        record: JsonValue = {"title": first, "tags": [second, "plain words"], "n": {"t": third}}
        line_families = pf.json_families(json.dumps(record, separators=(",", ":")).encode())
        for families in {pf.ALL, line_families, *SINGLE_FAMILIES}:
            assert_gated_scan_agrees(record, families)
        found += len(SCANNERS[0].scan_record(record, line_families))
    assert found > 500  # the corpus holds personal data the gates let through


def test_the_scanners_plan_bits_do_not_overlap_the_prefilter_families() -> None:
    from app.core.datasets.pii import prefilter, scanner

    plan = (
        scanner._RUNS,
        scanner._IBANS,
        scanner._LETTER_IDS,
        scanner._IPV4,
        scanner._NAMES,
        scanner._ADDRESSES,
    )
    assert len(set(plan)) == len(plan)
    for bit in plan:
        assert bit & prefilter.ALL == 0
        assert bit & (bit - 1) == 0  # one bit each
