"""Hypothesis strategies for consent terms, shared by the consent and submission tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from app.core.consent.terms import (
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    Permission,
    RevocationTerms,
    Use,
    UseTerm,
    Validity,
)

# Words people type: letters from several scripts, digits, punctuation, tabs
# and newlines; never blank, never a control character.
_alphabet = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters="\t\n",
)
text = st.text(_alphabet, min_size=1, max_size=40).filter(lambda value: bool(value.strip()))

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))

jurisdiction = st.from_regex(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", fullmatch=True)


@st.composite
def use_terms(draw: st.DrawFn) -> UseTerm:
    permission = draw(st.sampled_from(Permission))
    if permission is Permission.CONSTRAINED:
        return UseTerm(permission, draw(text))
    return UseTerm(permission)


@st.composite
def compensations(draw: st.DrawFn) -> Compensation:
    kind = draw(st.sampled_from(CompensationKind))
    details = None if kind is CompensationKind.NONE else draw(st.none() | text)
    if kind is CompensationKind.FIXED:
        amount = draw(st.from_regex(r"[1-9][0-9]{0,6}(\.[0-9]{1,2})?", fullmatch=True))
        currency = draw(st.from_regex(r"[A-Z]{3}", fullmatch=True))
        return Compensation(kind, amount, currency, details)
    return Compensation(kind, details=details)


@st.composite
def validities(draw: st.DrawFn) -> Validity:
    start = draw(st.none() | moments)
    until = draw(st.none() | moments)
    if start is not None and until is not None and start >= until:
        until = start + timedelta(days=draw(st.integers(1, 4000)))
    return Validity(start, until)


@st.composite
def consent_terms(draw: st.DrawFn) -> ConsentTerms:
    uses = {use: draw(use_terms()) for use in Use}
    permitted = any(term.permitted for term in uses.values())
    if permitted:
        required = draw(st.booleans())
        attribution = Attribution(required, draw(st.none() | text) if required else None)
        compensation = draw(compensations())
    else:
        attribution, compensation = Attribution(), Compensation()
    revocable = draw(st.booleans())
    return ConsentTerms(
        uses=uses,
        attribution=attribution,
        compensation=compensation,
        validity=draw(validities()),
        jurisdictions=tuple(draw(st.lists(jurisdiction, max_size=4, unique=True))),
        revocation=RevocationTerms(revocable, draw(st.none() | text) if revocable else None),
        contact=draw(st.none() | text),
    )
