"""A small, real submission folder to verify and to tamper with."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.consent.templates import load_terms
from app.core.crypto.header import Stanza, b64encode, encode_header
from app.core.submission.build import SignedSubmission, build_submission
from app.core.submission.manifest import CARD_FILE, HEADER_FILE, PAYLOAD_FILE
from app.core.submission.merkle import commitment
from tests.vectors.submission.generate import SeedSigner

RECORDS: list[object] = [{"text": "first"}, {"text": "second", "n": 2}, {"text": "third"}]
RECIPIENTS = [
    "age1xjnu4zaaa48r7fxxpm9k2hujxkkpkyke0t4xnrz4fhut78v4puksfqqtje",
    "age1kj0scyncrrvr78m39km20ll0fxlljd3pray4y2s0fl4qr0fc6qvqzultfa",
]
NETWORK = "did:key:z6MkhFwXNFWosLeugvSf4wcL9t3uuRXueGSFTRgSvHhWj5G2"
# A well-formed age header with one X25519 stanza per recipient (fixed bytes, so
# nobody can open it) and a short payload: small enough that a test can flip every byte.
HEADER = encode_header(
    [Stanza(("X25519", b64encode(bytes([n]) * 32)), bytes(32)) for n in (1, 2)], bytes(16)
)
PAYLOAD = bytes(range(24))
PACKAGE = HEADER + PAYLOAD
CARD = b'{"@type": "sc:Dataset", "name": "tiny"}\n'


@dataclass
class Folder:
    path: Path
    built: SignedSubmission

    @property
    def envelope(self) -> Path:
        return self.built.envelope_path


@pytest.fixture
def signer() -> SeedSigner:
    return SeedSigner(bytes(range(32)))


@pytest.fixture
def other_signer() -> SeedSigner:
    return SeedSigner(bytes(range(100, 132)))


def records_source(
    records: Iterable[object] = RECORDS,
) -> Callable[[tuple[Path, Path]], Iterable[object]]:
    listed = list(records)
    return lambda _package: iter(listed)


@pytest.fixture
def folder(tmp_path: Path, signer: SeedSigner) -> Folder:
    path = tmp_path / "submission"
    path.mkdir()
    (path / HEADER_FILE).write_bytes(HEADER)
    (path / PAYLOAD_FILE).write_bytes(PAYLOAD)
    (path / CARD_FILE).write_bytes(CARD)
    root, count = commitment(RECORDS)
    built = build_submission(
        path,
        commitment=root,
        records=count,
        terms=load_terms("no-ai-training"),
        recipients=RECIPIENTS,
        signer=signer,
        network=NETWORK,
        created=datetime(2025, 6, 1, tzinfo=UTC),
        nonce="0f" * 16,
    )
    return Folder(path, built)
