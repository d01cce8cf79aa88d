"""Every item model passes Qt's model tester, and announces changes precisely."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt

from app.services.identities import IdentityInfo
from app.ui.pages.identities_model import DID, NAME, DidRole, IdentityTableModel, InfoRole


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
    model.set_identities(items)
    qtmodeltester.check(model, force_py=False)
    model.set_identities([replace(items[0], name="Home"), *items[1:]])
    model.set_identities(items[:1])
    model.clear()
    qtmodeltester.check(model, force_py=False)


def test_identity_model_passes_the_python_model_tester(qtmodeltester: Any) -> None:
    model = IdentityTableModel()
    model.set_identities([_info("Personal", 1, default=True), _info("Research", 2)])
    qtmodeltester.check(model, force_py=True)


def test_roles_give_the_identity_and_its_did() -> None:
    model = IdentityTableModel()
    personal = _info("Personal", 1, default=True)
    model.set_identities([personal, _info("Research", 2)])
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
    model.set_identities(items)
    resets: list[bool] = []
    changes: list[tuple[int, int, list[int]]] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.dataChanged.connect(lambda a, b, roles: changes.append((a.row(), b.row(), list(roles))))
    model.set_identities([items[0], replace(items[1], name="Research 2025")])
    assert resets == []
    assert len(changes) == 1
    assert changes[0][:2] == (1, 1)
    assert Qt.ItemDataRole.DisplayRole in changes[0][2]
    model.set_identities(items[:1])
    assert resets == [True]
