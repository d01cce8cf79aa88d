"""Generate the golden submission vectors in this folder.

Run from the project root:  .venv/bin/python tests/vectors/submission/generate.py [OUT]

Everything is derived from fixed seeds, so running it again writes the same
bytes; ``test_golden_vectors.py`` checks that. The age package is made here
with fixed "randomness" (file key, ephemeral keys, payload nonce) so that it
is reproducible and still an ordinary age v1 file that any age tool opens
with ``identity.txt``. Real packages never reuse randomness like this.

The envelope, statement and revocation are built by Tessera's own code
(``app.core.submission``): the vectors pin its output.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if __package__ in (None, ""):  # run as a script: make `app` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from app.core.consent.templates import load_terms
from app.core.consent.terms import Compensation, CompensationKind, ConsentTerms, Use, constrained
from app.core.identity.didkey import ed25519_did_from_public_key
from app.core.submission.build import contribution_statement, file_sha256, sign_submission
from app.core.submission.manifest import (
    CARD_FILE,
    HEADER_FILE,
    PAYLOAD_FILE,
    SUBMISSION_FILE,
    make_manifest,
)
from app.core.submission.merkle import commitment, record_digest
from app.core.submission.revocation import REVOCATION_FILE, make_revocation, sign_revocation

HERE = Path(__file__).resolve().parent

CONTRIBUTOR_SEED = bytes(range(32))
NETWORK_SEED = bytes(range(32, 64))
CONTRIBUTOR_AGE_SECRET = hashlib.sha256(b"tessera vectors: contributor age key").digest()
NETWORK_AGE_SECRET = hashlib.sha256(b"tessera vectors: network age key").digest()
FILE_KEY = hashlib.sha256(b"tessera vectors: file key").digest()[:16]
EPHEMERAL_SECRETS = [
    hashlib.sha256(b"tessera vectors: ephemeral %d" % index).digest() for index in range(2)
]
PAYLOAD_NONCE = hashlib.sha256(b"tessera vectors: payload nonce").digest()[:16]
CREATED = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
REVOKED = datetime(2025, 7, 1, 9, 30, 0, tzinfo=UTC)
SUBMISSION_NONCE = "000102030405060708090a0b0c0d0e0f"
REVOCATION_NONCE = "f0e0d0c0b0a090807060504030201000"
CLIENT = "tessera/0.1.0"

# Records chosen to exercise RFC 8785: a float that is not short, -0.0, 1e21,
# the largest safe integer, keys whose UTF-16 order differs from code point
# order (U+FF5E sorts after U+1D11E in UTF-16), escapes, and nesting. Five
# records, so the Merkle tree is not a perfect one.
RECORDS: list[Any] = [
    {"text": "Hello, world", "label": "greeting"},
    {"question": "What is 0.1 + 0.2?", "answer": 0.30000000000000004, "tags": ["math"]},
    {"text": "Caf\u00e9 \u2615 \U0001d11e", "\uff5e": "tilde", "\U0001d11e": "clef", "a": None},
    {"id": 4, "max_safe": 9007199254740991, "minus_zero": -0.0, "big": 1e21, "tab": "a\tb"},
    {"nested": {"z": [1, 2, {"b": True, "a": False}], "quote": '"\\/'}},
]

CARD: dict[str, Any] = {
    "@context": {"@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/"},
    "@type": "sc:Dataset",
    "conformsTo": "http://mlcommons.org/croissant/1.1",
    "name": "tessera-golden-vector",
    "description": "Five records that exercise canonical JSON, for the submission vectors.",
    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
    "url": "https://tessera.dev/vectors/submission",
    "creator": {"@type": "Person", "name": "Tessera test vectors"},
    "datePublished": "2025-06-01",
}


class SeedSigner:
    """An identity built from a fixed seed, for vectors only."""

    def __init__(self, seed: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    @property
    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def did(self) -> str:
        return ed25519_did_from_public_key(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


# -- age v1 with fixed randomness (C2SP age specification) -----------------------------------------

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32(hrp: str, data: bytes) -> str:
    def polymod(values: list[int]) -> int:
        check = 1
        for value in values:
            top = check >> 25
            check = (check & 0x1FFFFFF) << 5 ^ value
            for bit, generator in enumerate(
                (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
            ):
                check ^= generator if (top >> bit) & 1 else 0
        return check

    words: list[int] = []
    accumulator = bits = 0
    for byte in data:
        accumulator = accumulator << 8 | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append(accumulator >> bits & 31)
    if bits:
        words.append(accumulator << (5 - bits) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    check = polymod([*expanded, *words, 0, 0, 0, 0, 0, 0]) ^ 1
    words += [check >> 5 * (5 - index) & 31 for index in range(6)]
    return hrp + "1" + "".join(_BECH32[word] for word in words)


def _x25519_public(secret: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(secret)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def age_recipient(secret: bytes) -> str:
    return _bech32("age", _x25519_public(secret))


def age_identity(secret: bytes) -> str:
    return _bech32("age-secret-key-", secret).upper()


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, info).derive(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def age_encrypt(plaintext: bytes, recipient_secrets: list[bytes]) -> tuple[bytes, bytes]:
    """age v1 to X25519 recipients, one payload chunk (the plaintext is under 64 KiB).

    Returns the header (through the MAC line) and the payload (nonce and chunk).
    """
    assert len(plaintext) < 64 * 1024
    lines = ["age-encryption.org/v1"]
    for recipient_secret, ephemeral_secret in zip(
        recipient_secrets, EPHEMERAL_SECRETS, strict=True
    ):
        recipient = _x25519_public(recipient_secret)
        ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_secret)
        share = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        wrap_key = _hkdf(shared, share + recipient, b"age-encryption.org/v1/X25519")
        body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), FILE_KEY, None)
        lines += [f"-> X25519 {_b64(share)}", _b64(body)]
    header = ("\n".join(lines) + "\n---").encode("ascii")
    mac_key = _hkdf(FILE_KEY, b"", b"header")
    mac = hmac.new(mac_key, header, hashlib.sha256).digest()
    payload_key = _hkdf(FILE_KEY, PAYLOAD_NONCE, b"payload")
    chunk = ChaCha20Poly1305(payload_key).encrypt(bytes(11) + b"\x01", plaintext, None)
    return header + b" " + _b64(mac).encode("ascii") + b"\n", PAYLOAD_NONCE + chunk


# -- the vectors -----------------------------------------------------------------------------------


def terms() -> ConsentTerms:
    base = load_terms("open-research")
    return ConsentTerms(
        uses={
            **base.uses,
            Use.AI_GENERATIVE_TRAINING: constrained("Only models released under an open licence."),
        },
        attribution=base.attribution,
        compensation=Compensation(CompensationKind.NETWORK),
        jurisdictions=("EU", "US-CA"),
        contact="contributor@example.org",
    )


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def generate(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    contributor = SeedSigner(CONTRIBUTOR_SEED)
    network = SeedSigner(NETWORK_SEED)
    records_jsonl = b"".join(
        json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n" for record in RECORDS
    )
    (out / "records.jsonl").write_bytes(records_jsonl)
    (out / CARD_FILE).write_bytes(_json_bytes(CARD))
    header, payload = age_encrypt(records_jsonl, [CONTRIBUTOR_AGE_SECRET, NETWORK_AGE_SECRET])
    (out / HEADER_FILE).write_bytes(header)
    (out / PAYLOAD_FILE).write_bytes(payload)
    (out / "identity.txt").write_text(
        "# The contributor's age identity for the vectors (public test key, never use it).\n"
        f"# public key: {age_recipient(CONTRIBUTOR_AGE_SECRET)}\n"
        f"{age_identity(CONTRIBUTOR_AGE_SECRET)}\n",
        encoding="ascii",
    )
    root, count = commitment(RECORDS)
    header_sha256, header_size = file_sha256(out / HEADER_FILE)
    payload_sha256, payload_size = file_sha256(out / PAYLOAD_FILE)
    card_sha256, _ = file_sha256(out / CARD_FILE)
    manifest = make_manifest(
        commitment=root,
        records=count,
        header_sha256=header_sha256,
        header_size=header_size,
        payload_sha256=payload_sha256,
        payload_size=payload_size,
        recipients=[age_recipient(CONTRIBUTOR_AGE_SECRET), age_recipient(NETWORK_AGE_SECRET)],
        card_sha256=card_sha256,
        terms=terms(),
        contributor=contributor.did,
        network=network.did,
        created=CREATED,
        nonce=SUBMISSION_NONCE,
        client=CLIENT,
    )
    envelope = sign_submission(manifest, contributor)
    (out / SUBMISSION_FILE).write_bytes(envelope.to_bytes())
    (out / "statement.json").write_bytes(contribution_statement(manifest))
    revocation = make_revocation(
        manifest.digest(),
        contributor.did,
        reason="I no longer want my data used for generative models.",
        created=REVOKED,
        nonce=REVOCATION_NONCE,
    )
    (out / REVOCATION_FILE).write_bytes(sign_revocation(revocation, contributor).to_bytes())
    expected = {
        "contributor_seed": CONTRIBUTOR_SEED.hex(),
        "contributor_public_key": contributor.public_key.hex(),
        "contributor_did": contributor.did,
        "network_did": network.did,
        "record_digests": [record_digest(record).hex() for record in RECORDS],
        "commitment": root,
        "records": count,
        "header_sha256": header_sha256,
        "header_size": header_size,
        "payload_sha256": payload_sha256,
        "payload_size": payload_size,
        "package_sha256": hashlib.sha256(header + payload).hexdigest(),
        "package_size": header_size + payload_size,
        "card_sha256": card_sha256,
        "consent_sha256": manifest.consent_sha256,
        "submission_id": manifest.digest(),
        "statement_sha256": hashlib.sha256(envelope.payload).hexdigest(),
        "signature": envelope.signature.hex(),
        "revocation_statement_sha256": hashlib.sha256(revocation.statement()).hexdigest(),
    }
    (out / "expected.json").write_bytes(_json_bytes(expected))


VECTOR_FILES = (
    "records.jsonl",
    CARD_FILE,
    HEADER_FILE,
    PAYLOAD_FILE,
    "identity.txt",
    SUBMISSION_FILE,
    "statement.json",
    REVOCATION_FILE,
    "expected.json",
)


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
