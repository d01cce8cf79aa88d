"""Keys shared by the crypto tests; generated once, cheap to reuse."""

from __future__ import annotations

import pytest

from app.core.crypto import HybridIdentity, X25519Identity


@pytest.fixture(scope="session")
def alice() -> X25519Identity:
    return X25519Identity.generate()


@pytest.fixture(scope="session")
def bob() -> X25519Identity:
    return X25519Identity.generate()


@pytest.fixture(scope="session")
def carol() -> X25519Identity:
    return X25519Identity.generate()


@pytest.fixture(scope="session")
def quantum() -> HybridIdentity:
    return HybridIdentity.generate()
