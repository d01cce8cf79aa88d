"""Resources are found, icons draw in the theme's colours, the style sheet is whole."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from app.ui import icons, resources
from app.ui import theme as theme_module
from app.ui.theme import DARK, LIGHT, ThemeController, Tokens, render_stylesheet

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_UI = PROJECT_ROOT / "app" / "ui"


def _icon_names_used_in_code() -> set[str]:
    first_argument = re.compile(r'(?:icons\.icon|IconLabel|set_icon)\(\s*"([a-z-]+)"')
    action_icon = re.compile(r'self\._action\(\s*[^,]+,\s*"([a-z-]+)"')
    names: set[str] = set()
    for path in APP_UI.rglob("*.py"):
        text = path.read_text("utf-8")
        names.update(first_argument.findall(text))
        names.update(action_icon.findall(text))
    from app.ui.main_window import PAGES

    names.update(spec.icon for spec in PAGES)
    return names


def test_resources_are_found_beside_the_package() -> None:
    root = resources.resource_root()
    assert root is not None
    assert Path(str(root)) == PROJECT_ROOT / "resources"
    assert resources.read_bytes("icons/copy.svg") is not None
    assert resources.read_bytes("icons/no-such-icon.svg") is None


def test_every_icon_file_is_a_valid_svg_that_follows_the_theme() -> None:
    folder = PROJECT_ROOT / "resources" / "icons"
    svgs = sorted(folder.glob("*.svg"))
    assert len(svgs) >= 20
    for path in svgs:
        data = path.read_bytes()
        assert QSvgRenderer(QByteArray(data)).isValid(), path.name
        if path.stem != "tessera":  # the app's own mark keeps its colours
            assert b"currentColor" in data, path.name
            assert not re.search(rb"#[0-9a-fA-F]{3,6}", data), path.name


def test_every_icon_the_code_names_exists() -> None:
    names = _icon_names_used_in_code()
    assert {"copy", "lock", "identities", "settings"} <= names
    missing = sorted(n for n in names if resources.read_bytes(f"icons/{n}.svg") is None)
    assert missing == []


def test_a_missing_icon_is_an_empty_icon_not_a_crash(qapp: QApplication) -> None:
    assert icons.icon("no-such-icon").isNull()


def _ink(icon: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> set[str]:
    image = icon.pixmap(24, 24, mode).toImage()
    colours = set()
    for x in range(image.width()):
        for y in range(image.height()):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                colours.add(colour.name())
    return colours


def test_icons_are_drawn_in_the_current_theme(qapp: QApplication, theme: ThemeController) -> None:
    lock = icons.icon("lock")
    assert _ink(lock) == {LIGHT.text}
    assert _ink(lock, QIcon.Mode.Disabled) == {LIGHT.disabled}
    theme.set_choice("dark")
    assert _ink(lock) == {DARK.text}  # the same QIcon, repainted
    assert _ink(icons.icon("star-filled", "accent")) == {DARK.accent}


def test_the_app_icon_has_the_usual_sizes(qapp: QApplication) -> None:
    sizes = {(s.width(), s.height()) for s in icons.app_icon().availableSizes()}
    assert {(16, 16), (32, 32), (256, 256)} <= sizes


@pytest.mark.parametrize("tokens", [LIGHT, DARK], ids=["light", "dark"])
def test_the_style_sheet_fills_every_token(tokens: Tokens) -> None:
    template = resources.read_text("styles/tessera.qss")
    assert template is not None
    sheet = render_stylesheet(template, tokens)
    assert "@" not in sheet
    for name in ("sidebar", "accent", "accent_soft", "danger"):
        assert getattr(tokens, name) in sheet


def test_an_unknown_token_is_an_error() -> None:
    with pytest.raises(KeyError, match="@nope"):
        render_stylesheet("QWidget { color: @nope; }", LIGHT)


def test_both_schemes_define_every_colour_differently() -> None:
    for field in fields(Tokens):
        if field.name == "dark":
            continue
        light, dark = getattr(LIGHT, field.name), getattr(DARK, field.name)
        assert re.fullmatch(r"#[0-9a-f]{6}", light)
        assert re.fullmatch(r"#[0-9a-f]{6}", dark)
    assert LIGHT.window != DARK.window
    assert LIGHT.text != DARK.text


def test_applying_a_scheme_sets_palette_and_sheet(
    qapp: QApplication, theme: ThemeController, qtbot: Any
) -> None:
    changed: list[Tokens] = []
    theme.changed.connect(changed.append)
    theme.set_choice("dark")
    assert theme_module.current() is DARK
    assert qapp.palette().window().color().name() == DARK.window
    assert DARK.sidebar in qapp.styleSheet()
    assert qapp.property("tessera-style") == "fusion"
    theme.set_choice("light")
    assert changed == [DARK, LIGHT]
    with pytest.raises(ValueError, match="unknown theme"):
        theme.set_choice("sepia")


def test_system_follows_the_platform(qapp: QApplication, theme: ThemeController) -> None:
    theme.set_choice("system")
    expected = DARK if qapp.styleHints().colorScheme() == Qt.ColorScheme.Dark else LIGHT
    assert theme.choice == "system"
    assert qapp.palette().window().color().name() == expected.window
    assert theme_module.current() is expected
