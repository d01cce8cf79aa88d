"""The table model behind the Identities page.

Rows are keyed by did, which survives a rename: when a refresh brings the
same identities in the same order, only the changed cells are announced
(``dataChanged`` with explicit roles) and the view keeps its selection and
scroll position. Any other change resets the model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QDateTime, QLocale, Qt

from app.services.identities import IdentityInfo
from app.ui import icons
from app.ui.table_model import Column, Index, ItemRole, RowListModel

InfoRole: Final = ItemRole
"""The ``IdentityInfo`` of a row (any column)."""

DidRole: Final = Qt.ItemDataRole.UserRole + 2

NAME, DID, CREATED = range(3)


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


class IdentityTableModel(RowListModel[IdentityInfo]):
    """Identities as rows: name (star for the default), did, created."""

    def __init__(self, parent: Any = None) -> None:
        def default_tip(info: IdentityInfo) -> str | None:
            if not info.is_default:
                return None
            return self.tr("%1 is the default identity").replace("%1", info.name)

        columns: list[Column[IdentityInfo]] = [
            Column(
                self.tr("Name"),
                lambda info: info.name,
                tooltip=default_tip,
                icon=lambda info: icons.icon("star-filled", "accent") if info.is_default else None,
                description=lambda info: self.tr("default identity") if info.is_default else None,
            ),
            Column(
                self.tr("Identifier (did)"),
                lambda info: info.did,
                tooltip=lambda info: info.did,
                mono=True,
            ),
            Column(
                self.tr("Created"),
                lambda info: short_date(info.created),
                tooltip=lambda info: long_date(info.created),
            ),
        ]
        super().__init__(columns, lambda info: info.did, parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == DidRole:
            item = self.item_at(index.row()) if index.isValid() else None
            return item.did if item is not None else None
        return super().data(index, role)
