"""The one part of the build pyproject.toml cannot say: the optional C fast lane.

``app.core.datasets._fastlane`` makes the JSON Lines import several times cheaper
per record (see ``app/core/datasets/nativelane.py``). It is optional: without a C
compiler, Python's headers or OpenSSL's (``libssl-dev``), the build says so and the
install goes on, and Tessera runs the same lane in Python, with the same results.
The build records a digest of its source, so that an editable install whose
``_fastlane.c`` changed since (and was not rebuilt) runs the Python lane.
"""

import hashlib
from pathlib import Path

from setuptools import Extension, setup

SOURCE = "app/core/datasets/_fastlane.c"
PARTS = "app/core/datasets/fastlane_c"
"""The files _fastlane.c includes: one translation unit, kept in files by topic."""
_root = Path(__file__).resolve().parent
_path = _root / SOURCE
_parts = sorted((_root / PARTS).glob("*.c"))
# The same digest as app.core.datasets.nativelane.source_digest (the build cannot import app).
_digest = (
    hashlib.sha256(b"".join(path.read_bytes() for path in [_path, *_parts])).hexdigest()[:16]
    if _path.exists()
    else ""
)

setup(
    ext_modules=[
        Extension(
            "app.core.datasets._fastlane",
            sources=[SOURCE],
            depends=[str(path.relative_to(_root)) for path in _parts],
            libraries=["crypto"],
            define_macros=[("FASTLANE_SOURCE", f'"{_digest}"')],
            optional=True,
        )
    ]
)
