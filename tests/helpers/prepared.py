"""A prepared dataset in a real vault, for submission tests.

The package is a real age file (encrypted with Tessera's age code to the
owner identity's recipient) holding the records as JSON Lines, and the
vault row follows the ``datasets`` table of migration 2, as the dataset
service writes it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from app import paths
from app.core.canonical import canonical_json
from app.core.crypto import X25519Recipient, encrypt_bytes
from app.core.datasets.card import card_bytes
from app.core.datasets.commitment import dataset_commitment
from app.core.store.database import transaction
from app.services import identities
from app.services.vault import Session

RECORDS: list[object] = [
    {"text": "The tide comes in twice a day.", "label": "fact"},
    {"text": "Caf\u00e9 \u2615", "n": 2, "ok": True},
    {"question": "What is 0.1 + 0.2?", "answer": 0.30000000000000004},
]
CARD: dict[str, object] = {
    "@context": {"@vocab": "https://schema.org/"},
    "@type": "sc:Dataset",
    "name": "tide notes",
}


def jsonl(records: Sequence[object]) -> bytes:
    return b"".join(canonical_json(record) + b"\n" for record in records)


def insert_prepared_dataset(
    session: Session,
    records: Sequence[object] = RECORDS,
    *,
    name: str = "tide notes",
    owner: str | None = None,
) -> str:
    """Encrypt ``records`` to the owner identity, record the dataset, return its id."""
    info = identities.resolve_identity(session, owner)
    dataset_id = secrets.token_hex(13)
    folder = paths.data_dir() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    package = folder / f"{dataset_id}.age"
    sealed = encrypt_bytes(jsonl(records), [X25519Recipient.from_string(info.recipient)])
    package.write_bytes(sealed)
    root, count = dataset_commitment(records)
    card = {**CARD, "name": name}
    with transaction(session.conn) as conn:
        conn.execute(
            "INSERT INTO datasets (id, name, created, owner_did, records, commitment,"
            " package_file, package_sha256, package_size, pseudonym_key, manifest, card, report)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                dataset_id,
                name,
                datetime.now(UTC).isoformat(),
                info.did,
                count,
                root.hex(),
                f"datasets/{dataset_id}.age",
                hashlib.sha256(sealed).hexdigest(),
                len(sealed),
                secrets.token_bytes(32),
                json.dumps({"pii": {}}),
                card_bytes(card).decode("utf-8"),
                "{}",
            ),
        )
    return dataset_id
