"""Guards against a known defect of PySide6 6.12.0, for installs that still have it.

pyproject.toml excludes 6.12.0, which also crashed under cross-thread signal
delivery; this guard stays for environments that bring their own PySide6.
PySide6 6.12.0 hands back ``None``, ``True`` and ``False`` without taking a
reference to them: every call of a method that returns nothing (``setValue``,
``setText``, ...) drops one reference to ``None`` that was never given, and
``SignalInstance.emit()`` / ``disconnect()`` do the same to ``True``. From
Python 3.12 these objects are immortal and nothing happens; on 3.11 their
count reaches zero after enough calls and the interpreter aborts
("none_dealloc: deallocating None" or "bool_dealloc"). 6.11.2 does not have
the defect; the real fix is to avoid 6.12.0 on Python 3.11.

:func:`apply` checks for the defect and, only when it is present on an
interpreter without immortal objects, gives those singletons the huge
reference count 3.12 gives them, so no number of dropped references can
free them. It runs once, when ``app.ui`` is first imported.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

_PIN = 1 << 40
_SINGLETONS: tuple[object, ...] = (None, True, False, Ellipsis, NotImplemented)
_applied = False


class _Probe(QObject):
    fired = Signal()


def drops_references() -> bool:
    """Whether PySide6 drops references to ``None`` or ``True`` (the 6.12.0 defect)."""
    probe = _Probe()
    none_before = sys.getrefcount(None)
    true_before = sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")
        probe.fired.emit()
    return sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before


def apply() -> bool:
    """Make the singletons safe from dropped references; whether it was needed."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if not drops_references():
        return False
    for value in _SINGLETONS:
        ctypes.c_ssize_t.from_address(id(value)).value += _PIN
    _applied = True
    log.info("PySide6 drops references to None and True; singletons pinned")
    return True
