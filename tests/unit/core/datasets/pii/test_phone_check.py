"""The compiled phone validity gives ``phonenumbers``' own answers, for every calling code."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata, PhoneNumber, phonenumberutil
from phonenumbers.phonemetadata import PhoneNumberDesc
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from app.core.datasets.pii import PiiType, digits, phone_check

CODES = sorted(COUNTRY_CODE_TO_REGION_CODE)
REGIONS = [*sorted(phonenumbers.SUPPORTED_REGIONS), "001", "ZZ", "us", "gb"]
DESCS = ("general_desc", *phone_check._TYPE_DESCS, "mobile")


def _metadata(code: int, region: str) -> PhoneMetadata | None:
    if region == "001":
        return PhoneMetadata.metadata_for_nongeo_region(code, None)
    return PhoneMetadata.metadata_for_region(region, None)


def _samples(code: int, rng: random.Random) -> set[str]:
    """National numbers near the code's valid ones: examples, mutated and cut, and random digits."""
    examples: list[str] = []
    lengths: set[int] = set()
    for region in COUNTRY_CODE_TO_REGION_CODE[code]:
        metadata = _metadata(code, region)
        assert metadata is not None
        for name in DESCS:
            desc = getattr(metadata, name)
            if desc is None:
                continue
            lengths.update(desc.possible_length)
            if desc.example_number:
                examples.append(desc.example_number)
    found: set[str] = set()
    for number in examples:
        found.update((number, number[:-1], number[1:], number + "7", "0" + number))
        for _ in range(12):
            mutated = list(number)
            for _ in range(rng.randrange(1, 3)):
                mutated[rng.randrange(len(mutated))] = rng.choice("0123456789")
            found.add("".join(mutated))
    lengths = {n for n in lengths if n > 0} or {8}
    for length in range(max(1, min(lengths) - 2), max(lengths) + 3):
        for _ in range(10):
            found.add("".join(rng.choice("0123456789") for _ in range(length)))
    return found


def _number(code: int | None, nsn: str) -> PhoneNumber:
    number = phone_check._number(code, nsn)
    assert phonenumbers.national_significant_number(number) == nsn
    return number


@pytest.fixture
def fresh() -> Iterator[None]:
    """Compiled regexes dropped before and after: a test that compiles differently leaves none."""
    phone_check._codes.clear()
    phone_check._regions.clear()
    yield
    phone_check._codes.clear()
    phone_check._regions.clear()


def test_every_calling_code_and_region_answers_as_the_library() -> None:
    rng = random.Random(20261130)
    checked = valid = 0
    for code in CODES:
        regions = list(COUNTRY_CODE_TO_REGION_CODE[code])
        for nsn in sorted(_samples(code, rng)):
            number = _number(code, nsn)
            expected = phonenumbers.is_valid_number(number)
            assert phone_check.is_valid_number(number) is expected, (code, nsn)
            assert phone_check.valid_national(code, nsn) is expected, (code, nsn)
            for region in [*regions, *rng.sample(REGIONS, 2)]:
                assert phone_check.is_valid_number_for_region(
                    number, region
                ) is phonenumbers.is_valid_number_for_region(number, region), (code, nsn, region)
            checked += 1
            valid += expected
    # The samples must hold both answers in bulk, or the comparison proves little.
    assert checked > 30_000
    assert 0.1 < valid / checked < 0.7, valid / checked


@settings(max_examples=400, deadline=None)
@given(
    code=st.one_of(st.sampled_from(CODES), st.sampled_from([0, 2, 999, 1000, 3883])),
    nsn=st.text("0123456789", min_size=1, max_size=17),
    leading_zero=st.sampled_from([None, False, True]),
    zeros=st.sampled_from([None, 0, 1, 2, 3]),
    region=st.one_of(st.none(), st.sampled_from(REGIONS)),
)
@example(code=1, nsn="4155550132", leading_zero=None, zeros=None, region="CA")
@example(code=44, nsn="1624456789", leading_zero=None, zeros=None, region="IM")
@example(code=39, nsn="612345678", leading_zero=True, zeros=1, region="VA")
@example(code=800, nsn="12345678", leading_zero=None, zeros=None, region="001")
@example(code=7, nsn="7012345678", leading_zero=None, zeros=None, region="KZ")
def test_any_number_object_answers_as_the_library(
    code: int,
    nsn: str,
    leading_zero: bool | None,
    zeros: int | None,
    region: str | None,
) -> None:
    number = PhoneNumber(
        country_code=code,
        national_number=int(nsn),
        italian_leading_zero=leading_zero,
        number_of_leading_zeros=zeros,
    )
    assert phone_check.is_valid_number(number) is phonenumbers.is_valid_number(number)
    assert phone_check.is_valid_number_for_region(
        number, region
    ) is phonenumbers.is_valid_number_for_region(number, region)


