"""Unlocking: the dialog, and what the app shows first at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import Qt

from app import paths
from app.core import settings as registry
from app.core.identity import custody
from app.services import vault as vault_service
from app.ui.app import Startup
from app.ui.first_run import FirstRunDialog
from app.ui.main_window import MainWindow
from app.ui.theme import ThemeController
from app.ui.unlock_dialog import UnlockDialog
from app.ui.vault import VaultHandle
from tests.ui.helpers import PASSPHRASE, SLOW_OP_MS, ScriptedPrompts, make_passphrase_vault


def _dialog(qtbot: Any, vault: VaultHandle) -> UnlockDialog:
    dialog = UnlockDialog(vault)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _type_and_unlock(qtbot: Any, dialog: UnlockDialog, text: str) -> None:
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, text)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)


def test_the_right_passphrase_unlocks(qtbot: Any, vault: VaultHandle) -> None:
    make_passphrase_vault()
    vault.set_custody("passphrase")
    dialog = _dialog(qtbot, vault)
    assert dialog.passphrase.isVisible()
    assert not dialog.unlock_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=SLOW_OP_MS):
        _type_and_unlock(qtbot, dialog, PASSPHRASE)
    assert vault.is_open
    assert dialog.passphrase.text() == ""


def test_a_wrong_passphrase_keeps_the_dialog_open_and_changes_nothing(
    qtbot: Any, vault: VaultHandle
) -> None:
    make_passphrase_vault()
    vault.set_custody("passphrase")
    before = {p.name: p.read_bytes() for p in (paths.custody_path(), paths.vault_path())}
    dialog = _dialog(qtbot, vault)
    _type_and_unlock(qtbot, dialog, "not the passphrase")
    qtbot.waitUntil(lambda: dialog.error.isVisible() and not dialog.busy, timeout=SLOW_OP_MS)
    assert "does not open this vault" in dialog.error.text()
    assert dialog.isVisible()
    assert dialog.result() == 0
    assert not vault.is_open
    assert dialog.passphrase.isEnabled()
    assert dialog.passphrase.selectedText() == "not the passphrase"
    after = {p.name: p.read_bytes() for p in (paths.custody_path(), paths.vault_path())}
    assert after == before

    with qtbot.waitSignal(dialog.accepted, timeout=SLOW_OP_MS):
        _type_and_unlock(qtbot, dialog, PASSPHRASE)
    assert vault.is_open


def test_quit_rejects(qtbot: Any, vault: VaultHandle) -> None:
    make_passphrase_vault()
    vault.set_custody("passphrase")
    dialog = _dialog(qtbot, vault)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    assert not vault.is_open


def test_keyring_custody_asks_for_nothing(qtbot: Any, vault: VaultHandle) -> None:
    vault.set_custody("keyring")
    dialog = UnlockDialog(vault, error="The keyring is locked.")
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.passphrase.isVisible()
    assert dialog.unlock_button.isEnabled()
    assert dialog.error.text() == "The keyring is locked."


class _Start:
    """A Startup with a record of whether it asked the app to quit."""

    def __init__(self, qtbot: Any, vault: VaultHandle, data_dir: Path, qapp: Any) -> None:
        self.quits = 0
        self.theme = ThemeController(qapp, "light")
        settings = registry.Settings.load(data_dir / "settings.json")
        self.startup = Startup(vault, ScriptedPrompts(), self.theme, settings, on_quit=self._quit)
        self.qtbot = qtbot

    def _quit(self) -> None:
        self.quits += 1

    def finish(self) -> None:
        if self.startup.window is not None:
            self.qtbot.addWidget(self.startup.window)
        if self.startup.dialog is not None:
            self.qtbot.addWidget(self.startup.dialog)


@pytest.fixture
def start(qtbot: Any, vault: VaultHandle, data_dir: Path, qapp: Any) -> Any:
    helper = _Start(qtbot, vault, data_dir, qapp)
    yield helper
    helper.finish()
    helper.theme.deleteLater()


def test_startup_without_a_vault_shows_the_first_run(start: Any) -> None:
    start.startup.start()
    assert isinstance(start.startup.dialog, FirstRunDialog)
    start.startup.dialog.reject()
    assert start.quits == 1


def test_startup_with_a_passphrase_vault_asks_then_opens_the_window(
    qtbot: Any, start: Any, vault: VaultHandle
) -> None:
    make_passphrase_vault()
    start.startup.start()
    dialog = start.startup.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    dialog.try_unlock()
    qtbot.waitUntil(lambda: start.startup.window is not None, timeout=SLOW_OP_MS)
    assert isinstance(start.startup.window, MainWindow)
    assert start.startup.window.isVisible()
    assert vault.is_open
    assert start.quits == 0


@pytest.mark.keyring
def test_startup_with_keyring_custody_unlocks_silently(
    qtbot: Any, secret_service: str, start: Any, vault: VaultHandle
) -> None:
    vault_service.create_vault().close()
    start.startup.start()
    qtbot.waitUntil(lambda: start.startup.window is not None, timeout=SLOW_OP_MS)
    assert start.startup.dialog is None
    assert vault.is_open
    assert vault.custody == "keyring"


@pytest.mark.keyring
def test_startup_shows_the_keyring_failure_and_a_way_to_retry(
    qtbot: Any, secret_service: str, start: Any, vault: VaultHandle
) -> None:
    vault_service.create_vault().close()
    record = custody.read_record(paths.custody_path())
    custody.keyring_delete(record.vault_id)
    start.startup.start()
    qtbot.waitUntil(lambda: isinstance(start.startup.dialog, UnlockDialog), timeout=SLOW_OP_MS)
    dialog = start.startup.dialog
    assert "could not get the vault key" in dialog.error.text()
    assert "no longer holds" in dialog.error.text()
    assert not dialog.passphrase.isVisible()
    assert not vault.is_open
    with qtbot.waitSignal(dialog.rejected):
        dialog.reject()
    assert start.quits == 1
