"""JSON Lines: the batch split for worker processes, rejections per line, caps."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets.importers import (
    ImportOptions,
    RawBatch,
    iter_jsonl_batches,
    open_source,
    parse_jsonl_batch,
)
from app.core.datasets.records import (
    BadRecordPolicy,
    ImportedRecord,
    InvalidRecord,
    InvalidSource,
    RecordRejected,
)
from app.core.progress import CancelToken, ProgressEvent

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "datasets"


def write(tmp_path: Path, data: bytes, name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def parse_all(
    path: Path, batch_bytes: int, max_line: int = 1 << 20
) -> list[ImportedRecord | RecordRejected]:
    items: list[ImportedRecord | RecordRejected] = []
    for batch in iter_jsonl_batches(path, batch_bytes, max_line=max_line):
        items.extend(parse_jsonl_batch(batch))
    return items


def test_shipped_jsonl_skips_blank_lines() -> None:
    records = list(open_source(FIXTURES / "questions.jsonl"))
    assert [r.data["a"] for r in records] == ["4", "Paris", "Jupiter"]
    assert [r.location.line for r in records] == [1, 2, 4]
    assert records[2].data["score"] == 0.9


def test_bad_lines_are_rejected_one_by_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'{"a": 1}\n[1, 2]\n"text"\n{"b": \n{"c": NaN}\n{"d": "\xff"}\n  \n{"e": 2}\r\n',
    )
    policy = BadRecordPolicy.skip()
    assert [r.data for r in open_source(path, policy=policy)] == [{"a": 1}, {"e": 2}]
    reasons = [(r.location.line, r.reason) for r in policy.report().details]
    assert reasons[0] == (2, "the line is an array, not a JSON object")
    assert reasons[1] == (3, "the line is a string, not a JSON object")
    assert reasons[2][0] == 4
    assert reasons[2][1].startswith("not valid JSON")
    assert reasons[3] == (5, "not valid JSON: NaN is not JSON")
    assert reasons[4][0] == 6
    assert "not valid UTF-8" in reasons[4][1]


def test_fail_fast_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\n{"a": 2}\n{oops}\n')
    with pytest.raises(InvalidRecord) as caught:
        list(open_source(path))
    assert str(caught.value).startswith(f"{path}, line 3: not valid JSON")


def test_nesting_too_deep_is_a_rejection(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n{}\n")
    policy = BadRecordPolicy.skip()
    assert [r.data for r in open_source(path, policy=policy)] == [{}]
    assert "nested too deeply" in policy.report().details[0].reason


@pytest.mark.parametrize("batch_bytes", [1, 2, 3, 7, 64, 4096])
def test_batches_cover_every_line_once_in_order(tmp_path: Path, batch_bytes: int) -> None:
    lines = [json.dumps({"n": n, "pad": "x" * (n % 13)}) for n in range(200)]
    data = ("\n".join(lines) + "\n").encode()
    path = write(tmp_path, data)
    batches = list(iter_jsonl_batches(path, batch_bytes))
    assert b"".join(b.data for b in batches) == data
    for batch in batches:
        assert batch.data.endswith(b"\n")
    items = [item for batch in batches for item in parse_jsonl_batch(batch)]
    assert [r.data["n"] for r in items if isinstance(r, ImportedRecord)] == list(range(200))
    assert [r.location.line for r in items] == list(range(1, 201))


def test_last_line_without_newline(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\n{"a": 2}')
    items = parse_all(path, 3)
    assert [r.data for r in items if isinstance(r, ImportedRecord)] == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize("batch_bytes", [5, 64, 1000, 1 << 16])
def test_overlong_line_is_skipped_as_it_streams(tmp_path: Path, batch_bytes: int) -> None:
    long_line = b'{"x": "' + b"y" * 5000 + b'"}'
    path = write(tmp_path, b'{"a": 1}\n' + long_line + b'\n{"a": 2}\n' + long_line)
    items = parse_all(path, batch_bytes, max_line=1000)
    assert [type(i).__name__ for i in items] == [
        "ImportedRecord",
        "RecordRejected",
        "ImportedRecord",
        "RecordRejected",
    ]
    assert [i.location.line for i in items] == [1, 2, 3, 4]
    rejected = items[1]
    assert isinstance(rejected, RecordRejected)
    assert rejected.reason == "the line is longer than the limit of 1000 bytes"


def test_overlong_multibyte_line_counts_bytes_not_characters(tmp_path: Path) -> None:
    line = json.dumps({"t": "é" * 600}, ensure_ascii=False).encode()
    assert 1000 < len(line) < 1300
    path = write(tmp_path, line + b"\n")
    (item,) = parse_all(path, 1 << 16, max_line=1000)
    assert isinstance(item, RecordRejected)


def test_overlong_line_fails_fast_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\n' + b"z" * 10_000 + b"\n")
    options = ImportOptions(max_record_bytes=4096, block_size=512)
    with pytest.raises(InvalidRecord, match=r"line 2: the line is longer than the limit of 4 KiB"):
        list(open_source(path, options=options))


def test_batches_and_parsing_work_in_a_process_pool(tmp_path: Path) -> None:
    lines = [json.dumps({"n": n, "text": f"record {n}"}) for n in range(3000)]
    path = write(tmp_path, ("\n".join(lines) + "\n").encode())
    batches = list(iter_jsonl_batches(path, 8192))
    assert len(batches) > 4
    assert pickle.loads(pickle.dumps(batches[0])) == batches[0]  # noqa: S301 (our own bytes)
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(parse_jsonl_batch, batches))
    records = [r for chunk in results for r in chunk]
    assert [r.data["n"] for r in records if isinstance(r, ImportedRecord)] == list(range(3000))
    assert records[-1].location == (str(path), 3000, 2999)


def test_raw_batch_for_an_overlong_line() -> None:
    batch = RawBatch("f.jsonl", 9, b"", max_line=64, overlong=True)
    (item,) = parse_jsonl_batch(batch)
    assert isinstance(item, RecordRejected)
    assert item.location.line == 9


def test_utf8_bom_and_utf16_jsonl(tmp_path: Path) -> None:
    text = '{"name": "Zoë"}\n{"name": "José"}\n'
    for name, data in [
        ("bom.jsonl", b"\xef\xbb\xbf" + text.encode()),
        ("u16.jsonl", text.encode("utf-16")),
    ]:
        path = write(tmp_path, data, name)
        assert [r.data["name"] for r in open_source(path)] == ["Zoë", "José"]


def test_empty_and_binary_sources(tmp_path: Path) -> None:
    with pytest.raises(InvalidSource, match="empty"):
        list(open_source(write(tmp_path, b"", "e.jsonl")))
    with pytest.raises(InvalidSource, match="binary"):
        list(open_source(write(tmp_path, b"\x00\x01\x02" * 1000, "b.jsonl")))


def test_progress_reaches_the_size_and_cancel_stops(tmp_path: Path) -> None:
    path = write(tmp_path, (b'{"a": "' + b"x" * 100 + b'"}\n') * 40_000)
    events: list[ProgressEvent] = []
    list(open_source(path, progress=events.append))
    assert events[-1].done == path.stat().st_size == events[-1].total
    assert [e.done for e in events] == sorted(e.done for e in events)

    token = CancelToken()
    stream = open_source(path, cancel=token, options=ImportOptions(block_size=4096))
    next(stream)
    token.cancel()
    from app.core.errors import Cancelled

    with pytest.raises(Cancelled):
        list(stream)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.dictionaries(st.text(max_size=6), _JSON, max_size=4), max_size=12),
    batch_bytes=st.integers(1, 300),
    ascii_only=st.booleans(),
)
def test_round_trip(
    tmp_path: Path, records: list[dict[str, object]], batch_bytes: int, ascii_only: bool
) -> None:
    body = "".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records)
    path = write(tmp_path, (body or "\n").encode("utf-8", "surrogatepass"))
    items = parse_all(path, batch_bytes)
    assert [i.data for i in items if isinstance(i, ImportedRecord)] == records
    assert not [i for i in items if isinstance(i, RecordRejected)]


def test_chosen_encoding_applies(tmp_path: Path) -> None:
    path = write(tmp_path, '{"name": "Zoë"}\n'.encode("latin-1"))
    policy = BadRecordPolicy.skip()
    assert list(open_source(path, policy=policy)) == []
    assert "choose it with --encoding" in policy.report().details[0].reason
    chosen = open_source(path, options=ImportOptions(encoding="latin-1"))
    assert [r.data for r in chosen] == [{"name": "Zoë"}]
    assert [b.data for b in iter_jsonl_batches(path, encoding="latin-1")] == [
        '{"name": "Zoë"}\n'.encode()
    ]


@pytest.mark.parametrize("batch_bytes", [1, 5, 64, 1000, 1 << 16])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_batches_by_reference_point_at_the_same_bytes(
    tmp_path: Path, batch_bytes: int, bom: bytes
) -> None:
    long_line = b'{"x": "' + b"y" * 3000 + b'"}'
    lines = [
        json.dumps({"n": n, "t": "é" * (n % 7)}, ensure_ascii=False).encode() for n in range(60)
    ]
    lines[10] = long_line
    lines[30] = b""
    path = write(tmp_path, bom + b"\n".join(lines))
    shipped = list(iter_jsonl_batches(path, batch_bytes, max_line=2000))
    referenced = list(iter_jsonl_batches(path, batch_bytes, max_line=2000, by_reference=True))
    assert [b.first_line for b in referenced] == [b.first_line for b in shipped]
    assert [b.overlong for b in referenced] == [b.overlong for b in shipped]
    assert all(b.data == b"" for b in referenced)
    assert [b.load() for b in referenced] == [b.data for b in shipped]
    assert [parse_jsonl_batch(b) for b in referenced] == [parse_jsonl_batch(b) for b in shipped]


def test_references_travel_light_to_workers(tmp_path: Path) -> None:
    lines = [json.dumps({"n": n, "text": "word " * 50}) for n in range(5000)]
    path = write(tmp_path, ("\n".join(lines) + "\n").encode())
    batches = list(iter_jsonl_batches(path, 64 * 1024, by_reference=True))
    assert all(len(pickle.dumps(b)) < 400 for b in batches)
    with ProcessPoolExecutor(2) as pool:
        counts = list(pool.map(len, pool.map(parse_jsonl_batch, batches)))
    assert sum(counts) == 5000


def test_reference_to_a_changed_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, b'{"a": 1}\n' * 100)
    (batch,) = iter_jsonl_batches(path, by_reference=True)
    path.write_bytes(b'{"a": 1}\n')
    with pytest.raises(InvalidSource, match="changed while it was read"):
        parse_jsonl_batch(batch)


def test_transcoded_and_archived_sources_carry_their_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1}\n'.encode("utf-16"))
    (batch,) = iter_jsonl_batches(path, by_reference=True)
    assert (batch.data, batch.offset) == (b'{"a": 1}\n', -1)