def test_the_regions_sharing_a_code_are_told_apart() -> None:
    """A code's numbers are checked against the region the library picks for them."""
    for code, nsn in [(1, "4165550132"), (44, "1624456789"), (7, "7012345678"), (61, "891621234")]:
        number = _number(code, nsn)
        assert phonenumbers.region_code_for_number(number) is not None
        assert phone_check.is_valid_number(number) is phonenumbers.is_valid_number(number)
    assert phone_check.valid_national(1, "4165550132")  # Toronto: valid, in CA not US
    assert phone_check.valid_national_for_region(1, "4165550132", "CA")
    assert not phone_check.valid_national_for_region(1, "4165550132", "US")
    assert not phone_check.valid_national_for_region(44, "4165550132", "CA")
    assert not phone_check.valid_national_for_region(1, "4165550132", None)
    assert not phone_check.valid_national(None, "4165550132")


DESC_CASES = [
    PhoneNumberDesc(national_number_pattern=r"\d{5,8}", possible_length=(6, 8)),
    PhoneNumberDesc(national_number_pattern=r"[1-7]\d{4,9}", possible_length=(5, 6, 7, 10)),
    PhoneNumberDesc(national_number_pattern=r"\d{5,8}"),
    PhoneNumberDesc(national_number_pattern=r"1\d{3}|12\d{4}", possible_length=(6,)),
    PhoneNumberDesc(national_number_pattern="", possible_length=(5,)),
    PhoneNumberDesc(national_number_pattern=r"\d{5}", possible_length=(-1,)),
    PhoneNumberDesc(possible_length=(5,)),
    None,
]


@pytest.mark.parametrize("desc", DESC_CASES)
def test_a_description_matches_as_the_library_matches_it(desc: PhoneNumberDesc | None) -> None:
    """Lengths included: the shipped metadata's patterns rarely reach beyond their lengths."""
    pattern = phone_check._desc(desc)
    compiled = None if pattern is None else phone_check._compile(pattern)
    rng = random.Random(9)
    for length in range(0, 12):
        for _ in range(40):
            nsn = "".join(rng.choice("0123456789") for _ in range(length))
            nsn = nsn if rng.random() < 0.7 else "12" + nsn[2:]
            ours = compiled is not None and compiled.match(nsn) is not None
            assert ours is phonenumberutil._is_number_matching_desc(nsn, desc), (nsn, pattern)


@pytest.mark.usefixtures("fresh")
def test_unmirrored_metadata_is_answered_by_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(pattern: str) -> str:
        raise phone_check._Unsupported(pattern)

    monkeypatch.setattr(phone_check, "_embeddable", refuse)
    rng = random.Random(5)
    for code in (1, 44, 49, 39, 800):
        for nsn in sorted(_samples(code, rng))[:80]:
            number = _number(code, nsn)
            assert phone_check.is_valid_number(number) is phonenumbers.is_valid_number(number)
            for region in (*COUNTRY_CODE_TO_REGION_CODE[code], "DE"):
                assert phone_check.is_valid_number_for_region(
                    number, region
                ) is phonenumbers.is_valid_number_for_region(number, region)
    assert phone_check._codes[44].fallback
    assert phone_check._regions[("GB", None)] is None


@pytest.mark.usefixtures("fresh")
def test_threads_compiling_at_once_agree() -> None:
    numbers = [(code, nsn) for code in (1, 44, 49, 33, 91, 55, 7) for nsn in ("4155550132",)]
    numbers += [(44, "2079460958"), (49, "30123456"), (33, "612345678"), (91, "9812345678")]
    expected = [phonenumbers.is_valid_number(_number(c, n)) for c, n in numbers]
    answers: list[list[bool]] = []
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        answers.append([phone_check.valid_national(c, n) for c, n in numbers])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [expected] * 4


