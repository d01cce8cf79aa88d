"""JSON shown exactly, for people who want to read what a machine will get."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.ui.widgets.common import monospace_font


def pretty_json(value: Any) -> str:
    """Indented, keys in their own order, non-ASCII kept readable."""
    return json.dumps(value, indent=2, ensure_ascii=False)


class JsonView(QPlainTextEdit):
    """A read-only, monospaced, selectable view of one JSON document."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(monospace_font())
        self.setWordWrapMode(QTextOption.WrapMode.NoWrap)
        self.setUndoRedoEnabled(False)

    def set_value(self, value: Any) -> None:
        self.setPlainText("" if value is None else pretty_json(value))
