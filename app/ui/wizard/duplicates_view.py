"""Duplicates found by the scan, for review: each removed record beside the one kept.

The pipeline keeps the first record of a group and leaves the others out,
unless the contributor keeps one here after looking at it ("Keep this record
too"); the kept indices go into the prepare request. The records are read
again from the inputs on demand (:mod:`app.ui.wizard.duplicates`), in the
background, only for the pair the user selects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets.common import heading, monospace_font, muted
from app.ui.wizard.duplicates import Located

MAX_PAIRS = 2000
"""Pairs listed; the counts above the list always count every one."""

Runner = Callable[[Callable[[], Any], Callable[[Any], None]], None]
Loader = Callable[[frozenset[int]], dict[int, Located]]


class RecordPane(QWidget):
    """One record with a caption: which one, where it was read, kept or removed."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.title = heading(title, 3)
        self.where = muted()
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(monospace_font())
        self.text.setAccessibleName(title)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        column.addWidget(self.title)
        column.addWidget(self.where)
        column.addWidget(self.text, 1)

    def show_record(self, caption: str, located: Located | None, placeholder: str = "") -> None:
        self.where.setText(caption)
        if located is None:
            self.text.setPlainText(placeholder)
            return
        record, location = located
        name = Path(location.path.split("!/")[-1]).name or location.path
        line = location.line
        where = (
            self.tr("%1, line %2").replace("%1", name).replace("%2", str(line))
            if line is not None
            else name
        )
        self.where.setText(f"{caption} · {where}")
        self.where.setToolTip(location.describe())
        self.text.setPlainText(json.dumps(record, ensure_ascii=False, indent=2))


