"""Tessera's age encryption against the reference ``age`` command, same file, same run.

Encrypts and decrypts one file with ``python -m app encrypt|decrypt`` and with
``age``, alternating the two (and which goes first) for ``--runs`` rounds per
case, to ``/dev/null`` and to a file. Each side runs as its own process, so
its start-up counts and its peak RSS is its own (from ``wait4``). Prints the
median wall time of each side, the ratio ours/age, and each side's peak RSS.
Both decrypt the same file, written by ``age``. Tessera fsyncs a file output
before renaming it into place; ``age`` does not sync. Python runs with
compiled modules (in a cache inside the work folder), as an installed
Tessera would; the first round of each case warms up and is not counted.

``--rss-sizes`` also measures Tessera's peak RSS when encrypting sparse
inputs of several sizes (content does not matter for memory), to show it
stays flat.

    .venv/bin/python benchmarks/age_vs_cli.py [--size 1G] [--runs 5]
        [--rss-sizes 100M,1G,4G] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
DEV_NULL = "/dev/null"


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1] if text and text[-1] in UNITS else ""
    return int(float(text[: len(text) - len(unit)]) * UNITS[unit])


def human(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= UNITS[unit]:
            return f"{size / UNITS[unit]:g} {unit}iB"
    return f"{size} B"


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one process.

    The peak RSS comes from ``wait4`` on the process itself. When the process
    is started straight from this (larger) Python process, Linux counts this
    process's memory in the child's high-water mark (it is inherited up to
    ``exec``), so the measured process is started through ``/usr/bin/time``,
    a small C program that forks it and reports its ``wait4`` figure.
    """
    timer = shutil.which("time", path="/usr/bin:/bin")
    prefix = [timer, "-f", "rss=%M"] if timer else []
    start = time.perf_counter()
    process = subprocess.Popen(
        [*prefix, *argv],
        cwd=PROJECT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {error}")
    reported = [line for line in error.splitlines() if line.startswith("rss=")]
    kib = int(reported[-1].removeprefix("rss=")) if reported else usage.ru_maxrss
    return elapsed, kib * 1024


def write_input(path: Path, size: int) -> None:
    block = os.urandom(16 << 20)
    with path.open("wb") as handle:
        left = size
        while left:
            handle.write(block[: min(left, len(block))])
            left -= min(left, len(block))


def warm(path: Path) -> None:
    """Read a file once so every timed run starts from the page cache."""
    with path.open("rb", buffering=0) as handle:
        buffer = bytearray(16 << 20)
        while handle.readinto(buffer):
            pass


def commands(
    operation: str, source: Path, target: str, key: Path, recipient: str, age: str
) -> dict[str, list[str]]:
    tessera = [sys.executable, "-m", "app"]
    if operation == "encrypt":
        return {
            "tessera": [*tessera, "encrypt", "-r", recipient, "-o", target, str(source)],
            "age": [age, "-r", recipient, "-o", target, str(source)],
        }
    return {
        "tessera": [*tessera, "decrypt", "-i", str(key), "-o", target, str(source)],
        "age": [age, "-d", "-i", str(key), "-o", target, str(source)],
    }


def bench_case(
    operation: str,
    to_file: bool,
    files: dict[str, Path],
    recipient: str,
    age: str,
    runs: int,
    env: dict[str, str],
) -> dict[str, tuple[float, int]]:
    source = files["plain"] if operation == "encrypt" else files["sealed"]
    results: dict[str, list[tuple[float, int]]] = {"tessera": [], "age": []}
    warm(source)
    for index in range(runs + 1):  # the first round warms up and is not counted
        order = ["tessera", "age"] if index % 2 == 0 else ["age", "tessera"]
        for side in order:
            target = str(files["folder"] / f"out.{side}") if to_file else DEV_NULL
            argv = commands(operation, source, target, files["key"], recipient, age)[side]
            measured = run(argv, env)
            if to_file:
                Path(target).unlink()
            if index:
                results[side].append(measured)
    return {
        side: (statistics.median(t for t, _ in samples), max(r for _, r in samples))
        for side, samples in results.items()
    }


def rss_curve(sizes: list[int], folder: Path, recipient: str, env: dict[str, str]) -> None:
    print("\nTessera peak RSS, encrypting sparse inputs to /dev/null:")
    for size in sizes:
        sparse = folder / "sparse.bin"
        with sparse.open("wb") as handle:
            handle.truncate(size)
        argv = [
            sys.executable,
            "-m",
            "app",
            "encrypt",
            "-r",
            recipient,
            "-o",
            DEV_NULL,
            str(sparse),
        ]
        elapsed, rss = run(argv, env)
        sparse.unlink()
        print(f"  {human(size):>9}: peak RSS {rss / (1 << 20):6.1f} MiB  ({elapsed:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1G", help="input size (K, M, G suffixes; default 1G)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side and case")
    parser.add_argument("--rss-sizes", default="", help="e.g. 100M,1G,4G (sparse inputs)")
    parser.add_argument("--dir", help="work folder (default: a temporary folder in /var/tmp)")
    args = parser.parse_args()
    age = shutil.which("age")
    keygen = shutil.which("age-keygen")
    if age is None or keygen is None:
        raise SystemExit("the age command is needed (Debian package age)")
    size = parse_size(args.size)
    folder = Path(tempfile.mkdtemp(prefix="tessera-bench-", dir=args.dir or "/var/tmp"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env["TESSERA_DATA_DIR"] = str(folder / "profile")
    # Compiled modules, as an installed Tessera has them, kept out of the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    try:
        files = {"folder": folder, "plain": folder / "plain.bin", "key": folder / "key.txt"}
        subprocess.run([keygen, "-o", str(files["key"])], check=True, capture_output=True)
        recipient = subprocess.run(
            [keygen, "-y", str(files["key"])], check=True, capture_output=True, text=True
        ).stdout.strip()
        write_input(files["plain"], size)
        files["sealed"] = folder / "sealed.age"
        subprocess.run(
            [age, "-r", recipient, "-o", str(files["sealed"]), str(files["plain"])], check=True
        )
        print(
            f"{human(size)} input, {args.runs} runs per side, alternating; "
            f"{os.cpu_count()} cores; median wall time, peak RSS over the runs"
        )
        print(
            f"{'case':<22} {'tessera':>9} {'age':>9} {'ratio':>7}   {'RSS ours':>9} {'RSS age':>9}"
        )
        for operation in ("encrypt", "decrypt"):
            for to_file in (False, True):
                result = bench_case(operation, to_file, files, recipient, age, args.runs, env)
                (ours, ours_rss), (theirs, their_rss) = result["tessera"], result["age"]
                case = f"{operation} to {'a file' if to_file else '/dev/null'}"
                print(
                    f"{case:<22} {ours:8.3f}s {theirs:8.3f}s {ours / theirs:7.2f}"
                    f"   {ours_rss / (1 << 20):6.1f}MiB {their_rss / (1 << 20):6.1f}MiB",
                    flush=True,
                )
        if args.rss_sizes:
            rss_curve([parse_size(s) for s in args.rss_sizes.split(",")], folder, recipient, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
