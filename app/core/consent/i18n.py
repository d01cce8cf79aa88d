"""Markers for words shown to people, so they can be translated later.

Strings made at import time are wrapped in :func:`N_` (marked, not
translated); at display time the front end passes its translator (Qt's
``tr`` or gettext) as ``translate``. Placeholders are named
(``{use}``) so a translation can reorder them; a translation whose
placeholders differ from the source must be rejected by the catalogue check.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark ``message`` for extraction; returns it unchanged."""
    return message


def untranslated(message: str) -> str:
    """The default translator: the source (English) text."""
    return message
