"""The JSON Lines fast lane in C (``_fastlane.c``); used through :mod:`.nativelane`."""

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
    not a multiple of 64 (an odd node out is the caller's to carry up). Releases the GIL."""
