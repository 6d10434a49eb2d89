"""Every command teaches: --help exits 0, says what it does, and shows examples that parse.

The commands are walked from the real command registry (the typer app as click sees it), so a
command added without help or examples fails here without anyone listing it."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from reconciler.cli.app import _register_commands, app, run
from tests.cli.test_doc_blocks import commands
from tests.cli.test_readme import parse


def registry() -> list[tuple[list[str], Any]]:
    """Every command and subcommand of ``reconcile`` (groups included), with its click command."""
    _register_commands()
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append(([*path, name], sub))
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = registry()
IDS = [" ".join(path) for path, _ in COMMANDS]


def help_of(path: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert run([*path, "--help"]) == 0
    return capsys.readouterr().out


def examples(out: str) -> str:
    """The help's Examples section (up to the next blank line), as a shell block."""
    lines = out.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("Examples")), None)
    assert start is not None, "no Examples section"
    section: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        section.append(line.strip())
    return "\n".join(section)


def test_the_registry_holds_the_commands_and_their_subcommands() -> None:
    assert {"demo", "plan", "apply", "watch", "webhooks plan", "sandbox serve"} <= set(IDS)
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_has_help_with_examples_that_parse(
    path: list[str], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (command.help or "").strip(), "no help text"
    out = help_of(path, capsys)
    assert f"reconcile {' '.join(path)}" in out
    invocations = [words for words in commands(examples(out)) if words[:1] == ["reconcile"]]
    # Each example runs on the real command line; at least one is of this command (of one of
    # its subcommands, for a group).
    assert invocations, "no reconcile command among the examples"
    for words in invocations:
        parse(words[1:])
    assert any(words[1 : 1 + len(path)] == path for words in invocations), invocations


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of([], capsys)
    for path, _ in COMMANDS:
        if len(path) == 1:
            assert f"  {path[0]} " in out
    listed = out[out.index("Commands:") :].splitlines()[1:]
    assert listed[0].split()[0] == "demo"  # newcomers start there
    assert not any(line.rstrip().endswith("...") for line in listed)  # whole summaries


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_usage_and_options_show_no_python_types(
    path: list[str], command: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    out = help_of(path, capsys)
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
