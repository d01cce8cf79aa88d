"""The Submissions page: drafts waiting to be signed, signed and revoked submissions.

Verify re-checks a submission folder exactly as a network would (each
check listed with its result); revoke signs a revocation with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QWidget,
)

from app.ui import icons
from app.ui.pages.base import Page
from app.ui.pages.identities_model import long_date
from app.ui.pages.submissions_model import DATASET, ID, Entry, SubmissionTableModel, entries
from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, CopyField, heading, labelled, muted
from app.ui.wizard import backend, labels
from app.ui.wizard.wizard import PrepareWizard


def load_entries(session: Any) -> list[Entry]:
    """Submissions, and the prepared datasets not signed yet (when preparation is available)."""
    signed = backend.submissions().list_submissions(session)
    try:
        datasets = backend.datasets().list_datasets(session)
    except backend.ServiceUnavailable:
        datasets = []
    return entries(datasets, signed)


class SubmissionsPage(Page):
    """Drafts and submissions above the details and checks of the selected one."""

    def __init__(self, vault: VaultHandle, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Submissions"),
            self.tr(
                "A submission is a prepared dataset signed with your consent terms for one "
                "network. Nothing is sent until you send it."
            ),
            parent,
        )
        self._vault = vault
        self._prompts = prompts
        self._busy = 0
        self.wizard: PrepareWizard | None = None
        self.model = SubmissionTableModel(self)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.header_actions.addWidget(self.refresh_button)

        self.table = QTableView()
        self.table.setObjectName("submissionTable")
        self.table.setAccessibleName(self.tr("Submissions"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(DATASET, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 260)
        for column in range(2, ID + 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)

        empty = Card()
        empty.body.setContentsMargins(32, 32, 32, 32)
        empty.body.addWidget(heading(self.tr("Nothing to sign yet"), 2))
        empty.body.addWidget(
            muted(self.tr("Prepare a dataset on the Datasets page; it appears here as a draft."))
        )
        empty.body.addStretch(1)
        self.empty = empty
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.empty)
        self.list_stack.addWidget(self.table)

        self.details = self._details_card()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.list_stack)
        splitter.addWidget(self.details)
        self.body.addWidget(splitter, 1)
        vault.state_changed.connect(self._on_vault_state)
        self._show_selection(None)
        self._update_actions()
        if vault.is_open:
            self.refresh()

    def _details_card(self) -> Card:
        card = Card()
        card.setObjectName("submissionDetails")
        top = QHBoxLayout()
        self.detail_name = heading("", 2)
        self.detail_state = muted(wrap=False)
        self.detail_state.setProperty("badge", True)
        self.detail_state.setProperty("muted", False)
        top.addWidget(self.detail_name)
        top.addWidget(self.detail_state)
        top.addStretch(1)
        self.sign_button = QPushButton(icons.icon("sign", "on_accent"), self.tr("Sign…"))
        self.sign_button.setProperty("role", "primary")
        self.sign_button.clicked.connect(self.sign_selected)
        self.verify_button = QPushButton(icons.icon("shield"), self.tr("Verify"))
        self.verify_button.clicked.connect(self.verify_selected)
        self.revoke_button = QPushButton(icons.icon("revoke", "danger"), self.tr("Revoke…"))
        self.revoke_button.setProperty("role", "danger")
        self.revoke_button.clicked.connect(self.revoke_selected)
        for button in (self.sign_button, self.verify_button, self.revoke_button):
            top.addWidget(button)
        card.body.addLayout(top)
        self.detail_facts = muted()
        card.body.addWidget(self.detail_facts)
        self.folder_field = CopyField(self.tr("folder"))
        self.signer_field = CopyField(self.tr("signer"))
        for field in (self.folder_field, self.signer_field):
            field.copied.connect(
                lambda caption: self.message.emit(self.tr("Copied the %1").replace("%1", caption))
            )
        self.folder_box = labelled(self.tr("Folder"), self.folder_field)
        self.signer_box = labelled(self.tr("Signed by"), self.signer_field)
        card.body.addWidget(self.folder_box)
        card.body.addWidget(self.signer_box)
        self.checks = QListWidget()
        self.checks.setObjectName("verificationChecks")
        self.checks.setAccessibleName(self.tr("Verification checks"))
        self.checks.hide()
        card.body.addWidget(self.checks, 1)
        # Keeps the facts at the top of the card until the checks take the room.
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        card.body.addWidget(self.filler, 1)
        return card

    # --- state ------------------------------------------------------------------------

    def selected(self) -> Entry | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() else None

    def select_id(self, entry_id: str) -> None:
        row = self.model.row_of(entry_id)
        if row >= 0:
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flags)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_selection(self.model.entry_at(current.row()) if current.isValid() else None)
        self._update_actions()

    def _show_selection(self, entry: Entry | None) -> None:
        self.details.setVisible(entry is not None)
        self.checks.clear()
        self.checks.hide()
        self.filler.show()
        if entry is None:
            return
        self.detail_name.setText(entry.dataset_name)
        self.detail_state.setText(labels.state(entry.state))
        info = entry.submission
        if info is None:
            self.detail_facts.setText(
                self.tr("Prepared %1. Sign it with your consent terms for a network.").replace(
                    "%1", long_date(entry.created)
                )
            )
            self.folder_box.hide()
            self.signer_box.hide()
            return
        self.detail_facts.setText(
            self.tr("Signed %1 for %2 · consent %3 · id %4")
            .replace("%1", long_date(info.created))
            .replace("%2", info.network_id or info.network_recipient)
            .replace("%3", info.consent_digest[:16])
            .replace("%4", info.id)
        )
        self.folder_field.set_value(str(info.folder))
        self.signer_field.set_value(info.signer_did)
        self.folder_box.show()
        self.signer_box.show()

    def _update_actions(self) -> None:
        ready = self._vault.is_open and self._busy == 0
        entry = self.selected()
        draft = entry is not None and entry.submission is None
        self.sign_button.setVisible(draft)
        self.sign_button.setEnabled(ready and draft)
        self.verify_button.setVisible(not draft)
        self.revoke_button.setVisible(not draft)
        self.verify_button.setEnabled(ready and entry is not None and not draft)
        self.revoke_button.setEnabled(
            ready and entry is not None and not draft and entry.state == "signed"
        )
        self.refresh_button.setEnabled(self._vault.is_open)

    def _on_vault_state(self) -> None:
        if self._vault.is_open:
            self.refresh()
        else:
            self._close_wizard()
            self.model.clear()
            self.list_stack.setCurrentWidget(self.empty)
            self._show_selection(None)
        self._update_actions()

    def refresh(self, select: str | None = None) -> None:
        def show(items: list[Entry]) -> None:
            current = self.selected()
            wanted = select or (current.id if current is not None else None)
            self.model.set_entries(items)
            self.list_stack.setCurrentWidget(self.table if items else self.empty)
            if items:
                target = wanted if wanted and self.model.row_of(wanted) >= 0 else items[0].id
                self.select_id(target)
                self._show_selection(self.selected())
            else:
                self._show_selection(None)
            self._update_actions()

        self._vault.op(self, load_entries).quiet().success(show).run()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._vault.is_open and self._busy == 0:
            self.refresh()

    # --- user actions -------------------------------------------------------------------

    def _close_wizard(self) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is not None and shiboken6.isValid(wizard):
            wizard.close()

    def _op(self, fn: Callable[[Any], Any], label: str | None = None) -> Any:
        self._busy += 1
        self._update_actions()
        op = self._vault.op(self, fn).finished(self._op_done)
        return op.with_progress(label) if label else op

    def _op_done(self) -> None:
        self._busy -= 1
        self._update_actions()

    def sign_selected(self) -> PrepareWizard | None:
        entry = self.selected()
        if entry is None or entry.submission is not None:
            return None
        self._close_wizard()
        wizard = PrepareWizard(
            self._vault, self._prompts, self, dataset=(entry.dataset_id, entry.dataset_name)
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.submission_signed.connect(lambda info: self.refresh(select=info.id))
        self.wizard = wizard
        wizard.open()
        return wizard

    def verify_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.submission is None:
            return
        envelope = entry.submission.envelope_path
        entry_id = entry.id

        def verify(session: Any) -> Any:
            return backend.submissions().verify_submission_file(
                envelope, session=session, progress=op.progress, cancel=op.cancel
            )

        def show(report: Any) -> None:
            current = self.selected()
            if current is None or current.id != entry_id:
                return
            self.show_report(report)

        op = self._op(verify, self.tr("Verifying the submission…"))
        op.success(show).run()

    def show_report(self, report: Any) -> None:
        self.checks.clear()
        for check in report.checks:
            status = str(getattr(check.status, "value", check.status))
            name, tone = {
                "passed": ("check", "success"),
                "failed": ("alert", "danger"),
            }.get(status, ("info", "muted"))
            item = QListWidgetItem(icons.icon(name, tone), f"{check.name}: {check.message}")  # type: ignore[arg-type]
            item.setData(Qt.ItemDataRole.UserRole, status)
            item.setToolTip(check.message)
            self.checks.addItem(item)
        self.checks.show()
        self.filler.hide()
        self.message.emit(
            self.tr("The submission verifies") if report.ok else self.tr("Verification failed")
        )

    def revoke_selected(self) -> None:
        entry = self.selected()
        if entry is None or entry.submission is None or entry.state != "signed":
            return
        reason = self._prompts.text(
            self,
            self.tr("Revoke consent"),
            self.tr("Why do you revoke it? (optional, sent to the network)"),
        )
        if reason is None:
            return
        confirmed = self._prompts.confirm(
            self,
            self.tr("Revoke consent"),
            self.tr("Revoke your consent for “%1”?").replace("%1", entry.dataset_name),
            self.tr(
                "A signed revocation is written beside the submission. Networks must stop "
                "using the data from the moment it takes effect; this cannot be undone."
            ),
            self.tr("Revoke"),
        )
        if not confirmed:
            return
        entry_id = entry.id

        def revoked(_path: object) -> None:
            self.message.emit(self.tr("Revoked consent for %1").replace("%1", entry.dataset_name))
            self.refresh(select=entry_id)

        self._op(
            lambda s: backend.submissions().revoke_submission(s, entry_id, reason.strip() or None)
        ).success(revoked).run()
