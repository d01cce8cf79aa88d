"""Describing the dataset (the card's fields), then preparing it.

The answers become a ``CardInput``; "Prepare" runs the whole pipeline on
the vault thread with progress and Cancel. A cancelled or failed
preparation leaves nothing behind (the service's promise), so the user can
simply try again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QWidget,
)

from app.core.errors import Cancelled, TesseraError
from app.ui.widgets.common import align_form_labels, muted
from app.ui.wizard import backend
from app.ui.wizard.data_steps import error_label, show_problem
from app.ui.wizard.step import Step, WizardContext

LICENSES = (
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC0-1.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "CDLA-Permissive-2.0",
    "MIT",
    "Apache-2.0",
)


def _text_box(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 16)
    return box


class DescribeStep(Step):
    """Name, description, license, creator and the responsible-AI statements."""

    key = "describe"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.problem = error_label()
        self.layout_.addWidget(self.problem)
        form_box = QWidget()
        form = QFormLayout(form_box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name = QLineEdit()
        self.description = _text_box(4)
        self.license = QComboBox()
        self.license.setEditable(True)
        self.license.addItems(LICENSES)
        self.creator = QLineEdit()
        self.creator_kind = QComboBox()
        self.creator_kind.addItem(self.tr("a person"), "Person")
        self.creator_kind.addItem(self.tr("an organisation"), "Organization")
        self.keywords = QLineEdit()
        self.keywords.setPlaceholderText(self.tr("comma separated, e.g. medicine, questions"))
        self.languages = QLineEdit()
        self.languages.setPlaceholderText(self.tr("language codes, e.g. en, fr"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…")
        self.collection = _text_box()
        self.uses = _text_box()
        self.limitations = _text_box()
        self.sensitive = _text_box()
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Description:"), self.description)
        form.addRow(self.tr("License:"), self.license)
        form.addRow(self.tr("Created by:"), self.creator)
        form.addRow(self.tr("Who is that:"), self.creator_kind)
        form.addRow(self.tr("Keywords:"), self.keywords)
        form.addRow(self.tr("Languages:"), self.languages)
        form.addRow(self.tr("Web page (optional):"), self.url)
        form.addRow(self.tr("How it was collected:"), self.collection)
        form.addRow(self.tr("Intended uses (one per line):"), self.uses)
        form.addRow(self.tr("Limitations (one per line):"), self.limitations)
        form.addRow(self.tr("Sensitive information:"), self.sensitive)
        align_form_labels(form)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(form_box)
        self.layout_.addWidget(area, 1)
        self.layout_.addWidget(
            muted(
                self.tr(
                    "This becomes the dataset card (Croissant, with its responsible-AI fields). "
                    "What Tessera measured (records, duplicates, personal information) is added "
                    "for you."
                )
            )
        )
        for edit in (self.name, self.creator, self.keywords, self.languages, self.url):
            edit.textChanged.connect(self._store)
        for box in (self.description, self.collection, self.uses, self.limitations, self.sensitive):
            box.textChanged.connect(self._store)
        self.license.currentTextChanged.connect(self._store)
        self.creator_kind.currentIndexChanged.connect(self._store)
        self._preparing = False

    def title(self) -> str:
        return self.tr("Describe the dataset")

    def subtitle(self) -> str:
        return self.tr("Tell the people who will use it what it is, who made it and how.")

    def next_label(self) -> str:
        return self.tr("Prepare the dataset")

    def enter(self) -> None:
        card = self.draft.card
        if not self.name.text():
            self.name.setText(card.name or self.draft.suggested_name())
        if not self.creator.text() and card.creator_name:
            self.creator.setText(card.creator_name)

    def _store(self) -> None:
        card = self.draft.card
        card.name = self.name.text()
        card.description = self.description.toPlainText()
        card.license = self.license.currentText()
        card.creator_name = self.creator.text()
        card.creator_kind = self.creator_kind.currentData() or "Person"
        card.keywords = self.keywords.text()
        card.languages = self.languages.text()
        card.url = self.url.text()
        card.data_collection = self.collection.toPlainText()
        card.use_cases = self.uses.toPlainText()
        card.limitations = self.limitations.toPlainText()
        card.sensitive_information = self.sensitive.toPlainText()
        self.changed.emit()

    def can_advance(self) -> bool:
        card = self.draft.card
        return not self._preparing and all(
            text.strip() for text in (card.name, card.description, card.license, card.creator_name)
        )

    def can_go_back(self) -> bool:
        return not self._preparing

    def busy(self) -> bool:
        return self._preparing

    def advance(self, done: Callable[[], None]) -> None:
        self.problem.hide()
        try:
            request = backend.prepare_request(self.draft)
            service = backend.datasets()
        except TesseraError as exc:
            show_problem(self.problem, exc)
            return
        self._preparing = True
        self.changed.emit()

        def prepared(info: Any) -> None:
            self.draft.dataset_id = info.id
            self.draft.dataset_name = info.name
            done()

        op = self.context.vault.op(
            self,
            lambda session: service.prepare_dataset(
                session, request, progress=op.progress, cancel=op.cancel
            ),
        )
        op.with_progress(self.tr("Preparing and encrypting the dataset…"))
        op.success(prepared).failure(self._failed).finished(self._finished).run()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.problem.setText(self.tr("Preparation was stopped; nothing was kept."))
            self.problem.show()
        else:
            show_problem(self.problem, exc)

    def _finished(self) -> None:
        self._preparing = False
        self.changed.emit()
