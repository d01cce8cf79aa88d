"""A batch gives the same result through the stage with the PII text lane on or off."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets import nativelane, stages
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.pii import ALL_TYPES, DEFAULT_TYPES, Action, PiiType, RedactionPolicy
from app.core.datasets.pii.textlane import TextLane
from app.core.datasets.records import ImportedRecord, SourceLocation
from app.core.datasets.schema_sampling import SCHEMA_EXACT
from app.core.datasets.stage_findings import merge_counts
from app.core.datasets.stage_io import BatchResult, StageConfig
from app.core.datasets.stages import Stage
from tests.helpers.batch_results import kept_lines, record_counts
from tests.helpers.pii_corpus import generate_corpus

PATH = "/in.jsonl"
KEY = bytes(range(32))
CORPUS = generate_corpus(seed=9, items=240)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char if char.isprintable() else " " for char in plain)


TEXTS = sorted({item.text for item in CORPUS} | {_ascii(item.text) for item in CORPUS})
LINE = st.one_of(
    st.builds(
        lambda n, text, tags: json.dumps({"id": n, "text": text, "tags": tags, "lang": "en"}),
        st.integers(0, 10**6),
        st.sampled_from(TEXTS),
        st.lists(st.sampled_from(TEXTS), max_size=2),
    ),
    st.builds(
        lambda text, other: json.dumps({"m": [{"c": text}, {"c": other, "n": 0.5}]}),
        st.sampled_from(TEXTS),
        st.sampled_from(TEXTS),
    ),
    st.builds(lambda text: json.dumps({"t": "  " + text + " "}), st.sampled_from(TEXTS)),
    st.builds(lambda text: json.dumps({"t": text + "\r\n"}), st.sampled_from(TEXTS)),
    st.sampled_from(
        [
            '{"id": 1, "text": "Plain words here.", "score": 0.5}',
            '{"text": "mail ann@example.com", "ann@example.com": 1}',
            '{"n": 1.0, "ip": "192.0.2.7"}',
            '{"big": 12345678901234567890, "t": "4111 1111 1111 1111"}',
            "not json",
            "",
        ]
    ),
)
POLICIES = {
    "mask": RedactionPolicy(),
    "pseudonymize": RedactionPolicy(default=Action.PSEUDONYMIZE),
    "keep": RedactionPolicy(default=Action.KEEP),
    "drop-record": RedactionPolicy(default=Action.DROP_RECORD),
    "mix": RedactionPolicy(
        default=Action.PSEUDONYMIZE,
        per_type={PiiType.EMAIL: Action.MASK, PiiType.IP: Action.KEEP, PiiType.IBAN: "drop-record"},
    ),
    "drop-field": RedactionPolicy(per_type={PiiType.PHONE: Action.DROP_FIELD}),
}


@contextmanager
def _switches(text_lane: bool, native: bool) -> Iterator[None]:
    saved = stages.TEXT_LANE, nativelane.ENABLED
    stages.TEXT_LANE, nativelane.ENABLED = text_lane, native and nativelane.available()
    try:
        yield
    finally:
        stages.TEXT_LANE, nativelane.ENABLED = saved


def _run(config: StageConfig, batch: RawBatch, *, text_lane: bool, native: bool) -> BatchResult:
    with _switches(text_lane, native):
        return Stage(config).run(batch)


def _same(config: StageConfig, batch: RawBatch, native: bool) -> BatchResult:
    on = _run(config, batch, text_lane=True, native=native)
    off = _run(config, batch, text_lane=False, native=native)
    assert kept_lines(on) == kept_lines(off)
    assert (on.local, on.leaves, on.count, on.dropped) == (
        off.local,
        off.leaves,
        off.count,
        off.dropped,
    )
    assert on.pii == off.pii
    assert record_counts(on) == record_counts(off)
    assert on.pii_kept == off.pii_kept
    assert on.rejections == off.rejections
    assert on.deferred.keys() == off.deferred.keys()
    assert on.schema.result(on.schema_population) == off.schema.result(off.schema_population)
    total: dict[str, dict[str, int]] = {}
    for counts in record_counts(on).values():
        merge_counts(total, counts)
    assert on.pii_kept == total
    return on


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(LINE, min_size=1, max_size=12),
    st.sampled_from(sorted(POLICIES)),
    st.sampled_from([1, SCHEMA_EXACT + 3]),
    st.booleans(),
    st.booleans(),
)
def test_the_text_lane_changes_nothing(
    lines: list[str], policy: str, first_line: int, native: bool, every_type: bool
) -> None:
    data = ("\n".join(lines) + "\n").encode()
    config = StageConfig(
        policy=POLICIES[policy],
        pseudonym_key=KEY,
        pii_types=ALL_TYPES if every_type else DEFAULT_TYPES,
    )
    _same(config, RawBatch(PATH, first_line, data), native)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("policy", sorted(POLICIES))
@pytest.mark.parametrize("dedupe", ["exact", "near"])
def test_a_corpus_batch_is_the_same_either_way(native: bool, policy: str, dedupe: str) -> None:
    lines = []
    for at, item in enumerate(CORPUS):
        text = _ascii(item.text).replace('"', "'").replace("\\", "/")
        lines.append(json.dumps({"id": at, "title": "t", "text": text, "n": at / 4}))
        if at % 5 == 0:
            lines.append(json.dumps({"id": at, "text": item.text}))  # as generated
    data = ("\n".join(lines) + "\n").encode()
    config = StageConfig(policy=POLICIES[policy], pseudonym_key=KEY, dedupe=dedupe)  # type: ignore[arg-type]
    calls = 0
    redact = TextLane.redact_leaf

    def counted(self: TextLane, canonical: bytes, families: int) -> object:
        nonlocal calls
        calls += 1
        return redact(self, canonical, families)

    TextLane.redact_leaf = counted  # type: ignore[method-assign,assignment]
    batch_lane, stages.BATCH_LANE = stages.BATCH_LANE, False  # one call a line (see batch tests)
    try:
        result = _same(config, RawBatch(PATH, SCHEMA_EXACT + 1, data), native)
    finally:
        TextLane.redact_leaf = redact  # type: ignore[method-assign]
        stages.BATCH_LANE = batch_lane
    if policy == "drop-field" or dedupe == "near":
        assert calls == 0  # the record path, always
    else:
        assert calls > len(CORPUS) // 2  # the text lane took most records
        assert result.record_pii or result.dropped


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(LINE, min_size=1, max_size=10),
    st.sampled_from(sorted(POLICIES)),
    st.sampled_from([0, SCHEMA_EXACT + 5]),
)
def test_records_read_by_the_parent_are_the_same_either_way(
    lines: list[str], policy: str, first: int
) -> None:
    """Records from other formats (CSV, Parquet) come read; whole floats and big numbers too."""
    records: list[ImportedRecord] = []
    for at, line in enumerate(lines):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        data["f"] = [1.0, 2.5, 10**20]
        records.append(ImportedRecord(data, SourceLocation(PATH, None, first + at)))
    config = StageConfig(policy=POLICIES[policy], pseudonym_key=KEY)
    with _switches(True, native=True):
        on = Stage(config).run(list(records))
    with _switches(False, native=True):
        off = Stage(config).run(list(records))
    assert on.lines == off.lines
    assert (on.local, on.leaves, on.dropped) == (off.local, off.leaves, off.dropped)
    assert (on.pii, on.record_pii, on.pii_kept) == (off.pii, off.record_pii, off.pii_kept)
    assert on.schema.result(on.schema_population) == off.schema.result(off.schema_population)


def test_pack_gives_the_lines_back() -> None:
    for lines in ([b"a", b"", b"{}"], [b"x"], [b'{"a":1}', None, b"b"], [None]):
        result = BatchResult(lines=list(lines))
        if None in lines:
            result.deferred = {lines.index(None): ({}, [], None)}  # type: ignore[dict-item]
        result.pack()
        assert result.lines == []
        kept = [line for line in lines if line is not None]
        assert result.text == (b"\n".join(kept) + b"\n" if kept else b"")
        assert list(result.ends) == list(
            accumulate(0 if line is None else len(line) + 1 for line in lines)
        )
        assert [result.line(at) for at in range(len(lines))] == lines
