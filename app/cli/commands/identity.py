"""``tessera identity ...``: contributor identities kept in the vault."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.cli.context import CliContext
    from app.services.identities import IdentityInfo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    identity = subparsers.add_parser("identity", help="create, back up and manage identities")
    actions = identity.add_subparsers(dest="identity_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a new identity (signing and age keys)")
    create.add_argument("name")
    create.set_defaults(handler=run_create)

    actions.add_parser("list", help="list identities").set_defaults(handler=run_list)

    show = actions.add_parser("show", help="show one identity")
    show.add_argument("name")
    show.set_defaults(handler=run_show)

    rename = actions.add_parser("rename", help="rename an identity")
    rename.add_argument("name")
    rename.add_argument("new_name")
    rename.set_defaults(handler=run_rename)

    default = actions.add_parser("set-default", help="use this identity unless told otherwise")
    default.add_argument("name")
    default.set_defaults(handler=run_set_default)

    export = actions.add_parser("export-public", help="print the public card (JSON)")
    export.add_argument("name")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead")
    export.set_defaults(handler=run_export_public)

    backup = actions.add_parser(
        "backup", help="write an age passphrase-encrypted backup of an identity"
    )
    backup.add_argument("name")
    backup.add_argument("-o", "--output", metavar="FILE", required=True)
    backup.set_defaults(handler=run_backup)

    restore = actions.add_parser("restore", help="restore an identity from a backup")
    restore.add_argument("file")
    restore.add_argument("--name", help="restore under another name")
    restore.set_defaults(handler=run_restore)

    delete = actions.add_parser("delete", help="delete an identity and its private keys")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=run_delete)


def _describe(info: IdentityInfo) -> str:
    marker = " (default)" if info.is_default else ""
    return (
        f"{info.name}{marker}\n"
        f"  did:       {info.did}\n"
        f"  recipient: {info.recipient}\n"
        f"  created:   {info.created.isoformat()}"
    )


def run_create(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    info = identities.create_identity(ctx.open_vault(), args.name)
    ctx.emit(
        {"name": info.name, "did": info.did, "recipient": info.recipient},
        f"Created identity {_describe(info)}",
    )
    return 0


def run_list(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    found = identities.list_identities(ctx.open_vault())
    text = "\n".join(_describe(i) for i in found) if found else "No identities yet."
    ctx.emit([i.to_json() for i in found], text)
    return 0


def run_show(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    info = identities.get_identity(ctx.open_vault(), args.name)
    ctx.emit(info.to_json(), _describe(info))
    return 0


def run_rename(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    info = identities.rename_identity(ctx.open_vault(), args.name, args.new_name)
    ctx.emit(info.to_json(), f"Renamed {args.name!r} to {info.name!r}.")
    return 0


def run_set_default(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    session = ctx.open_vault()
    identities.set_default_identity(session, args.name)
    ctx.emit({"default": args.name}, f"{args.name!r} is now the default identity.")
    return 0


def run_export_public(ctx: CliContext, args: argparse.Namespace) -> int:
    import json

    from app.core.fsutil import atomic_write_bytes
    from app.services import identities

    card = identities.public_card(ctx.open_vault(), args.name)
    text = json.dumps(card, indent=2)
    if args.output:
        atomic_write_bytes(Path(args.output), (text + "\n").encode(), mode=0o644)
        ctx.emit({"written": args.output, **card}, f"Wrote the public card to {args.output}.")
    else:
        ctx.stdout.write(text + "\n")
    return 0


def run_backup(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    session = ctx.open_vault()
    identities.get_identity(session, args.name)
    passphrase = ctx.passphrase("Backup passphrase", confirm=True)
    identities.backup_identity(session, args.name, Path(args.output), passphrase)
    ctx.emit(
        {"name": args.name, "backup": args.output},
        f"Wrote an encrypted backup of {args.name!r} to {args.output}.\n"
        "Any age tool can open it with the passphrase.",
    )
    return 0


def run_restore(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import identities

    session = ctx.open_vault()
    passphrase = ctx.passphrase("Backup passphrase")
    info = identities.restore_identity(session, Path(args.file), passphrase, name=args.name)
    ctx.emit(
        {"name": info.name, "did": info.did, "recipient": info.recipient},
        f"Restored identity {_describe(info)}",
    )
    return 0


def run_delete(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.errors import TesseraError
    from app.services import identities

    session = ctx.open_vault()
    info = identities.get_identity(session, args.name)
    if not args.yes and not ctx.confirm(
        f"Delete identity {info.name!r} ({info.did})? Its private keys are gone for good "
        "unless you have a backup."
    ):
        raise TesseraError("not deleted", hint="pass --yes to delete without asking")
    identities.delete_identity(session, args.name)
    ctx.emit({"deleted": info.name}, f"Deleted identity {info.name!r}.")
    return 0
