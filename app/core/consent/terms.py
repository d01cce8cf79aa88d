"""Consent terms: what a contributor allows to be done with their data.

The terms are signed into every submission, so they are a small, closed,
versioned document with exactly one JSON form (see
``resources/protocol/schemas/consent-terms.schema.json``); their digest is
SHA-256 over the RFC 8785 canonical JSON. The four AI uses follow the CAWG
training-and-data-mining vocabulary; evaluation and commercial use are
Tessera's additions because contributors asked about them most.

Attribution and compensation are conditions on permitted uses. With nothing
permitted they would bind nobody, so such terms must not claim them: that
keeps every form (ODRL duties hang on permissions) able to carry the terms
whole.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from app.core.consent.jsonform import Fields, check_text, format_utc, sha256_canonical_hex
from app.core.errors import InvalidInput

SCHEMA_VERSION = 1
MAX_TEXT = 2000
MAX_CONTACT = 320

JURISDICTION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
CURRENCY = re.compile(r"[A-Z]{3}")
AMOUNT = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,8})?")


_T = TypeVar("_T")


class InvalidTerms(InvalidInput):
    """Consent terms are malformed or contradict themselves."""


class Use(StrEnum):
    """The uses a contributor decides on, one by one."""

    DATA_MINING = "data_mining"
    AI_INFERENCE = "ai_inference"
    AI_TRAINING = "ai_training"
    AI_GENERATIVE_TRAINING = "ai_generative_training"
    EVALUATION = "evaluation"
    COMMERCIAL = "commercial"


CAWG_USES: tuple[Use, ...] = (
    Use.DATA_MINING,
    Use.AI_INFERENCE,
    Use.AI_TRAINING,
    Use.AI_GENERATIVE_TRAINING,
)


class Permission(StrEnum):
    """The CAWG answers; ``constrained`` always carries its condition in words."""

    ALLOWED = "allowed"
    NOT_ALLOWED = "notAllowed"
    CONSTRAINED = "constrained"


class CompensationKind(StrEnum):
    NONE = "none"
    NETWORK = "network"
    """Paid as the receiving network's published terms say."""
    FIXED = "fixed"
    """A stated amount in a stated currency."""
    NEGOTIATED = "negotiated"
    """To be agreed with the contributor before use."""


@dataclass(frozen=True, slots=True)
class UseTerm:
    permission: Permission
    constraint: str | None = None

    def __post_init__(self) -> None:
        if self.permission is Permission.CONSTRAINED:
            if self.constraint is None:
                raise InvalidTerms("a constrained use needs its constraint in words")
            check_text(self.constraint, "constraint", InvalidTerms, max_length=MAX_TEXT)
        elif self.constraint is not None:
            raise InvalidTerms(f"only a constrained use has a constraint, not {self.permission}")

    @property
    def permitted(self) -> bool:
        return self.permission is not Permission.NOT_ALLOWED


ALLOWED = UseTerm(Permission.ALLOWED)
NOT_ALLOWED = UseTerm(Permission.NOT_ALLOWED)


def constrained(condition: str) -> UseTerm:
    return UseTerm(Permission.CONSTRAINED, condition)


@dataclass(frozen=True, slots=True)
class Attribution:
    required: bool = False
    credit: str | None = None
    """How to credit the contributor, when they want specific words."""

    def __post_init__(self) -> None:
        if self.credit is not None:
            if not self.required:
                raise InvalidTerms(
                    "attribution.credit: only meaningful when attribution is required"
                )
            check_text(self.credit, "attribution.credit", InvalidTerms, max_length=MAX_TEXT)


@dataclass(frozen=True, slots=True)
class Compensation:
    kind: CompensationKind = CompensationKind.NONE
    amount: str | None = None
    """A decimal string (never a float): "12.50"."""
    currency: str | None = None
    """ISO 4217 code: "EUR"."""
    details: str | None = None

    def __post_init__(self) -> None:
        fixed = self.kind is CompensationKind.FIXED
        if fixed != (self.amount is not None) or fixed != (self.currency is not None):
            raise InvalidTerms(
                "compensation: amount and currency are given exactly when the kind is 'fixed'"
            )
        if self.amount is not None and (
            not AMOUNT.fullmatch(self.amount) or not any(c in "123456789" for c in self.amount)
        ):
            raise InvalidTerms("compensation.amount: expected a positive decimal like 12.50")
        if self.currency is not None and not CURRENCY.fullmatch(self.currency):
            raise InvalidTerms("compensation.currency: expected an ISO 4217 code like EUR")
        if self.details is not None:
            if self.kind is CompensationKind.NONE:
                raise InvalidTerms("compensation.details: not meaningful without compensation")
            check_text(self.details, "compensation.details", InvalidTerms, max_length=MAX_TEXT)


