"""The quality and privacy report in words, for the report step and the Datasets page.

The report is JSON from the pipeline. Known parts get sentences; anything
else is still shown, as a tidy list, so a newer pipeline never hides what
it measured.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale

from app.ui.wizard import labels


def _tr(text: str) -> str:
    return QCoreApplication.translate("Report", text)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return html.escape(str(value))
    return QLocale().toString(value) if isinstance(value, int) else f"{value:.3g}"


def _title(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _value(value: Any, depth: int = 0) -> str:
    if isinstance(value, Mapping):
        if not value:
            return "—"
        items = "".join(
            f"<li><b>{html.escape(_title(str(k)))}:</b> {_value(v, depth + 1)}</li>"
            for k, v in list(value.items())[:50]
        )
        return f"<ul>{items}</ul>"
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            shown = ", ".join(_number(v) for v in value[:20])
            return shown + (" …" if len(value) > 20 else "")
        items = "".join(f"<li>{_value(v, depth + 1)}</li>" for v in value[:20])
        return f"<ul>{items}</ul>" + ("<p>…</p>" if len(value) > 20 else "")
    if value is None:
        return "—"
    return _number(value)


def report_html(report: Mapping[str, Any], info: Any = None) -> str:
    """A readable page: what was kept, what was removed, what personal information was found."""
    parts: list[str] = []
    rest = dict(report)
    records = rest.pop("records", getattr(info, "records", None))
    duplicates = rest.pop("duplicates_removed", getattr(info, "duplicates_removed", None))
    rejected = rest.pop("rejected", getattr(info, "rejected", None))
    facts: list[str] = []
    if records is not None:
        facts.append(_tr("%1 records kept").replace("%1", _number(records)))
    if duplicates:
        facts.append(_tr("%1 duplicates removed").replace("%1", _number(duplicates)))
    if rejected:
        facts.append(
            _tr("%1 records could not be read and were left out").replace("%1", _number(rejected))
        )
    if facts:
        parts.append(f"<h3>{_tr('Quality')}</h3><p>{' · '.join(facts)}</p>")
    pii = rest.pop("pii", getattr(info, "pii", None))
    if isinstance(pii, Mapping):
        rows = []
        for kind, entry in pii.items():
            if isinstance(entry, Mapping):
                found = entry.get("found", entry.get("count", ""))
                action = entry.get("action", "")
                what = labels.action(str(action)) if action else ""
                rows.append((labels.pii_type(str(kind)), _number(found), html.escape(what)))
            else:
                rows.append((labels.pii_type(str(kind)), _number(entry), ""))
        if rows:
            body = "".join(
                f"<tr><td>{html.escape(k)}</td><td align='right'>{n}</td><td>{a}</td></tr>"
                for k, n, a in rows
            )
            parts.append(
                f"<h3>{_tr('Personal information')}</h3><table cellspacing='0' cellpadding='4'>"
                f"<tr><th align='left'>{_tr('Type')}</th><th align='right'>{_tr('Found')}</th>"
                f"<th align='left'>{_tr('Done')}</th></tr>{body}</table>"
            )
        else:
            parts.append(f"<h3>{_tr('Personal information')}</h3><p>{_tr('None found.')}</p>")
    commitment = rest.pop("commitment", getattr(info, "commitment", None))
    if commitment:
        parts.append(
            f"<h3>{_tr('Commitment')}</h3><p><code>{html.escape(str(commitment))}</code><br>"
            + _tr("A fingerprint of every record, in order: any change to the data changes it.")
            + "</p>"
        )
    if rest:
        parts.append(f"<h3>{_tr('Details')}</h3>{_value(rest)}")
    return "".join(parts) or f"<p>{_tr('No report.')}</p>"
