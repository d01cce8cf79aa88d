"""Starting points for consent terms, and loading terms by name or from a file.

A template is only a starting point: the terms carry no template name, so
editing one switch never leaves a stale label inside a signed document.
:func:`matching_template` tells the GUI which template, if any, the current
terms still equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.consent.i18n import N_
from app.core.consent.jsonform import loads_strict
from app.core.consent.terms import (
    ALLOWED,
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    InvalidTerms,
    Use,
    UseTerm,
)
from app.core.errors import NotFound, StorageError

CUSTOM = "custom"
MAX_TERMS_FILE = 1 << 20


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    """Stable identifier used on the command line."""
    title: str
    """Marked for translation with ``N_``; translate at display time."""
    description: str
    terms: ConsentTerms


def _uses(allowed: set[Use]) -> dict[Use, UseTerm]:
    return {use: ALLOWED if use in allowed else NOT_ALLOWED for use in Use}


_ALL_AI = {Use.DATA_MINING, Use.AI_INFERENCE, Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING}

_TEMPLATES: tuple[Template, ...] = (
    Template(
        "open-research",
        N_("Open research"),
        N_(
            "Any research use, including training AI models, but no commercial use. "
            "Credit required, no payment."
        ),
        ConsentTerms(
            uses=_uses(_ALL_AI | {Use.EVALUATION}),
            attribution=Attribution(required=True),
        ),
    ),
    Template(
        "commercial-attribution",
        N_("Commercial use with credit"),
        N_(
            "Any use, commercial included, as long as you are credited and paid on the "
            "network's terms."
        ),
        ConsentTerms(
            uses=_uses(set(Use)),
            attribution=Attribution(required=True),
            compensation=Compensation(CompensationKind.NETWORK),
        ),
    ),
    Template(
        "no-ai-training",
        N_("No AI training"),
        N_(
            "Mining, inference and evaluation are allowed, commercially too; no AI model may be "
            "trained on your data."
        ),
        ConsentTerms(
            uses=_uses({Use.DATA_MINING, Use.AI_INFERENCE, Use.EVALUATION, Use.COMMERCIAL}),
            attribution=Attribution(required=True),
            compensation=Compensation(CompensationKind.NETWORK),
        ),
    ),
    Template(
        "inference-retrieval",
        N_("Inference and retrieval only"),
        N_(
            "Your data may be given to AI systems as input, for example to answer questions "
            "with it, with credit and payment; no training, mining or benchmarking."
        ),
        ConsentTerms(
            uses=_uses({Use.AI_INFERENCE, Use.COMMERCIAL}),
            attribution=Attribution(required=True),
            compensation=Compensation(CompensationKind.NETWORK),
        ),
    ),
    Template(
        CUSTOM,
        N_("Custom"),
        N_("Nothing is allowed until you switch each use on yourself."),
        ConsentTerms(uses=_uses(set())),
    ),
)

TEMPLATES: dict[str, Template] = {template.name: template for template in _TEMPLATES}


def template_names() -> tuple[str, ...]:
    return tuple(TEMPLATES)


def get_template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise NotFound(
            f"no consent template named {name!r}",
            hint="choose one of " + ", ".join(TEMPLATES),
        ) from None


def matching_template(terms: ConsentTerms) -> str:
    """The first template whose terms equal ``terms`` exactly, else ``custom``."""
    for template in _TEMPLATES:
        if template.terms == terms:
            return template.name
    return CUSTOM


def load_terms(spec: str | Path) -> ConsentTerms:
    """Terms from a template name or from a JSON file in the terms' one JSON form.

    A template name wins over a file of the same name in the current folder;
    write ``./open-research`` to mean the file.
    """
    if isinstance(spec, str) and spec in TEMPLATES:
        return TEMPLATES[spec].terms
    path, data = read_terms_file(spec)
    return ConsentTerms.from_json(
        loads_strict(data, what=path.name, error=InvalidTerms), where=path.name
    )


def read_terms_file(spec: str | Path) -> tuple[Path, bytes]:
    """The bytes of a file that should hold terms, bounded before anything is parsed.

    A missing file is reported as a missing template or file, since the
    same argument names either; callers parse the bytes in their own forms.
    """
    path = Path(spec)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TERMS_FILE + 1)
    except FileNotFoundError:
        raise NotFound(
            f"no consent template or file named {str(spec)!r}",
            hint="templates: " + ", ".join(TEMPLATES),
        ) from None
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_TERMS_FILE:
        raise InvalidTerms(f"{path.name}: larger than {MAX_TERMS_FILE} bytes; not consent terms")
    return path, data
