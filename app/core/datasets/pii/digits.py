"""Digit runs: payment cards, digit-led national identifiers and phone numbers.

One regex finds every run of digits with the separators people write inside
numbers (spaces, dashes, dots, slashes, brackets, a leading ``+``); runs too
short to be any of these are dropped before any Python code looks at them.
Each remaining run is then asked, from the strongest evidence to the weakest:
is it a date (then nothing), a card (brand prefix, grouping and Luhn), a
national identifier (shape and check digits), a phone number (the number
plan of one of the scanner's regions, with ``phonenumbers``' answers, which
:mod:`~app.core.datasets.pii.phone_check` gives at a fraction of its cost)?

``phonenumbers.PhoneNumberMatcher`` is not used: it tries every region at
every digit and costs milliseconds per kilobyte. Here a run is read as a
phone number only after cheap checks of length, prefix and shape,
so text full of dates, prices and versions costs a regex scan and little else.

A run written without separators and without a ``+`` is as likely an order
number as a phone number, so it counts only with a word like "phone", "Tel."
or "ligue" just before it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

import phonenumbers

from app.core.datasets.pii import phone_check
from app.core.datasets.pii.checksums import card_brand, luhn_valid
from app.core.datasets.pii.national import classify_national
from app.core.datasets.pii.types import PiiType, Raw

_S = "[ \u00a0\u202f]"
_GROUP = r"(?:\([0-9]{1,5}\)|[0-9]++(?![^\W\d]|[_@]))"
DIGIT_RUN = re.compile(
    rf"(?<![\w.+\-/#])(?:\+|\(\+)?{_GROUP}"
    rf"(?:(?:{_S}?[\-/]{_S}?|{_S}|\.|(?<=\))|(?=\())(?:{_GROUP}))*"
)
"""A maximal run of digits and in-number separators, not glued to a word.

