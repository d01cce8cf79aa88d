"""The wizard's state as plain data, independent of the screens.

Each step reads and writes the :class:`Draft`; building the service
requests from it is plain Python, so it can be checked without widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.consent.templates import get_template
from app.core.consent.terms import ConsentTerms
from app.core.datasets.importers.options import Format, ImportOptions, TextUnit
from app.services.review_rows import PolicyParts

DEFAULT_PII = frozenset({"email", "phone", "payment_card", "iban", "ip", "national_id", "secret"})


@dataclass
class CardFields:
    """The description step's answers (``CardInput`` fields, as text)."""

    name: str = ""
    description: str = ""
    license: str = "CC-BY-4.0"
    creator_name: str = ""
    creator_kind: str = "Person"
    keywords: str = ""
    languages: str = ""
    url: str = ""
    data_collection: str = ""
    use_cases: str = ""
    limitations: str = ""
    sensitive_information: str = ""


def split_list(text: str) -> tuple[str, ...]:
    """``"a, b,,c"`` -> ``("a", "b", "c")``; one item per comma or line."""
    parts = text.replace("\n", ",").split(",")
    return tuple(p.strip() for p in parts if p.strip())


@dataclass
class Draft:
    """Everything the user chose so far, from the files to the signature."""

    inputs: list[Path] = field(default_factory=list)
    format: Format | None = None
    encoding: str | None = None
    text_unit: TextUnit = "file"
    skip_bad_records: bool = True
    dedupe: str = "exact"
    near_threshold: float = 0.85
    keep_near: set[int] = field(default_factory=set)
    """Near duplicates (by the scan's record index) kept after review."""
    pii_types: frozenset[str] = DEFAULT_PII
    default_action: str = "mask"
    review: PolicyParts | None = None
    card: CardFields = field(default_factory=CardFields)
    identity: str | None = None
    dataset_id: str | None = None
    dataset_name: str = ""
    terms: ConsentTerms = field(default_factory=lambda: get_template("open-research").terms)
    recipient: str = ""
    network_id: str = ""
    out_dir: Path | None = None
    submission: Any = None

    def import_options(self) -> ImportOptions:
        return ImportOptions(encoding=self.encoding, text_unit=self.text_unit)

    def suggested_name(self) -> str:
        if not self.inputs:
            return ""
        first = self.inputs[0]
        return (first.stem if first.suffix else first.name).replace("_", " ").strip()
