"""The terms in plain words: exactly what the GUI shows before signing.

Every sentence comes from one table of marked source strings with named
placeholders, so translators see whole sentences and may reorder the
placeholders. The summary is derived from the terms alone, never stored: what
a person reads is always what the signature covers.
"""

from __future__ import annotations

from typing import Protocol

from app.core.consent.i18n import N_, Translate, untranslated
from app.core.consent.jsonform import format_utc
from app.core.consent.terms import CompensationKind, ConsentTerms, Permission, Use


class _Say(Protocol):
    def __call__(self, key: str, /, **values: str) -> str: ...


USE_LABELS: dict[Use, str] = {
    Use.DATA_MINING: N_("data mining (finding patterns, trends and correlations)"),
    Use.AI_INFERENCE: N_(
        "AI inference, including retrieval (giving it to a trained model as input)"
    ),
    Use.AI_TRAINING: N_("training AI models that do not generate content, such as classifiers"),
    Use.AI_GENERATIVE_TRAINING: N_("training generative AI models"),
    Use.EVALUATION: N_("evaluating and benchmarking AI systems"),
    Use.COMMERCIAL: N_("commercial purposes"),
}

MESSAGES: dict[str, str] = {
    "use.allowed": N_("Your data may be used for {use}."),
    "use.not_allowed": N_("Your data may not be used for {use}."),
    "use.constrained": N_("Your data may be used for {use} only under this condition: {condition}"),
    "attribution.required": N_("Anyone who uses your data must credit you."),
    "attribution.credit": N_("Anyone who uses your data must credit you as: {credit}"),
    "attribution.none": N_("Credit is not required."),
    "compensation.none": N_("You ask for no payment."),
    "compensation.network": N_("You are paid according to the network's published terms."),
    "compensation.fixed": N_("You ask to be paid {amount} {currency}."),
    "compensation.negotiated": N_("Payment must be agreed with you before any use."),
    "compensation.details": N_("About payment: {details}"),
    "validity.open": N_("These terms apply from the moment you sign, with no end date."),
    "validity.from": N_("These terms apply from {start}."),
    "validity.until": N_("These terms end at {until}; after that nothing is allowed."),
    "jurisdictions.any": N_("They apply in every country."),
    "jurisdictions.some": N_("They apply only in: {jurisdictions}."),
    "revocation.revocable": N_(
        "You can revoke this consent at any time by sending a signed revocation."
    ),
    "revocation.method": N_("You can revoke this consent: {method}"),
    "revocation.irrevocable": N_("You cannot revoke this consent once it is signed."),
    "contact": N_("Questions about these terms go to: {contact}"),
    "nothing_permitted": N_("No use of your data is allowed."),
}


def summarize(terms: ConsentTerms, *, translate: Translate = untranslated) -> list[str]:
    """One sentence per decision, in a fixed order."""

    def say(key: str, /, **values: str) -> str:
        return translate(MESSAGES[key]).format(**values)

    sentences: list[str] = []
    for use, term in terms.uses.items():
        label = translate(USE_LABELS[use])
        if term.permission is Permission.ALLOWED:
            sentences.append(say("use.allowed", use=label))
        elif term.permission is Permission.NOT_ALLOWED:
            sentences.append(say("use.not_allowed", use=label))
        else:
            sentences.append(say("use.constrained", use=label, condition=term.constraint or ""))
    if not terms.permitted_uses():
        sentences.append(say("nothing_permitted"))
    else:
        sentences.extend(_conditions(terms, say))
    sentences.extend(_scope(terms, say))
    return sentences


def _conditions(terms: ConsentTerms, say: _Say) -> list[str]:
    sentences: list[str] = []
    attribution = terms.attribution
    if attribution.credit is not None:
        sentences.append(say("attribution.credit", credit=attribution.credit))
    elif attribution.required:
        sentences.append(say("attribution.required"))
    else:
        sentences.append(say("attribution.none"))
    compensation = terms.compensation
    if compensation.kind is CompensationKind.FIXED:
        sentences.append(
            say(
                "compensation.fixed",
                amount=compensation.amount or "",
                currency=compensation.currency or "",
            )
        )
    else:
        sentences.append(say(f"compensation.{compensation.kind.value}"))
    if compensation.details is not None:
        sentences.append(say("compensation.details", details=compensation.details))
    return sentences


def _scope(terms: ConsentTerms, say: _Say) -> list[str]:
    sentences: list[str] = []
    validity = terms.validity
    if validity.start is None and validity.until is None:
        sentences.append(say("validity.open"))
    if validity.start is not None:
        sentences.append(say("validity.from", start=format_utc(validity.start)))
    if validity.until is not None:
        sentences.append(say("validity.until", until=format_utc(validity.until)))
    if terms.jurisdictions:
        sentences.append(say("jurisdictions.some", jurisdictions=", ".join(terms.jurisdictions)))
    else:
        sentences.append(say("jurisdictions.any"))
    revocation = terms.revocation
    if not revocation.revocable:
        sentences.append(say("revocation.irrevocable"))
    elif revocation.method is not None:
        sentences.append(say("revocation.method", method=revocation.method))
    else:
        sentences.append(say("revocation.revocable"))
    if terms.contact is not None:
        sentences.append(say("contact", contact=terms.contact))
    return sentences
