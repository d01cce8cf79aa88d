"""The prepare pipeline on real files: order, duplicates, PII, commitment, bad input, memory."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.datasets import pipeline
from app.core.datasets.commitment import LeafHashes, dataset_commitment, record_leaf_hash
from app.core.datasets.normalize import DEFAULT_OPTIONS, normalize_record
from app.core.datasets.pii import Action, PiiType, RedactionPolicy, finding_key
from app.core.datasets.pipeline import PipelineInput, prepare, scan
from app.core.datasets.records import InvalidRecord, SourceLocation
from app.core.datasets.stage_io import BatchResult, DedupeMode, StageConfig
from app.core.datasets.stages import normalize
from app.core.errors import Cancelled
from app.core.progress import CancelToken, ProgressEvent

KEY = bytes(range(32))


def write_jsonl(path: Path, records: list[object], *, extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra, encoding="utf-8")
    return path


def run(
    paths: list[Path],
    config: StageConfig | None = None,
    *,
    workers: int = 0,
    skip: bool = False,
    cancel: CancelToken | None = None,
) -> tuple[list[dict[str, object]], bytes, object]:
    records, leaves = io.BytesIO(), io.BytesIO()
    outcome = prepare(
        PipelineInput(tuple(paths), skip_bad_records=skip, workers=workers),
        config or StageConfig(pseudonym_key=KEY),
        records,
        leaves,
        **({"cancel": cancel} if cancel else {}),
    )
    lines = records.getvalue().splitlines()
    return [json.loads(line) for line in lines], leaves.getvalue(), outcome


def sample_records(count: int) -> list[dict[str, object]]:
    return [
        {"id": i % 40, "text": f"note {i % 40}:  write to person{i % 5}@example.com\r\n"}
        for i in range(count)
    ]


def test_prepare_orders_dedupes_redacts_and_commits(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", sample_records(100))
    records, leaves, outcome = run([path])
    assert [r["id"] for r in records] == list(range(40))
    assert records[0] == {"id": 0, "text": "note 0: write to [EMAIL]"}
    assert outcome.records_read == 100
    assert outcome.records == 40
    assert outcome.exact_duplicates == 60
    assert outcome.pii == {"email": {"mask": 40}}
    assert outcome.pii_in_removed_duplicates == {"email": 60}
    assert outcome.pii_totals() == {"email": 40}
    root, size = dataset_commitment(records)
    assert (root, size) == (outcome.commitment, 40)
    assert list(LeafHashes(leaves)) == [record_leaf_hash(r) for r in records]
    assert outcome.clusters[0].representative == 0
    assert [m.index for m in outcome.clusters[0].members][:2] == [40, 80]
    assert outcome.schema is not None
    assert [c.name for c in outcome.schema.columns] == ["id", "text"]


def test_process_pool_gives_the_same_bytes(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", sample_records(3000))
    config = StageConfig(pseudonym_key=KEY, policy=RedactionPolicy(Action.PSEUDONYMIZE))
    inline = run([path], config, workers=0)
    pooled = run([path], config, workers=2)
    assert inline[0] == pooled[0]
    assert inline[1] == pooled[1]
    assert pooled[2].workers == 2
    assert "[EMAIL:" in str(pooled[0][0]["text"])


def test_dedupe_off_keeps_everything(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", sample_records(10) * 2)
    records, _, outcome = run([path], StageConfig(dedupe="off"))
    assert len(records) == 20
    assert outcome.exact_duplicates == 0


def test_near_duplicates_are_removed(tmp_path: Path) -> None:
    base = " ".join(f"word{i}" for i in range(60))
    texts = [base, base.replace("word30", "other"), "something else entirely here"]
    path = write_jsonl(tmp_path / "in.jsonl", [{"t": t} for t in texts])
    records, _, outcome = run([path], StageConfig(dedupe="near", near_threshold=0.8))
    assert [r["t"] for r in records] == [base, "something else entirely here"]
    assert outcome.near_duplicates == 1
    assert outcome.near_clusters[0].representative == 0


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"a": 1}, {"a": 2}], extra="{oops\n")
    with pytest.raises(InvalidRecord, match=r"bad\.jsonl, line 3"):
        run([path])
    records, _, outcome = run([path], skip=True)
    assert records == [{"a": 1}, {"a": 2}]
    (rejected,) = outcome.rejections.details
    assert (rejected.location.line, rejected.location.path) == (3, str(path))


def test_record_without_canonical_form_is_rejected_by_location(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text('{"a": 1}\n{"a": 99999999999999999999}\n', encoding="utf-8")
    with pytest.raises(InvalidRecord, match=r"big\.jsonl, line 2: integer"):
        run([path])


def test_other_formats_and_several_inputs_keep_order(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("name,mail\nann,ann@example.org\nbob,none\n", encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "b.jsonl", [{"name": "cy"}])
    records, _, outcome = run([csv, jsonl])
    assert records == [
        {"mail": "[EMAIL]", "name": "ann"},
        {"mail": "none", "name": "bob"},
        {"name": "cy"},
    ]
    assert sorted(info.format for info in outcome.sources) == ["csv", "jsonl"]


def test_scan_indices_drive_per_finding_decisions(tmp_path: Path) -> None:
    records = [{"t": f"mail {name}@example.com"} for name in ("ann", "bob", "cy")]
    path = write_jsonl(tmp_path / "in.jsonl", [{"x": 1}, *records], extra="broken\n")
    scanned = scan(
        PipelineInput((path,), skip_bad_records=True), StageConfig(mode="scan", pseudonym_key=KEY)
    )
    assert [index for index, _ in scanned.findings] == [1, 2, 3]
    assert scanned.contexts[0] == ("mail ", "ann@example.com", "")
    assert scanned.records == 4
    assert scanned.rejections.total == 1
    index, finding = scanned.findings[1]
    policy = RedactionPolicy(per_finding={finding_key(index, finding): Action.KEEP})
    config = StageConfig(policy=policy, pseudonym_key=KEY, dedupe="off")
    prepared, _, outcome = run([path], config, skip=True)
    assert [r.get("t") for r in prepared[1:]] == [
        "mail [EMAIL]",
        "mail bob@example.com",
        "mail [EMAIL]",
    ]
    assert outcome.pii == {"email": {"keep": 1, "mask": 2}}


def test_drop_record_policy(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"t": "a@example.com"}, {"t": "clean"}])
    policy = RedactionPolicy(per_type={PiiType.EMAIL: Action.DROP_RECORD})
    records, _, outcome = run([path], StageConfig(policy=policy))
    assert records == [{"t": "clean"}]
    assert outcome.dropped_by_policy == 1


def test_cancel_stops_the_run(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", sample_records(5000))
    token = CancelToken()

    def progress(event: ProgressEvent) -> None:
        if event.stage == "prepare":
            token.cancel()

    with pytest.raises(Cancelled):
        prepare(
            PipelineInput((path,), batch_bytes=4096),
            StageConfig(),
            io.BytesIO(),
            io.BytesIO(),
            progress=progress,
            cancel=token,
        )


@settings(max_examples=100)
@given(
    st.lists(st.none() | st.binary(min_size=1, max_size=30).map(lambda b: b.replace(b"\n", b"")))
)
def test_a_batch_crosses_the_process_boundary_packed(lines: list[bytes | None]) -> None:
    lines = [line or None for line in lines]  # a record's line is never empty
    result = BatchResult(count=len(lines), lines=list(lines), local=list(range(len(lines))))
    result.deferred = {
        position: ({}, [], SourceLocation("x", position, position))
        for position, line in enumerate(lines)
        if line is None
    }
    received = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own bytes
    assert received.lines == []
    assert received.text == b"".join(line + b"\n" for line in lines if line is not None)
    assert [received.line(position) for position in range(len(lines))] == lines
    assert len(received.ends) == len(lines)


def _open_in(folder: Path) -> list[str]:
    """Files this process holds open in ``folder`` (unnamed ones too: "#123 (deleted)")."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(f"{folder}/"):
            found.append(target)
    return found


