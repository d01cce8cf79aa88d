"""``_fastlane.find_pii`` answers exactly what the Python detectors answer, or ``None``.

The contract the stage relies on: ``None`` is always allowed (Python then
runs), a list must equal ``resolve_overlaps(raw_findings(text, families))``
to the last detector name. These tests compare the two on the labelled
corpus (every locale, decoys and near misses), on generated text full of
planted values and near misses, and on every known secret prefix, under
several scanners (without phones more runs reach the card and national id
ports); and they check that the benchmark's values are decided in C.
"""

from __future__ import annotations

import random
import string
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.datasets.pii import prefilter
from app.core.datasets.pii.checksums import iban_check_digits, luhn_check_digit
from app.core.datasets.pii.native_find import (
    available,
    native_findings,
    python_findings,
    scanner_arguments,
)
from app.core.datasets.pii.scanner import PiiScanner
from app.core.datasets.pii.tokens import KNOWN_FORMATS
from app.core.datasets.pii.types import DEFAULT_TYPES, PiiType
from tests.helpers.pii_corpus import generate_corpus

pytestmark = pytest.mark.skipif(not available, reason="the C extension is not built")

SCANNERS = (
    PiiScanner(),
    PiiScanner(DEFAULT_TYPES - {PiiType.PHONE}),
    PiiScanner(DEFAULT_TYPES - {PiiType.PHONE}, regions=("GB",)),
    PiiScanner({PiiType.PAYMENT_CARD, PiiType.IBAN, PiiType.IP}),
    PiiScanner({PiiType.NATIONAL_ID}),
    PiiScanner({PiiType.PHONE}, regions=("US", "DE")),
    PiiScanner({PiiType.EMAIL, PiiType.SECRET}),
)
ARGUMENTS = [scanner_arguments(scanner) for scanner in SCANNERS]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if " " <= c <= "~" else " " for c in folded)


def _check(text: str) -> int:
    """Compare C and Python under every scanner and two family sets; how many C decided."""
    decided = 0
    data = text.encode("ascii")
    for scanner, arguments in zip(SCANNERS, ARGUMENTS, strict=True):
        for families in (prefilter.ALL, prefilter.text_families(text)):
            native = native_findings(data, families, arguments)
            if native is not None:
                decided += 1
                assert native == python_findings(scanner, text, families), (text, scanner)
    return decided


def test_the_labelled_corpus_gets_the_python_answer_or_none() -> None:
    decided = total = 0
    for item in generate_corpus(seed=11, items=1200):
        text = _ascii(item.text)
        decided += _check(text)
        total += 2 * len(SCANNERS)
    assert decided > total // 3, (decided, total)  # the comparison is not vacuous


# -- generated text: planted values and their near misses -------------------------------


