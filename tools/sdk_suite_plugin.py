"""pytest plugin for tools/run_sdk_suite.py: point every box_sdk_gen client at the sandbox.

Box's SDK integration tests build their clients with default ``BaseUrls`` (api.box.com); this
plugin makes those defaults the sandbox's addresses, taken from ``SANDBOX_BASE_URL``, before the
test modules are imported (they create clients at import time).
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from box_sdk_gen.networking.base_urls import BaseUrls

    base_url = os.environ["SANDBOX_BASE_URL"].rstrip("/")
    defaults = BaseUrls.__init__.__kwdefaults__
    assert defaults is not None, "box_sdk_gen's BaseUrls takes keyword defaults"
    defaults.update(
        base_url=base_url, upload_url=f"{base_url}/api", oauth_2_url=f"{base_url}/oauth2"
    )
