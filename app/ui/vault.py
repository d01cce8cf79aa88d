"""The open vault as the GUI holds it.

The main window owns one :class:`VaultHandle` and hands it to the pages
that need the vault; there is no global to reach for. The ``Session``
inside is only ever touched on the vault thread (by :class:`VaultOp`); the
GUI thread sees a mirror of its state (open or locked, custody) that is
updated when an open or close op delivers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QWidget

from app.core.errors import TesseraError
from app.ui.tasks import BackgroundOp, Op, TaskManager, VaultCall, VaultOp, assert_gui_thread

if TYPE_CHECKING:
    from app.services.vault import CustodyKind, Session

T = TypeVar("T")


class VaultLocked(TesseraError):
    """Work on the vault was asked for while it is locked."""

    def __init__(self) -> None:
        super().__init__(
            QCoreApplication.translate("VaultHandle", "the vault is locked"),
            hint=QCoreApplication.translate("VaultHandle", "unlock it and try again"),
        )


class _OpenOp(VaultCall["CustodyKind"]):
    def __init__(self, parent: QWidget | None, vault: VaultHandle, fn: Callable[[], Session]):
        super().__init__(parent, lambda: vault._adopt(fn()), tasks=vault.tasks)
        self._vault = vault

    def _before_success(self, value: CustodyKind) -> None:
        self._vault._mirror(True, value)


class _CloseOp(VaultCall[None]):
    def __init__(self, parent: QWidget | None, vault: VaultHandle) -> None:
        super().__init__(parent, vault._drop, tasks=vault.tasks)
        self._vault = vault

    def _before_success(self, value: None) -> None:
        self._vault._mirror(False, self._vault.custody)


class VaultHandle(QObject):
    """Owns the ``Session`` and the threads that use it.

    Signals:
        state_changed: the vault was opened or locked, or its custody changed.
    """

    state_changed = Signal()

    def __init__(self, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self._session: Session | None = None  # vault thread only
        self._open = False
        self._custody: CustodyKind | None = None

    # --- GUI-side state ---------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._open

    @property
    def custody(self) -> CustodyKind | None:
        """How the key is held: ``keyring``, ``passphrase``, or unknown."""
        return self._custody

    def set_custody(self, custody: CustodyKind | None) -> None:
        """Record a custody learned elsewhere (vault status, a custody change)."""
        assert_gui_thread()
        if custody != self._custody:
            self._custody = custody
            self.state_changed.emit()

    def _mirror(self, is_open: bool, custody: CustodyKind | None) -> None:
        assert_gui_thread()
        self._open = is_open
        self._custody = custody
        self.state_changed.emit()

    # --- building ops -------------------------------------------------------------

    def op(self, parent: QWidget | None, fn: Callable[[Session], T]) -> VaultOp[T]:
        """``fn(session)`` on the vault thread."""
        return VaultOp(parent, fn, vault=self)

    def background(self, parent: QWidget | None, fn: Callable[[], T]) -> BackgroundOp[T]:
        """``fn()`` on the general pool, away from the vault."""
        return BackgroundOp(parent, fn, tasks=self.tasks)

    def open_with(self, parent: QWidget | None, opener: Callable[[], Session]) -> Op[CustodyKind]:
        """Run ``opener`` (create or unlock) on the vault thread and keep its session."""
        return _OpenOp(parent, self, opener)

    def create(self, parent: QWidget | None, passphrase: str | None) -> Op[CustodyKind]:
        from app.services import vault as vault_service

        return self.open_with(parent, lambda: vault_service.create_vault(passphrase=passphrase))

    def unlock(self, parent: QWidget | None, passphrase: str | None) -> Op[CustodyKind]:
        from app.services import vault as vault_service

        return self.open_with(parent, lambda: vault_service.unlock_vault(passphrase=passphrase))

    def lock(self, parent: QWidget | None) -> Op[None]:
        """Close the session: the key leaves memory, pages clear what they show."""
        return _CloseOp(parent, self)

    def close_now(self) -> None:
        """Close the session and wait; for quitting, when no event loop is left."""
        assert_gui_thread()
        try:
            self.tasks.run_on_vault_and_wait(self._drop)
        except RuntimeError:  # the executor is already gone: nothing is open
            self._session = None
        if self._open:
            self._mirror(False, self._custody)

    # --- vault-thread side ----------------------------------------------------------

    def session_for_worker(self) -> Session:
        """The open session; only callable on the vault thread."""
        assert self.tasks.on_vault_thread(), "the session is used on the vault thread only"
        if self._session is None or self._session.closed:
            raise VaultLocked()
        return self._session

    def _adopt(self, session: Session) -> CustodyKind:
        assert self.tasks.on_vault_thread()
        if self._session is not None:
            self._session.close()
        self._session = session
        return session.custody

    def _drop(self) -> None:
        assert self.tasks.on_vault_thread()
        session, self._session = self._session, None
        if session is not None:
            session.close()
