"""The parent's per-batch work in a prepare: what it counts must not depend on how it counts."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import pipeline
from app.core.datasets.exact_dedupe import ExactDeduper, _leaf_keys
from app.core.datasets.pipeline import PipelineInput, PipelineOutcome, _count_kept, prepare
from app.core.datasets.stage_findings import merge_counts
from app.core.datasets.stage_io import BatchResult, StageConfig

_KINDS = ["email", "phone", "iban", "card"]
_ACTIONS = ["mask", "drop", "pseudonymize", "keep"]

_counts = st.dictionaries(
    st.sampled_from(_KINDS),
    st.dictionaries(st.sampled_from(_ACTIONS), st.integers(1, 3), min_size=1, max_size=2),
    max_size=3,
)


def _result(record_pii: dict[int, dict[str, dict[str, int]]]) -> BatchResult:
    """A batch's result with the worker's sum of its counts."""
    result = BatchResult()
    result.record_pii = record_pii
    for counts in record_pii.values():
        merge_counts(result.pii_kept, counts)
    return result


def _count_one_by_one(
    into: dict[str, dict[str, int]], result: BatchResult, duplicates: dict[int, int]
) -> None:
    """The parent's count before the batch sum: a merge per kept record."""
    for position in range(len(result.local)):
        counts = result.counts_at(position)
        if counts and position not in duplicates:
            merge_counts(into, counts)


@settings(max_examples=150, deadline=None)
@given(
    per_record=st.lists(st.one_of(st.just({}), _counts), max_size=25),
    removed=st.sets(st.integers(0, 24)),
    earlier=_counts,
)
def test_kept_counts_equal_a_merge_record_by_record(
    per_record: list[dict[str, dict[str, int]]],
    removed: set[int],
    earlier: dict[str, dict[str, int]],
) -> None:
    record_pii = {position: counts for position, counts in enumerate(per_record) if counts}
    duplicates = {position: 0 for position in sorted(removed) if position < len(per_record)}
    expected = {kind: dict(actions) for kind, actions in earlier.items()}
    for position, counts in record_pii.items():
        if position not in duplicates:
            merge_counts(expected, counts)
    into = {kind: dict(actions) for kind, actions in earlier.items()}
    _count_kept(into, _result(record_pii), duplicates)
    assert into == expected
    assert all(count > 0 for actions in into.values() for count in actions.values())
    assert all(into.values())


def test_a_kind_only_removed_records_held_is_not_counted() -> None:
    record_pii = {0: {"email": {"mask": 1}}, 1: {"email": {"mask": 1}, "card": {"drop": 2}}}
    into: dict[str, dict[str, int]] = {}
    _count_kept(into, _result(record_pii), {1: 0})
    assert into == {"email": {"mask": 1}}


def test_add_leaves_takes_bytes_and_bytearrays_alike() -> None:
    leaves = b"".join(hashlib.sha256(bytes([i % 5])).digest() for i in range(12))
    one, other = ExactDeduper(keep_pairs=False), ExactDeduper(keep_pairs=False)
    local = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    found = one.add_leaves(7, local, leaves)
    assert found == other.add_leaves(7, local, bytearray(leaves))
    assert found == {i: 7 + local[i % 5] for i in range(5, 12)}
    assert one.add_leaves(20, [0, 1], memoryview(leaves)[:64]) == {0: 7, 1: 8}


def _pii_records(count: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    records: list[dict[str, object]] = []
    for i in range(count):
        if records and rng.random() < 0.1:
            records.append(dict(rng.choice(records)))  # an exact duplicate
            continue
        kind = rng.randrange(4)
        text = f"note {i}"
        if kind == 1:
            text += f" write to person{i}@example.com"
        elif kind == 2:
            text += f" call +1 415 555 {1000 + i:04d} or mail p{i}@example.org"
        records.append({"id": i, "text": text})
    return records


@pytest.mark.parametrize("workers", [0, 2])
def test_a_prepare_counts_kept_findings_as_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The worker's batch sum and the parent's subtraction give what a merge per record gave."""
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _pii_records(600)), encoding="utf-8")

    def once() -> tuple[PipelineOutcome, bytes, bytes]:
        records, leaves = io.BytesIO(), io.BytesIO()
        source = PipelineInput((path,), workers=workers, batch_bytes=2048)
        outcome = prepare(source, StageConfig(pseudonym_key=bytes(32)), records, leaves)
        return outcome, records.getvalue(), leaves.getvalue()

    outcome, records, leaves = once()
    monkeypatch.setattr(pipeline, "_count_kept", _count_one_by_one)
    reference, reference_records, reference_leaves = once()
    assert outcome.exact_duplicates == reference.exact_duplicates > 0
    assert outcome.pii == reference.pii
    assert outcome.pii_in_removed_duplicates == reference.pii_in_removed_duplicates
    assert outcome.pii_in_removed_duplicates
    assert (records, leaves, outcome.commitment) == (
        reference_records,
        reference_leaves,
        reference.commitment,
    )


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 700), salt=st.binary(max_size=4))
def test_leaf_keys_are_the_first_twelve_bytes_of_each_leaf(count: int, salt: bytes) -> None:
    blob = b"".join(hashlib.sha256(salt + i.to_bytes(4, "big")).digest() for i in range(count))
    assert _leaf_keys(blob) == [blob[at : at + 12] for at in range(0, len(blob), 32)]
