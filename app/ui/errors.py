"""Turning exceptions into words a person can act on.

A :class:`~app.core.errors.TesseraError` is something the user can fix (a
wrong passphrase, a full disk): it is shown in its own words, with its hint
when the hint makes sense in a window (hints naming a command line are for
the CLI and are left out). Anything else is a bug: the dialog says so
plainly, says the vault is unharmed, and keeps the technical details
collapsed for a report.

Dialogs open with ``open()``, not ``exec()``: they never block the caller,
which keeps the GUI responsive and lets tests read and close them.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.core.errors import Cancelled, TesseraError
from app.ui.tasks import assert_gui_thread

log = logging.getLogger(__name__)

_parentless: set[QMessageBox] = set()  # kept alive until closed; Qt owns the others


def sentence(text: str) -> str:
    """``"wrong passphrase"`` -> ``"Wrong passphrase."``"""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def user_words(exc: TesseraError) -> tuple[str, str | None]:
    """The message and the GUI-worthy hint of a user error."""
    hint = exc.hint
    if hint is not None and ("`" in hint or "TESSERA_" in hint):
        hint = None
    return sentence(exc.message), None if hint is None else sentence(hint)


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox | None:
    """Show ``exc`` to the user without blocking; ``Cancelled`` shows nothing."""
    assert_gui_thread()
    if isinstance(exc, Cancelled):
        return None
    if isinstance(exc, TesseraError):
        message, hint = user_words(exc)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            QCoreApplication.translate("Errors", "Tessera"),
            message,
            parent=parent,
        )
        if hint:
            box.setInformativeText(hint)
    else:
        box = bug_box(parent, exc)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if parent is None:
        _parentless.add(box)
        box.finished.connect(lambda _result: _parentless.discard(box))
    box.open()
    return box


def bug_box(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """A dialog for an error Tessera did not expect."""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        QCoreApplication.translate("Errors", "Tessera"),
        QCoreApplication.translate(
            "Errors", "Something went wrong inside Tessera. This is a bug, not something you did."
        ),
        parent=parent,
    )
    box.setInformativeText(
        QCoreApplication.translate(
            "Errors",
            "Please try again. If it happens again, report it with the details below.",
        )
    )
    box.setDetailedText("".join(traceback.format_exception(exc)))
    return box


def install_excepthook() -> None:
    """Uncaught exceptions in Qt callbacks become a bug dialog, not a silent log line."""
    import sys

    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        log.error("unexpected error", exc_info=(kind, exc, exc.__traceback__))
        app = QApplication.instance()
        if app is None or not isinstance(exc, Exception):
            previous(kind, exc, exc.__traceback__)
            return
        try:
            show_error(QApplication.activeWindow(), exc)
        except Exception:  # pragma: no cover - never let the hook itself fail
            previous(kind, exc, exc.__traceback__)

    sys.excepthook = hook
