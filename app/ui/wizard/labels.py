"""Words for the stable identifiers of the core (PII types, actions, states).

The core speaks in stable values (``email``, ``drop-record``); people read
these labels. They are marked here once and translated when shown.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

PII_TYPES: dict[str, str] = {
    "email": str(QT_TRANSLATE_NOOP("Labels", "Email address")),
    "phone": str(QT_TRANSLATE_NOOP("Labels", "Phone number")),
    "payment_card": str(QT_TRANSLATE_NOOP("Labels", "Payment card")),
    "iban": str(QT_TRANSLATE_NOOP("Labels", "Bank account (IBAN)")),
    "ip": str(QT_TRANSLATE_NOOP("Labels", "IP address")),
    "national_id": str(QT_TRANSLATE_NOOP("Labels", "National ID number")),
    "secret": str(QT_TRANSLATE_NOOP("Labels", "Secret or API key")),
    "person_name": str(QT_TRANSLATE_NOOP("Labels", "Person's name")),
    "street_address": str(QT_TRANSLATE_NOOP("Labels", "Street address")),
}
OPTIONAL_PII_TYPES = ("person_name", "street_address")

ACTIONS: dict[str, str] = {
    "mask": str(QT_TRANSLATE_NOOP("Labels", "Mask")),
    "pseudonymize": str(QT_TRANSLATE_NOOP("Labels", "Pseudonymize")),
    "drop-field": str(QT_TRANSLATE_NOOP("Labels", "Drop the field")),
    "drop-record": str(QT_TRANSLATE_NOOP("Labels", "Drop the record")),
    "keep": str(QT_TRANSLATE_NOOP("Labels", "Keep")),
}

ACTION_HELP: dict[str, str] = {
    "mask": str(QT_TRANSLATE_NOOP("Labels", "Replace it with a tag such as [EMAIL]")),
    "pseudonymize": str(
        QT_TRANSLATE_NOOP(
            "Labels", "Replace it with a token; the same value gets the same token everywhere"
        )
    ),
    "drop-field": str(QT_TRANSLATE_NOOP("Labels", "Remove the whole field that contains it")),
    "drop-record": str(QT_TRANSLATE_NOOP("Labels", "Leave the whole record out")),
    "keep": str(QT_TRANSLATE_NOOP("Labels", "Keep it as it is: you checked it is not personal")),
}

STATES: dict[str, str] = {
    "draft": str(QT_TRANSLATE_NOOP("Labels", "Draft")),
    "signed": str(QT_TRANSLATE_NOOP("Labels", "Signed")),
    "revoked": str(QT_TRANSLATE_NOOP("Labels", "Revoked")),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def pii_type(value: str) -> str:
    label = PII_TYPES.get(value)
    return _tr(label) if label else value


def action(value: str) -> str:
    label = ACTIONS.get(value)
    return _tr(label) if label else value


def action_help(value: str) -> str:
    label = ACTION_HELP.get(value)
    return _tr(label) if label else ""


def state(value: str) -> str:
    label = STATES.get(value)
    return _tr(label) if label else value
