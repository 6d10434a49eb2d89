"""``reconcile apply --plan FILE`` on saved plans someone edited or damaged: always exit 3 naming
the file, never an internal error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli.app import main

ROW: dict[str, Any] = {
    "id": "c1",
    "action": "add",
    "kind": "collaboration",
    "delivery": "acme-spring-2026",
    "item": {"type": "folder", "id": "213534631621", "name": "Spring"},
    "principal": {"type": "email", "id": "jane@acme.example", "name": "jane@acme.example"},
    "reason": "declared",
    "before": None,
    "after": {"role": "viewer"},
    "origin": "deliveries/acme.yaml:5",
    "file": {"id": "1400000001", "name": "hero.jpg"},
    "depends_on": [],
    "box_ids": {},
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@st.composite
def damaged_plans(draw: st.DrawFn) -> dict[str, Any]:
    row = dict(ROW)
    for key in draw(st.lists(st.sampled_from(sorted(ROW)), max_size=3)):
        row[key] = draw(JSON)
    return {"format_version": 1, "checksum": draw(st.text(max_size=8)), "changes": [row]}


@settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(plan=damaged_plans())
def test_a_damaged_saved_plan_is_invalid_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: dict[str, Any]
) -> None:
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan), encoding="utf-8")

    with pytest.raises(SystemExit) as done:
        main(["apply", "--plan", str(saved)])
    _, err = capsys.readouterr()

    assert done.value.code == 3, err
    assert err.startswith(f"Error: {saved}: "), err
