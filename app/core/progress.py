"""Progress reporting and cancellation as plain Python.

Long operations in the core take ``progress`` and ``cancel`` arguments. The
GUI adapts them to Qt signals, the CLI to a progress bar, tests to lists; the
core never knows which. Events are typed objects, not strings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.core.errors import Cancelled


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """How far one stage of an operation has come.

    ``total`` is ``None`` when the amount of work is not known in advance.
    ``stage`` is a short, stable, untranslated identifier ("encrypt",
    "import", "scan"); front ends map it to words.
    """

    stage: str
    done: int
    total: int | None = None
    unit: str = "bytes"

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(_event: ProgressEvent) -> None:
    """The default callback: report nothing."""


class CancelToken:
    """A flag a long operation checks at safe points.

    Thread-safe: the GUI thread calls :meth:`cancel`, the worker calls
    :meth:`raise_if_cancelled` between chunks.
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


NEVER_CANCELLED = CancelToken()
"""A token nobody holds; for callers that offer no cancel button."""
