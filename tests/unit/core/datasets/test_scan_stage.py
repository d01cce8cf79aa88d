"""The review's first pass (scan mode) reads batches through the same lanes as a prepare.

Its findings must be what the scanner finds in each normalised record, its
exact keys the prepare's leaf hashes (so duplicates are the same ones), and
all of it the same whether the C lane runs or not.
"""

from __future__ import annotations

import json

import pytest

from app.core.canonical import canonical_json
from app.core.datasets import nativelane
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.normalize import DEFAULT_OPTIONS, normalize_record
from app.core.datasets.pii import PiiScanner
from app.core.datasets.stage_io import BatchResult, StageConfig
from app.core.datasets.stages import Stage
from tests.helpers.batch_results import kept_lines

PATH = "/in.jsonl"
LINES = [
    '{"id": %d, "text": "Plain words here.", "score": 0.5}',
    '{"id": %d, "text": "write to ann%d@example.com or call +1 415 555 %d"}',
    '{"id": %d, "text": "  dirty  spaces and ghp_%s "}',
    '{"id": %d, "nested": {"list": [" a  b ", "iban DE89370400440532013000"]}}',
    '{"id": 7, "text": "the same line again"}',
    '{"id": %d, "text": "caf\\u00e9 card 4111 1111 1111 1111\\r\\n"}',
    '{"id": %d, "big": 12345678901234567890}',
    "not json %d",
]


def _data() -> bytes:
    rows = []
    for i in range(40):
        for line in LINES:
            rows.append(line.replace("%d", str(1000 + i)).replace("%s", "A" * 36))
    return ("\n".join(rows) + "\n").encode()


def _run(config: StageConfig, enabled: bool) -> BatchResult:
    saved = nativelane.ENABLED
    nativelane.ENABLED = enabled
    try:
        return Stage(config).run(RawBatch(PATH, 1, _data()))
    finally:
        nativelane.ENABLED = saved


@pytest.mark.parametrize("dedupe", ["exact", "near"])
def test_scan_is_the_same_with_or_without_the_c_lane(dedupe: str) -> None:
    config = StageConfig(mode="scan", dedupe=dedupe)  # type: ignore[arg-type]
    native, python = _run(config, True), _run(config, False)
    assert native.count == python.count == 40 * 7  # the "not json" lines are rejected
    assert len(native.rejections) == len(python.rejections) == 40 + 40  # and the big integers
    assert native.exact_keys == python.exact_keys
    assert native.findings == python.findings
    assert native.pii == python.pii
    assert native.signatures == python.signatures
    assert native.schema_population == python.schema_population
    assert native.schema.result() == python.schema.result()


def test_scan_finds_what_the_scanner_finds_in_each_normalised_record() -> None:
    result = _run(StageConfig(mode="scan"), True)
    scanner = PiiScanner()
    expected = []
    index = -1
    for raw in _data().decode().splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        index += 1
        for finding in scanner.scan_record(normalize_record(record, DEFAULT_OPTIONS)):
            expected.append((index, finding))
    assert [(index, finding) for index, finding, _context in result.findings] == expected
    kinds = {str(finding.type) for _index, finding in expected}
    assert {"email", "phone", "secret", "iban", "payment_card"} <= kinds
    assert result.pii["email"]["found"] == 40


def test_scan_keys_are_the_prepares_leaf_hashes() -> None:
    scan = _run(StageConfig(mode="scan"), True)
    prepare = _run(StageConfig(mode="prepare", dedupe="off"), True)
    prepare.pack()
    keys = bytes(scan.exact_keys)
    leaves = bytes(prepare.leaves)
    by_local = {local: leaves[32 * at : 32 * at + 16] for at, local in enumerate(prepare.local)}
    # Every record a prepare keeps unredacted has its leaf's first 16 bytes as its scan key.
    redacted = {index for index, _finding, _context in scan.findings}
    assert len(by_local) - len(redacted) >= 80
    for local, head in by_local.items():
        if local in redacted:
            assert keys[16 * local : 16 * local + 16] != head
            continue
        assert keys[16 * local : 16 * local + 16] == head
    # The repeated line gets one key, so the parent sees its duplicates.
    repeated = canonical_json({"id": 7, "text": "the same line again"})
    assert sum(1 for line in kept_lines(prepare) if line == repeated) in (0, 40)
    positions = [
        local
        for local in range(scan.count)
        if keys[16 * local : 16 * local + 16] == keys[16 * 4 : 16 * 4 + 16]
    ]
    assert len(positions) == 40


def test_an_escaped_line_is_scanned_for_what_its_normal_form_holds() -> None:
    """A line with escapes takes the full way; once normalised its bytes gate the detectors."""
    lines = [
        '{"t": "line one\\r\\nwrite to bo@example.org\\r\\n"}',
        '{"t": "line one\\r\\nnothing personal here\\r\\n"}',
        '{"t": "IBAN\\tDE89370400440532013000 and 192.0.2.7"}',
    ]
    data = ("\n".join(lines) + "\n").encode()
    for enabled in (True, False):
        saved = nativelane.ENABLED
        nativelane.ENABLED = enabled
        try:
            result = Stage(StageConfig(dedupe="off")).run(RawBatch(PATH, 1, data))
        finally:
            nativelane.ENABLED = saved
        result.pack()
        kept = [result.line(position) for position in range(len(result.local))]
        assert kept == [
            b'{"t":"line one\\nwrite to [EMAIL]"}',
            b'{"t":"line one\\nnothing personal here"}',
            b'{"t":"IBAN [IBAN] and [IP]"}',
        ]
