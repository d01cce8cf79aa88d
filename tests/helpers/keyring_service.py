"""A real Secret Service for the tests: dbus plus gnome-keyring.

The fixture starts a private session bus and an unlocked gnome-keyring
daemon in a throwaway home, points ``DBUS_SESSION_BUS_ADDRESS`` at it, and
tears both down at the end of the session. Tests that need it use the
``secret_service`` fixture; where the programs are missing they are skipped,
except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _missing(programs: list[str]) -> list[str]:
    return [p for p in programs if shutil.which(p) is None]


@pytest.fixture(scope="session")
def secret_service() -> Iterator[str]:
    """Yield the session bus address of a running, unlocked gnome-keyring."""
    missing = _missing(["dbus-daemon", "gnome-keyring-daemon"])
    if missing:
        reason = f"Secret Service programs not installed: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)

    home = Path(tempfile.mkdtemp(prefix="tessera-keyring-"))
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    (home / "run").mkdir(mode=0o700)
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    address, pid_text = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_proc = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
        env=env,
        input="tessera-test-login\n",
        capture_output=True,
        text=True,
        check=True,
    )
    keyring_pid = None
    for line in keyring_proc.stdout.splitlines():
        if line.startswith("GNOME_KEYRING_PID="):
            keyring_pid = int(line.split("=", 1)[1])
    saved = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    try:
        yield address
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for pid in (keyring_pid, int(pid_text)):
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        shutil.rmtree(home, ignore_errors=True)
