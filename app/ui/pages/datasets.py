"""The Datasets page: prepared datasets, their card and report, export and delete.

Dropping files anywhere on the page starts the prepare wizard with them.
Everything that reads the vault runs through the vault handle's ops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

from app.ui import icons
from app.ui.pages.datasets_model import NAME, DatasetTableModel
from app.ui.pages.identities import file_stem
from app.ui.pages.identities_model import long_date
from app.ui.pages.list_page import DialogSlot, ListPage, list_table, size_columns
from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle
from app.ui.widgets.common import Card, CopyField, heading, labelled, muted
from app.ui.widgets.drop_zone import DropZone, local_paths
from app.ui.widgets.json_view import JsonView
from app.ui.wizard import backend
from app.ui.wizard.report import report_html
from app.ui.wizard.wizard import PrepareWizard


class DatasetsPage(ListPage):
    """A list of prepared datasets above the details of the selected one."""

    def __init__(self, vault: VaultHandle, prompts: Prompts, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Datasets"),
            self.tr(
                "Your prepared datasets, cleaned and encrypted to your own key. Drop files "
                "here to prepare a new one."
            ),
            vault,
            prompts,
            DatasetTableModel(),
            parent,
        )
        self.model.setParent(self)
        self._wizards: DialogSlot[PrepareWizard] = DialogSlot()
        self.setAcceptDrops(True)

        self.prepare_button = QPushButton(
            icons.icon("plus", "on_accent"), self.tr("Prepare a dataset…")
        )
        self.prepare_button.setProperty("role", "primary")
        self.prepare_button.clicked.connect(lambda: self.prepare())
        self.header_actions.addWidget(self.prepare_button)

        table = list_table("datasetTable", self.tr("Datasets"), self.model)
        size_columns(table, stretch=NAME)

        empty = DropZone(
            self.tr("No datasets yet"),
            self.tr(
                "Drop files or folders here, or choose them, to prepare your first dataset: "
                "Tessera reads them, finds personal information for you to review, and keeps "
                "the result encrypted."
            ),
        )
        empty.setObjectName("datasetsEmpty")
        self.empty_prepare = QPushButton(
            icons.icon("plus", "on_accent"), self.tr("Prepare a dataset…")
        )
        self.empty_prepare.setProperty("role", "primary")
        self.empty_prepare.setAccessibleName(self.tr("Prepare your first dataset"))
        self.empty_prepare.clicked.connect(lambda: self.prepare())
        empty.add_button(self.empty_prepare)
        empty.dropped.connect(self.prepare)
        empty.browse_files.connect(self.choose_files)
        empty.browse_folder.connect(self.choose_folder)

        self.details = self._details_card()
        self.split_list_and_details(self.details, (2, 3))
        self.start(table, empty)

    @property
    def wizard(self) -> PrepareWizard | None:
        """The prepare wizard this page opened, while it is open."""
        return self._wizards.current

    # --- building -----------------------------------------------------------------

    def _details_card(self) -> Card:
        card = Card()
        card.setObjectName("datasetDetails")
        top = QHBoxLayout()
        self.detail_name = heading("", 2)
        top.addWidget(self.detail_name, 1)
        self.sign_button = QPushButton(icons.icon("sign"), self.tr("Sign for a network…"))
        self.sign_button.clicked.connect(self.sign_selected)
        self.export_button = QPushButton(icons.icon("export"), self.tr("Export…"))
        self.export_button.clicked.connect(self.export_selected)
        self.delete_button = QPushButton(icons.icon("delete", "danger"), self.tr("Delete…"))
        self.delete_button.setProperty("role", "danger")
        self.delete_button.clicked.connect(self.delete_selected)
        top.addWidget(self.sign_button)
        top.addWidget(self.export_button)
        top.addWidget(self.delete_button)
        card.body.addLayout(top)
        self.detail_facts = muted()
        card.body.addWidget(self.detail_facts)
        self.commitment_field = CopyField(self.tr("commitment"))
        self.commitment_field.copied.connect(self._copied)
        card.body.addWidget(
            labelled(
                self.tr("Commitment (fingerprint of every record, in order)"), self.commitment_field
            )
        )
        self.tabs = QTabWidget()
        self.report_view = QTextBrowser()
        self.report_view.setObjectName("datasetReport")
        self.report_view.setAccessibleName(self.tr("Report"))
        self.report_view.document().setDocumentMargin(12)
        self.card_view = JsonView()
        self.manifest_view = JsonView()
        self.tabs.addTab(self.report_view, self.tr("Report"))
        self.tabs.addTab(self.card_view, self.tr("Card"))
        self.tabs.addTab(self.manifest_view, self.tr("Manifest"))
        card.body.addWidget(self.tabs, 1)
        return card

    # --- drag and drop ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._vault.is_open and local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.prepare(paths)

    # --- state ------------------------------------------------------------------------

    def load(self, session: Any) -> list[Any]:
        return list(backend.datasets().list_datasets(session))

    def show_item(self, info: Any) -> None:
        self.details.setVisible(info is not None)
        if info is None:
            return
        self.detail_name.setText(info.name)
        self.detail_facts.setText(
            self.tr("Prepared %1 · %2 records · %3 encrypted · id %4")
            .replace("%1", long_date(info.created))
            .replace("%2", QLocale().toString(int(info.records)))
            .replace("%3", QLocale().formattedDataSize(int(info.package_size)))
            .replace("%4", info.id)
        )
        self.commitment_field.set_value(info.commitment)
        dataset_id = info.id

        def read(session: Any) -> tuple[Any, Any, Any]:
            service = backend.datasets()
            return (
                service.dataset_report(session, dataset_id),
                service.dataset_card(session, dataset_id),
                service.dataset_manifest(session, dataset_id),
            )

        def show(parts: tuple[Any, Any, Any]) -> None:
            current = self.selected()
            if current is None or current.id != dataset_id:
                return
            report, card, manifest = parts
            self.report_view.setHtml(report_html(report, current))
            self.card_view.set_value(card)
            self.manifest_view.set_value(manifest)

        self._vault.op(self, read).quiet().success(show).run()

    def update_actions(self) -> None:
        chosen = self.selected() is not None
        self.prepare_button.setEnabled(self._vault.is_open)
        for button in (self.sign_button, self.export_button, self.delete_button):
            button.setEnabled(self.ready and chosen)

    def on_vault_locked(self) -> None:
        self._wizards.close()

    # --- user actions -------------------------------------------------------------------

    def _open_wizard(self, wizard: PrepareWizard) -> PrepareWizard:
        wizard.dataset_prepared.connect(lambda dataset_id: self.refresh(select=dataset_id))
        wizard.submission_signed.connect(
            lambda info: self.message.emit(
                self.tr("Signed “%1” into %2")
                .replace("%1", info.dataset_name)
                .replace("%2", str(info.folder))
            )
        )
        self._wizards.open(wizard)
        return wizard

    def prepare(self, paths: list[Path] | None = None) -> PrepareWizard | None:
        if not self._vault.is_open:
            return None
        return self._open_wizard(PrepareWizard(self._vault, self._prompts, self, inputs=paths))

    def choose_files(self) -> PrepareWizard | None:
        """Ask for files, then prepare them; nothing happens when the user cancels."""
        paths = self._prompts.open_files(
            self,
            self.tr("Choose files to prepare"),
            self.tr(
                "Data files (*.csv *.tsv *.jsonl *.ndjson *.json *.parquet *.txt *.md *.zip);;"
                "All files (*)"
            ),
        )
        return self.prepare(paths) if paths else None

    def choose_folder(self) -> PrepareWizard | None:
        folder = self._prompts.folder(self, self.tr("Choose a folder to prepare"))
        return self.prepare([folder]) if folder is not None else None

    def sign_selected(self) -> PrepareWizard | None:
        info = self.selected()
        if info is None:
            return None
        return self._open_wizard(
            PrepareWizard(self._vault, self._prompts, self, dataset=(info.id, info.name))
        )

    def export_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        target = self._prompts.save_file(
            self,
            self.tr("Export dataset"),
            f"{file_stem(info.name)}.jsonl",
            self.tr("JSON Lines (*.jsonl);;All files (*)"),
        )
        if target is None:
            return
        confirmed = self._prompts.confirm(
            self,
            self.tr("Export decrypted"),
            self.tr("Write “%1” decrypted to %2?")
            .replace("%1", info.name)
            .replace("%2", str(target)),
            self.tr(
                "The exported file is not encrypted: anyone who can read that folder can read "
                "your records. The copy in Tessera stays encrypted."
            ),
            self.tr("Export decrypted"),
        )
        if not confirmed:
            return
        dataset_id = info.id

        def export(session: Any) -> int:
            return int(
                backend.datasets().export_dataset(
                    session, dataset_id, target, progress=op.progress, cancel=op.cancel
                )
            )

        op = self._op(export, self.tr("Exporting the dataset…"))
        op.success(
            lambda count: self.message.emit(
                self.tr("Exported %1 records to %2")
                .replace("%1", str(count))
                .replace("%2", str(target))
            )
        ).run()

    def delete_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        confirmed = self._prompts.confirm(
            self,
            self.tr("Delete dataset"),
            self.tr("Delete the dataset “%1”?").replace("%1", info.name),
            self.tr(
                "Its encrypted package, card and report are removed from this computer. "
                "Your original files are not touched."
            ),
            self.tr("Delete dataset"),
        )
        if not confirmed:
            return
        dataset_id = info.id
        self._op(lambda s: backend.datasets().delete_dataset(s, dataset_id)).success(
            lambda _none: self._changed(self.tr("Deleted %1").replace("%1", info.name))
        ).run()
