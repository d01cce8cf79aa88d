"""What every step of the prepare wizard shares.

A step is a widget with a title, a way to say whether the user may go on,
and an ``advance`` that may run work (a scan, the preparation, signing)
before the wizard moves to the next step. The wizard's shared state is a
:class:`~app.ui.wizard.state.Draft` passed in, not a global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.prompts import Prompts
from app.ui.vault import VaultHandle
from app.ui.wizard.state import Draft


@dataclass
class WizardContext:
    """What the steps need: the vault (for ops), the prompts, the draft."""

    vault: VaultHandle
    prompts: Prompts
    draft: Draft


class Step(QWidget):
    """One screen of the wizard.

    Signals:
        changed: whether the user may go on may have changed.
    """

    changed = Signal()
    key = "step"

    def __init__(self, context: WizardContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(12)

    @property
    def draft(self) -> Draft:
        return self.context.draft

    def title(self) -> str:
        raise NotImplementedError

    def subtitle(self) -> str:
        return ""

    def next_label(self) -> str:
        return self.tr("Next")

    def enter(self) -> None:
        """The step is shown (going forward or back)."""

    def can_advance(self) -> bool:
        return True

    def busy(self) -> bool:
        """Work of this step is running; the wizard waits for its ``changed``."""
        return False

    def can_go_back(self) -> bool:
        return True

    def advance(self, done: Callable[[], None]) -> None:
        """Finish this step's work, then call ``done`` to move on (or don't, on failure)."""
        done()

    def leave(self) -> None:
        """The wizard is closing: cancel work, forget what must not linger."""
