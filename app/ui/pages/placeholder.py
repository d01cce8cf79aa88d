"""A page that is not built yet says what it will do, plainly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.pages.base import Page
from app.ui.widgets.common import Card, IconLabel, heading, muted


class PlaceholderPage(Page):
    """Names the page, describes what it will do, and says it is coming."""

    def __init__(
        self, title: str, description: str, icon_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, parent=parent)
        self.description = description
        card = Card()
        card.setObjectName("placeholderCard")
        card.body.setContentsMargins(32, 32, 32, 32)
        card.body.setSpacing(12)
        picture = IconLabel(icon_name, "muted", 40)
        picture.setAccessibleName(title)
        card.body.addWidget(picture, 0, Qt.AlignmentFlag.AlignLeft)
        self.coming = heading(self.tr("Coming in a later version"), 2)
        card.body.addWidget(self.coming)
        self.text = muted(description)
        card.body.addWidget(self.text)
        wrapper = QVBoxLayout()
        wrapper.addWidget(card)
        wrapper.addStretch(1)
        self.body.addLayout(wrapper, 1)