A group in brackets of up to five digits ("(415) 555-0132", "+44 (0)20") is
part of a number; a bracket around a whole number is not. A group followed by
a letter ("5be9e786", "1Z999") is not a number, so the run ends before it.
"""

_MIN_DIGITS = 7
_SKIPPABLE = 3
"""A leading piece this short (a count, a house number) may be skipped to find a number after it."""
_MAX_TOKENS = 8
"""No card, phone or identifier is written in more than eight space-separated pieces."""
_GROUPS = re.compile(r"[0-9]+")
_PIECES = re.compile(r"[^ \u00a0\u202f]+")
_DATE = re.compile(
    r"[0-9]{4}[./-][0-9]{1,2}(?:[./-][0-9]{1,2})?"
    r"|[0-9]{1,2}[./-][0-9]{1,2}[./-](?:[0-9]{4}|[0-9]{2})"
    r"|(?:0?[1-9]|1[0-2])/[0-9]{2}"
)
"""A date or a card expiry: never part of a number, and a place where two numbers meet."""
_HAS_DATE = re.compile(rf"(?<![0-9])(?:{_DATE.pattern})(?![0-9])")
_IBAN_BEFORE = re.compile(r"[A-Z]{2}[0-9]{2}(?:[ \u00a0][A-Z0-9]{4})*[ \u00a0]$")
_PHONE_WORDS = re.compile(
    r"(?i)(?:\b(?:tel|tél|phone|mobile|mob|cell|call|calls|fax|whats ?app|sms|text|dial|ring"
    r"|telefon|handy|mobil|rufnummer|rufen|anrufen|téléphone|portable|appel(?:ez|er)?|joindre"
    r"|celular|telefone|ligue|ligar|fone|zap|contact|number|nummer|numéro|número)\b)"
)
_NO_PHONE_BEFORE = re.compile(
    r"(?i)\b(?:isbn|issn|doi|order|invoice|ticket|ref|reference|tracking|account|acct|customer"
    r"|case|po|sku|serial|epoch|timestamp|unix|bestellung|rechnung|commande|facture|pedido|nota)"
    r"(?:\s*(?:no\.?|number|nr\.?|n[º°o]\.?|#|id))?[\s:.#-]*$"
)
_CONTEXT_WIDTH = 32


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
    if run.isascii() and run.isdigit():
        return (len(run),), "", run  # one group, nothing between
    groups = _GROUPS.findall(run)
    # The distinct characters that are neither digits nor spaces, in order; the ASCII digits
    # and the spaces go first in C, leaving a few characters (often none) to test one by one.
    rest = run.translate(_NOT_SEPARATORS)
    seps = "".join(dict.fromkeys(c for c in rest if not c.isdigit())) if rest else ""
    if not seps and len(groups) > 1:
        seps = " "
    return tuple(len(g) for g in groups), seps, "".join(groups)


_NOT_SEPARATORS = dict.fromkeys(map(ord, "0123456789 \u00a0\u202f"))


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
    # The tests on the run itself come before the two on its context, which cost a regex
    # search each: every test can only say no, so their order changes nothing but the cost.
    international = run[0] == "+" or run.startswith("(+")
    if not international and run.startswith("00") and len(digits) >= 10:
        run, international = "+" + run[2:], True
    if not international and shape[0] == 1 and digits[0] != "1":
        return None  # "8 666-02-6717": a house number before another number
    if "." in seps and seps != ".":
        return None  # dots mix with nothing in a phone number: "8080 -15.7482" is two numbers
    plausible: Sequence[str] = ()
    if not international:
        if seps == "." and len(shape) == 2:
            return None  # a decimal number
        plausible = [region for region in regions if _national_format_plausible(region, digits)]
        if not plausible:
            return None
    before = text[max(0, start - _CONTEXT_WIDTH) : start]
    if _NO_PHONE_BEFORE.search(before):
        return None
    if (
        not international
        and len(shape) == 1
        and not _PHONE_WORDS.search(before[_after_last_digit(before) :])
    ):
        return None
    if international:
        return _valid_region(run, None)
    for region in plausible:
        found = _valid_region(run, region)
        if found is not None:
            return found
    return None


def _after_last_digit(text: str) -> int:
    for index in range(len(text) - 1, -1, -1):
        if text[index].isdigit():
            return index + 1
    return 0


def forget_numbers() -> None:
    """Empty the cache of checked phone numbers (contributor data) once a pass is over."""
    _valid_region.cache_clear()


_NANP = re.compile(r"\+1([ \-]?)([2-9][0-9]{2})\1([0-9]{3})\1([0-9]{4})")
"""A North American number written the international way, its groups apart alike or not at all."""


def _parse(run: str, region: str | None) -> phonenumbers.PhoneNumber:
    """``phonenumbers.parse(run, region)``, without the parser for the commonest international form.

    For ``+1 415 555 0132`` (or with dashes, or no separators) the parser's
    answer is country code 1 and the ten digits after it: the area code cannot
    start with the national prefix 1 (or 0), so nothing is stripped, and ten
    digits is a possible length. Parsing costs more than validating the
    number; a property test holds the two equal.
    """
    if region is None and (match := _NANP.fullmatch(run)) is not None:
        return phonenumbers.PhoneNumber(
            country_code=1, national_number=int("".join(match.group(2, 3, 4)))
        )
    return phonenumbers.parse(run, region)


@functools.lru_cache(maxsize=8192)
def _valid_region(run: str, region: str | None) -> str | None:
    # Cached: datasets repeat numbers (a support line, a signature); a few thousand entries of
    # short strings per process. ``phone_check`` reads the common forms and validates as
    # ``phonenumbers`` does (its tests hold the answers equal) at a few microseconds a number
    # instead of the library's tens.
    if region is None and (match := _NANP.fullmatch(run)) is not None:
        # ``_parse``'s number, without building it: the ten digits are its national number.
        read: tuple[int, str] | None = (1, "".join(match.group(2, 3, 4)))
    else:
        read = phone_check.read_number(run, region)
    if read is None:
        try:
            number = _parse(run, region)
        except phonenumbers.NumberParseException:
            return None
        read = number.country_code or 0, phonenumbers.national_significant_number(number)
    country_code, national = read
    if region is not None:
        # A number written the national way belongs to the region it was read for, and the
        # region-specific check skips the search for the number's region.
        if country_code != phonenumbers.country_code_for_region(region):
            return None
        valid = phone_check.valid_national_for_region(country_code, national, region)
        return f"phone:{region}" if valid else None
    if not phone_check.valid_national(country_code, national):
        return None
    return f"phone:{phonenumbers.region_code_for_country_code(country_code)}"


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


CANDIDATE = re.compile(r"[0-9](?:[0-9 \-./()\u00a0\u202f]{5,}[0-9]|[0-9]{3}[A-Z])")
"""What every phone, card, IBAN, IPv4 address and national id contains: seven characters of
digits and separators, or four digits before a capital ("AB123456C", "ABCPE1234F").