@dataclass(frozen=True, slots=True)
class Validity:
    """When the terms apply; ``None`` means from signing, or with no end."""

    start: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "until"):
            moment = getattr(self, name)
            if moment is None:
                continue
            if moment.tzinfo is None:
                raise InvalidTerms(f"validity.{name}: a time needs a time zone")
            object.__setattr__(self, name, moment.astimezone(UTC).replace(microsecond=0))
        if self.start is not None and self.until is not None and self.start >= self.until:
            raise InvalidTerms("validity: the end must come after the start")


@dataclass(frozen=True, slots=True)
class RevocationTerms:
    revocable: bool = True
    method: str | None = None
    """How to revoke, in words, when there is more to say than "send a revocation"."""

    def __post_init__(self) -> None:
        if self.method is not None:
            if not self.revocable:
                raise InvalidTerms("revocation.method: irrevocable consent has no method")
            check_text(self.method, "revocation.method", InvalidTerms, max_length=MAX_TEXT)


@dataclass(frozen=True)
class ConsentTerms:
    """One contributor's terms for one submission; immutable, compared by value."""

    uses: Mapping[Use, UseTerm]
    attribution: Attribution = field(default_factory=Attribution)
    compensation: Compensation = field(default_factory=Compensation)
    validity: Validity = field(default_factory=Validity)
    jurisdictions: tuple[str, ...] = ()
    """ISO 3166-1 alpha-2 or 3166-2 codes, or EU; empty means everywhere."""
    revocation: RevocationTerms = field(default_factory=RevocationTerms)
    contact: str | None = None

    def __post_init__(self) -> None:
        missing = [use.value for use in Use if use not in self.uses]
        extra = [str(key) for key in self.uses if not isinstance(key, Use)]
        if missing or extra:
            raise InvalidTerms(f"uses: every use must be decided once (missing {missing or extra})")
        object.__setattr__(self, "uses", MappingProxyType({use: self.uses[use] for use in Use}))
        codes = tuple(sorted(set(self.jurisdictions)))
        for code in codes:
            if not isinstance(code, str) or not JURISDICTION.fullmatch(code):
                raise InvalidTerms(
                    f"jurisdictions: {code!r} is not an ISO 3166 code such as FR, US-CA or EU"
                )
        object.__setattr__(self, "jurisdictions", codes)
        if self.contact is not None:
            check_text(self.contact, "contact", InvalidTerms, max_length=MAX_CONTACT)
        if not self.permitted_uses() and (
            self.attribution.required or self.compensation.kind is not CompensationKind.NONE
        ):
            raise InvalidTerms(
                "attribution and compensation apply to permitted uses: with no use allowed or "
                "constrained, attribution must not be required and compensation must be 'none'"
            )

    def permitted_uses(self) -> tuple[Use, ...]:
        return tuple(use for use, term in self.uses.items() if term.permitted)

    def with_use(self, use: Use, term: UseTerm) -> ConsentTerms:
        """A copy with one use decided differently (the GUI's per-use switch)."""
        return dataclasses.replace(self, uses={**self.uses, use: term})

    def to_json(self) -> dict[str, Any]:
        """The one JSON form; its canonical bytes are what gets signed and hashed."""
        return {
            "schema_version": SCHEMA_VERSION,
            "uses": {
                use.value: {"use": term.permission.value, "constraint": term.constraint}
                for use, term in self.uses.items()
            },
            "attribution": {
                "required": self.attribution.required,
                "credit": self.attribution.credit,
            },
            "compensation": {
                "kind": self.compensation.kind.value,
                "amount": self.compensation.amount,
                "currency": self.compensation.currency,
                "details": self.compensation.details,
            },
            "validity": {
                "from": _time_or_none(self.validity.start),
                "until": _time_or_none(self.validity.until),
            },
            "jurisdictions": list(self.jurisdictions),
            "revocation": {
                "revocable": self.revocation.revocable,
                "method": self.revocation.method,
            },
            "contact": self.contact,
        }

    def digest(self) -> str:
        """Lowercase hex SHA-256 over the RFC 8785 form of :meth:`to_json`."""
        return sha256_canonical_hex(self.to_json())

    @classmethod
    def from_json(cls, value: object, *, where: str = "consent terms") -> ConsentTerms:
        top = Fields(
            value,
            where,
            InvalidTerms,
            required=(
                "schema_version",
                "uses",
                "attribution",
                "compensation",
                "validity",
                "jurisdictions",
                "revocation",
                "contact",
            ),
        )
        top.version("schema_version", SCHEMA_VERSION)
        return _built(
            where,
            cls,
            _read_uses(top),
            _read_attribution(top),
            _read_compensation(top),
            _read_validity(top),
            _read_jurisdictions(top),
            _read_revocation(top),
            top.optional_text("contact", max_length=MAX_CONTACT),
        )


