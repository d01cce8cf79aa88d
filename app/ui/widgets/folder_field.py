"""A folder path the user can type or choose.

The "Choose…" button asks through the :class:`~app.ui.prompts.Prompts` it
was given, so a test answers it like any other question.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.ui.prompts import Prompts


class FolderField(QWidget):
    """A line edit with a "Choose…" button that opens a folder dialog.

    Signals:
        changed: the path changed (typed or chosen).
    """

    changed = Signal()

    def __init__(
        self, caption: str, prompts: Prompts | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.caption = caption
        self.prompts = prompts or Prompts()
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
        chosen = self.prompts.folder(self, self.caption, self.path() or Path.home())
        if chosen is not None:
            self.set_path(chosen)
