"""Use cases of contributor identities: create, list, rename, back up, restore.

Private keys exist only inside the vault or inside an age
passphrase-encrypted backup file; nothing here writes them anywhere else.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from app import __version__
from app.core.errors import AlreadyExists, InvalidInput, NotFound
from app.core.fsutil import atomic_write_bytes, storage_error
from app.core.identity.keys import IdentityKeys
from app.core.store.database import transaction, translated_errors
from app.services.vault import Session

BACKUP_FORMAT: Final = "tessera-identity-backup/1"
CARD_FORMAT: Final = "tessera-identity-card/1"
MAX_NAME: Final = 64
MAX_BACKUP_BYTES: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class IdentityInfo:
    """The public face of an identity."""

    name: str
    did: str
    recipient: str
    created: datetime
    is_default: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "did": self.did,
            "recipient": self.recipient,
            "created": self.created.isoformat(),
            "default": self.is_default,
        }


def check_name(name: str) -> str:
    """Identity names are for people: short, printable, trimmed."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise InvalidInput("an identity needs a name")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"identity names are at most {MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise InvalidInput("identity names cannot contain control characters")
    return cleaned


_COLUMNS = "name, did, recipient, created, is_default"


def _info(row: tuple[Any, ...]) -> IdentityInfo:
    name, did, recipient, created, is_default = row
    return IdentityInfo(
        name=name,
        did=did,
        recipient=recipient,
        created=datetime.fromisoformat(created),
        is_default=bool(is_default),
    )


def _exists(session: Session, name: str) -> bool:
    row = session.conn.execute("SELECT 1 FROM identities WHERE name = ?", (name,)).fetchone()
    return row is not None


def _insert(session: Session, name: str, keys: IdentityKeys, created: datetime) -> IdentityInfo:
    with transaction(session.conn) as conn:
        if _exists(session, name):
            raise AlreadyExists(f"an identity named {name!r} already exists")
        duplicate = conn.execute(
            "SELECT name FROM identities WHERE did = ?", (keys.did,)
        ).fetchone()
        if duplicate is not None:
            raise AlreadyExists(f"this identity is already in the vault as {duplicate[0]!r}")
        first = conn.execute("SELECT count(*) FROM identities").fetchone()[0] == 0
        conn.execute(
            "INSERT INTO identities (name, did, recipient, signing_seed, age_secret, created,"
            " is_default) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                keys.did,
                keys.recipient,
                bytes(keys.signing_seed),
                bytes(keys.age_secret),
                created.isoformat(),
                int(first),
            ),
        )
    return get_identity(session, name)


def create_identity(session: Session, name: str) -> IdentityInfo:
    """A new identity; the first one in a vault becomes the default."""
    name = check_name(name)
    keys = IdentityKeys.generate()
    try:
        return _insert(session, name, keys, datetime.now(UTC).replace(microsecond=0))
    finally:
        keys.wipe()


def list_identities(session: Session) -> list[IdentityInfo]:
    with translated_errors():
        rows = session.conn.execute(
            f"SELECT {_COLUMNS} FROM identities ORDER BY created, name"  # noqa: S608
        ).fetchall()
    return [_info(row) for row in rows]


def get_identity(session: Session, name: str) -> IdentityInfo:
    with translated_errors():
        row = session.conn.execute(
            f"SELECT {_COLUMNS} FROM identities WHERE name = ?",  # noqa: S608
            (name,),
        ).fetchone()
    if row is None:
        raise NotFound(f"no identity named {name!r}", hint="see `tessera identity list`")
    return _info(row)


def default_identity(session: Session) -> IdentityInfo | None:
    with translated_errors():
        row = session.conn.execute(
            f"SELECT {_COLUMNS} FROM identities WHERE is_default = 1"  # noqa: S608
        ).fetchone()
    return None if row is None else _info(row)


def resolve_identity(session: Session, name: str | None) -> IdentityInfo:
    """The named identity, or the default one when no name is given."""
    if name is not None:
        return get_identity(session, name)
    found = default_identity(session)
    if found is None:
        raise NotFound("this vault has no identity yet", hint="run `tessera identity create NAME`")
    return found


def rename_identity(session: Session, old: str, new: str) -> IdentityInfo:
    new = check_name(new)
    get_identity(session, old)
    if new == old:
        return get_identity(session, old)
    with transaction(session.conn) as conn:
        if _exists(session, new):
            raise AlreadyExists(f"an identity named {new!r} already exists")
        conn.execute("UPDATE identities SET name = ? WHERE name = ?", (new, old))
    return get_identity(session, new)


def set_default_identity(session: Session, name: str) -> None:
    get_identity(session, name)
    with transaction(session.conn) as conn:
        conn.execute("UPDATE identities SET is_default = 0 WHERE is_default = 1")
        conn.execute("UPDATE identities SET is_default = 1 WHERE name = ?", (name,))


