"""Small building blocks shared by pages and dialogs.

Sizes are relative to the user's font, never fixed pixels of text, so the
app respects a larger system font. Looks come from the style sheet through
properties (``card``, ``muted``, ``role``), not from colours set here.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayoutItem,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons
from app.ui.style import line_field_height


def scaled_font(base: QFont, factor: float, *, bold: bool = False) -> QFont:
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    else:
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    return font


def heading(text: str, level: int = 1, parent: QWidget | None = None) -> QLabel:
    """A title: level 1 for a page, 2 for a section."""
    label = QLabel(text, parent)
    factor = {1: 1.6, 2: 1.2, 3: 1.05}.get(level, 1.0)
    label.setFont(scaled_font(label.font(), factor, bold=True))
    label.setAccessibleName(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty("heading", level)
    return label


def muted(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """Secondary text: explanations, captions."""
    label = QLabel(text, parent)
    label.setProperty("muted", True)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


LABEL_GAP = 12
"""Pixels between a form label and its field, so a long caption never touches it."""


def _polished_height(item: QLayoutItem) -> int:
    """The height ``item`` asks for once the style sheet has reached its widgets."""
    widget = item.widget()
    if widget is not None:
        widget.ensurePolished()
        return widget.sizeHint().height()
    layout = item.layout()
    if layout is None:
        return item.sizeHint().height()
    for index in range(layout.count()):
        child = layout.itemAt(index)
        if child is not None:
            _polished_height(child)
    layout.invalidate()
    return layout.sizeHint().height()


def align_form_labels(form: QFormLayout) -> None:
    """Centre each one-line label on its field's first line of text.

    A form row is as tall as its field, but QFormLayout puts the label at
    the top of the row in a box only a little taller than the label, so
    beside a text field or combo box the caption sits a few pixels high.
    Giving the label the height of the field (of one line of it, for a tall
    field such as a text box) puts both texts on one line.

    A row added with an empty caption has no label at all, and QFormLayout
    then sizes a wrapped field (a help text, an error) for a much narrower
    column, leaving blank lines under it; an empty label restores the
    measure. Labels also keep a clear gap from their fields.
    """
    form.setHorizontalSpacing(max(form.horizontalSpacing(), LABEL_GAP))
    for row in range(form.rowCount()):
        field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if field_item is None or form.itemAt(row, QFormLayout.ItemRole.SpanningRole):
            continue  # no field, or one across the whole row (a section title)
        label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        if label_item is None:
            form.setWidget(row, QFormLayout.ItemRole.LabelRole, QLabel())
            label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = label_item.widget() if label_item is not None else None
        if not isinstance(label, QLabel) or label.wordWrap() or not label.text():
            continue
        line = line_field_height(label.fontMetrics())
        label.setFixedHeight(min(_polished_height(field_item), line))


def monospace_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class Card(QFrame):
    """A bordered panel on the page background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 18, 20, 18)
        self.body.setSpacing(10)


def copy_to_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class CopyField(QWidget):
    """A read-only value (a did, a recipient) with a Copy button beside it.

    Signals:
        copied: the value went to the clipboard (argument: the caption).
    """

    copied = Signal(str)

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.value = QLineEdit(readOnly=True)
        self.value.setFont(monospace_font())
        self.value.setAccessibleName(caption)
        self.value.setCursorPosition(0)
        self.value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.button = QToolButton()
        self.button.setIcon(icons.icon("copy"))
        self.button.setText(self.tr("Copy"))
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setToolTip(self.tr("Copy %1 to the clipboard").replace("%1", caption))
        self.button.setAccessibleName(self.tr("Copy %1").replace("%1", caption))
        self.button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.value, 1)
        row.addWidget(self.button)

    def set_value(self, text: str) -> None:
        self.value.setText(text)
        self.value.setCursorPosition(0)
        self.value.setToolTip(text)
        self.button.setEnabled(bool(text))

    def copy(self) -> None:
        if self.value.text():
            copy_to_clipboard(self.value.text())
            self.copied.emit(self.caption)


def labelled(caption: str, field: QWidget) -> QWidget:
    """A small caption above a field."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    label = muted(caption, wrap=False)
    label.setBuddy(field)
    layout.addWidget(label)
    layout.addWidget(field)
    return box


class IconLabel(QLabel):
    """A themed icon shown as a picture; repainted when the theme changes."""

    def __init__(
        self, name: str, tone: icons.Tone = "muted", side: int = 20, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._tone: icons.Tone = tone
        self._side = side
        self.setFixedSize(side, side)
        self._render()

    def set_icon(self, name: str, tone: icons.Tone | None = None) -> None:
        self._name = name
        if tone is not None:
            self._tone = tone
        self._render()

    def _render(self) -> None:
        self.setPixmap(icons.icon(self._name, self._tone).pixmap(self._side, self._side))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._render()
        super().changeEvent(event)