def _card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "2221", "34", "6011", "3530", "36", "62", "5018", "9"])
    length = rng.choice([13, 14, 15, 16, 16, 16, 19])
    partial = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    number = partial + luhn_check_digit(partial)
    if rng.random() < 0.3:  # a near miss: one digit changed
        at = rng.randrange(len(number))
        number = number[:at] + str((int(number[at]) + 1) % 10) + number[at + 1 :]
    if rng.random() < 0.5:
        sep = rng.choice([" ", "-", ".", "  ", "/"])
        number = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def _iban(rng: random.Random) -> str:
    country, length = rng.choice([("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18), ("XX", 20)])
    if country in ("GB", "NL"):
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        bban += "".join(rng.choice(string.digits) for _ in range(length - 8))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(length - 4))
    iban = country + (iban_check_digits(country, bban) if country != "XX" else "00") + bban
    roll = rng.random()
    if roll < 0.2:
        iban = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    elif roll < 0.3:
        iban = iban[:-2]
    elif roll < 0.4:
        iban += rng.choice(["a", "7", "B", " COBADEFF"])
    if rng.random() < 0.5:
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _ipv4(rng: random.Random) -> str:
    parts = [
        str(rng.choice([0, 1, 10, 99, 192, 255, 256, 300, rng.randrange(256)])) for _ in "1234"
    ]
    if rng.random() < 0.1:
        parts[rng.randrange(4)] = "01"
    address = ".".join(parts)
    before = [
        "",
        "",
        "v",
        "v ",
        "version ",
        "build ",
        "ver. ",
        "x",
        "_v ",
        "-v ",
        "Release  ",
        "(V ",
    ]
    return rng.choice(before) + address


TOKEN_LENGTHS: tuple[int, ...] = (
    9,
    10,
    11,
    15,
    16,
    17,
    19,
    20,
    21,
    22,
    23,
    29,
    30,
    31,
    34,
    35,
    36,
    37,
    43,
    59,
    60,
)
TOKEN_LENGTHS += (61, 239, 240, 241, 246, 247, 248, 249, 250, 251, 252)
"""Around every length bound of :data:`.KNOWN_FORMATS`."""


def _token(rng: random.Random) -> str:
    prefixes = [prefix for entry in KNOWN_FORMATS for prefix in entry[0]]
    prefix = rng.choice([*prefixes, "sk_live_", "rk_test_", "xoxb-", "sk-proj-"])
    if prefix == "hooks.slack.com":
        return "https://hooks.slack.com/services/T0ABC/B1DEF/" + "a1" * rng.randint(6, 10)
    if prefix == "SG.":
        return "SG." + "a" * rng.choice([21, 22]) + "." + "b_" * 21 + rng.choice(["c", "", "cc"])
    if prefix == "eyJ":
        return "eyJ" + "a" * 9 + ".eyJ" + "b" * rng.choice([7, 9]) + "." + "c" * 9
    alphabet = string.ascii_letters + string.digits + rng.choice(["", "_", "-"])
    length = rng.choice(TOKEN_LENGTHS)
    body = "".join(rng.choice(alphabet) for _ in range(length))
    return prefix + body + rng.choice(["", "", "_", "-", "x", ".", " "])


def _number(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.{rng.choice([2024, 24])}"
    if kind == 1:
        return f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == 2:
        return f"${rng.randint(1, 99999)}.{rng.randint(0, 99):02d}"
    if kind == 3:
        return " ".join(str(rng.randint(1, 999)) for _ in range(rng.randint(2, 6)))
    if kind == 4:
        return f"+{rng.randint(1, 99)} {rng.randint(10, 999)} {rng.randint(100, 9999999)}"
    if kind == 5:
        return f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    if kind == 6:
        return "".join(rng.choice(string.digits) for _ in range(rng.choice([9, 11, 12, 14, 15])))
    if kind == 7:
        return f"v{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
    return "".join(rng.choice("0123456789 -./()+") for _ in range(rng.randint(5, 20)))


def _email(rng: random.Random) -> str:
    user = "".join(rng.choice(string.ascii_lowercase + "._+-'") for _ in range(rng.randint(1, 70)))
    domain = rng.choice(["example.com", "mail.example.org", "x.io", "a-b.c_d.de", "2x.png", "e.c"])
    if rng.random() < 0.2:  # labels and top-level domains around their 63-character bound
        label = "a" + "-" * rng.randint(58, 63) + "b"
        domain = rng.choice([f"{label}.com", f"x.{'c' * rng.randint(61, 65)}", f"{label}.{label}"])
    return rng.choice(["", "a", "."]) + user + "@" + domain + rng.choice(["", ".", "-", ".x", "1"])


def _noise(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + " .-/()+@_:#=,'%"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))


MAKERS = (_card, _iban, _ipv4, _token, _number, _email, _noise)
NAMED = ("SSN", "CPF", "Aadhaar", "tel", "order", "IBAN", "card", "ip", "", "")


@st.composite
def planted_text(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(rng.choice(NAMED))
        parts.append(rng.choice(MAKERS)(rng))
    glue = draw(st.sampled_from([" ", ", ", "; ", "", ": ", " - ", "/"]))
    return glue.join(parts)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted_text())
def test_planted_values_and_near_misses_get_the_python_answer_or_none(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.digits + " .-/()+@_:ABDEGKNPZabc", max_size=60))
def test_random_ascii_gets_the_python_answer_or_none(text: str) -> None:
    _check(text)


PREFIXES = sorted(
    {p for entry in KNOWN_FORMATS for p in entry[0] if p not in ("xox", "k_live_", "k_test_")}
    | {"xoxb-", "xoxq-", "sk_live_", "rk_test_", "pk_live_", "sk-proj-", "sk-ant-api03-"}
)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_known_secret_prefix_is_decided_and_right(prefix: str) -> None:
    rng = random.Random(prefix)
    decided = 0
    for length in TOKEN_LENGTHS:
        for extra in ("", "_", "-"):
            body = "".join(
                rng.choice(string.ascii_letters + string.digits + extra) for _ in "x" * length
            )
            for tail in ("", "_", "-", "x", ".", " ok"):
                for before in ("key ", "_", "a"):
                    decided += _check(f"{before}{prefix}{body}{tail}")
    for _ in range(40):
        decided += _check(f"key {_token(rng)} here")
    assert decided


@pytest.mark.parametrize(
    "local", ["john.doe", "j", "a" * 64, "a" * 65, "x..y", "x.", "_x", "o'neil+tag"]
)
def test_e_mail_bounds_get_the_python_answer(local: str) -> None:
    for size in (1, 2, 61, 62, 63, 64, 65):
        for domain in (f"a{'-' * (size - 2)}b.com" if size > 1 else "a.com", f"x.{'c' * size}"):
            for tail in ("", ".", ".x", "-", "1", ". Next"):
                _check(f"mail {local}@{domain}{tail} now")


# -- the benchmark's values are decided in C --------------------------------------------


def _benchmark_value(rng: random.Random, kind: int) -> str:
    if kind == 0:
        user = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        return f"{user}@{rng.choice(['example.com', 'mail.example.org', 'uni.example.de'])}"
    if kind == 1:
        return f"+1 415 555 {rng.randint(1000, 9999)}"
    if kind == 2:
        bban = "".join(rng.choice(string.digits) for _ in range(18))
        return f"DE{iban_check_digits('DE', bban)}{bban}"
    if kind == 3:
        partial = "4" + "".join(rng.choice(string.digits) for _ in range(14))
        return partial + luhn_check_digit(partial)
    if kind == 4:
        return f"192.0.2.{rng.randint(1, 254)}"
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4, 5])
def test_the_benchmark_values_are_decided_in_c(kind: int) -> None:
    rng = random.Random(kind)
    scanner = PiiScanner()
    arguments = scanner_arguments(scanner)
    for _ in range(200):
        # As benchmarks/prepare_vs_parse.py writes its records: sentences, cut anywhere.
        text = " ".join(
            " ".join(
                rng.choice(string.ascii_lowercase) * rng.randint(2, 9) for _ in "x" * 8
            ).capitalize()
            + "."
            for _ in range(rng.randint(3, 6))
        )
        cut = rng.randrange(len(text))
        text = f"{text[:cut]} contact {_benchmark_value(rng, kind)} {text[cut:]}"
        families = prefilter.text_families(text)
        native = native_findings(text.encode(), families, arguments)
        assert native is not None, text
        assert native == python_findings(scanner, text, families)
        assert len(native) == 1


