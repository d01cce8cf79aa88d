"""The Submissions page over a real vault: drafts, a built submission, verify, revoke."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import Qt

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity
from app.ui.pages.submissions import SubmissionsPage
from app.ui.pages.submissions_model import STATE, SubmissionTableModel, entries
from app.ui.vault import VaultHandle
from app.ui.wizard import backend
from app.ui.wizard.final_steps import ConsentStep
from tests.helpers.prepared import insert_prepared_dataset
from tests.ui.helpers import SLOW_OP_MS, ScriptedPrompts


def _run(qtbot: Any, vault: VaultHandle, fn: Any) -> Any:
    results: list[Any] = []
    vault.op(None, fn).success(results.append).run()
    qtbot.waitUntil(lambda: bool(results), timeout=SLOW_OP_MS)
    return results[0]


@pytest.fixture
def built(qtbot: Any, open_vault: VaultHandle, tmp_path: Path) -> Any:
    try:
        service = backend.submissions()
    except backend.ServiceUnavailable:
        pytest.skip("the submission service is not in this build yet")
    network = X25519Identity.generate()

    def build(session: Any) -> Any:
        dataset = insert_prepared_dataset(session, name="tide notes")
        insert_prepared_dataset(session, name="draft notes")
        return service.build_submission_for_dataset(
            session,
            dataset,
            load_terms("open-research"),
            recipient=network.recipient.to_string(),
            network_id=None,
            out_dir=tmp_path / "signed",
        )

    return _run(qtbot, open_vault, build)


@pytest.fixture
def page(
    qtbot: Any, open_vault: VaultHandle, prompts: ScriptedPrompts, built: Any
) -> SubmissionsPage:
    widget = SubmissionsPage(open_vault, prompts)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitUntil(lambda: built.id in {e.id for e in widget.model.items()}, timeout=SLOW_OP_MS)
    return widget


def _select(page: SubmissionsPage, entry_id: str) -> None:
    page.select_id(entry_id)
    selected = page.selected()
    assert selected is not None
    assert selected.id == entry_id


def test_lists_the_built_submission_and_the_drafts(page: SubmissionsPage, built: Any) -> None:
    states = {e.dataset_name: e.state for e in page.model.items()}
    try:
        backend.datasets()
    except backend.ServiceUnavailable:
        assert states == {"tide notes": "signed"}
    else:
        assert states == {"tide notes": "signed", "draft notes": "draft"}
    _select(page, built.id)
    assert page.folder_field.value.text() == str(built.folder)
    assert page.detail_facts.text().splitlines()[-1] == (
        "Files: submission.dsse.json, package.age-header, package.age-payload, card.json"
    )
    assert page.verify_button.isEnabled()
    assert page.revoke_button.isEnabled()
    assert not page.sign_button.isVisible()


def test_verify_shows_each_check(qtbot: Any, page: SubmissionsPage, built: Any) -> None:
    _select(page, built.id)
    page.verify_selected()
    qtbot.waitUntil(page.checks.isVisible, timeout=SLOW_OP_MS)
    names = [page.checks.item(i).text().split(":")[0] for i in range(page.checks.count())]
    assert {"envelope", "signature", "package", "commitment"} <= set(names)
    statuses = {
        page.checks.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.checks.count())
    }
    assert statuses == {"passed"}


def test_a_tampered_folder_fails_verification_by_name(
    qtbot: Any, page: SubmissionsPage, built: Any
) -> None:
    card = next(p for p in built.folder.iterdir() if "card" in p.name)
    card.write_bytes(card.read_bytes() + b" ")
    _select(page, built.id)
    page.verify_selected()
    qtbot.waitUntil(page.checks.isVisible, timeout=SLOW_OP_MS)
    failed = [
        page.checks.item(i).text()
        for i in range(page.checks.count())
        if page.checks.item(i).data(Qt.ItemDataRole.UserRole) == "failed"
    ]
    assert failed
    assert any(text.startswith("card") for text in failed)


def test_revoke_asks_for_a_reason_and_confirmation(
    qtbot: Any, page: SubmissionsPage, prompts: ScriptedPrompts, built: Any
) -> None:
    _select(page, built.id)
    prompts.answer("text", "I changed my mind")
    prompts.answer("confirm", True)
    page.revoke_selected()
    qtbot.waitUntil(
        lambda: {e.id: e.state for e in page.model.items()}.get(built.id) == "revoked",
        timeout=SLOW_OP_MS,
    )
    assert built.revocation_path.is_file()
    _select(page, built.id)
    assert not page.revoke_button.isEnabled()


def test_a_draft_opens_the_wizard_at_the_consent_step(qtbot: Any, page: SubmissionsPage) -> None:
    drafts = [e for e in page.model.items() if e.state == "draft"]
    if not drafts:
        pytest.skip("drafts come from the dataset service")
    _select(page, drafts[0].id)
    assert page.sign_button.isEnabled()
    wizard = page.sign_selected()
    assert wizard is not None
    assert isinstance(wizard.current, ConsentStep)
    assert wizard.draft.dataset_id == drafts[0].dataset_id
    wizard.close()


def test_the_model_passes_the_model_tester(qtmodeltester: Any, built: Any) -> None:
    model = SubmissionTableModel()
    qtmodeltester.check(model, force_py=False)
    model.set_items(entries([], [built]))
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, STATE)) == "Signed"
    model.clear()
