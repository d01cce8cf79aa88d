"""The Submissions page: drafts waiting to be signed, signed and revoked submissions.

Verify re-checks a submission folder exactly as a network would (each
check listed with its result); revoke signs a revocation with a reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.ui import icons
from app.ui.pages.identities_model import long_date
from app.ui.pages.list_page import DialogSlot, ListPage, empty_card, list_table, size_columns
from app.ui.pages.submissions_model import DATASET, NETWORK, Entry, SubmissionTableModel, entries
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


class SubmissionsPage(ListPage):
    """Drafts and submissions above the details and checks of the selected one."""

    def __init__(self, vault: VaultHandle, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Submissions"),
            self.tr(
                "A submission is a prepared dataset signed with your consent terms for one "
                "network. Nothing is sent until you send it."
            ),
            vault,
            prompts,
            SubmissionTableModel(),
            parent,
        )
        self.model.setParent(self)
        self._wizards: DialogSlot[PrepareWizard] = DialogSlot()
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.header_actions.addWidget(self.refresh_button)

        table = list_table("submissionTable", self.tr("Submissions"), self.model)
        size_columns(table, stretch=DATASET, fixed={NETWORK: 260})
        empty = empty_card(
            self.tr("Nothing to sign yet"),
            self.tr("Prepare a dataset on the Datasets page; it appears here as a draft."),
        )

        self.details = self._details_card()
        self.split_list_and_details(self.details)
        self.start(table, empty)

    @property
    def wizard(self) -> PrepareWizard | None:
        """The wizard signing a draft, while it is open."""
        return self._wizards.current

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
            field.copied.connect(self._copied)
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

    def load(self, session: Any) -> list[Entry]:
        return load_entries(session)

    def show_item(self, entry: Entry | None) -> None:
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
            + "\n"
            + self.tr("Files: %1").replace("%1", ", ".join(path.name for path in info.files))
        )
        self.folder_field.set_value(str(info.folder))
        self.signer_field.set_value(info.signer_did)
        self.folder_box.show()
        self.signer_box.show()

    def update_actions(self) -> None:
        ready = self.ready
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

    def on_vault_locked(self) -> None:
        self._wizards.close()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.ready:
            self.refresh()

    # --- user actions -------------------------------------------------------------------

    def sign_selected(self) -> PrepareWizard | None:
        entry = self.selected()
        if entry is None or entry.submission is not None:
            return None
        wizard = PrepareWizard(
            self._vault, self._prompts, self, dataset=(entry.dataset_id, entry.dataset_name)
        )
        wizard.submission_signed.connect(lambda info: self.refresh(select=info.id))
        self._wizards.open(wizard)
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
            item = QListWidgetItem(icons.icon(name, tone), f"{check.name}: {check.message}")
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
        self._op(
            lambda s: backend.submissions().revoke_submission(s, entry_id, reason.strip() or None)
        ).success(
            lambda _path: self._changed(
                self.tr("Revoked consent for %1").replace("%1", entry.dataset_name), entry_id
            )
        ).run()
