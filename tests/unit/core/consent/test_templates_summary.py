"""Templates, loading terms by name or file, and the plain-language summary."""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings

from app.core.consent.summary import MESSAGES, USE_LABELS, summarize
from app.core.consent.templates import (
    CUSTOM,
    MAX_TERMS_FILE,
    TEMPLATES,
    get_template,
    load_terms,
    matching_template,
    template_names,
)
from app.core.consent.terms import (
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    InvalidTerms,
    Permission,
    RevocationTerms,
    Use,
    Validity,
    constrained,
)
from app.core.errors import NotFound, StorageError
from tests.unit.core.consent.strategies import consent_terms


def test_the_five_templates() -> None:
    assert template_names() == (
        "open-research",
        "commercial-attribution",
        "no-ai-training",
        "inference-retrieval",
        "custom",
    )
    open_research = load_terms("open-research")
    assert open_research.uses[Use.COMMERCIAL].permission is Permission.NOT_ALLOWED
    assert open_research.uses[Use.AI_GENERATIVE_TRAINING].permission is Permission.ALLOWED
    no_training = load_terms("no-ai-training")
    assert no_training.uses[Use.AI_TRAINING].permission is Permission.NOT_ALLOWED
    assert no_training.uses[Use.AI_GENERATIVE_TRAINING].permission is Permission.NOT_ALLOWED
    inference = load_terms("inference-retrieval")
    assert inference.permitted_uses() == (Use.AI_INFERENCE, Use.COMMERCIAL)
    assert load_terms("commercial-attribution").permitted_uses() == tuple(Use)
    assert load_terms(CUSTOM).permitted_uses() == ()
    for name, template in TEMPLATES.items():
        assert matching_template(template.terms) == name
        assert template.title
        assert template.description


def test_matching_template_after_an_edit_is_custom() -> None:
    edited = load_terms("open-research").with_use(Use.AI_TRAINING, NOT_ALLOWED)
    assert matching_template(edited) == CUSTOM


def test_unknown_template_or_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no consent template or file named 'nope'"):
        load_terms("nope")
    with pytest.raises(NotFound, match="no consent template named 'nope'"):
        get_template("nope")


def test_a_folder_is_not_terms(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot read"):
        load_terms(tmp_path)


def test_load_terms_from_file(tmp_path: Path) -> None:
    terms = load_terms("no-ai-training").with_use(Use.EVALUATION, constrained("public only"))
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(terms.to_json(), indent=2), encoding="utf-8")
    assert load_terms(path) == terms
    assert load_terms(str(path)) == terms


def test_load_terms_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1,', encoding="utf-8")
    with pytest.raises(InvalidTerms, match=r"broken\.json: not valid JSON"):
        load_terms(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"schema_version": 1}', encoding="utf-8")
    with pytest.raises(InvalidTerms, match=r"wrong.json\.uses: missing"):
        load_terms(wrong)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (MAX_TERMS_FILE + 1))
    with pytest.raises(InvalidTerms, match="larger than"):
        load_terms(huge)


def _full_terms() -> ConsentTerms:
    return ConsentTerms(
        uses={
            **{use: NOT_ALLOWED for use in Use},
            Use.AI_INFERENCE: constrained("retrieval with citation"),
            Use.EVALUATION: load_terms("open-research").uses[Use.EVALUATION],
        },
        attribution=Attribution(True, "Dr. Ada Example"),
        compensation=Compensation(CompensationKind.FIXED, "12.50", "EUR", "paid yearly"),
        validity=Validity(datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        jurisdictions=("EU", "US-CA"),
        revocation=RevocationTerms(True, "write to the address below"),
        contact="ada@example.org",
    )


def test_summary_states_every_decision() -> None:
    sentences = summarize(_full_terms())
    assert sentences == [
        "Your data may not be used for data mining (finding patterns, trends and correlations).",
        "Your data may be used for AI inference, including retrieval (giving it to a trained "
        "model as input) only under this condition: retrieval with citation",
        "Your data may not be used for training AI models that do not generate content, such "
        "as classifiers.",
        "Your data may not be used for training generative AI models.",
        "Your data may be used for evaluating and benchmarking AI systems.",
        "Your data may not be used for commercial purposes.",
        "Anyone who uses your data must credit you as: Dr. Ada Example",
        "You ask to be paid 12.50 EUR.",
        "About payment: paid yearly",
        "These terms apply from 2025-01-01T00:00:00Z.",
        "These terms end at 2027-01-01T00:00:00Z; after that nothing is allowed.",
        "They apply only in: EU, US-CA.",
        "You can revoke this consent: write to the address below",
        "Questions about these terms go to: ada@example.org",
    ]


def test_summary_of_nothing_permitted_and_irrevocable() -> None:
    terms = ConsentTerms(uses={use: NOT_ALLOWED for use in Use}, revocation=RevocationTerms(False))
    sentences = summarize(terms)
    assert "No use of your data is allowed." in sentences
    assert "You cannot revoke this consent once it is signed." in sentences
    assert not any("credit" in sentence for sentence in sentences)


def test_summary_goes_through_the_translator() -> None:
    seen: list[str] = []

    def translate(message: str) -> str:
        seen.append(message)
        # A "translation" that keeps the placeholders and changes every word.
        return re.sub(
            r"\{[^}]*\}|[a-z]+",
            lambda m: m.group() if m.group().startswith("{") else m.group().upper(),
            message,
        )

    sentences = summarize(_full_terms(), translate=translate)
    assert all(message in MESSAGES.values() or message in USE_LABELS.values() for message in seen)
    assert "ANYONE WHO USES YOUR DATA MUST CREDIT YOU AS: Dr. Ada Example" in sentences


def test_message_placeholders_are_named() -> None:
    for message in [*MESSAGES.values(), *USE_LABELS.values()]:
        for _, field, _, _ in string.Formatter().parse(message):
            assert field is None or field.isidentifier(), message


@settings(max_examples=60)
@given(consent_terms())
def test_summary_mentions_every_use_once(terms: ConsentTerms) -> None:
    sentences = summarize(terms)
    for use, label in USE_LABELS.items():
        mentioning = [sentence for sentence in sentences if label in sentence]
        assert len(mentioning) == 1, use
        term = terms.uses[use]
        if term.constraint is not None:
            assert term.constraint in mentioning[0]
