"""What Tessera's tables have in common, so each model says only what is its own.

Every table in the app is flat (no row has children), has titled columns
and selectable rows: :class:`FlatTableModel` answers those questions once.
The list pages (datasets, submissions, identities) also share how rows
arrive and are found: a list of items keyed by an id, replaced in one piece
from the vault thread, announced as changed cells when the same items come
back in the same order (so the view keeps its selection and scroll
position) and as a reset otherwise. :class:`RowListModel` does that from a
list of :class:`Column` specs, each saying how one column shows an item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui.widgets.common import monospace_font

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

ItemRole: Final = Qt.ItemDataRole.UserRole + 1
"""The item behind a row (any column)."""

RIGHT: Final = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_FLAGS: Final = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


class FlatTableModel(QAbstractTableModel):
    """A table without children: subclasses give counts, titles and cells."""

    def row_total(self) -> int:
        raise NotImplementedError

    def column_total(self) -> int:
        raise NotImplementedError

    def column_title(self, section: int) -> str | None:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.column_total()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.column_title(section)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """How one column shows an item; a missing function means the column has no such role."""

    title: str
    text: Callable[[T], str]
    tooltip: Callable[[T], str | None] | None = None
    icon: Callable[[T], Any] | None = None
    description: Callable[[T], str | None] | None = None
    mono: bool = False
    align: int | None = None


_CELL_ROLES: Final = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.AccessibleDescriptionRole,
    ItemRole,
)


class RowListModel(FlatTableModel, Generic[T]):
    """Items keyed by ``key``, one a row, shown through ``columns``.

    With ``batch``, rows are handed to the view that many at a time
    (``canFetchMore`` / ``fetchMore``), so a long list costs only what is on
    screen; :meth:`row_of` fetches up to the row it finds.
    """

    def __init__(
        self,
        columns: Sequence[Column[T]],
        key: Callable[[T], str],
        parent: Any = None,
        *,
        batch: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._batch = batch
        self._rows: list[T] = []
        self._shown = 0
        self._mono = monospace_font()

    # --- reading ---------------------------------------------------------------------

    def row_total(self) -> int:
        return self._shown

    def column_total(self) -> int:
        return len(self._columns)

    def column_title(self, section: int) -> str | None:
        return self._columns[section].title if 0 <= section < len(self._columns) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._shown:
            return None
        if not 0 <= index.column() < len(self._columns):
            return None
        item = self._rows[index.row()]
        if role == ItemRole:
            return item
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(item) if column.tooltip else None
        if role == Qt.ItemDataRole.DecorationRole:
            return column.icon(item) if column.icon else None
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return column.description(item) if column.description else None
        if role == Qt.ItemDataRole.FontRole:
            return self._mono if column.mono else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(self._batch or len(self._rows), len(self._rows) - self._shown)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
            self._shown += more
            self.endInsertRows()

    # --- access for the page --------------------------------------------------------------

    def key(self, item: T) -> str:
        return self._key(item)

    def item_at(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < self._shown else None

    def row_of(self, key: str) -> int:
        """The row of the item keyed ``key`` (fetched into view), or -1."""
        for row, item in enumerate(self._rows):
            if self._key(item) == key:
                while row >= self._shown and self.canFetchMore(QModelIndex()):
                    self.fetchMore(QModelIndex())
                return row
        return -1

    def items(self) -> list[T]:
        return list(self._rows)

    # --- updating -----------------------------------------------------------------------

    def set_items(self, items: Sequence[T]) -> None:
        """Show ``items``; announce only changed rows when the keys are the same, in order."""
        if [self._key(i) for i in items] != [self._key(i) for i in self._rows]:
            self.beginResetModel()
            self._rows = list(items)
            self._shown = min(self._batch or len(items), len(items))
            self.endResetModel()
            return
        old, self._rows = self._rows, list(items)
        last = len(self._columns) - 1
        for row, (before, after) in enumerate(zip(old[: self._shown], items, strict=False)):
            if before != after:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last), list(_CELL_ROLES))

    def clear(self) -> None:
        self.set_items([])
