"""The checks of the files a submission envelope names: package, recipients, card, records.

Separate from the envelope and statement checks because they trust nothing
but the signed manifest and statement, and touch the disk (and, for the
commitment, the decrypted records): sizes before digests, digests before
parsing the age header, so a wrong or swapped file is named without being
read further than needed.
"""

from __future__ import annotations

import stat
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from app.core.crypto.age import read_header
from app.core.crypto.hybrid import STANZA_TYPE as HYBRID_TYPE
from app.core.crypto.scrypt import STANZA_TYPE as SCRYPT_TYPE
from app.core.crypto.x25519 import STANZA_TYPE as X25519_TYPE
from app.core.errors import Cancelled, NotFound, StorageError, TesseraError
from app.core.progress import CancelToken, ProgressCallback, no_progress
from app.core.submission.build import file_sha256
from app.core.submission.manifest import CARD_FILE, HEADER_FILE, PAYLOAD_FILE, Manifest
from app.core.submission.merkle import MerkleAccumulator, record_digest
from app.core.submission.statement import Statement
from app.core.submission.verification_report import Checks

AGE_MAGIC = b"age-encryption.org/v1\n"

RecordSource = Callable[[tuple[Path, Path]], Iterable[object]]
"""Given the package's header and payload files (their concatenation is the
age file), yields its decrypted records (JSON values) in file order."""