def test_phone_numbers_go_to_python_unless_written_the_international_way() -> None:
    scanner = PiiScanner()
    arguments = scanner_arguments(scanner)
    for text in ("call 0171 2345678 now", "Tel. 4155550132"):
        assert native_findings(text.encode(), prefilter.ALL, arguments) is None, text
    # An order number's word rules a phone number out in C too.
    assert native_findings(b"order 0049 30 1234567", prefilter.ALL, arguments) == []
    without = scanner_arguments(scanner, phones=False)
    for text in ("call +1 415 555 0132 now", "ring 0049 30 12345678 x", "+1 (415) 555-0132"):
        assert native_findings(text.encode(), prefilter.ALL, without) is None
        native = native_findings(text.encode(), prefilter.ALL, arguments)
        assert native is not None, text
        assert native == python_findings(scanner, text, prefilter.ALL)
    assert native_findings(b"call +1 415 555 0132", prefilter.ALL, arguments) == [
        (5, 20, PiiType.PHONE, "phone:US")
    ]


def test_text_c_cannot_read_goes_to_python() -> None:
    arguments = scanner_arguments(PiiScanner())
    assert native_findings("mail j\u00f6rg@example.com".encode(), prefilter.ALL, arguments) is None
    assert native_findings(b"a\tb@example.com", prefilter.ALL, arguments) is None
    names = scanner_arguments(PiiScanner({PiiType.PERSON_NAME}))
    assert native_findings(b"Alice Smith", prefilter.ALL, names) is None


