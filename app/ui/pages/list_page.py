"""What the list pages share: a table of items above the details of the selected one.

The Datasets, Submissions and Identities pages each list what the vault
holds. They load the list off the GUI thread whenever the vault opens or
something changed, keep the selection on the same item across a refresh
(or move it to one just made), show an empty state when there is nothing,
and disable their actions while one of their own operations runs or the
vault is locked. :class:`ListPage` does that once; a page says how to load
its items, how to show one, and which actions an item allows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QSplitter,
    QStackedWidget,
    QTableView,
    QWidget,
)

from app.ui.pages.base import Page
from app.ui.prompts import Prompts
from app.ui.table_model import RowListModel
from app.ui.tasks import VaultOp
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, heading, muted


def list_table(name: str, accessible_name: str, model: RowListModel[Any]) -> QTableView:
    """A table of whole-row, single selection, in the look every list page uses.

    Long text (ids, dids) is cut in the middle, where a cut hurts least, and
    the full text is in the cell's tooltip.
    """
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def size_columns(
    table: QTableView, stretch: int, fixed: dict[int, int] | None = None
) -> QHeaderView:
    """One column takes the spare width, ``fixed`` ones start at a width, the rest fit content."""
    header = table.horizontalHeader()
    fixed = fixed or {}
    for column in range(table.model().columnCount()):
        if column == stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        elif column in fixed:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, fixed[column])
        else:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return header


def empty_card(title: str, text: str) -> Card:
    """What a list shows when it has nothing: a title and a sentence on how to get something."""
    card = Card()
    card.body.setContentsMargins(32, 32, 32, 32)
    card.body.addWidget(heading(title, 2))
    card.body.addWidget(muted(text))
    card.body.addStretch(1)
    return card


D = TypeVar("D", bound=QDialog)


class DialogSlot(Generic[D]):
    """At most one dialog open from a page: opening one closes the last; locking closes it."""

    def __init__(self) -> None:
        self.current: D | None = None

    def open(self, dialog: D) -> None:
        self.close()
        self.current = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: self._forget(dialog))
        dialog.open()

    def close(self) -> None:
        dialog, self.current = self.current, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.close()

    def _forget(self, dialog: D) -> None:
        if self.current is dialog:
            self.current = None


class ListPage(Page):
    """A page whose table lists items from the vault, keyed by ``model``'s key.

    Subclasses build :attr:`table`'s columns, :attr:`empty` and their details,
    then call :meth:`start`; they implement :meth:`load`, :meth:`show_item`
    and :meth:`update_actions`.
    """

    def __init__(
        self,
        title: str,
        subtitle: str,
        vault: VaultHandle,
        prompts: Prompts,
        model: RowListModel[Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, subtitle, parent)
        self._vault = vault
        self._prompts = prompts
        self._busy = 0
        self._select_after_refresh: str | None = None
        self.model = model
        self.list_stack = QStackedWidget()

    def start(self, table: QTableView, empty: QWidget) -> None:
        """Put ``empty`` and ``table`` in the list's place and follow the vault from now on."""
        self.table = table
        self.empty = empty
        self.list_stack.addWidget(empty)
        self.list_stack.addWidget(table)
        table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self._vault.state_changed.connect(self._on_vault_state)
        self.show_item(None)
        self.update_actions()
        if self._vault.is_open:
            self.refresh()

    def split_list_and_details(self, details: QWidget, shares: tuple[int, int] = (1, 1)) -> None:
        """The list above ``details``, the border between them draggable."""
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.list_stack)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, shares[0])
        splitter.setStretchFactor(1, shares[1])
        self.body.addWidget(splitter, 1)

    # --- what a page says -------------------------------------------------------------

    def load(self, session: Any) -> list[Any]:
        """The page's items, read from the vault (on the vault's thread)."""
        raise NotImplementedError

    def show_item(self, item: Any) -> None:
        """Fill the details for ``item``, or hide them for ``None``."""
        raise NotImplementedError

    def update_actions(self) -> None:
        """Enable what the selection and :attr:`ready` allow."""
        raise NotImplementedError

    def default_key(self, items: list[Any]) -> str:
        """The item selected when the wanted one is gone: the first."""
        return self.model.key(items[0])

    def on_vault_locked(self) -> None:
        """Called after the vault locks, before the list empties."""

    # --- selection --------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """The vault is open and none of this page's operations is running."""
        return self._vault.is_open and self._busy == 0

    def selected(self) -> Any:
        index = self.table.selectionModel().currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def select_id(self, key: str) -> None:
        """Select the row of ``key`` (a dataset or submission id, an identity's did)."""
        row = self.model.row_of(key)
        if row < 0:
            return
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flags)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_item(self.model.item_at(current.row()) if current.isValid() else None)
        self.update_actions()

    def _on_vault_state(self) -> None:
        if self._vault.is_open:
            self.refresh()
        else:
            self.on_vault_locked()
            self.model.clear()
            self.list_stack.setCurrentWidget(self.empty)
            self.show_item(None)
        self.update_actions()

    # --- loading and running ----------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Reload the list from the vault, keeping the selection or moving it to ``select``."""
        if select is not None:
            self._select_after_refresh = select
        self._vault.op(self, self.load).quiet().success(self._show_list).run()

    def _show_list(self, items: list[Any]) -> None:
        current = self.selected()
        wanted = self._select_after_refresh or (
            self.model.key(current) if current is not None else None
        )
        self._select_after_refresh = None
        self.model.set_items(items)
        self.list_stack.setCurrentWidget(self.table if items else self.empty)
        if items:
            found = wanted is not None and self.model.row_of(wanted) >= 0
            self.select_id(wanted if found and wanted is not None else self.default_key(items))
            self.show_item(self.selected())
        else:
            self.show_item(None)
        self.update_actions()

    def _op(self, fn: Callable[[Any], Any], label: str | None = None) -> VaultOp[Any]:
        """A vault op that keeps the page's actions disabled until it finishes."""
        self._busy += 1
        self.update_actions()
        op = self._vault.op(self, fn).finished(self._op_done)
        return op.with_progress(label) if label else op

    def _op_done(self) -> None:
        self._busy -= 1
        self.update_actions()

    def _changed(self, text: str, select: str | None = None) -> None:
        """After an action: say what happened in the status bar and show the list as it is now."""
        self.message.emit(text)
        self.refresh(select=select)

    def _copied(self, caption: str) -> None:
        self.message.emit(self.tr("Copied the %1").replace("%1", caption))
