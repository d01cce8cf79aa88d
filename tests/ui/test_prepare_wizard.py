"""The prepare wizard: the review table over a million findings, consent, and the whole flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QTableView

from app.core.consent.terms import Use
from app.services.review_rows import NewFinding, ReviewFilter
from app.services.review_store import ReviewStore
from app.ui.theme import ThemeController
from app.ui.vault import VaultHandle
from app.ui.wizard import backend
from app.ui.wizard.data_steps import CleanStep, ImportStep, PreviewStep
from app.ui.wizard.describe_step import DescribeStep
from app.ui.wizard.final_steps import ConsentStep, DoneStep, ReportStep, SignStep
from app.ui.wizard.review_model import (
    ACTION,
    BLOCK,
    FOUND,
    RECORD,
    FoundDelegate,
    ReviewTableModel,
    RowRole,
    position_ranges,
)
from app.ui.wizard.review_step import ReviewStep
from app.ui.wizard.wizard import PrepareWizard
from tests.ui.helpers import SLOW_OP_MS, ScriptedPrompts

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
KINDS = ("email", "phone", "iban", "ip", "secret", "payment_card", "national_id")
MILLION = 1_000_000


def _finding(i: int) -> NewFinding:
    return NewFinding(
        i // 3,
        KINDS[i % 7],
        f"/msgs/{i % 4}/content",
        12,
        30,
        f"user{(i * 7919) % 1_000_003}@example.org",
        "email",
        "Hello, you can write to ",
        " for the minutes of the meeting",
    )


@pytest.fixture(scope="module")
def million() -> ReviewStore:
    store = ReviewStore()
    store.add(_finding(i) for i in range(MILLION))
    return store


def _screenshot(widget: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(ARTIFACTS / name))


def test_the_review_table_reads_only_a_window_of_a_million_findings(
    qtbot: Any, million: ReviewStore
) -> None:
    model = ReviewTableModel()
    model.set_store(million)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setItemDelegateForColumn(FOUND, FoundDelegate(view))
    view.verticalHeader().setDefaultSectionSize(28)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == MILLION
    assert model.materialised <= 2 * BLOCK  # what is on screen, nothing more

    view.scrollToBottom()
    QApplication.processEvents()
    last = model.index(MILLION - 1, RECORD)
    assert model.data(last) == str((MILLION - 1) // 3 + 1)
    assert model.data(model.index(500_000, ACTION)) == "Mask"
    assert model.materialised <= 5 * BLOCK

    # Header click: ORDER BY in the store, then only the top window is read.
    before = model.materialised
    view.sortByColumn(FOUND, Qt.SortOrder.DescendingOrder)
    QApplication.processEvents()
    top = model.data(model.index(0, FOUND), RowRole)
    assert top.value == max(_finding(i).value for i in range(0, MILLION, 997)) or top.value >= (
        model.data(model.index(1, FOUND), RowRole).value
    )
    assert model.materialised - before <= 3 * BLOCK

    # Filter box and type combo: WHERE in the store.
    model.set_filter(ReviewFilter(types=frozenset({"iban"}), text="user12"))
    QApplication.processEvents()
    shown = model.rowCount()
    assert 0 < shown < MILLION // 7
    rows = [model.data(model.index(r, FOUND), RowRole) for r in range(min(shown, 50))]
    assert all(row.type == "iban" and "user12" in row.value for row in rows)

    # A bulk decision on a selection of rows is one range, whatever its size.
    selection = QItemSelection(model.index(0, 0), model.index(shown - 1, ACTION))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert position_ranges(view.selectionModel().selection()) == [(0, shown - 1)]
    model.decide_rows(position_ranges(view.selectionModel().selection()), "keep")
    assert million.summary()["iban"]["keep"] == shown
    assert model.data(model.index(0, ACTION)) == "Keep •"
    assert model.materialised - before <= 8 * BLOCK
    million.decide_shown(None)
    model.set_filter(ReviewFilter())


def test_the_review_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    store = ReviewStore()
    store.add(_finding(i) for i in range(300))
    model = ReviewTableModel()
    qtmodeltester.check(model, force_py=False)
    model.set_store(store)
    qtmodeltester.check(model, force_py=False)
    model.sort(FOUND, Qt.SortOrder.DescendingOrder)
    model.set_filter(ReviewFilter(types=frozenset({"email"})))
    qtmodeltester.check(model, force_py=True)
    model.set_store(None)


@pytest.fixture
def wizard(qtbot: Any, open_vault: VaultHandle, prompts: ScriptedPrompts) -> PrepareWizard:
    widget = PrepareWizard(open_vault, prompts)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_consent_switches_update_the_plain_language_summary(
    qtbot: Any, open_vault: VaultHandle, prompts: ScriptedPrompts
) -> None:
    wizard = PrepareWizard(open_vault, prompts, dataset=("0" * 26, "tide notes"))
    qtbot.addWidget(wizard)
    wizard.show()
    step = wizard.current
    assert isinstance(step, ConsentStep)
    assert "training generative AI models" in step.summary.text()
    assert step.template.currentData() == "open-research"

    training = step.switches[Use.AI_GENERATIVE_TRAINING]
    training.choice.setCurrentIndex(training.choice.findData("notAllowed"))
    assert "may not be used for training generative AI models" in step.summary.text()
    assert step.template.currentData() == "custom"  # no template says exactly this any more
    assert wizard.draft.terms.uses[Use.AI_GENERATIVE_TRAINING].permission.value == "notAllowed"

    mining = step.switches[Use.DATA_MINING]
    mining.choice.setCurrentIndex(mining.choice.findData("constrained"))
    assert not wizard.next_button.isEnabled()  # a condition must be written
    assert step.problem.isVisible()
    mining.condition.setText("only for public health research")
    assert wizard.next_button.isEnabled() or step.can_advance()
    assert "only under this condition: only for public health research" in step.summary.text()

    custom = step.template.findData("custom")
    step.template.setCurrentIndex(custom)
    step.template.activated.emit(custom)  # the user picks it, even when it is shown already
    assert "No use of your data is allowed." in step.summary.text()
    assert not step.problem.isVisible()  # credit and payment follow: nothing to contradict


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts notes.csv"
    rows = ["id,name,note"]
    for i in range(40):
        rows.append(
            f"{i},Person {i},Write to person{i}@example.org or call +44 20 7946 0{i:03d} today"
        )
    rows.append("40,Dup,Write to person1@example.org or call +44 20 7946 0001 today")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_and_preview_read_the_first_records(
    qtbot: Any, wizard: PrepareWizard, tmp_path: Path
) -> None:
    step = wizard.current
    assert isinstance(step, ImportStep)
    assert not wizard.next_button.isEnabled()
    step.add_paths([_csv(tmp_path)])
    assert wizard.next_button.isEnabled()
    assert wizard.draft.card.name == "contacts notes"
    wizard.next()
    preview = wizard.current
    assert isinstance(preview, PreviewStep)
    qtbot.waitUntil(lambda: preview.model.preview is not None, timeout=SLOW_OP_MS)
    assert preview.model.columnCount() == 4  # line, id, name, note
    assert preview.model.rowCount() == 41
    assert preview.model.data(preview.model.index(0, 2)) == "Person 0"
    assert "CSV" in preview.summary.text()
    wizard.next()
    assert isinstance(wizard.current, CleanStep)
    wizard.back()
    wizard.back()
    assert isinstance(wizard.current, ImportStep)


def test_an_unreadable_input_is_explained_in_the_preview(
    qtbot: Any, wizard: PrepareWizard, tmp_path: Path
) -> None:
    bad = tmp_path / "latin.csv"
    bad.write_bytes("name\ncaf\xe9\n".encode("latin-1"))
    step = wizard.current
    assert isinstance(step, ImportStep)
    step.add_paths([bad])
    wizard.next()
    preview = wizard.current
    assert isinstance(preview, PreviewStep)
    qtbot.waitUntil(preview.problem.isVisible, timeout=SLOW_OP_MS)
    assert not wizard.next_button.isEnabled()
    assert "encoding" in preview.problem.text().lower() or "utf" in preview.problem.text().lower()


def _available(*loaders: Any) -> bool:
    try:
        for load in loaders:
            load()
    except backend.ServiceUnavailable:
        return False
    return True


def test_the_whole_flow_prepares_and_signs_a_dataset(
    qtbot: Any, wizard: PrepareWizard, tmp_path: Path, theme: ThemeController
) -> None:
    if not _available(backend.scan, backend.datasets, backend.submissions):
        pytest.skip("the dataset services are not in this build yet")
    from app.core.crypto import X25519Identity

    prepared: list[str] = []
    wizard.dataset_prepared.connect(prepared.append)
    step = wizard.current
    assert isinstance(step, ImportStep)
    step.add_paths([_csv(tmp_path)])
    wizard.next()
    qtbot.waitUntil(lambda: wizard.current.can_advance(), timeout=SLOW_OP_MS)
    wizard.next()
    clean = wizard.current
    assert isinstance(clean, CleanStep)
    wizard.next()
    review = wizard.current
    assert isinstance(review, ReviewStep)
    qtbot.waitUntil(review.can_advance, timeout=SLOW_OP_MS)
    model = review.model
    assert model.rowCount() >= 40
    types = {model.data(model.index(r, 0), RowRole).type for r in range(model.rowCount())}
    assert "email" in types
    qtbot.waitUntil(lambda: "email" in review.type_boxes, timeout=SLOW_OP_MS)
    assert set(review.type_boxes) == types
    # Keep every phone number, and drop the first finding's record.
    review.type_boxes["phone"].setCurrentIndex(review.type_boxes["phone"].findData("keep"))
    review.decide_type("phone")
    qtbot.waitUntil(lambda: not review.busy(), timeout=SLOW_OP_MS)
    review.table.selectRow(0)
    review.bulk_action.setCurrentIndex(review.bulk_action.findData("drop-record"))
    review.decide_selected()
    qtbot.waitUntil(lambda: not review.busy(), timeout=SLOW_OP_MS)
    assert model.data(model.index(0, ACTION)).startswith("Drop the record")
    review.table.setFocus()
    _screenshot(wizard, "wizard-review-step.png")

    wizard.next()
    describe = wizard.current
    qtbot.waitUntil(lambda: isinstance(wizard.current, DescribeStep), timeout=SLOW_OP_MS)
    describe = wizard.current
    assert wizard.draft.review is not None
    assert wizard.draft.review.per_type == {"phone": "keep"}
    assert len(wizard.draft.review.per_finding) == 1
    assert not wizard.next_button.isEnabled()  # description and creator are required
    describe.description.setPlainText("Notes with contact details, for testing.")
    describe.creator.setText("Ada Lovelace")
    assert wizard.next_button.isEnabled()
    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, ReportStep), timeout=SLOW_OP_MS)
    assert prepared == [wizard.draft.dataset_id]
    report = wizard.current
    qtbot.waitUntil(
        lambda: "records were prepared" in report.view.toPlainText(), timeout=SLOW_OP_MS
    )

    wizard.next()
    consent = wizard.current
    assert isinstance(consent, ConsentStep)
    wizard.next()
    sign = wizard.current
    assert isinstance(sign, SignStep)
    network = X25519Identity.generate()
    sign.recipient.setText(network.recipient.to_string())
    sign.folder.set_path(tmp_path / "submission")
    qtbot.waitUntil(lambda: sign.preview is not None, timeout=SLOW_OP_MS)
    assert wizard.draft.dataset_id in sign.raw.toPlainText() or sign.raw.toPlainText()
    assert "Under these terms" in sign.human.toPlainText() or "terms" in sign.human.toPlainText()
    signed: list[Any] = []
    wizard.submission_signed.connect(signed.append)
    wizard.next()
    qtbot.waitUntil(lambda: isinstance(wizard.current, DoneStep), timeout=SLOW_OP_MS)
    assert len(signed) == 1
    assert signed[0].envelope_path.is_file()
    done = wizard.current
    assert isinstance(done, DoneStep)
    assert done.fields["files"].text().split("\n") == [
        "submission.dsse.json",
        "package.age-header",
        "package.age-payload",
        "card.json",
    ]
    assert done.fields["recipient"].text() == network.recipient.to_string()
    assert done.fields["folder"].text() == str(tmp_path / "submission")
