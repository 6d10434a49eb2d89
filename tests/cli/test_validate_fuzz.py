"""Fuzzed manifest and config text through ``reconcile validate``: whatever is written, the
command answers 0 or 3, never an internal error or a traceback, and every problem names one of
the files and a line inside it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli.app import main

MANIFEST_LINES = [
    "version: 1",
    "name: acme-spring-2026",
    'folders: ["213534631621"]',
    'files: ["1400000001"]',
    'hubs: ["42037322"]',
    "clients:",
    "  - email: jane@acme.example",
    "    role: viewer",
    '  - group: "11446498"',
    "    hub_role: editor",
    "    approver: true",
    "approval:",
    "  due_in_days: 7",
    "  completion_rule: any_assignee",
    '  include: ["**/*.jpg", "[z-a].png", "*a*a*a*a*b"]',
    '  exclude: ["_internal/**"]',
    "prune: true",
    "notify: no",
]
CONFIG_LINES = [
    "policy:",
    "  allowed_domains: [acme.example]",
    "  max_role: { external: editor }",
    '  protected: ["svc@studio.example"]',
    "safety:",
    "  max_removals: 20",
    "  max_removal_fraction: 0.25",
    "concurrency: 8",
    "max_requests_per_second: 15",
]
#: Pieces a careless or hostile writer adds: odd numbers, tags, aliases, breaks, nesting, bytes.
NOISE = [
    ".nan",
    "-.inf",
    "1.0e-300",
    "4.0",
    "0.0",
    "7.5",
    "1e400",
    "9" * 30,
    "!!float 3",
    "!!int x",
    "!!binary aGk=",
    "!!python/object:os.system",
    "&a 1",
    "*a",
    "<<: {}",
    "~",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "-",
    "? ",
    "#",
    "'",
    '"',
    "\t",
    "\u2028",
    "\u2029",
    "\u0085",
    "\x00",
    "\x1b[2J",
    "\ufeff",
    "\ud7ff",
    "[[[[[[[[[[",
    "- - - - - - -",
    "é",
    "\\",
    "%YAML 1.1",
    "---",
    "...",
]


def noisy(lines: list[str]) -> st.SearchStrategy[str]:
    line = st.one_of(
        st.sampled_from(lines),
        st.builds(lambda a, b: a + " " + b, st.sampled_from(lines), st.sampled_from(NOISE)),
        st.sampled_from(NOISE),
        st.builds(lambda d: "  " * d + "- x", st.integers(0, 40)),
        st.text(max_size=12),
    )
    return st.lists(line, max_size=20).map("\n".join)


def line_count(data: bytes) -> int:
    return data.count(b"\n") + 1


@settings(
    derandomize=True,
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(manifest=noisy(MANIFEST_LINES), config=noisy(CONFIG_LINES))
def test_any_text_is_exit_0_or_3_with_every_problem_inside_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: str, config: str
) -> None:
    files = {
        "deliveries/acme.yaml": manifest.encode("utf-8", "surrogatepass"),
        "reconcile.yaml": config.encode("utf-8", "surrogatepass"),
    }
    (tmp_path / "deliveries").mkdir(exist_ok=True)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(SystemExit) as done:
            main(["validate", "--format", "json"])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()

    assert done.value.code in (0, 3), err
    assert "Traceback" not in err and "Internal error" not in err
    for problem in json.loads(out)["problems"]:
        assert problem["file"] in files, problem
        assert 1 <= problem["line"] <= line_count(files[problem["file"]]), problem
        assert problem["column"] >= 1, problem
