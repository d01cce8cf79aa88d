"""``tessera init`` and ``tessera vault ...``: the encrypted vault and its key."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.cli.context import CliContext


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = subparsers.add_parser(
        "init",
        help="create the encrypted vault of this profile",
        description=(
            "Create the profile's encrypted vault. Its key is held by the OS keyring, "
            "or wrapped with a passphrase when --passphrase is given or no keyring is usable."
        ),
    )
    init.add_argument(
        "--passphrase", action="store_true", help="protect the vault key with a passphrase"
    )
    init.add_argument("--identity", metavar="NAME", help="also create a first identity")
    init.set_defaults(handler=run_init)

    vault = subparsers.add_parser("vault", help="inspect, lock and re-key the vault")
    actions = vault.add_subparsers(dest="vault_command", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="custody, lock state, path and schema version")
    status.set_defaults(handler=run_status)
    lock = actions.add_parser("lock", help="lock the vault in every running Tessera")
    lock.set_defaults(handler=run_lock)
    change = actions.add_parser("change-passphrase", help="change the vault passphrase")
    change.set_defaults(handler=run_change_passphrase)
    to_keyring = actions.add_parser("use-keyring", help="move the vault key into the OS keyring")
    to_keyring.set_defaults(handler=run_use_keyring)
    to_pass = actions.add_parser("use-passphrase", help="protect the vault key with a passphrase")
    to_pass.set_defaults(handler=run_use_passphrase)
    check = actions.add_parser("check", help="verify every page of the vault")
    check.set_defaults(handler=run_check)


def run_init(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities, vault

    passphrase = None
    if args.passphrase:
        passphrase = ctx.passphrase("New vault passphrase", confirm=True)
    with vault.create_vault(passphrase=passphrase) as session:
        result: dict[str, Any] = {
            "path": str(session.path),
            "custody": session.custody,
            "schema_version": session.schema_version,
        }
        text = f"Created an encrypted vault at {session.path} ({_custody_words(session.custody)})."
        if args.identity:
            info = identities.create_identity(session, args.identity)
            result["identity"] = {"name": info.name, "did": info.did, "recipient": info.recipient}
            text += f"\nCreated identity {info.name!r}\n  did:       {info.did}\n"
            text += f"  recipient: {info.recipient}"
    ctx.emit(result, text)
    return 0


def _custody_words(custody: str | None) -> str:
    return {
        "keyring": "key held by the OS keyring",
        "passphrase": "key protected by a passphrase",
    }.get(custody or "", "no vault")


def run_status(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import vault

    status = vault.vault_status()
    result: dict[str, object] = {
        "exists": status.exists,
        "custody": status.custody,
        "locked": not status.unlocked,
        "path": str(status.path),
        "data_dir": str(status.data_dir),
        "schema_version": None,
    }
    if status.exists and status.custody == "keyring":
        # Reading the schema version needs the key; the keyring gives it without a prompt.
        with vault.unlock_vault() as session:
            result["schema_version"] = session.schema_version
    elif status.exists and ctx.passphrase_available():
        with ctx.open_vault() as session:
            result["schema_version"] = session.schema_version
    lines = [
        f"vault:   {status.path}" + ("" if status.exists else " (not created yet)"),
        f"custody: {_custody_words(status.custody)}",
        f"state:   {'unlocked in a running Tessera' if status.unlocked else 'locked'}",
    ]
    if result["schema_version"] is not None:
        lines.append(f"schema:  version {result['schema_version']}")
    ctx.emit(result, "\n".join(lines))
    return 0


def run_lock(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import vault

    was_open = vault.request_lock()
    ctx.emit(
        {"locked": True, "was_unlocked": was_open},
        "Asked every running Tessera to lock the vault."
        if was_open
        else "The vault is locked; no running Tessera had it open.",
    )
    return 0


def run_change_passphrase(ctx: CliContext, args: argparse.Namespace) -> int:
    import os

    from app.cli.context import ENV_PASSPHRASE
    from app.services import vault

    old = ctx.passphrase("Current vault passphrase")
    new = os.environ.get("TESSERA_NEW_PASSPHRASE")
    if new is None:
        if os.environ.get(ENV_PASSPHRASE) is not None:
            from app.core.errors import TesseraError

            raise TesseraError(
                "the new passphrase is missing",
                hint="set TESSERA_NEW_PASSPHRASE beside TESSERA_PASSPHRASE in scripts",
            )
        new = ctx.passphrase("New vault passphrase", confirm=True)
    vault.change_passphrase(old, new)
    ctx.emit({"changed": True}, "The vault passphrase was changed.")
    return 0


def run_use_keyring(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import vault

    session = ctx.open_vault()
    if session.custody == "keyring":
        ctx.emit({"custody": "keyring"}, "The vault key is already held by the OS keyring.")
        return 0
    passphrase = ctx.passphrase("Vault passphrase")
    vault.move_custody_to_keyring(session, passphrase)
    ctx.emit({"custody": "keyring"}, "The vault key is now held by the OS keyring.")
    return 0


def run_use_passphrase(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import vault

    session = ctx.open_vault()
    if session.custody == "passphrase":
        ctx.emit({"custody": "passphrase"}, "The vault key is already protected by a passphrase.")
        return 0
    passphrase = ctx.passphrase("New vault passphrase", confirm=True)
    vault.move_custody_to_passphrase(session, passphrase)
    ctx.emit({"custody": "passphrase"}, "The vault key is now protected by a passphrase.")
    return 0


def run_check(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import vault

    problems = vault.integrity_problems(ctx.open_vault())
    ctx.emit(
        {"ok": not problems, "problems": problems},
        "The vault is healthy." if not problems else "\n".join(problems),
    )
    return 0 if not problems else 1
