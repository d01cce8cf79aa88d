"""A prepare killed outright (the app crashed, the machine lost power) leaves no dataset behind.

The whole process group of a ``tessera dataset prepare`` (the command and its worker processes) is
killed with SIGKILL at varied moments. Afterwards the vault opens, lists no dataset, nothing under
the profile holds a record in the clear, and whatever encrypted partial files the kill left are
swept by the next prepare, which succeeds.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services import identities, vault
from app.services.datasets import PrepareRequest, list_datasets, prepare_dataset

PROJECT = Path(__file__).resolve().parents[3]
PASSPHRASE = "a long and careful passphrase"
MARKER = "Quillfeather tide table"


def _big_input(path: Path, records: int = 60_000) -> Path:
    rng = random.Random(7)
    words = [
        "harbour",
        "tide",
        "wind",
        "pier",
        "ferry",
        "gull",
        "rope",
        "anchor",
        "chart",
        "lantern",
    ]
    with path.open("w", encoding="utf-8") as out:
        for number in range(records):
            text = " ".join(rng.choice(words) for _ in range(60))
            out.write(json.dumps({"n": number, "text": f"{MARKER} {number}: {text}"}) + "\n")
    return path


@pytest.mark.slow
def test_killed_prepare_leaves_no_dataset(data_dir: Path, tmp_path: Path) -> None:
    source = _big_input(tmp_path / "big.jsonl")
    with vault.create_vault(passphrase=PASSPHRASE) as session:
        identities.create_identity(session, "me")
    env = {
        **os.environ,
        "TESSERA_FORBID_HOME": "1",
        "TESSERA_PASSPHRASE": PASSPHRASE,
        "TESSERA_DATA_DIR": str(data_dir),
    }
    known = 0
    cut_short = 0
    for delay in (0.3, 0.9, 1.8):
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "dataset", "prepare", str(source), "--name", "big"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        # The prepare may finish at any moment, even between a check and the kill: whatever
        # the kill lands on, there is afterwards either no new dataset or one whole one.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        with vault.unlock_vault(passphrase=PASSPHRASE) as session:
            listed = list_datasets(session)
        assert len(listed) in (known, known + 1)
        assert all(d.records == 60_000 for d in listed)
        cut_short += len(listed) == known
        known = len(listed)
        for path in data_dir.rglob("*"):
            if path.is_file():
                assert MARKER.encode() not in path.read_bytes(), (
                    f"{path.name} holds records in the clear"
                )
    assert cut_short >= 1, "every prepare finished before its kill: the test killed nothing"
    # Leftovers of the kills are swept by the next prepare once they are old enough.
    folder = data_dir / "datasets"
    old = time.time() - 24 * 3600
    for path in folder.iterdir() if folder.exists() else ():
        os.utime(path, (old, old))
    small = tmp_path / "small.jsonl"
    small.write_text('{"text": "one record"}\n', encoding="utf-8")
    with vault.unlock_vault(passphrase=PASSPHRASE) as session:
        info = prepare_dataset(session, PrepareRequest(inputs=(small,), name="small"))
        remaining = sorted(p.name for p in folder.iterdir())
        complete = {d.id for d in list_datasets(session)}
    assert info.id in complete
    assert all(name.split(".")[0] in complete for name in remaining), remaining
