"""``tessera consent ...``: consent templates and the terms in every form we export.

``show`` reads a template name or a file (Tessera terms, an ODRL policy or a
CAWG assertion) and prints the plain-language summary, which is what the
contributor signs, or the terms in another vocabulary.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.cli.context import CliContext

FORMATS = ("summary", "terms", "odrl", "cawg", "iptc", "record")
DEFAULT_PRINCIPAL = "urn:tessera:contributor"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    consent = subparsers.add_parser("consent", help="consent templates and terms")
    actions = consent.add_subparsers(dest="consent_command", metavar="ACTION", required=True)

    actions.add_parser("templates", help="list the consent templates").set_defaults(
        handler=run_templates
    )

    show = actions.add_parser(
        "show",
        help="show terms in plain words or in another vocabulary",
        description=(
            "TEMPLATE_OR_FILE is a template name (see `tessera consent templates`) or a JSON "
            "file with Tessera consent terms, an ODRL 2.2 policy or a CAWG training-and-mining "
            "assertion."
        ),
    )
    show.add_argument("terms", metavar="TEMPLATE_OR_FILE")
    show.add_argument(
        "--format",
        choices=FORMATS,
        default="summary",
        help="summary (default): plain words; terms: Tessera's JSON (a starting point for a "
        "custom file); odrl: ODRL 2.2 JSON-LD; cawg: cawg.training-mining assertion; "
        "iptc: plus:DataMining; record: ISO/IEC TS 27560-shaped consent record",
    )
    show.add_argument(
        "--principal",
        metavar="DID",
        default=DEFAULT_PRINCIPAL,
        help="who gives the consent, for --format record (default: a placeholder)",
    )
    show.set_defaults(handler=run_show)


def run_templates(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.consent.summary import summarize
    from app.core.consent.templates import TEMPLATES

    listed = [
        {
            "name": template.name,
            "title": template.title,
            "description": template.description,
            "sha256": template.terms.digest(),
            "summary": summarize(template.terms),
            "terms": template.terms.to_json(),
        }
        for template in TEMPLATES.values()
    ]
    width = max(len(name) for name in TEMPLATES)
    text = "\n".join(
        f"{t['name']:<{width}}  {t['title']}\n{'':<{width}}  {t['description']}" for t in listed
    )
    ctx.emit(listed, text)
    return 0


def run_show(ctx: CliContext, args: argparse.Namespace) -> int:
    from app.core.consent.templates import matching_template
    from app.services.submissions import load_consent

    terms = load_consent(args.terms)
    if args.format == "summary":
        from app.core.consent.summary import summarize

        sentences = summarize(terms)
        template = matching_template(terms)
        heading = f"Consent terms ({template}), sha256 {terms.digest()}"
        ctx.emit(
            {
                "template": template,
                "sha256": terms.digest(),
                "summary": sentences,
                "terms": terms.to_json(),
            },
            "\n".join([heading, *(f"  - {sentence}" for sentence in sentences)]),
        )
        return 0
    document = _export(terms, args.format, args.principal)
    ctx.emit(document, json.dumps(document, indent=2, ensure_ascii=False))
    return 0


def _export(terms: Any, form: str, principal: str) -> dict[str, Any]:
    if form == "terms":
        result: dict[str, Any] = terms.to_json()
    elif form == "odrl":
        from app.core.consent.odrl import to_odrl

        result = to_odrl(terms)
    elif form == "cawg":
        from app.core.consent.cawg import to_cawg

        result = to_cawg(terms)
    elif form == "iptc":
        from app.core.consent.iptc import to_iptc

        result = dict(to_iptc(terms))
    else:
        from app.core.consent.record import to_consent_record

        result = to_consent_record(
            terms,
            record_id=f"urn:tessera:consent:{terms.digest()}",
            principal=principal,
            given=datetime.now(UTC),
        )
    return result
