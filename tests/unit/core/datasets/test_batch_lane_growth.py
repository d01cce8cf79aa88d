"""A batch whose masks make it longer than it was read, and one with phone numbers to redo.

``prepare_lines`` writes a batch's text straight into its Python object, sized for the batch
and some; masks longer than what they hide (``[EMAIL]`` over ``a@b.cd``) can outgrow it,
and
the lines a phone check sends to a second pass are merged back in place. Both must give what
the per-line path gives.
"""

from __future__ import annotations

import json

import pytest

from app.core.datasets import nativelane, stages
from app.core.datasets.importers.jsonl import RawBatch
from app.core.datasets.stage_io import StageConfig
from app.core.datasets.stages import Stage
from tests.helpers.batch_results import kept_lines, record_counts

pytestmark = pytest.mark.skipif(not nativelane.batch_lane(), reason="the C fast lane is not built")


def _both(lines: list[str]) -> tuple[object, object]:
    data = ("\n".join(lines) + "\n").encode()
    batch = RawBatch("/in.jsonl", 20_001, data)
    on = Stage(StageConfig()).run(batch)
    saved, stages.BATCH_LANE = stages.BATCH_LANE, False
    try:
        off = Stage(StageConfig()).run(batch)
    finally:
        stages.BATCH_LANE = saved
    return on, off


def test_a_batch_that_grows_past_its_room_is_the_per_line_result() -> None:
    # Compact lines full of short addresses: each mask is a byte longer (14 % in all), past
    # the room (an eighth and 64 KiB) for a batch of 5 MB.
    lines = [json.dumps({"t": " ".join(["a@b.cd"] * 40)}, separators=(",", ":"))] * 17_000
    on, off = _both(lines)
    assert kept_lines(on) == kept_lines(off)
    read = len(lines) + sum(map(len, lines))
    written = sum(len(line or b"") + 1 for line in kept_lines(on))
    assert written > read + read // 8 + 65536  # past the room prepare_lines gives the text
    assert (on.leaves, on.pii_kept) == (off.leaves, off.pii_kept)  # type: ignore[attr-defined]


@pytest.mark.parametrize("every", [1, 2, 7, 50])
def test_lines_with_phone_numbers_are_merged_back_in_their_place(every: int) -> None:
    lines = [
        json.dumps({"n": n, "t": f"call +1 415 555 {1000 + n:04d} now" if n % every == 0 else "x"})
        for n in range(400)
    ]
    on, off = _both(lines)
    assert kept_lines(on) == kept_lines(off)
    assert record_counts(on) == record_counts(off)  # type: ignore[arg-type]
    assert on.leaves == off.leaves  # type: ignore[attr-defined]
    assert on.pii_kept == off.pii_kept == {"phone": {"mask": len(range(0, 400, every))}}  # type: ignore[attr-defined]
