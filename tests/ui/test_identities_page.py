"""The Identities page end to end, through its buttons and actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.services import identities as identity_service
from app.ui.pages.identities import IdentitiesPage, file_stem
from app.ui.vault import VaultHandle
from tests.ui.helpers import (
    SLOW_OP_MS,
    ScriptedPrompts,
    close_message_boxes,
    message_boxes,
)

BACKUP_PASSPHRASE = "a separate backup passphrase"


@pytest.fixture
def page(qtbot: Any, open_vault: VaultHandle, prompts: ScriptedPrompts) -> IdentitiesPage:
    widget = IdentitiesPage(open_vault, prompts)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 1)
    return widget


def _names(page: IdentitiesPage) -> list[str]:
    return [info.name for info in page.model.items()]


def _wait_names(qtbot: Any, page: IdentitiesPage, names: list[str]) -> None:
    """Wait for these names (the vault orders by creation second, then name)."""
    qtbot.waitUntil(lambda: sorted(_names(page)) == sorted(names), timeout=SLOW_OP_MS)
    qtbot.waitUntil(page.new_action.isEnabled, timeout=SLOW_OP_MS)


def _select(page: IdentitiesPage, name: str) -> None:
    info = next(i for i in page.model.items() if i.name == name)
    page.select_id(info.did)
    selected = page.selected()
    assert selected is not None
    assert selected.name == name


def test_shows_the_vault_identities_with_details(page: IdentitiesPage) -> None:
    assert _names(page) == ["Personal"]
    selected = page.selected()
    assert selected is not None
    assert selected.is_default
    assert page.details.isVisible()
    assert page.detail_name.text() == "Personal"
    assert page.detail_default.isVisible()
    assert page.did_field.value.text() == selected.did
    assert page.recipient_field.value.text() == selected.recipient
    assert not page.default_action.isEnabled()  # already the default


def test_create_rename_default_and_delete(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts
) -> None:
    messages: list[str] = []
    page.message.connect(messages.append)

    prompts.answer("text", "Research")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    _wait_names(qtbot, page, ["Personal", "Research"])
    selected = page.selected()
    assert selected is not None
    assert selected.name == "Research"  # the new one is selected
    assert selected.did.startswith("did:key:z6Mk")
    assert "Created Research" in messages

    prompts.answer("text", "Research 2025")
    page.rename_action.trigger()
    _wait_names(qtbot, page, ["Personal", "Research 2025"])
    assert prompts.asked[-1][1][2] == "Research"  # the current name was offered
    assert page.detail_name.text() == "Research 2025"

    page.default_action.trigger()
    qtbot.waitUntil(
        lambda: {i.name for i in page.model.items() if i.is_default} == {"Research 2025"},
        timeout=SLOW_OP_MS,
    )
    qtbot.waitUntil(lambda: page.detail_default.isVisible())

    prompts.answer("confirm", True)
    page.delete_action.trigger()
    _wait_names(qtbot, page, ["Personal"])
    _, (_title, text, details, action) = prompts.asked[-1]
    assert "Research 2025" in text
    assert "backup" in details
    assert action == "Delete identity"
    assert page.model.items()[0].is_default  # the default moved back
    assert prompts.unused() == {}


def test_nothing_happens_when_the_user_backs_out(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts
) -> None:
    prompts.answer("text", None, None)
    prompts.answer("confirm", False)
    page.create_identity()
    page.rename_selected()
    page.delete_selected()
    assert _names(page) == ["Personal"]
    assert page._vault.tasks.is_idle()  # nothing was even started


def test_a_bad_name_is_explained(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts
) -> None:
    prompts.answer("text", "x" * 80)
    page.create_identity()
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=SLOW_OP_MS)
    assert "at most 64 characters" in message_boxes()[0].text()
    close_message_boxes()
    assert _names(page) == ["Personal"]


def test_backup_then_restore_brings_the_same_keys_back(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    original = page.selected()
    assert original is not None
    backup = tmp_path / "personal.age"
    prompts.answer("save_file", backup)
    prompts.answer("new_passphrase", BACKUP_PASSPHRASE)
    page.backup_action.trigger()
    qtbot.waitUntil(backup.exists, timeout=SLOW_OP_MS)
    qtbot.waitUntil(page.new_action.isEnabled, timeout=SLOW_OP_MS)
    assert backup.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert prompts.asked[0][1][1] == "Personal.tessera-identity.age"

    prompts.answer("confirm", True)
    page.delete_selected()
    _wait_names(qtbot, page, [])
    assert page.list_stack.currentWidget() is page.empty
    assert not page.details.isVisible()

    prompts.answer("open_file", backup)
    prompts.answer("passphrase", BACKUP_PASSPHRASE)
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    _wait_names(qtbot, page, ["Personal"])
    restored = page.selected()
    assert restored is not None
    assert (restored.did, restored.recipient) == (original.did, original.recipient)


def test_restore_with_a_wrong_passphrase_says_so(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    backup = tmp_path / "personal.age"
    prompts.answer("save_file", backup)
    prompts.answer("new_passphrase", BACKUP_PASSPHRASE)
    page.backup_selected()
    qtbot.waitUntil(backup.exists, timeout=SLOW_OP_MS)
    qtbot.waitUntil(page.new_action.isEnabled, timeout=SLOW_OP_MS)
    prompts.answer("open_file", backup)
    prompts.answer("passphrase", "not it")
    page.restore_identity()
    qtbot.waitUntil(lambda: bool(message_boxes()), timeout=SLOW_OP_MS)
    words = message_boxes()[0].text().lower()
    assert "passphrase" in words
    assert "bug" not in words
    close_message_boxes()
    assert _names(page) == ["Personal"]


def test_export_writes_the_public_card_only(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    target = tmp_path / "card.json"
    prompts.answer("save_file", target)
    page.export_action.trigger()
    qtbot.waitUntil(target.exists, timeout=SLOW_OP_MS)
    card = json.loads(target.read_text("utf-8"))
    selected = page.selected()
    assert selected is not None
    assert card["did"] == selected.did
    assert card["recipient"] == selected.recipient
    assert card["name"] == "Personal"
    assert "AGE-SECRET-KEY" not in target.read_text("utf-8").upper()


def test_copy_buttons_fill_the_clipboard(qtbot: Any, page: IdentitiesPage) -> None:
    messages: list[str] = []
    page.message.connect(messages.append)
    selected = page.selected()
    assert selected is not None
    qtbot.mouseClick(page.did_field.button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == selected.did
    qtbot.mouseClick(page.recipient_field.button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == selected.recipient
    assert messages == [
        "Copied the identifier of Personal",
        "Copied the encryption recipient of Personal",
    ]


def test_keyboard_shortcuts_reach_the_actions(
    qtbot: Any, page: IdentitiesPage, prompts: ScriptedPrompts
) -> None:
    page.activateWindow()
    page.table.setFocus()
    prompts.answer("text", "Keyboard")
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    _wait_names(qtbot, page, ["Personal", "Keyboard"])
    prompts.answer("text", "Keys")
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    _wait_names(qtbot, page, ["Personal", "Keys"])
    prompts.answer("confirm", False)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert prompts.asked[-1][0] == "confirm"


def test_locking_clears_what_the_page_shows(
    qtbot: Any, page: IdentitiesPage, open_vault: VaultHandle
) -> None:
    with qtbot.waitSignal(open_vault.state_changed, timeout=SLOW_OP_MS):
        open_vault.lock(None).run()
    assert page.model.rowCount() == 0
    assert not page.details.isVisible()
    assert not page.new_action.isEnabled()


def test_a_new_identity_made_elsewhere_appears_on_refresh(
    qtbot: Any, page: IdentitiesPage, open_vault: VaultHandle
) -> None:
    open_vault.op(None, lambda s: identity_service.create_identity(s, "From the CLI")).run()
    qtbot.waitUntil(open_vault.tasks.is_idle, timeout=SLOW_OP_MS)
    page.refresh()
    _wait_names(qtbot, page, ["Personal", "From the CLI"])


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Personal", "Personal"),
        ("Clinic / research", "Clinic _ research"),
        ("../../etc", "etc"),
        ("...", "identity"),
        ("Müller", "Müller"),
    ],
)
def test_file_names_suggested_from_identity_names(name: str, stem: str) -> None:
    assert file_stem(name) == stem
