"""A place to drop files and folders, also reachable by keyboard.

Dragging is the quick way in; the buttons inside do the same for people who
do not drag (or cannot). The zone paints its own dashed frame from the
theme's colours, so it follows light and dark without a style sheet rule.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.ui import theme
from app.ui.widgets.common import IconLabel, heading, muted


def local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    """The local files and folders a drag carries; remote URLs are ignored."""
    data = event.mimeData()
    if data is None or not data.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]


class DropZone(QWidget):
    """Accepts dropped files and folders.

    Signals:
        dropped: local paths were dropped (argument: ``list[Path]``).
        browse_files: the user asked to pick files.
        browse_folder: the user asked to pick a folder.
    """

    dropped = Signal(list)
    browse_files = Signal()
    browse_folder = Signal()

    def __init__(self, title: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("dropZone")
        self.setAccessibleName(title)
        self.setMinimumHeight(150)
        self._hover = False
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 20, 24, 20)
        column.setSpacing(8)
        column.addStretch(1)
        column.addWidget(IconLabel("import", "accent", 36), 0, Qt.AlignmentFlag.AlignHCenter)
        self.title = heading(title, 2)
        column.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hint = muted(hint)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.hint)
        buttons = QHBoxLayout()
        self.buttons = buttons
        buttons.addStretch(1)
        self.files_button = QPushButton(self.tr("Choose files…"))
        self.files_button.setAccessibleName(self.tr("Choose files to import"))
        self.files_button.clicked.connect(self.browse_files)
        self.folder_button = QPushButton(self.tr("Choose a folder…"))
        self.folder_button.setAccessibleName(self.tr("Choose a folder to import"))
        self.folder_button.clicked.connect(self.browse_folder)
        buttons.addWidget(self.files_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addStretch(1)

    def add_button(self, button: QPushButton) -> None:
        """Put a page's own button above the others (an empty state's main action).

        It gets a row of its own so that the zone stays as narrow as before.
        """
        column = self.layout()
        assert isinstance(column, QVBoxLayout)
        column.insertWidget(column.indexOf(self.hint) + 1, button, 0, Qt.AlignmentFlag.AlignHCenter)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
            self._hover = True
            self.update()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._hover = False
        self.update()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover = False
        self.update()
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)

    def paintEvent(self, event: QPaintEvent) -> None:
        tokens = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        painter.setBrush(QColor(tokens.accent_soft if self._hover else tokens.base))
        pen = QPen(QColor(tokens.accent if self._hover else tokens.strong_border), 1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(rect, 12, 12)
        painter.end()
