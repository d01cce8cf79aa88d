"""The JSON Lines fast lane in C (``_fastlane.c``); used through :mod:`.nativelane`."""

ABI: int

def scan(
    data: bytes,
    anchors: tuple[bytes, ...],
    max_line: int,
    families: bool,
    leaves: bool,
    /,
) -> tuple[list[bytes | None], bytes, bytes, list[int]]:
    """Per line of ``data``: canonical bytes (None: not taken), families, 32-byte leaves;
    and the lines the caller must look at (not taken, or with families left)."""
