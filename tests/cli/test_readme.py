"""The README's examples stay true, and those of the reference pages under docs/ it links to:
every ``reconcile ...`` line parses against the real command line (commands, flags, choices),
and the manifest examples validate."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from reconciler.cli.app import _register_commands, app
from reconciler.manifest import check

README = Path(__file__).resolve().parents[2] / "README.md"
# The README tells the story; the reference it moved out lives under docs/ (but for the settings
# table, which tools/settings_table.py writes from the schema's descriptions).
PAGES = [
    README,
    *sorted(p for p in (README.parent / "docs").glob("**/*.md") if p.name != "settings.md"),
]


def all_text() -> str:
    # a "|" inside a Markdown table cell is written "\|"
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES).replace("\\|", "|")


def code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def reconcile_lines() -> list[str]:
    """Shell lines that run ``reconcile``: after env assignments, && chains and pipes."""
    text = all_text()
    found: list[str] = []
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    inline = [s for s in re.findall(r"`(reconcile [^`]+)`", prose) if "[" not in s]
    blocks = [body for language, body in code_blocks(text) if language in ("sh", "bash", "yaml")]
    # plain blocks are synopses, with [OPTIONAL] parts: not commands to run
    for body in [*blocks, "\n".join(inline)]:
        for raw in body.splitlines():
            line = raw.split(" #", 1)[0].strip().rstrip("&").strip()
            line = re.sub(r"^(- )?(run: )?", "", line)  # a GitHub Actions step
            for part in re.split(r"&&|\|", line):
                words = shlex.split(part.replace(">", " > ")) if part.strip() else []
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words = words[1:]  # VAR=value before the command
                if words[:1] == ["reconcile"]:
                    found.append(" ".join(shlex.quote(w) for w in words))
    return found


LINES = reconcile_lines()


def parse(argv: list[str]) -> None:
    """Parse like the real command would, without running it."""
    _register_commands()
    group: Any = typer.main.get_command(app)
    context = group.make_context("reconcile", list(argv))
    words = list(argv)
    command: Any = group
    while hasattr(command, "commands") and words:
        name = words.pop(0)
        command = command.get_command(context, name)
        if command is None:
            raise LookupError(f"No such command {name!r}")
        context = command.make_context(name, list(words), parent=context)


def test_the_readme_has_examples_to_check() -> None:
    assert len(LINES) >= 10


@pytest.mark.parametrize("line", LINES)
def test_every_readme_command_parses(line: str) -> None:
    argv = shlex.split(line)[1:]
    argv = argv[: argv.index(">")] if ">" in argv else argv
    parse(argv)


def test_the_annotated_manifest_in_the_readme_validates(tmp_path: Path) -> None:
    blocks = [b for lang, b in code_blocks(README.read_text(encoding="utf-8")) if lang == "yaml"]
    manifest = next(b for b in blocks if b.lstrip().startswith("# yaml-language-server"))
    (tmp_path / "deliveries").mkdir()
    (tmp_path / "deliveries" / "acme.yaml").write_text(manifest, encoding="utf-8")
    result = check([str(tmp_path / "deliveries")])
    assert result.problems == (), [str(p) for p in result.problems]
    assert [d.name for d in result.state.deliveries] == ["acme-spring-2026"]


def test_the_life_of_a_delivery_example_validates(tmp_path: Path) -> None:
    blocks = [b for lang, b in code_blocks(all_text()) if lang == "yaml"]
    manifest = next(b for b in blocks if b.lstrip().startswith("# the life of a delivery"))
    (tmp_path / "acme.yaml").write_text(manifest, encoding="utf-8")
    result = check([str(tmp_path / "acme.yaml")])
    assert result.problems == (), [str(p) for p in result.problems]
    (delivery,) = result.state.deliveries
    assert delivery.expiry is not None and delivery.invitations is not None


@pytest.mark.parametrize(
    "argv", [["plan", "--formt", "json"], ["status", "--format", "xml"], ["sandbox", "srve"]]
)
def test_a_stale_example_would_be_caught(argv: list[str]) -> None:
    with pytest.raises(Exception, match=r"(?i)no such|invalid|not one of"):
        parse(argv)


def test_gitignore_covers_the_files_the_docs_write() -> None:
    """A plan saved as the README says must not end up committed by accident."""
    root = Path(__file__).resolve().parents[2]
    patterns = {
        line.strip().lstrip("/")
        for line in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    written = set(
        re.findall(r"(?:--out|>|--journal) ([\w.-]+\.(?:json|md|jsonl|csv))\b", all_text())
    )
    assert "plan.json" in written
    assert written <= patterns


def test_the_readme_lists_the_billing_csv_columns_in_order() -> None:
    from reconciler.render.status import CLIENT_COLUMNS, FILE_COLUMNS

    text = " ".join(all_text().split())
    assert f"`{', '.join(CLIENT_COLUMNS)}`" in text
    assert f"`{', '.join(FILE_COLUMNS)}`" in text


def config_blocks() -> list[str]:
    """The ``reconcile.yaml`` examples of the README and docs/: YAML blocks that start with one
    of its keys."""
    import json

    schema_path = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.json"
    keys = set(json.loads(schema_path.read_text(encoding="utf-8"))["properties"])
    found = []
    for language, body in code_blocks(all_text()):
        lines = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if language == "yaml" and lines and lines[0].split(":")[0] in keys:
            found.append(body)
    return found


def test_the_readme_has_reconcile_yaml_examples() -> None:
    assert len(config_blocks()) >= 3


@pytest.mark.parametrize("block", config_blocks())
def test_every_reconcile_yaml_example_in_the_readme_is_valid(tmp_path: Path, block: str) -> None:
    from reconciler.manifest.service import load_service

    config = tmp_path / "reconcile.yaml"
    config.write_text(block, encoding="utf-8")
    secrets = {
        name: "set" for name in re.findall(r"(?:secret|username|password|url)_env: (\w+)", block)
    }
    load_service(str(config), env=secrets)  # raises ManifestError naming file:line if not
