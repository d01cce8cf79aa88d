"""Strict reading of Tessera's signed JSON documents.

Signed documents must have one meaning: a verifier and the signer have to
agree on every byte. So readers here refuse unknown keys, duplicate keys,
missing keys, wrong types and floats, and every error names the JSON path of
the offending value ("uses.ai_training.constraint"), never its content beyond
what the user typed themselves.

Canonical bytes are RFC 8785 (JCS) and digests SHA-256 over them, both from
:mod:`app.core.canonical`, the one encoder Tessera hashes with. Parsing stays
here because these documents are schema-shaped, not contributor data: errors
may name the offending key, and each document type raises its own error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from app.core.canonical import canonical_json as _canonical_json
from app.core.canonical import sha256_canonical_hex as _sha256_canonical_hex
from app.core.errors import InvalidInput

HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical bytes of a JSON value (:class:`~app.core.canonical.NotIJSON` if none)."""
    return _canonical_json(value, what="document")


def sha256_canonical_hex(value: Any) -> str:
    """Lowercase hex SHA-256 of the RFC 8785 canonical bytes."""
    return _sha256_canonical_hex(value, what="document")


def loads_strict(data: bytes | str, *, what: str, error: type[InvalidInput] = InvalidInput) -> Any:
    """Parse JSON refusing duplicate keys, NaN and Infinity, and invalid UTF-8."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise error(f"{what}: duplicate key {key!r}")
            result[key] = value
        return result

    def no_constant(name: str) -> Any:
        raise error(f"{what}: {name} is not JSON")

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant)
    except UnicodeDecodeError:
        raise error(f"{what}: not UTF-8 text") from None
    except RecursionError:
        raise error(f"{what}: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise error(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC at whole seconds: ``2025-06-01T12:00:00Z``."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str, *, where: str, error: type[InvalidInput]) -> datetime:
    """Inverse of :func:`format_utc`; only that exact spelling is accepted."""
    if not _UTC_TIME.fullmatch(text):
        raise error(f"{where}: expected an RFC 3339 UTC time like 2025-06-01T12:00:00Z")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise error(f"{where}: {text!r} is not a valid date and time") from None


class Fields:
    """The members of one JSON object, read once each, with paths in errors."""

    def __init__(
        self,
        value: object,
        where: str,
        error: type[InvalidInput],
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        self.where = where
        self.error = error
        if not isinstance(value, dict):
            raise error(f"{where}: expected an object, got {_kind(value)}")
        required_keys = tuple(required)
        allowed = set(required_keys) | set(optional)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise error(f"{where}: unknown member {unknown[0]!r}")
        for key in required_keys:
            if key not in value:
                raise error(f"{self.path(key)}: missing")
        self.value: dict[str, object] = value

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def raw(self, key: str) -> object:
        return self.value.get(key)

    def member(self, key: str, *, required: Iterable[str], optional: Iterable[str] = ()) -> Fields:
        """The object under ``key``, read the same way (its paths and errors continue ours)."""
        return Fields(
            self.raw(key), self.path(key), self.error, required=required, optional=optional
        )

    def fail(self, key: str, problem: str) -> InvalidInput:
        return self.error(f"{self.path(key)}: {problem}")

    def text(
        self, key: str, *, max_length: int = 2000, pattern: re.Pattern[str] | None = None
    ) -> str:
        value = self.value.get(key)
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_kind(value)}")
        check_text(value, self.path(key), self.error, max_length=max_length)
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(key, f"does not match {pattern.pattern}")
        return value

    def optional_text(
        self, key: str, *, max_length: int = 2000, pattern: re.Pattern[str] | None = None
    ) -> str | None:
        if self.value.get(key) is None:
            return None
        return self.text(key, max_length=max_length, pattern=pattern)

    def boolean(self, key: str) -> bool:
        value = self.value.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_kind(value)}")
        return value

    def integer(self, key: str, *, minimum: int = 0, maximum: int = 2**53 - 1) -> int:
        value = self.value.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {_kind(value)}")
        if not minimum <= value <= maximum:
            raise self.fail(key, f"must be between {minimum} and {maximum}")
        return value

    def version(self, key: str, supported: int) -> None:
        """A format version this code reads, or an error saying which one it does."""
        version = self.integer(key)
        if version != supported:
            raise self.fail(
                key, f"version {version} is not supported; this Tessera reads version {supported}"
            )

    def time(self, key: str) -> datetime:
        return parse_utc(self.text(key, max_length=20), where=self.path(key), error=self.error)

    def optional_time(self, key: str) -> datetime | None:
        return None if self.value.get(key) is None else self.time(key)

    def array(self, key: str, *, max_items: int = 1000) -> list[object]:
        value = self.value.get(key)
        if not isinstance(value, list):
            raise self.fail(key, f"expected an array, got {_kind(value)}")
        if len(value) > max_items:
            raise self.fail(key, f"more than {max_items} items")
        return value


def check_text(value: str, where: str, error: type[InvalidInput], *, max_length: int) -> None:
    """Words a person typed: non-blank, bounded, no control characters but tab, LF and CR."""
    if not value.strip():
        raise error(f"{where}: must not be empty")
    if len(value) > max_length:
        raise error(f"{where}: longer than {max_length} characters")
    if _CONTROL.search(value):
        raise error(f"{where}: contains a control character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{where}: contains an unpaired surrogate") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
