"""Helpers for the desktop tests: scripted prompts, ready-made vaults, dialogs."""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.services import identities as identity_service
from app.services import vault as vault_service
from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle

PASSPHRASE = "correct horse battery staple"
SLOW_OP_MS = 20_000  # Argon2id and scrypt on a shared, busy machine


class ScriptedPrompts(Prompts):
    """Answers questions from a script and records what was asked."""

    def __init__(self) -> None:
        self._answers: dict[str, deque[Any]] = defaultdict(deque)
        self.asked: list[tuple[str, tuple[Any, ...]]] = []

    def answer(self, kind: str, *values: Any) -> ScriptedPrompts:
        self._answers[kind].extend(values)
        return self

    def _next(self, kind: str, *args: Any) -> Any:
        self.asked.append((kind, args))
        if not self._answers[kind]:
            raise AssertionError(f"unexpected {kind} prompt: {args!r}")
        return self._answers[kind].popleft()

    def unused(self) -> dict[str, list[Any]]:
        return {kind: list(queue) for kind, queue in self._answers.items() if queue}

    def open_file(self, parent: QWidget | None, title: str, filters: str) -> Path | None:
        return self._next("open_file", title, filters)  # type: ignore[no-any-return]

    def open_files(self, parent: QWidget | None, title: str, filters: str) -> list[Path]:
        return list(self._next("open_files", title, filters))

    def folder(self, parent: QWidget | None, title: str, start: Path | None = None) -> Path | None:
        return self._next("folder", title, start)  # type: ignore[no-any-return]

    def save_file(
        self, parent: QWidget | None, title: str, suggested: str, filters: str
    ) -> Path | None:
        return self._next("save_file", title, suggested, filters)  # type: ignore[no-any-return]

    def text(self, parent: QWidget | None, title: str, label: str, value: str = "") -> str | None:
        return self._next("text", title, label, value)  # type: ignore[no-any-return]

    def passphrase(self, parent: QWidget | None, title: str, label: str) -> str | None:
        return self._next("passphrase", title, label)  # type: ignore[no-any-return]

    def new_passphrase(self, parent: QWidget | None, title: str, label: str) -> str | None:
        return self._next("new_passphrase", title, label)  # type: ignore[no-any-return]

    def confirm(
        self, parent: QWidget | None, title: str, text: str, details: str, action: str
    ) -> bool:
        return bool(self._next("confirm", title, text, details, action))


def make_passphrase_vault(names: tuple[str, ...] = ("Personal",)) -> list[str]:
    """A vault with passphrase custody and some identities, made directly; their dids."""
    with vault_service.create_vault(passphrase=PASSPHRASE) as session:
        return [identity_service.create_identity(session, name).did for name in names]


def unlock(qtbot: Any, vault: VaultHandle, passphrase: str | None = PASSPHRASE) -> None:
    """Open the vault through the handle, as the unlock dialog would."""
    with qtbot.waitSignal(vault.state_changed, timeout=SLOW_OP_MS):
        vault.unlock(None, passphrase).run()
    assert vault.is_open


def message_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def close_message_boxes() -> None:
    for box in message_boxes():
        box.done(0)
