"""CI builds the C fast lane: its tests must not pass by being skipped there."""

from __future__ import annotations

import os

import pytest

from app.core.datasets import nativelane


@pytest.mark.skipif(not os.environ.get("CI"), reason="a developer machine may lack a compiler")
def test_the_c_lane_is_built_where_ci_runs() -> None:
    assert nativelane.available(), (
        "the C fast lane did not build: scripts/bootstrap.sh installs gcc, python3-dev and "
        "libssl-dev; see the pip output of `pip install -e .`"
    )