def _reference(run: str, region: str | None) -> str | None:
    """``digits._valid_region`` as it was before: every step by ``phonenumbers``."""
    try:
        number = phonenumbers.parse(run, region)
    except phonenumbers.NumberParseException:
        return None
    if region is not None:
        if number.country_code != phonenumbers.country_code_for_region(region):
            return None
        return (
            f"phone:{region}" if phonenumbers.is_valid_number_for_region(number, region) else None
        )
    if not phonenumbers.is_valid_number(number):
        return None
    return f"phone:{phonenumbers.region_code_for_country_code(number.country_code or 0)}"


SCANNER_REGIONS = ("US", "CA", "GB", "DE", "FR", "IN", "BR")
RUNS = [
    "+1 415 555 0132",
    "+1-415-555-0132",
    "+14155550132",
    "+1 416 555 0132",
    "+1 115 555 0132",
    "+1 415 555 013",
    "+44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "+44 1624 456789",
    "+49 30 123456",
    "+49 30 1234567",
    "+33 6 12 34 56 78",
    "+91 98123 45678",
    "+55 11 91234 5678",
    "+39 06 6988 1234",
    "+7 701 234 5678",
    "+800 1234 5678",
    "+999 123 4567",
    "(415) 555-0132",
    "415 555 0132",
    "1 415 555 0132",
    "020 7946 0958",
    "07700 900123",
    "030 123456",
    "030 1234567",
    "0151 12345678",
    "01 23 45 67 89",
    "06 12 34 56 78",
    "98123 45678",
    "022 2345 6789",
    "(11) 91234-5678",
    "11 3456-7890",
    "1234567",
]


@pytest.mark.parametrize("run", RUNS)
def test_valid_region_end_to_end(run: str) -> None:
    digits.forget_numbers()
    for region in (None, *SCANNER_REGIONS):
        assert digits._valid_region(run, region) == _reference(run, region), (run, region)


def test_valid_region_reads_the_benchmark_numbers() -> None:
    digits.forget_numbers()
    assert digits._valid_region("+1 415 555 0132", None) == "phone:US"
    assert digits._valid_region("+44 20 7946 0958", None) == "phone:GB"
    text = "Tel. 0049 30 123456"
    assert digits._classify(text, text[5:], 5, {PiiType.PHONE}, SCANNER_REGIONS) == (
        PiiType.PHONE,
        "phone:DE",
    )
    rng = random.Random(3)
    for _ in range(300):
        run = f"+1 {rng.randrange(200, 1000)} {rng.randrange(1000):03d} {rng.randrange(10000):04d}"
        assert digits._valid_region(run, None) == _reference(run, None), run
    digits.forget_numbers()


def _parsed(run: str, region: str | None) -> tuple[int, str]:
    try:
        number = phonenumbers.parse(run, region)
    except phonenumbers.NumberParseException:
        return phone_check.REJECTED
    return number.country_code or 0, phonenumbers.national_significant_number(number)


PARSE_REGIONS = [None, *SCANNER_REGIONS, *sorted(phonenumbers.SUPPORTED_REGIONS), "001", "ZZ", "de"]
SEPARATORS = [" ", "-", ".", "/", "(", ")", ") ", " (", "  ", "--", ""]


def _written(rng: random.Random) -> str:
    """A number as people write it: ``+`` and a calling code, ``00``, a bracket or none, groups."""
    lead = rng.random()
    if lead < 0.5:
        run = "+" + str(rng.choice(CODES) if rng.random() < 0.9 else rng.randrange(1000))
    elif lead < 0.6:
        run = "00" + str(rng.choice(CODES))
    else:
        run = rng.choice(["", "", "(", "0", "1"])
    for _ in range(rng.randrange(1, 6)):
        if run and run not in ("+", "("):
            run += rng.choice(SEPARATORS)
        run += "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 6)))
    return run


def test_the_common_forms_are_read_as_the_library_reads_them() -> None:
    rng = random.Random(11)
    read = 0
    for _ in range(25_000):
        run, region = _written(rng), rng.choice(PARSE_REGIONS)
        found = phone_check.read_number(run, region)
        if found is not None:
            assert found == _parsed(run, region), (run, region)
            read += 1
    assert read > 20_000  # the library is asked about few of them


