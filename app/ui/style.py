"""Check boxes, radio buttons, combo boxes and spin boxes drawn in the theme's colours.

Fusion draws these from palette shades it derives itself: on a dark window
its check box border is darker than the window and all but disappears, its
combo boxes are a flat grey bar shorter than the text fields beside them,
and its arrows stay grey whatever the theme. A style sheet can restyle them
only with picture files, one per colour and state (a rule for the frame
alone takes the arrow away). This proxy draws them as vectors from the
current :class:`~app.ui.theme.Tokens` instead, so they follow light and
dark, hover, focus, disabled and checked, at any screen scale, and have the
same height and text inset as the style sheet gives a ``QLineEdit``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionComboBox,
    QStyleOptionComplex,
    QStyleOptionSpinBox,
    QWidget,
)

from app.ui import theme

_INDICATOR = 16
_P = QStyle.PrimitiveElement
_CC = QStyle.ComplexControl
_SC = QStyle.SubControl
_PAD_X = 9  # border and padding before the text, as tessera.qss gives QLineEdit
_PAD_Y = 6
_TEXT_ROOM = 18  # the min-height tessera.qss gives QLineEdit
_ARROW_W = 24
_RADIUS = 7


def line_field_height(metrics: QFontMetrics) -> int:
    """The height of a one-line field (text field, combo, spin box) for this font."""
    return max(metrics.height(), _TEXT_ROOM) + 2 * _PAD_Y


class TesseraStyle(QProxyStyle):
    """Fusion, with indicators and arrows in the theme's colours."""

    def pixelMetric(
        self, metric: QStyle.PixelMetric, option: QStyleOption | None = None, widget: Any = None
    ) -> int:
        if metric in (
            QStyle.PixelMetric.PM_IndicatorWidth,
            QStyle.PixelMetric.PM_IndicatorHeight,
            QStyle.PixelMetric.PM_ExclusiveIndicatorWidth,
            QStyle.PixelMetric.PM_ExclusiveIndicatorHeight,
        ):
            return _INDICATOR
        return super().pixelMetric(metric, option, widget)

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in (_P.PE_IndicatorCheckBox, _P.PE_IndicatorItemViewItemCheck):
            _check_box(option, painter)
        elif element == _P.PE_IndicatorRadioButton:
            _radio_button(option, painter)
        elif element in (_P.PE_IndicatorArrowDown, _P.PE_IndicatorArrowUp):
            _chevron(option, painter, down=element == _P.PE_IndicatorArrowDown)
        else:
            super().drawPrimitive(element, option, painter, widget)

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if control == _CC.CC_ComboBox and isinstance(option, QStyleOptionComboBox):
            _field_frame(option, painter, raised=not option.editable)
            arrow = self.subControlRect(control, option, _SC.SC_ComboBoxArrow, widget)
            _chevron_in(QRectF(arrow), option, painter, down=True)
        elif control == _CC.CC_SpinBox and isinstance(option, QStyleOptionSpinBox):
            _field_frame(option, painter, raised=False)
            if option.buttonSymbols != QAbstractSpinBox.ButtonSymbols.NoButtons:
                for sub, down in ((_SC.SC_SpinBoxUp, False), (_SC.SC_SpinBoxDown, True)):
                    rect = QRectF(self.subControlRect(control, option, sub, widget))
                    _chevron_in(rect, option, painter, down=down)
        else:
            super().drawComplexControl(control, option, painter, widget)

    def subControlRect(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        sub: QStyle.SubControl,
        widget: QWidget | None = None,
    ) -> QRect:
        rect = option.rect
        if control == _CC.CC_ComboBox:
            if sub == _SC.SC_ComboBoxArrow:
                return QRect(rect.right() - _ARROW_W, rect.top(), _ARROW_W, rect.height())
            if sub == _SC.SC_ComboBoxEditField:
                return rect.adjusted(_PAD_X, 1, -_ARROW_W, -1)
            if sub == _SC.SC_ComboBoxFrame:
                return rect
        if control == _CC.CC_SpinBox and isinstance(option, QStyleOptionSpinBox):
            buttons = option.buttonSymbols != QAbstractSpinBox.ButtonSymbols.NoButtons
            width = _ARROW_W - 4 if buttons else 0
            half = rect.height() // 2
            if sub == _SC.SC_SpinBoxUp:
                return QRect(rect.right() - width, rect.top() + 2, width, half - 2)
            if sub == _SC.SC_SpinBoxDown:
                return QRect(rect.right() - width, rect.top() + half, width, half - 2)
            if sub == _SC.SC_SpinBoxEditField:
                return rect.adjusted(_PAD_X, 1, -width - 2, -1)
            if sub == _SC.SC_SpinBoxFrame:
                return rect
        return super().subControlRect(control, option, sub, widget)  # type: ignore[arg-type]

    def sizeFromContents(
        self,
        kind: QStyle.ContentsType,
        option: QStyleOption,
        size: QSize,
        widget: QWidget | None = None,
    ) -> QSize:
        """Combo and spin boxes as tall as a text field, with room for text and arrow."""
        if kind in (QStyle.ContentsType.CT_ComboBox, QStyle.ContentsType.CT_SpinBox):
            height = line_field_height(option.fontMetrics)
            return QSize(size.width() + 2 * _PAD_X + _ARROW_W, height)
        return super().sizeFromContents(kind, option, size, widget)  # type: ignore[arg-type]


