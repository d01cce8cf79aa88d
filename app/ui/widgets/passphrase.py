"""Choosing a passphrase: two fields, a strength hint, a plain verdict.

The estimate is deliberately simple and conservative: an upper bound on
guessing work from length and character variety, lowered for repeats and
sequences and for the handful of passphrases every attacker tries first,
with a word count for passphrases made of words. It is a hint to help
people choose; Argon2id behind it makes each guess expensive anyway.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from app.ui import icons
from app.ui.widgets.common import align_form_labels

MIN_LENGTH = 8

_COMMON = frozenset(
    {
        "password",
        "passphrase",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "iloveyou",
        "letmein1",
        "tessera1",
        "password1",
        "abcdefgh",
        "11111111",
    }
)


@dataclass(frozen=True, slots=True)
class Strength:
    """``level`` 0 (unusable) to 4 (strong), and rough ``bits`` of guessing work."""

    level: int
    bits: float


def _pool(text: str) -> int:
    size = 0
    if any(c in string.ascii_lowercase for c in text):
        size += 26
    if any(c in string.ascii_uppercase for c in text):
        size += 26
    if any(c in string.digits for c in text):
        size += 10
    if any(c in string.punctuation or c == " " for c in text):
        size += 33
    if any(ord(c) > 127 for c in text):
        size += 100
    return max(size, 1)


def _effective_length(text: str) -> float:
    """Length with runs and simple sequences counted cheaply."""
    length = 0.0
    previous = ""
    for char in text:
        if char == previous:
            length += 0.25
        elif previous and abs(ord(char) - ord(previous)) == 1:
            length += 0.5
        else:
            length += 1.0
        previous = char
    return length


def estimate(text: str) -> Strength:
    if not text:
        return Strength(0, 0.0)
    if text.lower() in _COMMON or len(set(text)) <= 2:
        return Strength(0, 0.0)
    bits = _effective_length(text) * math.log2(_pool(text))
    words = [w for w in re.split(r"[\s\-_.,]+", text) if len(w) >= 3]
    if len(words) >= 3:
        bits = max(bits, len(words) * 12.0)
    if len(text) < MIN_LENGTH:
        level = 0
    elif bits < 36:
        level = 1
    elif bits < 50:
        level = 2
    elif bits < 70:
        level = 3
    else:
        level = 4
    return Strength(level, bits)


def verdict(strength: Strength, length: int) -> str:
    """A one-line judgement of a passphrase being typed."""
    translate = QCoreApplication.translate
    if length == 0:
        return translate(
            "NewPassphraseFields", "Use a few unrelated words: easy to remember, hard to guess."
        )
    if length < MIN_LENGTH:
        return translate(
            "NewPassphraseFields", "Too short: use at least %n characters.", None, MIN_LENGTH
        )
    return [
        translate("NewPassphraseFields", "Too easy to guess. Choose something less common."),
        translate("NewPassphraseFields", "Weak. Add a word or two."),
        translate("NewPassphraseFields", "Fair. One more word would make it much stronger."),
        translate("NewPassphraseFields", "Good."),
        translate("NewPassphraseFields", "Strong."),
    ][strength.level]


class NewPassphraseFields(QWidget):
    """A new passphrase typed twice, with a strength hint.

    Signals:
        changed: the fields changed; ask :meth:`passphrase` for the result.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.first.setAccessibleName(self.tr("New passphrase"))
        self.second = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.second.setAccessibleName(self.tr("Repeat the passphrase"))
        self._reveal = self.first.addAction(
            icons.icon("eye", "muted"), QLineEdit.ActionPosition.TrailingPosition
        )
        self._reveal.setCheckable(True)
        self._reveal.setToolTip(self.tr("Show the passphrase"))
        self._reveal.toggled.connect(self._on_reveal)
        self.meter = QProgressBar(textVisible=False, maximum=4)
        self.meter.setObjectName("strengthMeter")
        self.meter.setFixedHeight(6)
        self.meter.setAccessibleName(self.tr("Passphrase strength"))
        self.hint = QLabel(wordWrap=True)
        self.hint.setProperty("muted", True)
        self.match = QLabel(wordWrap=True)
        self.match.setProperty("muted", True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("&Passphrase"), self.first)
        form.addRow("", self.meter)
        form.addRow("", self.hint)
        form.addRow(self.tr("&Repeat"), self.second)
        form.addRow("", self.match)
        align_form_labels(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)

        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def _on_reveal(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.first.setEchoMode(mode)
        self.second.setEchoMode(mode)
        self._reveal.setIcon(icons.icon("eye-off" if shown else "eye", "muted"))
        self._reveal.setToolTip(
            self.tr("Hide the passphrase") if shown else self.tr("Show the passphrase")
        )

    def _update(self) -> None:
        text = self.first.text()
        strength = estimate(text)
        self.meter.setValue(strength.level if len(text) >= MIN_LENGTH else 0)
        self.meter.setProperty("level", strength.level)
        self.meter.style().unpolish(self.meter)
        self.meter.style().polish(self.meter)
        self.hint.setText(verdict(strength, len(text)))
        repeat = self.second.text()
        if not repeat:
            self.match.setText("")
        elif repeat == text:
            self.match.setText(self.tr("The passphrases match."))
        else:
            self.match.setText(self.tr("The passphrases do not match yet."))
        self.changed.emit()

    def passphrase(self) -> str | None:
        """The chosen passphrase once it is long enough and typed twice alike."""
        text = self.first.text()
        if len(text) < MIN_LENGTH or estimate(text).level == 0 or text != self.second.text():
            return None
        return text

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()

    def focus_first(self) -> None:
        self.first.setFocus(Qt.FocusReason.OtherFocusReason)
