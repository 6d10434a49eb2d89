"""A client email whose domain is one slip away from the repo's own is a warning naming both
places, in validate (text and JSON) and plan; the exit code stays what it would be."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.app import main
from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import Studio, open_studio

ACME = """version: 1
name: acme
folders: ["100"]
clients:
  - email: jane@acme.example
    role: viewer
  - email: cmo@acme.example
    role: editor
"""
SLIPPED = """version: 1
name: acme-extra
folders: ["200"]
clients:
  - email: buyer@acme.exmaple
    role: viewer
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "deliveries").mkdir()
    (tmp_path / "deliveries" / "acme.yaml").write_text(ACME, encoding="utf-8")
    (tmp_path / "deliveries" / "extra.yaml").write_text(SLIPPED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_domain_one_letter_off_the_others_is_a_warning_and_validate_still_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate"], capsys)
    assert code == 0, out
    assert (
        "deliveries/extra.yaml:5:12: warning: the domain 'acme.exmaple' looks like a typo of "
        "'acme.example' (used at deliveries/acme.yaml:5:12) [domain-typo]"
    ) in out.splitlines()
    assert out.splitlines()[-1] == "OK: 2 manifests valid, no problems, 1 warning."


def test_validate_json_lists_warnings_apart_from_problems(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate", "--format", "json"], capsys)
    doc = json.loads(out)
    assert (code, doc["valid"], doc["problems"]) == (0, True, [])
    (warning,) = doc["warnings"]
    assert (warning["file"], warning["line"], warning["code"]) == (
        "deliveries/extra.yaml",
        5,
        "domain-typo",
    )
    assert "'acme.example'" in warning["message"]


def test_a_domain_near_one_in_allowed_domains_names_the_policy(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "deliveries" / "acme.yaml").unlink()
    config = "policy:\n  allowed_domains: [acme.example]\n"
    (repo / "reconcile.yaml").write_text(config, encoding="utf-8")
    code, out, _ = run(["validate"], capsys)
    assert code == 3  # the domain is not allowed: an error, as without the warning
    assert "[domain-not-allowed]" in out
    assert (
        "deliveries/extra.yaml:5:12: warning: the domain 'acme.exmaple' looks like a typo of "
        "'acme.example' (policy.allowed_domains of reconcile.yaml) [domain-typo]"
    ) in out.splitlines()


def test_real_neighbours_are_not_warned_about(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "deliveries" / "extra.yaml").write_text(
        SLIPPED.replace("acme.exmaple", "globex.example"), encoding="utf-8"
    )
    code, out, _ = run(["validate", "--format", "json"], capsys)
    assert (code, json.loads(out)["warnings"]) == (0, [])


def test_plan_warns_on_stderr_and_plans_as_before(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    studio: Studio = open_studio(sandbox_factory, tmp_path)
    before = studio.run("plan")

    def slip(doc: dict[str, Any]) -> None:
        doc["clients"][0]["email"] = "art@acme.exmaple"

    def no_domain_rule(doc: dict[str, Any]) -> None:
        doc["policy"].pop("allowed_domains")

    studio.edit("reconcile.yaml", no_domain_rule)
    studio.edit("deliveries/globex/lookbook.yaml", slip)
    after = studio.run("plan")
    assert before.code == after.code == 0, after.text
    (warning,) = [line for line in after.err.splitlines() if "warning:" in line]
    assert warning.startswith("deliveries/globex/lookbook.yaml:")  # edited: the line moved
    assert warning.endswith(
        "warning: the domain 'acme.exmaple' looks like a typo of 'acme.example' "
        "(used at deliveries/acme/spring-2026.yaml:10:12)"
    )
    assert "art@acme.exmaple" in after.out
