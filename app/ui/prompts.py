"""Every question the GUI asks in a modal dialog.

Pages never call ``QFileDialog`` or ``QInputDialog`` themselves; they ask a
:class:`Prompts` object they were given. The real one shows dialogs; tests
pass one that answers from a script, so they drive whole flows (back up,
restore, delete) without a blocking ``exec()`` in the way.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets.passphrase import NewPassphraseFields


class Prompts:
    """Questions answered by the user through standard dialogs."""

    def _start_dir(self) -> str:
        return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)

    def open_file(self, parent: QWidget | None, title: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(parent, title, self._start_dir(), filters)
        return Path(name) if name else None

    def open_files(self, parent: QWidget | None, title: str, filters: str) -> list[Path]:
        """Several existing files; an empty list when the user cancels."""
        names, _ = QFileDialog.getOpenFileNames(parent, title, self._start_dir(), filters)
        return [Path(name) for name in names]

    def folder(self, parent: QWidget | None, title: str, start: Path | None = None) -> Path | None:
        """An existing folder, starting in ``start`` when it is given."""
        chosen = QFileDialog.getExistingDirectory(
            parent, title, str(start) if start is not None else self._start_dir()
        )
        return Path(chosen) if chosen else None

    def save_file(
        self, parent: QWidget | None, title: str, suggested: str, filters: str
    ) -> Path | None:
        start = str(Path(self._start_dir()) / suggested)
        name, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
        return Path(name) if name else None

    def text(self, parent: QWidget | None, title: str, label: str, value: str = "") -> str | None:
        answer, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, value)
        return answer if ok else None

    def passphrase(self, parent: QWidget | None, title: str, label: str) -> str | None:
        dialog = PassphraseDialog(parent, title, label, confirm=False)
        return dialog.passphrase() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def new_passphrase(self, parent: QWidget | None, title: str, label: str) -> str | None:
        dialog = PassphraseDialog(parent, title, label, confirm=True)
        return dialog.passphrase() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm(
        self, parent: QWidget | None, title: str, text: str, details: str, action: str
    ) -> bool:
        """Ask before something that cannot be undone; ``action`` names the button."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        box.setInformativeText(details)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is go


class PassphraseDialog(QDialog):
    """Asks for a passphrase, once or (for a new one) twice."""

    def __init__(self, parent: QWidget | None, title: str, label: str, *, confirm: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        text = QLabel(label, wordWrap=True)
        layout.addWidget(text)
        self._fields: NewPassphraseFields | None = None
        self._single: QLineEdit | None = None
        if confirm:
            self._fields = NewPassphraseFields()
            self._fields.changed.connect(self._update)
            layout.addWidget(self._fields)
        else:
            self._single = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
            self._single.setAccessibleName(QCoreApplication.translate("Prompts", "Passphrase"))
            self._single.textChanged.connect(self._update)
            text.setBuddy(self._single)
            layout.addWidget(self._single)
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        layout.addWidget(self._buttons)
        self._update()

    def _ok(self) -> QPushButton:
        button = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def _update(self) -> None:
        self._ok().setEnabled(self.passphrase() is not None)

    def passphrase(self) -> str | None:
        if self._fields is not None:
            return self._fields.passphrase()
        assert self._single is not None
        return self._single.text() or None

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        if self._fields is not None:
            self._fields.focus_first()
        elif self._single is not None:
            self._single.setFocus(Qt.FocusReason.OtherFocusReason)
