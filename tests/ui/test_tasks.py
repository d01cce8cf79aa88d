"""The background-work facade: threads, delivery, feedback, failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget

from app.core.errors import Cancelled, InvalidInput
from app.core.progress import ProgressEvent
from app.ui import tasks as tasks_module
from app.ui.tasks import BackgroundOp, TaskManager, is_gui_thread
from app.ui.vault import VaultHandle, VaultLocked
from tests.ui.helpers import close_message_boxes, message_boxes

pytestmark = pytest.mark.gui


def _progress_dialogs() -> list[QProgressDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()
    ]


def test_vault_ops_run_on_one_worker_thread_and_deliver_on_the_gui_thread(
    qtbot: Any, open_vault: VaultHandle
) -> None:
    seen: list[tuple[int, bool]] = []
    delivered: list[bool] = []
    for _ in range(5):
        open_vault.op(
            None,
            lambda _s: seen.append((threading.get_ident(), open_vault.tasks.on_vault_thread())),
        ).success(lambda _v: delivered.append(is_gui_thread())).run()
    qtbot.waitUntil(lambda: len(delivered) == 5)
    assert len({ident for ident, _ in seen}) == 1
    assert all(on_vault for _, on_vault in seen)
    assert seen[0][0] != threading.get_ident()
    assert delivered == [True] * 5


def test_background_ops_run_off_the_vault_thread(qtbot: Any, tasks: TaskManager) -> None:
    results: list[tuple[bool, bool]] = []
    BackgroundOp(None, lambda: (tasks.on_vault_thread(), is_gui_thread()), tasks=tasks).success(
        results.append
    ).run()
    qtbot.waitUntil(lambda: bool(results))
    assert results == [(False, False)]


def test_the_session_is_refused_outside_the_vault_thread(open_vault: VaultHandle) -> None:
    with pytest.raises(AssertionError):
        open_vault.session_for_worker()


def test_a_locked_vault_fails_with_a_user_error(qtbot: Any, vault: VaultHandle) -> None:
    errors: list[BaseException] = []
    vault.op(None, lambda s: s).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], VaultLocked)


def test_a_user_error_is_shown_in_its_own_words(qtbot: Any, tasks: TaskManager) -> None:
    def fail() -> None:
        raise InvalidInput("the file is not a backup", hint="choose another file")

    BackgroundOp(None, fail, tasks=tasks).run()
    qtbot.waitUntil(lambda: bool(message_boxes()))
    box = message_boxes()[0]
    assert box.text() == "The file is not a backup."
    assert box.informativeText() == "Choose another file."
    assert box.detailedText() == ""
    close_message_boxes()


def test_hints_that_name_a_command_are_left_to_the_cli(qtbot: Any, tasks: TaskManager) -> None:
    def fail() -> None:
        raise InvalidInput("no vault", hint="run `tessera init` first")

    BackgroundOp(None, fail, tasks=tasks).run()
    qtbot.waitUntil(lambda: bool(message_boxes()))
    assert message_boxes()[0].informativeText() == ""
    close_message_boxes()


def test_an_unexpected_error_is_reported_as_a_bug_with_details(
    qtbot: Any, tasks: TaskManager, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise ZeroDivisionError("boom")

    BackgroundOp(None, fail, tasks=tasks).run()
    qtbot.waitUntil(lambda: bool(message_boxes()))
    box = message_boxes()[0]
    assert "bug" in box.text()
    assert "ZeroDivisionError: boom" in box.detailedText()
    assert "background operation failed" in caplog.text
    close_message_boxes()


def test_a_failure_callback_replaces_the_dialog(qtbot: Any, tasks: TaskManager) -> None:
    errors: list[BaseException] = []
    finished: list[bool] = []

    def fail() -> None:
        raise InvalidInput("bad")

    BackgroundOp(None, fail, tasks=tasks).failure(errors.append).finished(
        lambda: finished.append(True)
    ).run()
    qtbot.waitUntil(lambda: bool(finished))
    assert isinstance(errors[0], InvalidInput)
    assert message_boxes() == []


def test_cancelled_work_shows_nothing(qtbot: Any, tasks: TaskManager) -> None:
    finished: list[bool] = []

    def stop() -> None:
        raise Cancelled()

    BackgroundOp(None, stop, tasks=tasks).finished(lambda: finished.append(True)).run()
    qtbot.waitUntil(lambda: bool(finished))
    assert message_boxes() == []


def test_quick_work_shows_no_cursor_and_no_dialog(qtbot: Any, tasks: TaskManager) -> None:
    seen: list[tuple[object, int]] = []
    BackgroundOp(None, lambda: 42, tasks=tasks).with_progress("Working").success(
        lambda _v: seen.append((QApplication.overrideCursor(), len(_progress_dialogs())))
    ).run()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(None, 0)]
    assert QApplication.overrideCursor() is None


def test_slow_work_gets_a_busy_cursor_then_a_progress_dialog_that_cancels(
    qtbot: Any, tasks: TaskManager
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()
    errors: list[BaseException] = []
    op: BackgroundOp[None]

    def work() -> None:
        started.set()
        for step in range(100_000):
            op.progress(ProgressEvent("encrypt", step, 100_000))
            op.cancel.raise_if_cancelled()
            threading.Event().wait(0.001)

    op = BackgroundOp(parent, work, tasks=tasks).with_progress("Encrypting").failure(errors.append)
    op.run()
    assert started.wait(5)
    assert _progress_dialogs() == []  # nothing flashes at once
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is not None, timeout=5000)
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5000)
    dialog = _progress_dialogs()[0]
    assert dialog.labelText() == "Encrypting"
    qtbot.waitUntil(lambda: dialog.value() > 0, timeout=5000)
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None
    assert cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], Cancelled)
    assert _progress_dialogs() == []
    assert QApplication.overrideCursor() is None
    assert isinstance(op.latest_progress(), ProgressEvent)


def test_results_for_a_closed_window_are_dropped(qtbot: Any, tasks: TaskManager) -> None:
    release = threading.Event()
    called: list[object] = []
    parent = QWidget()
    BackgroundOp(parent, lambda: release.wait(5), tasks=tasks).success(called.append).run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not _alive(parent))
    release.set()
    qtbot.waitUntil(tasks.is_idle)
    assert called == []


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_an_op_runs_once(qtbot: Any, tasks: TaskManager) -> None:
    op = BackgroundOp(None, lambda: 1, tasks=tasks)
    op.run()
    with pytest.raises(RuntimeError):
        op.run()
    qtbot.waitUntil(tasks.is_idle)


def test_work_after_shutdown_is_dropped_quietly(qapp: QApplication) -> None:
    manager = TaskManager(pool_workers=1)
    manager.shutdown()
    called: list[object] = []
    BackgroundOp(None, lambda: 1, tasks=manager).success(called.append).failure(called.append).run()
    qapp.processEvents()
    assert called == []
    assert manager.is_idle()


def test_delivery_asserts_the_gui_thread(qtbot: Any, tasks: TaskManager) -> None:
    outcome: list[object] = []

    def from_worker() -> None:
        try:
            tasks_module.assert_gui_thread()
        except AssertionError as exc:
            outcome.append(exc)

    BackgroundOp(None, from_worker, tasks=tasks).run()
    qtbot.waitUntil(tasks.is_idle)
    assert len(outcome) == 1
    tasks_module.assert_gui_thread()  # and the test itself is on it
