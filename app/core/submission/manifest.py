"""The contribution manifest: what a contributor signs about one submission.

It binds the dataset (Merkle commitment and record count), the exact bytes
sent (the digests and sizes of the encrypted package's two files, its age
header and its payload, and the card's digest), who may
decrypt it (age recipients), under which terms (the consent terms and their
digest), by whom (contributor did:key, optional organization credential),
for whom (target network) and when (created time, nonce, client version).
The SHA-256 of its RFC 8785 form is the submission id that revocations and
retries name. Normative text: ``resources/protocol/submission.md``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from app import __version__
from app.core.consent.jsonform import HEX_SHA256, Fields, format_utc, sha256_canonical_hex
from app.core.consent.terms import ConsentTerms, InvalidTerms
from app.core.errors import InvalidInput
from app.core.identity.didkey import InvalidDidKey, KeyType, parse_did_key

MANIFEST_VERSION = 1
CONTRIBUTION_PREDICATE = "https://tessera.dev/contribution/v1"
PACKAGE_FILE = "package.age"
"""The age file a verifier reconstructs: ``HEADER_FILE`` followed by ``PAYLOAD_FILE``."""
HEADER_FILE = "package.age-header"
PAYLOAD_FILE = "package.age-payload"
CARD_FILE = "card.json"
CONTRIBUTION_SUBJECTS = (HEADER_FILE, PAYLOAD_FILE, CARD_FILE)
"""The statement's subject names, in their order."""
SUBMISSION_FILE = "submission.dsse.json"
CLIENT = f"tessera/{__version__}"

NONCE = re.compile(r"[0-9a-f]{32}")
AGE_RECIPIENT = re.compile(r"age1[0-9a-z]{20,2000}")
DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,500}")
CLIENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}/[A-Za-z0-9.+_-]{1,64}")
MAX_RECIPIENTS = 32


class InvalidManifest(InvalidInput):
    """A contribution manifest is malformed."""


