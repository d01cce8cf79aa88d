"""What a submission takes from a prepared dataset, and the keys that open its package.

Kept apart from :mod:`app.services.submissions` (preview and build) because
this is the bridge to the dataset service: the dataset's row and package
files (read through :mod:`app.services.dataset_rows`, without loading the
preparation pipeline), the card as it travels with one submission, the vault
identities that sign and that own the package, and the package's header
rewrapped for the network. Revoking needs the same lookup of an identity by
its DID, so it lives here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.consent.summary import summarize
from app.core.consent.templates import CUSTOM, TEMPLATES, matching_template
from app.core.consent.terms import ConsentTerms
from app.core.crypto import NewHeader, parse_recipient, rewrap_header
from app.core.datasets.card import PACKAGE_ID as CARD_PACKAGE_ID
from app.core.datasets.card import card_bytes
from app.core.datasets.package import PackagePart, describe_split_package
from app.core.errors import NotFound, StorageError
from app.core.fsutil import storage_error
from app.core.identity.keys import IdentityKeys
from app.core.submission.manifest import HEADER_FILE, PAYLOAD_FILE
from app.services import dataset_rows, identities
from app.services.vault import Session


@dataclass(frozen=True, slots=True)
class PreparedDataset:
    """What a submission takes from a prepared dataset."""

    id: str
    name: str
    owner_did: str
    records: int
    commitment: str
    package_path: Path
    """The header file of a split package, or the one age file of an older one."""
    package_size: int
    """The size of the file at ``package_path``."""
    card: dict[str, Any]
    """The card the dataset service made (it describes the prepared package)."""
    payload_path: Path | None = None
    payload_sha256: str | None = None
    payload_size: int | None = None


def submission_card(
    card: dict[str, Any], header: PackagePart, payload: PackagePart, terms: ConsentTerms
) -> bytes:
    """The card as it travels with one submission, as bytes.

    It must describe the package actually sent: the age file ``package.age``
    is the rewrapped header file followed by the payload file, so its entry
    names those two, each with its digest and size
    (:func:`app.core.datasets.package.describe_split_package`). And it
    points to the consent terms signed with it (``sc:usageInfo``, as
    :class:`app.core.datasets.card_input.ConsentReference` describes).
    """
    copy = json.loads(json.dumps(card))
    copy["distribution"] = [
        item
        for item in copy.get("distribution") or ()
        if not (isinstance(item, dict) and item.get("@id") in (HEADER_FILE, PAYLOAD_FILE))
    ]
    copy = describe_split_package(copy, CARD_PACKAGE_ID, header, payload)
    template = matching_template(terms)
    copy["usageInfo"] = {
        "@type": "CreativeWork",
        "name": TEMPLATES[template].title if template != CUSTOM else "Consent terms",
        "description": " ".join(summarize(terms)),
        "identifier": f"sha256:{terms.digest()}",
    }
    return card_bytes(copy)


def prepared_dataset(session: Session, dataset_id: str) -> PreparedDataset:
    """The dataset through the dataset service; its package must be on disk."""
    info = dataset_rows.get_dataset(session, dataset_id)
    package = info.package_path
    sizes = []
    for path in info.package_files:
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            raise NotFound(
                f"the encrypted package of dataset {info.name!r} is missing ({path})",
                hint="prepare the dataset again",
            ) from None
        except OSError as exc:
            raise storage_error(exc, path) from None
    return PreparedDataset(
        id=info.id,
        name=info.name,
        owner_did=info.owner_did,
        records=info.records,
        commitment=info.commitment,
        package_path=package,
        package_size=sizes[0],
        card=dataset_rows.dataset_card(session, info.id),
        payload_path=info.payload_path,
        payload_sha256=info.payload_sha256,
        payload_size=info.payload_size,
    )


def identity_for(session: Session, did: str, *, role: str) -> IdentityKeys:
    """The keys of the vault identity with this DID; if it was removed, say what it did."""
    name = identities.name_of_did(session, did)
    if name is None:
        raise NotFound(
            f"the identity that {role} ({did}) is no longer in this vault",
            hint="restore it from its backup with `tessera identity restore`",
        )
    return identities.load_keys(session, name)


def signer_and_owner(
    session: Session, dataset: PreparedDataset, identity: str | None
) -> tuple[IdentityKeys, IdentityKeys]:
    """The signing identity (named, else the dataset's owner) and the owner, whose key opens it."""
    owner = identity_for(session, dataset.owner_did, role="prepared this dataset")
    if identity is None:
        return owner, owner
    try:
        return identities.load_keys(session, identity), owner
    except BaseException:
        owner.wipe()
        raise


def rewrapped(
    dataset: PreparedDataset, signer: IdentityKeys, owner: IdentityKeys, network: str
) -> tuple[list[str], NewHeader]:
    """The package's recipients (owner, signer, network) and its header rewrapped for them."""
    recipients = list(dict.fromkeys([owner.recipient, signer.recipient, network]))
    header = rewrap_header(
        dataset.package_path,
        [owner.age_identity()],
        recipients=[parse_recipient(r) for r in recipients],
    )
    if dataset.payload_path is not None and header.payload_offset != dataset.package_size:
        raise StorageError(
            f"the header file {dataset.package_path.name} of dataset {dataset.name!r} "
            "holds more than an age header",
            hint="prepare the dataset again",
        )
    return recipients, header


def payload_size(dataset: PreparedDataset, header: NewHeader) -> int:
    """The payload's size: recorded for a split package, else what follows the age header."""
    if dataset.payload_size is not None:
        return dataset.payload_size
    return dataset.package_size - header.payload_offset