def _state(option: QStyleOption) -> tuple[bool, bool, bool]:
    flags = option.state
    enabled = bool(flags & QStyle.StateFlag.State_Enabled)
    on = bool(flags & (QStyle.StateFlag.State_On | QStyle.StateFlag.State_NoChange))
    hover = bool(flags & QStyle.StateFlag.State_MouseOver) and enabled
    return enabled, on, hover


def _box(option: QStyleOption, side: float) -> QRectF:
    rect = QRectF(option.rect)
    side = min(side, rect.width(), rect.height())
    return QRectF(
        rect.center().x() - side / 2 + 0.5, rect.center().y() - side / 2 + 0.5, side - 1, side - 1
    )


def _colours(option: QStyleOption) -> tuple[QColor, QColor, QColor]:
    """Border, fill and mark of an indicator in its state."""
    tokens = theme.current()
    enabled, on, hover = _state(option)
    if not enabled:
        fill = tokens.strong_border if on else tokens.alt_base
        return QColor(tokens.strong_border), QColor(fill), QColor(tokens.disabled)
    if on:
        fill = tokens.accent_hover if hover else tokens.accent
        return QColor(fill), QColor(fill), QColor(tokens.on_accent)
    border = tokens.accent if hover else tokens.control_edge
    return QColor(border), QColor(tokens.base), QColor(tokens.on_accent)


def _check_box(option: QStyleOption, painter: QPainter) -> None:
    border, fill, mark = _colours(option)
    box = _box(option, _INDICATOR)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(border, 1))
    painter.setBrush(fill)
    painter.drawRoundedRect(box, 4, 4)
    pen = QPen(mark, max(1.5, box.width() / 8))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    w, x, y = box.width(), box.left(), box.top()
    if option.state & QStyle.StateFlag.State_NoChange:
        painter.drawLine(QPointF(x + w * 0.28, y + w / 2), QPointF(x + w * 0.72, y + w / 2))
    elif option.state & QStyle.StateFlag.State_On:
        path = QPainterPath(QPointF(x + w * 0.25, y + w * 0.52))
        path.lineTo(QPointF(x + w * 0.43, y + w * 0.70))
        path.lineTo(QPointF(x + w * 0.76, y + w * 0.32))
        painter.drawPath(path)
    painter.restore()


def _radio_button(option: QStyleOption, painter: QPainter) -> None:
    border, _fill, _mark = _colours(option)
    tokens = theme.current()
    enabled, on, _hover = _state(option)
    box = _box(option, _INDICATOR)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(border, 1.5 if on else 1))
    painter.setBrush(QColor(tokens.base if enabled else tokens.alt_base))
    painter.drawEllipse(box)
    if on:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(border)
        dot = box.width() * 0.25
        painter.drawEllipse(box.center(), dot, dot)
    painter.restore()


def _field_frame(option: QStyleOption, painter: QPainter, *, raised: bool) -> None:
    """The rounded frame of a one-line field; ``raised`` for a choice that opens a list."""
    tokens = theme.current()
    enabled, _on, hover = _state(option)
    focus = bool(option.state & QStyle.StateFlag.State_HasFocus) and enabled
    if not enabled:
        fill, border = tokens.alt_base, tokens.border
    elif raised:
        fill = tokens.hover if hover else tokens.button
        border = tokens.accent if focus else tokens.strong_border
    else:
        fill = tokens.base
        border = tokens.accent if focus else tokens.strong_border if hover else tokens.border
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(border), 1))
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5), _RADIUS, _RADIUS)
    painter.restore()


def _chevron_in(rect: QRectF, option: QStyleOption, painter: QPainter, *, down: bool) -> None:
    arrow = QStyleOption(option)
    arrow.rect = rect.toRect()
    _chevron(arrow, painter, down=down)


def _chevron(option: QStyleOption, painter: QPainter, *, down: bool) -> None:
    tokens = theme.current()
    enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
    rect = QRectF(option.rect)
    half = min(4.0, rect.width() / 3, rect.height() / 3)
    centre = rect.center()
    rise = half / 2 if down else -half / 2
    pen = QPen(QColor(tokens.muted if enabled else tokens.disabled), 1.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(pen)
    path = QPainterPath(QPointF(centre.x() - half, centre.y() - rise))
    path.lineTo(QPointF(centre.x(), centre.y() + rise))
    path.lineTo(QPointF(centre.x() + half, centre.y() - rise))
    painter.drawPath(path)
    painter.restore()
