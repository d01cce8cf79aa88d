"""``tessera submission ...`` and ``tessera verify``: signed submissions for a network.

``submission build`` writes a folder with the signed envelope, the package
(rewrapped so the network can open it) and the card; ``verify`` checks such
a folder, or a revocation, the way anyone receiving it would, and exits 1
when a check fails.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.cli.context import CliContext
    from app.core.crypto import Identity
    from app.core.submission.verification_report import VerificationReport
    from app.services.submissions import SubmissionInfo

_MARKS = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    submission = subparsers.add_parser("submission", help="build, list and revoke submissions")
    actions = submission.add_subparsers(dest="submission_command", metavar="ACTION", required=True)

    build = actions.add_parser(
        "build",
        help="sign a prepared dataset under consent terms for a network",
        description=(
            "Writes DIR/submission.dsse.json (the signed envelope), the encrypted records as "
            "DIR/package.age-header (rewrapped so the network's recipient can open them) and "
            "DIR/package.age-payload (unchanged; together one age file), and DIR/card.json. "
            "DIR must not exist or be empty."
        ),
    )
    build.add_argument("dataset", metavar="DATASET", help="dataset id (or its first characters)")
    build.add_argument(
        "--consent",
        metavar="TEMPLATE_OR_FILE",
        required=True,
        help="a consent template name or a terms / ODRL / CAWG file",
    )
    build.add_argument(
        "--recipient", metavar="AGE_RECIPIENT", required=True, help="the network's age1... key"
    )
    build.add_argument("--network-id", metavar="DID", help="the network's DID")
    build.add_argument("--identity", metavar="NAME", help="sign as this identity")
    build.add_argument("-o", "--output", metavar="DIR", required=True, type=Path)
    build.set_defaults(handler=run_build)

    actions.add_parser("list", help="list submissions, newest first").set_defaults(handler=run_list)

    show = actions.add_parser("show", help="show one submission")
    show.add_argument("id", metavar="ID")
    show.set_defaults(handler=run_show)

    revoke = actions.add_parser(
        "revoke", help="withdraw consent: sign a revocation beside the submission"
    )
    revoke.add_argument("id", metavar="ID")
    revoke.add_argument("--reason", metavar="TEXT", help="why (goes into the signed revocation)")
    revoke.add_argument(
        "--effective",
        metavar="TIME",
        help="when it takes effect, ISO 8601 with a time zone (default: now)",
    )
    revoke.set_defaults(handler=run_revoke)

    verify = subparsers.add_parser(
        "verify",
        help="verify a submission or revocation envelope",
        description=(
            "FILE is a submission.dsse.json (the package files and card.json are looked up beside "
            "it) or a revocation.dsse.json. The records are checked against the commitment "
            "when an identity opens the package: the vault's (if it can be unlocked) or a key "
            "file given with -i. Exits 1 when any check fails."
        ),
    )
    verify.add_argument("file", metavar="FILE", type=Path)
    verify.add_argument("--identity", metavar="NAME", help="decrypt with this vault identity only")
    verify.add_argument(
        "-i",
        "--identity-file",
        metavar="KEYFILE",
        type=Path,
        help="an age identity file (AGE-SECRET-KEY-1...) to decrypt with",
    )
    verify.add_argument(
        "--no-vault", action="store_true", help="do not unlock the vault to decrypt"
    )
    verify.set_defaults(handler=run_verify)


def _describe(info: SubmissionInfo) -> str:
    network = info.network_id or "(no network id)"
    return (
        f"{info.id[:12]}  {info.state:<7}  {info.created.isoformat()}  "
        f"{info.dataset_name or info.dataset_id}\n"
        f"  network: {network}\n"
        f"  folder:  {info.folder}"
    )


def run_build(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import submissions

    terms = submissions.load_consent(args.consent)
    info = submissions.build_submission_for_dataset(
        ctx.open_vault(),
        args.dataset,
        terms,
        recipient=args.recipient,
        network_id=args.network_id,
        out_dir=args.output,
        identity=args.identity,
        progress=ctx.progress("Writing the package"),
    )
    ctx.emit(
        info.to_json(),
        f"Signed submission {info.id}\n"
        f"  dataset:   {info.dataset_name} ({info.dataset_id})\n"
        f"  signer:    {info.signer_did}\n"
        f"  network:   {info.network_id or '(no network id)'}\n"
        f"  recipient: {info.network_recipient}\n"
        f"  consent:   sha256 {info.consent_digest}\n"
        f"  folder:    {info.folder}",
    )
    return 0


def run_list(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import submissions

    found = submissions.list_submissions(ctx.open_vault())
    text = "\n".join(_describe(info) for info in found) if found else "No submissions yet."
    ctx.emit([info.to_json() for info in found], text)
    return 0


def run_show(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import submissions

    info = submissions.get_submission(ctx.open_vault(), args.id)
    files = ", ".join(path.name for path in info.files)
    ctx.emit(info.to_json(), f"{_describe(info)}\n  files:   {files}")
    return 0


def run_revoke(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.errors import InvalidInput
    from app.services import submissions

    effective = None
    if args.effective is not None:
        try:
            effective = datetime.fromisoformat(args.effective)
        except ValueError:
            raise InvalidInput(
                f"--effective {args.effective!r} is not an ISO 8601 time "
                "(for example 2026-01-31T12:00:00+00:00)"
            ) from None
        if effective.tzinfo is None:
            raise InvalidInput("--effective needs a time zone (for example +00:00 or Z)")
    session = ctx.open_vault()
    path = submissions.revoke_submission(session, args.id, args.reason, effective=effective)
    info = submissions.get_submission(session, args.id)
    ctx.emit(
        {**info.to_json(), "revocation": str(path)},
        f"Revoked submission {info.id}\n  revocation: {path}",
    )
    return 0


def run_verify(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.errors import TesseraError
    from app.services import submissions

    keys = _key_file(args.identity_file) if args.identity_file is not None else []
    session = None
    if args.identity is not None:
        session = ctx.open_vault()
    elif not args.no_vault and _vault_usable(ctx):
        try:
            session = ctx.open_vault()
        except TesseraError as exc:
            ctx.note(f"tessera: verifying without the vault ({exc})")
    report = submissions.verify_submission_file(
        args.file,
        session=session,
        identity=args.identity,
        keys=keys,
        progress=ctx.progress("Verifying"),
    )
    ctx.emit(report.to_json(), _report_text(report))
    return 0 if report.ok else 1


def _key_file(path: Path) -> list[Identity]:
    from app.core.crypto import parse_identity_file
    from app.core.errors import StorageError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a text file"
        raise StorageError(f"cannot read the identity file {path}: {reason}") from None
    return list(parse_identity_file(text))


def _vault_usable(ctx: CliContext) -> bool:
    """A vault is there and can be unlocked without blocking on a prompt."""
    from app import paths
    from app.core.errors import TesseraError
    from app.core.identity.custody import read_record

    try:
        record = read_record(paths.custody_path())
    except (OSError, TesseraError):  # none, or damaged: verify without the vault
        return False
    return record.custody == "keyring" or ctx.passphrase_available()


def _report_text(report: VerificationReport) -> str:
    what = report.kind
    head = f"{what} {report.submission_id or '(unknown id)'}"
    if report.signer:
        head += f"\n  signed by {report.signer}"
    width = max(len(check.name) for check in report.checks)
    lines = [head]
    for check in report.checks:
        lines.append(f"  {_MARKS[check.status.value]}  {check.name:<{width}}  {check.message}")
    skipped = sum(1 for check in report.checks if check.status.value == "skipped")
    if report.ok:
        tail = f"Verified: every check passed ({skipped} skipped)." if skipped else "Verified."
    else:
        tail = "NOT verified: " + ", ".join(check.name for check in report.failures()) + " failed."
    lines.append(tail)
    return "\n".join(lines)
