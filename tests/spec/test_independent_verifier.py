"""An independent verifier of the golden submission, written from the specification alone.

It follows ``resources/protocol/submission.md`` step by step and imports
nothing from Tessera: only the standard library, ``cryptography`` and
``rfc8785`` (and pytest to run). That the golden vectors pass here shows the
specification is enough to verify a submission; the tamper cases show that
this verifier, too, notices a changed byte.

Run as a script (``python tests/spec/test_independent_verifier.py [FOLDER]``)
it verifies a folder and prints the result with the list of loaded ``app``
modules, which the test requires to be empty.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "submission"
ALLOWED_IMPORTS = {
    "__future__",
    "ast",
    "base64",
    "contextlib",
    "hashlib",
    "hmac",
    "json",
    "re",
    "shutil",
    "subprocess",
    "sys",
    "pathlib",
    "typing",
    "cryptography",
    "rfc8785",
    "pytest",
}

IN_TOTO = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
CONTRIBUTION = "https://tessera.dev/contribution/v1"
SUBJECTS = ["package.age-header", "package.age-payload", "card.json"]
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Failed(Exception):
    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value
    return result


def _json(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)


def _b64(text: object, check: str) -> bytes:
    if not isinstance(text, str):
        raise Failed(check, "base64 value is not a string")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise Failed(check, "base64 is not canonical")
    return raw


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jcs(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


# -- section 4: did:key ----------------------------------------------------------------------------


def ed25519_key_from_did(did: str) -> bytes:
    if not did.startswith("did:key:z"):
        raise ValueError("not a base58btc did:key")
    number = 0
    for char in did[len("did:key:z") :]:
        number = number * 58 + B58.index(char)
    zeros = len(did[len("did:key:z") :]) - len(did[len("did:key:z") :].lstrip("1"))
    raw = b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if len(raw) != 34 or raw[:2] != b"\xed\x01":
        raise ValueError("not an Ed25519 did:key")
    return raw[2:]


# -- section 8: PAE --------------------------------------------------------------------------------


def pae(payload_type: str, body: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return (
        b"DSSEv1 "
        + str(len(kind)).encode()
        + b" "
        + kind
        + b" "
        + str(len(body)).encode()
        + b" "
        + body
    )


def _signed_by(did: str, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(ed25519_key_from_did(did)).verify(signature, message)
    except (ValueError, InvalidSignature):
        return False
    return True


# -- section 6: commitment -------------------------------------------------------------------------


def merkle_tree_hash(digests: list[bytes]) -> bytes:
    if not digests:
        return hashlib.sha256(b"").digest()
    if len(digests) == 1:
        return hashlib.sha256(b"\x00" + digests[0]).digest()
    split = 1
    while split * 2 < len(digests):
        split *= 2
    left, right = merkle_tree_hash(digests[:split]), merkle_tree_hash(digests[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


# -- age v1 decryption with an X25519 identity (C2SP age), for the commitment check --------------


def _bech32_decode(text: str) -> tuple[str, bytes]:
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    text = text.lower()
    hrp, _, data = text.rpartition("1")
    values = [charset.index(char) for char in data]
    check = 1
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    for value in expanded + values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(
            (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
        ):
            check ^= generator if (top >> bit) & 1 else 0
    if check != 1:
        raise ValueError("bad bech32 checksum")
    accumulator = bits = 0
    out = bytearray()
    for value in values[:-6]:
        accumulator = accumulator << 5 | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append(accumulator >> bits & 0xFF)
    return hrp, bytes(out)


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, info).derive(key)


def age_decrypt(data: bytes, identity: str) -> bytes:
    hrp, secret = _bech32_decode(identity)
    assert hrp == "age-secret-key-"
    key = X25519PrivateKey.from_private_bytes(secret)
    recipient = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    header_end = data.index(b"\n---") + len(b"\n---")
    lines = data[:header_end].decode("ascii").split("\n")
    assert lines[0] == "age-encryption.org/v1"
    mac_line_end = data.index(b"\n", header_end)
    mac = _unb64(data[header_end + 1 : mac_line_end].decode("ascii"))
    file_key = None
    index = 1
    while not lines[index].startswith("---"):
        arguments = lines[index].split(" ")[1:]
        body = lines[index + 1]
        index += 2
        if arguments[0] != "X25519":
            continue
        share = _unb64(arguments[1])
        shared = key.exchange(X25519PublicKey.from_public_bytes(share))
        wrap = _hkdf(shared, share + recipient, b"age-encryption.org/v1/X25519")
        try:
            file_key = ChaCha20Poly1305(wrap).decrypt(bytes(12), _unb64(body), None)
            break
        except InvalidTag:
            continue
    if file_key is None:
        raise ValueError("no stanza opens with this identity")
    expected_mac = hmac.new(_hkdf(file_key, b"", b"header"), data[:header_end], "sha256").digest()
    if not hmac.compare_digest(mac, expected_mac):
        raise ValueError("header MAC mismatch")
    nonce = data[mac_line_end + 1 : mac_line_end + 17]
    payload = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    body = data[mac_line_end + 17 :]
    size = 64 * 1024 + 16
    chunks = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
    plaintext = bytearray()
    for counter, chunk in enumerate(chunks):
        last = b"\x01" if counter == len(chunks) - 1 else b"\x00"
        plaintext += payload.decrypt(counter.to_bytes(11, "big") + last, chunk, None)
    return bytes(plaintext)


# -- section 9: verification -----------------------------------------------------------------------


def verify(folder: Path, identity: str | None = None) -> dict[str, Any]:
    """Run the checks of section 9; raise ``Failed`` naming the first that fails."""
    # 1. envelope
    try:
        envelope = _json((folder / "submission.dsse.json").read_bytes())
    except ValueError as exc:
        raise Failed("envelope", str(exc)) from None
    if not isinstance(envelope, dict) or set(envelope) != {"payload", "payloadType", "signatures"}:
        raise Failed("envelope", "members are not payload, payloadType, signatures")
    if envelope["payloadType"] != IN_TOTO:
        raise Failed("envelope", "payloadType is not in-toto")
    payload = _b64(envelope["payload"], "envelope")
    signatures = envelope["signatures"]
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise Failed("envelope", "not exactly one signature")
    if not isinstance(signatures[0], dict) or set(signatures[0]) != {"keyid", "sig"}:
        raise Failed("envelope", "signature members are not keyid, sig")
    signature = _b64(signatures[0]["sig"], "envelope")
    if len(signature) != 64:
        raise Failed("envelope", "signature is not 64 bytes")
    # 2. signature: keyid is a hint; then the contributor the payload claims.
    message = pae(envelope["payloadType"], payload)
    candidates = [signatures[0]["keyid"]]
    with contextlib.suppress(ValueError, KeyError, TypeError):
        candidates.append(json.loads(payload)["predicate"]["contributor"])
    signer = next(
        (did for did in candidates if isinstance(did, str) and _signed_by(did, message, signature)),
        None,
    )
    if signer is None:
        raise Failed("signature", "no candidate key verifies the signature")
    # 3. statement
    try:
        statement = _json(payload)
    except ValueError as exc:
        raise Failed("statement", str(exc)) from None
    if jcs(statement) != payload:
        raise Failed("statement", "payload is not RFC 8785 canonical")
    if set(statement) != {"_type", "subject", "predicateType", "predicate"}:
        raise Failed("statement", "unexpected members")
    if statement["_type"] != STATEMENT_TYPE or statement["predicateType"] != CONTRIBUTION:
        raise Failed("statement", "wrong _type or predicateType")
    subjects = statement["subject"]
    if [subject["name"] for subject in subjects] != SUBJECTS:
        raise Failed("statement", f"subjects are not {', '.join(SUBJECTS)}")
    for subject in subjects:
        if set(subject["digest"]) != {"sha256"} or not SHA256_HEX.fullmatch(
            subject["digest"]["sha256"]
        ):
            raise Failed("statement", "subject digest is not one sha256")
    header_digest, payload_digest, card_digest = (s["digest"]["sha256"] for s in subjects)
    # 4. manifest (the members this verifier relies on; the schema says the rest)
    manifest = statement["predicate"]
    if manifest.get("manifest_version") != 1:
        raise Failed("manifest", "manifest_version is not 1")
    # 5. signer
    if signer != manifest["contributor"]:
        raise Failed("signer", f"signed by {signer}, manifest names {manifest['contributor']}")
    # 6. consent
    if _sha256_hex(jcs(manifest["consent"]["terms"])) != manifest["consent"]["sha256"]:
        raise Failed("consent", "consent digest mismatch")
    declared = manifest["package"]
    if declared["size"] != declared["header"]["size"] + declared["payload"]["size"]:
        raise Failed("manifest", "package.size is not header.size + payload.size")
    # 7. subjects
    if [header_digest, payload_digest, card_digest] != [
        declared["header"]["sha256"],
        declared["payload"]["sha256"],
        manifest["card"]["sha256"],
    ]:
        raise Failed("subjects", "statement subjects differ from the manifest")
    # 8. package: two files; the age file is the header file followed by the payload file
    header_file = (folder / "package.age-header").read_bytes()
    payload_file = (folder / "package.age-payload").read_bytes()
    if len(header_file) != declared["header"]["size"]:
        raise Failed("package", "header size mismatch")
    if len(payload_file) != declared["payload"]["size"]:
        raise Failed("package", "payload size mismatch")
    if _sha256_hex(header_file) != header_digest:
        raise Failed("package", "header digest mismatch")
    if _sha256_hex(payload_file) != payload_digest:
        raise Failed("package", "payload digest mismatch")
    if not header_file.startswith(b"age-encryption.org/v1\n"):
        raise Failed("package", "not an age v1 header")
    package = header_file + payload_file
    # 9. recipients: the header file is exactly the header (it ends with the MAC line);
    # stanza types against the recipients' kinds (their Bech32 HRP)
    mac_line = header_file.find(b"\n---")
    if mac_line < 0 or header_file.index(b"\n", mac_line + 1) + 1 != len(header_file):
        raise Failed("recipients", "the header file is not exactly one age header")
    header = header_file[: mac_line + 1].decode("ascii").split("\n")
    stanza_types = sorted(line.split(" ")[1] for line in header if line.startswith("-> "))
    kinds = {"age": "X25519", "age1pq": "mlkem768x25519"}
    declared = [kinds.get(r.rpartition("1")[0]) for r in manifest["package"]["recipients"]]
    if None not in declared and stanza_types != sorted(str(kind) for kind in declared):
        raise Failed("recipients", f"stanzas {stanza_types}, recipients {declared}")
    # 10. card
    if _sha256_hex((folder / "card.json").read_bytes()) != card_digest:
        raise Failed("card", "digest mismatch")
    result: dict[str, Any] = {"signer": signer, "submission_id": _sha256_hex(jcs(manifest))}
    # 11. commitment, from the decrypted records
    if identity is not None:
        records = [json.loads(line) for line in age_decrypt(package, identity).splitlines()]
        root = merkle_tree_hash([hashlib.sha256(jcs(record)).digest() for record in records])
        if root.hex() != manifest["dataset"]["commitment"]:
            raise Failed("commitment", "commitment mismatch")
        if len(records) != manifest["dataset"]["records"]:
            raise Failed("commitment", "record count mismatch")
        result["records"] = len(records)
        result["commitment"] = root.hex()
    return result


def _identity() -> str:
    lines = (VECTORS / "identity.txt").read_text(encoding="ascii").splitlines()
    return next(line for line in lines if line.startswith("AGE-SECRET-KEY-1"))


# -- the tests -------------------------------------------------------------------------------------


def test_this_file_imports_nothing_from_tessera() -> None:
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


def test_golden_submission_verifies_in_a_fresh_interpreter() -> None:
    """Run this file alone: it verifies the vectors and no ``app`` module is ever loaded."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), str(VECTORS)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    )
    result = json.loads(out.stdout)
    assert result["app_modules"] == []
    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    assert result["submission_id"] == expected["submission_id"]
    assert result["signer"] == expected["contributor_did"]
    assert result["commitment"] == expected["commitment"]
    assert result["records"] == expected["records"]


