"""The PII detectors over one ASCII string in C, where C can be sure (``_fastlane.find_pii``).

:meth:`.PiiScanner.raw_findings` costs tens of microseconds for a string with
personal data, most of it regex calls and Python glue. ``find_pii`` ports the
detectors whose rules are exact string tests (e-mail, known-prefix tokens,
digit candidates, IPv4, IBAN, payment cards, national ids whose shape decides)
and answers ``None`` whenever a rule it did not port could matter (a phone
number, which needs ``phonenumbers``; a naming word before a bare number; a
family it has no port for). The caller then runs the Python path: ``None`` is
always a correct answer, a list is always exactly the Python one.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.datasets import nativelane
from app.core.datasets.pii import digits
from app.core.datasets.pii.scanner import PiiScanner, resolve_overlaps
from app.core.datasets.pii.types import PiiType, Raw

_Phone = Callable[[str, str | None], str | None]
_FindPii = Callable[
    [bytes, int, int, int, int, _Phone | None], list[tuple[int, int, int, str]] | None
]
Arguments = tuple[int, int, int, _Phone | None]
"""What ``find_pii`` needs of a scanner besides the text and its families."""
_find_pii: _FindPii | None = (
    # The extension as the lane loads it (its ABI and source digest checked), if it has
    # find_pii (an older build does not) and TESSERA_NO_NATIVE does not turn it off.
    getattr(nativelane._NATIVE, "find_pii", None) if nativelane.ENABLED else None
)

KINDS: tuple[PiiType, ...] = tuple(PiiType)
"""``find_pii``'s kind codes: the index of each type in :class:`.PiiType`'s order."""

REGION_BITS = {"US": 1, "CA": 2, "GB": 4, "DE": 8, "FR": 16, "IN": 32, "BR": 64}
"""The phone regions as ``find_pii``'s ``regions`` bits."""

available = _find_pii is not None


def scanner_arguments(scanner: PiiScanner, *, phones: bool = True) -> Arguments:
    """``(plan, types, regions, phone)`` of ``scanner`` as ``find_pii`` takes them (compute
    once). ``phone`` is the digit scanner's own number check (``phonenumbers`` behind a
    cache), which C calls for a number written with ``+`` or ``00`` once every rule before
    it is passed; without it (``phones=False``) such a number answers None."""
    types = 0
    for kind in scanner.types:
        types |= 1 << KINDS.index(kind)
    regions = 0
    for region in scanner.regions:
        regions |= REGION_BITS[region]
    phone = digits._valid_region if phones else None
    return scanner._plan, types, regions, phone


def native_findings(text: bytes, families: int, arguments: Arguments) -> list[Raw] | None:
    """``resolve_overlaps(scanner.raw_findings(text, families))`` for ``text``'s ASCII bytes,
    or ``None`` when only the Python path can tell (or the extension is not built)."""
    if _find_pii is None:
        return None
    found = _find_pii(text, families, *arguments)
    if found is None:
        return None
    return [(start, end, KINDS[kind], detector) for start, end, kind, detector in found]


def python_findings(scanner: PiiScanner, text: str, families: int) -> list[Raw]:
    """The Python path ``native_findings`` must equal (the reference its tests hold it to)."""
    return resolve_overlaps(scanner.raw_findings(text, families))
