"""National identifiers: US SSN, UK NI number, Steuer-ID, NIR, Aadhaar, PAN, CPF and CNPJ.

Each identifier is recognised by its usual written shape and, where it has
one, its check digits. A bare run of digits is ambiguous (an SSN without
dashes is any nine-digit number), so shapes that carry little evidence of
their own are accepted only with a naming word just before them ("SSN",
"Aadhaar", "CPF"). The letter-led identifiers (NI number, PAN) are matched by
:data:`LETTER_IDS`, the digit-led ones by :func:`classify_national`, which
the digit-run scanner calls.
"""

from __future__ import annotations

import re

from app.core.datasets.pii.checksums import (
    aadhaar_valid,
    cnpj_valid,
    cpf_valid,
    nir_valid,
    ssn_valid,
    steuer_id_valid,
)

LETTER_IDS = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?P<ni>(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"(?P<sep>[ \u00a0]?)[0-9]{2}(?P=sep)[0-9]{2}(?P=sep)[0-9]{2}(?P=sep)[A-D])"
    r"|(?P<pan>[A-Z]{3}[ABCFGHJLPT][A-Z][0-9]{4}[A-Z])"
    r")(?![A-Za-z0-9])"
)
"""UK National Insurance numbers (with the prefixes HMRC never issues excluded) and Indian PANs."""

_CONTEXT_WIDTH = 32
_SSN_WORDS = re.compile(r"(?i)\b(?:ssn|social security|soc\.? sec|taxpayer|tin)\b")
_CPF_WORDS = re.compile(r"(?i)\b(?:cpf|cnpj|cadastro)\b")
_AADHAAR_WORDS = re.compile(r"(?i)\b(?:aadhaa?r|uidai|uid)\b")

_SSN_SHAPES = {(3, 2, 4)}
_CPF_SHAPES = {(3, 3, 3, 2)}
_CNPJ_SHAPES = {(2, 3, 3, 4, 2)}
_STEUER_SHAPES = {(11,), (2, 3, 3, 3)}
_AADHAAR_SHAPES = {(4, 4, 4)}
_NIR_SHAPES = {(15,), (13, 2), (1, 2, 2, 2, 3, 3, 2)}


def _named_before(pattern: re.Pattern[str], text: str, start: int) -> bool:
    return pattern.search(text, max(0, start - _CONTEXT_WIDTH), start) is not None


def classify_national(
    digits: str, shape: tuple[int, ...], seps: str, text: str, start: int
) -> str | None:
    """The detector name of the national identifier a digit run is, or ``None``.

    ``shape`` is the lengths of the digit groups, ``seps`` the distinct
    separator characters between them; ``text`` and ``start`` locate the run so
    that a naming word before it can vouch for an unformatted number.
    """
    length = len(digits)
    if length == 9:
        if (shape in _SSN_SHAPES and seps in ("-", " ")) or (
            shape == (9,) and _named_before(_SSN_WORDS, text, start)
        ):
            return "national_id:US-SSN" if ssn_valid(digits) else None
    elif length == 11:
        if (
            (shape in _CPF_SHAPES and seps == ".-")
            or (shape == (11,) and _named_before(_CPF_WORDS, text, start))
        ) and cpf_valid(digits):
            return "national_id:BR-CPF"
        if (shape in _STEUER_SHAPES and seps in ("", " ", "/")) and steuer_id_valid(digits):
            return "national_id:DE-STEUER-ID"
    elif length == 12:
        if (shape in _AADHAAR_SHAPES and seps in (" ", "-")) or (
            shape == (12,) and _named_before(_AADHAAR_WORDS, text, start)
        ):
            return "national_id:IN-AADHAAR" if aadhaar_valid(digits) else None
    elif length == 14:
        if (shape in _CNPJ_SHAPES and seps == "./-") or (
            shape == (14,) and _named_before(_CPF_WORDS, text, start)
        ):
            return "national_id:BR-CNPJ" if cnpj_valid(digits) else None
    elif length == 15 and shape in _NIR_SHAPES and seps in ("", " ") and nir_valid(digits):
        return "national_id:FR-NIR"
    return None
