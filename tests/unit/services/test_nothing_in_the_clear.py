"""Nothing a contributor keeps in Tessera can be read off the disk without the vault key.

The test writes a known identity name and its keys through the public API,
then reads every file under the data folder as raw bytes (the vault, its
write-ahead log while a session is open, the custody file, lock files) and
looks for the name, each private key in every encoding we ever print it in,
and the SQL schema. It runs for both kinds of key custody.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import identities, vault

NAME = "Zephyrine Quillfeather"
SCHEMA_WORDS = (b"CREATE TABLE", b"CREATE INDEX", b"identities", b"signing_seed", b"user_version")


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


def _needles(session: vault.Session) -> dict[str, bytes]:
    keys = identities.load_keys(session, NAME)
    try:
        seed = bytes(keys.signing_seed)
        age_secret = bytes(keys.age_secret)
        age_string = keys.age_identity().to_string()
    finally:
        keys.wipe()
    needles = {
        "name (UTF-8)": NAME.encode(),
        "name (UTF-16)": NAME.encode("utf-16-le"),
        "name (lower case)": NAME.lower().encode(),
        "signing seed": seed,
        "signing seed (hex)": seed.hex().encode(),
        "signing seed (base64)": base64.b64encode(seed),
        "age secret": age_secret,
        "age secret (hex)": age_secret.hex().encode(),
        "age identity string": age_string.encode(),
        "age identity string (lower case)": age_string.lower().encode(),
    }
    needles.update({f"schema text {word.decode()!r}": word for word in SCHEMA_WORDS})
    return needles


def _leaks(folder: Path, needles: dict[str, bytes]) -> list[str]:
    found = []
    for path in _files(folder):
        raw = path.read_bytes()
        found += [
            f"{what} in {path.relative_to(folder)}"
            for what, needle in needles.items()
            if needle in raw
        ]
    return found


def _write_through_the_api(session: vault.Session) -> dict[str, bytes]:
    identities.create_identity(session, "first")
    identities.create_identity(session, NAME)
    identities.set_default_identity(session, NAME)
    identities.rename_identity(session, "first", "second")
    return _needles(session)


@pytest.mark.parametrize("custody", ["passphrase", "keyring"])
def test_no_name_key_or_schema_in_any_file(
    custody: str, data_dir: Path, request: pytest.FixtureRequest
) -> None:
    if custody == "keyring":
        request.getfixturevalue("secret_service")
        session = vault.create_vault()
    else:
        session = vault.create_vault(passphrase="a long and careful passphrase")
    with session:
        needles = _write_through_the_api(session)
        open_files = [p.name for p in _files(data_dir)]
        assert any(name.endswith("-wal") for name in open_files), (
            open_files
        )  # the WAL is checked too
        assert _leaks(data_dir, needles) == []
    assert _leaks(data_dir, needles) == []
    assert len(list(_files(data_dir))) >= 2


def test_the_check_finds_a_leak_when_there_is_one(data_dir: Path) -> None:
    """The scan itself works: a file holding the name in the clear is reported."""
    with vault.create_vault(passphrase="a long and careful passphrase") as session:
        needles = _write_through_the_api(session)
    (data_dir / "notes.txt").write_text(f"hello {NAME}", encoding="utf-8")
    assert _leaks(data_dir, needles) == ["name (UTF-8) in notes.txt"]


def test_prepared_records_and_their_personal_data_are_never_in_the_clear(
    data_dir: Path, tmp_path: Path
) -> None:
    """A prepared dataset: the records, the PII found in them, and its pseudonym key stay sealed.

    The input file lives outside the profile; everything the prepare wrote inside it (package,
    leaf hashes, vault pages, the write-ahead log) is searched for the record text, the e-mail
    address the scan found, and the per-dataset pseudonym key.
    """
    from app.core.datasets.pii import Action, RedactionPolicy
    from app.services.datasets import PrepareRequest, open_package_records, prepare_dataset

    text = "Quillfeather harbour logbook entry: tides rose early near the old pier"
    email = "zephyrine.quill@example.org"
    source = tmp_path / "input.jsonl"
    source.write_text(
        json.dumps({"text": f"{text}. Write to {email} for the charts."})
        + "\n"
        + json.dumps({"text": "A second, plainer entry about wind and rain over the bay."})
        + "\n",
        encoding="utf-8",
    )
    with vault.create_vault(passphrase="a long and careful passphrase") as session:
        identities.create_identity(session, NAME)
        info = prepare_dataset(
            session,
            PrepareRequest(
                inputs=(source,),
                name="Harbour logbook",
                pii_policy=RedactionPolicy(default=Action.PSEUDONYMIZE),
            ),
        )
        prepared = list(open_package_records(session, info.id))
        key = session.conn.execute(
            "SELECT pseudonym_key FROM datasets WHERE id = ?", (info.id,)
        ).fetchone()[0]
        needles = {
            "record text": text.encode(),
            "record text (second)": b"plainer entry about wind",
            "e-mail address": email.encode(),
            "pseudonym key": bytes(key),
            "pseudonym key (hex)": bytes(key).hex().encode(),
            "dataset name": b"Harbour logbook",
        }
        assert text in json.dumps(prepared)  # the records really are in there, sealed
        assert email not in json.dumps(prepared)
        assert _leaks(data_dir, needles) == []
    assert _leaks(data_dir, needles) == []
    assert (data_dir / "datasets").is_dir()
