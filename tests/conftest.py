"""Suite-wide fixtures and guards.

Every test runs with ``TESSERA_FORBID_HOME`` set, offscreen Qt and its own
data folder, so nothing ever touches a developer's real profile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["TESSERA_FORBID_HOME"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("TESSERA_DATA_DIR", None)
os.environ.pop("TESSERA_PASSPHRASE", None)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.helpers.keyring_service"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, private profile folder pinned for the duration of the test."""
    from app import paths

    folder = tmp_path / "profile"
    paths.set_data_dir(folder)
    try:
        yield paths.data_dir()
    finally:
        paths.set_data_dir(None)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project: the test data from outside.

    Missing shared data skips the test, except under ``CI=true`` where it is
    a failure: CI always has it.
    """
    folder = Path(os.environ.get("TESSERA_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared test data not found at {folder} (required under CI=true)")
        pytest.skip(f"shared test data not found at {folder}")
    return folder
