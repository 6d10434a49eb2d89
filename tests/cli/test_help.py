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
    ["sandbox"],
    ["sandbox", "serve"],
    ["demo"],
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
    listed = out[out.index("Commands:") :].splitlines()[1:]
    assert listed[0].split()[0] == "demo"  # newcomers start there
    assert not any(line.rstrip().endswith("...") for line in listed)  # whole summaries


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_usage_and_options_show_no_python_types(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: ")
    options = out[out.find("Options:") :]
    for python_type in ("<str>", "<int>", "<path>", "<list[str]>", "<bool>"):
        assert python_type not in out.splitlines()[0] and python_type not in options


def test_a_bad_choice_is_named_without_the_validators_prefix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["plan", "--format", "yaml"]) == 3
    err = capsys.readouterr().err
    assert "Invalid value for '--format': 'yaml' is not one of 'text', 'json', 'markdown'." in err
    assert "Value error" not in err


def test_a_misspelt_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plna"]) == 3
    assert "No such command" in capsys.readouterr().err
