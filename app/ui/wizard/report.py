"""The quality and privacy report in words, for the report step and the Datasets page.

The report is JSON from the pipeline (``tessera-dataset-report/1``). People
should not have to read option names: what was asked and what came of it
is written as sentences ("Exact duplicates were removed (3 records)."),
rejected records are listed with their file and line, and the schema is a
small table. Anything a newer pipeline adds that is not known here is
still shown, as a tidy list at the end, so nothing it measured is hidden.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from app.ui.wizard import labels

MAX_LISTED = 50
"""Rejections and duplicate groups listed; the totals always count all of them."""

# What was done with a kind of personal information, as the end of a sentence.
DONE: dict[str, str] = {
    "mask": str(QT_TRANSLATE_NOOP("Report", "masked")),
    "pseudonymize": str(QT_TRANSLATE_NOOP("Report", "replaced by pseudonyms")),
    "drop-field": str(QT_TRANSLATE_NOOP("Report", "removed with the field holding them")),
    "drop-record": str(QT_TRANSLATE_NOOP("Report", "removed with their whole record")),
    "keep": str(QT_TRANSLATE_NOOP("Report", "kept, as you decided after review")),
}
# Plural nouns for the sentences ("E-mail addresses were masked (12).").
PLURALS: dict[str, str] = {
    "email": str(QT_TRANSLATE_NOOP("Report", "E-mail addresses")),
    "phone": str(QT_TRANSLATE_NOOP("Report", "Phone numbers")),
    "payment_card": str(QT_TRANSLATE_NOOP("Report", "Payment card numbers")),
    "iban": str(QT_TRANSLATE_NOOP("Report", "Bank account numbers (IBAN)")),
    "ip": str(QT_TRANSLATE_NOOP("Report", "IP addresses")),
    "national_id": str(QT_TRANSLATE_NOOP("Report", "National ID numbers")),
    "secret": str(QT_TRANSLATE_NOOP("Report", "Secrets and API keys")),
    "person_name": str(QT_TRANSLATE_NOOP("Report", "Names of people")),
    "street_address": str(QT_TRANSLATE_NOOP("Report", "Street addresses")),
}
KNOWN_TOP = {"format", "request", "quality", "privacy", "sources", "source_count", "workers"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Report", text)


def _e(text: object) -> str:
    return html.escape(str(text))


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    return QLocale().toString(value) if isinstance(value, int) else f"{value:.3g}"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _file_name(path: str) -> str:
    """``/home/ada/notes.zip!/2024/a.csv`` -> ``a.csv``: the list is for reading, not finding."""
    return PurePath(path.split("!/")[-1]).name or path


def _plural(kind: str) -> str:
    noun = PLURALS.get(kind)
    return _tr(noun) if noun else labels.pii_type(kind)


def _done(action: str) -> str:
    words = DONE.get(action)
    return _tr(words) if words else action


def _section(title: str, body: str) -> str:
    return f"<h3>{_e(title)}</h3>{body}"


def _sentences(lines: Sequence[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines if line)


# -- parts ------------------------------------------------------------------------------


def overview(quality: Mapping[str, Any], sources: Sequence[Any], info: Any) -> list[str]:
    records = quality.get("records", getattr(info, "records", None))
    read = quality.get("records_read")
    lines = []
    if records is not None:
        files = len(sources)
        if read is not None and _int(read) != _int(records):
            text = _tr("%1 records were prepared, from %2 read").replace(
                "%1", _number(_int(records))
            )
            text = text.replace("%2", _number(_int(read)))
        else:
            text = _tr("%1 records were prepared").replace("%1", _number(_int(records)))
        if files:
            names = ", ".join(
                _e(_file_name(str(s.get("name", ""))))
                for s in sources[:3]
                if isinstance(s, Mapping)
            )
            more = _tr(" and %1 more").replace("%1", _number(files - 3)) if files > 3 else ""
            text += _tr(" (from %1%2)").replace("%1", names).replace("%2", more)
        lines.append(text + ".")
    return lines


def cleaning(request: Mapping[str, Any], quality: Mapping[str, Any]) -> list[str]:
    """Normalisation, duplicates and unreadable records, as sentences."""
    lines: list[str] = []
    steps = request.get("normalisation")
    if isinstance(steps, list | tuple) and steps:
        lines.append(
            _tr("Text was normalised: %1.").replace("%1", _e(", ".join(str(s) for s in steps)))
        )
    duplicates = _part(quality, "duplicates")
    mode = request.get("dedupe", duplicates.get("mode"))
    exact = _int(duplicates.get("exact_removed"))
    near = _int(duplicates.get("near_removed"))
    if mode == "off":
        lines.append(_tr("Duplicates were kept: you chose not to remove them."))
    elif mode in ("exact", "near"):
        if exact:
            lines.append(
                _tr("Exact duplicates were removed (%1 records).").replace("%1", _number(exact))
            )
        else:
            lines.append(_tr("No exact duplicates were found."))
        if mode == "near":
            threshold = request.get("near_threshold")
            similar = (
                _tr(" (similarity %1 or more)").replace("%1", _number(float(threshold)))
                if isinstance(threshold, int | float)
                else ""
            )
            if near:
                lines.append(
                    _tr("Near duplicates%2 were removed (%1 records).")
                    .replace("%1", _number(near))
                    .replace("%2", similar)
                )
            else:
                lines.append(_tr("No near duplicates%1 were found.").replace("%1", similar))
    rejected = quality.get("rejected")
    total = _int(rejected.get("total")) if isinstance(rejected, Mapping) else _int(rejected)
    if total:
        if request.get("skip_bad_records", True):
            lines.append(
                _tr("Records that could not be read were skipped: %1, see below.").replace(
                    "%1", _number(total)
                )
            )
        else:
            lines.append(
                _tr("%1 records could not be read and were left out.").replace("%1", _number(total))
            )
    elif rejected is not None:
        lines.append(_tr("Every record could be read."))
    return lines


def privacy(request: Mapping[str, Any], report: Mapping[str, Any]) -> list[str]:
    """One sentence per kind of personal information found, and what was done with it."""
    lines: list[str] = []
    actions = report.get("actions")
    findings = report.get("findings")
    if not isinstance(actions, Mapping):
        actions = {}
    if not isinstance(findings, Mapping):
        findings = {}
    order = [k for k in labels.PII_TYPES if k in actions or k in findings]
    order += sorted(k for k in {*actions, *findings} if k not in labels.PII_TYPES)
    for kind in order:
        per = actions.get(kind)
        counts = (
            {str(a): _int(n) for a, n in per.items() if _int(n)} if isinstance(per, Mapping) else {}
        )
        found = _int(findings.get(kind)) or sum(counts.values())
        if not found:
            continue
        noun = _plural(str(kind))
        if len(counts) == 1:
            (action,) = counts
            lines.append(
                _tr("%1 were %2 (%3).")
                .replace("%1", _e(noun))
                .replace("%2", _e(_done(action)))
                .replace("%3", _number(found))
            )
        elif counts:
            parts = ", ".join(
                f"{_number(n)} {_e(_done(a))}"
                for a, n in sorted(counts.items(), key=lambda i: -i[1])
            )
            lines.append(
                _tr("%1 (%2): %3.")
                .replace("%1", _e(noun))
                .replace("%2", _number(found))
                .replace("%3", parts)
            )
        else:
            lines.append(
                _tr("%1 were found (%2).").replace("%1", _e(noun)).replace("%2", _number(found))
            )
    scanned = report.get("types_scanned", request.get("pii_types"))
    if isinstance(scanned, list | tuple):
        clean = [str(k) for k in scanned if str(k) not in order]
        if clean and order:
            lines.append(
                _tr("None of these were found: %1.").replace(
                    "%1", _e(", ".join(labels.pii_type(k) for k in clean))
                )
            )
        elif clean:
            lines.append(
                _tr("No personal information was found (looked for: %1).").replace(
                    "%1", _e(", ".join(labels.pii_type(k) for k in clean))
                )
            )
    reviewed = _int(request.get("pii_reviewed_findings"))
    if reviewed:
        lines.append(
            _tr("You decided %1 findings one by one in the review.").replace(
                "%1", _number(reviewed)
            )
        )
    in_duplicates = report.get("findings_in_removed_duplicates")
    if isinstance(in_duplicates, Mapping):
        counted = [(str(k), _int(n)) for k, n in in_duplicates.items() if _int(n)]
        if counted:
            lines.append(
                _tr("In records left out as duplicates (not in the dataset): %1.").replace(
                    "%1", ", ".join(f"{_e(_plural(k).lower())} {_number(n)}" for k, n in counted)
                )
            )
    dropped = _int(report.get("records_dropped"))
    if dropped:
        lines.append(
            _tr("%1 records were left out because of the personal information in them.").replace(
                "%1", _number(dropped)
            )
        )
    return lines


def rejections_table(rejected: Any) -> str:
    """The records that could not be read: file, line and why."""
    if not isinstance(rejected, Mapping):
        return ""
    details = rejected.get("details")
    if not isinstance(details, list) or not details:
        return ""
    rows = []
    for item in details[:MAX_LISTED]:
        if not isinstance(item, Mapping):
            continue
        line = item.get("line")
        where = (
            _number(_int(line))
            if line is not None
            else _tr("record %1").replace("%1", _number(_int(item.get("record")) + 1))
        )
        rows.append(
            f"<tr><td>{_e(item.get('file', ''))}</td><td align='right'>{where}</td>"
            f"<td>{_e(item.get('reason', ''))}</td></tr>"
        )
    total = _int(rejected.get("total"))
    more = total - len(rows)
    tail = (
        f"<p>{_tr('… and %1 more, not listed.').replace('%1', _number(more))}</p>"
        if more > 0
        else ""
    )
    return (
        "<table cellspacing='0' cellpadding='3'>"
        f"<tr><th align='left'>{_tr('File')}</th><th align='right'>{_tr('Line')}</th>"
        f"<th align='left'>{_tr('Why')}</th></tr>{''.join(rows)}</table>{tail}"
    )


def clusters_list(duplicates: Any) -> str:
    """Which records repeated which (positions in the import order, counted from 1)."""
    if not isinstance(duplicates, Mapping):
        return ""
    clusters = duplicates.get("clusters_shown")
    if not isinstance(clusters, list) or not clusters:
        return ""
    items = []
    for cluster in clusters[:MAX_LISTED]:
        if not isinstance(cluster, Mapping):
            continue
        members = [
            _number(_int(m.get("index")) + 1)
            for m in cluster.get("members", [])
            if isinstance(m, Mapping)
        ]
        first = _number(_int(cluster.get("representative")) + 1)
        exact = cluster.get("kind") == "exact"
        if len(members) == 1:
            text = (
                _tr("Record %1 repeated record %2, which was kept")
                if exact
                else _tr("Record %1 was nearly the same as record %2, which was kept")
            )
        else:
            text = (
                _tr("Records %1 repeated record %2, which was kept")
                if exact
                else _tr("Records %1 were nearly the same as record %2, which was kept")
            )
        items.append(f"<li>{text.replace('%1', ', '.join(members)).replace('%2', first)}</li>")
    return f"<ul>{''.join(items)}</ul>"


def schema_table(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return ""
    columns = schema.get("columns")
    if not isinstance(columns, list) or not columns:
        return ""
    rows = []
    for column in columns[:MAX_LISTED]:
        if not isinstance(column, Mapping):
            continue
        rate = column.get("null_rate")
        empty = f"{float(rate):.0%}" if isinstance(rate, int | float) else ""
        rows.append(
            f"<tr><td>{_e(column.get('name', ''))}</td><td>{_e(column.get('kind', ''))}</td>"
            f"<td align='right'>{empty}</td>"
            f"<td align='right'>{_number(column.get('distinct', ''))}</td></tr>"
        )
    return (
        "<table cellspacing='0' cellpadding='3'>"
        f"<tr><th align='left'>{_tr('Field')}</th><th align='left'>{_tr('Type')}</th>"
        f"<th align='right'>{_tr('Empty')}</th><th align='right'>{_tr('Distinct values')}</th>"
        f"</tr>{''.join(rows)}</table>"
    )


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "—"
        items = "".join(
            f"<li><b>{_e(str(k).replace('_', ' ').capitalize())}:</b> {_value(v)}</li>"
            for k, v in list(value.items())[:MAX_LISTED]
        )
        return f"<ul>{items}</ul>"
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        return ", ".join(_value(v) for v in value[:20]) + (" …" if len(value) > 20 else "")
    if value is None:
        return "—"
    return _number(value)


def _part(report: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def report_html(report: Mapping[str, Any], info: Any = None) -> str:
    """A readable page: what was kept, what was removed, what personal information was found."""
    request = _part(report, "request")
    quality = _part(report, "quality")
    private = _part(report, "privacy")
    sources = report.get("sources")
    if not isinstance(sources, list):
        sources = []
    parts: list[str] = []
    summary = overview(quality, sources, info)
    if summary:
        parts.append(_sentences(summary))
    cleaned = cleaning(request, quality)
    if cleaned:
        parts.append(_section(_tr("Cleaning"), _sentences(cleaned)))
    if private or request.get("pii_types"):
        said = privacy(request, private)
        parts.append(
            _section(_tr("Personal information"), _sentences(said or [_tr("None found.")]))
        )
    rejected = rejections_table(quality.get("rejected"))
    if rejected:
        parts.append(_section(_tr("Records that could not be read"), rejected))
    clusters = clusters_list(quality.get("duplicates"))
    if clusters:
        parts.append(_section(_tr("Duplicates"), clusters))
    schema = schema_table(quality.get("schema"))
    if schema:
        parts.append(_section(_tr("Fields"), schema))
    commitment = getattr(info, "commitment", None)
    if commitment:
        parts.append(
            _section(
                _tr("Commitment"),
                f"<p><code>{_e(commitment)}</code><br>"
                + _tr("A fingerprint of every record, in order: any change to the data changes it.")
                + "</p>",
            )
        )
    rest = {k: v for k, v in report.items() if k not in KNOWN_TOP}
    if rest:
        parts.append(_section(_tr("Other details"), _value(rest)))
    return "".join(parts) or f"<p>{_tr('No report.')}</p>"
