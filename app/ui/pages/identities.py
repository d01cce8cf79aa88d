"""The Identities page: create, rename, back up, restore and delete identities.

Everything that touches keys or the vault runs through the vault handle's
ops; questions (names, files, passphrases, confirmations) go through the
injected :class:`~app.ui.prompts.Prompts`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QWidget,
)

from app.core.fsutil import atomic_write_bytes
from app.services import identities as service
from app.services.identities import IdentityInfo
from app.services.vault import Session
from app.ui import icons
from app.ui.pages.identities_model import DID, NAME, IdentityTableModel, long_date
from app.ui.pages.list_page import ListPage, empty_card, list_table, size_columns
from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, CopyField, heading, labelled, muted


def file_stem(name: str) -> str:
    """A file name suggestion from an identity name: no separators, no surprises."""
    stem = re.sub(r"[^\w.\- ]+", "_", name, flags=re.UNICODE).strip(" ._") or "identity"
    return stem[:60]


def write_card(session: Session, name: str, destination: Path) -> None:
    card = service.public_card(session, name)
    text = json.dumps(card, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(destination, text.encode("utf-8"), mode=0o644)


class IdentitiesPage(ListPage):
    """A table of identities above the details of the selected one."""

    def __init__(self, vault: VaultHandle, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Identities"),
            self.tr(
                "An identity is a signing key and an encryption key that never leave "
                "this computer. Networks know you by its identifier; the name is just for you."
            ),
            vault,
            prompts,
            IdentityTableModel(),
            parent,
        )
        self.model.setParent(self)

        self._make_actions()
        self.restore_button = self._button(self.restore_action)
        self.new_button = self._button(self.new_action, primary=True)
        self.header_actions.addWidget(self.restore_button)
        self.header_actions.addWidget(self.new_button)

        table = list_table("identityTable", self.tr("Identities"), self.model)
        table.setAlternatingRowColors(False)
        size_columns(table, stretch=DID, fixed={NAME: 220})
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.doubleClicked.connect(lambda _index: self.rename_selected())

        empty = empty_card(
            self.tr("No identities yet"),
            self.tr(
                "Create an identity to sign what you submit and to receive encrypted "
                "data, or restore one from a backup."
            ),
        )
        self.body.addWidget(self.list_stack, 1)
        self.details = self._details_card()
        self.body.addWidget(self.details)
        self.start(table, empty)

    # --- building -------------------------------------------------------------

    def _action(
        self, text: str, icon_name: str, handler: Callable[[], None], shortcut: str | None = None
    ) -> QAction:
        action = QAction(icons.icon(icon_name), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: handler())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.new_action = self._action(
            self.tr("New identity"), "plus", self.create_identity, "Ctrl+N"
        )
        self.new_action.setIcon(icons.icon("plus", "on_accent"))
        self.restore_action = self._action(
            self.tr("Restore from backup…"), "restore", self.restore_identity
        )
        self.rename_action = self._action(self.tr("Rename…"), "rename", self.rename_selected, "F2")
        self.default_action = self._action(
            self.tr("Make default"), "star", self.make_selected_default
        )
        self.backup_action = self._action(self.tr("Back up…"), "backup", self.backup_selected)
        self.export_action = self._action(
            self.tr("Export public card…"), "export", self.export_selected
        )
        self.delete_action = self._action(self.tr("Delete…"), "delete", self.delete_selected, "Del")
        self.delete_action.setIcon(icons.icon("delete", "danger"))

    def _button(
        self, action: QAction, *, primary: bool = False, danger: bool = False
    ) -> QPushButton:
        button = QPushButton(action.icon(), action.text())
        button.setToolTip(action.toolTip() + self._shortcut_hint(action))
        if primary:
            button.setProperty("role", "primary")
        if danger:
            button.setProperty("role", "danger")
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        button.setEnabled(action.isEnabled())
        return button

    @staticmethod
    def _shortcut_hint(action: QAction) -> str:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        return f" ({keys})" if keys else ""

    def _details_card(self) -> Card:
        card = Card()
        card.setObjectName("identityDetails")
        top = QHBoxLayout()
        self.detail_name = heading("", 2)
        self.detail_default = QLabel(self.tr("Default"))
        self.detail_default.setProperty("badge", True)
        top.addWidget(self.detail_name)
        top.addWidget(self.detail_default)
        top.addStretch(1)
        top.addWidget(self._button(self.rename_action))
        top.addWidget(self._button(self.default_action))
        card.body.addLayout(top)

        self.did_field = CopyField(self.tr("identifier"))
        self.did_field.copied.connect(self._on_copied)
        self.recipient_field = CopyField(self.tr("encryption recipient"))
        self.recipient_field.copied.connect(self._on_copied)
        card.body.addWidget(
            labelled(self.tr("Identifier (did:key), used to check your signatures"), self.did_field)
        )
        card.body.addWidget(
            labelled(
                self.tr("Encryption recipient (age), used to encrypt data for you"),
                self.recipient_field,
            )
        )
        self.detail_created = muted()
        card.body.addWidget(self.detail_created)

        bottom = QHBoxLayout()
        bottom.addWidget(self._button(self.backup_action))
        bottom.addWidget(self._button(self.export_action))
        bottom.addStretch(1)
        bottom.addWidget(self._button(self.delete_action, danger=True))
        card.body.addLayout(bottom)
        return card

    # --- state ------------------------------------------------------------------

    def load(self, session: Any) -> list[IdentityInfo]:
        return service.list_identities(session)

    def default_key(self, items: list[IdentityInfo]) -> str:
        """The default identity, when the one wanted is gone."""
        return next((i.did for i in items if i.is_default), items[0].did)

    def show_item(self, info: IdentityInfo | None) -> None:
        self.details.setVisible(info is not None)
        if info is None:
            return
        self.detail_name.setText(info.name)
        self.detail_default.setVisible(info.is_default)
        self.did_field.set_value(info.did)
        self.recipient_field.set_value(info.recipient)
        self.detail_created.setText(self.tr("Created %1").replace("%1", long_date(info.created)))

    def update_actions(self) -> None:
        ready = self.ready
        info = self.selected()
        self.new_action.setEnabled(ready)
        self.restore_action.setEnabled(ready)
        for action in (
            self.rename_action,
            self.backup_action,
            self.export_action,
            self.delete_action,
        ):
            action.setEnabled(ready and info is not None)
        self.default_action.setEnabled(ready and info is not None and not info.is_default)

    def _on_copied(self, caption: str) -> None:
        info = self.selected()
        name = info.name if info else ""
        self.message.emit(self.tr("Copied the %1 of %2").replace("%1", caption).replace("%2", name))

    # --- user actions -------------------------------------------------------------

    def create_identity(self) -> None:
        name = self._prompts.text(
            self, self.tr("New identity"), self.tr("Name for the new identity:")
        )
        if name is None or not name.strip():
            return
        self._op(lambda s: service.create_identity(s, name)).with_progress(
            self.tr("Creating the identity…")
        ).success(self._created).run()

    def _created(self, info: IdentityInfo) -> None:
        self._changed(self.tr("Created %1").replace("%1", info.name), select=info.did)

    def rename_selected(self) -> None:
        info = self.selected()
        if info is None or not self.rename_action.isEnabled():
            return
        new = self._prompts.text(self, self.tr("Rename identity"), self.tr("New name:"), info.name)
        if new is None or new == info.name:
            return
        self._op(lambda s: service.rename_identity(s, info.name, new)).success(
            lambda renamed: self._changed(self.tr("Renamed to %1").replace("%1", renamed.name))
        ).run()

    def make_selected_default(self) -> None:
        info = self.selected()
        if info is None:
            return
        self._op(lambda s: service.set_default_identity(s, info.name)).success(
            lambda _none: self._changed(
                self.tr("%1 is now the default identity").replace("%1", info.name)
            )
        ).run()

    def backup_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        target = self._prompts.save_file(
            self,
            self.tr("Back up identity"),
            f"{file_stem(info.name)}.tessera-identity.age",
            self.tr("Tessera identity backups (*.age);;All files (*)"),
        )
        if target is None:
            return
        passphrase = self._prompts.new_passphrase(
            self,
            self.tr("Protect the backup"),
            self.tr(
                "Choose a passphrase for this backup. You will need it to restore the "
                "identity; without it the backup cannot be opened."
            ),
        )
        if passphrase is None:
            return
        self._op(lambda s: service.backup_identity(s, info.name, target, passphrase)).with_progress(
            self.tr("Writing the encrypted backup…")
        ).success(
            lambda _none: self.message.emit(
                self.tr("Backed up %1 to %2").replace("%1", info.name).replace("%2", str(target))
            )
        ).run()

    def restore_identity(self) -> None:
        source = self._prompts.open_file(
            self,
            self.tr("Restore identity"),
            self.tr("Tessera identity backups (*.age);;All files (*)"),
        )
        if source is None:
            return
        passphrase = self._prompts.passphrase(
            self,
            self.tr("Open the backup"),
            self.tr("Enter the passphrase of %1.").replace("%1", source.name),
        )
        if passphrase is None:
            return
        self._op(lambda s: service.restore_identity(s, source, passphrase)).with_progress(
            self.tr("Restoring the identity…")
        ).success(self._restored).run()

    def _restored(self, info: IdentityInfo) -> None:
        self._changed(self.tr("Restored %1").replace("%1", info.name), select=info.did)

    def export_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        target = self._prompts.save_file(
            self,
            self.tr("Export public card"),
            f"{file_stem(info.name)}.card.json",
            self.tr("JSON files (*.json);;All files (*)"),
        )
        if target is None:
            return
        self._op(lambda s: write_card(s, info.name, target)).success(
            lambda _none: self.message.emit(
                self.tr("Saved the public card of %1").replace("%1", info.name)
            )
        ).run()

    def delete_selected(self) -> None:
        info = self.selected()
        if info is None or not self.delete_action.isEnabled():
            return
        confirmed = self._prompts.confirm(
            self,
            self.tr("Delete identity"),
            self.tr("Delete the identity “%1”?").replace("%1", info.name),
            self.tr(
                "Its private keys are erased from the vault. Unless you have a backup, "
                "you can never again sign as %1 or decrypt data sent to it."
            ).replace("%1", info.name),
            self.tr("Delete identity"),
        )
        if not confirmed:
            return
        self._op(lambda s: service.delete_identity(s, info.name)).success(
            lambda _none: self._changed(self.tr("Deleted %1").replace("%1", info.name))
        ).run()

    def _context_menu(self, position: Any) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        menu.addAction(self.rename_action)
        menu.addAction(self.default_action)
        menu.addSeparator()
        copy_did = menu.addAction(icons.icon("copy"), self.tr("Copy identifier"))
        copy_did.triggered.connect(self.did_field.copy)
        copy_recipient = menu.addAction(icons.icon("copy"), self.tr("Copy encryption recipient"))
        copy_recipient.triggered.connect(self.recipient_field.copy)
        menu.addSeparator()
        menu.addAction(self.backup_action)
        menu.addAction(self.export_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.viewport().mapToGlobal(position))
