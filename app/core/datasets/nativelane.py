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
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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
    data = _utf8(batch)
    if data is None:
        yield from slow_lanes(parse_jsonl_batch(batch))
        return
    data = bytes(data)  # as it is when bytes; a batch read into its own buffer, copied
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


TextLaneArguments = tuple[int, int, int, object, tuple[bytes | bool | None, ...], bool]
"""The PII text lane as ``prepare_lines`` takes it: (plan, types, regions, phone, tags, gated)."""
_SPECIAL = re.compile(rb"[^\x00]")
"""A line ``prepare_lines`` did not finish: its status byte is not 0."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch through the C lane in one call: what it finished, and what is left to Python.

    ``text`` holds each finished line's final canonical bytes and a newline,
    line ``k`` ending at ``ends[k]``; ``leaves`` their Merkle leaves; ``kinds``
    the kind code (:data:`.pii.native_find.KINDS`) of each finding the text
    lane masked or kept, those of line ``k`` ending at ``kind_ends[k]``.
    ``special`` lists the lines C left to Python (:meth:`lane` gives each as
    the stage reads it); they hold no finding in ``kinds``. ``data`` and
    ``starts`` are the batch and where its lines start; ``first`` is line 0's
    index in its source.
    """

    text: bytes
    ends: Sequence[int]
    leaves: bytes
    kinds: bytes
    kind_ends: Sequence[int]
    status: bytes
    families: bytes
    special: list[int]
    data: bytes | bytearray
    starts: Sequence[int]
    batch: RawBatch

    @property
    def first(self) -> int:
        return self.batch.first_line - 1

    def line(self, k: int) -> bytes:
        """Line ``k``'s canonical bytes (without its newline): final unless special."""
        return self.text[self.ends[k - 1] if k else 0 : self.ends[k] - 1]

    def source_line(self, k: int) -> bytes:
        """Line ``k`` as the input has it."""
        return bytes(self.data[self.starts[k] : self.starts[k + 1] - 1])  # as is when bytes

    def lane(
        self, k: int, reader: LineReader, normalize: Callable[[JsonObject], JsonObject]
    ) -> Lane | Flagged | None:
        """Special line ``k`` as :func:`read_runs` gives it (None: a blank line)."""
        number = self.batch.first_line + k
        if self.status[k] == _SLOW:
            line = self.source_line(k)
            return reader.read(line.decode("utf-8"), line.translate(FOLD), number)
        flags = self.families[k]
        return Flagged(
            self.line(k),
            flags & ~NORMALIZED,
            self.data,
            self.starts,
            self.leaves,
            k,
            number,
            self.batch.path,
            normalize if flags & NORMALIZED else None,
        )


def _utf8(batch: RawBatch) -> bytes | bytearray | None:
    """The batch's bytes when they are UTF-8 (the C lane reads them), else None: the full way
    names each bad line."""
    data = batch.load()
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return data


def batch_lane() -> bool:
    """Whether :func:`prepare_batch` can run: the C lane is on and has ``prepare_lines``."""
    return ENABLED and hasattr(_NATIVE, "prepare_lines")


def prepare_batch(
    batch: RawBatch, *, families_wanted: bool, text_lane: TextLaneArguments
) -> Prepared | Iterator[Lane]:
    """The batch through the C lane and the PII text lane in one call that releases the GIL.

    A :class:`Prepared`, or for a batch C cannot read (a line beyond the
    limit, bytes that are not UTF-8) its items the full way. Call only when
    :func:`batch_lane` says so.
    """
    native = _NATIVE
    assert native is not None
    if batch.overlong:
        return read_batch(batch, families_wanted=families_wanted)
    data = _utf8(batch)
    if data is None:
        return slow_lanes(parse_jsonl_batch(batch))
    text, ends, leaves, status, families, kinds, kind_ends, starts = native.prepare_lines(
        data, _ANCHORS, batch.max_line, families_wanted, text_lane
    )
    special = [found.start() for found in _SPECIAL.finditer(status)]
    return Prepared(
        text,
        memoryview(ends).cast("Q"),
        leaves,
        kinds,
        memoryview(kind_ends).cast("I"),
        status,
        families,
        special,
        data,
        memoryview(starts).cast("Q"),
        batch,
    )


_SLOW = 1
"""``prepare_lines``' status of a line it did not take (2: taken, families left to Python)."""


__all__ = ["ABI", "ENABLED", "Prepared", "available", "batch_lane", "prepare_batch", "read_runs"]
