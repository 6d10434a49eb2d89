"""The packaged JSON Schemas, and how schema errors read in the config as in manifests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.errors import ConfigError, ReconcilerError
from reconciler.manifest import load_config, validate
from reconciler.manifest.schema import schema_text, suggest

VALID = Path(__file__).parent / "manifests" / "valid"


def properties(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, subschema) declared under a ``properties`` keyword, at any depth."""
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, value in schema.items():
            if key != "properties" or isinstance(value, list):
                yield from properties(value, f"{path}/{key}")
            else:
                for name, sub in value.items():
                    yield from properties(sub, f"{path}.{name}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from properties(item, f"{path}[{index}]")


@pytest.mark.parametrize("name", ["delivery", "config"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = json.loads(schema_text(name))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["delivery", "config"])
def test_every_property_has_a_description_for_editors(name: str) -> None:
    found = list(properties(json.loads(schema_text(name))))
    assert len(found) > 8
    undocumented = [path for path, sub in found if not sub.get("description")]
    assert undocumented == []


def test_config_problems_are_located_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "reconcile.yaml"
    config.write_text(
        "policy:\n  allowed_domain: [acme.example]\n  max_role: {external: owner}\n"
        "safety:\n  max_removal_fraction: 2\nconcurrency: many\n"
    )
    problems = validate([str(VALID / "minimal.yaml")], config_path=str(config))
    assert [(p.file, p.line, p.column, p.code) for p in problems] == [
        (str(config), 2, 3, "unknown-key"),
        (str(config), 3, 24, "invalid-value"),
        (str(config), 5, 25, "invalid-value"),
        (str(config), 6, 14, "wrong-type"),
    ]
    assert "did you mean 'allowed_domains'" in problems[0].message
    assert "at most 1" in problems[2].message


def test_a_named_config_that_does_not_exist_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "missing.yaml"))


def test_suggestions_name_the_nearest_known_word_only_when_close() -> None:
    assert suggest("hubrole", ["hub_role", "role"]) == "; did you mean 'hub_role'?"
    assert suggest("zzzz", ["hub_role", "role"]) == ""


def test_a_schema_missing_from_the_installation_is_explained() -> None:
    with pytest.raises(ReconcilerError, match="not part of this installation"):
        schema_text("nonexistent")
