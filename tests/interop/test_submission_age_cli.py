"""A submission's package opens with the reference ``age`` command: ``cat header payload | age -d``.

The package travels as two files (``package.age-header``, ``package.age-payload``);
their concatenation must be an ordinary age v1 file that the network's identity
opens, for a payload of several STREAM chunks, and so must the prepared
package's own two files with the owner's identity.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.consent.templates import load_terms
from app.core.crypto import X25519Identity
from app.core.submission.manifest import HEADER_FILE, PAYLOAD_FILE
from app.services import datasets, identities, submissions, vault
from app.services.vault import Session
from tests.helpers.prepared import insert_prepared_dataset

pytestmark = pytest.mark.interop

AGE = shutil.which("age")
RECORDS = [{"n": index, "text": f"record {index} " + "x" * 300} for index in range(600)]


@pytest.fixture
def session(data_dir: Path) -> Iterator[Session]:
    if AGE is None:
        pytest.skip("the age command is not installed")
    opened = vault.create_vault(passphrase="pw")
    identities.create_identity(opened, "alice")
    try:
        yield opened
    finally:
        opened.close()


def _cat_into_age(key: Path, *files: Path) -> list[object]:
    """``cat FILES | age -d -i KEY``, as two processes joined by a pipe."""
    assert AGE is not None
    with subprocess.Popen(["cat", *map(str, files)], stdout=subprocess.PIPE) as cat:
        opened = subprocess.run(
            [AGE, "-d", "-i", str(key)], stdin=cat.stdout, capture_output=True, check=True
        )
    assert cat.returncode == 0
    return [json.loads(line) for line in opened.stdout.splitlines()]


def test_the_network_decrypts_cat_header_payload(session: Session, tmp_path: Path) -> None:
    dataset = insert_prepared_dataset(session, RECORDS)
    network = X25519Identity.generate()
    built = submissions.build_submission_for_dataset(
        session,
        dataset,
        load_terms("open-research"),
        recipient=network.recipient.to_string(),
        network_id=None,
        out_dir=tmp_path / "out",
    )
    key = tmp_path / "network.key"
    key.write_text(network.to_string() + "\n")
    payload = built.folder / PAYLOAD_FILE
    assert payload.stat().st_size > 3 * 65536  # several chunks
    records = _cat_into_age(key, built.folder / HEADER_FILE, payload)
    assert records == list(datasets.open_package_records(session, dataset))
    assert len(records) == len(RECORDS)
    # The prepared package's own two files are an age file for the owner.
    info = datasets.get_dataset(session, dataset)
    owner = tmp_path / "owner.key"
    identity = submissions.vault_identities(session, "alice")[0]
    owner.write_text(identity.to_string() + "\n")  # type: ignore[attr-defined]
    assert _cat_into_age(owner, *info.package_files) == records
