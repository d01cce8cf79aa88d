"""RFC 8785 (JCS) canonical JSON: the one byte form Tessera hashes and signs.

Record hashes, the dataset commitment, consent digests and manifests are all
SHA-256 over these bytes, so two implementations agree on a digest exactly
when they agree here. The ``rfc8785`` package is the reference. It is pure
Python and slow, and the commitment hashes every record of a dataset, so a
fast path runs orjson (or, for what orjson refuses, the C ``json``
encoder, which writes the same bytes) whenever its output is provably the
same: string keys below U+D800 (where code point order and RFC 8785's
UTF-16 order agree), integers within I-JSON's range, and floats Python already
spells as ECMAScript does (plain decimals, no exponent, not a whole number).
Anything else takes the reference path; a property test holds the two equal.

Only I-JSON (RFC 7493) is accepted, because anything else has no single
canonical form: no NaN or infinities, integers within +-(2^53 - 1), string
keys, no unpaired surrogates. Errors name the JSON path of the offending
value, never the value itself, since values are the contributor's data.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any, cast

import orjson
import rfc8785

from app.core.errors import InvalidInput

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON reader holds exactly (an IEEE 754 double)."""

_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    separators=(",", ":"),
    sort_keys=True,
    allow_nan=False,
    check_circular=False,
)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}")


class NotIJSON(InvalidInput):
    """A value has no RFC 8785 canonical form (it is not I-JSON)."""


def encode_plain(value: object) -> bytes:
    """The canonical bytes of a value already known to be *plain* (no check made here).

    orjson writes what the stdlib C encoder writes for such a value (sorted
    keys, no spaces, the same escapes, non-ASCII as UTF-8, plain floats as
    ``repr`` spells them), several times faster; what it refuses (an
    unpaired surrogate, deep nesting) goes to the stdlib encoder, which may
    raise in turn so the caller can take the reference path.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _ENCODER.encode(value).encode("utf-8")


def canonical_json(value: object, *, what: str = "JSON value") -> bytes:
    """The RFC 8785 canonical bytes of ``value``.

    ``what`` names the value in errors ("record 17"); it should not contain
    the data itself.
    """
    try:
        if _plain(value):
            return encode_plain(value)
    except (RecursionError, UnicodeEncodeError, ValueError):
        pass
    try:
        _check(value, "$", what)
        return bytes(rfc8785.dumps(cast(Any, value)))
    except RecursionError:
        raise NotIJSON(f"{what}: nested too deeply (or refers to itself)") from None
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        # _check accepts only what rfc8785 can encode; this is a safety net.
        raise NotIJSON(f"{what}: has no RFC 8785 canonical form") from None


def sha256_canonical(value: object, *, what: str = "JSON value") -> bytes:
    """SHA-256 of the RFC 8785 canonical bytes (32 bytes)."""
    return hashlib.sha256(canonical_json(value, what=what)).digest()


def sha256_canonical_hex(value: object, *, what: str = "JSON value") -> str:
    """Lowercase hex SHA-256 of the RFC 8785 canonical bytes."""
    return hashlib.sha256(canonical_json(value, what=what)).hexdigest()


def loads_strict(data: bytes | str, *, what: str) -> object:
    """Parse JSON that is about to be hashed or verified: one meaning only.

    Duplicate keys, NaN and Infinity, invalid UTF-8 and runaway nesting are
    refused, because each would let two readers see different documents.
    """

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise NotIJSON(f"{what}: an object has the same key twice")
            result[key] = value
        return result

    def no_constant(name: str) -> object:
        raise NotIJSON(f"{what}: {name} is not JSON")

    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant)
    except UnicodeDecodeError:
        raise NotIJSON(f"{what}: not UTF-8 text") from None
    except RecursionError:
        raise NotIJSON(f"{what}: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise NotIJSON(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _plain(value: object) -> bool:
    """True when the C encoder's output is already canonical for ``value``."""
    if isinstance(value, str):
        return True
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return False
            if not key.isascii() and max(key) >= "\ud800":
                return False
            if not _plain(item):
                return False
        return True
    if isinstance(value, list | tuple):
        return all(map(_plain, value))
    if isinstance(value, float):
        if not math.isfinite(value):
            return False
        spelled = float.__repr__(value)
        return "e" not in spelled and not spelled.endswith(".0")
    return False


def _check(value: object, path: str, what: str) -> None:
    """Raise :class:`NotIJSON` at the first value with no canonical form."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise NotIJSON(f"{what}: integer at {path} is outside +-(2^53 - 1)")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotIJSON(f"{what}: number at {path} is NaN or infinite")
        return
    if isinstance(value, str):
        if not _utf8(value):
            raise NotIJSON(f"{what}: string at {path} contains an unpaired surrogate")
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check(item, f"{path}[{position}]", what)
        return
    if isinstance(value, dict):
        for position, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise NotIJSON(f"{what}: object at {path} has a key that is not a string")
            step = _step(key, position)
            if not _utf8(key):
                raise NotIJSON(f"{what}: key {step} at {path} contains an unpaired surrogate")
            _check(item, path + step, what)
        return
    raise NotIJSON(f"{what}: {type(value).__name__} at {path} is not a JSON type")


def _step(key: str, position: int) -> str:
    """One JSON path step; keys that do not look like field names are not echoed."""
    if _PLAIN_KEY.fullmatch(key):
        return f".{key}"
    return f".<key {position + 1}>"


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
