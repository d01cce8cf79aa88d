"""The guard against PySide6 dropping references to None and True."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from app.ui import pyside_fixes


class _Emitter(QObject):
    fired = Signal()


def test_many_calls_and_emits_do_not_free_the_singletons() -> None:
    """Unguarded, 6.12.0 on Python 3.11 aborts the interpreter well before this ends."""
    emitter = _Emitter()
    calls = (
        4 * max(sys.getrefcount(None), sys.getrefcount(True))
        if sys.version_info < (3, 12)
        else 1000
    )
    calls = min(calls, 400_000)
    for _ in range(calls):
        emitter.setObjectName("x")
        emitter.fired.emit()
    assert sys.getrefcount(None) > 0


def test_apply_is_idempotent() -> None:
    first = pyside_fixes.apply()
    assert pyside_fixes.apply() == first
