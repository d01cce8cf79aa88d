"""What every command handler gets: output, prompts, progress, the vault.

Handlers print through :meth:`CliContext.emit` so that ``--json`` works the
same everywhere, ask for passphrases through :meth:`CliContext.passphrase`
(``TESSERA_PASSPHRASE`` first, for scripts), and open the vault through
:meth:`CliContext.open_vault`, which is closed when the command ends.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
import traceback
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from app.core.errors import TesseraError
from app.core.progress import ProgressCallback, ProgressEvent

if TYPE_CHECKING:
    from app.services.vault import Session

ENV_PASSPHRASE = "TESSERA_PASSPHRASE"  # noqa: S105 - a variable name


class CliContext:
    def __init__(
        self,
        *,
        json_output: bool = False,
        debug: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.json = json_output
        self.debug = debug
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._session: Session | None = None

    # --- output -------------------------------------------------------------

    def emit(self, data: object, text: str | None = None) -> None:
        """Print ``data`` as JSON under ``--json``, else ``text`` (if any)."""
        if self.json:
            json.dump(data, self.stdout, indent=2, ensure_ascii=False, default=str)
            self.stdout.write("\n")
        elif text is not None:
            self.stdout.write(text if text.endswith("\n") else text + "\n")
        self.stdout.flush()

    def note(self, text: str) -> None:
        """A human remark on stderr; never mixed into machine output."""
        if not self.json:
            self.stderr.write(text + "\n")
            self.stderr.flush()

    def stdin_binary(self) -> BinaryIO:
        return sys.stdin.buffer

    def stdout_binary(self) -> BinaryIO:
        return sys.stdout.buffer

    # --- prompts ------------------------------------------------------------

    def passphrase(self, prompt: str, *, confirm: bool = False) -> str:
        """The passphrase from ``TESSERA_PASSPHRASE``, or asked on the terminal."""
        from_env = os.environ.get(ENV_PASSPHRASE)
        if from_env is not None:
            return from_env
        if not _has_tty():
            raise TesseraError(
                "a passphrase is needed and there is no terminal to ask on",
                hint=f"set {ENV_PASSPHRASE} for scripts",
            )
        first = getpass.getpass(f"{prompt}: ")
        if confirm:
            second = getpass.getpass("Repeat it: ")
            if first != second:
                raise TesseraError("the two passphrases differ; nothing was changed")
        return first

    def passphrase_available(self) -> bool:
        """Whether a passphrase can be had without blocking (env or terminal)."""
        return os.environ.get(ENV_PASSPHRASE) is not None or _has_tty()

    def confirm(self, question: str) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(f"{question} [y/N] ").strip().lower()
        return answer in ("y", "yes")

    # --- progress -----------------------------------------------------------

    def progress(self, label: str) -> ProgressCallback:
        """A progress line on stderr when it is a terminal; silent otherwise."""
        if self.json or not self.stderr.isatty():
            return _silent
        state = {"last": 0.0}

        def report(event: ProgressEvent) -> None:
            now = time.monotonic()
            final = event.total is not None and event.done >= event.total
            if now - state["last"] < 0.1 and not final:
                return
            state["last"] = now
            if event.total:
                pct = 100.0 * event.done / event.total
                line = f"\r{label}: {pct:5.1f}% ({_human(event.done, event.unit)})"
            else:
                line = f"\r{label}: {_human(event.done, event.unit)}"
            self.stderr.write(line.ljust(60))
            if final:
                self.stderr.write("\n")
            self.stderr.flush()

        return report

    # --- the vault ----------------------------------------------------------

    def open_vault(self) -> Session:
        """Unlock the profile's vault once per command."""
        if self._session is not None:
            return self._session
        from app import paths
        from app.core.identity.custody import read_record
        from app.core.store.errors import VaultMissing
        from app.services import vault

        try:
            record = read_record(paths.custody_path())
        except FileNotFoundError:
            raise VaultMissing() from None
        passphrase = None
        if record.custody == "passphrase":
            passphrase = self.passphrase("Vault passphrase")
        self._session = vault.unlock_vault(passphrase=passphrase)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _silent(_event: ProgressEvent) -> None:
    pass


def _has_tty() -> bool:
    try:
        with open("/dev/tty"):
            return True
    except OSError:
        return False


def _human(amount: int, unit: str) -> str:
    if unit != "bytes":
        return f"{amount:,} {unit}"
    value = float(amount)
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or suffix == "GiB":
            return f"{value:.1f} {suffix}" if suffix != "B" else f"{amount} B"
        value /= 1024
    return f"{amount} B"  # pragma: no cover


def report_error(ctx: CliContext, exc: BaseException) -> int:
    """One line on stderr (or a JSON error object); a traceback only with --debug."""
    if isinstance(exc, TesseraError):
        message = str(exc)
        kind = type(exc).__name__
        code = 1
    else:
        message = f"internal error ({type(exc).__name__}); please report it, rerun with --debug"
        kind = "InternalError"
        code = 1
    if ctx.debug:
        traceback.print_exception(exc, file=ctx.stderr)
    if ctx.json:
        payload: dict[str, Any] = {"error": {"type": kind, "message": message}}
        json.dump(payload, ctx.stderr)
        ctx.stderr.write("\n")
    else:
        ctx.stderr.write(f"tessera: error: {message}\n")
    ctx.stderr.flush()
    return code
