"""Recipients, identities and key files of every native type."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.crypto import (
    HeaderError,
    HybridIdentity,
    HybridRecipient,
    KeyFormatError,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    bech32,
    parse_identity,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from app.core.crypto.base import Recipient
from app.core.crypto.header import Stanza
from app.core.errors import InvalidInput

FAST_SCRYPT = 2  # a work factor that keeps these tests fast

# The examples of the age specification (C2SP age.md).
SPEC_X25519_IDENTITY = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
SPEC_X25519_RECIPIENT = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
SPEC_PQ_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
SPEC_PQ_RECIPIENT_SHA256 = "a091dd7e0ee9d62b75173dcc98441a0424baa941e66a8776e570a4ae60ff61ea"
FILE_KEY = bytes(range(16))


def test_spec_examples_derive_their_recipients() -> None:
    x = parse_identity(SPEC_X25519_IDENTITY)
    assert x.recipient is not None
    assert x.recipient.to_string() == SPEC_X25519_RECIPIENT
    pq = parse_identity(SPEC_PQ_IDENTITY)
    assert pq.recipient is not None
    text = pq.recipient.to_string()
    assert text.startswith("age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9r")
    assert hashlib.sha256(text.encode()).hexdigest() == SPEC_PQ_RECIPIENT_SHA256


def test_x25519_round_trips(alice: X25519Identity) -> None:
    assert X25519Identity.from_string(alice.to_string()).to_bytes() == alice.to_bytes()
    assert X25519Identity.from_bytes(alice.to_bytes()).recipient == alice.recipient
    text = alice.recipient.to_string()
    assert str(alice.recipient) == text
    assert X25519Recipient.from_string(text) == alice.recipient
    assert hash(X25519Recipient.from_string(text)) == hash(alice.recipient)
    assert parse_recipient(f"  {text}\n") == alice.recipient
    assert alice.to_string().startswith("AGE-SECRET-KEY-1")


def test_hybrid_round_trips(quantum: HybridIdentity) -> None:
    again = HybridIdentity.from_string(quantum.to_string())
    assert again.to_bytes() == quantum.to_bytes()
    assert again.recipient == quantum.recipient
    text = quantum.recipient.to_string()
    assert str(quantum.recipient) == text
    assert parse_recipient(text) == quantum.recipient
    assert quantum.to_string().startswith("AGE-SECRET-KEY-PQ-1")
    assert quantum.recipient.labels == frozenset({"postquantum"})


def test_reprs_hold_no_secret(alice: X25519Identity, quantum: HybridIdentity) -> None:
    assert alice.to_string() not in repr(alice)
    assert alice.recipient.to_string() in repr(alice)
    assert quantum.to_string()[20:] not in repr(quantum)
    assert "hunter2" not in repr(ScryptRecipient("hunter2", FAST_SCRYPT))
    assert "hunter2" not in repr(ScryptIdentity("hunter2"))


def test_each_type_wraps_for_its_identity_only(
    alice: X25519Identity, bob: X25519Identity, quantum: HybridIdentity
) -> None:
    for identity in (alice, quantum):
        assert identity.recipient is not None
        stanzas = identity.recipient.wrap(FILE_KEY)
        assert identity.unwrap(stanzas) == FILE_KEY
    assert bob.unwrap(alice.recipient.wrap(FILE_KEY)) is None
    assert HybridIdentity.generate().unwrap(quantum.recipient.wrap(FILE_KEY)) is None
    # Identities ignore stanzas of other types.
    assert alice.unwrap(quantum.recipient.wrap(FILE_KEY)) is None
    assert quantum.unwrap(alice.recipient.wrap(FILE_KEY)) is None


def test_scrypt_wraps_and_checks(alice: X25519Identity) -> None:
    stanzas = ScryptRecipient("pw", FAST_SCRYPT).wrap(FILE_KEY)
    assert stanzas[0].args[0] == "scrypt"
    assert stanzas[0].args[2] == str(FAST_SCRYPT)
    assert ScryptIdentity("pw").unwrap(stanzas) == FILE_KEY
    assert ScryptIdentity("other").unwrap(stanzas) is None
    assert ScryptIdentity("pw").unwrap(alice.recipient.wrap(FILE_KEY)) is None
    assert ScryptIdentity("pw").recipient is None


def test_scrypt_work_factor_is_capped() -> None:
    stanzas = ScryptRecipient("pw", 5).wrap(FILE_KEY)
    with pytest.raises(HeaderError, match="above the limit of 4"):
        ScryptIdentity("pw", max_work_factor=4).unwrap(stanzas)
    huge = Stanza(("scrypt", stanzas[0].args[1], "9" * 5000), stanzas[0].body)
    with pytest.raises(HeaderError, match="above the limit"):
        ScryptIdentity("pw").unwrap([huge])


def test_scrypt_recipient_refuses_bad_settings() -> None:
    with pytest.raises(InvalidInput, match="empty passphrase"):
        ScryptRecipient("")
    for factor in (0, 23):
        with pytest.raises(InvalidInput, match="work factor"):
            ScryptRecipient("pw", factor)


def test_scrypt_recipients_each_stand_alone() -> None:
    one, two = ScryptRecipient("pw", FAST_SCRYPT), ScryptRecipient("pw", FAST_SCRYPT)
    assert one == two  # same passphrase and cost
    assert one.labels != two.labels  # but never in the same file
    with pytest.raises(TypeError, match="no textual form"):
        one.to_string()


def test_base_recipient_has_no_label() -> None:
    class Plain(Recipient):
        def wrap(self, file_key: bytes) -> list[Stanza]:
            return []

    assert Plain().labels == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ssh-ed25519 AAAAC3Nza", "SSH keys"),
        (bech32.encode("age1yubikey", b"x" * 33), "plugins"),
        (bech32.encode("nope", b"x" * 32), "not an age recipient"),
        (bech32.encode("age", b"x" * 31), "32 bytes"),
        (bech32.encode("age1pq", b"x" * 31), "bytes"),
        (bech32.encode("age", b"x" * 32).upper(), "not an age recipient"),
        (bech32.encode("age1pq", b"\xff" * 1216), "ML-KEM key is invalid"),
    ],
)
def test_bad_recipients(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        parse_recipient(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (bech32.encode("age-plugin-yubikey-", b"x" * 32).upper(), "plugins"),
        (bech32.encode("age-secret-key-", b"x" * 32), "not an age identity"),
        (bech32.encode("nope", b"x" * 32).upper(), "not an age identity"),
        (bech32.encode("age-secret-key-", b"x" * 31).upper(), "32 bytes"),
        (bech32.encode("age-secret-key-pq-", b"x" * 31).upper(), "32-byte seed"),
    ],
)
def test_bad_identities(text: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message):
        parse_identity(text)


def test_type_specific_parsers_refuse_other_types(
    alice: X25519Identity, quantum: HybridIdentity
) -> None:
    with pytest.raises(KeyFormatError, match="X25519 identity"):
        X25519Identity.from_string(quantum.to_string())
    with pytest.raises(KeyFormatError, match="post-quantum identity"):
        HybridIdentity.from_string(alice.to_string())
    with pytest.raises(KeyFormatError, match="X25519 recipient"):
        X25519Recipient.from_string(quantum.recipient.to_string())
    with pytest.raises(KeyFormatError, match="post-quantum recipient"):
        HybridRecipient.from_string(alice.recipient.to_string())
    with pytest.raises(KeyFormatError, match="32 bytes"):
        X25519Recipient(b"short")
    with pytest.raises(KeyFormatError, match="bytes"):
        HybridRecipient(b"short")


def test_identity_file_with_comments(alice: X25519Identity, quantum: HybridIdentity) -> None:
    text = (
        "# created: 2025-01-01T00:00:00Z\r\n"
        f"# public key: {alice.recipient.to_string()}\r\n"
        f"{alice.to_string()}\r\n\n   \n"
        f"  {quantum.to_string()}  \n"
    )
    found = parse_identity_file(text)
    assert [i.recipient for i in found] == [alice.recipient, quantum.recipient]


def test_identity_file_errors_name_the_line_not_the_secret(alice: X25519Identity) -> None:
    secret = alice.to_string()
    broken = secret[:-1] + ("Q" if secret[-1] != "Q" else "P")
    with pytest.raises(KeyFormatError, match="line 3 of the identity file") as caught:
        parse_identity_file(f"# a\n{secret}\n{broken}\n")
    assert broken not in str(caught.value)
    with pytest.raises(KeyFormatError, match="no identity"):
        parse_identity_file("# only a comment\n\n")


def test_recipients_file(alice: X25519Identity, quantum: HybridIdentity) -> None:
    text = f"# team\n{alice.recipient.to_string()}\n\n{quantum.recipient.to_string()}\n"
    assert parse_recipients_file(text) == [alice.recipient, quantum.recipient]
    with pytest.raises(KeyFormatError, match="line 2 of the recipients file"):
        parse_recipients_file("# x\nage1nope\n")
    with pytest.raises(KeyFormatError, match="no recipient"):
        parse_recipients_file("")


@settings(max_examples=25, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32))
def test_any_32_bytes_make_an_x25519_identity(secret: bytes) -> None:
    identity = X25519Identity.from_bytes(secret)
    assert parse_identity(identity.to_string()).recipient == identity.recipient
    assert identity.unwrap(identity.recipient.wrap(FILE_KEY)) == FILE_KEY


def test_backends_without_ml_kem_say_so(
    quantum: HybridIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.exceptions import UnsupportedAlgorithm

    from app.core.crypto import hybrid

    def unsupported(*_args: object) -> None:
        raise UnsupportedAlgorithm("no ML-KEM")

    text = quantum.recipient.to_string()
    monkeypatch.setattr(hybrid.MLKEM768PrivateKey, "from_seed_bytes", unsupported)
    monkeypatch.setattr(hybrid.MLKEM768PublicKey, "from_public_bytes", unsupported)
    with pytest.raises(KeyFormatError, match="ML-KEM"):
        HybridIdentity.generate()
    with pytest.raises(KeyFormatError, match="ML-KEM"):
        parse_recipient(text)
