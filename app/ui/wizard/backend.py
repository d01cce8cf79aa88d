"""Where the desktop reaches the dataset and submission services.

The pages import the services through here, at call time, on the worker
thread. A build without one of them (or a service that is still being
written) then shows a clear "not available" message instead of failing to
start, and nothing heavy is imported before the user needs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.core.errors import TesseraError


class ServiceUnavailable(TesseraError):
    """A service the GUI needs is not part of this build."""


def _load(module: str, what: str, names: tuple[str, ...]) -> ModuleType:
    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and not module.startswith(exc.name):
            raise  # a broken dependency is a bug, not a missing feature
        raise ServiceUnavailable(
            QCoreApplication.translate(
                "Backend", "%1 is not available in this version of Tessera"
            ).replace("%1", what),
            hint=QCoreApplication.translate("Backend", "update Tessera and try again"),
        ) from None
    missing = [name for name in names if not hasattr(loaded, name)]
    if missing:
        raise ServiceUnavailable(
            QCoreApplication.translate(
                "Backend", "%1 is not complete in this version of Tessera"
            ).replace("%1", what)
        )
    return loaded


def datasets() -> Any:
    """``app.services.datasets`` (contract B)."""
    return _load(
        "app.services.datasets",
        QCoreApplication.translate("Backend", "Dataset preparation"),
        ("prepare_dataset", "list_datasets", "get_dataset"),
    )


def scan() -> Any:
    """The module with ``scan_inputs``: the datasets service or its scan companion."""
    for name in ("app.services.dataset_scan", "app.services.datasets"):
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name is not None and not name.startswith(exc.name):
                raise
            continue
        if hasattr(module, "scan_inputs"):
            return module
    raise ServiceUnavailable(
        QCoreApplication.translate(
            "Backend", "The personal information review is not available in this version of Tessera"
        )
    )


def submissions() -> Any:
    """``app.services.submissions`` (contract C)."""
    return _load(
        "app.services.submissions",
        QCoreApplication.translate("Backend", "Signed submissions"),
        ("build_submission_for_dataset", "list_submissions"),
    )


def pii() -> Any:
    """``app.core.datasets.pii`` (contract A), or ``None`` when it is not there yet."""
    try:
        return importlib.import_module("app.core.datasets.pii")
    except ImportError:
        return None


def redaction_policy(default: str, parts: Any) -> Any:
    """A ``RedactionPolicy`` from the review's decisions (``PolicyParts`` or ``None``)."""
    module = pii()
    if module is None:
        raise ServiceUnavailable(
            QCoreApplication.translate(
                "Backend", "Personal information redaction is not available in this version"
            )
        )
    action, kind = module.Action, module.PiiType
    if parts is None:
        return module.RedactionPolicy(default=action(default))
    return module.RedactionPolicy(
        default=action(parts.default),
        per_type={kind(k): action(v) for k, v in parts.per_type.items()},
        per_finding={k: action(v) for k, v in parts.per_finding.items()},
    )


def pii_types(values: frozenset[str]) -> Any:
    module = pii()
    if module is None:
        return values
    return frozenset(module.PiiType(v) for v in values)


def card_input(draft: Any) -> Any:
    """The ``CardInput`` for the description the user gave."""
    from app.core.datasets.card_input import CardInput
    from app.ui.wizard.state import split_list

    fields = draft.card

    def optional(text: str) -> str | None:
        return text.strip() or None

    return CardInput(
        name=fields.name.strip(),
        description=fields.description.strip(),
        license=fields.license.strip(),
        creator_name=fields.creator_name.strip(),
        creator_kind=fields.creator_kind,
        url=optional(fields.url),
        keywords=split_list(fields.keywords),
        languages=split_list(fields.languages),
        data_collection=optional(fields.data_collection),
        use_cases=split_list(fields.use_cases),
        limitations=split_list(fields.limitations),
        sensitive_information=split_list(fields.sensitive_information),
    )


def prepare_request(draft: Any, *, with_card: bool = True) -> Any:
    """The ``PrepareRequest`` for everything chosen in the wizard."""
    service = datasets()
    return service.PrepareRequest(
        inputs=tuple(draft.inputs),
        name=(draft.card.name or draft.suggested_name()).strip(),
        format=draft.format,
        import_options=draft.import_options(),
        skip_bad_records=draft.skip_bad_records,
        dedupe=draft.dedupe,
        near_threshold=draft.near_threshold,
        keep_near_duplicates=frozenset(draft.keep_near),
        pii_types=pii_types(draft.pii_types),
        pii_policy=redaction_policy(draft.default_action, draft.review),
        card=card_input(draft) if with_card else None,
        identity=draft.identity,
    )
