"""After preparing: the report, what will be signed, and where it went.

The consent step lives in :mod:`app.ui.wizard.consent_step`. The sign
step shows the manifest the service will sign (human view and raw JSON),
then signs into a folder the user picks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

from app.core.errors import Cancelled, TesseraError
from app.ui.widgets.common import align_form_labels, heading, monospace_font, muted
from app.ui.widgets.folder_field import FolderField
from app.ui.widgets.json_view import JsonView, pretty_json
from app.ui.wizard import backend
from app.ui.wizard.consent_step import ConsentStep, summary_lines
from app.ui.wizard.data_steps import error_label, show_problem
from app.ui.wizard.report import report_html
from app.ui.wizard.step import Step, WizardContext

__all__ = ["ConsentStep", "DoneStep", "ReportStep", "SignStep", "recipient_problem"]

PREVIEW_DELAY_MS = 300


def recipient_problem(text: str) -> str | None:
    """What is wrong with an age recipient as typed, in words; ``None`` when it parses."""
    from app.core.crypto.keys import parse_recipient

    text = text.strip()
    if not text:
        return None
    if not text.startswith("age1"):
        return QCoreApplication.translate(
            "Sign", "An age recipient starts with “age1”. Paste the one the network gives."
        )
    try:
        parse_recipient(text)
    except TesseraError as exc:
        return (
            QCoreApplication.translate("Sign", "This recipient is not valid: %1.").replace(
                "%1", exc.message.rstrip(".")
            )
            + " "
            + QCoreApplication.translate("Sign", "Check that it was copied whole.")
        )
    return None


class ReportStep(Step):
    """The quality and privacy report of the dataset just prepared."""

    key = "report"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.headline = heading("", 2)
        self.layout_.addWidget(self.headline)
        self.view = QTextBrowser()
        self.view.setObjectName("reportView")
        self.view.setOpenLinks(False)
        self.view.setAccessibleName(self.tr("Report"))
        self.view.document().setDocumentMargin(12)
        self.layout_.addWidget(self.view, 1)
        self.layout_.addWidget(
            muted(
                self.tr(
                    "The dataset is encrypted to your own key and kept in your vault. You can "
                    "go on to state what it may be used for and sign it for a network, or "
                    "finish now and do that later from the Datasets page."
                )
            )
        )
        self._shown: str | None = None

    def title(self) -> str:
        return self.tr("Report")

    def subtitle(self) -> str:
        return self.tr("What was kept, what was removed, and what personal information was found.")

    def next_label(self) -> str:
        return self.tr("Consent terms")

    def can_go_back(self) -> bool:
        return False  # the dataset exists now; going back would not change it

    def enter(self) -> None:
        dataset = self.draft.dataset_id
        if dataset is None or dataset == self._shown:
            return
        self._shown = dataset
        self.headline.setText(self.tr("“%1” is ready").replace("%1", self.draft.dataset_name))

        def load(session: Any) -> tuple[Any, Any]:
            service = backend.datasets()
            return service.get_dataset(session, dataset), service.dataset_report(session, dataset)

        self.context.vault.op(self, load).success(
            lambda both: self.view.setHtml(report_html(both[1], both[0]))
        ).run()


class SignStep(Step):
    """Who receives it, what exactly is signed (human and raw), then sign."""

    key = "sign"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("age1…")
        self.recipient.setAccessibleName(self.tr("Network's age recipient"))
        self.recipient.setFont(monospace_font())
        self.recipient.setClearButtonEnabled(True)
        self.recipient_problem = error_label()
        self.recipient_problem.setAccessibleName(self.tr("Problem with the recipient"))
        self.network = QLineEdit()
        self.network.setPlaceholderText(self.tr("did:key:… (optional)"))
        self.network.setAccessibleName(self.tr("Network id"))
        self.network.setFont(monospace_font())
        self.folder = FolderField(self.tr("Folder for the signed submission"), context.prompts)
        recipient_caption = QLabel(self.tr("Network's age &recipient:"))
        recipient_caption.setBuddy(self.recipient)
        network_caption = QLabel(self.tr("Network &id:"))
        network_caption.setBuddy(self.network)
        folder_caption = QLabel(self.tr("&Save into:"))
        folder_caption.setBuddy(self.folder.edit)
        form.addRow(recipient_caption, self.recipient)
        form.addRow("", self.recipient_problem)
        form.addRow(network_caption, self.network)
        form.addRow(folder_caption, self.folder)
        form.addRow(
            "",
            muted(
                self.tr(
                    "Choosing a network from a list will come once networks can be added; "
                    "for now, paste the recipient and id the network publishes."
                )
            ),
        )
        align_form_labels(form)
        self.layout_.addLayout(form)
        self.problem = error_label()
        self.layout_.addWidget(self.problem)
        self.tabs = QTabWidget()
        self.human = QTextBrowser()
        self.human.setObjectName("signedHuman")
        self.human.setAccessibleName(self.tr("What you sign"))
        self.human.document().setDocumentMargin(12)
        self.raw = JsonView()
        self.raw.setObjectName("signedRaw")
        self.tabs.addTab(self.human, self.tr("What you sign"))
        self.tabs.addTab(self.raw, self.tr("Raw JSON"))
        self.layout_.addWidget(self.tabs, 1)
        self.preview: dict[str, Any] | None = None
        self._signing = False
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        for edit in (self.recipient, self.network):
            edit.textChanged.connect(lambda _t: self._inputs_changed())
        self.folder.changed.connect(self._inputs_changed)
        self._generation = 0

    def title(self) -> str:
        return self.tr("Review and sign")

    def subtitle(self) -> str:
        return self.tr(
            "This is exactly what your signature will cover. Only the network you name here "
            "can decrypt the data, besides you."
        )

    def next_label(self) -> str:
        return self.tr("Sign")

    def enter(self) -> None:
        if self.folder.path() is None:
            from app import paths

            self.folder.set_path(paths.data_dir(create=False) / "submissions")
        self.refresh_preview()

    def _inputs_changed(self) -> None:
        d = self.draft
        problem = recipient_problem(self.recipient.text())
        self.recipient_problem.setText(problem or "")
        self.recipient_problem.setVisible(problem is not None)
        d.recipient = self.recipient.text().strip() if problem is None else ""
        d.network_id = self.network.text().strip()
        d.out_dir = self.folder.path()
        self.preview = None
        self.changed.emit()
        self._timer.start()

    def busy(self) -> bool:
        return self._signing

    def can_advance(self) -> bool:
        d = self.draft
        return (
            not self._signing
            and self.preview is not None
            and bool(d.recipient)
            and d.out_dir is not None
        )

    def refresh_preview(self) -> None:
        d = self.draft
        if d.dataset_id is None or not d.recipient:
            self.human.setHtml(
                "<p>"
                + self.tr("Enter the network's age recipient to see what will be signed.")
                + "</p>"
            )
            self.raw.set_value(None)
            return
        self._generation += 1
        generation = self._generation
        dataset, terms, recipient = d.dataset_id, d.terms, d.recipient
        network = d.network_id or None

        def load(session: Any) -> dict[str, Any]:
            service = backend.submissions()
            preview: dict[str, Any] = service.preview_submission(
                session, dataset, terms, recipient=recipient, network_id=network
            )
            return preview

        def show(preview: dict[str, Any]) -> None:
            if generation == self._generation:
                self.show_preview(preview)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.preview = None
                show_problem(self.problem, exc)
                self.changed.emit()

        self.problem.hide()
        self.context.vault.op(self, load).quiet().success(show).failure(failed).run()

    def show_preview(self, preview: dict[str, Any]) -> None:
        self.preview = preview
        self.raw.set_value(preview)
        lines = [f"<h3>{self.tr('You sign that:')}</h3><ul>"]
        d = self.draft
        lines.append(
            "<li>"
            + self.tr(
                "the dataset “%1” is the one you prepared (its fingerprint is below);"
            ).replace("%1", d.dataset_name or str(d.dataset_id))
            + "</li>"
        )
        lines.append(
            "<li>"
            + self.tr("it is encrypted for you and for the recipient %1;").replace(
                "%1", f"<code>{d.recipient}</code>"
            )
            + "</li></ul>"
        )
        lines.append(f"<h3>{self.tr('Under these terms:')}</h3><ul>")
        lines.extend(f"<li>{line}</li>" for line in summary_lines(d.terms))
        lines.append("</ul>")
        facts = []
        for key in ("commitment", "record_count", "records", "consent_digest", "card_digest"):
            value = _find(preview, key)
            if value is not None:
                facts.append(f"<li><b>{key.replace('_', ' ')}:</b> <code>{value}</code></li>")
        if facts:
            lines.append(f"<h3>{self.tr('Fingerprints')}</h3><ul>{''.join(facts)}</ul>")
        self.human.setHtml("".join(lines))
        self.changed.emit()

    def advance(self, done: Callable[[], None]) -> None:
        d = self.draft
        if d.dataset_id is None or d.out_dir is None:
            return
        dataset, terms, recipient = d.dataset_id, d.terms, d.recipient
        network, out_dir, identity = d.network_id or None, Path(d.out_dir), d.identity
        self._signing = True
        self.changed.emit()

        def sign(session: Any) -> Any:
            service = backend.submissions()
            return service.build_submission_for_dataset(
                session,
                dataset,
                terms,
                recipient=recipient,
                network_id=network,
                out_dir=out_dir,
                identity=identity,
                progress=op.progress,
                cancel=op.cancel,
            )

        def signed(info: Any) -> None:
            d.submission = info
            done()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, Cancelled):
                self.problem.setText(self.tr("Signing was stopped; nothing was written."))
                self.problem.show()
            else:
                show_problem(self.problem, exc)

        def finished() -> None:
            self._signing = False
            self.changed.emit()

        op = self.context.vault.op(self, sign)
        op.with_progress(self.tr("Signing the submission…"))
        op.success(signed).failure(failed).finished(finished).run()


def _find(document: Any, key: str) -> Any:
    """The first value named ``key`` anywhere in a JSON document."""
    if isinstance(document, dict):
        if key in document and not isinstance(document[key], dict | list):
            return document[key]
        for value in document.values():
            found = _find(value, key)
            if found is not None:
                return found
    elif isinstance(document, list):
        for value in document:
            found = _find(value, key)
            if found is not None:
                return found
    return None


class DoneStep(Step):
    """The signed submission in words: what went where, for whom, and what to do next.

    The raw record stays one tab away for those who want to check a digest.
    """

    key = "done"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(self.text)
        self.tabs = QTabWidget()
        summary = QWidget()
        self.form = QFormLayout(summary)
        self.fields: dict[str, QLabel] = {}
        for name, label in (
            ("dataset", self.tr("Dataset")),
            ("network", self.tr("Network")),
            ("recipient", self.tr("Network's key")),
            ("signer", self.tr("Signed by")),
            ("submission", self.tr("Submission")),
            ("folder", self.tr("Folder")),
            ("files", self.tr("Files")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if name in ("recipient", "signer", "submission"):
                value.setFont(monospace_font())
            self.fields[name] = value
            self.form.addRow(label, value)
        self.open_folder = QPushButton(self.tr("Open the folder"))
        self.open_folder.clicked.connect(self._open_folder)
        button_row = QHBoxLayout()
        button_row.addWidget(self.open_folder)
        button_row.addStretch(1)
        self.form.addRow("", button_row)
        align_form_labels(self.form)
        self.tabs.addTab(summary, self.tr("Summary"))
        self.details = JsonView()
        self.tabs.addTab(self.details, self.tr("Details (JSON)"))
        self.layout_.addWidget(self.tabs, 1)
        self._folder: Path | None = None

    def title(self) -> str:
        return self.tr("Signed")

    def next_label(self) -> str:
        return self.tr("Finish")

    def can_go_back(self) -> bool:
        return False

    def enter(self) -> None:
        info = self.draft.submission
        folder = getattr(info, "folder", self.draft.out_dir)
        self._folder = Path(folder) if folder else None
        self.text.setText(
            self.tr(
                "Your submission is signed and saved. Send the folder to the network as it is: "
                "only the network's key and yours can open the data, and your signature binds "
                "it to your consent terms. You can verify or revoke it from the Submissions page."
            )
        )
        network = getattr(info, "network_id", None)
        files = getattr(info, "files", ()) or ()
        values = {
            "dataset": str(getattr(info, "dataset_name", "") or ""),
            "network": str(network) if network else self.tr("not named"),
            "recipient": str(getattr(info, "network_recipient", "") or ""),
            "signer": str(getattr(info, "signer_did", "") or ""),
            "submission": str(getattr(info, "id", "") or ""),
            "folder": str(folder or ""),
            "files": "\n".join(Path(str(name)).name for name in files),
        }
        for name, value in values.items():
            self.fields[name].setText(value)
        self.open_folder.setEnabled(self._folder is not None)
        to_json = getattr(info, "to_json", None)
        self.details.setPlainText(pretty_json(to_json()) if callable(to_json) else "")

    def _open_folder(self) -> None:
        if self._folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder)))
