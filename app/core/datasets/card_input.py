"""What the contributor types for the dataset card, and the checks it must pass.

The wizard and the CLI collect these fields from a person, so they are the
part of the card that can be wrong in ways the person can fix: each check
fails with an :class:`InvalidCard` that names the field. Kept apart from the
JSON-LD building (card.py) so the input can be validated, and offered in the
GUI (:data:`COLLECTION_TYPES`), without the Croissant vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.core.errors import InvalidInput

COLLECTION_TYPES = (
    "Surveys",
    "Secondary Data analysis",
    "Physical data collection",
    "Direct measurement",
    "Document analysis",
    "Manual Human Curator",
    "Software Collection",
    "Experiments",
    "Web Scraping",
    "Web API",
    "Focus groups",
    "Self-reporting",
    "Customer feedback data",
    "User-generated content data",
    "Passive Data Collection",
    "Others",
)
"""The values RAI 1.0 recommends for ``rai:dataCollectionType``; the GUI offers these."""

HEX64 = re.compile(r"[0-9a-f]{64}")
"""A SHA-256 digest as the card and the signed manifest write it; the pipeline facts use it too."""
_SPDX = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*")
_URL = re.compile(r"(https?://|urn:)\S+")
"""Web addresses and URNs only: a card is shown to people, and javascript: is a URL too."""
_DID = re.compile(r"did:[a-z0-9]+:\S+")
_MAX_TEXT = 10_000


class InvalidCard(InvalidInput):
    """What the contributor typed for the card cannot go in it as is."""


@dataclass(frozen=True, slots=True)
class ConsentReference:
    """The consent terms the card points to in ``sc:usageInfo``.

    ``summary`` is the plain-language summary the contributor saw and
    signed; ``sha256`` is the terms' digest, which binds the card to the
    exact terms in the signed manifest.
    """

    name: str
    summary: Sequence[str]
    sha256: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class CardInput:
    """What the contributor enters in the wizard's description step."""

    name: str
    description: str
    license: str
    """An SPDX identifier (``CC-BY-4.0``) or a license URL."""
    creator_name: str
    creator_kind: Literal["Person", "Organization"] = "Person"
    contributor_did: str | None = None
    url: str | None = None
    """Where the dataset is described; a local dataset without one gets a urn: of its commitment."""
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    version: str = "1.0.0"
    """Semantic version; a prepared dataset is a fixed snapshot, so 1.0.0 unless the user says."""
    cite_as: str | None = None
    data_collection: str | None = None
    collection_types: tuple[str, ...] = ()
    collection_start: date | None = None
    collection_end: date | None = None
    raw_data: str | None = None
    use_cases: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    biases: tuple[str, ...] = ()
    sensitive_information: tuple[str, ...] = ()
    """The contributor's own statement (categories, consent of the people concerned)."""
    social_impact: str | None = None
    annotation_protocol: tuple[str, ...] = ()
    maintenance_plan: str | None = None
    derived_from: tuple[str, ...] = ()
    """URLs of public sources this dataset was derived from, if any."""
    consent: ConsentReference | None = None


def check_input(info: CardInput) -> None:
    """Refuse, field by field, what the contributor typed that cannot go in the card."""
    for name, value in (
        ("name", info.name),
        ("description", info.description),
        ("creator", info.creator_name),
    ):
        _text(name, value, required=True)
    _text("version", info.version, required=True)
    for name, optional in (
        ("citation", info.cite_as),
        ("data collection", info.data_collection),
        ("raw data", info.raw_data),
        ("social impact", info.social_impact),
        ("maintenance plan", info.maintenance_plan),
    ):
        if optional is not None:
            _text(name, optional, required=False)
    for name, values in (
        ("keywords", info.keywords),
        ("languages", info.languages),
        ("collection types", info.collection_types),
        ("use cases", info.use_cases),
        ("limitations", info.limitations),
        ("biases", info.biases),
        ("sensitive information", info.sensitive_information),
        ("annotation protocol", info.annotation_protocol),
    ):
        for value in values:
            _text(name, value, required=True)
    if info.creator_kind not in ("Person", "Organization"):
        raise InvalidCard("creator: must be a Person or an Organization")
    if not (_SPDX.fullmatch(info.license) or _URL.fullmatch(info.license)):
        raise InvalidCard("license: give an SPDX identifier such as CC-BY-4.0, or a URL")
    for name, url in (("url", info.url), *(("derived from", u) for u in info.derived_from)):
        if url is not None and not _URL.fullmatch(url):
            raise InvalidCard(f"{name}: {url!r} is not a URL")
    if info.contributor_did is not None and not _DID.fullmatch(info.contributor_did):
        raise InvalidCard("contributor: not a DID")
    if (
        info.collection_start
        and info.collection_end
        and info.collection_start > info.collection_end
    ):
        raise InvalidCard("collection timeframe: the start is after the end")
    if info.consent is not None:
        _text("consent name", info.consent.name, required=True)
        for line in info.consent.summary:
            _text("consent summary", line, required=True)
        if not HEX64.fullmatch(info.consent.sha256):
            raise InvalidCard("consent: the digest must be 64 lowercase hex digits")
        if info.consent.url is not None and not _URL.fullmatch(info.consent.url):
            raise InvalidCard(f"consent: {info.consent.url!r} is not a URL")


def license_url(license_: str) -> str:
    """The license as a URL, since the card's ``license`` must be one; SPDX ids map to spdx.org."""
    if _URL.fullmatch(license_):
        return license_
    return f"https://spdx.org/licenses/{license_}.html"


def _text(name: str, value: str, *, required: bool) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidCard(f"{name}: must not be empty")
    if len(value) > _MAX_TEXT:
        raise InvalidCard(f"{name}: longer than {_MAX_TEXT} characters")
