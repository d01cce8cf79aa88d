"""Dedupe and record hashing throughput on 1 KB texts, against plain JSON parsing in the same run.

Generates ``--records`` JSON lines of about 1 KB of text each, with planted
exact duplicates (5 %) and near duplicates (5 %, one word in forty changed),
then times, over the same lines:

- the peer: a plain ``json.loads`` loop;
- canonical hashing: ``sha256_canonical`` against the ``rfc8785`` reference;
- exact dedupe: canonical key plus the compact table;
- MinHash signatures in this process, then in ``--workers`` processes
  (``minhash_batch`` over batches, the way the pipeline runs it);
- the LSH index in the parent.

Prints records/s, each ratio against the ``json.loads`` peer, the process
speed-up, the index memory per record and how many planted duplicates were
found.

    .venv/bin/python benchmarks/dedupe_speed.py [--records 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rfc8785

from app.core.canonical import sha256_canonical
from app.core.datasets.dedupe import MinHashParams, NearDuplicateIndex, minhash_batch, record_text
from app.core.datasets.exact_dedupe import ExactDeduper

BATCH = 256


def make_lines(count: int, seed: int) -> tuple[list[str], int, int]:
    rng = random.Random(seed)
    vocab = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
        for _ in range(20_000)
    ]
    lines: list[str] = []
    originals: list[dict[str, object]] = []
    exact = near = 0
    for number in range(count):
        roll = rng.random()
        if originals and roll < 0.05:
            record = rng.choice(originals)
            exact += 1
        elif originals and roll < 0.10:
            words = str(rng.choice(originals)["text"]).split()
            words = [rng.choice(vocab) if rng.random() < 0.025 else w for w in words]
            record = {"text": " ".join(words), "source": "bench", "n": number % 7}
            near += 1
        else:
            words, size = [], 0
            while size < 1000:
                word = rng.choice(vocab)
                words.append(word)
                size += len(word) + 1
            record = {"text": " ".join(words), "source": "bench", "n": number % 7}
            originals.append(record)
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines, exact, near


def timed(label: str, count: int, work: Callable[[], object], peer: float | None) -> float:
    start = time.perf_counter()
    work()
    rate = count / (time.perf_counter() - start)
    ratio = f"  {rate / peer:6.3f} x json.loads" if peer else ""
    print(f"{label:<38} {rate:>11,.0f} records/s{ratio}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    lines, planted_exact, planted_near = make_lines(args.records, args.seed)
    count = len(lines)
    size = sum(len(line.encode()) for line in lines)
    print(f"{count:,} records, {size / count:,.0f} bytes a line on average")
    records = [json.loads(line) for line in lines]
    texts = [record_text(record, ["text"]) for record in records]
    params = MinHashParams()

    peer = timed("json.loads (peer)", count, lambda: [json.loads(x) for x in lines], None)
    timed(
        "rfc8785 + sha256 (reference)",
        count,
        lambda: [hashlib.sha256(rfc8785.dumps(r)).digest() for r in records],
        peer,
    )
    timed("sha256_canonical", count, lambda: [sha256_canonical(r) for r in records], peer)

    exact = ExactDeduper()
    timed(
        "exact dedupe (key + table)",
        count,
        lambda: [exact.add_record(i, r) for i, r in enumerate(records)],
        peer,
    )

    signatures: list[bytes] = []
    single = timed(
        "minhash, 1 process", count, lambda: signatures.extend(minhash_batch(texts, params)), peer
    )
    batches = [texts[start : start + BATCH] for start in range(0, count, BATCH)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        list(pool.map(minhash_batch, batches[:1] * args.workers, [params] * args.workers))

        def parallel() -> None:
            results = pool.map(minhash_batch, batches, [params] * len(batches))
            remote = [signature for batch in results for signature in batch]
            assert remote == signatures

        multi = timed(f"minhash, {args.workers} processes", count, parallel, peer)
    print(f"{'  process speed-up':<38} {multi / single:>11.2f} x")

    index = NearDuplicateIndex(params)
    timed(
        "LSH index add (parent)",
        count,
        lambda: [index.add(i, s) for i, s in enumerate(signatures)],
        peer,
    )

    table_bytes = exact._low.itemsize * len(exact._low) * 3
    near_bytes = (
        len(index._fingerprints)
        + index._records.itemsize * len(index._records)
        + index._table._keys.itemsize * len(index._table._keys) * 2
    )
    print(
        f"exact table: {table_bytes / len(exact):,.0f} bytes per distinct record; "
        f"near index: {near_bytes / len(index):,.0f} bytes per kept record"
    )
    found_near = index.duplicates - exact.duplicates
    print(
        f"planted {planted_exact} exact and {planted_near} near duplicates; "
        f"found {exact.duplicates} exact, {index.duplicates} by MinHash "
        f"({found_near} beyond the exact ones)"
    )


if __name__ == "__main__":
    main()
