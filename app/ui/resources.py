"""Finding Tessera's resource files (icons, styles, translations).

``resources/`` sits at the project root, beside the ``app`` package, not
inside it: one tree serves the desktop app, packaging and the docs. In a
source checkout or an editable install it is found next to the package; an
installed or bundled Tessera may carry it inside the package instead, or in
``<prefix>/share/tessera``. Everything returned is an
``importlib.resources`` ``Traversable``, so callers never care which.

A missing file is not fatal: the app falls back to no icon or the built-in
style rather than refusing to start.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from importlib import resources as importlib_resources
from importlib.resources.abc import Traversable
from pathlib import Path

import app

ENV_RESOURCES = "TESSERA_RESOURCES"


def _candidates() -> list[Traversable]:
    found: list[Traversable] = []
    override = os.environ.get(ENV_RESOURCES)
    if override:
        found.append(Path(override))
    package_dir = Path(app.__file__).resolve().parent
    found.append(package_dir.parent / "resources")
    with contextlib.suppress(ModuleNotFoundError, TypeError):  # frozen oddities
        found.append(importlib_resources.files("app").joinpath("resources"))
    found.append(Path(sys.prefix) / "share" / "tessera" / "resources")
    return found


@functools.cache
def resource_root() -> Traversable | None:
    """The first resources folder that exists, or ``None``."""
    for candidate in _candidates():
        try:
            if candidate.is_dir():
                return candidate
        except OSError:  # pragma: no cover - an unreadable candidate is skipped
            continue
    return None


def resource(relative: str) -> Traversable | None:
    """``relative`` (``"icons/copy.svg"``) inside the resources, if present."""
    root = resource_root()
    if root is None:
        return None
    item = root
    for part in relative.split("/"):
        item = item.joinpath(part)
    try:
        return item if item.is_file() else None
    except OSError:  # pragma: no cover
        return None


@functools.cache
def read_bytes(relative: str) -> bytes | None:
    """The bytes of a resource, cached: icons are read once per process."""
    item = resource(relative)
    if item is None:
        return None
    try:
        return item.read_bytes()
    except OSError:  # pragma: no cover - unreadable resource: fall back
        return None


def read_text(relative: str) -> str | None:
    data = read_bytes(relative)
    return None if data is None else data.decode("utf-8")


def translation_dirs() -> list[Path]:
    """Folders that may hold compiled ``tessera_<lang>.qm`` files.

    ``.qm`` files are built from ``translations/*.ts`` and never committed;
    a checkout has them beside the sources after the build step, a bundle
    inside its resources.
    """
    package_dir = Path(app.__file__).resolve().parent
    folders = [package_dir.parent / "translations"]
    root = resource_root()
    if isinstance(root, Path):
        folders.append(root / "translations")
    return [folder for folder in folders if folder.is_dir()]
