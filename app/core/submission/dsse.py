"""DSSE envelopes signed with Ed25519 did:key identities.

The signature covers ``PAE(payloadType, payload)``, never a re-serialisation,
so a verifier checks the exact bytes it will then parse. ``keyid`` is the
signer's did:key but only a hint: who signed is decided by which key makes
the signature verify, and the caller then compares that key with the signer
the payload claims.

Tessera envelopes carry exactly one signature, in standard padded base64.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.consent.jsonform import Fields, canonical_json, loads_strict
from app.core.errors import InvalidInput
from app.core.identity.didkey import InvalidDidKey, verify_ed25519

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_ENVELOPE_BYTES = 4 << 20
SIGNATURE_BYTES = 64


class InvalidEnvelope(InvalidInput):
    """A DSSE envelope is malformed."""


class Signer(Protocol):
    """What signs: an identity's did:key and its Ed25519 signing operation."""

    @property
    def did(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: lengths are byte counts in ASCII decimal."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True, slots=True)
class Envelope:
    payload: bytes
    payload_type: str
    keyid: str
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "payloadType": self.payload_type,
            "signatures": [
                {"keyid": self.keyid, "sig": base64.b64encode(self.signature).decode("ascii")}
            ],
        }

    def to_bytes(self) -> bytes:
        """The file form: RFC 8785 JSON and a newline, so equal envelopes are equal files."""
        return canonical_json(self.to_json()) + b"\n"

    def signed_by(self, did: str) -> bool:
        """Whether ``did`` made this signature over this payload."""
        try:
            return verify_ed25519(did, pae(self.payload_type, self.payload), self.signature)
        except InvalidDidKey:
            return False

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        if len(data) > MAX_ENVELOPE_BYTES:
            raise InvalidEnvelope(f"envelope: larger than {MAX_ENVELOPE_BYTES} bytes")
        top = Fields(
            loads_strict(data, what="envelope", error=InvalidEnvelope),
            "envelope",
            InvalidEnvelope,
            required=("payload", "payloadType", "signatures"),
        )
        payload_type = top.text("payloadType", max_length=200)
        payload = _base64(top.text("payload", max_length=MAX_ENVELOPE_BYTES), top.path("payload"))
        signatures = top.array("signatures", max_items=16)
        if len(signatures) != 1:
            raise top.fail("signatures", f"expected exactly one signature, found {len(signatures)}")
        entry = Fields(
            signatures[0],
            top.path("signatures") + "[0]",
            InvalidEnvelope,
            required=("keyid", "sig"),
        )
        keyid = entry.raw("keyid")
        if not isinstance(keyid, str):
            raise entry.fail("keyid", "expected a string")
        signature = _base64(entry.text("sig", max_length=200), entry.path("sig"))
        if len(signature) != SIGNATURE_BYTES:
            raise entry.fail("sig", f"an Ed25519 signature is 64 bytes, got {len(signature)}")
        return cls(payload, payload_type, keyid, signature)


def sign_envelope(payload: bytes, payload_type: str, signer: Signer) -> Envelope:
    """Sign ``payload`` and check the signature before anyone relies on it."""
    envelope = Envelope(payload, payload_type, signer.did, signer.sign(pae(payload_type, payload)))
    if not envelope.signed_by(signer.did):
        raise ValueError("the signer's signature does not verify under its own did:key")
    return envelope


def _base64(text: str, where: str) -> bytes:
    """Standard padded base64 in its one canonical spelling."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidEnvelope(f"{where}: not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise InvalidEnvelope(f"{where}: base64 is not in canonical padded form")
    return raw
