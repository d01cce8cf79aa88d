"""The consent step: what the data may be used for, and on which conditions.

The step edits a :class:`~app.core.consent.terms.ConsentTerms` through a
template, one switch per use, and the conditions (credit, payment, when and
where the terms apply, how to revoke, whom to ask). Every edit rebuilds the
terms and the plain-language summary beside them, so what the user reads
is always what the sign step will sign. A field the terms cannot hold (a
condition left blank, an amount without a currency) is named in words
beside the summary, and the wizard does not go on until it is fixed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from datetime import date as datetime_date

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QWidget,
)

from app.core.consent import summary as consent_summary
from app.core.consent.templates import TEMPLATES, get_template, matching_template
from app.core.consent.terms import (
    ALLOWED,
    AMOUNT,
    CURRENCY,
    JURISDICTION,
    NOT_ALLOWED,
    Attribution,
    Compensation,
    CompensationKind,
    ConsentTerms,
    InvalidTerms,
    Permission,
    RevocationTerms,
    Use,
    UseTerm,
    Validity,
    constrained,
)
from app.core.errors import TesseraError
from app.ui.widgets.common import Card, align_form_labels, heading, muted
from app.ui.wizard.data_steps import error_label, show_problem
from app.ui.wizard.step import Step, WizardContext

SHORT_USES: dict[Use, str] = {
    Use.DATA_MINING: str(QT_TRANSLATE_NOOP("Consent", "Data mining")),
    Use.AI_INFERENCE: str(QT_TRANSLATE_NOOP("Consent", "AI inference and retrieval")),
    Use.AI_TRAINING: str(QT_TRANSLATE_NOOP("Consent", "Training AI models")),
    Use.AI_GENERATIVE_TRAINING: str(QT_TRANSLATE_NOOP("Consent", "Training generative AI")),
    Use.EVALUATION: str(QT_TRANSLATE_NOOP("Consent", "Evaluation and benchmarks")),
    Use.COMMERCIAL: str(QT_TRANSLATE_NOOP("Consent", "Commercial use")),
}
_SEPARATORS = re.compile(r"[\s,;]+")


def _qt_translate(message: str) -> str:
    return QCoreApplication.translate("Consent", message)


def summary_lines(terms: ConsentTerms) -> list[str]:
    return consent_summary.summarize(terms, translate=_qt_translate)


def parse_jurisdictions(text: str) -> tuple[str, ...]:
    """``"fr, us-ca EU"`` -> ``("EU", "FR", "US-CA")``; blank means everywhere.

    Raises ``InvalidTerms`` naming the first code that is not ISO 3166.
    """
    codes = [part.upper() for part in _SEPARATORS.split(text.strip()) if part]
    for code in codes:
        if not JURISDICTION.fullmatch(code):
            raise InvalidTerms(
                _qt_translate(
                    "“%1” is not a country or region code: write codes such as FR, US-CA or EU, "
                    "or leave the field empty for everywhere"
                ).replace("%1", code)
            )
    return tuple(sorted(set(codes)))


def _utc_midnight(date: QDate) -> datetime:
    day = date.toPython()
    assert isinstance(day, datetime_date)
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _qdate(moment: datetime) -> QDate:
    day = moment.astimezone(UTC).date()
    return QDate(day.year, day.month, day.day)


class UseSwitch(QWidget):
    """One use: allowed, not allowed, or allowed only under a condition in words."""

    def __init__(self, use: Use, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use = use
        self.label = label
        self.choice = QComboBox()
        self.choice.setAccessibleName(label)
        self.choice.addItem(self.tr("Allowed"), Permission.ALLOWED.value)
        self.choice.addItem(self.tr("Not allowed"), Permission.NOT_ALLOWED.value)
        self.choice.addItem(self.tr("Only if…"), Permission.CONSTRAINED.value)
        self.condition = QLineEdit()
        self.condition.setPlaceholderText(self.tr("the condition, in words (required)"))
        self.condition.setAccessibleName(self.tr("Condition for %1").replace("%1", label))
        self.condition.setVisible(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choice)
        row.addWidget(self.condition, 1)
        self.choice.currentIndexChanged.connect(lambda _i: self._show_condition())

    def _show_condition(self) -> None:
        wanted = self.choice.currentData() == Permission.CONSTRAINED.value
        self.condition.setVisible(wanted)
        if wanted and self.isVisible():
            self.condition.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_term(self, term: UseTerm) -> None:
        self.choice.setCurrentIndex(self.choice.findData(term.permission.value))
        self.condition.setText(term.constraint or "")
        self.condition.setVisible(term.permission is Permission.CONSTRAINED)

    def term(self) -> UseTerm:
        value = self.choice.currentData()
        if value == Permission.ALLOWED.value:
            return ALLOWED
        if value == Permission.NOT_ALLOWED.value:
            return NOT_ALLOWED
        condition = self.condition.text().strip()
        if not condition:
            raise InvalidTerms(
                self.tr("Write the condition for %1, or choose Allowed or Not allowed").replace(
                    "%1", self.label
                )
            )
        return constrained(condition)


class DateField(QWidget):
    """An optional date: a check box to turn it on, and the date."""

    def __init__(self, switch_text: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox(switch_text)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setAccessibleName(name)
        self.date.setDate(QDate.currentDate())
        self.date.setEnabled(False)
        self.enabled.toggled.connect(self.date.setEnabled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.enabled)
        row.addWidget(self.date)
        row.addStretch(1)

    def value(self) -> datetime | None:
        return _utc_midnight(self.date.date()) if self.enabled.isChecked() else None

    def set_value(self, moment: datetime | None) -> None:
        self.enabled.setChecked(moment is not None)
        if moment is not None:
            self.date.setDate(_qdate(moment))


def _section(title: str) -> QLabel:
    label = heading(title, 3)
    label.setContentsMargins(0, 10, 0, 0)
    return label


class ConsentStep(Step):
    """Template, one switch per use, and the conditions; the summary follows live."""

    key = "consent"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._loading = False
        self._valid = True
        columns = QHBoxLayout()
        columns.setSpacing(16)
        left = QWidget()
        left.setObjectName("consentForm")
        form = QFormLayout(left)
        form.setContentsMargins(0, 0, 12, 0)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form = form
        self.template = QComboBox()
        self.template.setAccessibleName(self.tr("Template"))
        for template in TEMPLATES.values():
            self.template.addItem(_qt_translate(template.title), template.name)
        self.template_help = muted()
        form.addRow(self._caption(self.tr("&Start from:"), self.template), self.template)
        form.addRow("", self.template_help)

        form.addRow(_section(self.tr("Uses")))
        self.switches: dict[Use, UseSwitch] = {}
        for use in Use:
            label = _qt_translate(consent_summary.USE_LABELS[use])
            switch = UseSwitch(use, label)
            switch.choice.currentIndexChanged.connect(lambda _i: self._changed())
            switch.condition.textChanged.connect(lambda _t: self._changed())
            self.switches[use] = switch
            caption = self._caption(_qt_translate(SHORT_USES[use]), switch.choice)
            caption.setToolTip(label[:1].upper() + label[1:])
            form.addRow(caption, switch)

        form.addRow(_section(self.tr("Credit and payment")))
        self.attribution = QCheckBox(self.tr("Credit me when my data is used"))
        self.credit = QLineEdit()
        self.credit.setPlaceholderText(self.tr("credit me as… (optional)"))
        self.credit.setAccessibleName(self.tr("Credit me as"))
        form.addRow("", self.attribution)
        form.addRow(self._caption(self.tr("C&redit:"), self.credit), self.credit)
        self.compensation = QComboBox()
        self.compensation.setAccessibleName(self.tr("Payment"))
        for kind, text in (
            (CompensationKind.NONE, self.tr("No payment")),
            (CompensationKind.FIXED, self.tr("A fixed amount")),
            (CompensationKind.NETWORK, self.tr("As the network's terms say")),
            (CompensationKind.NEGOTIATED, self.tr("To be agreed with me first")),
        ):
            self.compensation.addItem(text, kind.value)
        form.addRow(self._caption(self.tr("&Payment:"), self.compensation), self.compensation)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("12.50")
        self.amount.setAccessibleName(self.tr("Amount"))
        self.amount.setMaximumWidth(self.amount.fontMetrics().horizontalAdvance("0" * 16))
        self.currency = QComboBox()
        self.currency.setEditable(True)
        self.currency.setAccessibleName(self.tr("Currency (ISO 4217 code)"))
        self.currency.addItems(["EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "INR", "BRL"])
        self.currency.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.amount_row = QWidget()
        amount_layout = QHBoxLayout(self.amount_row)
        amount_layout.setContentsMargins(0, 0, 0, 0)
        amount_layout.addWidget(self.amount)
        amount_layout.addWidget(self.currency)
        amount_layout.addStretch(1)
        self.amount_caption = self._caption(self.tr("&Amount:"), self.amount)
        form.addRow(self.amount_caption, self.amount_row)
        self.payment_details = QLineEdit()
        self.payment_details.setPlaceholderText(self.tr("how and when to pay (optional)"))
        self.payment_details.setAccessibleName(self.tr("About payment"))
        self.details_caption = self._caption(self.tr("About pa&yment:"), self.payment_details)
        form.addRow(self.details_caption, self.payment_details)

        form.addRow(_section(self.tr("When and where")))
        self.valid_from = DateField(self.tr("Starting on"), self.tr("Terms start on"))
        self.valid_from.enabled.setAccessibleName(self.tr("Terms start on a later date"))
        self.valid_until = DateField(self.tr("Ending on"), self.tr("Terms end on"))
        self.valid_until.enabled.setAccessibleName(self.tr("Terms end on a date"))
        form.addRow(self.tr("From:"), self.valid_from)
        form.addRow(self.tr("Until:"), self.valid_until)
        self.jurisdictions = QLineEdit()
        self.jurisdictions.setPlaceholderText(self.tr("everywhere (or codes: FR, US-CA, EU)"))
        self.jurisdictions.setAccessibleName(self.tr("Countries and regions"))
        self.jurisdictions.setToolTip(
            self.tr(
                "ISO 3166 country codes (FR, DE), region codes (US-CA) or EU, separated by "
                "commas. Leave empty for everywhere."
            )
        )
        form.addRow(self._caption(self.tr("&Where:"), self.jurisdictions), self.jurisdictions)

        form.addRow(_section(self.tr("Revocation and contact")))
        self.revocable = QCheckBox(self.tr("I can revoke this consent later"))
        form.addRow("", self.revocable)
        self.revocation_method = QLineEdit()
        self.revocation_method.setPlaceholderText(
            self.tr("how, if more than a signed revocation (optional)")
        )
        self.revocation_method.setAccessibleName(self.tr("How to revoke"))
        self.method_caption = self._caption(self.tr("&How to revoke:"), self.revocation_method)
        form.addRow(self.method_caption, self.revocation_method)
        self.contact = QLineEdit()
        self.contact.setPlaceholderText(self.tr("e-mail or address for questions (optional)"))
        self.contact.setAccessibleName(self.tr("Contact"))
        form.addRow(self._caption(self.tr("C&ontact:"), self.contact), self.contact)
        align_form_labels(form)

        scroll = QScrollArea()
        scroll.setObjectName("consentScroll")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        columns.addWidget(scroll, 3)

        summary_card = Card()
        summary_card.body.addWidget(heading(self.tr("In plain words"), 3))
        self.summary = QLabel()
        self.summary.setObjectName("consentSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary_scroll = QScrollArea()
        summary_scroll.setObjectName("consentSummaryScroll")
        # The summary sits on the card: the scroll area must not paint its own ground.
        summary_scroll.setStyleSheet(
            "QScrollArea#consentSummaryScroll, QScrollArea#consentSummaryScroll > QWidget,"
            " QLabel#consentSummary { background: transparent; }"
        )
        summary_scroll.setWidget(self.summary)
        summary_scroll.setWidgetResizable(True)
        summary_scroll.setFrameShape(QFrame.Shape.NoFrame)
        summary_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        summary_card.body.addWidget(summary_scroll, 1)
        self.problem = error_label()
        self.problem.setAccessibleName(self.tr("Problem with the terms"))
        summary_card.body.addWidget(self.problem)
        columns.addWidget(summary_card, 2)
        self.layout_.addLayout(columns, 1)

        self.template.activated.connect(lambda _i: self.apply_template())
        for box in (self.attribution, self.revocable, self.valid_from.enabled):
            box.toggled.connect(lambda _on: self._changed())
        self.valid_until.enabled.toggled.connect(lambda _on: self._changed())
        for edit in (
            self.credit,
            self.amount,
            self.payment_details,
            self.jurisdictions,
            self.revocation_method,
            self.contact,
        ):
            edit.textChanged.connect(lambda _t: self._changed())
        self.currency.currentTextChanged.connect(lambda _t: self._changed())
        self.compensation.currentIndexChanged.connect(lambda _i: self._changed())
        for field in (self.valid_from, self.valid_until):
            field.date.dateChanged.connect(lambda _d: self._changed())
        self.show_terms(self.draft.terms)

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

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

    def _show_template(self, terms: ConsentTerms) -> None:
        name = matching_template(terms)
        self.template.setCurrentIndex(self.template.findData(name))
        template = get_template(name)
        if template.terms == terms:
            self.template_help.setText(_qt_translate(template.description))
        else:
            self.template_help.setText(
                self.tr("Your own terms: change any field below, or start again from a template.")
            )

    def show_terms(self, terms: ConsentTerms) -> None:
        """Set every field from ``terms``; :meth:`terms` gives the same terms back."""
        self._loading = True
        try:
            self._show_template(terms)
            for use, switch in self.switches.items():
                switch.set_term(terms.uses[use])
            self.attribution.setChecked(terms.attribution.required)
            self.credit.setText(terms.attribution.credit or "")
            pay = terms.compensation
            self.compensation.setCurrentIndex(max(0, self.compensation.findData(pay.kind.value)))
            self.amount.setText(pay.amount or "")
            self.currency.setCurrentText(pay.currency or "EUR")
            self.payment_details.setText(pay.details or "")
            self.valid_from.set_value(terms.validity.start)
            self.valid_until.set_value(terms.validity.until)
            self.jurisdictions.setText(", ".join(terms.jurisdictions))
            self.revocable.setChecked(terms.revocation.revocable)
            self.revocation_method.setText(terms.revocation.method or "")
            self.contact.setText(terms.contact or "")
        finally:
            self._loading = False
        self._changed()

    def _compensation(self, anything: bool) -> Compensation:
        if not anything:
            return Compensation()
        kind = CompensationKind(self.compensation.currentData())
        details = self.payment_details.text().strip() or None
        if kind is CompensationKind.NONE:
            return Compensation()
        if kind is not CompensationKind.FIXED:
            return Compensation(kind, details=details)
        amount = self.amount.text().strip().replace(",", ".")
        currency = self.currency.currentText().strip().upper()
        if not AMOUNT.fullmatch(amount) or not any(c in "123456789" for c in amount):
            raise InvalidTerms(self.tr("Write the amount as a positive number, such as 12.50"))
        if not CURRENCY.fullmatch(currency):
            raise InvalidTerms(self.tr("Write the currency as a three-letter code, such as EUR"))
        return Compensation(kind, amount=amount, currency=currency, details=details)

    def _validity(self) -> Validity:
        start, until = self.valid_from.value(), self.valid_until.value()
        if start is not None and until is not None and until <= start:
            raise InvalidTerms(self.tr("The end date must come after the start date"))
        return Validity(start=start, until=until)

    def terms(self) -> ConsentTerms:
        """The terms the fields say; raises ``InvalidTerms`` in words when they cannot hold."""
        uses = {use: switch.term() for use, switch in self.switches.items()}
        anything = any(term.permitted for term in uses.values())
        credit = self.credit.text().strip() or None
        required = (self.attribution.isChecked() or credit is not None) and anything
        revocable = self.revocable.isChecked()
        return ConsentTerms(
            uses=uses,
            attribution=Attribution(required=required, credit=credit if required else None),
            compensation=self._compensation(anything),
            validity=self._validity(),
            jurisdictions=parse_jurisdictions(self.jurisdictions.text()),
            revocation=RevocationTerms(
                revocable=revocable,
                method=(self.revocation_method.text().strip() or None) if revocable else None,
            ),
            contact=self.contact.text().strip() or None,
        )

    def _update_enabled(self) -> None:
        kind = self.compensation.currentData()
        fixed = kind == CompensationKind.FIXED.value
        for widget in (self.amount_row, self.amount_caption):
            widget.setVisible(fixed)
        paid = kind != CompensationKind.NONE.value
        self.payment_details.setEnabled(paid)
        self.details_caption.setEnabled(paid)
        self.revocation_method.setEnabled(self.revocable.isChecked())
        self.method_caption.setEnabled(self.revocable.isChecked())

    def _changed(self) -> None:
        if self._loading:
            return
        self._update_enabled()
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
        self._show_template(terms)
        self._loading = False
        self.summary.setText("\n\n".join(summary_lines(terms)))
        self.changed.emit()


__all__ = ["ConsentStep", "DateField", "UseSwitch", "parse_jurisdictions", "summary_lines"]
