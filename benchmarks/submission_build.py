"""Building a submission for a small and a large prepared package: rewrap, not re-encrypt.

Makes an age-encrypted package of each size with Tessera's own age code (to
an owner X25519 key), then times what ``build_submission_for_dataset`` does
with it after the vault lookups: rewrap the header for owner + network
(:func:`app.core.crypto.rewrap_header`), write the network's copy (new
header, payload copied in the kernel and hashed as it lands), write the
card, sign the manifest and write the envelope. Each step is timed on its
own (``package`` is the copy, the hash and the fsync together, overlapped
as the service runs them), for ``--runs`` rounds per size (the first round
warms the page cache and is not counted); the medians and the large/small
ratio are printed.

    .venv/bin/python benchmarks/submission_build.py [--sizes 1M,1G] [--runs 4] [--dir DIR]

Not run by the tests: the numbers go into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
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
from app.core.crypto import X25519Identity, encrypt_file, rewrap_header  # noqa: E402
from app.core.identity.keys import IdentityKeys  # noqa: E402
from app.core.submission.build import sign_submission  # noqa: E402
from app.core.submission.manifest import (  # noqa: E402
    CARD_FILE,
    PACKAGE_FILE,
    SUBMISSION_FILE,
    make_manifest,
)
from app.core.submission.package import write_package  # noqa: E402

UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
CARD = b'{"@type": "sc:Dataset", "name": "benchmark"}\n'
STEPS = ("rewrap", "package", "sign+write", "total")


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


def make_package(folder: Path, size: int, keys: Keys) -> Path:
    """A sparse plaintext of ``size`` bytes, encrypted to the owner (content does not matter)."""
    plain = folder / f"plain-{size}"
    with plain.open("wb") as handle:
        handle.truncate(size)
    package = folder / f"prepared-{size}.age"
    encrypt_file(plain, package, [keys.owner.recipient])
    plain.unlink()
    return package


def build_once(package: Path, out: Path, keys: Keys) -> dict[str, float]:
    """The service's file work for one submission, step by step."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    recipients = [keys.owner.recipient, keys.network.recipient]
    header = rewrap_header(package, [keys.owner], recipients=recipients)
    times["rewrap"] = time.perf_counter() - start
    out.mkdir()
    mark = time.perf_counter()
    written = write_package(package, header, out / PACKAGE_FILE, sync=True)
    times["package"] = time.perf_counter() - mark
    mark = time.perf_counter()
    (out / CARD_FILE).write_bytes(CARD)
    manifest = make_manifest(
        commitment="ab" * 32,
        records=1,
        package_sha256=written.sha256,
        package_size=written.size,
        recipients=[r.to_string() for r in recipients],
        card_sha256=hashlib.sha256(CARD).hexdigest(),
        terms=load_terms("open-research"),
        contributor=keys.signer.did,
    )
    (out / SUBMISSION_FILE).write_bytes(sign_submission(manifest, keys.signer).to_bytes())
    times["sign+write"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,1G", help="package sizes (default 1M,1G)")
    parser.add_argument("--runs", type=int, default=4, help="counted rounds per size")
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    sizes = [parse_size(text) for text in args.sizes.split(",")]
    keys = Keys(X25519Identity.generate(), X25519Identity.generate(), IdentityKeys.generate())
    work = Path(tempfile.mkdtemp(prefix="tessera-submission-bench-", dir=args.dir))
    medians: dict[int, dict[str, float]] = {}
    try:
        for size in sizes:
            package = make_package(work, size, keys)
            rounds: list[dict[str, float]] = []
            for index in range(args.runs + 1):
                out = work / f"out-{size}-{index}"
                result = build_once(package, out, keys)
                shutil.rmtree(out)
                if index:
                    rounds.append(result)
            medians[size] = {step: statistics.median(r[step] for r in rounds) for step in STEPS}
            package.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"median of {args.runs} runs per size (seconds)")
    print(f"{'size':>10}  " + "  ".join(f"{step:>10}" for step in STEPS))
    for size, steps in medians.items():
        print(f"{human(size):>10}  " + "  ".join(f"{steps[step]:10.4f}" for step in STEPS))
    if len(sizes) >= 2:
        small, large = medians[sizes[0]], medians[sizes[-1]]
        fixed_small = small["total"] - small["package"]
        fixed_large = large["total"] - large["package"]
        print(
            f"ratio {human(sizes[-1])}/{human(sizes[0])}:"
            f" total {large['total'] / small['total']:.0f}x,"
            f" rewrap {large['rewrap'] / small['rewrap']:.2f}x,"
            f" all but the package copy {fixed_large / fixed_small:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
