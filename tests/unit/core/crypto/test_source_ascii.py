"""Crypto source is ASCII-only, ruling out homoglyph and bidi tricks in review."""

from __future__ import annotations

from pathlib import Path

CRYPTO = Path(__file__).resolve().parents[4] / "app" / "core" / "crypto"


def test_every_crypto_source_file_is_ascii() -> None:
    files = sorted(CRYPTO.rglob("*.py"))
    assert len(files) >= 10
    offenders = []
    for path in files:
        data = path.read_bytes()
        if not data.isascii():
            line = data[: next(i for i, b in enumerate(data) if b > 127)].count(b"\n") + 1
            offenders.append(f"{path.name}:{line}")
    assert offenders == []
