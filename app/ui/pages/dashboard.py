"""The Dashboard: a short welcome, the default identity, the vault's state."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.services import identities as service
from app.services.identities import IdentityInfo
from app.services.vault import Session
from app.ui import icons
from app.ui.pages.base import Page
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, CopyField, IconLabel, heading, labelled, muted


@dataclass(frozen=True, slots=True)
class Overview:
    default: IdentityInfo | None
    identity_count: int


def load_overview(session: Session) -> Overview:
    return Overview(service.default_identity(session), len(service.list_identities(session)))


class DashboardPage(Page):
    """Where the user lands after unlocking.

    Signals:
        go_to: asks the main window to show a page (argument: its key).
    """

    go_to = Signal(str)

    def __init__(self, vault: VaultHandle, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Welcome to Tessera"),
            self.tr(
                "Prepare your material, state what it may be used for, and submit it "
                "signed and encrypted. Everything stays on this computer until you send it."
            ),
            parent,
            scroll=True,
        )
        self._vault = vault
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        grid.addWidget(self._identity_card(), 0, 0, 1, 2)
        grid.addWidget(self._vault_card(), 1, 0)
        grid.addWidget(self._next_card(), 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        vault.state_changed.connect(self._on_vault_state)
        self._on_vault_state()

    def _identity_card(self) -> Card:
        card = Card()
        card.setObjectName("defaultIdentityCard")
        top = QHBoxLayout()
        top.addWidget(IconLabel("identities", "accent", 22))
        top.addWidget(heading(self.tr("Your default identity"), 2), 1)
        card.body.addLayout(top)
        self.identity_name = heading("", 3)
        card.body.addWidget(self.identity_name)
        self.did_field = CopyField(self.tr("identifier"))
        self.did_field.copied.connect(self._on_copied)
        self.recipient_field = CopyField(self.tr("encryption recipient"))
        self.recipient_field.copied.connect(self._on_copied)
        self.did_box = labelled(self.tr("Identifier (did:key)"), self.did_field)
        self.recipient_box = labelled(self.tr("Encryption recipient (age)"), self.recipient_field)
        card.body.addWidget(self.did_box)
        card.body.addWidget(self.recipient_box)
        self.identity_note = muted()
        card.body.addWidget(self.identity_note)
        manage = QPushButton(icons.icon("identities"), self.tr("Manage identities"))
        manage.clicked.connect(lambda: self.go_to.emit("identities"))
        row = QHBoxLayout()
        row.addWidget(manage)
        row.addStretch(1)
        card.body.addLayout(row)
        card.body.addStretch(1)
        return card

    def _vault_card(self) -> Card:
        card = Card()
        card.setObjectName("vaultCard")
        top = QHBoxLayout()
        top.addWidget(IconLabel("shield", "success", 22))
        top.addWidget(heading(self.tr("Your vault"), 2), 1)
        card.body.addLayout(top)
        self.vault_state = muted()
        card.body.addWidget(self.vault_state)
        card.body.addWidget(
            muted(
                self.tr(
                    "Keys and records are kept in an encrypted database in your profile "
                    "folder. Prepared datasets are encrypted to your own key before they "
                    "are written to disk."
                )
            )
        )
        card.body.addStretch(1)
        return card

    def _next_card(self) -> Card:
        card = Card()
        card.body.addWidget(heading(self.tr("What comes next"), 2))
        steps = QVBoxLayout()
        steps.setSpacing(6)
        for icon_name, text in (
            (
                "datasets",
                self.tr(
                    "Import and prepare a dataset: clean it, remove personal data, describe it."
                ),
            ),
            ("submissions", self.tr("Attach consent terms and submit it, signed, to a network.")),
            (
                "earnings",
                self.tr(
                    "Watch earnings and reputation arrive as signed statements you can verify."
                ),
            ),
        ):
            row = QHBoxLayout()
            row.setSpacing(10)
            row.addWidget(IconLabel(icon_name, "muted", 18))
            row.addWidget(muted(text), 1)
            steps.addLayout(row)
        card.body.addLayout(steps)
        card.body.addWidget(muted(self.tr("These pages arrive in coming versions of Tessera.")))
        return card

    # --- state --------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._vault.is_open:
            self.refresh()

    def _on_vault_state(self) -> None:
        custody = self._vault.custody
        if not self._vault.is_open:
            self.vault_state.setText(self.tr("Locked."))
            self._show(Overview(None, 0))
            return
        if custody == "keyring":
            self.vault_state.setText(self.tr("Unlocked. Its key is held by your OS keyring."))
        else:
            self.vault_state.setText(self.tr("Unlocked. Its key is protected by your passphrase."))
        self.refresh()

    def refresh(self) -> None:
        self._vault.op(self, load_overview).quiet().success(self._show).run()

    def _show(self, overview: Overview) -> None:
        info = overview.default
        self.did_box.setVisible(info is not None)
        self.recipient_box.setVisible(info is not None)
        self.identity_name.setVisible(info is not None)
        if info is None:
            self.identity_note.setText(
                self.tr("No identity yet. Create one on the Identities page.")
                if self._vault.is_open
                else ""
            )
            return
        self.identity_name.setText(info.name)
        self.did_field.set_value(info.did)
        self.recipient_field.set_value(info.recipient)
        if overview.identity_count > 1:
            self.identity_note.setText(
                self.tr(
                    "Used for signing unless you choose another. Identities in your vault: %1."
                ).replace("%1", str(overview.identity_count))
            )
        else:
            self.identity_note.setText(self.tr("Used for signing and receiving encrypted data."))

    def _on_copied(self, caption: str) -> None:
        self.message.emit(self.tr("Copied the %1").replace("%1", caption))
