"""Digit runs: payment cards, digit-led national identifiers and phone numbers.

One regex finds every run of digits with the separators people write inside
numbers (spaces, dashes, dots, slashes, brackets, a leading ``+``); runs too
short to be any of these are dropped before any Python code looks at them.
Each remaining run is then asked, from the strongest evidence to the weakest:
is it a date (then nothing), a card (brand prefix, grouping and Luhn), a
national identifier (shape and check digits), a phone number (the number
plan of one of the scanner's regions, checked by ``phonenumbers``)?

``phonenumbers.PhoneNumberMatcher`` is not used: it tries every region at
every digit and costs milliseconds per kilobyte. Here a run reaches
``phonenumbers.parse`` only after cheap checks of length, prefix and shape,
so text full of dates, prices and versions costs a regex scan and little else.

A run written without separators and without a ``+`` is as likely an order
number as a phone number, so it counts only with a word like "phone", "Tel."
or "ligue" just before it.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import phonenumbers

from app.core.datasets.pii.checksums import card_brand, luhn_valid
from app.core.datasets.pii.national import classify_national
from app.core.datasets.pii.types import PiiType, Raw

_S = "[ \u00a0\u202f]"
DIGIT_RUN = re.compile(
    r"(?<![\w.+\-/#])(?>(?:\+|\(\+?)?[0-9]+"
    rf"(?:(?:{_S}?[\-/]{_S}?|{_S}|\.|\){_S}?-?|{_S}?\()[0-9]+)*)"
    r"(?![\w@]|\.[0-9])"
)
"""A maximal run of digits and in-number separators, not glued to a word or a dotted number."""

_MIN_DIGITS = 7
_GROUPS = re.compile(r"[0-9]+")
_DATE = re.compile(
    r"(?:[0-9]{4}[./-][0-9]{1,2}[./-][0-9]{1,2}|[0-9]{1,2}[./-][0-9]{1,2}[./-](?:[0-9]{4}|[0-9]{2}))"
)
_PHONE_WORDS = re.compile(
    r"(?i)(?:\b(?:tel|tél|phone|mobile|mob|cell|call|calls|fax|whats ?app|sms|text|dial|ring"
    r"|telefon|handy|mobil|rufnummer|anrufen|téléphone|portable|appel(?:ez|er)?|joindre"
    r"|celular|telefone|ligue|ligar|fone|zap|contact|number|nummer|numéro|número)\b)"
)
_NO_PHONE_BEFORE = re.compile(r"(?i)(?:isbn|issn|doi|order|invoice|#)[\s:.-]*$")
_CONTEXT_WIDTH = 32

_WIDE_SEPARATOR = re.compile(rf"{_S}[\-/]{_S}")
"""" / " and " - " between numbers usually separate two of them ("Tel. 030 1234 / 030 5678")."""


def _national_format_plausible(region: str, digits: str) -> bool:
    """Cheap gates before ``phonenumbers`` for numbers written without ``+`` or ``00``."""
    length, first = len(digits), digits[0]
    if region in ("US", "CA"):
        return (length == 10 and first != "0") or (length == 11 and first == "1")
    if region == "GB":
        return length in (10, 11) and first == "0"
    if region == "DE":
        return 7 <= length <= 13 and first == "0"
    if region == "FR":
        return length == 10 and first == "0"
    if region == "IN":
        return (length == 10 and first in "6789") or (length == 11 and first == "0")
    if region == "BR":
        return length in (10, 11) and first != "0"
    return True


def _shape(run: str) -> tuple[tuple[int, ...], str, str]:
    groups = _GROUPS.findall(run)
    seps = "".join(dict.fromkeys(c for c in run if not c.isdigit() and c not in " \u00a0\u202f"))
    if not seps and len(groups) > 1:
        seps = " "
    return tuple(len(g) for g in groups), seps, "".join(groups)


def _card(digits: str, shape: tuple[int, ...], seps: str, run: str) -> str | None:
    if not 13 <= len(digits) <= 19 or run[0] in "+(" or seps not in ("", " ", "-"):
        return None
    if len(shape) > 1 and (shape[0] != 4 or any(not 3 <= n <= 6 for n in shape[1:-1])):
        return None
    brand = card_brand(digits)
    if brand is None or not luhn_valid(digits):
        return None
    return f"card:{brand}"


def _phone(
    run: str,
    digits: str,
    shape: tuple[int, ...],
    seps: str,
    text: str,
    start: int,
    regions: Collection[str],
) -> str | None:
    if not 7 <= len(digits) <= 15 or (len(shape) > 1 and shape[-1] < 2):
        return None
    before = text[max(0, start - _CONTEXT_WIDTH) : start]
    if _NO_PHONE_BEFORE.search(before):
        return None
    international = run[0] == "+" or run.startswith("(+")
    if not international and run.startswith("00") and len(digits) >= 10:
        run, international = "+" + run[2:], True
    if not international and (
        (len(shape) == 1 and not _PHONE_WORDS.search(before))
        or (seps == "." and len(shape) == 2)  # a decimal number
    ):
        return None
    if international:
        return _valid_region(run, None)
    for region in regions:
        if _national_format_plausible(region, digits):
            found = _valid_region(run, region)
            if found is not None:
                return found
    return None


def _valid_region(run: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(run, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return f"phone:{phonenumbers.region_code_for_number(number) or region or 'intl'}"


def _classify(
    text: str, run: str, start: int, types: Collection[PiiType], regions: Collection[str]
) -> tuple[PiiType, str] | None:
    shape, seps, digits = _shape(run)
    if len(digits) < _MIN_DIGITS or _DATE.fullmatch(run):
        return None
    if PiiType.PAYMENT_CARD in types and (detector := _card(digits, shape, seps, run)):
        return PiiType.PAYMENT_CARD, detector
    if PiiType.NATIONAL_ID in types and (
        detector := classify_national(digits, shape, seps, text, start)
    ):
        return PiiType.NATIONAL_ID, detector
    if PiiType.PHONE in types and (
        detector := _phone(run, digits, shape, seps, text, start, regions)
    ):
        return PiiType.PHONE, detector
    return None


def find_digit_runs(
    text: str, out: list[Raw], types: Collection[PiiType], regions: Collection[str]
) -> None:
    """Append the cards, digit-led national identifiers and phone numbers in ``text`` to ``out``."""
    for match in DIGIT_RUN.finditer(text):
        start, end = match.span()
        if end - start < _MIN_DIGITS:
            continue
        run = match.group()
        if run[0] == "(" and ")" not in run:
            run, start = run[1:], start + 1
        found = _classify(text, run, start, types, regions)
        if found is not None:
            out.append((start, end, found[0], found[1]))
            continue
        piece_start = start
        for wide in _WIDE_SEPARATOR.finditer(run):
            piece_end = start + wide.start()
            _piece(text, piece_start, piece_end, out, types, regions)
            piece_start = start + wide.end()
        if piece_start != start:
            _piece(text, piece_start, end, out, types, regions)


def _piece(
    text: str,
    start: int,
    end: int,
    out: list[Raw],
    types: Collection[PiiType],
    regions: Collection[str],
) -> None:
    if end - start >= _MIN_DIGITS:
        found = _classify(text, text[start:end], start, types, regions)
        if found is not None:
            out.append((start, end, found[0], found[1]))
