"""The findings table: a window onto the review store, never the whole list.

The model holds no findings of its own beyond a small cache of blocks of
rows. ``rowCount`` is the count of the store's current arrangement; a row
is read when the view paints it, one block at a time, and old blocks are
forgotten. Clicking a header re-arranges the store (an ``ORDER BY`` in
SQL), typing in the filter box too (a ``WHERE``); both run through the
``runner`` the page gives, off the GUI thread. While the store is busy a
row shows a placeholder and is fetched again shortly after.

:attr:`ReviewTableModel.materialised` counts the rows ever read from the
store, which lets the tests prove the view only ever read a window.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Final

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.services.review_rows import Arrangement, ReviewFilter, ReviewRow, SortKey
from app.services.review_store import ReviewStore
from app.ui import theme
from app.ui.table_model import FlatTableModel, Index
from app.ui.widgets.common import monospace_font
from app.ui.wizard import labels

RowRole: Final = Qt.ItemDataRole.UserRole + 1
"""The ``ReviewRow`` of a row, or ``None`` while it is being fetched."""

RECORD, TYPE, FOUND, FIELD, DETECTOR, ACTION = range(6)
SORT_KEYS: Final = {
    RECORD: SortKey.RECORD,
    TYPE: SortKey.TYPE,
    FOUND: SortKey.VALUE,
    FIELD: SortKey.PATH,
    DETECTOR: SortKey.DETECTOR,
    ACTION: SortKey.ACTION,
}
BLOCK: Final = 128
MAX_BLOCKS: Final = 24
RETRY_MS: Final = 60

Runner = Callable[[Callable[[], Any], Callable[[Any], None]], None]
"""Runs the first callable off the GUI thread, then the second with its result on it."""


def run_here(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
    """A runner for small stores and tests: right now, on this thread."""
    done(work())


def position_ranges(selection: QItemSelection) -> list[tuple[int, int]]:
    """Selected rows as merged ``(first, last)`` ranges: a million rows stay a few ranges."""
    spans = sorted((r.top(), r.bottom()) for r in selection.toList())
    merged: list[tuple[int, int]] = []
    for top, bottom in spans:
        if merged and top <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


class ReviewTableModel(FlatTableModel):
    """Findings as rows: record, type, found text in context, field, detector, decision.

    Signals:
        arranged: a new order or filter is in place (argument: the ``Arrangement``).
        decided: decisions changed (the page refreshes its counts).
    """

    arranged = Signal(object)
    decided = Signal()

    def __init__(self, parent: Any = None, *, runner: Runner = run_here) -> None:
        super().__init__(parent)
        self._store: ReviewStore | None = None
        self._runner = runner
        self._count = 0
        self._blocks: OrderedDict[int, list[ReviewRow]] = OrderedDict()
        self._order = SortKey.RECORD
        self._descending = False
        self._filter = ReviewFilter()
        self._busy = 0
        self._retry = QTimer(self, singleShot=True, interval=RETRY_MS)
        self._retry.timeout.connect(self._refetch)
        self._missing: set[int] = set()
        self.materialised = 0
        self._mono = monospace_font()

    # --- the store ---------------------------------------------------------------

    @property
    def store(self) -> ReviewStore | None:
        return self._store

    def set_store(self, store: ReviewStore | None) -> None:
        self.beginResetModel()
        self._store = store
        self._blocks.clear()
        self._order, self._descending, self._filter = SortKey.RECORD, False, ReviewFilter()
        self._count = store.arrangement.count if store is not None else 0
        self.endResetModel()

    @property
    def busy(self) -> bool:
        return self._busy > 0

    # --- reading ---------------------------------------------------------------

    def row_total(self) -> int:
        return self._count

    def column_total(self) -> int:
        return len(SORT_KEYS)

    def column_title(self, section: int) -> str | None:
        return {
            RECORD: self.tr("Record"),
            TYPE: self.tr("Type"),
            FOUND: self.tr("Found"),
            FIELD: self.tr("Field"),
            DETECTOR: self.tr("Detector"),
            ACTION: self.tr("Decision"),
        }.get(section)

    def row_at(self, row: int) -> ReviewRow | None:
        """The finding shown at ``row``, read through the cache; ``None`` while busy."""
        if self._store is None or not 0 <= row < self._count:
            return None
        block, offset = divmod(row, BLOCK)
        rows = self._blocks.get(block)
        if rows is None:
            fetched = self._store.try_window(block * BLOCK, BLOCK)
            if fetched is None:
                self._missing.add(block)
                if not self._retry.isActive():
                    self._retry.start()
                return None
            self.materialised += len(fetched)
            rows = fetched
            self._blocks[block] = rows
            while len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block)
        return rows[offset] if offset < len(rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.FontRole,
            RowRole,
        ):
            return None
        column = index.column()
        if role == Qt.ItemDataRole.FontRole:
            return self._mono if column in (FIELD, DETECTOR) else None
        row = self.row_at(index.row())
        if role == RowRole:
            return row
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == RECORD:
                return str(row.record + 1)
            if column == TYPE:
                return labels.pii_type(row.type)
            if column == FOUND:
                return row.value
            if column == FIELD:
                return row.path or "/"
            if column == DETECTOR:
                return row.detector
            if column == ACTION:
                text = labels.action(row.action)
                return text if row.decision is None else f"{text} •"
            return None
        # tooltip
        if column == FOUND:
            return f"{row.before}[{row.value}]{row.after}"
        if column == ACTION:
            if row.decision is None:
                return self.tr("%1 (the choice for all of this type)").replace(
                    "%1", labels.action_help(row.action)
                )
            return self.tr("%1 (chosen for this finding)").replace(
                "%1", labels.action_help(row.action)
            )
        return None

    def _refetch(self) -> None:
        blocks, self._missing = self._missing, set()
        for block in sorted(blocks):
            first = block * BLOCK
            last = min(self._count, first + BLOCK) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, 5))

    # --- ordering and filtering ----------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return
        self._order = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._arrange()

    def set_filter(self, flt: ReviewFilter) -> None:
        if flt == self._filter:
            return
        self._filter = flt
        self._arrange()

    def _arrange(self) -> None:
        store = self._store
        if store is None:
            return
        order, descending, flt = self._order, self._descending, self._filter
        self._busy += 1
        self._runner(
            lambda: store.arrange(order, descending=descending, filter=flt), self._arranged
        )

    def _arranged(self, arrangement: Arrangement) -> None:
        self._busy -= 1
        if arrangement.generation != self._store_generation():
            return  # a newer arrangement is on its way
        self.beginResetModel()
        self._blocks.clear()
        self._missing.clear()
        self._count = arrangement.count
        self.endResetModel()
        self.arranged.emit(arrangement)

    def _store_generation(self) -> int:
        return self._store.arrangement.generation if self._store is not None else -1

    # --- deciding -------------------------------------------------------------------

    def decide(self, work: Callable[[ReviewStore], object]) -> None:
        """Run a bulk decision on the store, then show the new decisions."""
        store = self._store
        if store is None:
            return
        self._busy += 1
        self._runner(lambda: work(store), self._after_decision)

    def decide_rows(self, ranges: Sequence[tuple[int, int]], action: str | None) -> None:
        self.decide(lambda store: store.decide_positions(ranges, action))

    def _after_decision(self, _result: object) -> None:
        self._busy -= 1
        self._blocks.clear()
        if self._count:
            self.dataChanged.emit(
                self.index(0, ACTION),
                self.index(self._count - 1, ACTION),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, RowRole],
            )
        self.decided.emit()


class FoundDelegate(QStyledItemDelegate):
    """Paints the match inside its context: muted text around a marked match.

    The match always stays visible: the text before it is cut from the left
    and the text after from the right when the column is narrow.
    """

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.data(RowRole)
        if not isinstance(row, ReviewRow):
            super().paint(painter, option, index)
            return
        tokens = theme.current()
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if isinstance(widget, QWidget) else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = option.rect.adjusted(8, 0, -8, 0)
        metrics = QFontMetrics(option.font)
        gap = 3
        match_w = min(metrics.horizontalAdvance(row.value) + 2 * gap, rect.width())
        match = metrics.elidedText(row.value, Qt.TextElideMode.ElideMiddle, match_w - 2 * gap)
        match_w = metrics.horizontalAdvance(match) + 2 * gap
        side = max(0, rect.width() - match_w)
        before_full = metrics.horizontalAdvance(row.before)
        after_full = metrics.horizontalAdvance(row.after)
        before_w = min(before_full, max(side // 3, side - after_full))
        after_w = side - before_w
        before = metrics.elidedText(row.before, Qt.TextElideMode.ElideLeft, before_w)
        after = metrics.elidedText(row.after, Qt.TextElideMode.ElideRight, after_w)
        before_w = metrics.horizontalAdvance(before)

        painter.save()
        painter.setFont(option.font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        muted = QColor(tokens.text if selected else tokens.muted)
        x = rect.left()
        centre = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.setPen(muted)
        painter.drawText(QRectF(x, rect.top(), before_w, rect.height()), centre, before)
        x += before_w
        box = QRectF(x, rect.center().y() - metrics.height() / 2 - 1, match_w, metrics.height() + 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(tokens.danger_soft))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(tokens.danger))
        painter.drawText(box.adjusted(gap, 0, -gap, 0), centre, match)
        x += match_w
        painter.setPen(muted)
        painter.drawText(QRectF(x, rect.top(), rect.right() - x, rect.height()), centre, after)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 360), size.height())
