"""``tessera dataset ...``: prepare datasets, look at them, export them, prove records.

``prepare`` runs the whole pipeline (import, normalise, deduplicate, PII
scan and redaction, commitment, encryption) with one redaction action for
every finding, or per type with ``--pii-type TYPE=ACTION``; reviewing
findings one by one is the desktop app's job. ``export`` is the one command
that writes prepared records in the clear, so it asks first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.cli.context import CliContext
    from app.services.dataset_rows import DatasetInfo

PII_ACTIONS = ("mask", "pseudonymize", "drop-field", "drop-record", "keep")
FORMAT_CHOICES = ("csv", "tsv", "jsonl", "json", "parquet", "text", "markdown", "files", "zip")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dataset = subparsers.add_parser("dataset", help="prepare, inspect, export and prove datasets")
    actions = dataset.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)

    prepare = actions.add_parser(
        "prepare",
        help="prepare files into an encrypted dataset",
        description=(
            "Import INPUT files, folders or Zip archives; normalise, deduplicate, find and "
            "redact personal information; commit to the records and encrypt them to your "
            "identity. The dataset, its card and its report go into the vault."
        ),
    )
    prepare.add_argument("inputs", nargs="+", metavar="INPUT")
    prepare.add_argument("--name", required=True, help="the dataset's name")
    prepare.add_argument("--format", choices=FORMAT_CHOICES, help="read every input as this")
    prepare.add_argument("--encoding", help="text encoding when it cannot be detected")
    prepare.add_argument(
        "--pii",
        choices=PII_ACTIONS,
        default="mask",
        help="what to do with personal information found (default: mask)",
    )
    prepare.add_argument(
        "--pii-type",
        action="append",
        default=[],
        metavar="TYPE=ACTION",
        help="another action for one type, e.g. email=pseudonymize (repeatable)",
    )
    prepare.add_argument(
        "--detect-names",
        action="store_true",
        help="also look for person names and street addresses (heuristic)",
    )
    prepare.add_argument("--dedupe", choices=("off", "exact", "near"), default="exact")
    prepare.add_argument(
        "--near-threshold",
        type=float,
        default=0.85,
        metavar="J",
        help="Jaccard similarity for --dedupe near (default 0.85)",
    )
    prepare.add_argument(
        "--skip-bad-records",
        action="store_true",
        help="leave malformed records out and report them, instead of stopping",
    )
    prepare.add_argument("--identity", metavar="NAME", help="owner identity (default: default)")
    prepare.add_argument("--description", help="the card's description")
    prepare.add_argument("--license", help="SPDX identifier or URL for the card")
    prepare.add_argument("--workers", type=int, metavar="N", help="worker processes")
    prepare.set_defaults(handler=run_prepare, usage_error=prepare.error)

    actions.add_parser("list", help="list prepared datasets").set_defaults(handler=run_list)

    show = actions.add_parser("show", help="manifest, card and report summary of a dataset")
    show.add_argument("id", metavar="ID")
    part = show.add_mutually_exclusive_group()
    part.add_argument("--card", action="store_true", help="print the whole Croissant card")
    part.add_argument("--report", action="store_true", help="print the whole report")
    part.add_argument("--manifest", action="store_true", help="print the whole manifest")
    show.set_defaults(handler=run_show)

    export = actions.add_parser("export", help="write the records, decrypted, as JSONL")
    export.add_argument("id", metavar="ID")
    export.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="a file, or - for standard output"
    )
    export.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    export.set_defaults(handler=run_export)

    prove = actions.add_parser("prove", help="an inclusion proof for one record")
    prove.add_argument("id", metavar="ID")
    prove.add_argument("--record", type=int, required=True, metavar="N", help="0-based")
    prove.add_argument("--with-record", action="store_true", help="include the record itself")
    prove.add_argument("-o", "--output", metavar="FILE", help="write the proof to FILE")
    prove.set_defaults(handler=run_prove)

    verify = actions.add_parser("verify-proof", help="check an inclusion proof document")
    verify.add_argument("proof", metavar="PROOF", help="proof file, or - for standard input")
    verify.set_defaults(handler=run_verify_proof)

    delete = actions.add_parser("delete", help="delete a dataset and its encrypted package")
    delete.add_argument("id", metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=run_delete)


def _summary(info: DatasetInfo) -> str:
    pii = ", ".join(f"{kind} {count}" for kind, count in info.pii.items()) or "none found"
    return (
        f"{info.id}  {info.name}\n"
        f"  created:    {info.created.isoformat()}\n"
        f"  records:    {info.records} ({info.duplicates_removed} duplicates removed, "
        f"{info.rejected} rejected)\n"
        f"  commitment: {info.commitment}\n"
        f"  personal information: {pii}"
    )


def _policy(args: argparse.Namespace) -> Any:
    from app.core.datasets.pii import Action, PiiType, RedactionPolicy
    from app.core.errors import InvalidInput

    per_type: dict[PiiType, Action] = {}
    for item in args.pii_type:
        kind, sep, action = item.partition("=")
        if not sep:
            raise InvalidInput(f"--pii-type {item!r}: write TYPE=ACTION, e.g. email=pseudonymize")
        try:
            per_type[PiiType(kind.strip())] = Action(action.strip())
        except ValueError:
            raise InvalidInput(
                f"--pii-type {item!r}: types are {', '.join(t.value for t in PiiType)}; "
                f"actions are {', '.join(PII_ACTIONS)}"
            ) from None
    return RedactionPolicy(default=Action(args.pii), per_type=per_type)


def run_prepare(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.datasets.card_input import CardInput
    from app.core.datasets.importers import ImportOptions
    from app.core.datasets.pii import ALL_TYPES, DEFAULT_TYPES
    from app.services import datasets, identities

    session = ctx.open_vault()
    owner = identities.resolve_identity(session, args.identity)
    card = None
    if args.description or args.license:
        card = CardInput(
            name=args.name,
            description=args.description or f"{args.name}, a dataset prepared with Tessera.",
            license=args.license or datasets.UNSPECIFIED_LICENSE,
            creator_name=owner.name,
            contributor_did=owner.did,
        )
    request = datasets.PrepareRequest(
        inputs=tuple(Path(p) for p in args.inputs),
        name=args.name,
        format=args.format,
        import_options=ImportOptions(encoding=args.encoding),
        skip_bad_records=args.skip_bad_records,
        dedupe=args.dedupe,
        near_threshold=args.near_threshold,
        pii_types=ALL_TYPES if args.detect_names else DEFAULT_TYPES,
        pii_policy=_policy(args),
        card=card,
        identity=owner.name,
        workers=args.workers,
    )
    bar = ctx.progress("Preparing")

    def progress(event: Any) -> None:
        if event.stage == "import":  # bytes read, against the input size
            bar(event)

    info = datasets.prepare_dataset(session, request, progress=progress)
    body = info.to_json()
    report = datasets.dataset_report(session, info.id)
    body["rejections"] = report["quality"]["rejected"]["details"][:100]
    text = _summary(info)
    if info.rejected:
        text += f"\n  rejected records (see `tessera dataset show {info.id[:8]} --report`):"
        for item in report["quality"]["rejected"]["details"][:10]:
            text += f"\n    {item['where']}: {item['reason']}"
    ctx.emit(body, text)
    return 0


def run_list(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.services import datasets

    found = datasets.list_datasets(ctx.open_vault())
    lines = [
        f"{info.id[:8]}  {info.created.date().isoformat()}  {info.records:>10} records  {info.name}"
        for info in found
    ]
    ctx.emit([info.to_json() for info in found], "\n".join(lines) or "No datasets yet.")
    return 0


def run_show(ctx: CliContext, args: argparse.Namespace) -> int:
    import json

    from app.services import datasets

    session = ctx.open_vault()
    info = datasets.get_dataset(session, args.id)
    for flag, reader in (
        ("card", datasets.dataset_card),
        ("report", datasets.dataset_report),
        ("manifest", datasets.dataset_manifest),
    ):
        if getattr(args, flag):
            whole = reader(session, info.id)
            ctx.emit(whole, json.dumps(whole, indent=2, ensure_ascii=False))
            return 0
    manifest = datasets.dataset_manifest(session, info.id)
    card = datasets.dataset_card(session, info.id)
    report = datasets.dataset_report(session, info.id)
    quality = report["quality"]
    card_fields: list[dict[str, Any]] = [
        {"name": f.get("name"), "dataType": f.get("dataType")}
        for rs in card.get("recordSet", [])
        for f in rs.get("field", [])
    ]
    card_summary = {
        "name": card.get("name"),
        "license": card.get("license"),
        "description": card.get("description"),
        "fields": card_fields,
    }
    report_summary = {
        "records_read": quality["records_read"],
        "rejected": quality["rejected"]["total"],
        "rejected_by_reason": quality["rejected"]["by_reason"],
        "exact_duplicates_removed": quality["duplicates"]["exact_removed"],
        "near_duplicates_removed": quality["duplicates"]["near_removed"],
        "pii": report["privacy"]["actions"],
        "records_dropped_by_pii_policy": report["privacy"]["records_dropped"],
    }
    body = {**info.to_json(), "manifest": manifest, "card": card_summary, "report": report_summary}
    text = _summary(info)
    text += f"\n  package:    {info.package_path} ({info.package_size} bytes, age)"
    text += f"\n  license:    {card_summary['license']}"
    fields = ", ".join(str(f["name"]) for f in card_fields)
    text += f"\n  fields:     {fields or '-'}"
    text += f"\n  read:       {quality['records_read']} records"
    for kind, acts in report["privacy"]["actions"].items():
        done = ", ".join(f"{count} {action}" for action, count in acts.items())
        text += f"\n  {kind}: {done}"
    ctx.emit(body, text)
    return 0


def run_export(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.errors import TesseraError
    from app.services import datasets

    session = ctx.open_vault()
    info = datasets.get_dataset(session, args.id)
    to_stdout = args.output == "-"
    where = "standard output" if to_stdout else args.output
    if not args.yes:
        if not sys.stdin.isatty():
            raise TesseraError(
                "export writes the records in the clear and needs confirmation",
                hint="pass --yes to export without asking",
            )
        if not ctx.confirm(
            f"Write the {info.records} records of {info.name!r} UNENCRYPTED to {where}?"
        ):
            raise TesseraError("not exported", hint="pass --yes to export without asking")
    if to_stdout:  # the records alone on standard output, for a pipe; the summary on stderr
        ctx.stdout.flush()
        out = getattr(ctx.stdout, "buffer", None) or sys.stdout.buffer
        count = datasets.export_dataset_to(
            session, info.id, out, progress=ctx.progress("Exporting")
        )
        out.flush()
        ctx.note(f"Wrote {count} records to standard output (not encrypted).")
        return 0
    count = datasets.export_dataset(
        session, info.id, Path(args.output), progress=ctx.progress("Exporting")
    )
    ctx.emit(
        {"id": info.id, "records": count, "output": args.output},
        f"Wrote {count} records to {args.output} (not encrypted).",
    )
    return 0


def run_prove(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.fsutil import atomic_write_bytes
    from app.services import datasets

    session = ctx.open_vault()
    document = datasets.prove_record(session, args.id, args.record, include_record=args.with_record)
    data = document.to_bytes()
    if args.output:
        atomic_write_bytes(Path(args.output), data, mode=0o644)
        ctx.emit(
            {"written": args.output, **document.to_json()},
            f"Wrote the proof of record {args.record} to {args.output}.",
        )
    else:
        ctx.stdout.write(data.decode("utf-8"))
        ctx.stdout.flush()
    return 0


def run_verify_proof(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.datasets.proof_document import parse_proof_document
    from app.core.errors import InvalidInput, TesseraError

    if args.proof == "-":
        data = sys.stdin.buffer.read(16 << 20)
    else:
        try:
            with open(args.proof, "rb") as handle:
                data = handle.read(16 << 20)
        except OSError as exc:
            raise InvalidInput(f"cannot read {args.proof}: {exc.strerror}") from None
    document = parse_proof_document(data)
    valid = document.verify()
    body = {
        "valid": valid,
        "root": document.root.hex(),
        "index": document.proof.index,
        "tree_size": document.proof.tree_size,
    }
    if valid:
        ctx.emit(
            body,
            f"Valid: record {document.proof.index} is in the dataset of "
            f"{document.proof.tree_size} records with commitment {document.root.hex()}.",
        )
        return 0
    ctx.emit(body)
    raise TesseraError("the proof does not lead to its commitment: it is not valid")


def run_delete(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.errors import TesseraError
    from app.services import datasets

    session = ctx.open_vault()
    info = datasets.get_dataset(session, args.id)
    if not args.yes and not ctx.confirm(
        f"Delete dataset {info.name!r} ({info.id[:8]}) and its encrypted package?"
    ):
        raise TesseraError("not deleted", hint="pass --yes to delete without asking")
    datasets.delete_dataset(session, info.id)
    ctx.emit({"deleted": info.id}, f"Deleted dataset {info.name!r}.")
    return 0
