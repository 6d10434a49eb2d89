"""``reconcile validate`` through the real command: output, summary and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.app import main

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "unit" / "manifests"
INVALID = CORPUS / "invalid"
POLICY = str(CORPUS / "reconcile.yaml")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_the_shipped_deliveries_are_valid(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = run(["validate"], capsys)
    assert (code, err) == (0, "")
    assert out == "OK: 3 manifests valid, no problems.\n"


def test_the_invalid_corpus_exits_3_and_names_every_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["validate", str(INVALID), "--config", POLICY], capsys)
    assert code == 3
    named = {line.split(":", 1)[0] for line in out.splitlines()[:-1]}
    every = {str(p) for p in INVALID.rglob("*.yaml")}
    every -= {
        str(INVALID / "duplicate-name" / "a.yaml"),
        str(INVALID / "conflicting-roles" / "a.yaml"),
    }
    assert every <= named  # the first of a cross-file pair is named in its partner's message
    assert out.splitlines()[-1].startswith(f"Found {len(out.splitlines()) - 1} problems in ")


def test_problems_print_as_file_line_col_message_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    code, out, _ = run(["validate", "invalid/bad-role.yaml", "--config", "reconcile.yaml"], capsys)
    assert code == 3
    assert out.splitlines() == [
        "invalid/bad-role.yaml:7:11: clients[0].role: expected one of editor, viewer, previewer, "
        "uploader, previewer uploader, viewer uploader, co-owner, found 'veiwer'; "
        "did you mean 'viewer'? [invalid-value]",
        "Found 1 problem in 1 of 1 manifest.",
    ]


def test_json_output_for_machines(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(INVALID / "several.yaml")
    code, out, _ = run(["validate", path, "--config", POLICY, "--format", "json"], capsys)
    assert code == 3
    report = json.loads(out)
    assert report["valid"] is False
    assert report["manifests"] == [path]
    first = report["problems"][0]
    assert set(first) == {"file", "line", "column", "code", "message"}
    assert [(p["line"], p["column"], p["code"]) for p in report["problems"]] == [
        (3, 7, "invalid-value"),
        (6, 12, "invalid-email"),
        (9, 11, "invalid-value"),
        (10, 5, "unknown-key"),
        (11, 8, "wrong-type"),
    ]


def test_json_output_when_clean(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run(["validate", "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["problems"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", "no/such/dir"], "no such file or directory: no/such/dir"),
        (["validate", "empty"], "no manifests"),
        (["validate", "deliveries", "--config", "missing.yaml"], "config file not found"),
        (["validate", "--format", "xml"], "xml"),
    ],
)
def test_usage_problems_exit_3_with_a_message_and_no_traceback(
    args: list[str],
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "deliveries").mkdir()
    (tmp_path / "deliveries" / "x.yaml").write_text("version: 1\n")
    code, out, err = run(args, capsys)
    assert code == 3
    assert words in err
    assert "Traceback" not in out + err


def test_unreadable_and_binary_files_are_problems_not_crashes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "junk.yaml").write_bytes(os.urandom(64) + b"\xff")
    unreadable = tmp_path / "secret.yaml"
    unreadable.write_text("version: 1\n")
    unreadable.chmod(0)
    code, out, err = run(["validate", str(tmp_path), "--config", POLICY], capsys)
    assert code == 3
    assert f"{tmp_path}/junk.yaml:" in out
    if os.geteuid() != 0:  # root reads anything
        assert f"{unreadable}:1:1: cannot read file" in out
    assert "Traceback" not in out + err


def test_no_colour_without_a_terminal_and_with_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run(["validate", str(INVALID / "bad-role.yaml"), "--config", POLICY], capsys)
    assert "\x1b[" not in out


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(INVALID / "no-clients.yaml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 3
    assert "no-clients.yaml:3:7: delivery 'no-clients' has no clients" in done.stdout
    assert done.stderr == ""


def test_validate_loads_neither_the_box_sdk_nor_the_planner() -> None:
    # Validate runs first in every CI job; the SDK alone would triple its start-up time.
    probe = (
        "import io, sys, contextlib\n"
        "from reconciler.cli.app import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = run(['validate', 'deliveries/'])\n"
        "heavy = ('box_sdk_gen', 'deepdiff', 'reconciler.plan', 'reconciler.render.plan',"
        " 'reconciler.planning', 'reconciler.session.workflow')\n"
        "print(code, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0 []"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        pytest.param(
            "yaml-missing-colon.yaml",
            "yaml-missing-colon.yaml:3:1: YAML syntax error: could not find expected ':'",
            id="a key without its colon, at its own line",
        ),
        pytest.param(
            "yaml-syntax.yaml",
            "yaml-syntax.yaml:4:10: YAML syntax error: did not find expected ',' or ']'",
            id="an unclosed list, where it opens",
        ),
        pytest.param(
            "approval-without-approvers.yaml",
            "approval-without-approvers.yaml:11:1: approval is set but no client can approve",
            id="a mapping-level problem, at the key",
        ),
    ],
)
def test_problems_point_at_the_line_to_fix(
    name: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate", str(INVALID / name), "--config", POLICY], capsys)
    assert code == 3
    assert says in out


def test_a_directory_named_reconcile_yaml_is_an_error_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "deliveries").mkdir()
    (tmp_path / "deliveries" / "a.yaml").write_text(
        (CORPUS / "valid" / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "reconcile.yaml").mkdir()
    monkeypatch.chdir(tmp_path)

    # Given the repository root, the directory is judged as the config, never walked.
    code, out, err = run(["validate", "."], capsys)

    assert (code, err) == (3, "")
    assert out.splitlines()[0] == (
        "reconcile.yaml:1:1: this is a directory, not a file [unreadable-file]"
    )
    assert out.splitlines()[-1].startswith("Found 1 problem in ")