def varied_records(count: int) -> list[dict[str, object]]:
    """Many distinct records, repeats near and far, some with an e-mail address."""
    rng = random.Random(count)
    return [
        {"id": n, "text": f"note {n}" + (f" to p{n}@example.com" if n % 7 == 0 else "")}
        for n in (rng.randrange(700) if rng.random() < 0.4 else 1000 + i for i in range(count))
    ]


@pytest.mark.parametrize("workers", [0, 2])
def test_an_index_that_spills_gives_the_same_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", varied_records(3000))
    config = StageConfig(pseudonym_key=KEY)
    plain = run([path], config, workers=workers)
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(pipeline, "EXACT_MEMORY_KEYS", 5)
    records, leaves = io.BytesIO(), io.BytesIO()
    source = PipelineInput((path,), workers=workers, spill_dir=spill, batch_bytes=8192)
    outcome = prepare(source, config, records, leaves)
    assert [json.loads(line) for line in records.getvalue().splitlines()] == plain[0]
    assert leaves.getvalue() == plain[1]
    before = plain[2]
    assert before.exact_duplicates > 500
    for name in ("records", "exact_duplicates", "commitment", "clusters", "pii"):
        assert getattr(outcome, name) == getattr(before, name), name
    assert outcome.pii_in_removed_duplicates == before.pii_in_removed_duplicates
    assert _open_in(spill) == []
    assert list(spill.iterdir()) == []


