"""The JSON Lines fast lane in C (``_fastlane.c``); used through :mod:`.nativelane`."""

from array import array
from collections.abc import Callable

from app.core.datasets.schema import ColumnSummary

ABI: int
SOURCE: str
"""The first 16 hex digits of SHA-256 over the ``_fastlane.c`` it was built from ("": unknown)."""

def scan(
    data: bytes,
    anchors: tuple[bytes, ...],
    max_line: int,
    families: bool,
    leaves: bool,
    /,
) -> tuple[list[bytes | None], bytes, bytes, list[int], bytes]:
    """Per line of ``data``: canonical bytes (None: not taken), families, 32-byte leaves;
    the lines the caller must look at (not taken, or with families left); and where each
    line starts, as native uint64 (line i is ``data[start[i]:start[i + 1] - 1]``).

    A line's families byte has 64 (``fastlane.NORMALIZED``) when its canonical bytes are
    those of its parse normalised by the default rules (strings with spaces to collapse or
    with escapes), as the stage then reads its record."""

def merkle_pairs(nodes: bytes | bytearray | memoryview, /) -> bytes:
    """One level of an RFC 6962 Merkle tree: for ``nodes``, 2k 32-byte nodes, the k parents
    SHA-256(0x01 || left || right), concatenated in order. ValueError when ``len(nodes)`` is
    not a multiple of 64 (an odd node out is the caller's to carry up). Releases the GIL for a
    level of more than 4,096 pairs (a batch's is hashed holding it)."""

def find_pii(
    text: bytes,
    families: int,
    plan: int,
    types: int,
    regions: int,
    phone: Callable[[str, str | None], str | None] | None = None,
    /,
) -> list[tuple[int, int, int, str]] | None:
    """``resolve_overlaps(PiiScanner.raw_findings(text, families))`` for one string, or None
    when only the Python detectors can tell; used through :mod:`.pii.native_find`.

    ``text`` is the string's ASCII bytes (any byte outside 0x20-0x7E: None). ``families``
    are :mod:`.pii.prefilter` bits, ``plan`` the scanner's ``_plan`` (family bits and the
    detector bits 64 runs, 128 IBANs, 256 letter ids, 512 IPv4, 1024 names, 2048 addresses),
    ``types`` has bit ``k`` for the k-th :class:`.PiiType` in declaration order (0 email,
    1 phone, 2 payment_card, 3 iban, 4 ip, 5 national_id, 6 secret, 7 person_name,
    8 street_address), which is also each finding's kind code, and ``regions`` the phone
    regions as bits (US 1, CA 2, GB 4, DE 8, FR 16, IN 32, BR 64). ``phone`` is
    ``digits._valid_region``: called as ``phone(run, None)`` for a number written with
    ``+`` or ``00`` that passed every other rule of ``digits._phone`` (its exceptions
    propagate); without it such a number answers None.

    Decided in C: e-mail addresses, every known-prefix secret format, digit candidates,
    IPv4 (with the version-word rule), IBANs, payment cards, letter-led national ids and
    digit-led ones whose shape decides, international phone numbers (through ``phone``).
    None when: a digit run written the national way passes the phone checks before the
    phone words and each region's plan (Python decides); a bare 9, 11, 12
    or 14-digit run passes its national id's check digits (a naming word decides); IPv6,
    private key or assigned-secret gates pass; names or addresses are enabled; more than
    128 findings or 256 candidates."""

