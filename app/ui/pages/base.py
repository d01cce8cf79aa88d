"""What every page shares: a header with title, subtitle and actions.

Pages get what they need passed in (the vault handle, the prompts); they
report short confirmations ("Copied the did") through the ``message``
signal, which the main window shows in its status bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from app.ui.widgets.common import heading, muted

PAGE_MARGINS = (32, 28, 32, 24)


class Page(QWidget):
    """A page of the main window.

    Signals:
        message: a short confirmation for the status bar.
    """

    message = Signal(str)

    def __init__(
        self, title: str, subtitle: str = "", parent: QWidget | None = None, *, scroll: bool = False
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.setAccessibleName(title)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        content = QWidget()
        content.setObjectName("pageContent")
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(*PAGE_MARGINS)
        self.body.setSpacing(16)

        header = QHBoxLayout()
        header.setSpacing(8)
        titles = QVBoxLayout()
        titles.setSpacing(4)
        self.heading = heading(title, 1)
        titles.addWidget(self.heading)
        self.subtitle = muted(subtitle)
        self.subtitle.setVisible(bool(subtitle))
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        self.header_actions = QHBoxLayout()
        self.header_actions.setSpacing(8)
        header.addLayout(self.header_actions)
        header.setAlignment(self.header_actions, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(header)

        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(content)
            outer.addWidget(area)
        else:
            outer.addWidget(content)
