"""The table model behind the Submissions page: drafts first, then signed and revoked.

A draft is a prepared dataset that has not been signed for any network yet;
it becomes a submission when the user signs it. Rows are keyed by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui import icons
from app.ui.pages.identities_model import long_date, short_date
from app.ui.widgets.common import monospace_font
from app.ui.wizard import labels

EntryRole: Final = Qt.ItemDataRole.UserRole + 1
"""The ``Entry`` of a row."""

DATASET, NETWORK, STATE, CREATED, ID = range(5)

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Entry:
    """One row: a draft (``submission`` is ``None``) or a submission."""

    id: str
    dataset_id: str
    dataset_name: str
    state: str
    created: datetime
    network: str
    submission: Any = None


def entries(datasets: list[Any], submissions: list[Any]) -> list[Entry]:
    """Drafts (datasets never signed) first, newest first; then the submissions."""
    signed = {s.dataset_id for s in submissions}
    drafts = [
        Entry(d.id, d.id, d.name, "draft", d.created, "") for d in datasets if d.id not in signed
    ]
    done = [
        Entry(
            s.id,
            s.dataset_id,
            s.dataset_name,
            s.state,
            s.created,
            s.network_id or s.network_recipient,
            s,
        )
        for s in submissions
    ]
    return drafts + done


class SubmissionTableModel(QAbstractTableModel):
    """Drafts and submissions: dataset, network, state, created, id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Entry] = []
        self._mono = monospace_font()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            DATASET: self.tr("Dataset"),
            NETWORK: self.tr("Network"),
            STATE: self.tr("State"),
            CREATED: self.tr("Date"),
            ID: self.tr("Id"),
        }.get(section)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            if column == DATASET:
                return entry.dataset_name
            if column == NETWORK:
                return entry.network or self.tr("not chosen yet")
            if column == STATE:
                return labels.state(entry.state)
            if column == CREATED:
                return short_date(entry.created)
            if column == ID:
                return entry.id[:12]
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == STATE:
            name, tone = {
                "draft": ("rename", "muted"),
                "signed": ("sign", "success"),
                "revoked": ("revoke", "danger"),
            }.get(entry.state, ("info", "muted"))
            return icons.icon(name, tone)  # type: ignore[arg-type]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CREATED:
                return long_date(entry.created)
            if column in (ID, NETWORK):
                return entry.id if column == ID else entry.network
            return None
        if role == Qt.ItemDataRole.FontRole and column in (ID, NETWORK):
            return self._mono
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def entry_at(self, row: int) -> Entry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, entry_id: str) -> int:
        return next((r for r, e in enumerate(self._rows) if e.id == entry_id), -1)

    def entries(self) -> list[Entry]:
        return list(self._rows)

    def set_entries(self, items: list[Entry]) -> None:
        if [e.id for e in items] == [e.id for e in self._rows]:
            old, self._rows = self._rows, list(items)
            for row, (before, after) in enumerate(zip(old, items, strict=True)):
                if before != after:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, ID))
            return
        self.beginResetModel()
        self._rows = list(items)
        self.endResetModel()

    def clear(self) -> None:
        self.set_entries([])
