"""The main window: navigation, lock and unlock, window state, a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from app.core import settings as registry
from app.services import vault as vault_service
from app.ui import main_window as main_window_module
from app.ui.main_window import PAGES, MainWindow
from app.ui.pages.placeholder import PlaceholderPage
from app.ui.theme import DARK, LIGHT, ThemeController
from app.ui.unlock_dialog import UnlockDialog
from app.ui.vault import VaultHandle
from tests.ui.helpers import PASSPHRASE, SLOW_OP_MS, ScriptedPrompts, make_passphrase_vault

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(
    qtbot: Any,
    open_vault: VaultHandle,
    prompts: ScriptedPrompts,
    theme: ThemeController,
    settings: registry.Settings,
) -> Iterator[MainWindow]:
    win = MainWindow(open_vault, prompts, theme, settings)
    qtbot.addWidget(win)
    win.resize(1180, 760)
    win.show()
    qtbot.waitExposed(win)
    yield win
    qtbot.waitUntil(open_vault.tasks.is_idle, timeout=SLOW_OP_MS)


def test_the_sidebar_reaches_every_page(window: MainWindow) -> None:
    assert window.nav.count() == len(PAGES) == 8
    titles = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert titles == [
        "Dashboard",
        "Datasets",
        "Submissions",
        "Earnings",
        "Reputation",
        "Identities",
        "Networks",
        "Settings",
    ]
    for row, spec in enumerate(PAGES):
        window.nav.setCurrentRow(row)
        assert window.stack.currentWidget() is window.pages[spec.key]
        assert window.current_page() == spec.key


def test_arrow_keys_move_through_the_sidebar(qtbot: Any, window: MainWindow) -> None:
    window.nav.setFocus()
    window.nav.setCurrentRow(0)
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.current_page() == "datasets"
    qtbot.keyClick(window.nav, Qt.Key.Key_End)
    assert window.current_page() == "settings"


def test_ctrl_and_a_number_open_each_page(qtbot: Any, window: MainWindow) -> None:
    window.activateWindow()
    for number, spec in enumerate(PAGES, start=1):
        qtbot.keyClick(
            window, Qt.Key(Qt.Key.Key_0.value + number), Qt.KeyboardModifier.ControlModifier
        )
        assert window.current_page() == spec.key


def test_pages_not_built_yet_say_what_they_will_do(window: MainWindow) -> None:
    placeholders = [p for p in window.pages.values() if isinstance(p, PlaceholderPage)]
    assert {p.objectName() for p in placeholders} == {
        "page-earnings",
        "page-reputation",
        "page-networks",
    }
    for page in placeholders:
        assert page.coming.text() == "Coming in a later version"
        assert len(page.text.text()) > 80


def test_the_status_bar_shows_the_vault_state(window: MainWindow) -> None:
    assert window.vault_label.text() == "Unlocked · passphrase"
    assert window.lock_button.isVisible()


def test_lock_hides_everything_and_unlock_brings_it_back(
    qtbot: Any, window: MainWindow, open_vault: VaultHandle
) -> None:
    window.show_page("identities")
    window.activateWindow()
    with qtbot.waitSignal(open_vault.state_changed, timeout=SLOW_OP_MS):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not open_vault.is_open
    assert window.content.currentWidget() is window.locked_view
    assert not window.nav.isEnabled()
    assert window.vault_label.text() == "Locked · passphrase"
    qtbot.waitUntil(lambda: window.unlock_dialog is not None, timeout=SLOW_OP_MS)
    dialog = window.unlock_dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=SLOW_OP_MS):
        dialog.try_unlock()
    assert open_vault.is_open
    assert window.content.currentWidget() is window.stack
    assert window.current_page() == "identities"


def test_quitting_from_the_unlock_dialog_closes_the_window(
    qtbot: Any, window: MainWindow, open_vault: VaultHandle
) -> None:
    window.lock()
    qtbot.waitUntil(lambda: window.unlock_dialog is not None, timeout=SLOW_OP_MS)
    assert window.unlock_dialog is not None
    window.unlock_dialog.reject()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_a_lock_request_from_the_command_line_locks_the_window(
    qtbot: Any,
    open_vault: VaultHandle,
    prompts: ScriptedPrompts,
    theme: ThemeController,
    settings: registry.Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(main_window_module, "LOCK_REQUEST_POLL_MS", 50)
    win = MainWindow(open_vault, prompts, theme, settings)
    qtbot.addWidget(win)
    assert vault_service.request_lock() is True
    qtbot.waitUntil(lambda: not open_vault.is_open, timeout=SLOW_OP_MS)
    qtbot.waitUntil(lambda: win.unlock_dialog is not None, timeout=SLOW_OP_MS)


def test_window_state_is_kept_in_the_profile(
    qtbot: Any,
    open_vault: VaultHandle,
    prompts: ScriptedPrompts,
    theme: ThemeController,
    settings: registry.Settings,
    data_dir: Path,
) -> None:
    win = MainWindow(open_vault, prompts, theme, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.resize(760, 560)  # inside the offscreen screen, which restoreGeometry respects
    win.show_page("identities")
    win.close()
    state = data_dir / "window-state.ini"
    assert state.is_file()
    stored = QSettings(str(state), QSettings.Format.IniFormat)
    assert stored.value("page") == "identities"
    again = MainWindow(open_vault, prompts, theme, settings)
    qtbot.addWidget(again)
    assert again.current_page() == "identities"
    again.show()
    qtbot.waitExposed(again)
    assert again.size().toTuple() == (760, 560)


def test_the_dashboard_shows_the_default_identity(qtbot: Any, window: MainWindow) -> None:
    dashboard = window.pages["dashboard"]
    window.show_page("dashboard")
    qtbot.waitUntil(lambda: dashboard.identity_name.text() == "Personal", timeout=SLOW_OP_MS)  # type: ignore[attr-defined]
    assert dashboard.did_field.value.text().startswith("did:key:z6Mk")  # type: ignore[attr-defined]


def test_settings_switch_the_theme_and_remember_it(
    qtbot: Any, window: MainWindow, theme: ThemeController, settings: registry.Settings
) -> None:
    page = window.pages["settings"]
    box = page.theme_box  # type: ignore[attr-defined]
    box.setCurrentIndex(box.findData("dark"))
    assert theme.choice == "dark"
    assert QApplication.palette().window().color().name() == DARK.window
    qtbot.waitUntil(
        lambda: registry.Settings.load(settings.path).get(registry.THEME) == "dark",
        timeout=SLOW_OP_MS,
    )
    box.setCurrentIndex(box.findData("light"))
    assert QApplication.palette().window().color().name() == LIGHT.window


def _save(widget: Any, name: str) -> Path:
    folder = PROJECT_ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    target = folder / name
    assert widget.grab().save(str(target))
    return target


def test_screenshot_of_the_main_window(
    qtbot: Any, window: MainWindow, open_vault: VaultHandle, theme: ThemeController
) -> None:
    """Saved for people to look at: test-artifacts/main-window.png (and -dark)."""
    window.show_page("identities")
    page = window.pages["identities"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=SLOW_OP_MS)  # type: ignore[attr-defined]
    light = _save(window, "main-window.png")
    theme.set_choice("dark")
    window.show_page("dashboard")
    qtbot.waitUntil(
        lambda: window.pages["dashboard"].identity_name.text() == "Personal",  # type: ignore[attr-defined]
        timeout=SLOW_OP_MS,
    )
    dark = _save(window, "main-window-dark.png")
    for path in (light, dark):
        assert path.stat().st_size > 10_000
    image = window.grab().toImage()
    assert image.width() >= 1000
    # the sidebar really is dark in the dark theme
    assert image.pixelColor(5, image.height() // 2).lightness() < 80


def test_a_second_vault_unlock_through_a_new_handle_sees_the_same_identities(
    qtbot: Any, vault: VaultHandle
) -> None:
    """The window can start from any profile with a passphrase vault."""
    make_passphrase_vault(("One", "Two"))
    vault.set_custody("passphrase")
    with qtbot.waitSignal(vault.state_changed, timeout=SLOW_OP_MS):
        vault.unlock(None, PASSPHRASE).run()
    assert vault.is_open
