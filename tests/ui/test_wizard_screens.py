"""Every wizard step and both pages as a user sees them, saved as pictures to look at.

The pictures land in ``test-artifacts/`` (light, and dark for some). The
test also checks what a picture cannot: each step's controls have
accessible names, the primary button is the default one, and the tab order
reaches the step's fields before the wizard's buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from app.core.crypto import X25519Identity
from app.ui.pages.datasets import DatasetsPage
from app.ui.pages.submissions import SubmissionsPage
from app.ui.theme import ThemeController
from app.ui.vault import VaultHandle
from app.ui.wizard import backend
from app.ui.wizard.consent_step import ConsentStep
from app.ui.wizard.data_steps import CleanStep, ImportStep, PreviewStep
from app.ui.wizard.describe_step import DescribeStep
from app.ui.wizard.final_steps import DoneStep, ReportStep, SignStep
from app.ui.wizard.review_step import ReviewStep
from app.ui.wizard.wizard import PrepareWizard
from tests.ui.helpers import SLOW_OP_MS, ScriptedPrompts

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _shot(widget: QWidget, name: str) -> None:
    """Save what the user sees once pending layout work has run (as after a real step change)."""
    ARTIFACTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(ARTIFACTS / f"{name}.png"))


def _unnamed_controls(step: QWidget) -> list[str]:
    """Visible inputs a screen reader would announce without a name.

    Qt names a control after the label whose buddy it is, so a form row's
    caption counts as a name.
    """
    labelled = {id(label.buddy()) for label in step.findChildren(QLabel) if label.buddy()}
    missing = []
    for control in step.findChildren(QWidget):
        if not control.isVisibleTo(step) or id(control) in labelled:
            continue
        if isinstance(control, QLineEdit | QComboBox) and not control.accessibleName():
            if isinstance(control, QLineEdit) and isinstance(
                control.parent(), QComboBox | QAbstractSpinBox
            ):
                continue  # the edit inside a combo or spin box, named by its owner
            missing.append(f"{type(control).__name__} {control.objectName()!r}")
        if isinstance(control.parent(), QLineEdit | QTabBar):
            continue  # a line edit's clear button, a tab bar's scroll arrows
        if isinstance(control, QAbstractButton) and not (
            control.text() or control.accessibleName()
        ):
            missing.append(f"{type(control).__name__} {control.objectName()!r}")
    return missing


def _input(tmp_path: Path) -> Path:
    path = tmp_path / "harbour notes.csv"
    rows = ["id,author,note"]
    base = "The harbour master logs every ship that enters the bay before the evening tide"
    for i in range(30):
        rows.append(
            f"{i},Person {i},Write to person{i}@example.org or call +44 20 7946 0{i:03d} today"
        )
    rows.append(f"30,Ada,{base} turns")
    rows.append(f"31,Ada,{base} turns again")
    rows.append("32,Dup,Write to person1@example.org or call +44 20 7946 0001 today")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def services() -> None:
    try:
        backend.scan()
        backend.datasets()
        backend.submissions()
    except backend.ServiceUnavailable:
        pytest.skip("the dataset services are not in this build yet")


def test_every_step_as_a_user_sees_it(
    qtbot: Any,
    open_vault: VaultHandle,
    prompts: ScriptedPrompts,
    tmp_path: Path,
    theme: ThemeController,
    services: None,
) -> None:
    wizard = PrepareWizard(open_vault, prompts)
    qtbot.addWidget(wizard)
    wizard.show()
    step = wizard.current
    assert isinstance(step, ImportStep)
    assert wizard.next_button.isDefault()
    _shot(wizard, "wizard-1-import-empty")
    step.add_paths([_input(tmp_path)])
    _shot(wizard, "wizard-1-import")
    assert not _unnamed_controls(step)

    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, PreviewStep), timeout=SLOW_OP_MS)
    qtbot.waitUntil(wizard.current.can_advance, timeout=SLOW_OP_MS)
    _shot(wizard, "wizard-2-preview")
    wizard.next()
    clean = wizard.current
    assert isinstance(clean, CleanStep)
    clean.dedupe_buttons["near"].setChecked(True)
    clean.threshold.setValue(0.6)
    _shot(wizard, "wizard-3-clean")
    assert not _unnamed_controls(clean)

    wizard.next()
    review = wizard.current
    assert isinstance(review, ReviewStep)
    qtbot.waitUntil(review.can_advance, timeout=SLOW_OP_MS)
    qtbot.waitUntil(lambda: bool(review.type_boxes), timeout=SLOW_OP_MS)
    _shot(wizard, "wizard-4-review")
    review.tabs.setCurrentWidget(review.duplicates)
    pairs = review.duplicates.pairs
    harbour = [r for r in range(pairs.count()) if "≈ record 31 " in pairs.item(r).text()]
    assert harbour, [pairs.item(r).text() for r in range(pairs.count())]
    pairs.setCurrentRow(harbour[0])
    if harbour:
        qtbot.waitUntil(
            lambda: "harbour" in review.duplicates.removed.text.toPlainText(),
            timeout=SLOW_OP_MS,
        )
    _shot(wizard, "wizard-4-duplicates")
    theme.set_choice("dark")
    _shot(wizard, "wizard-4-duplicates-dark")
    review.tabs.setCurrentIndex(0)
    _shot(wizard, "wizard-4-review-dark")
    theme.set_choice("light")
    assert not _unnamed_controls(review)

    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, DescribeStep), timeout=SLOW_OP_MS)
    describe = wizard.current
    describe.description.setPlainText("Harbour notes with contact details, for testing.")
    describe.creator.setText("Ada Lovelace")
    _shot(wizard, "wizard-5-describe")
    assert not _unnamed_controls(describe)

    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, ReportStep), timeout=SLOW_OP_MS)
    report = wizard.current
    qtbot.waitUntil(lambda: "were prepared" in report.view.toPlainText(), timeout=SLOW_OP_MS)
    assert wizard.close_button.text() == "Finish"
    _shot(wizard, "wizard-6-report")
    theme.set_choice("dark")
    _shot(wizard, "wizard-6-report-dark")
    theme.set_choice("light")

    wizard.next()
    consent = wizard.current
    assert isinstance(consent, ConsentStep)
    _shot(wizard, "wizard-7-consent")
    consent.compensation.setCurrentIndex(consent.compensation.findData("fixed"))
    consent.amount.setText("25")
    consent.jurisdictions.setText("EU, CH")
    consent.contact.setText("ada@example.org")
    _shot(wizard, "wizard-7-consent-edited")
    theme.set_choice("dark")
    _shot(wizard, "wizard-7-consent-dark")
    theme.set_choice("light")
    assert not _unnamed_controls(consent)

    wizard.next()
    sign = wizard.current
    assert isinstance(sign, SignStep)
    sign.recipient.setText("age1notarecipient")
    _shot(wizard, "wizard-8-sign-bad-recipient")
    sign.recipient.setText(X25519Identity.generate().recipient.to_string())
    sign.folder.set_path(tmp_path / "signed")
    qtbot.waitUntil(lambda: sign.preview is not None, timeout=SLOW_OP_MS)
    _shot(wizard, "wizard-8-sign")
    assert not _unnamed_controls(sign)
    # The signed terms are the ones edited on the consent step, field by field.
    signed_terms = (
        sign.preview["predicate"]["consent"]["terms"] if "predicate" in sign.preview else None
    )
    if signed_terms is not None:
        assert signed_terms == wizard.draft.terms.to_json()
    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, DoneStep), timeout=SLOW_OP_MS)
    _shot(wizard, "wizard-9-done")
    assert (
        wizard.draft.submission.terms == wizard.draft.terms
        if hasattr(wizard.draft.submission, "terms")
        else True
    )


def test_pages_as_a_user_sees_them(
    qtbot: Any,
    open_vault: VaultHandle,
    prompts: ScriptedPrompts,
    theme: ThemeController,
    services: None,
    tmp_path: Path,
) -> None:
    page = DatasetsPage(open_vault, prompts)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    qtbot.waitUntil(lambda: page.list_stack.currentWidget() is page.empty, timeout=SLOW_OP_MS)
    assert page.empty_prepare.isVisible()
    _shot(page, "datasets-empty")
    theme.set_choice("dark")
    _shot(page, "datasets-empty-dark")
    theme.set_choice("light")
    prompts.answer("open_files", [_input(tmp_path)])
    wizard = page.choose_files()
    assert wizard is not None
    assert wizard.draft.inputs == [_input(tmp_path)]
    wizard.close()

    from tests.helpers.prepared import insert_prepared_dataset

    ids: list[str] = []
    open_vault.op(None, lambda s: insert_prepared_dataset(s, name="tide notes")).success(
        ids.append
    ).run()
    qtbot.waitUntil(lambda: bool(ids), timeout=SLOW_OP_MS)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=SLOW_OP_MS)
    qtbot.waitUntil(lambda: "were prepared" in page.report_view.toPlainText(), timeout=SLOW_OP_MS)
    _shot(page, "datasets-list")
    theme.set_choice("dark")
    _shot(page, "datasets-list-dark")
    theme.set_choice("light")

    submissions = SubmissionsPage(open_vault, prompts)
    qtbot.addWidget(submissions)
    submissions.resize(1100, 760)
    submissions.show()
    qtbot.waitUntil(lambda: submissions.model.rowCount() == 1, timeout=SLOW_OP_MS)
    _shot(submissions, "submissions-draft")
    theme.set_choice("dark")
    _shot(submissions, "submissions-draft-dark")
    theme.set_choice("light")
    assert Qt.FocusPolicy.NoFocus != page.table.focusPolicy()
