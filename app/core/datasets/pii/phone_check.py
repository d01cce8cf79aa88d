"""Phone numbers read and validated with ``phonenumbers``' answers, in a few microseconds.

``phonenumbers.parse`` and ``is_valid_number`` cost ~15 to 30 microseconds
each a number: Python per step, a function and a regex per number type.
Contributor datasets are full of distinct phone numbers, so no cache helps,
and the two were a tenth of a prepare's time.

Validation: the library's metadata is compiled here, once per calling code
and on its first use, into one regex that gives the whole answer:

* a region's validity, ``_number_type_helper(nsn, metadata) != UNKNOWN``,
  is "the general description matches and so does one of the type
  descriptions" (premium rate ... fixed line, and mobile unless its pattern is
  the fixed line's), where a description matches when the length is one of its
  possible lengths (if it lists any) and its pattern matches the whole number:
  a lookahead on the general description, then an alternation of the type
  descriptions, each behind a lookahead on its lengths and anchored at the end;
* the region of a number whose calling code several regions share
  (``_region_code_for_number_from_list``) is the first region, in the
  library's order, whose ``leading_digits`` match the start of the number, or,
  for a region without them, for which the number is valid: an alternation of
  one branch a region, in that order, each ending in an empty named group that
  says which region it chose and whether the number is valid for it.

Reading (:func:`read_number`): a number written in digits, spaces, dashes,
dots, slashes and brackets, with a ``+`` or for a region, goes through none of
the parser's lenient rules; only its calling code and national prefix are
left to decide, and those are mirrored (a transform rule of the national
prefix is applied by the library's own function). Other writings, and a few
where the parser guesses between readings, are left to ``parse``.

The results are the library's, not approximations of them: the tests
compare both on numbers of every length around every region's lengths, and
on written forms of every region, and the patterns are the library's own
strings. The compiler checks that a pattern uses nothing that changes meaning
when it is embedded in a larger one (capturing groups, back references, inline
flags); a calling code or region whose metadata fails the check, or disagrees
with its calling code, is answered by ``phonenumbers`` itself. With
``phonenumbers`` 9.0 no metadata needs that.

Compiled regexes live in module dicts filled lazily; two threads compiling
the same code at once both store an equal answer, so no lock is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, phonenumberutil
from phonenumbers.phonemetadata import REGION_CODE_FOR_NON_GEO_ENTITY, PhoneNumberDesc
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, ValidationResult

_TYPE_DESCS: Final = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
"""The descriptions ``_number_type_helper`` tries (before mobile), any of which makes a type."""

_SAFE_PATTERN = re.compile(r"(?:[0-9|\[\]\-{},?*+]|\\d|\((?:\?:)?|\))*")
"""What a metadata pattern may contain to be embedded as it is: digits, classes,
counts, alternation and groups, but no back reference, inline flag or lookaround."""


class _Unsupported(Exception):
    """Metadata this module does not mirror: the library answers for it."""


def _embeddable(pattern: str) -> str:
    """``pattern`` wrapped to be a part of a larger regex, or :class:`_Unsupported`."""
    if not _SAFE_PATTERN.fullmatch(pattern):
        raise _Unsupported(pattern)
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise _Unsupported(pattern) from error
    if compiled.groups:
        raise _Unsupported(pattern)  # groups would shift the named groups that carry the answer
    return f"(?:{pattern})"


def _lengths(lengths: tuple[int, ...]) -> str:
    """A lookahead true when the rest of the string has one of ``lengths`` characters."""
    wanted = sorted({n for n in lengths if n >= 0})
    spans: list[tuple[int, int]] = []
    for n in wanted:
        if spans and spans[-1][1] == n - 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    parts = [f".{{{low}}}" if low == high else f".{{{low},{high}}}" for low, high in spans]
    return f"(?=(?:{'|'.join(parts)})\\Z)"


def _desc(desc: PhoneNumberDesc | None) -> str | None:
    """``_is_number_matching_desc(nsn, desc)`` as a regex anchored at both ends, or None for never.

    A description without possible lengths takes any length (the library then
    relies on the general description, which every caller has checked).
    """
    if desc is None or not desc.national_number_pattern:
        return None
    lengths = desc.possible_length
    if lengths and not any(n >= 0 for n in lengths):
        return None  # no length of a string is in the list
    look = _lengths(lengths) if lengths else ""
    return f"{look}{_embeddable(desc.national_number_pattern)}\\Z"


def _compile(pattern: str) -> re.Pattern[str]:
    # DOTALL: a length lookahead counts every character, as ``len`` does (the metadata
    # patterns have no ``.`` for it to change).
    return re.compile(pattern, re.DOTALL)


def _valid_pattern(metadata: PhoneMetadata) -> str | None:
    """``_number_type_helper(nsn, metadata) != UNKNOWN`` as a regex, or None for never."""
    general = _desc(metadata.general_desc)
    if general is None:
        return None
    descs = [getattr(metadata, name) for name in _TYPE_DESCS]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)
    kinds = [kind for kind in map(_desc, descs) if kind is not None]
    if not kinds:
        return None
    # The library asks whether any type matches; the same description twice asks nothing more.
    alternatives = "|".join(dict.fromkeys(kinds))
    return f"(?={general})(?:{alternatives})"


@dataclass(frozen=True, slots=True)
class _Region:
    """One region's validity, as ``is_valid_number_for_region`` decides it."""

    country_code: int | None
    """The calling code a number must have (None: any, for the non-geographic entity "001")."""
    valid: re.Pattern[str] | None
    """Matches the numbers valid for the region; None: no number is."""


