"""Fixtures for the desktop tests: a task manager, a vault handle, scripted prompts.

Every test gets its own profile (``data_dir``), its own threads, and a
light theme; nothing here blocks on a modal dialog.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtWidgets import QApplication

from app.core import settings as registry
from app.ui.tasks import TaskManager
from app.ui.theme import ThemeController
from app.ui.vault import VaultHandle
from tests.ui.helpers import SLOW_OP_MS, ScriptedPrompts, make_passphrase_vault, unlock


@pytest.fixture
def prompts() -> ScriptedPrompts:
    return ScriptedPrompts()


@pytest.fixture
def tasks(qapp: QApplication) -> Iterator[TaskManager]:
    manager = TaskManager(pool_workers=2)
    yield manager
    manager.shutdown(wait=True)


@pytest.fixture
def vault(tasks: TaskManager, data_dir: Path, qtbot: Any) -> Iterator[VaultHandle]:
    """A handle on this test's profile; closed (and its work finished) afterwards."""
    handle = VaultHandle(tasks)
    yield handle
    qtbot.waitUntil(tasks.is_idle, timeout=SLOW_OP_MS)
    handle.close_now()


@pytest.fixture
def theme(qapp: QApplication) -> Iterator[ThemeController]:
    controller = ThemeController(qapp, "light")
    controller.refresh()
    yield controller
    controller.set_choice("light")
    controller.deleteLater()


@pytest.fixture
def settings(data_dir: Path) -> registry.Settings:
    return registry.Settings.load(data_dir / "settings.json")


@pytest.fixture
def open_vault(qtbot: Any, vault: VaultHandle) -> VaultHandle:
    """A handle on an unlocked passphrase vault holding one identity, "Personal"."""
    make_passphrase_vault()
    vault.set_custody("passphrase")
    unlock(qtbot, vault)
    return vault


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives widgets. The offscreen platform's notes that it
    lacks a window system feature ("This plugin does not support raise()")
    are about the test platform, not warnings about Tessera."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_ignore(r"^This plugin does not support "))
