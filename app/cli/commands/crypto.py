"""``tessera encrypt | decrypt | rewrap``: age files, with the age tool's flags.

Without ``-o`` the output goes to standard output and without ``IN`` (or with
``-``) the input is standard input, as with ``age``. Passphrases come from
``TESSERA_PASSPHRASE`` or a prompt. Identities come from ``-i`` files, from
the vault (``--identity NAME``), or, when neither is given, from every
identity in the vault.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from app.cli.context import CliContext
    from app.core.crypto import AgeError, HeaderInfo, Identity, Recipient


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    encrypt = subparsers.add_parser(
        "encrypt",
        help="encrypt a file to recipients or a passphrase (age format)",
        description="Encrypt IN (or standard input) into an age file any age tool can open.",
    )
    encrypt.add_argument(
        "-r",
        "--recipient",
        action="append",
        default=[],
        metavar="RECIPIENT",
        help="encrypt to this age1... recipient (repeatable)",
    )
    encrypt.add_argument(
        "-R",
        "--recipients-file",
        action="append",
        default=[],
        metavar="PATH",
        help="encrypt to every recipient listed in this file (repeatable)",
    )
    encrypt.add_argument(
        "-p", "--passphrase", action="store_true", help="encrypt with a passphrase"
    )
    encrypt.add_argument("-a", "--armor", action="store_true", help="write ASCII armor (PEM)")
    encrypt.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    encrypt.add_argument("input", nargs="?", metavar="IN", help="file to encrypt (default stdin)")
    encrypt.set_defaults(handler=run_encrypt, usage_error=encrypt.error)

    decrypt = subparsers.add_parser(
        "decrypt",
        help="decrypt an age file",
        description=(
            "Decrypt IN (or standard input). Passphrase-encrypted files ask for the "
            "passphrase; otherwise identities come from -i files, --identity, or the vault."
        ),
    )
    decrypt.add_argument(
        "-i",
        "--identity-file",
        action="append",
        default=[],
        metavar="PATH",
        help="use the identities in this file (repeatable)",
    )
    decrypt.add_argument("--identity", metavar="NAME", help="use this vault identity")
    decrypt.add_argument("-o", "--output", metavar="OUT", help="write to OUT, not stdout")
    decrypt.add_argument("input", nargs="?", metavar="IN", help="file to decrypt (default stdin)")
    decrypt.set_defaults(handler=run_decrypt, usage_error=decrypt.error)

    rewrap = subparsers.add_parser(
        "rewrap",
        help="add or remove recipients of an age file without re-encrypting it",
        description=(
            "Write OUT: IN with a new header for the changed recipients; the payload is "
            "copied unchanged. A recipient can be removed when its identity is given."
        ),
    )
    rewrap.add_argument("--identity", metavar="NAME", help="open IN with this vault identity")
    rewrap.add_argument(
        "-i",
        "--identity-file",
        action="append",
        default=[],
        metavar="PATH",
        help="open IN with the identities in this file (repeatable)",
    )
    rewrap.add_argument(
        "--add-recipient",
        action="append",
        default=[],
        metavar="RECIPIENT",
        help="give this recipient access (repeatable)",
    )
    rewrap.add_argument(
        "--remove-recipient",
        action="append",
        default=[],
        metavar="RECIPIENT",
        help="take access away from this recipient (repeatable)",
    )
    rewrap.add_argument("-o", "--output", metavar="OUT", required=True, help="file to write")
    rewrap.add_argument("input", metavar="IN", help="age file to rewrap")
    rewrap.set_defaults(handler=run_rewrap, usage_error=rewrap.error)


# --- shared pieces -----------------------------------------------------------


def _named_failure(exc: AgeError) -> AgeError:
    """The same error, its message starting with the failure class."""
    return type(exc)(f"{exc.failure}: {exc.message}", hint=exc.hint)


def _read_text(path: str, what: str) -> str:
    from app.core.errors import StorageError

    try:
        return Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise StorageError(f"could not read the {what} {path}: {reason}") from None


@contextlib.contextmanager
def _input(ctx: CliContext, name: str | None) -> Iterator[tuple[BinaryIO, int | None]]:
    if name is None or name == "-":
        yield ctx.stdin_binary(), None
        return
    from app.core.errors import StorageError

    try:
        handle = open(name, "rb", buffering=0)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise StorageError(f"could not open {name}: {exc.strerror}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        yield handle, size or None


@contextlib.contextmanager
def _output(ctx: CliContext, name: str | None) -> Iterator[BinaryIO]:
    if name is None or name == "-":
        out = ctx.stdout_binary()
        yield out
        out.flush()
        return
    from app.core.crypto.output import atomic_output

    with atomic_output(Path(name)) as out:
        yield out


def _vault_identities(ctx: CliContext, name: str | None) -> list[Identity]:
    from app.core.crypto import parse_identity
    from app.services.identities import age_identity_strings

    return [parse_identity(text) for text in age_identity_strings(ctx.open_vault(), name)]


def _identity_chooser(
    ctx: CliContext, files: list[str], name: str | None, *, whole_vault: bool = False
) -> Callable[[HeaderInfo], list[Identity]]:
    """Identities picked once the header is known: a passphrase only if needed.

    ``whole_vault`` adds every vault identity after the chosen ones when the
    vault is in use: a rewrap can then recognise (and remove) the stanzas of
    all of them, while the chosen identity still opens the file.
    """

    def choose(info: HeaderInfo) -> list[Identity]:
        from app.core.crypto import ScryptIdentity, parse_identity_file

        if info.passphrase:
            return [ScryptIdentity(ctx.passphrase("Passphrase"))]
        identities: list[Identity] = []
        for path in files:
            identities += parse_identity_file(_read_text(path, "identity file"))
        if name is not None or not files:
            identities += _vault_identities(ctx, name)
            if whole_vault and name is not None:
                identities += _vault_identities(ctx, None)
        return identities

    return choose


def _emit_written(ctx: CliContext, output: str | None, action: str, size: int) -> None:
    if output is not None and output != "-":
        ctx.emit({"output": output, action: size})


# --- commands ------------------------------------------------------------------


def run_encrypt(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core import crypto

    recipients: list[Recipient] = []
    try:
        recipients += [crypto.parse_recipient(text) for text in args.recipient]
        for path in args.recipients_file:
            recipients += crypto.parse_recipients_file(_read_text(path, "recipients file"))
    except crypto.AgeError as exc:
        raise _named_failure(exc) from None
    if args.passphrase and recipients:
        args.usage_error("-p cannot be combined with -r or -R")
    if not args.passphrase and not recipients:
        args.usage_error("give a recipient with -r or -R, or use -p for a passphrase")
    to_stdout = args.output is None or args.output == "-"
    if to_stdout and not args.armor and sys.stdout.isatty():
        args.usage_error("refusing to write binary to the terminal; use -a or -o")
    if args.passphrase:
        recipients = [crypto.ScryptRecipient(ctx.passphrase("Passphrase", confirm=True))]
    with _input(ctx, args.input) as (src, size), _output(ctx, args.output) as dst:
        written = crypto.encrypt_stream(
            src,
            dst,
            recipients,
            armor=args.armor,
            progress=ctx.progress("Encrypting"),
            size_hint=size,
        )
    _emit_written(ctx, args.output, "plaintext_bytes", written)
    return 0


def run_decrypt(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core import crypto

    chooser = _identity_chooser(ctx, args.identity_file, args.identity)
    try:
        with _input(ctx, args.input) as (src, size), _output(ctx, args.output) as dst:
            written = crypto.decrypt_stream(
                src,
                dst,
                chooser,
                progress=ctx.progress("Decrypting"),
                size_hint=size,
            )
    except crypto.AgeError as exc:
        raise _named_failure(exc) from None
    _emit_written(ctx, args.output, "plaintext_bytes", written)
    return 0


def run_rewrap(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core import crypto

    if not args.add_recipient and not args.remove_recipient:
        args.usage_error("give --add-recipient or --remove-recipient")
    try:
        add = [crypto.parse_recipient(text) for text in args.add_recipient]
        remove = [crypto.parse_recipient(text) for text in args.remove_recipient]
        info = crypto.rewrap_file(
            Path(args.input),
            Path(args.output),
            _identity_chooser(ctx, args.identity_file, args.identity, whole_vault=bool(remove)),
            add=add,
            remove=remove,
            progress=ctx.progress("Rewrapping"),
        )
    except crypto.AgeError as exc:
        raise _named_failure(exc) from None
    ctx.emit(
        {
            "output": args.output,
            "recipient_count": info.recipient_count,
            "stanza_types": list(info.stanza_types),
        },
        f"Wrote {args.output} with {info.recipient_count} recipient stanza(s); "
        "the payload is unchanged.",
    )
    return 0
