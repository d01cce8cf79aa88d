"""A folder path the user can type or choose."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class FolderField(QWidget):
    """A line edit with a "Choose…" button that opens a folder dialog.

    Signals:
        changed: the path changed (typed or chosen).
    """

    changed = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setAccessibleName(caption)
        self.edit.textChanged.connect(lambda _text: self.changed.emit())
        self.button = QPushButton(self.tr("Choose…"))
        self.button.setAccessibleName(self.tr("Choose %1").replace("%1", caption))
        self.button.clicked.connect(self.choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | None) -> None:
        self.edit.setText("" if path is None else str(path))

    def choose(self) -> None:
        start = self.edit.text() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, self.caption, start)
        if chosen:
            self.set_path(Path(chosen))
