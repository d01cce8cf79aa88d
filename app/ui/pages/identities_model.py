"""The table model behind the Identities page.

Rows are keyed by did, which survives a rename: when a refresh brings the
same identities in the same order, only the changed cells are announced
(``dataChanged`` with explicit roles) and the view keeps its selection and
scroll position. Any other change resets the model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from app.services.identities import IdentityInfo
from app.ui import icons
from app.ui.widgets.common import monospace_font

InfoRole: Final = Qt.ItemDataRole.UserRole + 1
"""The ``IdentityInfo`` of a row (any column)."""

DidRole: Final = Qt.ItemDataRole.UserRole + 2

NAME, DID, CREATED = range(3)

_Index = QModelIndex | QPersistentModelIndex


def _local(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def short_date(moment: datetime) -> str:
    """The date in the user's locale; an unambiguous form where none is set."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return _local(moment).toString("d MMM yyyy")
    return locale.toString(_local(moment).date(), QLocale.FormatType.ShortFormat)


def long_date(moment: datetime) -> str:
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return _local(moment).toString("d MMMM yyyy, HH:mm")
    return locale.toString(_local(moment), QLocale.FormatType.LongFormat)


class IdentityTableModel(QAbstractTableModel):
    """Identities as rows: name (star for the default), did, created."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[IdentityInfo] = []
        self._mono = monospace_font()

    # --- reading ------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            NAME: self.tr("Name"),
            DID: self.tr("Identifier (did)"),
            CREATED: self.tr("Created"),
        }.get(section)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        info = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return info.name
            if column == DID:
                return info.did
            if column == CREATED:
                return short_date(info.created)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NAME and info.is_default:
                return self.tr("%1 is the default identity").replace("%1", info.name)
            if column == DID:
                return info.did
            if column == CREATED:
                return long_date(info.created)
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == NAME:
            return icons.icon("star-filled", "accent") if info.is_default else None
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and column == NAME:
            return self.tr("default identity") if info.is_default else None
        if role == Qt.ItemDataRole.FontRole and column == DID:
            return self._mono
        if role == InfoRole:
            return info
        if role == DidRole:
            return info.did
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # --- access for the page ------------------------------------------------

    def info_at(self, row: int) -> IdentityInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, did: str) -> int:
        for row, info in enumerate(self._rows):
            if info.did == did:
                return row
        return -1

    def identities(self) -> list[IdentityInfo]:
        return list(self._rows)

    # --- updating -----------------------------------------------------------

    def set_identities(self, items: list[IdentityInfo]) -> None:
        """Show ``items``; announce only changed cells when the rows are the same."""
        if [i.did for i in items] != [i.did for i in self._rows]:
            self.beginResetModel()
            self._rows = list(items)
            self.endResetModel()
            return
        old, self._rows = self._rows, list(items)
        roles = [
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.DecorationRole,
            Qt.ItemDataRole.AccessibleDescriptionRole,
            InfoRole,
        ]
        for row, (before, after) in enumerate(zip(old, items, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(row, NAME), self.index(row, CREATED), roles)

    def clear(self) -> None:
        self.set_identities([])
