"""The first-run flow, driven like a user would: clicks and typing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.services import identities as identity_service
from app.services import vault as vault_service
from app.ui.first_run import CUSTODY, DONE, IDENTITY, WELCOME, FirstRunDialog
from app.ui.vault import VaultHandle
from tests.ui.helpers import PASSPHRASE, SLOW_OP_MS


def _open(qtbot: Any, vault: VaultHandle) -> FirstRunDialog:
    dialog = FirstRunDialog(vault)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.keyring_ok is not None, timeout=SLOW_OP_MS)
    return dialog


def _click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose_passphrase(qtbot: Any, dialog: FirstRunDialog, text: str, repeat: str) -> None:
    dialog.passphrase_choice.setChecked(True)
    qtbot.keyClicks(dialog.passphrase_fields.first, text)
    qtbot.keyClicks(dialog.passphrase_fields.second, repeat)


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_first_run_with_a_passphrase_creates_the_vault_and_identity(
    qtbot: Any, vault: VaultHandle, data_dir: Path
) -> None:
    dialog = _open(qtbot, vault)
    assert dialog.current_step() == WELCOME
    _click(qtbot, dialog.next_button)
    assert dialog.current_step() == CUSTODY

    _choose_passphrase(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    _click(qtbot, dialog.next_button)
    assert dialog.current_step() == IDENTITY

    qtbot.keyClicks(dialog.name_edit, "Clinic notes")
    with qtbot.waitSignal(vault.state_changed, timeout=SLOW_OP_MS):
        _click(qtbot, dialog.next_button)
    qtbot.waitUntil(lambda: dialog.current_step() == DONE, timeout=SLOW_OP_MS)

    created = dialog.created
    assert created is not None
    assert created.name == "Clinic notes"
    assert dialog.did_field.value.text() == created.did
    assert created.did.startswith("did:key:z6Mk")
    assert dialog.recipient_field.value.text().startswith("age1")
    _click(qtbot, dialog.did_field.button)
    assert QGuiApplication.clipboard().text() == created.did
    _click(qtbot, dialog.recipient_field.button)
    assert QGuiApplication.clipboard().text() == created.recipient

    with qtbot.waitSignal(dialog.accepted):
        _click(qtbot, dialog.next_button)
    assert vault.is_open
    assert vault.custody == "passphrase"
    assert vault_service.vault_status().custody == "passphrase"
    seen: list[list[str]] = []
    vault.op(None, lambda s: [i.name for i in identity_service.list_identities(s)]).success(
        seen.append
    ).run()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [["Clinic notes"]]
    for path in _files_under(data_dir):  # the passphrase is nowhere on disk
        assert PASSPHRASE.encode() not in path.read_bytes(), path


def test_continue_waits_for_a_usable_passphrase_typed_twice(qtbot: Any, vault: VaultHandle) -> None:
    dialog = _open(qtbot, vault)
    _click(qtbot, dialog.next_button)
    dialog.passphrase_choice.setChecked(True)
    assert not dialog.next_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase_fields.first, "short")
    qtbot.keyClicks(dialog.passphrase_fields.second, "short")
    assert not dialog.next_button.isEnabled()
    assert "Too short" in dialog.passphrase_fields.hint.text()
    dialog.passphrase_fields.clear()
    qtbot.keyClicks(dialog.passphrase_fields.first, PASSPHRASE)
    qtbot.keyClicks(dialog.passphrase_fields.second, PASSPHRASE[:-1])
    assert not dialog.next_button.isEnabled()
    assert "do not match" in dialog.passphrase_fields.match.text()
    qtbot.keyClicks(dialog.passphrase_fields.second, PASSPHRASE[-1])
    assert dialog.next_button.isEnabled()


def test_a_bad_name_is_refused_before_anything_is_created(qtbot: Any, vault: VaultHandle) -> None:
    dialog = _open(qtbot, vault)
    _click(qtbot, dialog.next_button)
    _choose_passphrase(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    _click(qtbot, dialog.next_button)
    dialog.name_edit.setText("bell\x07")
    _click(qtbot, dialog.next_button)
    assert dialog.identity_error.isVisible()
    assert "control characters" in dialog.identity_error.text()
    assert dialog.current_step() == IDENTITY
    assert not vault_service.vault_status().exists
    assert not vault.is_open


def test_back_returns_and_cancel_leaves_without_a_vault(qtbot: Any, vault: VaultHandle) -> None:
    dialog = _open(qtbot, vault)
    _click(qtbot, dialog.next_button)
    _click(qtbot, dialog.back_button)
    assert dialog.current_step() == WELCOME
    with qtbot.waitSignal(dialog.rejected):
        _click(qtbot, dialog.cancel_button)
    assert not vault_service.vault_status().exists


def test_escape_on_the_last_step_opens_tessera(qtbot: Any, vault: VaultHandle) -> None:
    dialog = _open(qtbot, vault)
    dialog.next()
    _choose_passphrase(qtbot, dialog, PASSPHRASE, PASSPHRASE)
    dialog.next()
    dialog.name_edit.setText("Personal")
    dialog.next()
    qtbot.waitUntil(lambda: dialog.current_step() == DONE, timeout=SLOW_OP_MS)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


@pytest.mark.keyring
def test_first_run_with_the_os_keyring(qtbot: Any, secret_service: str, vault: VaultHandle) -> None:
    dialog = _open(qtbot, vault)
    assert dialog.keyring_ok is True
    _click(qtbot, dialog.next_button)
    assert dialog.keyring_choice.isChecked()
    assert dialog.keyring_choice.isEnabled()
    assert not dialog.passphrase_fields.isVisible()
    _click(qtbot, dialog.next_button)
    qtbot.keyClicks(dialog.name_edit, "Personal")
    _click(qtbot, dialog.next_button)
    qtbot.waitUntil(lambda: dialog.current_step() == DONE, timeout=SLOW_OP_MS)
    assert vault.custody == "keyring"
    assert vault_service.vault_status().custody == "keyring"
    with qtbot.waitSignal(dialog.accepted):
        _click(qtbot, dialog.next_button)
