"""Every item model passes Qt's model tester, and announces changes precisely."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from app.services.identities import IdentityInfo
from app.ui.pages.identities_model import DID, NAME, DidRole, IdentityTableModel, InfoRole
from app.ui.table_model import RIGHT, Column, ItemRole, RowListModel


def _info(name: str, number: int, *, default: bool = False) -> IdentityInfo:
    return IdentityInfo(
        name=name,
        did=f"did:key:z6Mk{number:040d}",
        recipient=f"age1{number:058d}",
        created=datetime(2025, 1, number + 1, 12, 0, tzinfo=UTC),
        is_default=default,
    )


def test_identity_model_passes_the_model_tester_through_changes(qtmodeltester: Any) -> None:
    model = IdentityTableModel()
    qtmodeltester.check(model, force_py=False)
    items = [_info("Personal", 1, default=True), _info("Research", 2), _info("Clinic", 3)]
    model.set_items(items)
    qtmodeltester.check(model, force_py=False)
    model.set_items([replace(items[0], name="Home"), *items[1:]])
    model.set_items(items[:1])
    model.clear()
    qtmodeltester.check(model, force_py=False)


def test_identity_model_passes_the_python_model_tester(qtmodeltester: Any) -> None:
    model = IdentityTableModel()
    model.set_items([_info("Personal", 1, default=True), _info("Research", 2)])
    qtmodeltester.check(model, force_py=True)


def test_roles_give_the_identity_and_its_did() -> None:
    model = IdentityTableModel()
    personal = _info("Personal", 1, default=True)
    model.set_items([personal, _info("Research", 2)])
    first = model.index(0, NAME)
    assert model.data(first) == "Personal"
    assert model.data(first, InfoRole) == personal
    assert model.data(model.index(0, DID), DidRole) == personal.did
    assert model.data(model.index(0, DID)) == personal.did
    assert model.data(first, Qt.ItemDataRole.DecorationRole) is not None  # default star
    assert model.data(model.index(1, NAME), Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(5, NAME)) is None
    assert model.headerData(NAME, Qt.Orientation.Horizontal) == "Name"
    assert model.row_of(personal.did) == 0
    assert model.row_of("did:key:missing") == -1


def test_a_rename_is_announced_as_changed_cells_not_a_reset(qtbot: Any) -> None:
    model = IdentityTableModel()
    items = [_info("Personal", 1, default=True), _info("Research", 2)]
    model.set_items(items)
    resets: list[bool] = []
    changes: list[tuple[int, int, list[int]]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b, roles: changes.append((a.row(), b.row(), list(roles))))
    model.set_items([items[0], replace(items[1], name="Research 2025")])
    assert resets == []
    assert len(changes) == 1
    assert changes[0][:2] == (1, 1)
    assert Qt.ItemDataRole.DisplayRole in changes[0][2]
    model.set_items(items[:1])
    assert resets == [True]


def _numbers_model(batch: int | None) -> RowListModel[tuple[str, int]]:
    columns: list[Column[tuple[str, int]]] = [
        Column("Key", lambda item: item[0], tooltip=lambda item: f"key {item[0]}", mono=True),
        Column("Value", lambda item: str(item[1]), align=RIGHT),
    ]
    return RowListModel(columns, lambda item: item[0], batch=batch)


def test_a_row_list_hands_rows_over_in_batches_and_finds_rows_beyond_them(
    qtmodeltester: Any,
) -> None:
    model = _numbers_model(batch=10)
    model.set_items([(f"k{n}", n) for n in range(25)])
    assert model.rowCount() == 10
    assert model.canFetchMore(QModelIndex())
    qtmodeltester.check(model, force_py=True)
    assert model.row_of("k23") == 23
    assert model.rowCount() == 25  # fetched up to the row found
    assert model.row_of("missing") == -1
    assert model.item_at(23) == ("k23", 23)
    assert model.data(model.index(3, 0), ItemRole) == ("k3", 3)
    assert model.data(model.index(3, 0), Qt.ItemDataRole.ToolTipRole) == "key k3"
    assert model.data(model.index(3, 1), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    assert model.data(model.index(3, 1), Qt.ItemDataRole.FontRole) is None
    assert model.data(model.index(3, 0), Qt.ItemDataRole.DecorationRole) is None
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Value"
    assert model.headerData(2, Qt.Orientation.Horizontal) is None
    assert model.headerData(0, Qt.Orientation.Vertical) is None


def test_a_row_list_announces_changed_rows_only_when_the_keys_stay(qtbot: Any) -> None:
    model = _numbers_model(batch=None)
    items = [("a", 1), ("b", 2), ("c", 3)]
    model.set_items(items)
    resets: list[bool] = []
    changes: list[tuple[int, int, int]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b, _roles: changes.append((a.row(), b.row(), b.column())))
    model.set_items([("a", 1), ("b", 20), ("c", 3)])
    assert (resets, changes) == ([], [(1, 1, 1)])
    model.set_items([("c", 3), ("a", 1)])
    assert resets == [True]
    assert model.items() == [("c", 3), ("a", 1)]
    model.clear()
    assert model.rowCount() == 0
