"""Header rewrap: new recipients, the same payload bytes."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.crypto import (
    HeaderInfo,
    HMACError,
    HybridIdentity,
    Identity,
    NoIdentityMatch,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    decrypt_bytes,
    encrypt_bytes,
    read_header,
    rewrap_file,
    rewrap_stream,
)
from app.core.crypto import rewrap as rewrap_module
from app.core.crypto.payload import CHUNK
from app.core.errors import Cancelled, InvalidInput
from app.core.progress import CancelToken, ProgressEvent

FAST_SCRYPT = 2


def payload_of(data: bytes) -> bytes:
    return data[read_header(data).header_size :]


def rewrap_bytes(data: bytes, identities: list[Identity], **changes: object) -> bytes:
    out = io.BytesIO()
    rewrap_stream(io.BytesIO(data), out, identities, **changes)  # type: ignore[arg-type]
    return out.getvalue()


def test_add_a_recipient(alice: X25519Identity, bob: X25519Identity, tmp_path: Path) -> None:
    source = tmp_path / "a.age"
    source.write_bytes(encrypt_bytes(os.urandom(2 * CHUNK + 3), [alice.recipient]))
    target = tmp_path / "ab.age"
    events: list[ProgressEvent] = []
    info = rewrap_file(source, target, [alice], add=[bob.recipient], progress=events.append)
    assert info.recipient_count == 2
    assert info == read_header(target)
    result = target.read_bytes()
    assert payload_of(result) == payload_of(source.read_bytes())
    assert decrypt_bytes(result, [bob]) == decrypt_bytes(source.read_bytes(), [alice])
    assert decrypt_bytes(result, [alice]) == decrypt_bytes(source.read_bytes(), [alice])
    assert events[-1].done == len(payload_of(result))


def test_remove_a_recipient_whose_identity_is_given(
    alice: X25519Identity, bob: X25519Identity
) -> None:
    sealed = encrypt_bytes(b"shared", [alice.recipient, bob.recipient])
    only_bob = rewrap_bytes(sealed, [alice, bob], remove=[alice.recipient])
    assert read_header(only_bob).recipient_count == 1
    assert decrypt_bytes(only_bob, [bob]) == b"shared"
    with pytest.raises(NoIdentityMatch):
        decrypt_bytes(only_bob, [alice])
    # Opening with alice alone is enough to drop alice herself.
    also_bob = rewrap_bytes(sealed, [alice], remove=[alice.recipient])
    assert decrypt_bytes(also_bob, [bob]) == b"shared"


def test_unattributable_removal_is_refused(
    alice: X25519Identity, bob: X25519Identity, carol: X25519Identity
) -> None:
    sealed = encrypt_bytes(b"x", [alice.recipient, bob.recipient])
    with pytest.raises(InvalidInput, match="cannot find the stanza of age1"):
        rewrap_bytes(sealed, [alice], remove=[bob.recipient])
    with pytest.raises(InvalidInput, match="cannot find the stanza"):
        rewrap_bytes(sealed, [alice], remove=[carol.recipient])


def test_explicit_recipient_set_replaces_everyone(
    alice: X25519Identity, bob: X25519Identity, carol: X25519Identity
) -> None:
    sealed = encrypt_bytes(b"x", [alice.recipient, bob.recipient])
    to_carol = rewrap_bytes(sealed, [alice], recipients=[carol.recipient])
    assert decrypt_bytes(to_carol, [carol]) == b"x"
    for person in (alice, bob):
        with pytest.raises(NoIdentityMatch):
            decrypt_bytes(to_carol, [person])
    with pytest.raises(InvalidInput, match="not both"):
        rewrap_bytes(sealed, [alice], recipients=[carol.recipient], add=[bob.recipient])


def test_adding_someone_already_there_is_a_no_op(alice: X25519Identity) -> None:
    sealed = encrypt_bytes(b"x", [alice.recipient])
    again = rewrap_bytes(sealed, [alice], add=[alice.recipient, alice.recipient])
    assert read_header(again).recipient_count == 1
    with pytest.raises(InvalidInput, match="both added and removed"):
        rewrap_bytes(sealed, [alice], add=[alice.recipient], remove=[alice.recipient])


def test_rules_still_hold(
    alice: X25519Identity, bob: X25519Identity, quantum: HybridIdentity
) -> None:
    sealed = encrypt_bytes(b"x", [alice.recipient])
    with pytest.raises(InvalidInput, match="post-quantum and classic"):
        rewrap_bytes(sealed, [alice], add=[quantum.recipient])
    with pytest.raises(InvalidInput, match="at least one recipient"):
        rewrap_bytes(sealed, [alice], remove=[alice.recipient])
    passphrase = encrypt_bytes(b"x", [ScryptRecipient("pw", FAST_SCRYPT)])
    with pytest.raises(InvalidInput, match="passphrase-encrypted file cannot"):
        rewrap_bytes(passphrase, [ScryptIdentity("pw")], add=[bob.recipient])
    replaced = rewrap_bytes(passphrase, [ScryptIdentity("pw")], recipients=[bob.recipient])
    assert decrypt_bytes(replaced, [bob]) == b"x"
    pq = encrypt_bytes(b"q", [quantum.recipient])
    pq_again = rewrap_bytes(pq, [quantum], add=[HybridIdentity.generate().recipient])
    assert decrypt_bytes(pq_again, [quantum]) == b"q"


def test_the_result_is_authenticated(alice: X25519Identity, bob: X25519Identity) -> None:
    rewrapped = rewrap_bytes(encrypt_bytes(b"x", [alice.recipient]), [alice], add=[bob.recipient])
    end = read_header(rewrapped).header_size - 1
    start = rewrapped.rindex(b"--- ", 0, end) + 4
    mac = bytearray(base64.b64decode(rewrapped[start:end] + b"="))
    mac[0] ^= 1  # another well-formed MAC
    forged = rewrapped[:start] + base64.b64encode(mac).rstrip(b"=") + rewrapped[end:]
    with pytest.raises(HMACError):
        decrypt_bytes(forged, [bob])


def test_armor_follows_the_input_unless_told(alice: X25519Identity, bob: X25519Identity) -> None:
    armored = encrypt_bytes(b"text" * 5000, [alice.recipient], armor=True)
    again = rewrap_bytes(armored, [alice], add=[bob.recipient])
    assert again.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    assert decrypt_bytes(again, [bob]) == b"text" * 5000
    binary = rewrap_bytes(armored, [alice], add=[bob.recipient], armor=False)
    assert binary.startswith(b"age-encryption.org/v1")
    assert decrypt_bytes(binary, [bob]) == b"text" * 5000
    assert payload_of(binary) == payload_of(decrypt_armor_free(armored))
    rearmored = rewrap_bytes(binary, [alice, bob], remove=[alice.recipient], armor=True)
    assert decrypt_bytes(rearmored, [bob]) == b"text" * 5000


def decrypt_armor_free(armored: bytes) -> bytes:
    """The binary age file inside an armor."""
    from app.core.crypto.armor import ArmorReader
    from app.core.crypto.streams import Source

    return Source(ArmorReader(Source(io.BytesIO(armored)))).read(1 << 24)


def test_chosen_identities_and_info(alice: X25519Identity, bob: X25519Identity) -> None:
    seen: list[HeaderInfo] = []

    def choose(info: HeaderInfo) -> list[Identity]:
        seen.append(info)
        return [alice]

    rewrap_bytes(encrypt_bytes(b"x", [alice.recipient]), choose, add=[bob.recipient])  # type: ignore[arg-type]
    assert seen[0].stanza_types == ("X25519",)


def test_cancel(alice: X25519Identity, bob: X25519Identity, tmp_path: Path) -> None:
    source = tmp_path / "a.age"
    source.write_bytes(encrypt_bytes(bytes(100 * CHUNK), [alice.recipient]))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        rewrap_file(source, tmp_path / "b.age", [alice], add=[bob.recipient], cancel=token)
    with source.open("rb") as handle, pytest.raises(Cancelled):
        rewrap_stream(handle, io.BytesIO(), [alice], add=[bob.recipient], cancel=token)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.age"]


def test_kernel_copy_falls_back_when_unsupported(
    alice: X25519Identity, bob: X25519Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "a.age"
    source.write_bytes(encrypt_bytes(bytes(3 * CHUNK), [alice.recipient]))

    def unsupported(*_args: object) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(rewrap_module.os, "copy_file_range", unsupported)
    rewrap_file(source, tmp_path / "b.age", [alice], add=[bob.recipient])
    assert decrypt_bytes((tmp_path / "b.age").read_bytes(), [bob]) == bytes(3 * CHUNK)

    def broken(*_args: object) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(rewrap_module.os, "copy_file_range", broken)
    with pytest.raises(OSError, match="Input/output"):
        rewrap_module._copy_range(0, 1, 0, CancelToken())


def test_pipes_are_copied_by_reading(alice: X25519Identity, bob: X25519Identity) -> None:
    sealed = encrypt_bytes(bytes(2 * CHUNK), [alice.recipient])
    script = (
        "import sys\n"
        "from app.core.crypto import parse_identity, parse_recipient, rewrap_stream\n"
        "rewrap_stream(sys.stdin.buffer, sys.stdout.buffer, [parse_identity(sys.argv[1])],\n"
        "              add=[parse_recipient(sys.argv[2])])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, alice.to_string(), bob.recipient.to_string()],
        input=sealed,
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[4],
    )
    assert decrypt_bytes(result.stdout, [bob]) == bytes(2 * CHUNK)


def test_streams_without_descriptors(alice: X25519Identity, bob: X25519Identity) -> None:
    class NoFileno(io.BytesIO):
        def fileno(self) -> int:
            raise io.UnsupportedOperation("fileno")

    sealed = encrypt_bytes(b"abc", [alice.recipient])
    out = io.BytesIO()
    rewrap_stream(NoFileno(sealed), out, [alice], add=[bob.recipient])
    assert decrypt_bytes(out.getvalue(), [bob]) == b"abc"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.sets(st.integers(0, 3), min_size=1),
    add=st.sets(st.integers(0, 3)),
    remove=st.sets(st.integers(0, 3)),
    size=st.sampled_from([0, 1, CHUNK, CHUNK + 1]),
)
def test_recipient_set_is_exact_and_payload_unchanged(
    before: set[int],
    add: set[int],
    remove: set[int],
    size: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    people = PEOPLE
    remove &= before  # only recipients we can recognise: their identities are given
    add -= remove
    after = (before - remove) | add
    if not after:
        return
    data = bytes(i % 7 for i in range(size))
    folder = tmp_path_factory.mktemp("rewrap")
    source = folder / "in.age"
    source.write_bytes(encrypt_bytes(data, [people[i].recipient for i in sorted(before)]))
    target = folder / "out.age"
    info = rewrap_file(
        source,
        target,
        [people[i] for i in sorted(before)],
        add=[people[i].recipient for i in sorted(add)],
        remove=[people[i].recipient for i in sorted(remove)],
    )
    result = target.read_bytes()
    assert payload_of(result) == payload_of(source.read_bytes())
    assert info.recipient_count == len(after)
    for index, person in enumerate(people):
        if index in after:
            assert decrypt_bytes(result, [person]) == data
        else:
            with pytest.raises(NoIdentityMatch):
                decrypt_bytes(result, [person])


PEOPLE = [X25519Identity.generate() for _ in range(4)]


def test_slow_copy_in_several_steps_and_sinks_without_flush(
    alice: X25519Identity, bob: X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rewrap_module, "_BUFFER", 1000)

    class Sink:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, view: memoryview) -> int:
            self.data += view
            return len(view)

    sealed = encrypt_bytes(bytes(5000), [alice.recipient])
    sink = Sink()
    rewrap_stream(io.BytesIO(sealed), sink, [alice], add=[bob.recipient])  # type: ignore[arg-type]
    assert decrypt_bytes(bytes(sink.data), [bob]) == bytes(5000)


def test_unseekable_input_with_a_descriptor(
    alice: X25519Identity, bob: X25519Identity, tmp_path: Path
) -> None:
    sealed = encrypt_bytes(b"through a pipe", [alice.recipient])
    read_end, write_end = os.pipe()
    os.write(write_end, sealed)
    os.close(write_end)
    with open(read_end, "rb", buffering=0) as src, (tmp_path / "out.age").open("wb") as dst:
        rewrap_stream(src, dst, [alice], add=[bob.recipient])
    assert decrypt_bytes((tmp_path / "out.age").read_bytes(), [bob]) == b"through a pipe"


def test_unknown_stanzas_do_not_block_adding(quantum: HybridIdentity) -> None:
    """A stanza of a type this does not know (here grease) has no say in label checks."""
    from app.core.crypto.header import Stanza, encode_header, parse_header
    from app.core.crypto.streams import Source

    sealed = encrypt_bytes(b"q", [quantum.recipient])
    size = read_header(sealed).header_size
    header = parse_header(Source(io.BytesIO(sealed)))
    file_key = quantum.unwrap(header.stanzas)
    assert file_key is not None
    greased = encode_header([Stanza(("grease", "x"), b""), *header.stanzas], file_key)
    result = rewrap_bytes(
        greased + sealed[size:], [quantum], add=[HybridIdentity.generate().recipient]
    )
    assert read_header(result).stanza_types == ("grease", "mlkem768x25519", "mlkem768x25519")
    assert decrypt_bytes(result, [quantum]) == b"q"


def test_header_only_rewrap_keeps_the_payload_in_place(
    alice: X25519Identity, bob: X25519Identity, tmp_path: Path
) -> None:
    from app.core.crypto import rewrap_header

    sealed = encrypt_bytes(os.urandom(3 * CHUNK), [alice.recipient])
    path = tmp_path / "a.age"
    path.write_bytes(sealed)
    new = rewrap_header(path, [alice], add=[bob.recipient])
    assert new.payload_offset == read_header(sealed).header_size
    assert new.info.recipient_count == 2
    assert new.info.header_size == len(new.header)
    combined = new.header + sealed[new.payload_offset :]
    assert decrypt_bytes(combined, [bob]) == decrypt_bytes(sealed, [alice])
    armored = encrypt_bytes(b"x", [alice.recipient], armor=True)
    with pytest.raises(InvalidInput, match="armored"):
        rewrap_header(io.BytesIO(armored), [alice], add=[bob.recipient])