@dataclass(frozen=True, slots=True)
class _Code:
    """One calling code's validity, as ``is_valid_number`` decides it."""

    choose: re.Pattern[str] | None
    """Matches the numbers the library finds valid; the last group's name says it (``v``)."""
    fallback: bool = False
    """Ask ``phonenumbers``: the metadata uses something not mirrored here."""


_FALLBACK: Final = _Code(choose=None, fallback=True)
_NEVER: Final = _Code(choose=None)

_codes: dict[int | None, _Code] = {}
_regions: dict[tuple[str, int | None], _Region | None] = {}
"""Keyed by region and calling code; the code matters only for "001". None: ask the library."""


def _metadata(country_code: int | None, region: str) -> PhoneMetadata | None:
    """``PhoneMetadata.metadata_for_region_or_calling_code(country_code, region.upper())``."""
    if region.upper() == REGION_CODE_FOR_NON_GEO_ENTITY:
        if country_code is None:
            return None
        return PhoneMetadata.metadata_for_nongeo_region(country_code, None)
    return PhoneMetadata.metadata_for_region(region.upper(), None)


def _compile_region(country_code: int | None, region: str) -> _Region | None:
    metadata = _metadata(country_code, region)
    if metadata is None:
        return _Region(country_code=None, valid=None)  # no metadata: no number is valid
    required = None if region == REGION_CODE_FOR_NON_GEO_ENTITY else metadata.country_code
    try:
        pattern = _valid_pattern(metadata)
    except _Unsupported:
        return None
    return _Region(required, None if pattern is None else _compile(pattern))


def _region(country_code: int | None, region: str) -> _Region | None:
    key = (region, country_code if region.upper() == REGION_CODE_FOR_NON_GEO_ENTITY else None)
    try:
        return _regions[key]
    except KeyError:
        compiled = _regions[key] = _compile_region(country_code, region)
        return compiled


def _compile_code(country_code: int | None) -> _Code:
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code) if country_code is not None else None
    if regions is None:
        return _NEVER  # no region: region_code_for_number is None, and no number is valid
    try:
        if len(regions) == 1:
            metadata = _metadata(country_code, regions[0])
            if metadata is None:
                return _NEVER
            if (
                regions[0] != REGION_CODE_FOR_NON_GEO_ENTITY
                and metadata.country_code != country_code
            ):
                return _NEVER
            pattern = _valid_pattern(metadata)
            if pattern is None:
                return _NEVER
            return _Code(_compile(f"{pattern}(?P<v>)"))
        branches: list[str] = []
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
            if metadata is None:
                continue  # the library skips it too
            if metadata.country_code != country_code:
                return _FALLBACK  # the region's own check would fail; not worth mirroring
            pattern = _valid_pattern(metadata)
            if metadata.leading_digits is not None:
                # Chosen by its leading digits alone; then valid or not by its own patterns.
                n = len(branches)
                chosen = f"(?={_embeddable(metadata.leading_digits)})"
                outcome = (
                    f"(?P<x{n}>)" if pattern is None else f"(?:{pattern}(?P<v{n}>)|(?P<x{n}>))"
                )
                branches.append(chosen + outcome)
            elif pattern is not None:
                branches.append(f"{pattern}(?P<v{len(branches)}>)")
        if not branches:
            return _NEVER
        return _Code(_compile("|".join(branches)))
    except _Unsupported:
        return _FALLBACK


