"""The table model behind the Datasets page.

A vault can hold many prepared datasets; the list arrives from the vault
thread in one piece, but rows are handed to the view in batches, so a long
list costs only what is on screen. Rows are keyed by dataset id.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import QLocale

from app.ui.pages.identities_model import long_date, short_date
from app.ui.table_model import RIGHT, Column, ItemRole, RowListModel

InfoRole: Final = ItemRole
"""The ``DatasetInfo`` of a row."""

NAME, RECORDS, PII, CREATED, ID = range(5)
FETCH: Final = 200


class DatasetTableModel(RowListModel[Any]):
    """Prepared datasets: name, records, personal information found, date, id."""

    def __init__(self, parent: Any = None) -> None:
        def pii(info: Any) -> str:
            total = sum(int(n) for n in dict(info.pii).values())
            return QLocale().toString(total) if total else self.tr("none")

        columns: list[Column[Any]] = [
            Column(self.tr("Name"), lambda info: info.name),
            Column(
                self.tr("Records"), lambda info: QLocale().toString(int(info.records)), align=RIGHT
            ),
            Column(self.tr("Personal information found"), pii, align=RIGHT),
            Column(
                self.tr("Prepared"),
                lambda info: short_date(info.created),
                tooltip=lambda info: long_date(info.created),
            ),
            Column(self.tr("Id"), lambda info: info.id, tooltip=lambda info: info.id, mono=True),
        ]
        super().__init__(columns, lambda info: info.id, parent, batch=FETCH)
