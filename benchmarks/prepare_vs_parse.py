"""Full dataset prepare against a plain ``json.loads`` loop over the same JSONL file.

Generates a seeded JSONL file of text-heavy records (about 1 KB each) with
planted personal information (e-mail addresses, phone numbers, IBANs,
payment cards, IP addresses, API tokens) and duplicates (exact, and
differing only in whitespace), in a temporary folder that is removed
afterwards. Then, in the same run and over the same file:

- the peer: ``for line in f: json.loads(line)`` on one core;
- Tessera: ``prepare_dataset`` end to end through the service (parse,
  normalise, exact dedupe, PII scan and masking, RFC 8785 hashing, Merkle
  commitment, age encryption, vault row), in a fresh process with its own
  profile and vault, timed around the ``prepare_dataset`` call only.

Both read the file from the page cache (it is read once before). Prints
MB/s of each, the ratio prepare/plain (goal >= 1.0 on 2 cores) and the
prepare's peak memory: the sum of the resident sets of the process and its
worker processes, sampled every 20 ms from ``/proc``, and the largest
single process (``ru_maxrss``). Goal: under 500 MiB, flat across sizes.

    .venv/bin/python benchmarks/prepare_vs_parse.py                 # 1 GB
    .venv/bin/python benchmarks/prepare_vs_parse.py --size 100M --size 1G
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

_UNITS = {"K": 1000, "M": 1000**2, "G": 1000**3}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in _UNITS:
        return int(float(text[:-1]) * _UNITS[text[-1]])
    return int(text)


# -- the input ---------------------------------------------------------------------------


def _luhn_complete(partial: str) -> str:
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return partial + str((10 - total % 10) % 10)


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    numeric = int(bban + "131400")  # "DE" -> 13 14, check digits 00
    check = 98 - numeric % 97
    return f"DE{check:02d}{bban}"


def _pii(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        user = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        return f"{user}@{rng.choice(['example.com', 'mail.example.org', 'uni.example.de'])}"
    if kind == 1:
        return f"+1 415 555 {rng.randint(1000, 9999)}"
    if kind == 2:
        return _iban(rng)
    if kind == 3:
        return _luhn_complete("4" + "".join(rng.choice(string.digits) for _ in range(14)))
    if kind == 4:
        return f"192.0.2.{rng.randint(1, 254)}"
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def generate(path: Path, size: int, seed: int) -> tuple[int, int]:
    """Write about ``size`` bytes of JSONL; (records, bytes) written."""
    rng = random.Random(seed)
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 11)))
        for _ in range(30_000)
    ]
    sentences = [
        " ".join(rng.choices(words, k=rng.randint(6, 18))).capitalize() + "." for _ in range(20_000)
    ]
    written = records = 0
    recent: list[bytes] = []
    with open(path, "wb", buffering=1 << 20) as out:
        while written < size:
            roll = rng.random()
            if roll < 0.04 and recent:
                line = rng.choice(recent)  # exact duplicate
            elif roll < 0.06 and recent:
                record = json.loads(rng.choice(recent))
                record["text"] = "  " + record["text"].replace(". ", ".  ", 3) + " \r\n"
                line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
            else:
                text = " ".join(rng.choices(sentences, k=rng.randint(6, 12)))
                if rng.random() < 0.3:
                    cut = rng.randrange(len(text))
                    text = f"{text[:cut]} contact {_pii(rng)} {text[cut:]}"
                record = {
                    "id": records,
                    "title": rng.choice(sentences),
                    "text": text,
                    "lang": "en",
                    "score": round(rng.random(), 4),
                    "tags": rng.choices(words, k=3),
                }
                line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
                if len(recent) < 512:
                    recent.append(line)
                else:
                    recent[rng.randrange(512)] = line
            out.write(line)
            written += len(line)
            records += 1
    return records, written


# -- the peer ----------------------------------------------------------------------------


def plain_parse(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the peer."""
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)
    return time.perf_counter() - started, time.process_time() - cpu


