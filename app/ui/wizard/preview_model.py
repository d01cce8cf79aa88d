"""The preview table: the first records of the input, shown as they are read.

A preview holds at most a few hundred records, but a record can be wide and
deep; rows are handed to the view in batches (``canFetchMore`` /
``fetchMore``) and cells are turned into text only when painted.
"""

from __future__ import annotations

import json
from typing import Any, Final

from PySide6.QtCore import QModelIndex, Qt

from app.core.datasets.preview import Preview
from app.ui.table_model import RIGHT, FlatTableModel, Index

FETCH: Final = 100
CELL_CHARS: Final = 240


def cell_text(value: object) -> str:
    """One line of text for a JSON value; long text is cut with an ellipsis."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    text = " ".join(text.split()) if any(c in text for c in "\r\n\t") else text
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


class PreviewTableModel(FlatTableModel):
    """Records as rows, their keys as columns, the source line first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._preview: Preview | None = None
        self._shown = 0
        self.fetched = 0

    def set_preview(self, preview: Preview | None) -> None:
        self.beginResetModel()
        self._preview = preview
        self._shown = 0
        self.endResetModel()

    @property
    def preview(self) -> Preview | None:
        return self._preview

    def _total(self) -> int:
        return len(self._preview.records) if self._preview is not None else 0

    def row_total(self) -> int:
        return self._shown

    def column_total(self) -> int:
        return 1 + len(self._preview.columns) if self._preview is not None else 0

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < self._total()

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(FETCH, self._total() - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.fetched += more
        self.endInsertRows()

    def column_title(self, section: int) -> str | None:
        if self._preview is None:
            return None
        if section == 0:
            return self.tr("Line")
        columns = self._preview.columns
        return columns[section - 1] if 0 < section <= len(columns) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._preview is None or index.row() >= self._shown:
            return None
        record = self._preview.records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                location = record.location
                return str(location.line if location.line is not None else location.index + 1)
            key = self._preview.columns[column - 1]
            return cell_text(record.data.get(key))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return record.location.describe()
            value = record.data.get(self._preview.columns[column - 1])
            text = value if isinstance(value, str) else cell_text(value)
            return text[:2000]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return RIGHT
        return None
