"""A batch whose phone numbers C asks of Python in one go (a second pass) is the per-line result."""

from __future__ import annotations

import json

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
