"""The review step: every finding in its context, decided one by one or in bulk.

The scan runs in the background (with progress and Cancel) and its findings
go straight into a :class:`~app.services.review_store.ReviewStore` on the
worker; the table only ever reads windows of it. Per-type choices, choices
for the selected rows and for everything the filter shows are single
queries, run off the GUI thread too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import Cancelled, TesseraError
from app.services.review_rows import ReviewFilter
from app.services.review_store import ReviewStore
from app.ui.widgets.common import Card, muted
from app.ui.wizard import backend, labels
from app.ui.wizard.data_steps import error_label, show_problem
from app.ui.wizard.duplicates import Located, records_at
from app.ui.wizard.duplicates_view import DuplicatesPanel
from app.ui.wizard.review_model import (
    ACTION as ACTION_COLUMN,
)
from app.ui.wizard.review_model import (
    DETECTOR,
    FIELD,
    FOUND,
    RECORD,
    TYPE,
    FoundDelegate,
    ReviewTableModel,
    position_ranges,
)
from app.ui.wizard.step import Step, WizardContext

FILTER_DELAY_MS = 250


def load_scan(result: Any, default_action: str, cancel: Any) -> ReviewStore:
    """A store holding the findings of a ``ScanResult``, with the text around each match.

    ``result.contexts`` runs parallel to ``result.findings`` as ``(before,
    match, after)``; a scan without them still loads, context-free.
    """
    contexts = getattr(result, "contexts", None) or ()
    store = ReviewStore(default_action)
    try:
        store.add_scan(result.findings, contexts=((c[0], c[-1]) for c in contexts), cancel=cancel)
    except BaseException:
        store.close()
        raise
    return store


class ReviewStep(Step):
    """Findings with bulk decisions per type, per selection, and for all shown."""

    key = "review"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._scanned: tuple[object, ...] | None = None
        self._scanning = False
        self._finishing = False
        self.result: Any = None
        self.summary = muted()
        self.layout_.addWidget(self.summary)
        self.problem = error_label()
        self.retry_button = QPushButton(self.tr("Scan again"))
        self.retry_button.clicked.connect(self.rescan)
        self.retry_button.hide()
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem, 1)
        problem_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(problem_row)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("reviewTabs")
        pii_page = QWidget()
        self.pii_layout = QVBoxLayout(pii_page)
        self.pii_layout.setContentsMargins(12, 10, 12, 12)
        self.pii_layout.setSpacing(10)
        self.duplicates = DuplicatesPanel()
        self.tabs.addTab(pii_page, self.tr("Personal information"))
        self.tabs.addTab(self.duplicates, self.tr("Duplicates"))
        self.layout_.addWidget(self.tabs, 1)

        self.types_card = Card()
        self.types_card.body.setContentsMargins(14, 10, 14, 10)
        self.types_grid = QGridLayout()
        self.types_grid.setHorizontalSpacing(12)
        self.types_grid.setVerticalSpacing(6)
        self.types_card.body.addLayout(self.types_grid)
        self.type_boxes: dict[str, QComboBox] = {}
        self.type_counts: dict[str, QLabel] = {}
        self.pii_layout.addWidget(self.types_card)

        self.model = ReviewTableModel(self, runner=self._run)
        self.model.decided.connect(self._refresh_summary)
        self.model.arranged.connect(lambda _a: self._update_shown())
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.pii_layout.addLayout(self._filter_bar())
        self.table = self._table()
        self.pii_layout.addWidget(self.table, 1)
        self.pii_layout.addLayout(self._bulk_bar())
        self._show_types({})

    # --- building --------------------------------------------------------------------

    def _filter_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Filter by text or field…"))
        self.search.setAccessibleName(self.tr("Filter findings"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._filter_timer.start())
        self.type_filter = QComboBox()
        self.type_filter.setAccessibleName(self.tr("Show type"))
        self.type_filter.addItem(self.tr("All types"), None)
        self.type_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName(self.tr("Show decision"))
        self.action_filter.addItem(self.tr("Any decision"), None)
        for value in labels.ACTIONS:
            self.action_filter.addItem(labels.action(value), value)
        self.action_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.shown = muted(wrap=False)
        row.addWidget(self.search, 2)
        row.addWidget(self.type_filter)
        row.addWidget(self.action_filter)
        row.addWidget(self.shown)
        return row

    def _table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("reviewTable")
        table.setAccessibleName(self.tr("Findings"))
        table.setModel(self.model)
        table.setItemDelegateForColumn(FOUND, FoundDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setWordWrap(False)
        table.setShowGrid(False)
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(28, table.fontMetrics().height() + 12))
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSortIndicator(RECORD, Qt.SortOrder.AscendingOrder)
        header.setSectionResizeMode(FOUND, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (RECORD, 76),
            (TYPE, 150),
            (FIELD, 84),
            (DETECTOR, 100),
            (ACTION_COLUMN, 128),
        ):
            header.resizeSection(column, width)
        table.setSortingEnabled(True)
        table.selectionModel().selectionChanged.connect(lambda *_: self._update_bulk())
        return table

    def _bulk_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Decide:")))
        self.bulk_action = QComboBox()
        self.bulk_action.setAccessibleName(self.tr("Decision to apply"))
        for value in labels.ACTIONS:
            self.bulk_action.addItem(labels.action(value), value)
        self.bulk_action.addItem(self.tr("Back to the type's choice"), None)
        row.addWidget(self.bulk_action)
        self.apply_selected = QPushButton(self.tr("For the selected findings"))
        self.apply_selected.clicked.connect(self.decide_selected)
        self.apply_shown = QPushButton(self.tr("For all shown"))
        self.apply_shown.clicked.connect(self.decide_shown)
        row.addWidget(self.apply_selected)
        row.addWidget(self.apply_shown)
        row.addStretch(1)
        self.totals = muted(wrap=False)
        row.addWidget(self.totals)
        self._update_bulk()
        return row

    # --- the step ----------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Personal information")

    def subtitle(self) -> str:
        return self.tr(
            "Each finding is shown in its context. Choose per type, or select findings and "
            "decide for them; nothing is changed in your files."
        )

    def next_label(self) -> str:
        return self.tr("Describe the dataset")

    def can_advance(self) -> bool:
        return not self.busy() and self.result is not None and self.model.store is not None

    def busy(self) -> bool:
        return self._scanning or self._finishing or self.model.busy

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """The model's runner: store queries on the worker pool, results back here."""
        self.context.vault.background(self, work).success(done).finished(self.changed.emit).run()

    def _wanted(self) -> tuple[object, ...]:
        d = self.draft
        return (
            tuple(d.inputs),
            d.format,
            d.encoding,
            d.text_unit,
            d.skip_bad_records,
            d.dedupe,
            d.near_threshold,
            d.pii_types,
            d.default_action,
        )

    def enter(self) -> None:
        if self._wanted() != self._scanned:
            self.rescan()

    def rescan(self) -> None:
        self._scanned = self._wanted()
        self._scanning = True
        self.problem.hide()
        self.retry_button.hide()
        self.summary.setText(self.tr("Looking for personal information…"))
        self._set_store(None)
        self._show_duplicates(None)
        self.changed.emit()
        default = self.draft.default_action
        try:
            request = backend.prepare_request(self.draft, with_card=False)
            service = backend.scan()
        except TesseraError as exc:
            self._scan_failed(exc)
            self._scanning = False
            return

        def work() -> tuple[Any, ReviewStore]:
            result = service.scan_inputs(request, progress=op.progress, cancel=op.cancel)
            return result, load_scan(result, default, op.cancel)

        op = self.context.vault.background(self, work)
        op.with_progress(self.tr("Looking for personal information…"))
        op.success(self._scanned_ok).failure(self._scan_failed).finished(self._scan_done).run()

    def _scan_done(self) -> None:
        self._scanning = False
        self.changed.emit()

    def _scan_failed(self, exc: BaseException) -> None:
        self._scanned = None
        self.summary.setText("")
        if isinstance(exc, Cancelled):
            self.problem.setText(
                self.tr("The scan was stopped. Scan again to review the findings.")
            )
            self.problem.show()
        else:
            show_problem(self.problem, exc)
        self.retry_button.show()

    def _scanned_ok(self, outcome: tuple[Any, ReviewStore]) -> None:
        result, store = outcome
        self.result = result
        self._set_store(store)
        self._show_duplicates(result)
        self.summary.setText(self.describe(result, len(store)))
        self._refresh_summary()

    def _show_duplicates(self, result: Any) -> None:
        d = self.draft
        paths, fmt, options = list(d.inputs), d.format, d.import_options()

        def load(wanted: frozenset[int]) -> dict[int, Located]:
            return records_at(paths, wanted, fmt, options)

        if result is not None:  # decisions about records this scan no longer reports go
            listed = {m.index for c in getattr(result, "near_clusters", ()) for m in c.members}
            d.keep_near &= listed
        self.duplicates.kept_indices = d.keep_near
        pairs = self.duplicates.set_result(result, self._run, load)
        exact = int(getattr(result, "exact_duplicates", 0) or 0) if result is not None else 0
        title = self.tr("Duplicates")
        if pairs or exact:
            title = self.tr("Duplicates (%1)").replace("%1", QLocale().toString(pairs + exact))
        self.tabs.setTabText(1, title)

    def describe(self, result: Any, findings: int) -> str:
        locale = QLocale()
        parts = [
            self.tr("%1 findings in %2 records")
            .replace("%1", locale.toString(findings))
            .replace("%2", locale.toString(int(getattr(result, "records", 0))))
        ]
        exact = int(getattr(result, "exact_duplicates", 0) or 0)
        if exact:
            parts.append(self.tr("%1 exact duplicates").replace("%1", locale.toString(exact)))
        clusters = len(getattr(result, "near_clusters", ()) or ())
        if clusters:
            parts.append(
                self.tr("%1 groups of near duplicates").replace("%1", locale.toString(clusters))
            )
        rejected = int(getattr(result, "rejected", 0) or 0)
        if rejected:
            parts.append(
                self.tr("%1 records could not be read").replace("%1", locale.toString(rejected))
            )
        return " · ".join(parts)

    def _set_store(self, store: ReviewStore | None) -> None:
        old = self.model.store
        self.model.set_store(store)
        header = self.table.horizontalHeader()
        header.setSortIndicator(RECORD, Qt.SortOrder.AscendingOrder)
        if old is not None and old is not store:
            old.close()
        self._update_shown()
        self._update_bulk()

    # --- summary and per-type choices ---------------------------------------------------

    def _refresh_summary(self) -> None:
        store = self.model.store
        if store is None:
            return
        self._run(
            lambda: (store.summary(), store.type_actions(), store.default_action), self._summarised
        )

    def _summarised(self, outcome: tuple[dict[str, dict[str, int]], dict[str, str], str]) -> None:
        summary, per_type, default = outcome
        self._show_types(
            {k: (sum(v.values()), per_type.get(k, default)) for k, v in summary.items()}
        )
        totals: dict[str, int] = {}
        for counts in summary.values():
            for action, n in counts.items():
                totals[action] = totals.get(action, 0) + n
        locale = QLocale()
        self.totals.setText(
            " · ".join(
                f"{labels.action(a)}: {locale.toString(n)}" for a, n in sorted(totals.items())
            )
        )

    def _show_types(self, types: dict[str, tuple[int, str]]) -> None:
        known = [t for t in labels.PII_TYPES if t in types] + sorted(
            t for t in types if t not in labels.PII_TYPES
        )
        if list(self.type_boxes) != known:
            while self.types_grid.count():
                item = self.types_grid.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()
            self.type_boxes.clear()
            self.type_counts.clear()
            self.type_filter.blockSignals(True)
            while self.type_filter.count() > 1:
                self.type_filter.removeItem(1)
            for position, kind in enumerate(known):
                label = QLabel(labels.pii_type(kind))
                count_label = muted(wrap=False)
                box = QComboBox()
                box.setAccessibleName(
                    self.tr("Decision for %1").replace("%1", labels.pii_type(kind))
                )
                for value in labels.ACTIONS:
                    box.addItem(labels.action(value), value)
                box.activated.connect(lambda _i, k=kind: self.decide_type(k))
                row, column = divmod(position, 2)
                self.types_grid.addWidget(label, row, column * 4)
                self.types_grid.addWidget(count_label, row, column * 4 + 1)
                self.types_grid.addWidget(box, row, column * 4 + 2)
                self.types_grid.setColumnMinimumWidth(column * 4 + 3, 32)
                self.type_boxes[kind] = box
                self.type_counts[kind] = count_label
                self.type_filter.addItem(labels.pii_type(kind), kind)
            self.types_grid.setColumnStretch(7, 1)
            self.type_filter.blockSignals(False)
        locale = QLocale()
        for kind, (count, action) in types.items():
            self.type_counts[kind].setText(locale.toString(count))
            box = self.type_boxes[kind]
            box.setCurrentIndex(box.findData(action))
        self.types_card.setVisible(bool(types))

    # --- filtering ------------------------------------------------------------------------

    def _apply_filter(self) -> None:
        kind = self.type_filter.currentData()
        self.model.set_filter(
            ReviewFilter(
                types=frozenset({kind}) if kind else None,
                text=self.search.text().strip(),
                action=self.action_filter.currentData(),
            )
        )

    def _update_shown(self) -> None:
        store = self.model.store
        if store is None:
            self.shown.setText("")
            return
        locale = QLocale()
        shown, total = self.model.rowCount(), len(store)
        if shown == total:
            self.shown.setText(self.tr("%1 shown").replace("%1", locale.toString(shown)))
        else:
            self.shown.setText(
                self.tr("%1 of %2 shown")
                .replace("%1", locale.toString(shown))
                .replace("%2", locale.toString(total))
            )

    # --- deciding -------------------------------------------------------------------------

    def _update_bulk(self) -> None:
        has_rows = self.model.rowCount() > 0
        self.apply_selected.setEnabled(has_rows and self.table.selectionModel().hasSelection())
        self.apply_shown.setEnabled(has_rows)

    def decide_type(self, kind: str) -> None:
        box = self.type_boxes.get(kind)
        if box is None:
            return
        action = box.currentData()
        self.model.decide(lambda store: store.set_type_action(kind, action))

    def decide_selected(self) -> None:
        ranges = position_ranges(self.table.selectionModel().selection())
        if ranges:
            self.model.decide_rows(ranges, self.bulk_action.currentData())

    def decide_shown(self) -> None:
        action = self.bulk_action.currentData()
        self.model.decide(lambda store: store.decide_shown(action))

    def advance(self, done: Callable[[], None]) -> None:
        store = self.model.store
        if store is None:
            return

        def keep(parts: Any) -> None:
            self.draft.review = parts
            done()

        def finished() -> None:
            self._finishing = False
            self.changed.emit()

        self._finishing = True
        self.changed.emit()
        self.context.vault.background(self, store.policy_parts).success(keep).finished(
            finished
        ).run()

    def leave(self) -> None:
        self._set_store(None)
