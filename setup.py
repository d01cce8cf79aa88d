"""The one part of the build pyproject.toml cannot say: the optional C fast lane.

``app.core.datasets._fastlane`` makes the JSON Lines import several times cheaper
per record (see ``app/core/datasets/nativelane.py``). It is optional: without a C
compiler, Python's headers or OpenSSL's (``libssl-dev``), the build says so and the
install goes on, and Tessera runs the same lane in Python, with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "app.core.datasets._fastlane",
            sources=["app/core/datasets/_fastlane.c"],
            libraries=["crypto"],
            optional=True,
        )
    ]
)
