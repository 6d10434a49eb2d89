"""The CI scripts as a pipeline runs them: a git repository with a base and a head commit, the
sandbox for Box, and a stand-in for GitHub and GitLab on loopback that counts requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitops.conftest import commit_all, git
from tests.gitops.forge_standin import GITHUB_LIMIT, READ_ONLY, ForgeStandIn
from tests.integration.conftest import ACME_FOLDER, REPO, Studio

SCRIPT = REPO / "ci" / "reconcile.sh"
GLOBEX = "deliveries/globex/lookbook.yaml"
INITECH = "deliveries/initech/stills.yaml"
FORGE_TOKEN = "ghs-standin-5c1e"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    summary: str


class Pipeline:
    """One deliveries repository in CI: runs ci/reconcile.sh with the event of a pull request."""

    def __init__(self, studio: Studio, forge: ForgeStandIn, tmp: Path) -> None:
        self.studio = studio
        self.forge = forge
        self.tmp = tmp
        self.base = git(studio.workdir, "rev-parse", "HEAD")
        self.runs = 0

    def event(self, *, fork: bool = False) -> Path:
        head_repo = "someone/deliveries" if fork else "octo/deliveries"
        event = {
            "pull_request": {
                "number": 7,
                "base": {"sha": self.base, "repo": {"full_name": "octo/deliveries"}},
                "head": {"repo": {"full_name": head_repo, "fork": fork}},
            }
        }
        path = self.tmp / "event.json"
        path.write_text(json.dumps(event), encoding="utf-8")
        return path

    def run(self, command: str, *, fork: bool = False, **env: str) -> Run:
        self.runs += 1
        summary = self.tmp / f"summary-{self.runs}.md"
        summary.write_text("", encoding="utf-8")
        bindir = str(Path(sys.executable).parent)
        done = subprocess.run(
            ["bash", str(SCRIPT), command],
            cwd=self.studio.workdir,
            env={
                **self.studio.env,
                "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
                "GITHUB_API_URL": self.forge.url,
                "GITHUB_TOKEN": FORGE_TOKEN,
                "GITHUB_EVENT_PATH": str(self.event(fork=fork)),
                "GITHUB_STEP_SUMMARY": str(summary),
                "RECONCILE_CHANGED_SINCE": self.base,
                "RECONCILE_OUT_DIR": str(self.tmp / "out"),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        for secret in (*self.studio.secrets, FORGE_TOKEN):
            assert secret not in done.stdout + done.stderr, "a token appeared in the log"
        return Run(done.returncode, done.stdout, done.stderr, summary.read_text(encoding="utf-8"))

    def plan_comments(self) -> list[str]:
        return [b for b in self.forge.forge.bodies() if b.startswith("<!-- reconcile-plan -->")]


@pytest.fixture
def forge() -> Iterator[ForgeStandIn]:
    standin = ForgeStandIn(FORGE_TOKEN)
    yield standin
    standin.stop()


@pytest.fixture
def pipeline(repo: Studio, forge: ForgeStandIn, tmp_path: Path) -> Pipeline:
    return Pipeline(repo, forge, tmp_path)


def test_the_comment_holds_exactly_the_changed_deliveries(pipeline: Pipeline) -> None:
    pipeline.studio.edit(GLOBEX, lambda doc: doc["clients"][0].update(role="editor"))
    commit_all(pipeline.studio.workdir, "globex: the art director edits")

    result = pipeline.run("plan")

    assert result.code == 0, result.err
    (comment,) = pipeline.plan_comments()
    assert "<b>globex-lookbook</b>" in comment
    assert "acme-spring-2026" not in comment
    assert "initech-stills" not in comment
    assert "Box account `svc-reconciler@studio.example`" in comment
    assert "Merging" in comment
    assert pipeline.forge.count("POST") == 1
    assert "globex-lookbook" in result.summary
    plan = json.loads((pipeline.tmp / "out" / "plan.json").read_text())
    assert {c["delivery"] for c in plan["changes"]} == {"globex-lookbook"}


def test_a_second_push_edits_the_comment(pipeline: Pipeline) -> None:
    pipeline.studio.edit(GLOBEX, lambda doc: doc.update(description="first push"))
    commit_all(pipeline.studio.workdir, "first push")
    assert pipeline.run("plan").code == 0
    pipeline.studio.edit(INITECH, lambda doc: doc.update(description="second push"))
    commit_all(pipeline.studio.workdir, "second push")

    result = pipeline.run("plan")

    assert result.code == 0, result.err
    (comment,) = pipeline.plan_comments()
    assert "initech-stills" in comment
    assert pipeline.forge.count("POST") == 1
    assert pipeline.forge.count("PATCH") == 1
    assert len(pipeline.forge.forge.comments) == 4  # three by people, one plan


def test_an_over_long_plan_is_cut_below_the_limit_and_says_so(pipeline: Pipeline) -> None:
    for n in range(80):
        clients = "\n".join(
            f"  - email: person-{n:02d}-{k}@acme.example\n    role: viewer" for k in range(10)
        )
        pipeline.studio.path(f"deliveries/big/batch-{n:02d}.yaml").parent.mkdir(exist_ok=True)
        pipeline.studio.path(f"deliveries/big/batch-{n:02d}.yaml").write_text(
            f'version: 1\nname: batch-{n:02d}\nfolders: ["{ACME_FOLDER}"]\nclients:\n{clients}\n',
            encoding="utf-8",
        )
    commit_all(pipeline.studio.workdir, "eighty deliveries on one folder")

    result = pipeline.run("plan")

    assert result.code == 0, result.err
    (comment,) = pipeline.plan_comments()
    assert len(comment) < GITHUB_LIMIT
    assert "sections left out" in comment
    assert "full plan is in the job summary" in comment
    assert len(result.summary) > GITHUB_LIMIT
    assert "<b>batch-79</b>" in result.summary


def test_invalid_manifests_give_a_validation_comment_and_fail(pipeline: Pipeline) -> None:
    pipeline.studio.edit(INITECH, lambda doc: doc["clients"][0].update(role="owner"))
    commit_all(pipeline.studio.workdir, "an owner by mistake")

    result = pipeline.run("plan")

    assert result.code == 3
    (comment,) = pipeline.plan_comments()
    assert "the manifests are invalid" in comment
    assert f"| `{INITECH}:" in comment
    assert "owner" in comment


def test_a_deleted_manifest_gives_the_warning(pipeline: Pipeline) -> None:
    git(pipeline.studio.workdir, "rm", "-q", GLOBEX)
    commit_all(pipeline.studio.workdir, "drop globex")

    result = pipeline.run("plan")

    assert result.code == 0, result.err
    (comment,) = pipeline.plan_comments()
    assert f"{GLOBEX} (delivery globex-lookbook) was deleted" in comment
    assert "set `revoke: true` in the manifest, apply, then delete it" in comment
    assert "was deleted" in result.err


def test_a_fork_without_a_write_token_gets_the_summary_and_does_not_fail(
    pipeline: Pipeline,
) -> None:
    pipeline.studio.edit(GLOBEX, lambda doc: doc.update(description="from a fork"))
    commit_all(pipeline.studio.workdir, "a contributor's change")
    result = pipeline.run("plan", fork=True, GITHUB_TOKEN=READ_ONLY)

    assert result.code == 0, result.err
    assert pipeline.plan_comments() == []
    assert "fork" in result.err
    assert "<b>globex-lookbook</b>" in result.summary
    assert "<b>globex-lookbook</b>" in result.out


def test_the_merge_run_applies_and_converges(pipeline: Pipeline) -> None:
    pipeline.studio.edit(GLOBEX, lambda doc: doc["clients"][0].update(role="editor"))
    commit_all(pipeline.studio.workdir, "merged")

    result = pipeline.run("apply")

    assert result.code == 0, result.err
    assert "## reconcile apply" in result.summary
    assert "Apply complete" in result.summary
    assert (pipeline.tmp / "out" / "journal.jsonl").read_text().strip()
    again = pipeline.studio.cli("plan", "--changed-since", pipeline.base, "--detailed-exitcode")
    assert again.code == 0, again.text


def test_the_scheduled_run_applies_everything_and_reports_status(pipeline: Pipeline) -> None:
    result = pipeline.run("apply", RECONCILE_CHANGED_SINCE="", RECONCILE_STATUS="true")

    assert result.code == 0, result.err
    assert "## reconcile status" in result.summary
    pipeline.studio.assert_converged()


def test_gitlab_gets_one_note_edited_in_place(pipeline: Pipeline) -> None:
    gitlab = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": f"{pipeline.forge.url}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "3",
        "RECONCILE_GITLAB_TOKEN": FORGE_TOKEN,
    }
    pipeline.studio.edit(GLOBEX, lambda doc: doc.update(description="merge request"))
    commit_all(pipeline.studio.workdir, "first")
    first = pipeline.run("plan", **gitlab)
    second = pipeline.run("plan", **gitlab)

    assert first.code == 0, first.err
    assert second.code == 0, second.err
    (note,) = pipeline.plan_comments()
    assert "<b>globex-lookbook</b>" in note
    assert pipeline.forge.count("POST") == 1
    assert pipeline.forge.count("PUT") == 1


def test_without_a_token_on_the_repository_itself_the_job_fails(pipeline: Pipeline) -> None:
    result = pipeline.run("plan", GITHUB_TOKEN="")

    assert result.code == 3
    assert "no GITHUB_TOKEN" in result.err
    assert pipeline.plan_comments() == []


class ApplyGroup:
    """GitHub's concurrency group of the apply job (cancel-in-progress: false): one run in
    progress, at most one pending; a newer run cancels the pending one before it starts."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, str]] = []  # (the pushed commit, the push's "before")
        self.cancelled: list[str] = []

    def push(self, sha: str, before: str) -> None:
        if len(self.queue) == 2:  # one running, one pending: the pending one is cancelled
            self.cancelled.append(self.queue.pop()[0])
        self.queue.append((sha, before))