NO_PHONE_WORDS = [
    "isbn",
    "issn",
    "doi",
    "order",
    "invoice",
    "ticket",
    "ref",
    "reference",
    "tracking",
    "account",
    "acct",
    "customer",
    "case",
    "po",
    "sku",
    "serial",
    "epoch",
    "timestamp",
    "unix",
    "bestellung",
    "rechnung",
    "commande",
    "facture",
    "pedido",
    "nota",
]


@pytest.mark.parametrize("word", [*NO_PHONE_WORDS, "pos", "Order", "xref"])
def test_words_that_rule_a_phone_number_out_get_the_python_answer(word: str) -> None:
    decided = 0
    for suffix in ("", " no.", " No", "number", " nr.", "#", " id", " n", "x"):
        for glue in (" ", ": ", " #", "-", "", ". "):
            for pad in ("", "a", "zz", "padding words go here to fill x"):
                for number in ("+49 30 12345678", "+1 415 555 0132", "0049 30 1234567"):
                    decided += _check(f"{pad}{word}{suffix}{glue}{number}")
    for shift in (-1, 0, 1):  # the word glued to a letter, at the edge of the 32 characters read
        for number in ("+49 30 12345678", "+1 415 555 0132"):
            decided += _check(f"zz{word}{' ' * (32 - len(word) + shift)}{number}")
            decided += _check(f"a {word}{'-' * (32 - len(word) + shift)}{number}")
    assert decided


def test_the_phone_check_s_errors_propagate_and_it_may_call_back_in() -> None:
    from app.core.datasets import nativelane
    from app.core.datasets.pii import digits

    find_pii = nativelane._NATIVE.find_pii  # type: ignore[union-attr]
    plan, types, regions, _ = scanner_arguments(PiiScanner())
    text = b"call +1 415 555 0132 or mail a.b@example.com"

    def failing(run: str, region: str | None) -> str | None:
        raise RuntimeError("phonenumbers failed")

    with pytest.raises(RuntimeError, match="phonenumbers failed"):
        find_pii(text, prefilter.ALL, plan, types, regions, failing)

    def reentrant(run: str, region: str | None) -> str | None:
        inner = find_pii(b"x 4111 1111 1111 1111", prefilter.ALL, plan, types, regions)
        assert inner == [(2, 21, 2, "card:visa")]
        return digits._valid_region(run, region)

    assert find_pii(text, prefilter.ALL, plan, types, regions, reentrant) == [
        (5, 20, 1, "phone:US"),
        (29, 44, 0, "email"),
    ]


# -- assignments: C rules them out where no name can be followed by an assignment ---------

_PIECES = st.sampled_from(
    [
        "key", "Key", "KEY", "secret", "token", "bearer", "Bearer", "pass", "password",
        "passwd", "pwd", "credential", "credentials", "apikey", "api_key", "dbPassword",
        "githubToken", "monkey", "turkey", "bypass", "compass", "_", "-", ".", "'", '"',
        " ", "  ", ":", "=", ":=", "=>", " is ", "is", " = ", "sk9Fh2kLm3Qp8Zx1", "hunter2",
        "changeme", "Xy7pQ2mN9vB4kL1z", "abc", "value", "uthorization", "://", "@", "x",
        "1234", "accessToken", "the key is", "user_pass", "rootpwd",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=1, max_size=8))
def test_assignments_are_left_to_python_or_answered_alike(pieces: list[str]) -> None:
    _check("".join(pieces))


def test_a_name_without_an_assignment_is_decided_in_c() -> None:
    """Anchor words inside other words, or not followed by an assignment, are no secret."""
    scanner = PiiScanner()
    arguments = scanner_arguments(scanner)
    for text in (
        "the monkey ate a turkey on the bypass",
        "keys are kept in the token-ring",
        "ask the Secret Service about it",
        "a passage with compass and keyboard",
    ):
        found = native_findings(text.encode("ascii"), prefilter.ALL, arguments)
        assert found == python_findings(scanner, text, prefilter.ALL) == []
    assert native_findings(b"my key is Xy7pQ2mN9vB4kL1z", prefilter.ALL, arguments) is None
