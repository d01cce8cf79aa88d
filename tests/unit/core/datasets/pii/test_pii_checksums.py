"""Check-digit algorithms against published examples, and their generators against their checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.datasets.pii.checksums import (
    IBAN_LENGTHS,
    aadhaar_valid,
    card_brand,
    cnpj_check_digits,
    cnpj_valid,
    cpf_check_digits,
    cpf_valid,
    iban_check_digits,
    iban_valid,
    luhn_check_digit,
    luhn_valid,
    nir_valid,
    ssn_valid,
    steuer_id_valid,
    verhoeff_check_digit,
    verhoeff_valid,
)

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3530111333300000", "jcb"),
        ("36227206271667", "diners"),
        ("6200000000000005", "unionpay"),
    ],
)
def test_published_test_cards_pass_luhn_and_have_their_brand(number: str, brand: str) -> None:
    assert luhn_valid(number)
    assert card_brand(number) == brand


def test_luhn_rejects_a_changed_digit() -> None:
    assert not luhn_valid("4111111111111112")
    assert card_brand("1234567890123456") is None


@given(digit_strings)
def test_luhn_check_digit_completes_any_prefix(partial: str) -> None:
    digit = luhn_check_digit(partial)
    assert luhn_valid(partial + digit)
    others = set("0123456789") - {digit}
    assert not any(luhn_valid(partial + other) for other in others)


@pytest.mark.parametrize(
    "iban",
    [
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "BR1800360305000010009795493C1",
        "NO9386011117947",
    ],
)
def test_registry_example_ibans_are_valid(iban: str) -> None:
    assert iban_valid(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "DE88370400440532013000",  # check digits off by one
        "DE8937040044053201300",  # one character short for Germany
        "XX89370400440532013000",  # no such country
        "DE89370400440532013000 ",
        "de89370400440532013000",
    ],
)
def test_ibans_failing_a_rule_are_rejected(iban: str) -> None:
    assert not iban_valid(iban)


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.data())
def test_iban_check_digits_make_any_bban_valid(country: str, data: st.DataObject) -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    length = IBAN_LENGTHS[country] - 4
    bban = data.draw(st.text(alphabet=alphabet, min_size=length, max_size=length))
    assert iban_valid(country + iban_check_digits(country, bban) + bban)


def test_verhoeff_published_example() -> None:
    assert verhoeff_valid("2363")
    assert not verhoeff_valid("2364")
    assert verhoeff_check_digit("236") == "3"


@given(digit_strings)
def test_verhoeff_check_digit_completes_any_prefix(partial: str) -> None:
    assert verhoeff_valid(partial + verhoeff_check_digit(partial))


def test_aadhaar_needs_twelve_digits_not_starting_with_0_or_1() -> None:
    partial = "23412341234"
    number = partial + verhoeff_check_digit(partial)
    assert aadhaar_valid(number)
    assert not aadhaar_valid("1" + number[1:])
    assert not aadhaar_valid(number[:-1])


def test_cpf_and_cnpj_published_examples() -> None:
    assert cpf_valid("52998224725")
    assert not cpf_valid("52998224726")
    assert not cpf_valid("11111111111")  # same digit repeated passes the arithmetic, never issued
    assert cpf_check_digits("529982247") == "25"
    assert cnpj_valid("11222333000181")
    assert not cnpj_valid("11222333000182")
    assert cnpj_check_digits("112223330001") == "81"


@pytest.mark.parametrize("number", ["86095742719", "65929970489"])
def test_steuer_id_published_examples(number: str) -> None:
    assert steuer_id_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "86095742718",  # wrong check digit
        "06095742719",  # leading zero
        "12345678903",  # no digit repeated
        "11123456789",  # a digit three times in a row
    ],
)
def test_steuer_id_rule_breakers(number: str) -> None:
    assert not steuer_id_valid(number)


def test_nir_key_and_month() -> None:
    assert nir_valid("255081416802538")
    assert not nir_valid("255081416802539")
    assert not nir_valid("255131416802538")  # month 13


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789", True),
        ("000456789", False),
        ("666456789", False),
        ("912456789", False),
        ("123006789", False),
        ("123450000", False),
    ],
)
def test_ssn_area_group_serial(number: str, valid: bool) -> None:
    assert ssn_valid(number) is valid


def _iban_valid_by_digit_values(compact: str) -> bool:
    """The mod 97 check spelled with ``int(char, 36)``, as the registry describes it."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


@given(st.sampled_from(sorted(IBAN_LENGTHS)), st.data())
def test_iban_check_reads_letters_as_their_base36_values(country: str, data: st.DataObject) -> None:
    length = IBAN_LENGTHS[country] - 4
    alphabet = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcz") | st.characters()
    bban = data.draw(st.text(alphabet=alphabet, min_size=length, max_size=length))
    for check in (data.draw(st.text("0123456789", min_size=2, max_size=2)), "00"):
        compact = country + check + bban
        assert iban_valid(compact) == _iban_valid_by_digit_values(compact)
    if bban.isascii() and bban.isalnum():
        valid = country + iban_check_digits(country, bban.upper()) + bban
        assert iban_valid(valid) == _iban_valid_by_digit_values(valid)


def _luhn_by_loop(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@given(st.text(alphabet="0123456789", max_size=25) | st.text(max_size=8))
def test_luhn_summed_in_c_agrees_with_the_loop(digits: str) -> None:
    assert luhn_valid(digits) == _luhn_by_loop(digits)