def warm(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(8 << 20):
            pass


# -- the prepare, in its own process -----------------------------------------------------


def _tree_rss(pid: int, cpu: dict[int, float] | None = None) -> int:
    """Resident bytes of ``pid`` and all its descendants, from /proc.

    ``cpu``, when given, is updated with each process's CPU seconds so far
    (user + system), so that workers that exit still count.
    """
    total = 0
    stack = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            if cpu is not None:
                with open(f"/proc/{current}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                cpu[current] = max(
                    cpu.get(current, 0.0), (int(fields[11]) + int(fields[12])) / tick
                )
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def child(path: Path, workers: int | None) -> None:
    """Run one prepare in a fresh profile; print timings and memory as JSON."""
    from app import paths
    from app.services import identities, vault
    from app.services.datasets import PrepareRequest, prepare_dataset

    profile = Path(tempfile.mkdtemp(prefix="tessera-bench-profile-", dir=path.parent))
    paths.set_data_dir(profile)
    session = vault.create_vault(passphrase="benchmark")  # noqa: S106 - a throwaway vault
    identities.create_identity(session, "bench")
    peak = [0]
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        me = os.getpid()
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(me, cpu))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    request = PrepareRequest(inputs=(path,), name="benchmark", workers=workers)
    load_before = os.getloadavg()[0]
    _tree_rss(os.getpid(), cpu)
    cpu_before = dict(cpu)
    started = time.perf_counter()
    info = prepare_dataset(session, request)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    stop.set()
    sampler.join()
    _tree_rss(os.getpid(), cpu)
    cpu_seconds = sum(cpu.values()) - sum(cpu_before.values())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    session.close()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu_seconds,
                "cpu_by_process": sorted(
                    round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu.items()
                ),
                "load": [load_before, load_after],
                "records": info.records,
                "duplicates_removed": info.duplicates_removed,
                "pii": info.pii,
                "package_size": info.package_size,
                "peak_tree_rss": peak[0],
                "max_process_rss": max(own, kids),
                "main_rss": own,
            }
        )
    )


def run_prepare(path: Path, workers: int | None) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(path)]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = dict(os.environ)  # the modules compiled as an installed app has them
    env.pop("TESSERA_FORBID_HOME", None)
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"prepare failed:\n{done.stderr}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append", help="input size, e.g. 100M, 1G (repeatable)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--dir", help="where to put the temporary folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.workers)
        return
    sizes = [parse_size(s) for s in (args.size or ["1G"])]
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores available; load average {os.getloadavg()[0]:.2f}")
    rows = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="tessera-bench-", dir=args.dir))
        try:
            path = folder / "input.jsonl"
            started = time.perf_counter()
            records, written = generate(path, size, args.seed)
            print(
                f"generated {written / 1e6:.0f} MB, {records} records in "
                f"{time.perf_counter() - started:.1f} s"
            )
            warm(path)
            plain, plain_cpu = plain_parse(path)
            warm(path)
            result = run_prepare(path, args.workers)
            prepare_s = float(result["seconds"])  # type: ignore[arg-type]
            prepare_cpu = float(result["cpu_seconds"])  # type: ignore[arg-type]
            row = {
                "size_mb": written / 1e6,
                "records": records,
                "plain_mb_s": written / 1e6 / plain,
                "prepare_mb_s": written / 1e6 / prepare_s,
                "ratio": plain / prepare_s,
                # Less sensitive to other load: CPU seconds of the whole process tree.
                "plain_mb_per_cpu_s": written / 1e6 / plain_cpu,
                "prepare_mb_per_cpu_s": written / 1e6 / prepare_cpu,
                "ratio_at_2_cores_from_cpu": 2 * plain_cpu / prepare_cpu,
                "load": result["load"],
                "peak_tree_rss_mib": int(result["peak_tree_rss"]) / 2**20,  # type: ignore[call-overload]
                "max_process_rss_mib": int(result["max_process_rss"]) / 2**20,  # type: ignore[call-overload]
                "prepared_records": result["records"],
                "duplicates_removed": result["duplicates_removed"],
                "pii": result["pii"],
            }
            rows.append(row)
            print(json.dumps(row))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(
        "| input | plain json.loads | prepare | ratio | prepare MB per CPU-second "
        "| ratio on 2 free cores (from CPU time) | peak RSS (sum) | largest process |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['size_mb']:.0f} MB | {row['plain_mb_s']:.0f} MB/s | "
            f"{row['prepare_mb_s']:.1f} MB/s | **{row['ratio']:.2f}** | "
            f"{row['prepare_mb_per_cpu_s']:.1f} | {row['ratio_at_2_cores_from_cpu']:.2f} | "
            f"{row['peak_tree_rss_mib']:.0f} MiB | {row['max_process_rss_mib']:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