def delete_identity(session: Session, name: str) -> None:
    """Delete for good; the next oldest identity becomes the default."""
    info = get_identity(session, name)
    with transaction(session.conn) as conn:
        conn.execute("DELETE FROM identities WHERE name = ?", (name,))
        if info.is_default:
            conn.execute(
                "UPDATE identities SET is_default = 1 WHERE id ="
                " (SELECT id FROM identities ORDER BY created, name LIMIT 1)"
            )


def load_keys(session: Session, name: str | None) -> IdentityKeys:
    """The private keys of an identity (the default one when ``name`` is None).

    The caller wipes them when done.
    """
    info = resolve_identity(session, name)
    with translated_errors():
        row = session.conn.execute(
            "SELECT signing_seed, age_secret FROM identities WHERE name = ?", (info.name,)
        ).fetchone()
    return IdentityKeys(bytearray(row[0]), bytearray(row[1]))


def name_of_did(session: Session, did: str) -> str | None:
    """The name of the vault identity whose did is ``did``; None when it is not here."""
    with translated_errors():
        row = session.conn.execute("SELECT name FROM identities WHERE did = ?", (did,)).fetchone()
    return None if row is None else str(row[0])


def age_identity_strings(session: Session, name: str | None) -> list[str]:
    """``AGE-SECRET-KEY-1...`` of one identity, or of all when ``name`` is None."""
    names = [name] if name is not None else [i.name for i in list_identities(session)]
    result = []
    for each in names:
        keys = load_keys(session, each)
        try:
            result.append(keys.age_identity_string())
        finally:
            keys.wipe()
    return result


def public_card(session: Session, name: str) -> dict[str, Any]:
    """What an identity shows the world: its did, its age recipient, its name."""
    info = get_identity(session, name)
    return {
        "format": CARD_FORMAT,
        "name": info.name,
        "did": info.did,
        "recipient": info.recipient,
        "created": info.created.isoformat(),
    }


def backup_identity(session: Session, name: str, destination: Path, passphrase: str) -> None:
    """Write an age passphrase-encrypted backup that any age tool can open."""
    from app.core.crypto import ScryptRecipient, encrypt_bytes

    if not passphrase:
        raise InvalidInput("a backup needs a passphrase")
    info = get_identity(session, name)
    keys = load_keys(session, name)
    try:
        document = json.dumps(
            {
                "format": BACKUP_FORMAT,
                "name": info.name,
                "did": info.did,
                "recipient": info.recipient,
                "created": info.created.isoformat(),
                "signing_seed": base64.b64encode(bytes(keys.signing_seed)).decode(),
                "age_identity": keys.age_identity_string(),
                "client": f"tessera/{__version__}",
            },
            indent=2,
        ).encode()
    finally:
        keys.wipe()
    sealed = encrypt_bytes(document, [ScryptRecipient(passphrase)])
    atomic_write_bytes(destination, sealed)


def restore_identity(
    session: Session, source: Path, passphrase: str, *, name: str | None = None
) -> IdentityInfo:
    """Bring an identity back from a backup; its keys must match its did."""
    from app.core.crypto import ScryptIdentity, decrypt_bytes
    from app.core.crypto.errors import KeyFormatError
    from app.core.crypto.keys import X25519Identity

    try:
        if source.stat().st_size > MAX_BACKUP_BYTES:
            raise InvalidInput(f"{source.name} is too large to be an identity backup")
        sealed = source.read_bytes()
    except OSError as exc:
        raise storage_error(exc, source) from None
    plain = decrypt_bytes(sealed, [ScryptIdentity(passphrase)])
    age_secret = seed = bytearray()
    try:
        document = json.loads(plain)
        if not isinstance(document, dict) or document.get("format") != BACKUP_FORMAT:
            raise InvalidInput(f"{source.name} is not a Tessera identity backup")
        age_secret = bytearray(X25519Identity.from_string(document["age_identity"]).to_bytes())
        seed = bytearray(base64.b64decode(document["signing_seed"], validate=True))
        keys = IdentityKeys(seed, age_secret)
    except (KeyError, TypeError, ValueError, KeyFormatError):
        for partial in (age_secret, seed):
            partial[:] = bytes(len(partial))
        raise InvalidInput(f"{source.name} is a damaged identity backup") from None
    try:
        if keys.did != document.get("did") or keys.recipient != document.get("recipient"):
            raise InvalidInput(f"{source.name}: the keys do not match the identity they claim")
        chosen = check_name(name if name is not None else str(document.get("name", "")))
        created_text = document.get("created")
        created = (
            datetime.fromisoformat(created_text)
            if isinstance(created_text, str)
            else datetime.now(UTC).replace(microsecond=0)
        )
        return _insert(session, chosen, keys, created)
    finally:
        keys.wipe()