def _code(country_code: int | None) -> _Code:
    try:
        return _codes[country_code]
    except KeyError:
        compiled = _codes[country_code] = _compile_code(country_code)
        return compiled


def _nsn(number: PhoneNumber) -> str:
    """``phonenumbers.national_significant_number``, inlined."""
    national = str(number.national_number)
    if number.italian_leading_zero:
        zeros = number.number_of_leading_zeros
        if zeros is None:
            zeros = 1
        if zeros > 0:
            national = "0" * zeros + national
    return national


def _number(country_code: int | None, nsn: str) -> PhoneNumber:
    """The number ``+country_code nsn`` (``nsn`` in digits), for the library to answer."""
    zeros = len(nsn) - len(nsn.lstrip("0"))
    if zeros == len(nsn):
        zeros -= 1  # str(0) keeps one zero
    return PhoneNumber(
        country_code=country_code,
        national_number=int(nsn),
        italian_leading_zero=True if zeros else None,
        number_of_leading_zeros=zeros if zeros > 1 else None,
    )


def valid_national(country_code: int | None, nsn: str) -> bool:
    """``phonenumbers.is_valid_number`` of the number ``+country_code nsn``.

    ``nsn`` is the national significant number as the library spells it
    (``national_significant_number``: Italian leading zeros included).
    """
    code = _codes.get(country_code) or _code(country_code)
    if code.choose is not None:
        found = code.choose.match(nsn)
        return found is not None and found.lastgroup is not None and found.lastgroup[0] == "v"
    if code.fallback:
        return phonenumbers.is_valid_number(_number(country_code, nsn))
    return False


def valid_national_for_region(country_code: int | None, nsn: str, region: str | None) -> bool:
    """``phonenumbers.is_valid_number_for_region`` of the number ``+country_code nsn``."""
    if region is None:
        return False
    check = _region(country_code, region)
    if check is None:
        return phonenumbers.is_valid_number_for_region(_number(country_code, nsn), region)
    if check.country_code is not None and check.country_code != country_code:
        return False
    return check.valid is not None and check.valid.match(nsn) is not None