def _built(where: str, factory: Callable[..., _T], *args: Any) -> _T:
    """Construct a part, prefixing its own complaint with where it was read."""
    try:
        return factory(*args)
    except InvalidTerms as exc:
        raise InvalidTerms(f"{where}: {exc.message}") from None


def _time_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else format_utc(moment)


def _read_uses(top: Fields) -> dict[Use, UseTerm]:
    uses = Fields(top.raw("uses"), top.path("uses"), InvalidTerms, required=[u.value for u in Use])
    result: dict[Use, UseTerm] = {}
    for use in Use:
        entry = Fields(
            uses.raw(use.value), uses.path(use.value), InvalidTerms, required=("use", "constraint")
        )
        word = entry.text("use", max_length=20)
        try:
            permission = Permission(word)
        except ValueError:
            raise entry.fail("use", "expected allowed, notAllowed or constrained") from None
        constraint = entry.optional_text("constraint", max_length=MAX_TEXT)
        result[use] = _built(entry.where, UseTerm, permission, constraint)
    return result


def _read_attribution(top: Fields) -> Attribution:
    part = Fields(
        top.raw("attribution"),
        top.path("attribution"),
        InvalidTerms,
        required=("required", "credit"),
    )
    return _built(
        top.where,
        Attribution,
        part.boolean("required"),
        part.optional_text("credit", max_length=MAX_TEXT),
    )


def _read_compensation(top: Fields) -> Compensation:
    part = Fields(
        top.raw("compensation"),
        top.path("compensation"),
        InvalidTerms,
        required=("kind", "amount", "currency", "details"),
    )
    word = part.text("kind", max_length=20)
    try:
        kind = CompensationKind(word)
    except ValueError:
        raise part.fail("kind", "expected none, network, fixed or negotiated") from None
    return _built(
        top.where,
        Compensation,
        kind,
        part.optional_text("amount", max_length=30),
        part.optional_text("currency", max_length=3),
        part.optional_text("details", max_length=MAX_TEXT),
    )


def _read_validity(top: Fields) -> Validity:
    part = Fields(
        top.raw("validity"), top.path("validity"), InvalidTerms, required=("from", "until")
    )
    return _built(top.where, Validity, part.optional_time("from"), part.optional_time("until"))


def _read_jurisdictions(top: Fields) -> tuple[str, ...]:
    codes = top.array("jurisdictions", max_items=300)
    for index, code in enumerate(codes):
        if not isinstance(code, str) or not JURISDICTION.fullmatch(code):
            raise InvalidTerms(
                f"{top.path('jurisdictions')}[{index}]: expected an ISO 3166 code such as FR, "
                "US-CA or EU"
            )
    if len(set(codes)) != len(codes):
        raise top.fail("jurisdictions", "lists a code twice")
    return tuple(str(code) for code in codes)


def _read_revocation(top: Fields) -> RevocationTerms:
    part = Fields(
        top.raw("revocation"),
        top.path("revocation"),
        InvalidTerms,
        required=("revocable", "method"),
    )
    return _built(
        top.where, RevocationTerms, part.boolean("revocable"), part.optional_text("method")
    )