@dataclass(frozen=True)
class Manifest:
    commitment: str
    """Hex Merkle root over the records (RFC 6962 over SHA-256 of RFC 8785 records)."""
    records: int
    header_sha256: str
    header_size: int
    """The age header: the version line through the header MAC line."""
    payload_sha256: str
    payload_size: int
    """The age payload: the STREAM nonce and the encrypted chunks."""
    recipients: tuple[str, ...]
    card_sha256: str
    terms: ConsentTerms
    contributor: str
    created: datetime
    nonce: str
    client: str = CLIENT
    network: str | None = None
    organization_credential: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        def bad(problem: str) -> InvalidManifest:
            return InvalidManifest(f"manifest: {problem}")

        for name in ("commitment", "header_sha256", "payload_sha256", "card_sha256"):
            if not HEX_SHA256.fullmatch(getattr(self, name)):
                raise bad(f"{name} must be 64 lowercase hex digits")
        for name in ("records", "header_size", "payload_size", "package_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
                raise bad(f"{name} must be a whole number from 0 to 2^53 - 1")
        if not self.recipients or len(self.recipients) > MAX_RECIPIENTS:
            raise bad(f"between 1 and {MAX_RECIPIENTS} recipients are needed")
        if len(set(self.recipients)) != len(self.recipients):
            raise bad("a recipient is listed twice")
        for recipient in self.recipients:
            if not AGE_RECIPIENT.fullmatch(recipient):
                raise bad(f"{recipient[:20]!r}... is not an age recipient (age1...)")
        try:
            if parse_did_key(self.contributor).key_type is not KeyType.ED25519:
                raise bad("the contributor must be an Ed25519 did:key (did:key:z6Mk...)")
        except InvalidDidKey as exc:
            raise bad(f"contributor: {exc.message}") from None
        if self.created.tzinfo is None:
            raise bad("the created time needs a time zone")
        object.__setattr__(self, "created", self.created.astimezone(UTC).replace(microsecond=0))
        if not NONCE.fullmatch(self.nonce):
            raise bad("the nonce must be 32 lowercase hex digits (16 random bytes)")
        if not CLIENT_NAME.fullmatch(self.client):
            raise bad("the client must look like name/version")
        if self.network is not None and not DID.fullmatch(self.network):
            raise bad("the network must be a DID")
        if self.organization_credential is not None:
            object.__setattr__(
                self,
                "organization_credential",
                MappingProxyType(dict(self.organization_credential)),
            )

    @property
    def package_size(self) -> int:
        """The ciphertext size: the reconstructed age file, header and payload."""
        return self.header_size + self.payload_size

    @property
    def consent_sha256(self) -> str:
        return self.terms.digest()

    def to_json(self) -> dict[str, Any]:
        credential = self.organization_credential
        return {
            "manifest_version": MANIFEST_VERSION,
            "dataset": {"commitment": self.commitment, "records": self.records},
            "package": {
                "header": {"sha256": self.header_sha256, "size": self.header_size},
                "payload": {"sha256": self.payload_sha256, "size": self.payload_size},
                "size": self.package_size,
                "recipients": list(self.recipients),
            },
            "card": {"sha256": self.card_sha256},
            "consent": {"terms": self.terms.to_json(), "sha256": self.consent_sha256},
            "contributor": self.contributor,
            "organization_credential": None if credential is None else dict(credential),
            "network": self.network,
            "created": format_utc(self.created),
            "nonce": self.nonce,
            "client": self.client,
        }

    def digest(self) -> str:
        """The submission id: hex SHA-256 of the manifest's RFC 8785 form."""
        return sha256_canonical_hex(self.to_json())

    @classmethod
    def from_json(
        cls, value: object, *, where: str = "manifest", check_consent: bool = True
    ) -> Manifest:
        """Strict read; refuses a consent digest that does not match the terms.

        The verifier passes ``check_consent=False`` to report that mismatch as
        a check of its own.
        """
        top = Fields(
            value,
            where,
            InvalidManifest,
            required=(
                "manifest_version",
                "dataset",
                "package",
                "card",
                "consent",
                "contributor",
                "organization_credential",
                "network",
                "created",
                "nonce",
                "client",
            ),
        )
        top.version("manifest_version", MANIFEST_VERSION)
        dataset = top.member("dataset", required=("commitment", "records"))
        package = top.member("package", required=("header", "payload", "size", "recipients"))
        header = package.member("header", required=("sha256", "size"))
        payload = package.member("payload", required=("sha256", "size"))
        card = top.member("card", required=("sha256",))
        consent = top.member("consent", required=("terms", "sha256"))
        recipients = package.array("recipients", max_items=MAX_RECIPIENTS)
        for index, recipient in enumerate(recipients):
            if not isinstance(recipient, str):
                raise InvalidManifest(f"{package.path('recipients')}[{index}]: expected a string")
        credential = top.raw("organization_credential")
        if credential is not None and not isinstance(credential, dict):
            raise top.fail("organization_credential", "expected an object or null")
        terms_digest = consent.text("sha256", max_length=64, pattern=HEX_SHA256)
        try:
            terms = ConsentTerms.from_json(consent.raw("terms"), where=consent.path("terms"))
        except InvalidTerms as exc:
            raise InvalidManifest(exc.message) from None
        if terms.to_json() != consent.raw("terms"):
            raise consent.fail("terms", "not in normal form (jurisdictions sorted, no duplicates)")
        for index, recipient in enumerate(recipients):
            if not AGE_RECIPIENT.fullmatch(str(recipient)):
                raise InvalidManifest(
                    f"{package.path('recipients')}[{index}]: not an age recipient (age1...)"
                )
        try:
            manifest = cls(
                commitment=dataset.text("commitment", max_length=64, pattern=HEX_SHA256),
                records=dataset.integer("records"),
                header_sha256=header.text("sha256", max_length=64, pattern=HEX_SHA256),
                header_size=header.integer("size"),
                payload_sha256=payload.text("sha256", max_length=64, pattern=HEX_SHA256),
                payload_size=payload.integer("size"),
                recipients=tuple(str(recipient) for recipient in recipients),
                card_sha256=card.text("sha256", max_length=64, pattern=HEX_SHA256),
                terms=terms,
                contributor=top.text("contributor", max_length=128),
                created=top.time("created"),
                nonce=top.text("nonce", max_length=32, pattern=NONCE),
                client=top.text("client", max_length=129, pattern=CLIENT_NAME),
                network=top.optional_text("network", max_length=512, pattern=DID),
                organization_credential=credential,
            )
        except InvalidManifest as exc:
            if exc.message.startswith(where):
                raise
            raise InvalidManifest(f"{where}: {exc.message.removeprefix('manifest: ')}") from None
        if package.integer("size") != manifest.package_size:
            raise package.fail(
                "size",
                f"expected {manifest.package_size} (header size + payload size), "
                f"got {package.integer('size')}",
            )
        if check_consent and terms_digest != manifest.consent_sha256:
            raise consent.fail(
                "sha256",
                f"consent digest mismatch: expected {manifest.consent_sha256} "
                f"(SHA-256 of the terms), got {terms_digest}",
            )
        return manifest


def new_nonce() -> str:
    return secrets.token_hex(16)


def make_manifest(
    *,
    commitment: str,
    records: int,
    header_sha256: str,
    header_size: int,
    payload_sha256: str,
    payload_size: int,
    recipients: Sequence[str],
    card_sha256: str,
    terms: ConsentTerms,
    contributor: str,
    network: str | None = None,
    organization_credential: Mapping[str, Any] | None = None,
    created: datetime | None = None,
    nonce: str | None = None,
    client: str = CLIENT,
) -> Manifest:
    """A manifest with a fresh nonce and the current time unless given (tests, vectors)."""
    return Manifest(
        commitment=commitment,
        records=records,
        header_sha256=header_sha256,
        header_size=header_size,
        payload_sha256=payload_sha256,
        payload_size=payload_size,
        recipients=tuple(recipients),
        card_sha256=card_sha256,
        terms=terms,
        contributor=contributor,
        created=created or datetime.now(UTC),
        nonce=nonce or new_nonce(),
        client=client,
        network=network,
        organization_credential=organization_credential,
    )
