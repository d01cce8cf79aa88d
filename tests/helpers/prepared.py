"""A dataset prepared by the real dataset service in a real vault, for submission tests."""

from __future__ import annotations

import json
from collections.abc import Sequence

from app import paths
from app.core.canonical import canonical_json
from app.services import datasets
from app.services.vault import Session

RECORDS: list[object] = [
    {"text": "The tide comes in twice a day.", "label": "fact"},
    {"text": "Caf\u00e9 \u2615", "n": 2, "ok": True},
    {"question": "What is 0.1 + 0.2?", "answer": 0.30000000000000004},
]


def jsonl(records: Sequence[object]) -> bytes:
    return b"".join(canonical_json(record) + b"\n" for record in records)


def insert_prepared_dataset(
    session: Session,
    records: Sequence[object] = RECORDS,
    *,
    name: str = "tide notes",
    owner: str | None = None,
) -> str:
    """Prepare ``records`` (as a JSONL file beside the profile) for ``owner``; return the id."""
    folder = paths.data_dir().parent / "inputs"
    folder.mkdir(exist_ok=True)
    source = folder / f"{len(list(folder.iterdir()))}.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    request = datasets.PrepareRequest(inputs=(source,), name=name, identity=owner)
    return datasets.prepare_dataset(session, request).id


def package_records(session: Session, dataset_id: str) -> list[object]:
    """The records as the prepared package holds them (after normalisation and redaction)."""
    return list(datasets.open_package_records(session, dataset_id))
