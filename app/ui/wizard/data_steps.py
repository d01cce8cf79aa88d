"""The first three steps: choose the files, look at them, choose the cleaning."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableView,
    QWidget,
)

from app.core.datasets import preview as preview_module
from app.core.datasets.importers.options import FORMATS
from app.core.datasets.preview import Preview
from app.ui import icons
from app.ui.errors import sentence, user_words
from app.ui.widgets.common import Card, align_form_labels, heading, muted
from app.ui.widgets.drop_zone import DropZone
from app.ui.wizard import labels
from app.ui.wizard.labels import OPTIONAL_PII_TYPES
from app.ui.wizard.preview_model import PreviewTableModel
from app.ui.wizard.step import Step, WizardContext

PREVIEW_RECORDS = 500

FORMAT_NAMES = {
    "csv": "CSV",
    "tsv": "TSV",
    "jsonl": "JSON Lines",
    "json": "JSON",
    "parquet": "Parquet",
    "text": QCoreApplication.translate("Wizard", "Plain text"),
    "markdown": "Markdown",
    "files": QCoreApplication.translate("Wizard", "Any files (by content hash)"),
    "zip": QCoreApplication.translate("Wizard", "Zip archive"),
}
ENCODINGS = (None, "utf-8", "utf-16", "latin-1", "cp1252")


COLUMN_MAX = 320
"""The widest a preview column starts; the user can still widen it."""


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def show_problem(label: QLabel, exc: BaseException) -> None:
    """An inline error in the user's words (bugs still go to the error dialog)."""
    from app.core.errors import TesseraError

    if isinstance(exc, TesseraError):
        message, hint = user_words(exc)
        label.setText(f"{message} {hint}" if hint else message)
    else:
        label.setText(sentence(str(exc) or type(exc).__name__))
    label.show()


