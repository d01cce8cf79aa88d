"""The JSON Lines fast lane in C when it is built, with the Python lane as the fallback.

The Python lane (:mod:`.fastlane`) still costs about four JSON parses per
clean line: a parse, a walk over the floats, an encode, the PII prefilter,
two hashes, and a Python object for every value on the way. The C lane
(``_fastlane.c``, an optional part of the build) does the same for a whole
batch in one call and makes one object per line: its canonical bytes. What
is left for Python is to keep them, in :class:`~.fastlane.Run` blocks of
lines in a row, and to parse the few records something still needs (the
schema sample, near-duplicate signatures, a line with PII families left).

Every line the C lane does not take goes through
:class:`~.fastlane.LineReader`, the Python lane's own per-line logic, so the
two lanes give the same items; property tests hold them equal line by line.
``TESSERA_NO_NATIVE=1`` in the environment (or :data:`ENABLED` set False)
turns the C lane off; it is off anyway when the extension was not built
(no compiler or OpenSSL headers at install) or was built from another
version of the source (:data:`ABI`, or in a source checkout the digest of
``_fastlane.c`` that ``setup.py`` builds into it).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from app.core.datasets.fastlane import (
    NORMALIZED,
    Flagged,
    Lane,
    LineReader,
    Run,
    read_batch,
    slow_lanes,
)
from app.core.datasets.importers.jsonl import RawBatch, parse_jsonl_batch
from app.core.datasets.normalize import normalize_record
from app.core.datasets.pii.prefilter import FOLD
from app.core.datasets.pii.tokens import ANCHORS
from app.core.datasets.records import JsonObject

ABI = 3
"""The C interface this module speaks; a stale build with another is not used."""
_log = logging.getLogger(__name__)


def source_digest(source: Path) -> str:
    """What ``setup.py`` builds into the extension: a digest of ``_fastlane.c`` and its parts.

    The parts are the files in ``fastlane_c/`` that it includes (one translation unit kept in
    files by topic), in name order after it.
    """
    parts = sorted(source.with_name("fastlane_c").glob("*.c"))
    data = b"".join(path.read_bytes() for path in [source, *parts])
    return hashlib.sha256(data).hexdigest()[:16]


def _load() -> ModuleType | None:
    try:
        from app.core.datasets import _fastlane
    except ImportError:
        return None
    if getattr(_fastlane, "ABI", None) != ABI:
        _log.warning("the C fast lane was built for another version; the Python lane runs")
        return None
    source = Path(__file__).with_name("_fastlane.c")  # there in a source checkout only
    built = getattr(_fastlane, "SOURCE", "")
    if built and source.exists() and source_digest(source) != built:
        _log.warning(
            "the C fast lane was built from an older _fastlane.c; the Python lane runs "
            "until it is rebuilt (pip install -e .)"
        )
        return None
    return _fastlane


_NATIVE = _load()
ENABLED = _NATIVE is not None and os.environ.get("TESSERA_NO_NATIVE", "") in ("", "0")
"""Whether :func:`read_runs` uses the C lane (tests flip it)."""
_ANCHORS = tuple(anchor.encode("ascii") for anchor in ANCHORS)


def available() -> bool:
    """Whether the C lane was built and loads (whatever :data:`ENABLED` says)."""
    return _NATIVE is not None


def read_runs(
    batch: RawBatch,
    *,
    families_wanted: bool,
    normalize: Callable[[JsonObject], JsonObject] = normalize_record,
) -> Iterator[Lane | Run | Flagged]:
    """The batch's items as :func:`~.fastlane.read_batch` gives them, finished lines in runs.

    A :class:`Run` stands for lines in a row that need nothing more (each would
    be a lane with canonical bytes and no family left); a finished line with PII
    families left comes as a :class:`Flagged`, which parses its record only
    when asked (it unpacks as the lane it stands for); every other line comes
    as its own lane. Without the C lane, every line comes as its own lane.

    Unlike the Python lane, this one also finishes lines whose strings need the
    default normalisation (spaces at an end or doubled, nothing else): their
    lanes hold the record already normalised (by ``normalize``, the default
    rules), with its canonical bytes, where the Python lane's leave both to the
    stage.
    """
    native = _NATIVE
    if native is None or not ENABLED or batch.overlong:
        yield from read_batch(batch, families_wanted=families_wanted)
        return
    data = batch.load()
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            yield from slow_lanes(parse_jsonl_batch(batch))
            return
    canonical, families, leaves, special, bounds = native.scan(
        data, _ANCHORS, batch.max_line, families_wanted, True
    )
    starts = memoryview(bounds).cast("Q")
    reader = LineReader(batch, families_wanted=families_wanted)
    path, number = batch.path, batch.first_line  # the number of line 0
    lines = len(canonical)
    special.append(lines)
    start = 0
    for at in special:
        if at > start:
            yield Run(
                canonical[start:at],
                leaves[32 * start : 32 * at],
                families[start:at],
                data,
                starts,
                start,
                number - 1 + start,
            )
        if at == lines:
            break
        done = canonical[at]
        if done is None:
            line = data[starts[at] : starts[at + 1] - 1]
            lane = reader.read(line.decode("utf-8"), line.translate(FOLD), number + at)
            if lane is not None:
                yield lane
        else:
            flags = families[at]
            yield Flagged(
                done,
                flags & ~NORMALIZED,
                data,
                starts,
                leaves,
                at,
                number + at,
                path,
                normalize if flags & NORMALIZED else None,
            )
        start = at + 1


__all__ = ["ABI", "ENABLED", "available", "read_runs"]
