"""How long `tessera --help` takes, against a bare Python start in the same run.

The CLI promises to answer in well under half a second because it never
imports Qt and its commands import their dependencies lazily. Prints the
median of each and the difference Tessera adds to the interpreter's start.

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _time(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=PROJECT, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    bare = _time([sys.executable, "-c", "pass"], runs)
    help_ = _time([sys.executable, "-m", "app", "--help"], runs)
    print(f"python -c pass        median {bare * 1000:7.1f} ms")
    print(f"tessera --help        median {help_ * 1000:7.1f} ms")
    print(
        f"added by Tessera             {(help_ - bare) * 1000:7.1f} ms  (ratio {help_ / bare:.2f})"
    )


if __name__ == "__main__":
    main()
