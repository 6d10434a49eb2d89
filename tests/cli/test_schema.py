"""``reconcile schema``: prints the packaged JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from reconciler.cli.app import main

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


@pytest.mark.parametrize("name", ["delivery", "config"])
def test_schema_prints_a_valid_json_schema(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema", name], capsys)
    assert code == 0
    schema = json.loads(out)
    Draft202012Validator.check_schema(schema)
    assert schema == json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())


def test_delivery_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["schema"], capsys)
    assert json.loads(out)["title"] == "reconciler delivery manifest"


def test_the_printed_delivery_schema_accepts_the_shipped_manifests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import yaml

    _, out, _ = run(["schema", "delivery"], capsys)
    validator = Draft202012Validator(json.loads(out))
    for path in sorted((REPO / "deliveries").rglob("*.yaml")):
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path


def test_seed_schema_is_printed_when_present_or_explained_when_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["schema", "seed"], capsys)
    if (REPO / "schemas" / "seed.schema.json").exists():
        assert code == 0
        Draft202012Validator.check_schema(json.loads(out))
    else:
        assert code == 1
        assert "seed schema is not part of this installation" in err


def test_unknown_schema_names_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["schema", "plan"], capsys)
    assert code == 3
    assert "delivery" in err
