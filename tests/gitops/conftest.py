"""The sample studio for GitOps tests (the same one the integration tests use)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import Studio, open_studio


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)
