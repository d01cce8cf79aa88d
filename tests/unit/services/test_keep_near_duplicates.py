"""The review's "keep this one" for a near duplicate reaches the prepared dataset."""

from __future__ import annotations

import json
from pathlib import Path

from app.services import identities, vault
from app.services.dataset_scan import scan_inputs
from app.services.datasets import PrepareRequest, open_package_records, prepare_dataset


def test_scan_then_keep_a_near_duplicate(data_dir: Path, tmp_path: Path) -> None:
    base = " ".join(f"harbour{i}" for i in range(60))
    texts = [base, "unrelated words about the ferry", base.replace("harbour30", "pier")]
    source = tmp_path / "notes.jsonl"
    source.write_text("".join(json.dumps({"t": t}) + "\n" for t in texts), encoding="utf-8")
    request = PrepareRequest(inputs=(source,), name="notes", dedupe="near", near_threshold=0.8)
    scanned = scan_inputs(request)
    pairs = [(c.representative, m.index) for c in scanned.near_clusters for m in c.members]
    assert pairs == [(0, 2)]
    with vault.create_vault(passphrase="pw") as session:
        identities.create_identity(session, "me")
        dropped = prepare_dataset(session, request)
        assert [r["t"] for r in open_package_records(session, dropped.id)] == texts[:2]
        kept = prepare_dataset(
            session,
            PrepareRequest(
                inputs=(source,),
                name="notes",
                dedupe="near",
                near_threshold=0.8,
                keep_near_duplicates=frozenset({pairs[0][1]}),
            ),
        )
        assert [r["t"] for r in open_package_records(session, kept.id)] == texts
        assert (dropped.duplicates_removed, kept.duplicates_removed) == (1, 0)
        assert kept.commitment != dropped.commitment