@settings(max_examples=300, deadline=None)
@given(
    lead=st.sampled_from(["+", "+", "", "(", "00", "0", "+0"]),
    groups=st.lists(
        st.tuples(st.sampled_from(SEPARATORS), st.text("0123456789", min_size=1, max_size=5)),
        min_size=1,
        max_size=6,
    ),
    region=st.sampled_from(PARSE_REGIONS),
)
@example(lead="+", groups=[("", "44"), (" ", "(0)20"), (" ", "7946"), (" ", "0958")], region=None)
@example(lead="", groups=[("", "030"), (" ", "1234567")], region="DE")
@example(lead="", groups=[("", "1"), (" ", "415"), (" ", "5550132")], region="US")
@example(lead="", groups=[("", "0"), ("", "11"), (" ", "912345678")], region="BR")
def test_any_simple_form_is_read_as_the_library_reads_it(
    lead: str, groups: list[tuple[str, str]], region: str | None
) -> None:
    run = lead + "".join(sep + digits for sep, digits in groups)
    found = phone_check.read_number(run, region)
    if found is not None:
        assert found == _parsed(run, region)
    digits.forget_numbers()
    assert digits._valid_region(run, region) == _reference(run, region)


def test_only_plain_readings_are_taken_without_the_library() -> None:
    assert phone_check.read_number("+44 20 7946 0958", None) == (44, "2079460958")
    assert phone_check.read_number("030 1234567", "DE") == (49, "301234567")
    assert phone_check.read_number("(415) 555-0132", "US") == (1, "4155550132")
    assert phone_check.read_number("0800 1234", None) == phone_check.REJECTED
    assert phone_check.read_number("+0 123 456", None) == phone_check.REJECTED
    # The library guesses between readings here, or reads more than digits: it is asked.
    assert phone_check.read_number("1 415 555 0132", "US") is None  # the calling code, or not
    assert phone_check.read_number("0049 30 123456", "DE") is None  # an international prefix
    assert phone_check.read_number("+0 123 456", "DE") is None  # read again as national
    assert phone_check.read_number("030 1234567", "de") is None  # not a region code it knows
    assert phone_check.read_number("+44 20 7946 0958 ext. 12", None) is None
    assert phone_check.read_number("+44 20 7946 0958 #", None) is None
    assert phone_check.read_number("+12", None) is None


def _region_like(prefix: str, transform: str | None, lengths: tuple[int, ...]) -> PhoneMetadata:
    """A made-up region (not registered) whose rules reach the corners real metadata seldom does."""
    return PhoneMetadata(
        id="XX",
        country_code=999,
        general_desc=PhoneNumberDesc(
            national_number_pattern=r"[1-8]\d{5,9}|9\d{3}",
            possible_length=lengths,
            possible_length_local_only=(5, 12),
        ),
        national_prefix_for_parsing=prefix,
        national_prefix_transform_rule=transform,
        register=False,
    )


@pytest.mark.parametrize(
    ("prefix", "transform", "lengths"),
    [
        ("0", None, (6, 7, 10)),
        ("0|99", None, (4, 8, 9)),
        ("(?:0|1)(2)?", None, (6, 10)),
        ("0(?:(3)(\\d{6}))?", "7\\1\\2", (7, 8, 10)),
    ],
)
def test_the_national_prefix_is_stripped_as_the_library_strips_it(
    prefix: str, transform: str | None, lengths: tuple[int, ...]
) -> None:
    metadata = _region_like(prefix, transform, lengths)
    plan = phone_check._new_plan(metadata)
    assert plan is not None
    rng = random.Random(len(prefix))
    for size in range(2, 15):
        for _ in range(60):
            national = rng.choice(["0", "1", "99", "03", "9", "2"]) + "".join(
                rng.choice("0123456789") for _ in range(size)
            )
            _, stripped, _ = phonenumberutil._maybe_strip_national_prefix_carrier_code(
                national, metadata
            )
            expected = national
            if phonenumberutil._test_number_length(stripped, metadata) not in (
                phone_check._SHORT_NUMBER_RESULTS
            ):
                expected = stripped
            assert phone_check._without_national_prefix(national, plan) == expected, national


def test_metadata_without_lengths_is_left_to_the_library() -> None:
    """Its length test raises inside ``parse``: not an answer to copy."""
    assert phone_check._new_plan(_region_like("0", None, ())) is None
