"""Unlocking the vault.

With passphrase custody the dialog asks for the passphrase; a wrong one is
an inline message, the dialog stays open and nothing on disk changes. With
keyring custody there is nothing to type: the dialog only offers to try
the keyring again (it is shown when the keyring failed, or after Lock).
Cancel quits, because there is nothing Tessera can show without the vault.

The dialog is opened with ``open()`` and reports through ``accepted`` /
``rejected``, so callers and tests never block on it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import TesseraError
from app.core.identity.custody import WrongPassphrase
from app.ui import icons
from app.ui.errors import show_error, user_words
from app.ui.vault import VaultHandle
from app.ui.widgets.common import IconLabel, heading, muted


class UnlockDialog(QDialog):
    """Asks for what opens the vault, then opens it through the vault handle."""

    def __init__(
        self, vault: VaultHandle, parent: QWidget | None = None, *, error: str | None = None
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self.setWindowTitle(self.tr("Unlock Tessera"))
        self.setWindowIcon(icons.app_icon())
        self.setMinimumWidth(440)
        self.setModal(True)
        self._needs_passphrase = vault.custody != "keyring"

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 20)
        layout.setSpacing(12)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(IconLabel("lock", "accent", 28))
        top.addWidget(heading(self.tr("Unlock your vault"), 2), 1)
        layout.addLayout(top)

        if self._needs_passphrase:
            explanation = self.tr("Enter your passphrase to open the vault.")
        else:
            explanation = self.tr(
                "The vault key is held by your OS keyring. Unlock the keyring if it asks, "
                "then try again."
            )
        self.explanation = muted(explanation)
        layout.addWidget(self.explanation)

        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.passphrase.setPlaceholderText(self.tr("Passphrase"))
        self.passphrase.setVisible(self._needs_passphrase)
        self.passphrase.textChanged.connect(self._on_text_changed)
        layout.addWidget(self.passphrase)

        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("inlineError")
        self.error.setProperty("role", "error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setVisible(False)
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox()
        self.unlock_button = QPushButton(icons.icon("unlock", "on_accent"), self.tr("Unlock"))
        self.unlock_button.setProperty("role", "primary")
        self.unlock_button.setDefault(True)
        self.quit_button = QPushButton(self.tr("Quit Tessera"))
        self.buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.reject)
        layout.addSpacing(4)
        layout.addWidget(self.buttons)

        if error:
            self._show_error(error)
        self._on_text_changed()

    @property
    def busy(self) -> bool:
        return not self.quit_button.isEnabled()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._needs_passphrase:
            self.passphrase.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def accept(self) -> None:
        """Enter and the Unlock button both lead here; only success closes."""
        self.try_unlock()

    def _on_text_changed(self) -> None:
        self.unlock_button.setEnabled(not self._needs_passphrase or bool(self.passphrase.text()))

    def _set_busy(self, busy: bool) -> None:
        self.passphrase.setEnabled(not busy)
        self.quit_button.setEnabled(not busy)
        if busy:
            self.unlock_button.setEnabled(False)
            self.unlock_button.setText(self.tr("Unlocking…"))
        else:
            self.unlock_button.setText(self.tr("Unlock"))
            self._on_text_changed()

    def try_unlock(self) -> None:
        if self.busy or not self.unlock_button.isEnabled():
            return
        passphrase = self.passphrase.text() if self._needs_passphrase else None
        self.error.setVisible(False)
        self._set_busy(True)
        self._vault.unlock(self, passphrase).success(self._unlocked).failure(self._failed).run()

    def _unlocked(self, _custody: object) -> None:
        self.passphrase.clear()
        self._set_busy(False)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, WrongPassphrase):
            self._show_error(
                self.tr("That passphrase does not open this vault. Nothing was changed; try again.")
            )
            self.passphrase.selectAll()
            self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        elif isinstance(exc, TesseraError):
            message, hint = user_words(exc)
            self._show_error(f"{message} {hint}" if hint else message)
        else:
            show_error(self, exc)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
