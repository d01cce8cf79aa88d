"""The Datasets page over a real vault: the list, the details, export and delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.services.vault import Session
from app.ui.pages.datasets import DatasetsPage
from app.ui.pages.datasets_model import NAME, RECORDS, DatasetTableModel
from app.ui.theme import ThemeController
from app.ui.vault import VaultHandle
from app.ui.wizard import backend
from app.ui.wizard.data_steps import ImportStep
from tests.helpers.prepared import RECORDS as PREPARED_RECORDS
from tests.helpers.prepared import insert_prepared_dataset
from tests.ui.helpers import SLOW_OP_MS, ScriptedPrompts

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _needs_service() -> None:
    try:
        backend.datasets()
    except backend.ServiceUnavailable:
        pytest.skip("the dataset service is not in this build yet")


def _add_dataset(qtbot: Any, vault: VaultHandle, name: str) -> str:
    ids: list[str] = []
    vault.op(None, lambda s: insert_prepared_dataset(s, name=name)).success(ids.append).run()
    qtbot.waitUntil(lambda: bool(ids), timeout=SLOW_OP_MS)
    return ids[0]


@pytest.fixture
def page(
    qtbot: Any, open_vault: VaultHandle, prompts: ScriptedPrompts, theme: ThemeController
) -> DatasetsPage:
    _needs_service()
    _add_dataset(qtbot, open_vault, "tide notes")
    _add_dataset(qtbot, open_vault, "harbour questions")
    widget = DatasetsPage(open_vault, prompts)
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2, timeout=SLOW_OP_MS)
    return widget


def test_lists_prepared_datasets_with_their_details(qtbot: Any, page: DatasetsPage) -> None:
    names = {info.name for info in page.model.items()}
    assert names == {"tide notes", "harbour questions"}
    selected = page.selected()
    assert selected is not None
    assert page.details.isVisible()
    assert page.model.data(page.model.index(0, RECORDS)) == str(len(PREPARED_RECORDS))
    assert page.commitment_field.value.text() == selected.commitment
    qtbot.waitUntil(
        lambda: (
            "tide notes" in page.card_view.toPlainText()
            or "harbour" in page.card_view.toPlainText()
        ),
        timeout=SLOW_OP_MS,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    assert page.grab().save(str(ARTIFACTS / "datasets-page.png"))


def test_export_asks_first_then_writes_the_records(
    qtbot: Any, page: DatasetsPage, prompts: ScriptedPrompts, tmp_path: Path
) -> None:
    target = tmp_path / "out.jsonl"
    prompts.answer("save_file", target, target)
    prompts.answer("confirm", False, True)
    page.export_selected()  # declined: nothing written
    assert not target.exists()
    messages: list[str] = []
    page.message.connect(messages.append)
    page.export_selected()
    qtbot.waitUntil(lambda: bool(messages), timeout=SLOW_OP_MS)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == PREPARED_RECORDS
    assert "not encrypted" in prompts.asked[-1][1][2]


def test_delete_removes_the_dataset(
    qtbot: Any, page: DatasetsPage, prompts: ScriptedPrompts
) -> None:
    doomed = page.selected()
    assert doomed is not None
    prompts.answer("confirm", True)
    page.delete_selected()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=SLOW_OP_MS)
    assert doomed.id not in {info.id for info in page.model.items()}


def test_dropping_files_opens_the_wizard_with_them(
    qtbot: Any, page: DatasetsPage, tmp_path: Path
) -> None:
    source = tmp_path / "notes.jsonl"
    source.write_text('{"text": "hello"}\n', encoding="utf-8")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(source))])
    event = QDropEvent(
        QPoint(10, 10).toPointF(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)
    wizard = page.wizard
    assert wizard is not None
    step = wizard.current
    assert isinstance(step, ImportStep)
    assert wizard.draft.inputs == [source]
    assert wizard.next_button.isEnabled()
    wizard.close()


def test_the_model_passes_the_model_tester(
    qtmodeltester: Any, open_vault: VaultHandle, qtbot: Any
) -> None:
    _needs_service()
    for name in ("a", "b", "c"):
        _add_dataset(qtbot, open_vault, name)
    items: list[Any] = []
    open_vault.op(None, lambda s: backend.datasets().list_datasets(s)).success(items.extend).run()
    qtbot.waitUntil(lambda: len(items) == 3, timeout=SLOW_OP_MS)
    model = DatasetTableModel()
    qtmodeltester.check(model, force_py=False)
    model.set_items(items)
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, NAME)) in {"a", "b", "c"}
    model.clear()


_ = Session