def test_a_cancelled_prepare_drops_its_spill_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", varied_records(3000))
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(pipeline, "EXACT_MEMORY_KEYS", 5)
    token = CancelToken()
    seen: list[list[str]] = []

    def progress(event: ProgressEvent) -> None:
        if event.stage == "prepare" and event.done > 1500:
            seen.append(_open_in(spill))
            token.cancel()

    with pytest.raises(Cancelled):
        prepare(
            PipelineInput((path,), workers=0, spill_dir=spill, batch_bytes=8192),
            StageConfig(),
            io.BytesIO(),
            io.BytesIO(),
            progress=progress,
            cancel=token,
        )
    assert seen
    assert seen[0], "the index had spilled before the cancel"
    assert all(target.endswith("(deleted)") for target in seen[0])  # never named
    assert _open_in(spill) == []
    assert list(spill.iterdir()) == []


def _peak(path: Path, dedupe: DedupeMode = "off") -> int:
    class Null:
        def write(self, data: bytes | memoryview) -> int:
            return len(data)

    tracemalloc.start()
    try:
        source = PipelineInput((path,), workers=0, batch_bytes=64 << 10)
        prepare(source, StageConfig(dedupe=dedupe), Null(), Null())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_input(tmp_path: Path) -> None:
    line = json.dumps({"text": "lorem ipsum " * 80 + "x@example.com"})
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    with small.open("w") as out:
        for i in range(300):
            out.write(line.replace("lorem", str(i), 1) + "\n")
    with large.open("w") as out:
        for i in range(2000):
            out.write(line.replace("lorem", str(i), 1) + "\n")
    assert large.stat().st_size > 5 * small.stat().st_size
    peak_small, peak_large = _peak(small), _peak(large)
    assert peak_large < 1.5 * peak_small + (1 << 20)
    assert peak_large < 16 << 20


def test_the_exact_index_stays_within_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its bound the index spills: ten times the distinct records, about the same peak."""
    monkeypatch.setattr(pipeline, "EXACT_MEMORY_KEYS", 500)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_jsonl(small, [{"n": n, "text": "lorem ipsum " * 20} for n in range(1000)])
    write_jsonl(large, [{"n": n, "text": "lorem ipsum " * 20} for n in range(10_000)])
    peak_small, peak_large = _peak(small, "exact"), _peak(large, "exact")
    assert peak_large < 1.3 * peak_small + (256 << 10)


_TEXT = st.text(
    alphabet=st.sampled_from(list(" \t\r\n\x0b\x0c\x1c\x85\u2028ab.\u00e9e\u0301")), max_size=12
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=4))
def test_normalize_shortcut_equals_the_full_rules(record: dict[str, object]) -> None:
    assert normalize(record, DEFAULT_OPTIONS) == normalize_record(record, DEFAULT_OPTIONS)  # type: ignore[arg-type]


def test_a_near_duplicate_kept_after_review_stays(tmp_path: Path) -> None:
    base = " ".join(f"word{i}" for i in range(60))
    texts = [base, base.replace("word30", "other"), base.replace("word31", "else")]
    path = write_jsonl(tmp_path / "in.jsonl", [{"t": t} for t in texts])
    config = StageConfig(dedupe="near", near_threshold=0.8, keep_near=frozenset({1}))
    records, _, outcome = run([path], config)
    assert [r["t"] for r in records] == texts[:2]
    assert outcome.near_duplicates == 1
    assert [m.index for c in outcome.near_clusters for m in c.members] == [2]