class ImportStep(Step):
    """Drop or choose files and folders; say how to read them if detection is not enough."""

    key = "import"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.drop = DropZone(
            self.tr("Drop files or folders here"),
            self.tr(
                "CSV, TSV, JSON Lines, JSON, Parquet, text and Markdown files, folders of "
                "them, folders of any files, or Zip archives. Nothing is changed or uploaded."
            ),
        )
        self.drop.dropped.connect(self.add_paths)
        self.drop.browse_files.connect(self._browse_files)
        self.drop.browse_folder.connect(self._browse_folder)
        self.layout_.addWidget(self.drop)

        self.inputs = QListWidget()
        self.inputs.setAccessibleName(self.tr("Chosen inputs"))
        self.inputs.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.inputs.setMaximumHeight(110)
        self.remove_button = QPushButton(icons.icon("delete"), self.tr("Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.inputs.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.inputs.selectedItems()))
        )
        self.remove_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.inputs, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(row)

        options = QFormLayout()
        options.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.format_box = QComboBox()
        self.format_box.addItem(self.tr("Detect from the files"), None)
        for name in FORMATS:
            self.format_box.addItem(FORMAT_NAMES.get(name, name), name)
        self.encoding_box = QComboBox()
        for encoding in ENCODINGS:
            self.encoding_box.addItem(encoding or self.tr("Detect (UTF-8 or UTF-16)"), encoding)
        self.unit_box = QComboBox()
        self.unit_box.addItem(self.tr("One record per file"), "file")
        self.unit_box.addItem(self.tr("One record per paragraph"), "paragraph")
        self.skip_bad = QCheckBox(self.tr("Skip records that cannot be read, and list them"))
        self.skip_bad.setChecked(self.draft.skip_bad_records)
        self.format_box.setAccessibleName(self.tr("Format"))
        self.encoding_box.setAccessibleName(self.tr("Text encoding"))
        self.unit_box.setAccessibleName(self.tr("Records in text and Markdown files"))
        options.addRow(self.tr("&Format:"), self.format_box)
        options.addRow(self.tr("Text &encoding:"), self.encoding_box)
        options.addRow(self.tr("&Text and Markdown:"), self.unit_box)
        options.addRow("", self.skip_bad)
        align_form_labels(options)
        self.layout_.addLayout(options)
        self.layout_.addStretch(1)
        for box in (self.format_box, self.encoding_box, self.unit_box):
            box.currentIndexChanged.connect(self._store)
        self.skip_bad.toggled.connect(self._store)

    def title(self) -> str:
        return self.tr("Choose your material")

    def subtitle(self) -> str:
        return self.tr("Everything is read on this computer; your files are never changed.")

    def next_label(self) -> str:
        return self.tr("Preview")

    def can_go_back(self) -> bool:
        return False

    def can_advance(self) -> bool:
        return bool(self.draft.inputs)

    def add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.draft.inputs:
                self.draft.inputs.append(path)
                item = QListWidgetItem(icons.icon("datasets"), str(path))
                item.setData(Qt.ItemDataRole.UserRole, str(path))
                self.inputs.addItem(item)
        if not self.draft.card.name:
            self.draft.card.name = self.draft.suggested_name()
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.inputs.selectedItems():
            path = Path(item.data(Qt.ItemDataRole.UserRole))
            if path in self.draft.inputs:
                self.draft.inputs.remove(path)
            self.inputs.takeItem(self.inputs.row(item))
        self.changed.emit()

    def _store(self) -> None:
        self.draft.format = self.format_box.currentData()
        self.draft.encoding = self.encoding_box.currentData()
        self.draft.text_unit = self.unit_box.currentData()
        self.draft.skip_bad_records = self.skip_bad.isChecked()

    def _browse_files(self) -> None:
        paths = self.context.prompts.open_files(
            self,
            self.tr("Choose files"),
            self.tr(
                "Data files (*.csv *.tsv *.jsonl *.ndjson *.json *.parquet *.txt *.md *.zip);;"
                "All files (*)"
            ),
        )
        if paths:
            self.add_paths(paths)

    def _browse_folder(self) -> None:
        folder = self.context.prompts.folder(self, self.tr("Choose a folder"))
        if folder is not None:
            self.add_paths([folder])


class PreviewStep(Step):
    """The first records as Tessera reads them, and what it detected."""

    key = "preview"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._seen: tuple[object, ...] | None = None
        self._loading = False
        self.summary = muted()
        self.layout_.addWidget(self.summary)
        self.problem = error_label()
        self.layout_.addWidget(self.problem)
        self.model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("previewTable")
        self.table.setAccessibleName(self.tr("First records"))
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setDefaultSectionSize(180)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.layout_.addWidget(self.table, 1)
        self.rejected = muted()
        self.rejected.hide()
        self.layout_.addWidget(self.rejected)

    def title(self) -> str:
        return self.tr("Preview")

    def subtitle(self) -> str:
        return self.tr("The first records, read the way they will be prepared.")

    def next_label(self) -> str:
        return self.tr("Cleaning options")

    def can_advance(self) -> bool:
        return not self._loading and self.model.preview is not None

    def _wanted(self) -> tuple[object, ...]:
        d = self.draft
        return (tuple(d.inputs), d.format, d.encoding, d.text_unit)

    def enter(self) -> None:
        wanted = self._wanted()
        if wanted == self._seen:
            return
        self._seen = wanted
        self._loading = True
        self.problem.hide()
        self.model.set_preview(None)
        self.summary.setText(self.tr("Reading the first records…"))
        self.changed.emit()
        d = self.draft
        paths, fmt, options = list(d.inputs), d.format, d.import_options()
        op = self.context.vault.background(
            self,
            lambda: preview_module.preview(paths, PREVIEW_RECORDS, fmt, options, cancel=op.cancel),
        )
        op.success(self._show).failure(self._failed).finished(self._done).run()

    def _done(self) -> None:
        self._loading = False
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._seen = None
        self.summary.setText("")
        show_problem(self.problem, exc)

    def _show(self, preview: Preview) -> None:
        self.model.set_preview(preview)
        # Each column as wide as what it shows (the line number stays narrow), up to a
        # cap, so a long text column does not push the others out of sight.
        if self.model.canFetchMore(QModelIndex()):
            self.model.fetchMore(QModelIndex())  # the first batch, which the view shows anyway
        header = self.table.horizontalHeader()
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            header.resizeSection(column, min(header.sectionSize(column), COLUMN_MAX))
        sources = ", ".join(
            f"{s.name} ({FORMAT_NAMES.get(s.format, s.format)}"
            + (f", {s.encoding}" if s.encoding else "")
            + (f", '{s.delimiter}'" if s.delimiter and s.delimiter != "\t" else "")
            + ")"
            for s in preview.sources[:3]
        )
        if len(preview.sources) > 3:
            sources += self.tr(" and %n more", "", len(preview.sources) - 3)
        count = len(preview.records)
        if preview.more:
            text = self.tr("The first %n records of %1; more follow.", "", count)
        else:
            text = self.tr("All %n records of %1.", "", count)
        self.summary.setText(text.replace("%1", sources or self.tr("the input")))
        if preview.rejected:
            lines = [f"{r.location.describe()}: {r.reason}" for r in preview.rejected[:5]]
            more = len(preview.rejected) - len(lines)
            head = self.tr("%n records could not be read:", "", len(preview.rejected))
            self.rejected.setText(
                head + "\n" + "\n".join(lines) + (f"\n… (+{more})" if more > 0 else "")
            )
            self.rejected.show()
        else:
            self.rejected.hide()


class CleanStep(Step):
    """Duplicates and which kinds of personal information to look for."""

    key = "clean"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        dupes = Card()
        dupes.body.addWidget(heading(self.tr("Duplicates"), 3))
        self.dedupe_group = QButtonGroup(self)
        choices = (
            ("off", self.tr("Keep every record")),
            ("exact", self.tr("Remove exact duplicates (after normalising text)")),
            ("near", self.tr("Also remove near duplicates")),
        )
        self.dedupe_buttons: dict[str, QRadioButton] = {}
        for value, text in choices:
            button = QRadioButton(text)
            button.setProperty("value", value)
            self.dedupe_group.addButton(button)
            self.dedupe_buttons[value] = button
            dupes.body.addWidget(button)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.5, 0.99)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(self.draft.near_threshold)
        self.threshold.setAccessibleName(self.tr("Similarity for near duplicates"))
        near_row = QHBoxLayout()
        near_row.setContentsMargins(24, 0, 0, 0)
        near_row.addWidget(QLabel(self.tr("Similar from:")))
        near_row.addWidget(self.threshold)
        near_row.addStretch(1)
        dupes.body.addLayout(near_row)
        self.dedupe_buttons[self.draft.dedupe].setChecked(True)
        self.dedupe_group.buttonToggled.connect(lambda _b, _on: self._store())
        self.threshold.valueChanged.connect(lambda _v: self._store())
        self.layout_.addWidget(dupes)

        pii = Card()
        pii.body.addWidget(heading(self.tr("Personal information to look for"), 3))
        grid = QGridLayout()
        self.type_boxes: dict[str, QCheckBox] = {}
        for position, (value, _label) in enumerate(labels.PII_TYPES.items()):
            text = labels.pii_type(value)
            if value in OPTIONAL_PII_TYPES:
                text = self.tr("%1 (optional: slower, more false alarms)").replace("%1", text)
            box = QCheckBox(text)
            box.setChecked(value in self.draft.pii_types)
            box.toggled.connect(lambda _on: self._store())
            self.type_boxes[value] = box
            grid.addWidget(box, position // 2, position % 2)
        pii.body.addLayout(grid)
        form = QFormLayout()
        self.action_box = QComboBox()
        self.action_box.setAccessibleName(self.tr("What to do with a finding"))
        for value in labels.ACTIONS:
            self.action_box.addItem(labels.action(value), value)
            self.action_box.setItemData(
                self.action_box.count() - 1, labels.action_help(value), Qt.ItemDataRole.ToolTipRole
            )
        self.action_box.setCurrentIndex(self.action_box.findData(self.draft.default_action))
        self.action_box.currentIndexChanged.connect(lambda _i: self._store())
        self.action_help = muted()
        form.addRow(QLabel(self.tr("What to do with a finding, unless you decide otherwise:")))
        form.addRow(self.action_box, self.action_help)
        pii.body.addLayout(form)
        self.layout_.addWidget(pii)
        self.layout_.addStretch(1)
        self._store()

    def title(self) -> str:
        return self.tr("Cleaning")

    def subtitle(self) -> str:
        return self.tr(
            "Text is normalised (Unicode, spaces, line endings). Choose how duplicates and "
            "personal information are handled; you review every finding next."
        )

    def next_label(self) -> str:
        return self.tr("Scan for personal information")

    def can_advance(self) -> bool:
        return True

    def _store(self) -> None:
        checked = self.dedupe_group.checkedButton()
        self.draft.dedupe = str(checked.property("value")) if checked else "exact"
        self.threshold.setEnabled(self.draft.dedupe == "near")
        self.draft.near_threshold = round(self.threshold.value(), 2)
        self.draft.pii_types = frozenset(k for k, box in self.type_boxes.items() if box.isChecked())
        self.draft.default_action = self.action_box.currentData() or "mask"
        self.action_help.setText(labels.action_help(self.draft.default_action))
        self.changed.emit()
