"""The table model behind the Submissions page: drafts first, then signed and revoked.

A draft is a prepared dataset that has not been signed for any network yet;
it becomes a submission when the user signs it. Rows are keyed by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from app.ui import icons
from app.ui.pages.identities_model import long_date, short_date
from app.ui.table_model import Column, ItemRole, RowListModel
from app.ui.wizard import labels

EntryRole: Final = ItemRole
"""The ``Entry`` of a row."""

DATASET, NETWORK, STATE, CREATED, ID = range(5)


@dataclass(frozen=True, slots=True)
class Entry:
    """One row: a draft (``submission`` is ``None``) or a submission."""

    id: str
    dataset_id: str
    dataset_name: str
    state: str
    created: datetime
    network: str
    submission: Any = None


def entries(datasets: list[Any], submissions: list[Any]) -> list[Entry]:
    """Drafts (datasets never signed) first, newest first; then the submissions."""
    signed = {s.dataset_id for s in submissions}
    drafts = [
        Entry(d.id, d.id, d.name, "draft", d.created, "") for d in datasets if d.id not in signed
    ]
    done = [
        Entry(
            s.id,
            s.dataset_id,
            s.dataset_name,
            s.state,
            s.created,
            s.network_id or s.network_recipient,
            s,
        )
        for s in submissions
    ]
    return drafts + done


_STATE_ICONS: Final = {
    "draft": ("rename", "muted"),
    "signed": ("sign", "success"),
    "revoked": ("revoke", "danger"),
}


class SubmissionTableModel(RowListModel[Entry]):
    """Drafts and submissions: dataset, network, state, created, id."""

    def __init__(self, parent: Any = None) -> None:
        def state_icon(entry: Entry) -> Any:
            name, tone = _STATE_ICONS.get(entry.state, ("info", "muted"))
            return icons.icon(name, tone)

        columns: list[Column[Entry]] = [
            Column(self.tr("Dataset"), lambda entry: entry.dataset_name),
            Column(
                self.tr("Network"),
                lambda entry: entry.network or self.tr("not chosen yet"),
                tooltip=lambda entry: entry.network,
                mono=True,
            ),
            Column(self.tr("State"), lambda entry: labels.state(entry.state), icon=state_icon),
            Column(
                self.tr("Date"),
                lambda entry: short_date(entry.created),
                tooltip=lambda entry: long_date(entry.created),
            ),
            Column(
                self.tr("Id"), lambda entry: entry.id, tooltip=lambda entry: entry.id, mono=True
            ),
        ]
        super().__init__(columns, lambda entry: entry.id, parent)
