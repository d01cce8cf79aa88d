"""The table model behind the Datasets page.

A vault can hold many prepared datasets; the list arrives from the vault
thread in one piece, but rows are handed to the view in batches
(``canFetchMore`` / ``fetchMore``), so a long list costs only what is on
screen. Rows are keyed by dataset id.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QLocale, QModelIndex, QPersistentModelIndex, Qt

from app.ui.pages.identities_model import long_date, short_date
from app.ui.widgets.common import monospace_font

InfoRole: Final = Qt.ItemDataRole.UserRole + 1
"""The ``DatasetInfo`` of a row."""

NAME, RECORDS, PII, CREATED, ID = range(5)
FETCH: Final = 200

_Index = QModelIndex | QPersistentModelIndex


class DatasetTableModel(QAbstractTableModel):
    """Prepared datasets: name, records, personal information found, date, id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[Any] = []
        self._shown = 0
        self._mono = monospace_font()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._shown < len(self._all)

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid():
            return
        more = min(FETCH, len(self._all) - self._shown)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
            self._shown += more
            self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            NAME: self.tr("Name"),
            RECORDS: self.tr("Records"),
            PII: self.tr("Personal information found"),
            CREATED: self.tr("Prepared"),
            ID: self.tr("Id"),
        }.get(section)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._shown:
            return None
        info = self._all[index.row()]
        column = index.column()
        if role == InfoRole:
            return info
        if role == Qt.ItemDataRole.DisplayRole:
            locale = QLocale()
            if column == NAME:
                return info.name
            if column == RECORDS:
                return locale.toString(int(info.records))
            if column == PII:
                total = sum(int(n) for n in dict(info.pii).values())
                return locale.toString(total) if total else self.tr("none")
            if column == CREATED:
                return short_date(info.created)
            if column == ID:
                return info.id[:12]
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CREATED:
                return long_date(info.created)
            if column == ID:
                return info.id
            return None
        if role == Qt.ItemDataRole.FontRole and column == ID:
            return self._mono
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (RECORDS, PII):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def info_at(self, row: int) -> Any:
        return self._all[row] if 0 <= row < self._shown else None

    def row_of(self, dataset_id: str) -> int:
        for row, info in enumerate(self._all):
            if info.id == dataset_id:
                while row >= self._shown and self.canFetchMore(QModelIndex()):
                    self.fetchMore(QModelIndex())
                return row
        return -1

    def datasets(self) -> list[Any]:
        return list(self._all)

    def set_datasets(self, items: list[Any]) -> None:
        if [i.id for i in items] == [i.id for i in self._all]:
            self._all = list(items)
            if self._shown:
                self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, ID))
            return
        self.beginResetModel()
        self._all = list(items)
        self._shown = min(FETCH, len(items))
        self.endResetModel()

    def clear(self) -> None:
        self.set_datasets([])
