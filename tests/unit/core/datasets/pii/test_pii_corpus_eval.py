"""Precision and recall per type on the generated labelled corpus (run with -s to see the table)."""

from __future__ import annotations

import re
import time
from collections import Counter

from app.core.datasets.pii import ALL_TYPES, Finding, PiiScanner, PiiType
from tests.helpers.pii_corpus import (
    LOCALES,
    THRESHOLD_TYPES,
    evaluate,
    format_table,
    generate_corpus,
)

MIN_RECALL = 0.95
MIN_PRECISION = 0.90


def test_precision_and_recall_meet_the_thresholds() -> None:
    began = time.perf_counter()
    corpus = generate_corpus(items=3000)
    scores = evaluate(PiiScanner(ALL_TYPES), corpus)
    elapsed = time.perf_counter() - began
    print(f"\n{len(corpus)} items scored in {elapsed:.1f} s\n{format_table(scores)}")
    for kind in THRESHOLD_TYPES:
        score = scores[kind]
        assert score.tp + score.fn >= 250, f"too few labelled {kind.value} values"
        assert score.recall >= MIN_RECALL, (kind.value, score.recall, score.misses[:5])
        assert score.precision >= MIN_PRECISION, (
            kind.value,
            score.precision,
            score.false_alarms[:5],
        )
    assert elapsed < 10


def test_corpus_is_seeded_varied_and_full_of_decoys() -> None:
    corpus = generate_corpus(items=700)
    assert corpus == generate_corpus(items=700)
    assert corpus != generate_corpus(seed=1, items=700)
    assert {item.locale for item in corpus} == set(LOCALES)
    kinds = Counter(span.type for item in corpus for span in item.spans)
    assert set(kinds) == set(PiiType)
    decoys = Counter(kind for item in corpus for kind in item.decoys)
    for kind in (
        "order-number",
        "isbn",
        "timestamp",
        "version",
        "uuid",
        "git-sha",
        "luhn-fail",
        "iban-mod97-fail",
        "date",
        "price",
        "file-hash",
    ):
        assert decoys[kind] > 0, kind
    for item in corpus:
        for span in item.spans:
            assert 0 <= span.start < span.end <= len(item.text)


class _EveryNumberIsAPhone:
    """A careless detector: every run of seven or more digits and spaces is a phone number."""

    types = frozenset({PiiType.PHONE})

    def scan_text(self, text: str, path: str = "") -> list[Finding]:
        return [
            Finding(PiiType.PHONE, path, m.start(), m.end(), m.group(), "careless")
            for m in re.finditer(r"\+?[0-9][0-9 ]{5,}[0-9]", text)
        ]


def test_the_evaluation_can_fail() -> None:
    """Recall drops when regions are missing, precision when decoys are flagged."""
    corpus = generate_corpus(items=600)
    us_only = evaluate(PiiScanner([PiiType.PHONE], regions=["US"]), corpus)[PiiType.PHONE]
    assert us_only.recall < MIN_RECALL
    careless = evaluate(_EveryNumberIsAPhone(), corpus)[PiiType.PHONE]  # type: ignore[arg-type]
    assert careless.precision < MIN_PRECISION