def test_golden_values_follow_from_the_spec() -> None:
    expected = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (VECTORS / "records.jsonl").read_bytes().splitlines()]
    digests = [hashlib.sha256(jcs(record)).digest() for record in records]
    assert [digest.hex() for digest in digests] == expected["record_digests"]
    assert merkle_tree_hash(digests).hex() == expected["commitment"]
    statement = (VECTORS / "statement.json").read_bytes()
    assert _sha256_hex(statement) == expected["statement_sha256"]
    key = Ed25519PublicKey.from_public_bytes(ed25519_key_from_did(expected["contributor_did"]))
    assert (
        key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex() == expected["contributor_public_key"]
    )
    key.verify(bytes.fromhex(expected["signature"]), pae(IN_TOTO, statement))
    assert pae("a", b"xyz") == b"DSSEv1 1 a 3 xyz"


def _tampered(tmp_path: Path, name: str, edit: Any) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(VECTORS, folder)
    path = folder / name
    path.write_bytes(edit(path.read_bytes()))
    return folder


def _flip(offset: int) -> Any:
    def edit(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[offset] ^= 0x01
        return bytes(changed)

    return edit


def _edit_payload(data: bytes) -> bytes:
    envelope = json.loads(data)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["dataset"]["records"] += 1
    envelope["payload"] = base64.b64encode(jcs(statement)).decode("ascii")
    return json.dumps(envelope).encode()


def _resign(folder: Path, edit_manifest: Any) -> None:
    """Sign an edited manifest with the vectors' contributor seed (bytes 0 to 31)."""
    envelope = json.loads((folder / "submission.dsse.json").read_bytes())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    edit_manifest(statement["predicate"])
    package = statement["predicate"]["package"]
    statement["subject"][0]["digest"]["sha256"] = package["header"]["sha256"]
    statement["subject"][1]["digest"]["sha256"] = package["payload"]["sha256"]
    payload = jcs(statement)
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    envelope["payload"] = base64.b64encode(payload).decode("ascii")
    envelope["signatures"][0]["sig"] = base64.b64encode(key.sign(pae(IN_TOTO, payload))).decode()
    (folder / "submission.dsse.json").write_bytes(jcs(envelope))


def test_a_stanza_missing_from_the_header_is_noticed(tmp_path: Path) -> None:
    """A package re-signed with one of its two declared stanzas removed fails check 9."""
    folder = tmp_path / "copy"
    shutil.copytree(VECTORS, folder)
    header = (folder / "package.age-header").read_bytes()
    first = header.index(b"\n-> ") + 1
    second = header.index(b"\n-> ", first) + 1
    after = header.index(b"\n", header.index(b"\n", second) + 1) + 1
    shortened = header[:second] + header[after:]
    (folder / "package.age-header").write_bytes(shortened)

    def edit(manifest: dict[str, Any]) -> None:
        package = manifest["package"]
        package["header"].update(sha256=_sha256_hex(shortened), size=len(shortened))
        package["size"] = len(shortened) + package["payload"]["size"]

    _resign(folder, edit)
    with pytest.raises(Failed) as failure:
        verify(folder)
    assert failure.value.check == "recipients"


def test_a_moved_split_is_noticed(tmp_path: Path) -> None:
    """Payload bytes moved into the header file, re-signed: the same age file, but not the form."""
    folder = tmp_path / "copy"
    shutil.copytree(VECTORS, folder)
    header = (folder / "package.age-header").read_bytes()
    payload = (folder / "package.age-payload").read_bytes()
    moved_header, moved_payload = header + payload[:3], payload[3:]
    (folder / "package.age-header").write_bytes(moved_header)
    (folder / "package.age-payload").write_bytes(moved_payload)

    def edit(manifest: dict[str, Any]) -> None:
        package = manifest["package"]
        package["header"].update(sha256=_sha256_hex(moved_header), size=len(moved_header))
        package["payload"].update(sha256=_sha256_hex(moved_payload), size=len(moved_payload))

    _resign(folder, edit)
    with pytest.raises(Failed) as failure:
        verify(folder)
    assert failure.value.check == "recipients"


@pytest.mark.parametrize(
    ("name", "edit", "check"),
    [
        ("package.age-header", _flip(200), "package"),
        ("package.age-header", lambda data: data + b"\x00", "package"),
        ("package.age-payload", _flip(20), "package"),
        ("package.age-payload", lambda data: data[:-1], "package"),
        ("card.json", _flip(10), "card"),
        ("submission.dsse.json", _edit_payload, "signature"),
    ],
)
def test_independent_verifier_notices_tampering(
    tmp_path: Path, name: str, edit: Any, check: str
) -> None:
    folder = _tampered(tmp_path, name, edit)
    with pytest.raises(Failed) as failure:
        verify(folder, _identity())
    assert failure.value.check == check


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else VECTORS
    outcome = verify(folder, _identity())
    outcome["app_modules"] = sorted(m for m in sys.modules if m == "app" or m.startswith("app."))
    print(json.dumps(outcome))