def is_valid_number(number: PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number(number)``, the same answer at a fraction of the cost."""
    return valid_national(number.country_code, _nsn(number))


def is_valid_number_for_region(number: PhoneNumber, region: str | None) -> bool:
    """``phonenumbers.is_valid_number_for_region(number, region)``, the same answer."""
    return valid_national_for_region(number.country_code, _nsn(number), region)


# Reading the commonest written forms -----------------------------------------------------------

_SIMPLE: Final = re.compile(r"(\+|\(*)[0-9][0-9 \-./()]*[0-9]")
"""A number in ASCII digits with spaces, dashes, dots, slashes and brackets, maybe a leading ``+``.

``phonenumbers.parse`` reads these without any of its lenient rules coming into play: no
letters to convert, no extension (every extension form needs a letter, ``#``, ``~``, ``;`` or
``,``), no second number (``/x``), nothing to trim at the end, and with three digits or more the
string is "viable" (its punctuation is all in the library's). What is left of parsing is the
calling code and the national prefix, mirrored below.
"""
_NOT_DIGITS: Final = b"+ -./()"
_SHORT_NUMBER_RESULTS: Final = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)
REJECTED: Final = (0, "")
""":func:`read_number`'s answer for a string ``phonenumbers.parse`` rejects: no number with
calling code 0 is valid, for any region."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What parsing needs of one region's metadata, compiled."""

    metadata: PhoneMetadata
    national_prefix: re.Pattern[str] | None
    """``national_prefix_for_parsing``; None when the region has none."""
    international_prefix: re.Pattern[str] | None
    """``international_prefix``, for numbers written without ``+``; None when it has none."""
    general: re.Pattern[str] | None
    """The general description's pattern, which decides whether a prefix may be stripped."""
    mirrored: bool
    """False: the stripping rewrites the number (a transform rule); the library's own
    functions strip then."""


_plans: dict[str, _Plan | None] = {}
_international_plans: dict[int, _Plan | None] = {}


def _new_plan(metadata: PhoneMetadata | None) -> _Plan | None:
    """None for metadata without a general description with lengths: the library's length
    test fails on it (an error, not an answer), so it is left to the library."""
    if metadata is None or metadata.general_desc is None:
        return None
    general = metadata.general_desc
    if not general.possible_length:
        return None
    prefix = metadata.national_prefix_for_parsing
    international = metadata.international_prefix
    pattern = general.national_number_pattern
    return _Plan(
        metadata,
        re.compile(prefix) if prefix else None,
        re.compile(international) if international is not None else None,
        re.compile(pattern) if pattern else None,
        mirrored=not metadata.national_prefix_transform_rule,
    )


def _plan(region: str) -> _Plan | None:
    """The plan of a region, for numbers written the national way."""
    try:
        return _plans[region]
    except KeyError:
        plan = _plans[region] = _new_plan(PhoneMetadata.metadata_for_region(region.upper(), None))
        return plan


def _international_plan(country_code: int) -> _Plan | None:
    """The plan of a calling code's main region (or non-geographic entity), as ``parse`` picks."""
    try:
        return _international_plans[country_code]
    except KeyError:
        region = phonenumbers.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        plan = _international_plans[country_code] = _new_plan(metadata)
        return plan


_CODES: Final = {str(code): code for code in COUNTRY_CODE_TO_REGION_CODE}
"""The known calling codes by their digits (``str(int(d)) == d`` for digits not led by a 0)."""


def _country_code(digits: str) -> tuple[int, str]:
    """``phonenumberutil._extract_country_code``: the shortest known calling code in front."""
    if digits[0] != "0":
        for end in (1, 2, 3):
            code = _CODES.get(digits[:end])
            if code is not None:
                return code, digits[end:]
    return 0, digits


def _without_national_prefix(national: str, plan: _Plan) -> str:
    """The national number as ``parse`` keeps it: its national prefix stripped when that is allowed.

    ``_maybe_strip_national_prefix_carrier_code`` and then ``_test_number_length``, which
    keeps the prefix when the rest is too short, of a length the region does not have, or
    a length dialled only locally.
    """
    if plan.national_prefix is None:
        return national
    prefix = plan.national_prefix.match(national)
    if prefix is None:
        return national
    if not plan.mirrored:
        _, stripped, _ = phonenumberutil._maybe_strip_national_prefix_carrier_code(
            national, plan.metadata
        )
        if stripped == national:
            return national
        length = phonenumberutil._test_number_length(stripped, plan.metadata)
        return national if length in _SHORT_NUMBER_RESULTS else stripped
    stripped = national[prefix.end() :]
    general = plan.general
    if (
        general is not None
        and general.fullmatch(national) is not None
        and general.fullmatch(stripped) is None
    ):
        return national  # the prefix belongs to a number valid as it is
    desc = plan.metadata.general_desc
    assert desc is not None  # every plan has one
    lengths, local = desc.possible_length, desc.possible_length_local_only
    size = len(stripped)
    if size in local:
        return national
    if lengths[0] == size or lengths[-1] < size or size in lengths:
        return stripped  # possible, or too long (which the library does not count as short)
    return national  # too short, or a length between the region's


def read_number(run: str, region: str | None) -> tuple[int, str] | None:
    """``phonenumbers.parse(run, region)`` as its calling code and national significant number.

    Only for the forms of :data:`_SIMPLE` and a region the library knows (or
    none); None for anything else, which the caller parses with the library.
    :data:`REJECTED` when the library would raise. A number written without
    ``+`` that starts with the region's international prefix or calling code
    is left to the library too: it then guesses between readings.
    """
    if len(run) > phonenumberutil._MAX_INPUT_STRING_LENGTH or _SIMPLE.fullmatch(run) is None:
        return None
    if region is not None and region not in phonenumberutil.SUPPORTED_REGIONS:
        return None
    digits = run.encode("ascii").translate(None, _NOT_DIGITS).decode("ascii")
    if len(digits) < 3:
        return None
    if run[0] == "+":
        country_code, national = _country_code(digits)
        if country_code == 0:
            # With a region the library tries again as a national number; without, it gives up.
            return None if region is not None else REJECTED
        plan = _international_plan(country_code)
    elif region is None:
        return REJECTED  # neither a ``+`` nor a region: no calling code
    else:
        plan = _plan(region)
        if plan is None:
            return None
        if plan.international_prefix is not None and plan.international_prefix.match(digits):
            return None
        if plan.metadata.country_code is None:
            return None
        country_code = plan.metadata.country_code
        if digits.startswith(str(country_code)):
            return None
        national = digits
    if plan is None:
        return None
    if len(national) < phonenumberutil._MIN_LENGTH_FOR_NSN:
        return REJECTED
    national = _without_national_prefix(national, plan)
    if len(national) > phonenumberutil._MAX_LENGTH_FOR_NSN:
        return REJECTED
    # The national significant number ``parse`` sets is these digits, leading zeros included.
    return country_code, national
