"""The typed settings registry.

Every setting is declared once, here, with its type, default and a
description; readers and writers go through the declaration, so a typo is an
error rather than a silently new key. Settings that are not secret and are
needed before the vault opens (theme, language) live in ``settings.json``
in the profile. Upgrades between layouts are numbered steps, applied in
order when an older file is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from app.core.errors import InvalidInput
from app.core.fsutil import atomic_write_bytes

T = TypeVar("T")

SETTINGS_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    key: str
    type: type[T]
    default: T
    description: str
    choices: tuple[T, ...] | None = None

    def validate(self, value: object) -> T:
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise InvalidInput(f"setting {self.key} expects {self.type.__name__}")
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise InvalidInput(f"setting {self.key} must be one of: {allowed}")
        return value


REGISTRY: dict[str, Setting[Any]] = {}


def declare(setting: Setting[T]) -> Setting[T]:
    if setting.key in REGISTRY:
        raise ValueError(f"setting {setting.key} declared twice")
    setting.validate(setting.default)
    REGISTRY[setting.key] = setting
    return setting


THEME = declare(
    Setting("ui.theme", str, "system", "Colour scheme", choices=("system", "light", "dark"))
)
LANGUAGE = declare(Setting("ui.language", str, "system", "Interface language"))
PROGRESS_DIALOG_DELAY_MS = declare(
    Setting("ui.progress_dialog_delay_ms", int, 600, "Delay before a progress dialog appears")
)
CRYPTO_WORKERS = declare(
    Setting("crypto.workers", int, 0, "Threads for encryption; 0 means one per core")
)
PII_DETECT_NAMES = declare(
    Setting("datasets.pii_detect_names", bool, False, "Also look for names and street addresses")
)


# Numbered upgrade steps: UPGRADES[n] turns a version-n document into n + 1.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Settings:
    """Values of one profile, persisted atomically on every change."""

    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = dict(values or {})

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            document = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"the settings file {path} is damaged: {exc}") from None
        if not isinstance(document, dict):
            raise InvalidInput(f"the settings file {path} is damaged")
        version = document.get("version", 1)
        while isinstance(version, int) and version < SETTINGS_VERSION:
            document = UPGRADES[version](document)
            version += 1
        values = document.get("values", {})
        known = {k: v for k, v in values.items() if k in REGISTRY}
        clean: dict[str, Any] = {}
        for key, value in known.items():
            try:
                clean[key] = REGISTRY[key].validate(value)
            except InvalidInput:
                continue  # a bad value falls back to the default
        return cls(path, clean)

    def get(self, setting: Setting[T]) -> T:
        value = self._values.get(setting.key, setting.default)
        return setting.validate(value)

    def set(self, setting: Setting[T], value: T) -> None:
        self._values[setting.key] = setting.validate(value)
        self.save()

    def reset(self, setting: Setting[Any]) -> None:
        self._values.pop(setting.key, None)
        self.save()

    def save(self) -> None:
        document = {"version": SETTINGS_VERSION, "values": self._values}
        atomic_write_bytes(self.path, json.dumps(document, indent=2, sort_keys=True).encode())
