"""Line icons that follow the theme.

The SVGs in ``resources/icons`` draw with ``currentColor``. An icon is not
rendered once: its engine paints the SVG in the colour of the current
theme each time Qt asks, choosing by mode (normal, selected, disabled), so
one ``QIcon`` stays right when the user switches between light and dark.
Rendered pixmaps are cached per size, mode and colour.
"""

from __future__ import annotations

import functools
from typing import Literal

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.ui import resources, theme

Tone = Literal["text", "muted", "accent", "on_accent", "danger", "success"]


def _colour(tone: Tone, mode: QIcon.Mode) -> str:
    tokens = theme.current()
    if mode == QIcon.Mode.Disabled:
        return tokens.disabled
    if mode == QIcon.Mode.Selected and tone in ("text", "muted"):
        return tokens.accent_text
    return {
        "text": tokens.text,
        "muted": tokens.muted,
        "accent": tokens.accent,
        "on_accent": tokens.on_accent,
        "danger": tokens.danger,
        "success": tokens.success,
    }[tone]


class TintedSvgEngine(QIconEngine):
    """Paints an SVG template with a theme colour chosen at paint time."""

    def __init__(self, svg: bytes, tone: Tone) -> None:
        super().__init__()
        self._svg = svg
        self._tone: Tone = tone
        self._renderers: dict[str, QSvgRenderer] = {}
        self._cache: dict[tuple[int, int, int, str], QPixmap] = {}

    def _renderer(self, colour: str) -> QSvgRenderer:
        renderer = self._renderers.get(colour)
        if renderer is None:
            data = self._svg.replace(b"currentColor", colour.encode("ascii"))
            renderer = QSvgRenderer(QByteArray(data))
            self._renderers[colour] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        renderer = self._renderer(_colour(self._tone, mode))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(rect))

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        colour = _colour(self._tone, mode)
        width = max(1, round(size.width() * scale))
        height = max(1, round(size.height() * scale))
        key = (width, height, int(mode.value), colour)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        pixmap = QPixmap(width, height)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(colour).render(painter, QRectF(0, 0, width, height))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = pixmap
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def clone(self) -> QIconEngine:
        return TintedSvgEngine(self._svg, self._tone)


_engines: list[TintedSvgEngine] = []  # QIcon does not own a Python engine's lifetime


@functools.cache
def icon(name: str, tone: Tone = "text") -> QIcon:
    """The themed icon ``resources/icons/<name>.svg``; an empty icon if missing."""
    svg = resources.read_bytes(f"icons/{name}.svg")
    if svg is None:
        return QIcon()
    engine = TintedSvgEngine(svg, tone)
    _engines.append(engine)
    return QIcon(engine)


@functools.cache
def app_icon() -> QIcon:
    """Tessera's own full-colour mark, rendered at the usual sizes."""
    svg = resources.read_bytes("icons/tessera.svg")
    result = QIcon()
    if svg is None:
        return result
    renderer = QSvgRenderer(QByteArray(svg))
    for side in (16, 24, 32, 48, 64, 128, 256):
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, side, side))
        painter.end()
        result.addPixmap(pixmap)
    return result
