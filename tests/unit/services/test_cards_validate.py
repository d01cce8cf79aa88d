"""The cards Tessera really writes, not only the builder's, pass the reference Croissant validator.

A prepared dataset's card (from the pipeline's own facts) and the card a submission folder
carries (which names the package actually sent and the consent terms signed) are both checked by
``mlcroissant``, with no error and no warning.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity
from app.core.datasets.card_input import CardInput
from app.core.datasets.pii import Action, RedactionPolicy
from app.services import identities, vault
from app.services.datasets import PrepareRequest, dataset_card, prepare_dataset
from app.services.submissions import build_submission_for_dataset

CROISSANT = "http://mlcommons.org/croissant/1.1"


def _mlcroissant() -> Any:
    if os.environ.get("CI") == "true":
        import mlcroissant

        return mlcroissant
    return pytest.importorskip("mlcroissant")


def _check(card: dict[str, Any]) -> Any:
    metadata = _mlcroissant().Dataset(jsonld=card).metadata
    assert metadata.ctx.issues.errors == set()
    assert metadata.ctx.issues.warnings == set()
    assert str(metadata.ctx.conforms_to.value) == CROISSANT
    return metadata


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_prepared_and_submitted_cards_validate(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "notes.jsonl"
    rows = [
        {"q": "When is high tide at the pier?", "a": "Around 06:40, ask ann@example.com", "n": 3},
        {"q": "Is the ferry running?", "a": "Yes, every hour.", "n": 1},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    card_input = CardInput(
        name="Harbour questions",
        description="Questions visitors ask at the harbour office, with our answers.",
        license="CC-BY-4.0",
        creator_name="Harbour office",
        creator_kind="Organization",
        use_cases=("Question answering",),
        limitations=("One small harbour.",),
    )
    network = X25519Identity.generate()
    with vault.create_vault(passphrase="pw") as session:
        identities.create_identity(session, "office")
        info = prepare_dataset(
            session,
            PrepareRequest(
                inputs=(source,),
                name="Harbour questions",
                card=card_input,
                pii_policy=RedactionPolicy(default=Action.MASK),
            ),
        )
        prepared = _check(dataset_card(session, info.id))
        assert prepared.name == "Harbour questions"
        assert prepared.distribution[1].sha256 == info.package_sha256 == info.payload_sha256
        assert [f.name for f in prepared.record_sets[0].fields] == ["q", "a", "n"]
        assert "mask" in json.dumps(prepared.personal_sensitive_information).lower()

        built = build_submission_for_dataset(
            session,
            info.id,
            load_terms("open-research"),
            recipient=network.recipient.to_string(),
            network_id=None,
            out_dir=tmp_path / "submission",
        )
    sent = json.loads((built.folder / "card.json").read_text(encoding="utf-8"))
    submitted = _check(sent)
    # The package is sent as its age header and payload files, each with digest and size.
    sizes = {item.name: int(item.content_size.split()[0]) for item in submitted.distribution[:3]}
    header = (built.folder / "package.age-header").stat().st_size
    payload = (built.folder / "package.age-payload").stat().st_size
    assert sizes == {
        "package.age-header": header,
        "package.age-payload": payload,
        "package.age": header + payload,
    }