def redact_line(
    canonical: bytes,
    families: int,
    plan: int,
    types: int,
    regions: int,
    phone: Callable[[str, str | None], str | None] | None,
    tags: tuple[bytes | bool | None, ...],
    /,
) -> tuple[bytes, bytes | None, bytes] | None:
    """The PII text lane (:mod:`.pii.textlane`) over one canonical line (ASCII, no
    backslash), or None when only Python can do it.

    Every value string (a key is the string followed by ``:``) of at least 5 characters
    goes through :func:`find_pii` with these arguments; each finding of kind ``k`` is
    masked with ``tags[k]`` (bytes, no quote or backslash) or kept (``tags[k]`` None).
    None when a string answers None, or a finding's kind has any other tag (an action C
    does not apply: pseudonymise, drop-record). Else ``(line, leaf, kinds)``: the redacted
    line (``canonical`` itself when nothing was masked), its Merkle leaf
    SHA-256(0x00 || SHA-256(line)) (None when nothing was masked), and the kind code of
    every finding in the line's order, one byte each."""

def prepare_lines(
    data: bytes,
    anchors: tuple[bytes, ...],
    max_line: int,
    families: bool,
    text_lane: tuple[int, int, int, object, tuple[bytes | bool | None, ...], bool] | None,
    /,
) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes]:
    """``scan`` and the PII text lane (``redact_line``) over a whole batch, with the GIL
    released (taken back only for the phone check), so that threads run batches at once.

    Per line, in ``(text, ends, leaves, status, families, kinds, kind_ends, starts)``: its
    final canonical bytes and a newline in ``text``, ending at ``ends[i]`` (native uint64);
    its 32-byte Merkle leaf; a status byte (0: finished, redacted when ``text_lane`` found
    something; 1: not taken, ``text`` holds nothing for it; 2: taken but its PII families
    are left to Python, ``text`` holds its canonical bytes unredacted and ``leaves`` their
    leaf); its families byte as ``scan`` gives it; the kind codes of the findings the text
    lane masked or kept, concatenated, line ``i``'s ending at ``kind_ends[i]`` (native
    uint32); and where each line starts, as in ``scan``. ``text_lane`` is ``(plan, types,
    regions, phone, tags, gated)`` as ``redact_line`` takes them, ``gated`` False when the
    scanner has no prefilter (every string is scanned), or None (no text lane: every line
    with families left has status 2). A float that only Python can respell makes its line
    not taken (the GIL is not held to respell it)."""

def sketch_lines(
    text: bytes | bytearray | memoryview,
    ends: bytes | bytearray | memoryview | array[int],
    positions: bytes | bytearray | memoryview | array[int],
    max_columns: int,
    /,
) -> tuple[list[ColumnSummary], list[int]]:
    """The schema sketch (:mod:`.schema`) of some canonical lines of a batch, summed up per
    column, for :mod:`.schema_lines` to fold into a builder. Releases the GIL.

    ``text`` holds the lines, each followed by a line break; line ``k`` is
    ``text[ends[k - 1]:ends[k] - 1]`` (``ends[-1]`` read as 0), ``ends`` native uint64.
    ``positions`` (native uint32, strictly ascending) are the lines to sketch. Returns
    ``(columns, slow)``: ``slow`` the positions of the lines C left out of the sums (not
    read as canonical text can be, or a key twice, or a new column past ``max_columns``
    columns), which the caller sketches from their parse; ``columns`` one tuple per key the
    other lines hold, in the order they first showed it (keys in line order):

    ``(name, first, present, kinds, hashes, lengths, minimum, maximum)``: the position of
    the first line with it; how many lines have it; how many values of each kind in
    ``schema.KINDS`` order (null, string, boolean, integer, number, array, object); the
    distinct 64-bit value hashes (``schema._hash``) as native uint64 bytes; for strings
    ``(count, total, min, max, {bucket: count})`` of their lengths in code points
    (``schema._bucket``), else None; the lowest and highest number as their tokens in the
    text, else None. ValueError for positions that do not ascend or are past ``ends``, or
    ends outside the text; the lines themselves are trusted to be UTF-8, as canonical text
    is."""

def hll_register(
    registers: bytearray | memoryview, hashes: bytes | bytearray | memoryview, precision: int, /
) -> None:
    """``schema._Distinct._register_all`` over ``hashes`` (native uint64): each hash's rank
    raised into its slot among ``registers`` (2^precision bytes, written in place)."""
