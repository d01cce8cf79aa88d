"""The IPTC / PLUS ``plus:DataMining`` value that best states the terms.

PLUS has one value per common situation; anything finer falls back to
"prohibited, see constraint", with the summary's sentences on the uses that
are not simply allowed as the ``plus:OtherConstraints`` text. The mapping only
goes out: a PLUS value is too coarse to rebuild terms from.
"""

from __future__ import annotations

from app.core.consent.i18n import Translate, untranslated
from app.core.consent.summary import summarize
from app.core.consent.terms import ConsentTerms, Permission, Use

PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"

ALLOWED = "DMI-ALLOWED"
PROHIBITED = "DMI-PROHIBITED"
PROHIBITED_AI_TRAINING = "DMI-PROHIBITED-AIMLTRAINING"
PROHIBITED_GENAI_TRAINING = "DMI-PROHIBITED-GENAIMLTRAINING"
SEE_CONSTRAINT = "DMI-PROHIBITED-SEECONSTRAINT"

_TRAINING = {Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING}


def data_mining_code(terms: ConsentTerms) -> str:
    """The PLUS code (``DMI-...``) for the terms."""
    denied = {use for use, term in terms.uses.items() if term.permission is not Permission.ALLOWED}
    if not denied:
        return ALLOWED
    if denied == set(Use) and _all_flat(terms, denied):
        return PROHIBITED
    if denied == _TRAINING and _all_flat(terms, denied):
        return PROHIBITED_AI_TRAINING
    if denied == {Use.AI_GENERATIVE_TRAINING} and _all_flat(terms, denied):
        return PROHIBITED_GENAI_TRAINING
    return SEE_CONSTRAINT


def to_iptc(terms: ConsentTerms, *, translate: Translate = untranslated) -> dict[str, str]:
    """XMP-style properties: ``plus:DataMining`` and, when needed, ``plus:OtherConstraints``."""
    code = data_mining_code(terms)
    properties = {"plus:DataMining": PLUS_VOCAB + code}
    if code == SEE_CONSTRAINT:
        sentences = summarize(terms, translate=translate)
        limits = [
            sentence
            for (use, term), sentence in zip(terms.uses.items(), sentences, strict=False)
            if term.permission is not Permission.ALLOWED
        ]
        properties["plus:OtherConstraints"] = " ".join(limits)
    return properties


def _all_flat(terms: ConsentTerms, denied: set[Use]) -> bool:
    """The denied uses are plainly not allowed (not merely constrained)."""
    return all(terms.uses[use].permission is Permission.NOT_ALLOWED for use in denied)
