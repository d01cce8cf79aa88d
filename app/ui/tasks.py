"""The one way the GUI runs work off its thread.

Widgets never see threads. They describe an operation and what to do with
its result::

    vault.op(self, lambda session: identities.create_identity(session, name)) \\
        .success(self.on_created) \\
        .with_progress(self.tr("Creating identity")) \\
        .run()

* :class:`VaultOp` runs ``fn(session)`` on the single vault thread, so
  every use of the SQLCipher connection is serialised there.
* :class:`BackgroundOp` runs ``fn()`` on a separate pool, for work that does
  not touch the vault (probing the keyring, hashing, network).

Results come back by a queued Qt signal and the callbacks run on the GUI
thread (asserted). A worker never touches a widget.

Long work reports through ``op.progress`` (a plain
:data:`~app.core.progress.ProgressCallback`) and checks ``op.cancel`` (a
:class:`~app.core.progress.CancelToken`), both usable from the worker::

    op = vault.op(self, lambda s: encrypt(s, path, progress=op.progress, cancel=op.cancel))

Feedback never flashes: the busy cursor appears only after
:data:`BUSY_CURSOR_DELAY_MS`, the progress dialog (with Cancel) only after
:data:`PROGRESS_DIALOG_DELAY_MS`, and only for operations that asked for
one with :meth:`Op.with_progress`. Failures go to the ``failure`` callback,
or, if there is none, to :func:`app.ui.errors.show_error`: a
:class:`~app.core.errors.TesseraError` is shown in its own words, anything
else as a bug.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.core.errors import Cancelled
from app.core.progress import CancelToken, ProgressEvent

if TYPE_CHECKING:
    from app.services.vault import Session
    from app.ui.vault import VaultHandle

T = TypeVar("T")

BUSY_CURSOR_DELAY_MS = 300
PROGRESS_DIALOG_DELAY_MS = 600

log = logging.getLogger(__name__)


def is_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() == app.thread()


def assert_gui_thread() -> None:
    """Fail loudly when GUI-side code runs on a worker thread."""
    assert is_gui_thread(), "must run on the GUI thread"


class TaskManager:
    """The threads behind the ops: one vault thread, one general pool.

    The vault executor has exactly one thread for the life of the manager,
    which is what makes a non-thread-safe ``Session`` safe to share.
    """

    def __init__(self, *, pool_workers: int | None = None) -> None:
        self._vault_thread: int | None = None
        self._vault = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="tessera-vault",
            initializer=self._mark_vault_thread,
        )
        workers = pool_workers or max(2, min(8, os.cpu_count() or 2))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tessera-work")
        self._running: set[Op[object]] = set()
        self._closed = False

    def _mark_vault_thread(self) -> None:
        self._vault_thread = threading.get_ident()

    def on_vault_thread(self) -> bool:
        return self._vault_thread is not None and threading.get_ident() == self._vault_thread

    def submit_vault(self, call: Callable[[], None]) -> None:
        self._vault.submit(call)

    def submit_pool(self, call: Callable[[], None]) -> None:
        self._pool.submit(call)

    def run_on_vault_and_wait(self, call: Callable[[], T], timeout: float = 30.0) -> T:
        """Block until ``call`` has run on the vault thread: for shutdown only."""
        return self._vault.submit(call).result(timeout=timeout)

    def is_idle(self) -> bool:
        """True when every op has delivered its result (tests wait on this)."""
        return not self._running

    @property
    def closed(self) -> bool:
        return self._closed

    def _track(self, op: Op[object]) -> None:
        self._running.add(op)

    def _untrack(self, op: Op[object]) -> None:
        self._running.discard(op)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; cancel what is running; wait for the threads."""
        self._closed = True
        for op in list(self._running):
            op.cancel.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=True)
        self._vault.shutdown(wait=wait)


class _Courier(QObject):
    """Lives on the GUI thread; workers emit, Qt queues, the GUI receives."""

    finished = Signal()
    progressed = Signal()