It starts with a character class, so ``re`` skips to the next digit in C; most strings of prose
have no match, and the detectors with costlier patterns then never run. A digit run always lies
inside a candidate (whose characters are a superset), starting at most two characters before it
("(+49 ...").
"""


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for code in b"0123456789":
        table[code] = ord("0")
    for code in b"-./()":
        table[code] = ord(".")
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = code + 32
    return bytes(table)


FOLD = _fold_table()
"""Digits to ``0``, in-number separators to ``.``, capitals to small letters; the rest kept."""

FOLDED_CANDIDATE = re.compile(rb"0(?:[0. ]{5,}0|000[a-z])")
""":data:`CANDIDATE` over ASCII text through :data:`FOLD` (a small letter for the capital,
which only widens it): it matches wherever :data:`CANDIDATE` does, and maybe elsewhere."""

Span = tuple[int, int]


_FOLD_FROM = 64
"""Shorter strings are searched as they are: folding costs more than it saves on them."""


def candidates(text: str) -> list[Span]:
    """The candidate spans in ``text``, in order: the spans of ``CANDIDATE.finditer(text)``.

    ``re`` tests :data:`CANDIDATE`'s first character class at every
    character, a few nanoseconds each, which made this the costliest single
    step of scanning a kilobyte of text. ASCII text is searched through
    :data:`FOLD` instead (digits all ``0``, so the folded
    pattern starts with a literal ``re`` skips to), and :data:`CANDIDATE` is
    matched only where the folded pattern matches: every candidate starts
    where the folded one does, so the spans are the same (a property test
    holds them equal).
    """
    if len(text) < _FOLD_FROM or not text.isascii():
        first = CANDIDATE.search(text)  # most strings have none: no list, no iterator
        if first is None:
            return []
        return [first.span(), *(match.span() for match in CANDIDATE.finditer(text, first.end()))]
    folded = text.encode("ascii").translate(FOLD)
    found = FOLDED_CANDIDATE.search(folded)
    spans: list[Span] = []
    while found is not None:
        at = found.start()
        match = CANDIDATE.match(text, at)
        if match is None:
            found = FOLDED_CANDIDATE.search(folded, at + 1)
        else:
            spans.append(match.span())
            found = FOLDED_CANDIDATE.search(folded, match.end())
    return spans


def candidates_by_pattern(text: str) -> list[Span]:
    """:func:`candidates` the plain way (the reference its property test holds it to)."""
    return [match.span() for match in CANDIDATE.finditer(text)]


def find_digit_runs(
    text: str,
    out: list[Raw],
    types: Collection[PiiType],
    regions: Collection[str],
    spans: Sequence[Span],
) -> None:
    """Append the cards, digit-led national identifiers and phone numbers in ``text`` to ``out``.

    A run that is one number is classified whole. A run that holds several
    ("Tel. 030 1234567 / 030 7654321", "4111 1111 1111 1111 12/27") is cut at
    dates and at pieces without digits, then each part is read greedily: the
    longest prefix of up to eight pieces that is something, then on from there.
    """
    for span_start, span_end in spans:
        # endpos one past the candidate: the run's lookahead must see the real next character.
        for match in DIGIT_RUN.finditer(text, max(0, span_start - 2), span_end + 1):
            _read_run(text, match.start(), match.end(), out, types, regions)


def _read_run(
    text: str,
    start: int,
    end: int,
    out: list[Raw],
    types: Collection[PiiType],
    regions: Collection[str],
) -> None:
    """Classify one digit run (see :func:`find_digit_runs`)."""
    if end - start < _MIN_DIGITS:
        return
    run = text[start:end]
    if run.startswith("(+"):
        run, start = run[1:], start + 1
    if " " not in run and "\u00a0" not in run and "\u202f" not in run:
        # One piece: however it is read below (after an IBAN-shaped code or not, with a date
        # in it or not), the whole run is classified once, and a date is nothing.
        found = _classify(text, run, start, types, regions)
        if found is not None:
            out.append((start, end, found[0], found[1]))
        return
    after_iban = _IBAN_BEFORE.search(text, max(0, start - 40), start) is not None
    if not after_iban and not _HAS_DATE.search(run):
        found = _classify(text, run, start, types, regions)
        if found is not None:
            out.append((start, end, found[0], found[1]))
            return
    pieces = [(start + p.start(), start + p.end()) for p in _PIECES.finditer(run)]
    if after_iban:
        # The tail of an IBAN-shaped code whose mod-97 check failed: not a number of its own.
        while pieces and pieces[0][1] - pieces[0][0] <= 4:
            pieces.pop(0)
    part: list[tuple[int, int]] = []
    for piece in pieces:
        token = text[piece[0] : piece[1]]
        if not any(c.isdigit() for c in token) or _DATE.fullmatch(token):
            _greedy(text, part, out, types, regions)
            part = []
        else:
            part.append(piece)
    _greedy(text, part, out, types, regions)


def _greedy(
    text: str,
    pieces: list[tuple[int, int]],
    out: list[Raw],
    types: Collection[PiiType],
    regions: Collection[str],
) -> None:
    """The longest prefix of ``pieces`` that is something, then the same on what follows.

    A prefix counts only when the piece after it is not plain digits: a
    plain group of digits continues the same number as often as it starts a
    new one. When no prefix is anything, only a short leading piece (a count, a house
    number) is skipped to try again; reading from the middle of a longer
    number would find phone numbers inside every failed card number.
    """
    count = len(pieces)
    first = 0
    while first < count:
        matched = 0
        for last in range(min(count, first + _MAX_TOKENS), first, -1):
            start, end = pieces[first][0], pieces[last - 1][1]
            if end - start < _MIN_DIGITS:
                break
            if last < count and text[pieces[last][0] : pieces[last][1]].isdigit():
                continue  # "3446 841315" inside "3446 841315 15069" is not a phone number
            found = _classify(text, text[start:end], start, types, regions)
            if found is not None:
                out.append((start, end, found[0], found[1]))
                matched = last
                break
        if matched:
            first = matched
        elif pieces[first][1] - pieces[first][0] <= _SKIPPABLE and text[pieces[first][0]] != "+":
            first += 1
        else:
            return
