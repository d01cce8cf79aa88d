"""The parent's per-batch work in a prepare: what it counts must not depend on how it counts."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets.exact_dedupe import ExactDeduper
from app.core.datasets.pipeline import _count_kept
from app.core.datasets.stage_findings import merge_counts
from app.core.datasets.stage_io import BatchResult

_KINDS = ["email", "phone", "iban", "card"]
_ACTIONS = ["mask", "drop", "pseudonymize", "keep"]

_counts = st.dictionaries(
    st.sampled_from(_KINDS),
    st.dictionaries(st.sampled_from(_ACTIONS), st.integers(1, 3), min_size=1, max_size=2),
    max_size=3,
)


def _result(record_pii: dict[int, dict[str, dict[str, int]]], with_sum: bool) -> BatchResult:
    """A batch's result with the worker's sum of its counts, or one from before that sum."""
    if not with_sum:
        return cast(BatchResult, SimpleNamespace(record_pii=record_pii))
    result = BatchResult()
    result.record_pii = record_pii
    total: dict[str, dict[str, int]] = {}
    for counts in record_pii.values():
        merge_counts(total, counts)
    result.pii_kept = total  # type: ignore[attr-defined,unused-ignore]
    return result


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
    for with_sum in (True, False):
        into = {kind: dict(actions) for kind, actions in earlier.items()}
        _count_kept(into, _result(record_pii, with_sum), duplicates)
        assert into == expected
        assert all(count > 0 for actions in into.values() for count in actions.values())
        assert all(into.values())


def test_a_kind_only_removed_records_held_is_not_counted() -> None:
    record_pii = {0: {"email": {"mask": 1}}, 1: {"email": {"mask": 1}, "card": {"drop": 2}}}
    into: dict[str, dict[str, int]] = {}
    _count_kept(into, _result(record_pii, True), {1: 0})
    assert into == {"email": {"mask": 1}}


def test_add_leaves_takes_bytes_and_bytearrays_alike() -> None:
    leaves = b"".join(hashlib.sha256(bytes([i % 5])).digest() for i in range(12))
    one, other = ExactDeduper(keep_pairs=False), ExactDeduper(keep_pairs=False)
    local = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    found = one.add_leaves(7, local, leaves)
    assert found == other.add_leaves(7, local, bytearray(leaves))
    assert found == {i: 7 + local[i % 5] for i in range(5, 12)}
    assert one.add_leaves(20, [0, 1], memoryview(leaves)[:64]) == {0: 7, 1: 8}