class _Feedback:
    """Busy cursor after a short wait, progress dialog after a longer one."""

    def __init__(self, op: Op[object], parent: QWidget | None, label: str | None) -> None:
        self._op = op
        self._parent = parent
        self._label = label
        self._cursor = False
        self.dialog: QProgressDialog | None = None
        self._cursor_timer = QTimer(singleShot=True, interval=BUSY_CURSOR_DELAY_MS)
        self._cursor_timer.timeout.connect(self._show_cursor)
        self._dialog_timer = QTimer(singleShot=True, interval=PROGRESS_DIALOG_DELAY_MS)
        self._dialog_timer.timeout.connect(self._show_dialog)

    def start(self) -> None:
        self._cursor_timer.start()
        if self._label is not None:
            self._dialog_timer.start()

    def _show_cursor(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._cursor = True

    def _show_dialog(self) -> None:
        parent = self._parent if _alive(self._parent) else None
        dialog = QProgressDialog(parent)
        dialog.setWindowTitle(QCoreApplication.translate("Tasks", "Working"))
        dialog.setLabelText(self._label or "")
        dialog.setCancelButtonText(QCoreApplication.translate("Tasks", "Cancel"))
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setRange(0, 0)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.canceled.connect(self._on_cancel)
        self.dialog = dialog
        self.update(self._op.latest_progress())
        dialog.show()

    def _on_cancel(self) -> None:
        self._op.cancel.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText(QCoreApplication.translate("Tasks", "Stopping…"))
            self.dialog.show()  # QProgressDialog hides itself on cancel

    def update(self, event: ProgressEvent | None) -> None:
        if self.dialog is None or event is None or self._op.cancel.cancelled:
            return
        if event.total:
            self.dialog.setRange(0, 1000)
            self.dialog.setValue(round(1000 * (event.fraction or 0.0)))
        else:
            self.dialog.setRange(0, 0)

    def stop(self) -> None:
        self._cursor_timer.stop()
        self._dialog_timer.stop()
        if self._cursor:
            QGuiApplication.restoreOverrideCursor()
            self._cursor = False
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self._on_cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None


def _alive(widget: QObject | None) -> bool:
    return widget is not None and shiboken6.isValid(widget)


class Op(Generic[T]):
    """A unit of background work with GUI-thread callbacks (builder style).

    Subclasses decide where ``_work`` runs. Callbacks are skipped when the
    parent widget was deleted while the work ran.
    """

    def __init__(self, parent: QWidget | None, tasks: TaskManager) -> None:
        self._parent = parent
        self._tasks = tasks
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_finished: Callable[[], None] | None = None
        self._label: str | None = None
        self._quiet = False
        self._started = False
        self.cancel = CancelToken()
        self._progress_lock = threading.Lock()
        self._latest: ProgressEvent | None = None
        self._progress_pending = False
        self._courier: _Courier | None = None
        self._feedback: _Feedback | None = None
        # The outcome is handed over through this attribute, not as a signal
        # argument: PySide6 6.12.0 mishandles the reference counts of Python
        # objects it carries across threads (see pyside_fixes.py), which crashed
        # the GUI when a result arrived while the worker was still in emit().
        self._outcome: tuple[bool, object] | None = None
        # Set once the worker has returned from emit(); the courier is not
        # deleted while a worker may still be inside it.
        self._emitted = threading.Event()

    # --- building -----------------------------------------------------------

    def success(self, callback: Callable[[T], None]) -> Self:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Self:
        """Replace the default error dialog with ``callback``."""
        self._on_failure = callback
        return self

    def finished(self, callback: Callable[[], None]) -> Self:
        """Run after success or failure, e.g. to re-enable a button."""
        self._on_finished = callback
        return self

    def with_progress(self, label: str) -> Self:
        """Offer a progress dialog with Cancel if the work takes a while."""
        self._label = label
        return self

    def quiet(self) -> Self:
        """No busy cursor, no dialog: for periodic checks the user did not ask for."""
        self._quiet = True
        return self

    # --- worker side ----------------------------------------------------------

    def progress(self, event: ProgressEvent) -> None:
        """A ``ProgressCallback`` for the worker; coalesces to one queued signal."""
        with self._progress_lock:
            self._latest = event
            courier = self._courier
            if self._progress_pending or courier is None:
                return
            self._progress_pending = True
        courier.progressed.emit()

    def latest_progress(self) -> ProgressEvent | None:
        with self._progress_lock:
            return self._latest

    def _work(self) -> T:
        raise NotImplementedError

    def _submit(self, call: Callable[[], None]) -> None:
        raise NotImplementedError

    def _call(self) -> None:
        courier = self._courier
        assert courier is not None
        try:
            outcome: tuple[bool, object] = (True, self._work())
        except BaseException as exc:  # every failure must reach the GUI
            outcome = (False, exc)
        self._outcome = outcome
        try:
            courier.finished.emit()
        finally:
            self._emitted.set()

    # --- GUI side ---------------------------------------------------------------

    def run(self) -> None:
        assert_gui_thread()
        if self._started:
            raise RuntimeError("an op runs once")
        self._started = True
        if self._tasks.closed:
            log.debug("op dropped: the app is shutting down")
            return
        courier = _Courier()
        courier.finished.connect(self._on_finished_signal, Qt.ConnectionType.QueuedConnection)
        courier.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._courier = courier
        self._tasks._track(self)  # type: ignore[arg-type]
        if not self._quiet:
            self._feedback = _Feedback(self, self._parent, self._label)  # type: ignore[arg-type]
            self._feedback.start()
        try:
            self._submit(self._call)
        except RuntimeError as exc:  # executor already shut down
            self._emitted.set()
            self._deliver((False, exc))

    def _on_progress(self) -> None:
        assert_gui_thread()
        with self._progress_lock:
            self._progress_pending = False
            event = self._latest
        if self._feedback is not None:
            self._feedback.update(event)

    def _on_finished_signal(self) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            self._deliver(outcome)

    def _deliver(self, outcome: tuple[bool, object]) -> None:
        assert_gui_thread()
        if self._feedback is not None:
            self._feedback.stop()
            self._feedback = None
        if self._courier is not None:
            self._emitted.wait(5.0)  # the worker is at most a few instructions from done
            self._courier.deleteLater()
            self._courier = None
        self._tasks._untrack(self)  # type: ignore[arg-type]
        ok, value = outcome
        if self._parent is not None and not shiboken6.isValid(self._parent):
            if not ok and not isinstance(value, Exception):
                raise value  # type: ignore[misc]
            log.debug("result dropped: its window is gone")
            return
        try:
            if ok:
                self._before_success(value)  # type: ignore[arg-type]
                if self._on_success is not None:
                    self._on_success(value)  # type: ignore[arg-type]
            else:
                assert isinstance(value, BaseException)
                self._fail(value)
        finally:
            if self._on_finished is not None:
                self._on_finished()

    def _before_success(self, value: T) -> None:
        """Hook for subclasses that update state before the user callback."""

    def _fail(self, exc: BaseException) -> None:
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt and friends are not dialogs
        if not isinstance(exc, Cancelled) and not _is_user_error(exc):
            log.error("background operation failed", exc_info=exc)
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        from app.ui.errors import show_error

        show_error(self._parent if _alive(self._parent) else None, exc)


def _is_user_error(exc: BaseException) -> bool:
    from app.core.errors import TesseraError

    return isinstance(exc, TesseraError)


class BackgroundOp(Op[T]):
    """``fn()`` on the general pool: work that does not touch the vault."""

    def __init__(self, parent: QWidget | None, fn: Callable[[], T], *, tasks: TaskManager) -> None:
        super().__init__(parent, tasks)
        self._fn = fn

    def _work(self) -> T:
        return self._fn()

    def _submit(self, call: Callable[[], None]) -> None:
        self._tasks.submit_pool(call)


class VaultOp(Op[T]):
    """``fn(session)`` on the vault thread, with the open session of ``vault``.

    When the vault is locked the op fails with
    :class:`app.ui.vault.VaultLocked`, a user error.
    """

    def __init__(
        self, parent: QWidget | None, fn: Callable[[Session], T], *, vault: VaultHandle
    ) -> None:
        super().__init__(parent, vault.tasks)
        self._fn = fn
        self._vault = vault

    def _work(self) -> T:
        return self._fn(self._vault.session_for_worker())

    def _submit(self, call: Callable[[], None]) -> None:
        self._tasks.submit_vault(call)


class VaultCall(Op[T]):
    """``fn()`` on the vault thread without needing an open session.

    For opening and closing the vault itself and for custody changes that
    must not race with work on the session.
    """

    def __init__(self, parent: QWidget | None, fn: Callable[[], T], *, tasks: TaskManager) -> None:
        super().__init__(parent, tasks)
        self._fn = fn

    def _work(self) -> T:
        return self._fn()

    def _submit(self, call: Callable[[], None]) -> None:
        self._tasks.submit_vault(call)
