"""The first run: from nothing to an encrypted vault and a first identity.

Four steps: a welcome; how the vault key is kept (the OS keyring when one
answers, otherwise a passphrase typed twice); a name for the first
identity; and what was made, with its did and recipient to copy. Creating
the vault and the identity runs through the vault handle, off the GUI
thread. If the identity step fails after the vault was made, trying again
only creates the identity.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import InvalidInput, TesseraError
from app.core.identity.custody import CustodyError
from app.services import identities as identity_service
from app.services import vault as vault_service
from app.services.identities import IdentityInfo
from app.ui import icons
from app.ui.errors import show_error, user_words
from app.ui.vault import VaultHandle
from app.ui.widgets.common import CopyField, IconLabel, heading, labelled, muted
from app.ui.widgets.passphrase import NewPassphraseFields

WELCOME, CUSTODY, IDENTITY, DONE = range(4)


class FirstRunDialog(QDialog):
    """Creates the vault and the first identity, step by step.

    Opened with ``open()``; ``accepted`` means a vault now exists and is
    open in the handle, ``rejected`` that the user left before creating it.
    """

    def __init__(self, vault: VaultHandle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self.keyring_ok: bool | None = None  # None while the probe runs
        self.vault_created = False
        self.created: IdentityInfo | None = None
        self._busy = False
        self.setWindowTitle(self.tr("Set up Tessera"))
        self.setWindowIcon(icons.app_icon())
        self.setMinimumSize(660, 540)

        self.steps = QStackedWidget()
        self.steps.addWidget(self._welcome_step())
        self.steps.addWidget(self._custody_step())
        self.steps.addWidget(self._identity_step())
        self.steps.addWidget(self._done_step())

        self.back_button = QPushButton(self.tr("Back"))
        self.back_button.clicked.connect(self.back)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.next_button = QPushButton()
        self.next_button.setProperty("role", "primary")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 20)
        layout.setSpacing(16)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)

        self._probe_keyring()
        self._go(WELCOME)

    # --- steps --------------------------------------------------------------------

    @staticmethod
    def _step() -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        return page, layout

    def _welcome_step(self) -> QWidget:
        page, layout = self._step()
        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(64, 64))
        layout.addWidget(logo)
        layout.addWidget(heading(self.tr("Welcome to Tessera"), 1))
        layout.addWidget(
            muted(
                self.tr(
                    "Tessera keeps your contributions in an encrypted vault on this computer, "
                    "and signs what you submit with keys that never leave it."
                )
            )
        )
        layout.addSpacing(8)
        for icon_name, title, text in (
            (
                "shield",
                self.tr("Encrypted on this computer"),
                self.tr("Your vault is an encrypted database; nothing is stored in the clear."),
            ),
            (
                "key",
                self.tr("Your keys stay yours"),
                self.tr("Private keys never leave the vault, except in backups you encrypt."),
            ),
            (
                "submissions",
                self.tr("Nothing is sent without you"),
                self.tr("Tessera works offline and only talks to a network when you sync."),
            ),
        ):
            row = QHBoxLayout()
            row.setSpacing(12)
            row.addWidget(IconLabel(icon_name, "accent", 22), 0, Qt.AlignmentFlag.AlignTop)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(heading(title, 3))
            column.addWidget(muted(text))
            row.addLayout(column, 1)
            layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(
            muted(
                self.tr(
                    "Setting up takes under a minute: choose how the vault key is kept, "
                    "then name your first identity."
                )
            )
        )
        layout.addStretch(1)
        return page

    def _custody_step(self) -> QWidget:
        page, layout = self._step()
        layout.addWidget(heading(self.tr("How should the vault key be kept?"), 2))
        self.keyring_choice = QRadioButton(self.tr("In the OS keyring (recommended)"))
        self.keyring_text = muted(
            self.tr(
                "Your system keyring holds the key, and Tessera opens without asking while "
                "you are logged in. Anyone using your unlocked account can open it too."
            )
        )
        self.passphrase_choice = QRadioButton(self.tr("With a passphrase"))
        self.passphrase_text = muted(
            self.tr(
                "You type it each time Tessera starts. If it is forgotten, nobody can open "
                "the vault, not even you: write it down somewhere safe."
            )
        )
        self.custody_group = QButtonGroup(self)
        self.custody_group.addButton(self.keyring_choice)
        self.custody_group.addButton(self.passphrase_choice)
        self.keyring_status = muted(self.tr("Checking for an OS keyring…"))
        self.passphrase_fields = NewPassphraseFields()
        self.passphrase_fields.changed.connect(self._update_buttons)
        self.custody_group.buttonToggled.connect(lambda *_args: self._on_custody_toggled())
        layout.addWidget(self.keyring_choice)
        layout.addWidget(self._indented(self.keyring_text))
        layout.addWidget(self._indented(self.keyring_status))
        layout.addWidget(self.passphrase_choice)
        layout.addWidget(self._indented(self.passphrase_text))
        layout.addWidget(self._indented(self.passphrase_fields))
        layout.addStretch(1)
        return page

    @staticmethod
    def _indented(widget: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(26, 0, 0, 0)
        row.addWidget(widget)
        return box

    def _identity_step(self) -> QWidget:
        page, layout = self._step()
        layout.addWidget(heading(self.tr("Name your first identity"), 2))
        layout.addWidget(
            muted(
                self.tr(
                    "An identity is a pair of keys: one signs what you submit, the other lets "
                    "data be encrypted for you. Networks see the keys; the name is just for you."
                )
            )
        )
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("For example: Personal, or Clinic"))
        self.name_edit.setMaxLength(identity_service.MAX_NAME)
        self.name_edit.textChanged.connect(self._update_buttons)
        layout.addWidget(labelled(self.tr("Name"), self.name_edit))
        self.identity_error = QLabel(wordWrap=True)
        self.identity_error.setProperty("role", "error")
        self.identity_error.setVisible(False)
        layout.addWidget(self.identity_error)
        layout.addStretch(1)
        return page

    def _done_step(self) -> QWidget:
        page, layout = self._step()
        top = QHBoxLayout()
        top.addWidget(IconLabel("check", "success", 28))
        top.addWidget(heading(self.tr("Your vault is ready"), 1), 1)
        layout.addLayout(top)
        self.done_summary = muted()
        layout.addWidget(self.done_summary)
        self.did_field = CopyField(self.tr("identifier"))
        self.recipient_field = CopyField(self.tr("encryption recipient"))
        layout.addWidget(labelled(self.tr("Identifier (did:key)"), self.did_field))
        layout.addWidget(labelled(self.tr("Encryption recipient (age)"), self.recipient_field))
        self.copy_note = muted()
        self.did_field.copied.connect(self._on_copied)
        self.recipient_field.copied.connect(self._on_copied)
        layout.addWidget(self.copy_note)
        layout.addWidget(
            muted(
                self.tr(
                    "Back this identity up from the Identities page: if this computer is lost, "
                    "a backup is the only way to get its keys back."
                )
            )
        )
        layout.addStretch(1)
        return page

    # --- navigation -------------------------------------------------------------------

    def current_step(self) -> int:
        return self.steps.currentIndex()

    def _go(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        labels = {
            WELCOME: self.tr("Get started"),
            CUSTODY: self.tr("Continue"),
            IDENTITY: self.tr("Create vault")
            if not self.vault_created
            else self.tr("Create identity"),
            DONE: self.tr("Open Tessera"),
        }
        self.next_button.setText(labels[step])
        self.back_button.setVisible(step in (CUSTODY, IDENTITY) and not self.vault_created)
        self.cancel_button.setVisible(step != DONE)
        if step == CUSTODY:
            if self.passphrase_choice.isChecked():
                self.passphrase_fields.focus_first()
        elif step == IDENTITY:
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_buttons()
        if step in (WELCOME, DONE) or (step == CUSTODY and self.keyring_choice.isChecked()):
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def next(self) -> None:
        if self._busy or not self.next_button.isEnabled():
            return
        step = self.current_step()
        if step == WELCOME:
            self._go(CUSTODY)
        elif step == CUSTODY:
            self._go(IDENTITY)
        elif step == IDENTITY:
            self._create()
        else:
            self.accept()

    def back(self) -> None:
        if not self._busy and self.current_step() > WELCOME and not self.vault_created:
            self._go(self.current_step() - 1)

    def reject(self) -> None:
        """Esc on the last step just finishes: the vault exists by then."""
        if self._busy:
            return
        if self.current_step() == DONE:
            self.accept()
        else:
            super().reject()

    def _update_buttons(self) -> None:
        step = self.current_step()
        ready = not self._busy
        if step == CUSTODY:
            if self.keyring_choice.isChecked():
                ready = ready and bool(self.keyring_ok)
            elif self.passphrase_choice.isChecked():
                ready = ready and self.passphrase_fields.passphrase() is not None
            else:
                ready = False
        elif step == IDENTITY:
            ready = ready and bool(self.name_edit.text().strip())
        self.next_button.setEnabled(ready)
        self.back_button.setEnabled(not self._busy)
        self.cancel_button.setEnabled(not self._busy)

    # --- custody ------------------------------------------------------------------------

    def _probe_keyring(self) -> None:
        self._vault.background(self, vault_service.keyring_available).quiet().success(
            self._on_keyring_probed
        ).failure(lambda _exc: self._on_keyring_probed(False)).run()

    def _on_keyring_probed(self, available: bool) -> None:
        self.keyring_ok = available
        if available:
            self.keyring_status.setText(self.tr("Your OS keyring is available."))
            self.keyring_status.setVisible(False)
            if not self.passphrase_choice.isChecked():
                self.keyring_choice.setChecked(True)
        else:
            self.keyring_status.setText(
                self.tr(
                    "No OS keyring answered on this computer, so the key will be protected "
                    "by a passphrase."
                )
            )
            self.keyring_choice.setEnabled(False)
            self.passphrase_choice.setChecked(True)
        self._on_custody_toggled()

    def _on_custody_toggled(self) -> None:
        self.passphrase_fields.setEnabled(self.passphrase_choice.isChecked())
        self.passphrase_fields.setVisible(self.passphrase_choice.isChecked())
        self._update_buttons()

    def chosen_passphrase(self) -> str | None:
        """The passphrase for passphrase custody; ``None`` means the keyring."""
        if self.keyring_choice.isChecked():
            return None
        return self.passphrase_fields.passphrase()

    # --- creating ---------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.name_edit.setEnabled(not busy)
        self._update_buttons()

    def _create(self) -> None:
        self.identity_error.setVisible(False)
        try:
            name = identity_service.check_name(self.name_edit.text())
        except InvalidInput as exc:
            self._identity_failed(exc)
            return
        self._set_busy(True)
        if self.vault_created:
            self._create_identity(name)
            return
        self._vault.create(self, self.chosen_passphrase()).with_progress(
            self.tr("Creating your encrypted vault…")
        ).success(lambda _custody: self._vault_ready(name)).failure(self._vault_failed).run()

    def _vault_ready(self, name: str) -> None:
        self.vault_created = True
        self.passphrase_fields.clear()
        self._create_identity(name)

    def _vault_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, CustodyError) and self.keyring_choice.isChecked():
            self.keyring_ok = False
            self.keyring_choice.setEnabled(False)
            self.passphrase_choice.setChecked(True)
            message, _hint = user_words(exc)
            self.keyring_status.setText(message + " " + self.tr("Choose a passphrase instead."))
            self.keyring_status.setVisible(True)
            self._go(CUSTODY)
            return
        show_error(self, exc)

    def _create_identity(self, name: str) -> None:
        self._vault.op(self, lambda s: identity_service.create_identity(s, name)).with_progress(
            self.tr("Creating your identity…")
        ).success(self._identity_ready).failure(self._identity_failed).run()

    def _identity_ready(self, info: IdentityInfo) -> None:
        self.created = info
        self._set_busy(False)
        self.done_summary.setText(
            self.tr(
                "Your first identity, %1, is ready. Share these freely; they are public."
            ).replace("%1", info.name)
        )
        self.did_field.set_value(info.did)
        self.recipient_field.set_value(info.recipient)
        self._go(DONE)

    def _identity_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, TesseraError):
            message, hint = user_words(exc)
            self.identity_error.setText(f"{message} {hint}" if hint else message)
            self.identity_error.setVisible(True)
            self._go(IDENTITY)
        else:
            show_error(self, exc)

    def _on_copied(self, caption: str) -> None:
        self.copy_note.setText(self.tr("Copied the %1 to the clipboard.").replace("%1", caption))
