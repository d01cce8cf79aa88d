"""What the look promises, measured on rendered widgets in both schemes.

Check boxes stand out from the window, combo boxes are as tall as text
fields, a crowded form cannot squeeze a field below the height its text
needs, and a form label sits on its field's line.
"""

from __future__ import annotations

from typing import Any

import pytest

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme as theme_module
from app.ui.theme import ThemeController
from app.ui.widgets.common import align_form_labels, muted


def _form(qtbot: Any) -> tuple[QWidget, QFormLayout]:
    host = QWidget()
    qtbot.addWidget(host)
    return host, QFormLayout(host)


def _column(qtbot: Any, *widgets: QWidget) -> tuple[QWidget, QVBoxLayout]:
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    for widget in widgets:
        layout.addWidget(widget)
    return host, layout


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(colour.redF())
            + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_unchecked_box_has_a_visible_edge(
    qtbot: Any, theme: ThemeController, scheme: str
) -> None:
    theme.set_choice(scheme)
    tokens = theme_module.current()
    box = QCheckBox("Starting on")
    qtbot.addWidget(box)
    box.show()
    image = box.grab().toImage()
    window = QColor(tokens.window)
    edge = max(
        (image.pixelColor(x, y) for x in range(0, 18) for y in range(image.height())),
        key=lambda colour: _contrast(colour, window),
    )
    assert _contrast(edge, window) >= 3.0, edge.name()  # WCAG 1.4.11, non-text contrast
    box.setChecked(True)
    checked = box.grab().toImage()
    colours = {checked.pixelColor(x, y).name() for x in range(18) for y in range(checked.height())}
    assert tokens.accent in colours  # filled in the accent colour
    assert tokens.on_accent in colours  # with a mark on it


def test_combo_and_date_fields_are_as_tall_as_text_fields(
    qtbot: Any, theme: ThemeController
) -> None:
    edit, combo, date = QLineEdit("pay"), QComboBox(), QDateEdit()
    combo.addItems(["Allowed"])
    date.setCalendarPopup(True)
    host, _layout = _column(qtbot, edit, combo, date)
    host.show()
    heights = {type(w).__name__: w.height() for w in (edit, combo, date)}
    assert len(set(heights.values())) == 1, heights


def test_a_squeezed_text_field_keeps_room_for_descenders(
    qtbot: Any, theme: ThemeController
) -> None:
    fields = [QLineEdit("gypsy") for _ in range(6)]
    host, layout = _column(qtbot, *fields)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    host.show()
    host.resize(300, 40)  # far less than six fields want, as in a small window
    qtbot.wait(1)
    metrics = fields[0].fontMetrics()
    for field in fields:
        # text room: the font's full height (ascent and descent), inside padding and border
        assert field.height() >= metrics.height() + 2 * 5 + 2
        assert field.height() >= field.sizeHint().height()


def test_form_labels_sit_on_their_fields_line(qtbot: Any, theme: ThemeController) -> None:
    host, form = _form(qtbot)
    edit, combo, text = QLineEdit(), QComboBox(), QPlainTextEdit()
    combo.addItems(["Allowed"])
    form.addRow("Name:", edit)
    form.addRow("Use:", combo)
    form.addRow("Notes:", text)
    form.addRow("", QCheckBox("Credit me"))
    align_form_labels(form)
    host.show()
    for row, field in enumerate((edit, combo)):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        assert item is not None
        label = item.widget()
        assert abs(label.geometry().center().y() - field.geometry().center().y()) <= 1
    notes = form.itemAt(2, QFormLayout.ItemRole.LabelRole)
    assert notes is not None
    # beside a tall box the label stays on its first line, not in the middle
    assert notes.widget().geometry().top() == text.geometry().top()
    assert notes.widget().height() == edit.height()


def test_wrapped_help_under_a_field_gets_just_the_lines_it_needs(
    qtbot: Any, theme: ThemeController
) -> None:
    host, form = _form(qtbot)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.addRow("Recipient:", QLineEdit())
    help_text = muted(
        "Choosing a network from a list will come once networks can be added; for now, "
        "paste the recipient and id the network publishes."
    )
    form.addRow("", help_text)
    section = QLabel("Uses")
    form.addRow(section)
    align_form_labels(form)
    host.resize(900, 300)
    host.show()
    qtbot.wait(1)
    assert help_text.height() == help_text.heightForWidth(help_text.width())
    caption = form.itemAt(0, QFormLayout.ItemRole.LabelRole)
    assert caption is not None
    assert section.x() == caption.widget().x()  # a section title still spans the row
