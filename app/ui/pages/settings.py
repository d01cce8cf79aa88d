"""Settings: how Tessera looks and how the vault key is kept."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QPushButton, QWidget

from app import paths
from app.core import settings as registry
from app.services import vault as vault_service
from app.ui import icons
from app.ui.pages.base import Page
from app.ui.prompts import Prompts
from app.ui.theme import ThemeController
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, align_form_labels, heading, muted


class SettingsPage(Page):
    """Appearance and key custody.

    Signals:
        lock_requested: the user pressed "Lock now".
    """

    lock_requested = Signal()

    def __init__(
        self,
        vault: VaultHandle,
        prompts: Prompts,
        theme: ThemeController,
        settings: registry.Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Settings"), parent=parent, scroll=True)
        self._vault = vault
        self._prompts = prompts
        self._theme = theme
        self._settings = settings
        self.body.addWidget(self._appearance_card())
        self.body.addWidget(self._vault_card())
        self.body.addStretch(1)
        vault.state_changed.connect(self._on_vault_state)
        self._on_vault_state()
        self._vault.background(self, lambda: str(paths.data_dir())).quiet().success(
            lambda path: self.folder_text.setText(self.tr("Profile folder: %1").replace("%1", path))
        ).run()

    # --- appearance ---------------------------------------------------------------

    def _appearance_card(self) -> Card:
        card = Card()
        card.body.addWidget(heading(self.tr("Appearance"), 2))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.theme_box = QComboBox()
        self.theme_box.setMinimumWidth(220)
        self.theme_box.addItem(self.tr("Same as the system"), "system")
        self.theme_box.addItem(self.tr("Light"), "light")
        self.theme_box.addItem(self.tr("Dark"), "dark")
        self.theme_box.setCurrentIndex(max(0, self.theme_box.findData(self._theme.choice)))
        self.theme_box.currentIndexChanged.connect(self._on_theme_chosen)
        form.addRow(self.tr("&Theme"), self.theme_box)
        align_form_labels(form)
        card.body.addLayout(form)
        return card

    def _on_theme_chosen(self, _index: int) -> None:
        choice = str(self.theme_box.currentData())
        self._theme.set_choice(choice)
        settings = self._settings
        self._vault.background(self, lambda: settings.set(registry.THEME, choice)).quiet().run()

    # --- vault --------------------------------------------------------------------

    def _vault_card(self) -> Card:
        card = Card()
        card.body.addWidget(heading(self.tr("Vault key"), 2))
        self.custody_text = muted()
        card.body.addWidget(self.custody_text)
        row = QHBoxLayout()
        self.change_button = QPushButton(icons.icon("key"), self.tr("Change passphrase…"))
        self.change_button.clicked.connect(self.change_passphrase)
        self.to_keyring_button = QPushButton(self.tr("Keep the key in the OS keyring…"))
        self.to_keyring_button.clicked.connect(self.move_to_keyring)
        self.to_passphrase_button = QPushButton(self.tr("Protect with a passphrase instead…"))
        self.to_passphrase_button.clicked.connect(self.move_to_passphrase)
        self.lock_button = QPushButton(icons.icon("lock"), self.tr("Lock now"))
        self.lock_button.clicked.connect(self.lock_requested.emit)
        for button in (
            self.change_button,
            self.to_keyring_button,
            self.to_passphrase_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.lock_button)
        card.body.addLayout(row)
        self.folder_text = muted()
        self.folder_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.body.addWidget(self.folder_text)
        return card

    def _on_vault_state(self) -> None:
        custody = self._vault.custody
        unlocked = self._vault.is_open
        if custody == "keyring":
            text = self.tr(
                "The vault key is held by your OS keyring: Tessera opens without a "
                "passphrase while you are logged in to this computer."
            )
        elif custody == "passphrase":
            text = self.tr(
                "The vault key is protected by your passphrase: Tessera asks for it each "
                "time it starts. Nobody can recover the vault if it is forgotten."
            )
        else:
            text = ""
        self.custody_text.setText(text)
        self.change_button.setVisible(custody == "passphrase")
        self.to_keyring_button.setVisible(custody == "passphrase")
        self.to_passphrase_button.setVisible(custody == "keyring")
        for button in (
            self.change_button,
            self.to_keyring_button,
            self.to_passphrase_button,
            self.lock_button,
        ):
            button.setEnabled(unlocked)

    def change_passphrase(self) -> None:
        old = self._prompts.passphrase(
            self, self.tr("Change passphrase"), self.tr("Enter the current passphrase.")
        )
        if old is None:
            return
        new = self._prompts.new_passphrase(
            self, self.tr("Change passphrase"), self.tr("Choose the new passphrase.")
        )
        if new is None:
            return
        self._vault.op(self, lambda _s: vault_service.change_passphrase(old, new)).with_progress(
            self.tr("Changing the passphrase…")
        ).success(lambda _none: self.message.emit(self.tr("The passphrase was changed"))).run()

    def move_to_keyring(self) -> None:
        current = self._prompts.passphrase(
            self,
            self.tr("Keep the key in the OS keyring"),
            self.tr(
                "Enter your passphrase once more. The OS keyring will then hold the vault "
                "key and Tessera will stop asking for it."
            ),
        )
        if current is None:
            return

        def move(session: vault_service.Session) -> vault_service.CustodyKind:
            vault_service.move_custody_to_keyring(session, current)
            return session.custody

        self._vault.op(self, move).with_progress(self.tr("Moving the key…")).success(
            self._custody_moved
        ).run()

    def move_to_passphrase(self) -> None:
        new = self._prompts.new_passphrase(
            self,
            self.tr("Protect with a passphrase"),
            self.tr(
                "Choose a passphrase. Tessera will ask for it each time it starts, and the "
                "key will be removed from the OS keyring."
            ),
        )
        if new is None:
            return

        def move(session: vault_service.Session) -> vault_service.CustodyKind:
            vault_service.move_custody_to_passphrase(session, new)
            return session.custody

        self._vault.op(self, move).with_progress(self.tr("Moving the key…")).success(
            self._custody_moved
        ).run()

    def _custody_moved(self, custody: vault_service.CustodyKind) -> None:
        self._vault.set_custody(custody)
        self.message.emit(self.tr("The vault key has moved"))