def test_a_merge_whose_run_was_cancelled_while_pending_is_applied_by_the_next(
    pipeline: Pipeline,
) -> None:
    studio, record = pipeline.studio, pipeline.tmp / "cache" / "reconcile-applied"
    group = ApplyGroup()
    group.push(pipeline.base, "0" * 40)  # the first push of the repository: still running
    studio.edit(GLOBEX, lambda doc: doc["clients"][0].update(role="editor"))
    first = commit_all(studio.workdir, "first merge: art@globex.example edits")
    group.push(first, pipeline.base)
    studio.edit(INITECH, lambda doc: doc["clients"][0].update(role="editor"))
    second = commit_all(studio.workdir, "second merge: buyer@initech.example edits")
    group.push(second, first)
    assert group.cancelled == [first]

    results = []
    for sha, before in group.queue:  # each run checks out its own commit, as a job does
        git(studio.workdir, "checkout", "-q", "--detach", sha)
        results.append(
            pipeline.run(
                "apply", RECONCILE_CHANGED_SINCE=before, RECONCILE_APPLIED_FILE=str(record)
            )
        )
        assert record.read_text(encoding="utf-8").strip() == sha
    git(studio.workdir, "checkout", "-q", "main")

    assert all(r.code == 0 for r in results), [r.err for r in results]
    assert f"everything changed since {pipeline.base}" in results[1].err
    assert "art@globex.example" in results[1].out  # the cancelled merge's change
    assert "buyer@initech.example" in results[1].out
    studio.assert_converged()


def test_a_failed_apply_does_not_move_the_record(pipeline: Pipeline) -> None:
    record = pipeline.tmp / "applied"
    record.write_text(pipeline.base + "\n", encoding="utf-8")
    (pipeline.studio.workdir / GLOBEX).write_text("version: [\n", encoding="utf-8")
    commit_all(pipeline.studio.workdir, "a broken manifest")

    result = pipeline.run("apply", RECONCILE_APPLIED_FILE=str(record))

    assert result.code == 3
    assert record.read_text(encoding="utf-8").strip() == pipeline.base


def test_a_fork_without_box_credentials_validates_and_says_why_there_is_no_plan(
    pipeline: Pipeline,
) -> None:
    pipeline.studio.edit(GLOBEX, lambda doc: doc.update(description="from a fork"))
    commit_all(pipeline.studio.workdir, "a contributor's change")
    result = pipeline.run("plan", fork=True, GITHUB_TOKEN=READ_ONLY, BOX_DEVELOPER_TOKEN="")

    assert result.code == 0, result.err
    assert "no Box credentials" in result.summary
    assert "valid" in result.summary
    assert pipeline.plan_comments() == []
    assert pipeline.forge.receiver.got == []
