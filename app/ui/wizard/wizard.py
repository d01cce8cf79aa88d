"""The prepare wizard: a dialog with the steps listed on the left.

It starts either at the files (prepare a new dataset, then optionally sign
it) or, for a dataset prepared earlier, at the consent step. Steps decide
when the user may go on; long work inside a step runs through the vault
handle's ops, so the wizard never blocks the GUI thread. Closing the
wizard drops the findings from memory.

Signals:
    dataset_prepared: a dataset was prepared (argument: its id).
    submission_signed: a submission was signed (argument: the ``SubmissionInfo``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import icons
from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle
from app.ui.widgets.common import heading, muted
from app.ui.wizard.data_steps import CleanStep, ImportStep, PreviewStep
from app.ui.wizard.describe_step import DescribeStep
from app.ui.wizard.final_steps import ConsentStep, DoneStep, ReportStep, SignStep
from app.ui.wizard.review_step import ReviewStep
from app.ui.wizard.state import Draft
from app.ui.wizard.step import Step, WizardContext

PREPARE_STEPS = (ImportStep, PreviewStep, CleanStep, ReviewStep, DescribeStep, ReportStep)
SIGN_STEPS = (ConsentStep, SignStep, DoneStep)


class PrepareWizard(QDialog):
    """From files to a prepared dataset, and on to a signed submission."""

    dataset_prepared = Signal(str)
    submission_signed = Signal(object)

    def __init__(
        self,
        vault: VaultHandle,
        prompts: Prompts,
        parent: QWidget | None = None,
        *,
        dataset: tuple[str, str] | None = None,
        inputs: list[Path] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("prepareWizard")
        self.setWindowTitle(self.tr("Prepare a dataset") if dataset is None else self.tr("Sign"))
        self.setWindowIcon(icons.icon("datasets"))
        self.resize(1080, 720)
        draft = Draft()
        if dataset is not None:
            draft.dataset_id, draft.dataset_name = dataset
        self.context = WizardContext(vault, prompts, draft)
        kinds = SIGN_STEPS if dataset is not None else PREPARE_STEPS + SIGN_STEPS
        self.steps: list[Step] = [kind(self.context) for kind in kinds]

        self.step_list = QListWidget()
        self.step_list.setObjectName("nav")
        self.step_list.setAccessibleName(self.tr("Steps"))
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.step_list.setFixedWidth(210)
        self.stack = QStackedWidget()
        for number, step in enumerate(self.steps, start=1):
            item = QListWidgetItem(f"{number}. {step.title()}")
            item.setSizeHint(QSize(0, 32))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.step_list.addItem(item)
            self.stack.addWidget(step)
            step.changed.connect(self._update_buttons)

        self.heading = heading("", 1)
        self.subtitle = muted()
        self.back_button = QPushButton(self.tr("Back"))
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton()
        self.next_button.setProperty("role", "primary")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.close)

        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(12, 16, 12, 12)
        side.addWidget(self.step_list)
        main = QWidget()
        main.setObjectName("pageContent")
        column = QVBoxLayout(main)
        column.setContentsMargins(28, 22, 28, 18)
        column.setSpacing(10)
        column.addWidget(self.heading)
        column.addWidget(self.subtitle)
        column.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        column.addLayout(buttons)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(sidebar)
        row.addWidget(main, 1)
        # Enter means "Next" wherever the focus is: a focused button of a step
        # must not take the default away (QDialog's auto-default would).
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(button is self.next_button)
        self.back_button.setShortcut(QKeySequence("Alt+Left"))
        self.back_button.setToolTip(self.tr("Back (Alt+Left)"))
        self._show(0)
        if inputs:
            step = self.step(ImportStep)
            if step is not None:
                step.add_paths(list(inputs))

    # --- steps ------------------------------------------------------------------------

    def step(self, kind: type[Any]) -> Any:
        return next((s for s in self.steps if isinstance(s, kind)), None)

    @property
    def current(self) -> Step:
        widget = self.stack.currentWidget()
        assert isinstance(widget, Step)
        return widget

    @property
    def draft(self) -> Draft:
        return self.context.draft

    def _show(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        step = self.current
        for row in range(self.step_list.count()):
            item = self.step_list.item(row)
            item.setSelected(row == index)
            font = item.font()
            font.setBold(row == index)
            item.setFont(font)
        self.heading.setText(step.title())
        self.subtitle.setText(step.subtitle())
        self.subtitle.setVisible(bool(step.subtitle()))
        step.enter()
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.current
        index = self.stack.currentIndex()
        busy = step.busy()
        self.back_button.setVisible(index > 0)
        self.back_button.setEnabled(index > 0 and step.can_go_back() and not busy)
        self.next_button.setText(step.next_label())
        self.next_button.setEnabled(step.can_advance() and not busy)
        finished_prepare = isinstance(step, ReportStep)
        self.close_button.setText(self.tr("Finish") if finished_prepare else self.tr("Close"))

    def next(self) -> None:
        """Let the current step finish its work; move on when it says it is done."""
        step = self.current
        if step.busy() or not step.can_advance():
            return
        index = self.stack.currentIndex()

        def done() -> None:
            if isinstance(step, DescribeStep) and self.draft.dataset_id:
                self.dataset_prepared.emit(self.draft.dataset_id)
            if isinstance(step, SignStep) and self.draft.submission is not None:
                self.submission_signed.emit(self.draft.submission)
            if self.stack.currentIndex() != index:
                return
            if index + 1 < len(self.steps):
                self._show(index + 1)
            else:
                self.accept()

        step.advance(done)
        self._update_buttons()

    def back(self) -> None:
        index = self.stack.currentIndex()
        if index > 0 and self.current.can_go_back() and not self.current.busy():
            self._show(index - 1)

    def closeEvent(self, event: QCloseEvent) -> None:
        for step in self.steps:
            step.leave()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        for step in self.steps:
            step.leave()
        super().done(result)
