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
_path = Path(__file__).resolve().parent / SOURCE
_digest = hashlib.sha256(_path.read_bytes()).hexdigest()[:16] if _path.exists() else ""

setup(
    ext_modules=[
        Extension(
            "app.core.datasets._fastlane",
            sources=[SOURCE],
            libraries=["crypto"],
            define_macros=[("FASTLANE_SOURCE", f'"{_digest}"')],
            optional=True,
        )
    ]
)
