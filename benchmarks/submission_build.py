"""Building a submission for a small and a large prepared package: rewrap, not re-encrypt.

Prepares a package of each size the way the dataset service stores it (an
age header file and a payload file, written by
:class:`app.core.datasets.package.EncryptingWriter`, which hashes the
payload while writing), then times what ``build_submission_for_dataset``
does with it after the vault lookups: rewrap the header for owner + network
(:func:`app.core.crypto.rewrap_header`), write and hash the new header, put
the payload in the folder (:func:`app.core.submission.package.place_payload`:
a reflink where the filesystem has them, else a hard link; ``--copy`` forces
the cross-filesystem fallback, a kernel copy hashed as it lands), write the
card, sign the manifest, write the envelope, all in a staging folder that is
then published by a rename. Each step is timed on its own, for ``--runs``
rounds per size (a first round warms the page cache and is not counted);
the medians and the large/small ratio are printed.

It also measures what hashing the payload while writing costs the prepare:
the CPU time (all threads, ``time.process_time``) of the package writer
alone, storing one file (hashing it whole, as before the split) against
storing the header and payload apart (hashing the payload, and the small
header at the end), over the same plaintext, interleaved, per MiB of
ciphertext.

    .venv/bin/python benchmarks/submission_build.py [--sizes 1M,1G] [--runs 5] [--dir DIR]
        [--copy] [--writer-size 256M]

Not run by the tests: the numbers go into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.core.consent.templates import load_terms  # noqa: E402
from app.core.crypto import X25519Identity, rewrap_header  # noqa: E402
from app.core.datasets.package import EncryptingWriter  # noqa: E402
from app.core.identity.keys import IdentityKeys  # noqa: E402
from app.core.submission.build import sign_submission  # noqa: E402
from app.core.submission.manifest import (  # noqa: E402
    CARD_FILE,
    HEADER_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
    make_manifest,
)
from app.core.submission.package import (  # noqa: E402
    METHODS,
    check_payload,
    place_payload,
    seal_payload,
)
from app.services.submission_folder import publish, staging_folder, write_synced  # noqa: E402

UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
CARD = b'{"@type": "sc:Dataset", "name": "benchmark"}\n'
STEPS = ("rewrap", "header", "payload", "sign+write", "total")
BLOCK = 1 << 20


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1] if text and text[-1] in UNITS else ""
    return int(float(text[: len(text) - len(unit)]) * UNITS[unit])


def human(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit]:
            return f"{size / UNITS[unit]:g} {unit}iB"
    return f"{size} B"


@dataclass
class Keys:
    owner: X25519Identity
    network: X25519Identity
    signer: IdentityKeys


@dataclass
class Prepared:
    header: Path
    payload: Path
    payload_sha256: str
    payload_size: int


def _plaintext(size: int) -> bytes:
    """One MiB of JSONL-like text, repeated (the content does not matter to a build)."""
    line = b'{"text": "the tide comes in twice a day", "n": 12345}\n'
    return (line * (BLOCK // len(line) + 1))[: min(size, BLOCK)]


def write_package(
    folder: Path, name: str, size: int, keys: Keys, *, split: bool
) -> EncryptingWriter:
    block = _plaintext(size)
    header = folder / f"{name}.age-header" if split else folder / f"{name}.age"
    payload = folder / f"{name}.age-payload" if split else None
    with EncryptingWriter(header, [keys.owner.recipient], payload=payload) as writer:
        left = size
        while left > 0:
            writer.write(block[:left])
            left -= len(block)
    return writer


def prepare(folder: Path, size: int, keys: Keys) -> Prepared:
    writer = write_package(folder, f"prepared-{size}", size, keys, split=True)
    assert writer.payload_path is not None
    seal_payload(writer.path, writer.payload_path)  # as the dataset service does
    return Prepared(writer.path, writer.payload_path, writer.payload_sha256, writer.payload_size)


def build_once(
    prepared: Prepared, out: Path, keys: Keys, *, copy: bool
) -> tuple[dict[str, float], str]:
    """The service's file work for one submission, step by step."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    recipients = [keys.owner.recipient, keys.network.recipient]
    header = rewrap_header(prepared.header, [keys.owner], recipients=recipients)
    times["rewrap"] = time.perf_counter() - start
    with staging_folder(out) as staging:
        mark = time.perf_counter()
        write_synced(staging / HEADER_FILE, header.header)
        header_sha256 = hashlib.sha256(header.header).hexdigest()
        times["header"] = time.perf_counter() - mark
        mark = time.perf_counter()
        check_payload(prepared.header, prepared.payload, prepared.payload_sha256)
        placed = place_payload(
            prepared.payload,
            staging / PAYLOAD_FILE,
            size=prepared.payload_size,
            sha256=prepared.payload_sha256,
            methods=("copy",) if copy else METHODS,
        )
        times["payload"] = time.perf_counter() - mark
        mark = time.perf_counter()
        write_synced(staging / CARD_FILE, CARD)
        manifest = make_manifest(
            commitment="ab" * 32,
            records=1,
            header_sha256=header_sha256,
            header_size=len(header.header),
            payload_sha256=placed.sha256,
            payload_size=placed.size,
            recipients=[r.to_string() for r in recipients],
            card_sha256=hashlib.sha256(CARD).hexdigest(),
            terms=load_terms("open-research"),
            contributor=keys.signer.did,
        )
        write_synced(staging / SUBMISSION_FILE, sign_submission(manifest, keys.signer).to_bytes())
        publish(staging, out)
        times["sign+write"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    return times, placed.method


def writer_cost(work: Path, size: int, keys: Keys, runs: int) -> None:
    """CPU per MiB of the package writer: one file (as before) against header + payload."""
    cost: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for split in (False, True):
            before = time.process_time()
            writer = write_package(work, "writer", size, keys, split=split)
            cost[split].append((time.process_time() - before) / (writer.size / BLOCK))
            for path in work.glob("writer.*"):
                path.chmod(0o644)
                path.unlink()
    one, two = statistics.median(cost[False]), statistics.median(cost[True])
    print(
        f"\npackage writer, {human(size)} of plaintext, CPU per MiB of ciphertext"
        f" (median of {runs})"
    )
    print(f"  one file (hashes the file):                     {one * 1000:7.3f} ms")
    print(f"  header + payload (hashes the payload):          {two * 1000:7.3f} ms")
    print(f"  difference: {(two - one) * 1000:+.3f} ms/MiB ({(two / one - 1) * 100:+.1f} %)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,1G", help="package sizes (default 1M,1G)")
    parser.add_argument("--runs", type=int, default=5, help="counted rounds per size")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--copy", action="store_true", help="force the copy fallback")
    parser.add_argument(
        "--writer-size", default="256M", help="plaintext for the writer cost (0: skip)"
    )
    args = parser.parse_args()
    sizes = [parse_size(text) for text in args.sizes.split(",")]
    keys = Keys(X25519Identity.generate(), X25519Identity.generate(), IdentityKeys.generate())
    work = Path(tempfile.mkdtemp(prefix="tessera-submission-bench-", dir=args.dir))
    medians: dict[int, dict[str, float]] = {}
    methods: dict[int, str] = {}
    try:
        for size in sizes:
            prepared = prepare(work, size, keys)
            os.sync()  # a prepared package is on disk long before it is built into a submission
            rounds: list[dict[str, float]] = []
            for index in range(args.runs + 1):
                out = work / f"out-{size}-{index}"
                result, methods[size] = build_once(prepared, out, keys, copy=args.copy)
                shutil.rmtree(out)
                if index:
                    rounds.append(result)
            medians[size] = {step: statistics.median(r[step] for r in rounds) for step in STEPS}
            for path in (prepared.header, prepared.payload):
                os.chmod(path, 0o644)
                path.unlink()
        print(f"build: median of {args.runs} runs per size (seconds)")
        print(f"{'size':>10}  " + "  ".join(f"{step:>10}" for step in STEPS) + "  payload by")
        for size, steps in medians.items():
            cells = "  ".join(f"{steps[step]:10.4f}" for step in STEPS)
            print(f"{human(size):>10}  {cells}  {methods[size]}")
        if len(sizes) >= 2:
            small, large = medians[sizes[0]], medians[sizes[-1]]
            print(
                f"ratio {human(sizes[-1])}/{human(sizes[0])}: total "
                f"{large['total'] / small['total']:.2f}x, payload "
                f"{large['payload'] / small['payload']:.2f}x"
            )
        writer_size = parse_size(args.writer_size)
        if writer_size:
            writer_cost(work, writer_size, keys, args.runs)
    finally:
        for path in work.rglob("*"):
            if path.is_file():
                path.chmod(0o644)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
