"""Check-digit algorithms that turn "looks like a card number" into "is one".

A pattern alone cannot tell a card from an order number or an IBAN from a
product code; a check digit can, with a known error rate: Luhn lets one random
number in ten through, ISO 7064 mod 97 one in 97. Each function takes the
digits (or characters) with separators already removed and never raises.
"""

from __future__ import annotations

from collections import Counter

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
"""Length of a full IBAN per country (SWIFT IBAN registry)."""


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by every payment card brand."""
    if digits.isascii() and digits.isdigit():
        # Summed in C: the digits kept as they are, and the doubled ones through a table
        # to the digit sum of their double (7 -> 14 -> 5), as the loop below adds them.
        kept, doubled = digits[::-1][::2], digits[::-1][1::2]
        total = sum(kept.encode()) + sum(doubled.translate(_LUHN_DOUBLED).encode())
        return (total - 48 * len(digits)) % 10 == 0
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn."""
    for candidate in "0123456789":
        if luhn_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def card_brand(digits: str) -> str | None:
    """The brand a card number's prefix and length belong to, or ``None`` for none."""
    length = len(digits)
    head2, head4 = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return "visa" if length in (13, 16, 19) else None
    if (51 <= head2 <= 55 or 2221 <= head4 <= 2720) and length == 16:
        return "mastercard"
    if head2 in (34, 37):
        return "amex" if length == 15 else None
    if 2200 <= head4 <= 2204 and 16 <= length <= 19:
        return "mir"
    if (head4 == 6011 or 644 <= int(digits[:3]) <= 649 or head2 == 65) and 16 <= length <= 19:
        return "discover"
    if 3528 <= head4 <= 3589 and 16 <= length <= 19:
        return "jcb"
    if (300 <= int(digits[:3]) <= 305 or head2 in (36, 38, 39)) and 14 <= length <= 19:
        return "diners"
    if head2 == 62 and 16 <= length <= 19:
        return "unionpay"
    if head4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) and 12 <= length <= 19:
        return "maestro"
    return None


def iban_valid(compact: str) -> bool:
    """ISO 13616: known country, the country's length, and the ISO 7064 mod 97 check."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    if not compact.isascii() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int(rearranged.translate(_BASE36_DIGITS)) % 97 == 1


_BASE36_DIGITS = {
    ord(char): str(int(char, 36)) for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
}
"""Each ASCII letter to its value as a base-36 digit (A and a are 10): what mod 97 reads."""


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + digits + bban`` a valid IBAN."""
    number = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{98 - int(number) % 97:02d}"


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2), (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 7, 6, 8, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)  # fmt: skip
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_valid(digits: str) -> bool:
    """The Verhoeff check (Aadhaar): catches every single-digit and adjacent-swap error."""
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][ord(char) - 48]]
    return check == 0


def verhoeff_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Verhoeff."""
    check = 0
    for position, char in enumerate(reversed(partial)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[(position + 1) % 8][ord(char) - 48]]
    return str(_VERHOEFF_INV[check])


def aadhaar_valid(digits: str) -> bool:
    """India's Aadhaar number: 12 digits, not starting with 0 or 1, Verhoeff check."""
    return len(digits) == 12 and digits[0] not in "01" and verhoeff_valid(digits)


def _cpf_digit(digits: str, first_weight: int) -> int:
    weights = range(first_weight, 1, -1)
    total = sum(int(char) * weight for char, weight in zip(digits, weights, strict=False))
    return total * 10 % 11 % 10


def cpf_check_digits(first_nine: str) -> str:
    """The two check digits of a Brazilian CPF."""
    first = _cpf_digit(first_nine, 10)
    return f"{first}{_cpf_digit(first_nine + str(first), 11)}"


def cpf_valid(digits: str) -> bool:
    """Brazil's CPF: 11 digits, two mod-11 check digits, not all the same digit."""
    return len(digits) == 11 and len(set(digits)) > 1 and cpf_check_digits(digits[:9]) == digits[9:]


_CNPJ_WEIGHTS = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def cnpj_check_digits(first_twelve: str) -> str:
    """The two check digits of a Brazilian CNPJ (company number)."""
    result = first_twelve
    for weights in (_CNPJ_WEIGHTS[1:], _CNPJ_WEIGHTS):
        remainder = sum(int(c) * w for c, w in zip(result, weights, strict=False)) % 11
        result += "0" if remainder < 2 else str(11 - remainder)
    return result[12:]


def cnpj_valid(digits: str) -> bool:
    """Brazil's CNPJ: 14 digits with two mod-11 check digits."""
    return (
        len(digits) == 14 and len(set(digits)) > 1 and cnpj_check_digits(digits[:12]) == digits[12:]
    )


def steuer_id_check_digit(first_ten: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a German tax identification number."""
    product = 10
    for char in first_ten:
        total = (int(char) + product) % 10 or 10
        product = total * 2 % 11
    check = 11 - product
    return "0" if check == 10 else str(check)


def steuer_id_valid(digits: str) -> bool:
    """Germany's Steuer-ID: 11 digits, no leading 0, one digit repeated (2 or 3 times), check digit.

    The repetition rule (exactly one digit occurs twice or three times in the
    first ten, never three in a row) rejects about 98% of random numbers before
    the check digit rejects nine in ten of the rest.
    """
    if len(digits) != 11 or digits[0] == "0":
        return False
    counts = Counter(digits[:10])
    repeated = [count for count in counts.values() if count > 1]
    if len(repeated) != 1 or repeated[0] > 3:
        return False
    if repeated[0] == 3 and any(digits[i] == digits[i + 1] == digits[i + 2] for i in range(8)):
        return False
    return steuer_id_check_digit(digits[:10]) == digits[10]


def nir_valid(digits: str) -> bool:
    """France's NIR (social security number): sex, birth month, and the mod-97 key."""
    if len(digits) != 15 or digits[0] not in "12" or not 1 <= int(digits[3:5]) <= 12:
        return False
    return 97 - int(digits[:13]) % 97 == int(digits[13:])


def ssn_valid(digits: str) -> bool:
    """US SSN: area 001-899 but not 666, group 01-99, serial 0001-9999."""
    if len(digits) != 9:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and group > 0 and serial > 0