def _size(path: Path) -> int | None:
    """The size of a regular file; None otherwise (hashing it then says what is wrong)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def check_package(
    checks: Checks,
    files: tuple[Path, Path],
    statement: Statement,
    manifest: Manifest,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> bool:
    """Both files of the package: sizes first (cheap), then the digests, header first."""
    parts = (
        ("header", files[0], manifest.header_size, statement.subjects[0].sha256),
        ("payload", files[1], manifest.payload_size, statement.subjects[1].sha256),
    )

    def wrong_size(what: str, path: Path, size: int, found: int | None) -> bool:
        if found is None or found == size:
            return False
        checks.failed(
            "package",
            f"{what} size mismatch: the manifest says {size} bytes, {path.name} has {found}",
        )
        return True

    if any(wrong_size(what, path, size, _size(path)) for what, path, size, _ in parts):
        return False
    for what, path, size, expected in parts:
        hashed = _hash_beside(
            checks, "package", path, cancel, progress if what == "payload" else no_progress
        )
        if hashed is None:
            return False
        digest, found = hashed
        if wrong_size(what, path, size, found):  # changed while being read
            return False
        if digest != expected:
            checks.failed("package", f"{what} digest mismatch: expected {expected}, got {digest}")
            return False
    with files[0].open("rb") as handle:
        if handle.read(len(AGE_MAGIC)) != AGE_MAGIC:
            checks.failed("package", f"{HEADER_FILE} does not begin with an age v1 header")
            return False
    checks.passed(
        "package",
        f"{HEADER_FILE} and {PAYLOAD_FILE} match their digests and sizes "
        f"({manifest.package_size} bytes of age file)",
    )
    return True


def recipient_stanza_type(recipient: str) -> str | None:
    """The stanza type an age recipient wraps the file key in; None for plugin recipients.

    The kind is the Bech32 human-readable part, everything before the last
    ``1``: ``age`` for X25519, ``age1pq`` for the post-quantum hybrid.
    """
    hrp = recipient.lower().rpartition("1")[0]
    return {"age": X25519_TYPE, "age1pq": HYBRID_TYPE}.get(hrp)


def _stanzas(count: int, kind: str) -> str:
    return f"{count} {kind} stanza{'' if count == 1 else 's'}"


def check_recipients(checks: Checks, path: Path, manifest: Manifest) -> None:
    """The header's stanzas against the declared recipients, as far as a header shows.

    X25519 and post-quantum stanzas are anonymous, so without the identities
    only their number and types can be compared: one stanza of the matching
    type per recipient, no passphrase stanza, and no stanza that none of the
    declared recipients could have made. Which recipient a stanza is for,
    and whether it wraps the same file key as the others, only its
    identity's holder can tell (decrypting checks the header MAC).
    """
    try:
        info = read_header(path, armor=False)
    except TesseraError as exc:
        checks.failed("recipients", f"cannot read the age header in {HEADER_FILE}: {exc}")
        return
    if info.header_size != manifest.header_size:
        checks.failed(
            "recipients",
            f"{HEADER_FILE} holds {manifest.header_size - info.header_size} bytes after "
            "the age header's MAC line",
        )
        return
    found = Counter(info.stanza_types)
    declared = Counter(recipient_stanza_type(r) for r in manifest.recipients)
    plugins = declared.pop(None, 0)
    if found[SCRYPT_TYPE]:
        checks.failed(
            "recipients",
            f"the package is encrypted with a passphrase ({SCRYPT_TYPE} stanza), "
            "not to the manifest's recipients",
        )
        return
    for kind in (X25519_TYPE, HYBRID_TYPE):
        if found[kind] != declared[kind]:
            checks.failed(
                "recipients",
                f"recipient mismatch: the manifest names {declared[kind]} {kind} "
                f"recipient{'' if declared[kind] == 1 else 's'}, "
                f"the header has {_stanzas(found[kind], kind)}",
            )
            return
    others = sorted(kind for kind in found if kind not in (X25519_TYPE, HYBRID_TYPE))
    other_count = sum(found[kind] for kind in others)
    if other_count and not plugins:
        checks.failed(
            "recipients",
            f"recipient mismatch: the header has a {others[0]!r} stanza that none of the "
            "manifest's recipients makes",
        )
        return
    if other_count < plugins:
        checks.failed(
            "recipients",
            f"recipient mismatch: the manifest names {plugins} plugin "
            f"recipient{'' if plugins == 1 else 's'}, the header has "
            f"{other_count} stanza{'' if other_count == 1 else 's'} of other types",
        )
        return
    checks.passed(
        "recipients",
        f"the header has one stanza of the right type for each of the "
        f"{len(manifest.recipients)} recipients (whom each is for, only its identity can tell)",
    )


def check_card(checks: Checks, path: Path, statement: Statement, cancel: CancelToken) -> None:
    expected = statement.subjects[2].sha256
    hashed = _hash_beside(checks, "card", path, cancel)
    if hashed is None:
        return
    if hashed[0] == expected:
        checks.passed("card", f"{CARD_FILE} matches its digest {expected}")
    else:
        checks.failed("card", f"card digest mismatch: expected {expected}, got {hashed[0]}")


def _hash_beside(
    checks: Checks,
    check: str,
    path: Path,
    cancel: CancelToken,
    progress: ProgressCallback = no_progress,
) -> tuple[str, int] | None:
    """Digest and size of a file named beside the envelope, or a failed check saying why not."""
    try:
        return file_sha256(path, stage="verify", progress=progress, cancel=cancel)
    except NotFound:
        checks.failed(check, f"{path.name} not found beside the envelope")
    except StorageError as exc:
        checks.failed(check, exc.message)
    return None


def check_commitment(
    checks: Checks,
    files: tuple[Path, Path],
    manifest: Manifest,
    decrypt_records: RecordSource,
    cancel: CancelToken,
) -> None:
    accumulator = MerkleAccumulator()
    try:
        for record in decrypt_records(files):
            if accumulator.count % 1024 == 0:
                cancel.raise_if_cancelled()
            accumulator.add(record_digest(record))
    except Cancelled:
        raise
    except TesseraError as exc:
        checks.failed("commitment", f"cannot read the records: {exc}")
        return
    root = accumulator.root().hex()
    if root != manifest.commitment:
        checks.failed(
            "commitment", f"commitment mismatch: expected {manifest.commitment}, got {root}"
        )
    elif accumulator.count != manifest.records:
        checks.failed(
            "commitment",
            f"record count mismatch: the manifest says {manifest.records}, "
            f"the package holds {accumulator.count}",
        )
    else:
        checks.passed("commitment", f"{accumulator.count} records hash to the commitment {root}")
