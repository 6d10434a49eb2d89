"""Fixtures for the sandbox's own tests: a small studio enterprise and its admin's SDK client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from box_sdk_gen import BoxClient

from reconciler.sandbox.server import Sandbox
from tests.conftest import sdk_client
from tests.sandbox.test_collaborations import studio_seed


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox seeded with a studio: people, groups, a delivery folder tree."""
    return sandbox_factory(studio_seed())


@pytest.fixture
def admin(studio: Sandbox) -> BoxClient:
    """The studio's admin service account, through the real SDK."""
    return sdk_client(studio.base_url)
