"""A contributor's signed revocation of the consent given in one submission.

It names the submission by its id (the manifest digest), says from when the
consent no longer holds and, if the contributor wishes, why. It travels in
the same envelope form as the submission, with its own predicate type, and
must be signed by the submission's contributor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.consent.jsonform import HEX_SHA256, Fields, check_text, format_utc
from app.core.errors import InvalidInput
from app.core.identity.didkey import InvalidDidKey, KeyType, parse_did_key
from app.core.submission.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, Signer, sign_envelope
from app.core.submission.manifest import NONCE, new_nonce
from app.core.submission.statement import Subject, statement_bytes

REVOCATION_VERSION = 1
REVOCATION_PREDICATE = "https://tessera.dev/revocation/v1"
REVOCATION_FILE = "revocation.dsse.json"
REVOCATION_SUBJECT = "submission"
MAX_REASON = 2000


class InvalidRevocation(InvalidInput):
    """A revocation is malformed."""


@dataclass(frozen=True, slots=True)
class Revocation:
    submission: str
    """The submission id: hex SHA-256 of the manifest's RFC 8785 form."""
    contributor: str
    effective: datetime
    created: datetime
    nonce: str
    reason: str | None = None

    def __post_init__(self) -> None:
        if not HEX_SHA256.fullmatch(self.submission):
            raise InvalidRevocation("revocation: the submission id must be 64 lowercase hex digits")
        try:
            if parse_did_key(self.contributor).key_type is not KeyType.ED25519:
                raise InvalidRevocation("revocation: the contributor must be an Ed25519 did:key")
        except InvalidDidKey as exc:
            raise InvalidRevocation(f"revocation: contributor: {exc.message}") from None
        for name in ("effective", "created"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None:
                raise InvalidRevocation(f"revocation: the {name} time needs a time zone")
            object.__setattr__(self, name, moment.astimezone(UTC).replace(microsecond=0))
        if self.effective < self.created:
            raise InvalidRevocation("revocation: it cannot take effect before it was made")
        if not NONCE.fullmatch(self.nonce):
            raise InvalidRevocation("revocation: the nonce must be 32 lowercase hex digits")
        if self.reason is not None:
            check_text(self.reason, "revocation: reason", InvalidRevocation, max_length=MAX_REASON)

    def to_json(self) -> dict[str, Any]:
        return {
            "revocation_version": REVOCATION_VERSION,
            "submission": self.submission,
            "contributor": self.contributor,
            "reason": self.reason,
            "effective": format_utc(self.effective),
            "created": format_utc(self.created),
            "nonce": self.nonce,
        }

    def statement(self) -> bytes:
        return statement_bytes(
            [Subject(REVOCATION_SUBJECT, self.submission)], REVOCATION_PREDICATE, self.to_json()
        )

    @classmethod
    def from_json(cls, value: object, *, where: str = "revocation") -> Revocation:
        top = Fields(
            value,
            where,
            InvalidRevocation,
            required=(
                "revocation_version",
                "submission",
                "contributor",
                "reason",
                "effective",
                "created",
                "nonce",
            ),
        )
        top.version("revocation_version", REVOCATION_VERSION)
        return cls(
            submission=top.text("submission", max_length=64, pattern=HEX_SHA256),
            contributor=top.text("contributor", max_length=128),
            effective=top.time("effective"),
            created=top.time("created"),
            nonce=top.text("nonce", max_length=32),
            reason=top.optional_text("reason", max_length=MAX_REASON),
        )


def make_revocation(
    submission: str,
    contributor: str,
    *,
    reason: str | None = None,
    effective: datetime | None = None,
    created: datetime | None = None,
    nonce: str | None = None,
) -> Revocation:
    """A revocation made now and effective now unless told otherwise."""
    made = created or datetime.now(UTC)
    return Revocation(
        submission=submission,
        contributor=contributor,
        effective=effective or made,
        created=made,
        nonce=nonce or new_nonce(),
        reason=reason,
    )


def sign_revocation(revocation: Revocation, signer: Signer) -> Envelope:
    if signer.did != revocation.contributor:
        raise ValueError("a revocation is signed by the contributor it names")
    return sign_envelope(revocation.statement(), IN_TOTO_PAYLOAD_TYPE, signer)
