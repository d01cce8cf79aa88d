"""Large generated inputs: memory stays bounded whatever the size (slow tests).

tracemalloc sees every Python allocation, so its peak shows whether an
importer holds more than a block and a batch at a time. Sizes are about
50 MB, far beyond any peak the assertions allow.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.datasets.importers import (
    ImportOptions,
    iter_jsonl_batches,
    open_source,
    parse_jsonl_batch,
)
from app.core.datasets.records import BadRecordPolicy, ImportedRecord
from app.core.datasets.schema import SchemaBuilder

pytestmark = pytest.mark.slow

SIZE = 50 * 1024 * 1024
MiB = 1024 * 1024
WORDS = [
    *["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while"],
    "Zoë",
    "José",
]


def _texts(seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    while True:
        yield " ".join(rng.choices(WORDS, k=rng.randint(100, 1500)))


def _write(path: Path, head: str, line: Callable[[int, str], str], tail: str = "") -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head)
        size = 0
        for text in _texts(count):
            if size >= SIZE:
                break
            piece = line(count, text)
            handle.write(piece)
            size += len(piece)
            count += 1
        handle.write(tail)
    return count


def _peak_while(consume: Callable[[], int]) -> tuple[int, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = consume()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def _count(stream: Iterator[ImportedRecord]) -> int:
    return sum(1 for _ in stream)


def test_jsonl_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    count = _write(path, "", lambda n, text: json.dumps({"id": n, "text": text}) + "\n")
    seen, peak = _peak_while(lambda: _count(open_source(path)))
    assert seen == count
    assert peak < 10 * MiB, peak


def test_jsonl_batches_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    count = _write(path, "", lambda n, text: json.dumps({"id": n, "text": text}) + "\n")

    def run() -> int:
        return sum(len(parse_jsonl_batch(batch)) for batch in iter_jsonl_batches(path, 2 * MiB))

    seen, peak = _peak_while(run)
    assert seen == count
    assert peak < 16 * MiB, peak


def test_json_array_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    count = _write(
        path,
        "[\n",
        lambda n, text: ("" if n == 0 else ",\n") + json.dumps({"id": n, "text": text}),
        "\n]\n",
    )
    seen, peak = _peak_while(lambda: _count(open_source(path)))
    assert seen == count
    assert peak < 10 * MiB, peak


def test_csv_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    count = _write(path, "id,text\n", lambda n, text: f'{n},"{text}"\n')
    seen, peak = _peak_while(lambda: _count(open_source(path)))
    assert seen == count
    assert peak < 8 * MiB, peak


def test_text_paragraphs_memory_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    count = _write(path, "", lambda n, text: text + "\n\n")
    options = ImportOptions(text_unit="paragraph")
    seen, peak = _peak_while(lambda: _count(open_source(path, options=options)))
    assert seen == count
    assert peak < 8 * MiB, peak


def test_schema_over_a_large_import_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    count = _write(path, "", lambda n, text: json.dumps({"id": n, "text": text, "n": n % 7}) + "\n")

    def run() -> int:
        builder = SchemaBuilder().add_all(record.data for record in open_source(path))
        return builder.result().records

    seen, peak = _peak_while(run)
    assert seen == count
    assert peak < 10 * MiB, peak


@pytest.mark.parametrize("name", ["huge.jsonl", "huge.csv"])
def test_gigabyte_single_line_is_rejected_in_constant_memory(tmp_path: Path, name: str) -> None:
    """Valid lines, a 1 GiB line (a sparse hole of zero bytes), then valid lines again."""
    path = tmp_path / name
    first = b"a,b\n" if name.endswith(".csv") else b""
    good = b"1,2\n" if name.endswith(".csv") else b'{"a": 1}\n'
    with path.open("wb") as handle:
        handle.write(first + good * 20_000)
        start = handle.tell()
        handle.truncate(start + (1 << 30))
        handle.seek(0, 2)
        handle.write(b"\n" + good * 3)
    options = ImportOptions(max_record_bytes=8 * MiB)
    policy = BadRecordPolicy.skip()
    seen, peak = _peak_while(lambda: _count(open_source(path, options=options, policy=policy)))
    assert seen == 20_003
    (rejected,) = policy.report().details
    line = 20_001 + (1 if first else 0)
    assert rejected.location.line == line
    assert "longer than the limit of 8 MiB" in rejected.reason
    assert peak < 16 * MiB, peak
