"""Every fenced ``sh`` and ``yaml`` block of the README and of docs/ is checked: shell blocks are
valid bash whose ``reconcile`` commands parse against the real command line, YAML blocks parse,
and those that are a reconcile.yaml or a delivery validate; the settings page names every
setting of the schema."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reconciler.manifest import check
from tests.cli.test_readme import parse

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
CONFIG_KEYS = set(
    json.loads((ROOT / "schemas" / "config.schema.json").read_text("utf-8"))["properties"]
)


def blocks(language: str) -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, (lang, body) in enumerate(re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)):
            if lang == language:
                found.append((f"{page.relative_to(ROOT)}#{number}", body))
    return found


SH = blocks("sh")
YAML = blocks("yaml")


def test_there_are_blocks_in_the_readme_and_the_docs() -> None:
    assert {name.split("#")[0] for name, _ in SH} >= {"README.md", "docs/index.md"}
    assert len(YAML) >= 5


@pytest.mark.parametrize(("name", "body"), SH, ids=[n for n, _ in SH])
def test_every_shell_block_is_bash_and_its_reconcile_commands_parse(name: str, body: str) -> None:
    syntax = subprocess.run(["bash", "-n"], input=body, capture_output=True, text=True)
    assert syntax.returncode == 0, f"{name}: {syntax.stderr}"
    for command in commands(body):
        if command[:1] == ["reconcile"]:
            parse(command[1:])


def commands(body: str) -> list[list[str]]:
    """Each simple command of a shell block, without assignments before it or redirections."""
    found: list[list[str]] = []
    for line in body.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", "|", ";", "&", "(", ")"):
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words = words[1:]
                found.append(words)
                words = []
            else:
                words.append(token)
        found = [[w for w in c[: c.index(">")] if w] if ">" in c else c for c in found]
    return found


@pytest.mark.parametrize(("name", "body"), YAML, ids=[n for n, _ in YAML])
def test_every_yaml_block_parses_and_settings_and_deliveries_validate(
    name: str, body: str, tmp_path: Path
) -> None:
    document = yaml.safe_load(body)
    if not isinstance(document, dict) or "runs-on" in body:
        return  # a workflow's steps or job: checked as YAML only
    if "version" in document and "name" in document:
        (tmp_path / "delivery.yaml").write_text(body, encoding="utf-8")
        result = check([str(tmp_path / "delivery.yaml")])
        assert result.problems == (), [str(p) for p in result.problems]
    elif set(document) <= CONFIG_KEYS:
        from reconciler.manifest.service import load_service

        config = tmp_path / "reconcile.yaml"
        config.write_text(body, encoding="utf-8")
        names = re.findall(r"(?:secret|username|password|url)_env: (\w+)", body)
        load_service(str(config), env=dict.fromkeys(names, "s"))


def test_the_settings_page_is_the_schema_table() -> None:
    # The table is written by tools/settings_table.py from the schema: every setting, with the
    # schema's own words (run it after changing the schema).
    tool = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "settings_table.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert tool.returncode == 0, tool.stderr
