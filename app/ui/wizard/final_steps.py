"""After preparing: the report, the consent terms, and what will be signed.

The consent step edits a :class:`~app.core.consent.terms.ConsentTerms`
through a template and one switch per use, and shows the plain-language
summary of exactly those terms as they change. The sign step shows the
manifest the service will sign (human view and raw JSON), then signs into
a folder the user picks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

from app.core.consent import summary as consent_summary
from app.core.consent.templates import TEMPLATES, get_template, matching_template
from app.core.consent.terms import (
    ALLOWED,
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    Permission,
    Use,
    UseTerm,
    constrained,
)
from app.core.errors import Cancelled, TesseraError
from app.ui.widgets.common import Card, heading, muted
from app.ui.widgets.folder_field import FolderField
from app.ui.widgets.json_view import JsonView, pretty_json
from app.ui.wizard import backend
from app.ui.wizard.data_steps import error_label, show_problem
from app.ui.wizard.report import report_html
from app.ui.wizard.step import Step, WizardContext

PREVIEW_DELAY_MS = 300

SHORT_USES: dict[Use, str] = {
    Use.DATA_MINING: str(QT_TRANSLATE_NOOP("Consent", "Data mining")),
    Use.AI_INFERENCE: str(QT_TRANSLATE_NOOP("Consent", "AI inference and retrieval")),
    Use.AI_TRAINING: str(QT_TRANSLATE_NOOP("Consent", "Training AI models")),
    Use.AI_GENERATIVE_TRAINING: str(QT_TRANSLATE_NOOP("Consent", "Training generative AI")),
    Use.EVALUATION: str(QT_TRANSLATE_NOOP("Consent", "Evaluation and benchmarks")),
    Use.COMMERCIAL: str(QT_TRANSLATE_NOOP("Consent", "Commercial use")),
}


def _qt_translate(message: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("Consent", message)


def summary_lines(terms: ConsentTerms) -> list[str]:
    return consent_summary.summarize(terms, translate=_qt_translate)


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


class UseSwitch(QWidget):
    """One use: allowed, not allowed, or allowed only under a condition in words."""

    def __init__(self, use: Use, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use = use
        self.choice = QComboBox()
        self.choice.setAccessibleName(label)
        self.choice.addItem(self.tr("Allowed"), Permission.ALLOWED.value)
        self.choice.addItem(self.tr("Not allowed"), Permission.NOT_ALLOWED.value)
        self.choice.addItem(self.tr("Only if…"), Permission.CONSTRAINED.value)
        self.condition = QLineEdit()
        self.condition.setPlaceholderText(self.tr("the condition, in words"))
        self.condition.setAccessibleName(self.tr("Condition for %1").replace("%1", label))
        self.condition.setVisible(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choice)
        row.addWidget(self.condition, 1)
        self.choice.currentIndexChanged.connect(
            lambda _i: self.condition.setVisible(
                self.choice.currentData() == Permission.CONSTRAINED.value
            )
        )

    def set_term(self, term: UseTerm) -> None:
        self.choice.setCurrentIndex(self.choice.findData(term.permission.value))
        if term.constraint is not None:
            self.condition.setText(term.constraint)

    def term(self) -> UseTerm:
        value = self.choice.currentData()
        if value == Permission.ALLOWED.value:
            return ALLOWED
        if value == Permission.NOT_ALLOWED.value:
            return NOT_ALLOWED
        return constrained(self.condition.text().strip())


class ConsentStep(Step):
    """Template, one switch per use, credit and payment; the summary follows live."""

    key = "consent"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._loading = False
        self._valid = True
        columns = QHBoxLayout()
        columns.setSpacing(16)
        left = QWidget()
        form = QFormLayout(left)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(8)
        self.template = QComboBox()
        self.template.setAccessibleName(self.tr("Template"))
        for template in TEMPLATES.values():
            self.template.addItem(_qt_translate(template.title), template.name)
        self.template_help = muted()
        form.addRow(self.tr("Start from:"), self.template)
        form.addRow("", self.template_help)
        self.switches: dict[Use, UseSwitch] = {}
        for use in Use:
            label = _qt_translate(consent_summary.USE_LABELS[use])
            switch = UseSwitch(use, label)
            switch.choice.currentIndexChanged.connect(lambda _i: self._changed())
            switch.condition.textChanged.connect(lambda _t: self._changed())
            self.switches[use] = switch
            caption = QLabel(_qt_translate(SHORT_USES[use]))
            caption.setToolTip(label[:1].upper() + label[1:])
            caption.setBuddy(switch.choice)
            form.addRow(caption, switch)
        self.attribution = QCheckBox(self.tr("Credit me when my data is used"))
        self.credit = QLineEdit()
        self.credit.setPlaceholderText(self.tr("credit me as… (optional)"))
        self.compensation = QComboBox()
        for kind, text in (
            (CompensationKind.NONE, self.tr("No payment")),
            (CompensationKind.NETWORK, self.tr("As the network's terms say")),
            (CompensationKind.NEGOTIATED, self.tr("To be agreed with me first")),
        ):
            self.compensation.addItem(text, kind.value)
        self.revocable = QCheckBox(self.tr("I can revoke this consent later"))
        form.addRow("", self.attribution)
        form.addRow(self.tr("Credit:"), self.credit)
        form.addRow(self.tr("Payment:"), self.compensation)
        form.addRow("", self.revocable)
        columns.addWidget(left, 3)

        summary_card = Card()
        summary_card.body.addWidget(heading(self.tr("In plain words"), 3))
        self.summary = QLabel()
        self.summary.setObjectName("consentSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        summary_card.body.addWidget(self.summary, 1)
        self.problem = error_label()
        summary_card.body.addWidget(self.problem)
        columns.addWidget(summary_card, 2)
        self.layout_.addLayout(columns, 1)

        self.template.activated.connect(lambda _i: self.apply_template())
        self.attribution.toggled.connect(lambda _on: self._changed())
        self.credit.textChanged.connect(lambda _t: self._changed())
        self.compensation.currentIndexChanged.connect(lambda _i: self._changed())
        self.revocable.toggled.connect(lambda _on: self._changed())
        self.show_terms(self.draft.terms)

    def title(self) -> str:
        return self.tr("Consent")

    def subtitle(self) -> str:
        return self.tr("Say what your data may be used for. The summary is what you will sign.")

    def next_label(self) -> str:
        return self.tr("Review what will be signed")

    def can_go_back(self) -> bool:
        return False

    def can_advance(self) -> bool:
        return self._valid

    def apply_template(self) -> None:
        if self._loading:
            return
        self.show_terms(get_template(self.template.currentData()).terms)

    def show_terms(self, terms: ConsentTerms) -> None:
        self._loading = True
        try:
            self.template.setCurrentIndex(self.template.findData(matching_template(terms)))
            self.template_help.setText(
                _qt_translate(get_template(self.template.currentData()).description)
            )
            for use, switch in self.switches.items():
                switch.set_term(terms.uses[use])
            self.attribution.setChecked(terms.attribution.required)
            self.credit.setText(terms.attribution.credit or "")
            kind = self.compensation.findData(terms.compensation.kind.value)
            self.compensation.setCurrentIndex(max(0, kind))
            self.revocable.setChecked(terms.revocation.revocable)
        finally:
            self._loading = False
        self._changed()

    def terms(self) -> ConsentTerms:
        """The terms the switches say; raises ``InvalidTerms`` in words when they contradict."""
        uses = {use: switch.term() for use, switch in self.switches.items()}
        credit = self.credit.text().strip() or None
        required = self.attribution.isChecked() or credit is not None
        base = self.draft.terms
        anything = any(term.permitted for term in uses.values())
        return ConsentTerms(
            uses=uses,
            attribution=Attribution(
                required=required and anything, credit=credit if anything else None
            ),
            compensation=Compensation(CompensationKind(self.compensation.currentData()))
            if anything
            else Compensation(),
            validity=base.validity,
            jurisdictions=base.jurisdictions,
            revocation=dataclasses.replace(
                base.revocation,
                revocable=self.revocable.isChecked(),
                method=base.revocation.method if self.revocable.isChecked() else None,
            ),
            contact=base.contact,
        )

    def _changed(self) -> None:
        if self._loading:
            return
        self.problem.hide()
        try:
            terms = self.terms()
        except TesseraError as exc:
            self._valid = False
            show_problem(self.problem, exc)
            self.changed.emit()
            return
        self._valid = True
        self.draft.terms = terms
        self._loading = True
        self.template.setCurrentIndex(self.template.findData(matching_template(terms)))
        self.template_help.setText(
            _qt_translate(get_template(self.template.currentData()).description)
        )
        self._loading = False
        self.summary.setText("\n\n".join(summary_lines(terms)))
        self.changed.emit()


class SignStep(Step):
    """Who receives it, what exactly is signed (human and raw), then sign."""

    key = "sign"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        form = QFormLayout()
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText("age1…")
        self.recipient.setAccessibleName(self.tr("Network encryption recipient"))
        self.network = QLineEdit()
        self.network.setPlaceholderText(self.tr("did:key:… (optional)"))
        self.folder = FolderField(self.tr("Folder for the signed submission"))
        form.addRow(self.tr("Network's age recipient:"), self.recipient)
        form.addRow(self.tr("Network id:"), self.network)
        form.addRow(self.tr("Save into:"), self.folder)
        self.layout_.addLayout(form)
        self.problem = error_label()
        self.layout_.addWidget(self.problem)
        self.tabs = QTabWidget()
        self.human = QTextBrowser()
        self.human.setObjectName("signedHuman")
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

            self.folder.set_path(paths.data_dir() / "submissions")
        self.refresh_preview()

    def _inputs_changed(self) -> None:
        d = self.draft
        d.recipient = self.recipient.text().strip()
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
    """The signed submission, where it is, and what to do next."""

    key = "done"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(self.text)
        self.details = JsonView()
        self.layout_.addWidget(self.details, 1)

    def title(self) -> str:
        return self.tr("Signed")

    def next_label(self) -> str:
        return self.tr("Finish")

    def can_go_back(self) -> bool:
        return False

    def enter(self) -> None:
        info = self.draft.submission
        folder = getattr(info, "folder", self.draft.out_dir)
        self.text.setText(
            self.tr(
                "Your submission is signed and saved in %1. It lists the dataset, its card and "
                "your consent terms; you can verify or revoke it from the Submissions page."
            ).replace("%1", str(folder))
        )
        to_json = getattr(info, "to_json", None)
        self.details.setPlainText(pretty_json(to_json()) if callable(to_json) else "")
