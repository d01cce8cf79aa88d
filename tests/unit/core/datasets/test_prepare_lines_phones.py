"""A batch whose phone numbers C asks of Python in one go (a second pass) is the per-line result."""

from __future__ import annotations

import json
import time

import pytest

from app.core.datasets import nativelane, stages
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.pii import DEFAULT_TYPES, RedactionPolicy
from app.core.datasets.stage_io import BatchResult, StageConfig
from app.core.datasets.stages import Stage
from tests.helpers.batch_results import kept_lines, record_counts

pytestmark = pytest.mark.skipif(not nativelane.batch_lane(), reason="the C lane is not built")

CONFIG = StageConfig(policy=RedactionPolicy(), pseudonym_key=bytes(32), pii_types=DEFAULT_TYPES)
PHONE = json.dumps({"note": "call +44 20 7946 0958 today"})
PLAIN = json.dumps({"note": "nothing to see here"})


def _run(data: bytes, *, batch_lane: bool) -> BatchResult:
    saved, stages.BATCH_LANE = stages.BATCH_LANE, batch_lane
    try:
        stage = Stage(CONFIG)
        assert (stage.batch_lane is not None) == batch_lane
        return stage.run(RawBatch("/in.jsonl", 1, data))
    finally:
        stages.BATCH_LANE = saved


def _same(lines: list[str]) -> BatchResult:
    data = ("\n".join(lines) + "\n").encode()
    one_call = _run(data, batch_lane=True)
    per_line = _run(data, batch_lane=False)
    assert kept_lines(one_call) == kept_lines(per_line)
    assert one_call.leaves == per_line.leaves
    assert record_counts(one_call) == record_counts(per_line)
    assert one_call.pii_kept == per_line.pii_kept
    return one_call


def _phone_lines_decided_in_c(lines: list[str]) -> int:
    data = ("\n".join(lines) + "\n").encode()
    stage = Stage(CONFIG)
    assert stage.batch_lane is not None
    native = nativelane._NATIVE
    assert native is not None
    status = native.prepare_lines(data, nativelane._ANCHORS, 1 << 20, True, stage.batch_lane)[3]
    return sum(1 for line, state in zip(lines, status, strict=True) if "+" in line and state == 0)


@pytest.mark.parametrize(
    "lines",
    [
        [PHONE],  # every line in the second pass: the first wrote no text and no kind code
        [PHONE, PHONE, PLAIN],
        [PLAIN, PHONE],  # the first pass's lines hold no kind code, the second's do
        [PLAIN, PHONE, PLAIN, PHONE],
    ],
)
def test_lines_redone_once_the_numbers_are_checked_merge_in_place(lines: list[str]) -> None:
    """Built with -fsanitize=undefined, the merge of an empty first pass was caught passing
    memcpy a null buffer; the result must be the per-line path's either way."""
    assert _phone_lines_decided_in_c(lines) == sum("+" in line for line in lines)
    result = _same(lines)
    assert result.pii_kept


def _contacts(count: int, seed: int) -> list[str]:
    """A list of contacts: a distinct international number a line."""
    numbers = (70_000_000 + seed + at for at in range(count))
    return [
        json.dumps({"name": f"n{n}", "phone": f"+44 20 {n // 10_000:04d} {n % 10_000:04d}"})
        for n in numbers
    ]


def test_many_distinct_numbers_are_noted_and_answered_each_at_its_place() -> None:
    """Past the run index's first sizes (it grows as numbers are noted), each line still gets
    its own number's answer."""
    lines = _contacts(1500, seed=3)
    assert _phone_lines_decided_in_c(lines) == len(lines)
    _same(lines)


def test_a_batch_of_distinct_numbers_costs_in_proportion_to_its_size() -> None:
    """Noting a number looked through every number noted before it: a batch of contacts cost
    the square of its size (16,000 lines took 1.35 s instead of 0.07 s)."""
    stage = Stage(CONFIG)
    native = nativelane._NATIVE
    assert native is not None
    assert stage.batch_lane is not None
    plan, types, regions, _phone, tags, gated = stage.batch_lane
    # an answer that costs the same for any number (the scanner's own has a bounded cache)
    lane = (plan, types, regions, lambda run, region: None, tags, gated)

    def seconds(count: int) -> float:
        data = ("\n".join(_contacts(count, seed=count)) + "\n").encode()
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            native.prepare_lines(data, nativelane._ANCHORS, 1 << 20, True, lane)
            best = min(best, time.perf_counter() - began)
        return best

    small, large = seconds(5000), seconds(40000)
    assert large < 12 * small  # 8 times the lines: about 8 times the time, not 64
