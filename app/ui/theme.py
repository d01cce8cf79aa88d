"""Light and dark appearance: one set of named colours per scheme.

Every colour the app paints comes from a :class:`Tokens` set: the Qt
palette is built from it, the style sheet (``resources/styles/tessera.qss``)
names tokens as ``@name`` and is filled in here, and icons are tinted from
it at paint time. Nothing else hard-codes a colour, so switching scheme
cannot leave a dark label on a dark background.

The theme setting is ``system``, ``light`` or ``dark``. ``system`` follows
``QStyleHints.colorScheme`` and changes live when the desktop does; where
the platform does not say (``Unknown``), light is used.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from app.ui import resources

THEME_CHOICES = ("system", "light", "dark")


@dataclass(frozen=True, slots=True)
class Tokens:
    """The named colours of one scheme (``#rrggbb``).

    ``control_edge`` outlines small controls with no fill of their own (an
    unchecked box, a radio button) at 3:1 contrast or more against the
    window, as WCAG asks of a component's boundary.
    """

    dark: bool
    window: str
    sidebar: str
    base: str
    alt_base: str
    button: str
    hover: str
    pressed: str
    border: str
    strong_border: str
    control_edge: str
    text: str
    muted: str
    disabled: str
    accent: str
    accent_hover: str
    accent_soft: str
    accent_text: str
    on_accent: str
    danger: str
    danger_soft: str
    success: str
    tooltip: str
    tooltip_text: str


LIGHT = Tokens(
    dark=False,
    window="#f7f7f9",
    sidebar="#eef0f4",
    base="#ffffff",
    alt_base="#f5f6f8",
    button="#ffffff",
    hover="#e6e9ef",
    pressed="#dde1e8",
    border="#dcdfe5",
    strong_border="#b9bec8",
    control_edge="#878d98",
    text="#1d2026",
    muted="#5d6470",
    disabled="#a3a8b1",
    accent="#4452c9",
    accent_hover="#3a47b3",
    accent_soft="#dfe3fb",
    accent_text="#2f3a9e",
    on_accent="#ffffff",
    danger="#b3261e",
    danger_soft="#fbe4e2",
    success="#2e7d4f",
    tooltip="#2b2f36",
    tooltip_text="#f4f5f7",
)

DARK = Tokens(
    dark=True,
    window="#1c1d21",
    sidebar="#16171a",
    base="#24262b",
    alt_base="#282a30",
    button="#2c2f35",
    hover="#33363d",
    pressed="#3b3f47",
    border="#383b42",
    strong_border="#4d515a",
    control_edge="#737883",
    text="#e7e8ec",
    muted="#a0a5af",
    disabled="#6a6f78",
    accent="#8391ff",
    accent_hover="#97a3ff",
    accent_soft="#2f3560",
    accent_text="#b9c1ff",
    on_accent="#11131a",
    danger="#ff8a80",
    danger_soft="#4a2423",
    success="#7bd19a",
    tooltip="#e7e8ec",
    tooltip_text="#1d2026",
)

_current: Tokens = LIGHT


def current() -> Tokens:
    """The tokens of the scheme in use (light before any theme is applied)."""
    return _current


def resolve_scheme(choice: str) -> Tokens:
    """The tokens for a theme setting, asking the platform for ``system``."""
    if choice == "dark":
        return DARK
    if choice == "light":
        return LIGHT
    scheme = QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def build_palette(tokens: Tokens) -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: tokens.window,
        QPalette.ColorRole.WindowText: tokens.text,
        QPalette.ColorRole.Base: tokens.base,
        QPalette.ColorRole.AlternateBase: tokens.alt_base,
        QPalette.ColorRole.ToolTipBase: tokens.tooltip,
        QPalette.ColorRole.ToolTipText: tokens.tooltip_text,
        QPalette.ColorRole.PlaceholderText: tokens.muted,
        QPalette.ColorRole.Text: tokens.text,
        QPalette.ColorRole.Button: tokens.button,
        QPalette.ColorRole.ButtonText: tokens.text,
        QPalette.ColorRole.BrightText: tokens.on_accent,
        QPalette.ColorRole.Light: tokens.base,
        QPalette.ColorRole.Midlight: tokens.alt_base,
        QPalette.ColorRole.Mid: tokens.border,
        QPalette.ColorRole.Dark: tokens.strong_border,
        QPalette.ColorRole.Shadow: tokens.strong_border,
        QPalette.ColorRole.Highlight: tokens.accent,
        QPalette.ColorRole.HighlightedText: tokens.on_accent,
        QPalette.ColorRole.Link: tokens.accent_text,
        QPalette.ColorRole.LinkVisited: tokens.accent_text,
        QPalette.ColorRole.Accent: tokens.accent,
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.PlaceholderText,
    ):
        palette.setColor(disabled, role, QColor(tokens.disabled))
    palette.setColor(disabled, QPalette.ColorRole.Highlight, QColor(tokens.strong_border))
    # A disabled field's ground, where Qt paints it from the palette (the edit in a spin box).
    palette.setColor(disabled, QPalette.ColorRole.Base, QColor(tokens.alt_base))
    return palette


_TOKEN = re.compile(r"@([a-z_]+)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)

FALLBACK_QSS = "QListWidget#nav { border: none; }"


def render_stylesheet(template: str, tokens: Tokens) -> str:
    """Fill ``@name`` tokens; an unknown token is an error, not a guess."""
    values = {key: value for key, value in asdict(tokens).items() if isinstance(value, str)}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"style sheet names an unknown colour token @{name}")
        return values[name]

    return _TOKEN.sub(replace, _COMMENT.sub("", template))


def apply(app: QApplication, tokens: Tokens) -> None:
    """Make ``tokens`` the app's look: style, palette and style sheet."""
    global _current
    _current = tokens
    if app.property("tessera-style") != "fusion":
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            from app.ui.style import TesseraStyle  # the style reads tokens from this module

            app.setStyle(TesseraStyle(fusion))
            app.setProperty("tessera-style", "fusion")
    app.setPalette(build_palette(tokens))
    template = resources.read_text("styles/tessera.qss") or FALLBACK_QSS
    app.setStyleSheet(render_stylesheet(template, tokens))


class ThemeController(QObject):
    """Keeps the app's look in step with the theme setting and the desktop.

    Signals:
        changed: the scheme in use changed (argument: the new ``Tokens``).
    """

    changed = Signal(object)

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._choice = choice if choice in THEME_CHOICES else "system"
        app.styleHints().colorSchemeChanged.connect(self.on_color_scheme_changed)

    @property
    def choice(self) -> str:
        return self._choice

    def set_choice(self, choice: str) -> None:
        if choice not in THEME_CHOICES:
            raise ValueError(f"unknown theme {choice!r}")
        self._choice = choice
        self.refresh()

    def refresh(self) -> None:
        tokens = resolve_scheme(self._choice)
        apply(self._app, tokens)
        self.changed.emit(tokens)

    def on_color_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._choice == "system":
            self.refresh()