class DuplicatesPanel(QWidget):
    """A list of (kept, removed) pairs and the two records side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner: Runner | None = None
        self._loader: Loader | None = None
        self._cache: dict[int, Located | None] = {}
        self._wanted: tuple[int, int] | None = None
        self.kept_indices: set[int] = set()
        """Left-out records the contributor chose to keep; the wizard's draft shares this set."""
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 12)
        column.setSpacing(8)
        self.counts = muted()
        self.counts.setObjectName("duplicateCounts")
        self.note = muted()
        self.note.setObjectName("duplicateNote")
        self.note.setText(
            self.tr(
                "Tessera keeps the first record of each group and leaves the others out. "
                "Select a pair to compare them; if the second one is not a duplicate after "
                "all, keep it too."
            )
        )
        column.addWidget(self.counts)
        column.addWidget(self.note)
        self.pairs = QListWidget()
        self.pairs.setObjectName("duplicatePairs")
        self.pairs.setAccessibleName(self.tr("Near duplicates"))
        self.pairs.currentItemChanged.connect(lambda _c, _p: self._show_current())
        widest = self.tr("Record %1 ≈ record %2 (%3 similar)")
        self.pairs.setMinimumWidth(
            self.pairs.fontMetrics().horizontalAdvance(
                widest.replace("%1", "00,000").replace("%2", "00,000").replace("%3", "100%")
            )
            + 32
        )
        self.kept = RecordPane(self.tr("Kept"))
        self.removed = RecordPane(self.tr("Left out"))
        sides = QWidget()
        side_row = QHBoxLayout(sides)
        side_row.setContentsMargins(0, 0, 0, 0)
        side_row.addWidget(self.kept, 1)
        side_row.addWidget(self.removed, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.pairs)
        splitter.addWidget(sides)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        self.splitter = splitter
        column.addWidget(splitter, 1)
        self.keep_box = QCheckBox(self.tr("Keep the left-out record too: it is not a duplicate"))
        self.keep_box.setObjectName("keepNearDuplicate")
        self.keep_box.setAccessibleName(self.tr("Keep the left-out record too"))
        self.keep_box.setEnabled(False)
        self.keep_box.toggled.connect(self._keep_toggled)
        column.addWidget(self.keep_box)

    def set_result(self, result: Any, runner: Runner | None, loader: Loader | None) -> int:
        """Show the duplicates of a ``ScanResult`` (``None`` clears); the number of pairs."""
        self._runner, self._loader = runner, loader
        self._cache.clear()
        self._wanted = None
        self.pairs.clear()
        if result is None:
            self.counts.setText("")
            self._show_current()
            return 0
        locale = QLocale()
        exact = int(getattr(result, "exact_duplicates", 0) or 0)
        near = int(getattr(result, "near_duplicates", 0) or 0)
        clusters = list(getattr(result, "near_clusters", ()) or ())
        parts = []
        if exact:
            parts.append(
                self.tr(
                    "%1 exact duplicates will be left out (the same after normalising)."
                ).replace("%1", locale.toString(exact))
            )
        else:
            parts.append(self.tr("No exact duplicates."))
        if clusters:
            parts.append(
                self.tr("%1 near duplicates in %2 groups will be left out.")
                .replace("%1", locale.toString(near or sum(len(c.members) for c in clusters)))
                .replace("%2", locale.toString(len(clusters)))
            )
        else:
            parts.append(self.tr("No near duplicates to review."))
        self.counts.setText(" ".join(parts))
        shown = 0
        for cluster in clusters:
            for member in cluster.members:
                if shown >= MAX_PAIRS:
                    break
                text = (
                    self.tr("Record %1 ≈ record %2 (%3 similar)")
                    .replace("%1", locale.toString(member.index + 1))
                    .replace("%2", locale.toString(cluster.representative + 1))
                    .replace("%3", f"{member.similarity:.0%}")
                )
                item = QListWidgetItem(self._label(text, member.index))
                item.setData(Qt.ItemDataRole.UserRole, (cluster.representative, member.index))
                item.setData(Qt.ItemDataRole.UserRole + 1, text)
                self.pairs.addItem(item)
                shown += 1
        self.note.setVisible(bool(clusters))
        self.splitter.setVisible(bool(clusters))
        self.keep_box.setVisible(bool(clusters))
        if shown:
            self.pairs.setCurrentRow(0)
        else:
            self._show_current()
        return shown

    def _label(self, text: str, index: int) -> str:
        return text + self.tr(" · kept") if index in self.kept_indices else text

    def _keep_toggled(self, checked: bool) -> None:
        item: QListWidgetItem | None = self.pairs.currentItem()
        if item is None:
            return
        _first, other = item.data(Qt.ItemDataRole.UserRole)
        if checked:
            self.kept_indices.add(other)
        else:
            self.kept_indices.discard(other)
        item.setText(self._label(item.data(Qt.ItemDataRole.UserRole + 1), other))
        self.removed.title.setText(self.tr("Kept too") if checked else self.tr("Left out"))

    def _show_current(self) -> None:
        item: QListWidgetItem | None = self.pairs.currentItem()
        if item is None:
            self.keep_box.setEnabled(False)
            self.kept.show_record("", None)
            self.removed.show_record("", None)
            return
        first, other = item.data(Qt.ItemDataRole.UserRole)
        self.keep_box.setEnabled(True)
        self.keep_box.blockSignals(True)
        self.keep_box.setChecked(other in self.kept_indices)
        self.keep_box.blockSignals(False)
        self.removed.title.setText(
            self.tr("Kept too") if other in self.kept_indices else self.tr("Left out")
        )
        self._wanted = (first, other)
        locale = QLocale()
        kept_caption = self.tr("Record %1").replace("%1", locale.toString(first + 1))
        removed_caption = self.tr("Record %1").replace("%1", locale.toString(other + 1))
        missing = {i for i in (first, other) if i not in self._cache}
        if not missing or self._loader is None or self._runner is None:
            unread = self.tr("This record could not be read again.")
            self.kept.show_record(kept_caption, self._cache.get(first), unread)
            self.removed.show_record(removed_caption, self._cache.get(other), unread)
            return
        reading = self.tr("Reading the record…")
        self.kept.show_record(kept_caption, self._cache.get(first), reading)
        self.removed.show_record(removed_caption, self._cache.get(other), reading)
        loader, wanted = self._loader, frozenset(missing)

        def loaded(found: dict[int, Located]) -> None:
            self._cache.update(found)
            for index in wanted - set(found):
                self._cache.setdefault(index, None)
            if self._wanted == (first, other):
                self._show_current()

        self._runner(lambda: loader(wanted), loaded)
