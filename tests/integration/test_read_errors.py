"""A manifest that names an item Box does not have: the error points at the manifest line and
carries Box's request id, and nothing is written for that delivery."""

from __future__ import annotations

import re

from tests.integration.conftest import Studio

MISSING = """version: 1
name: typo-delivery
folders:
  - "213534631699"
clients:
  - email: someone@acme.example
    role: viewer
"""


def test_a_missing_folder_names_the_manifest_line_and_the_request_id(studio: Studio) -> None:
    studio.path("deliveries/typo.yaml").write_text(MISSING, encoding="utf-8")
    studio.control("DELETE", "requests")

    result = studio.cli("plan")

    assert result.code == 1
    assert "deliveries/typo.yaml:4:5: folder 213534631699 was not found" in result.err
    assert re.search(r"request id [0-9a-f]{8,}", result.err)
    assert "Traceback" not in result.text
    assert all(r["method"] == "GET" for r in studio.requests())

    studio.control("DELETE", "requests")
    applied = studio.apply()
    assert applied.code == 5  # the other deliveries were applied; this one was left out
    assert "deliveries/typo.yaml:4:5: folder 213534631699 was not found" in applied.err
    writes = [r["path"] for r in studio.requests() if r["method"] != "GET"]
    assert writes and not any("213534631699" in path for path in writes)
