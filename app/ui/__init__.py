"""The desktop front end: the only package that imports Qt (PySide6)."""

from app.ui import pyside_fixes

pyside_fixes.apply()
