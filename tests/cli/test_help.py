"""Every command teaches: --help exits 0, says what it does, and shows examples."""

from __future__ import annotations

import pytest

from reconciler.cli.app import run

COMMANDS = [
    ["validate"],
    ["plan"],
    ["apply"],
    ["status"],
    ["schema"],
    ["sandbox", "serve"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help_with_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"reconcile {' '.join(command)}" in out
    assert "Examples:" in out


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("validate", "plan", "apply", "status", "schema", "sandbox", "demo"):
        assert f"  {name} " in out


def test_a_misspelt_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plna"]) == 3
    assert "No such command" in capsys.readouterr().err
