"""Every folder Tessera reads or writes comes from here.

One profile lives in one data folder: the vault, prepared datasets, the
outbox and settings. The folder is chosen, in order, by ``--data-dir``, the
``TESSERA_DATA_DIR`` environment variable, or the platform's user data
folder. Folders are created private (``0o700``) because even encrypted
files reveal sizes and names to other local users.

Tests set ``TESSERA_FORBID_HOME=1`` so that code reaching for the real
platform folder fails loudly instead of touching a developer's profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from app import APP_NAME

ENV_DATA_DIR = "TESSERA_DATA_DIR"
ENV_FORBID_HOME = "TESSERA_FORBID_HOME"

_override: Path | None = None


class HomeForbiddenError(RuntimeError):
    """Raised under tests when code would fall back to the real user folder."""


def set_data_dir(path: str | os.PathLike[str] | None) -> None:
    """Pin the data folder for this process (the ``--data-dir`` option)."""
    global _override
    _override = None if path is None else Path(path).expanduser().resolve()


def data_dir(*, create: bool = True) -> Path:
    """The profile folder, created ``0o700`` unless ``create`` is false."""
    if _override is not None:
        path = _override
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR]).expanduser().resolve()
    else:
        if os.environ.get(ENV_FORBID_HOME):
            raise HomeForbiddenError(
                "the real user data folder was requested under tests; "
                f"set {ENV_DATA_DIR} or call set_data_dir()"
            )
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create:
        ensure_private_dir(path)
    return path


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make the leaf readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def subdir(name: str) -> Path:
    return ensure_private_dir(data_dir() / name)


def vault_path() -> Path:
    return data_dir() / "vault.db"


def custody_path() -> Path:
    """Describes how the vault key is held (keyring or passphrase-wrapped)."""
    return data_dir() / "custody.json"


def settings_path() -> Path:
    return data_dir() / "settings.json"


def datasets_dir() -> Path:
    """Prepared datasets: age-encrypted packages, never plaintext."""
    return subdir("datasets")


def submissions_dir() -> Path:
    return subdir("submissions")


def temp_dir() -> Path:
    """Scratch space inside the profile, so temporary files share its privacy
    and its filesystem (an atomic rename needs the same filesystem)."""
    return subdir("tmp")


def logs_dir() -> Path:
    return subdir("logs")
