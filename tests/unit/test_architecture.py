"""The layering of the source tree, checked rather than hoped for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import app.core, app.services
names = []
for package in (app.core, app.services):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"))
print(json.dumps({"modules": names, "qt": qt}))
"""


def _run(code: str, *args: str) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=PROJECT, check=True, capture_output=True, text=True
    )
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_core_and_services_never_load_qt() -> None:
    result = _run(_IMPORT_ALL)
    assert result["qt"] == []
    assert "app.services.vault" in result["modules"]
    assert "app.core.store.database" in result["modules"]


_HELP_IMPORTS = """
import contextlib, io, json, sys
from app.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["--help"])
    except SystemExit:
        pass
heavy = ("PySide6", "cryptography", "sqlcipher3", "pyarrow", "httpx", "phonenumbers", "keyring")
print(json.dumps({"loaded": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}))
"""


def test_cli_help_loads_nothing_heavy() -> None:
    """`tessera --help` must answer fast: command modules import lazily."""
    assert _run(_HELP_IMPORTS)["loaded"] == []


def test_no_qt_import_outside_ui() -> None:
    offenders = []
    for path in (PROJECT / "app").rglob("*.py"):
        if "ui" in path.relative_to(PROJECT / "app").parts[:1]:
            continue
        text = path.read_text("utf-8")
        if "PySide6" in text or "shiboken6" in text:
            offenders.append(str(path.relative_to(PROJECT)))
    assert offenders == []
