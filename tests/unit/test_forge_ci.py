"""What a CI job says about the request being planned, read from the environment it is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.forge.ci import planned_commit, post_from_ci, write_job_summary

GITLAB_MR = {
    "CI_API_V4_URL": "https://gitlab.example/api/v4",
    "CI_PROJECT_ID": "12",
    "CI_MERGE_REQUEST_IID": "7",
    "CI_MERGE_REQUEST_PROJECT_ID": "12",
}


def test_a_gitlab_merge_request_from_a_fork_without_a_token_is_not_commented() -> None:
    post = post_from_ci({**GITLAB_MR, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99"}, True, None, None)
    assert post.thread is None and post.refusal_expected
    assert "fork" in post.why_not


def test_a_gitlab_merge_request_of_the_project_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="RECONCILE_GITLAB_TOKEN or GITLAB_TOKEN"):
        post_from_ci({**GITLAB_MR, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "12"}, True, None, None)


def test_a_gitlab_token_gives_the_merge_request_thread() -> None:
    post = post_from_ci({**GITLAB_MR, "GITLAB_TOKEN": "t"}, True, None, None)
    assert post.thread is not None and not post.refusal_expected


def test_a_github_pull_request_from_a_fork_is_read_from_the_event(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    pull = {
        "number": 7,
        "base": {"repo": {"full_name": "studio/deliveries"}},
        "head": {"repo": {"full_name": "someone/deliveries", "fork": True}},
    }
    event.write_text(json.dumps({"pull_request": pull}), encoding="utf-8")
    post = post_from_ci({"GITHUB_EVENT_PATH": str(event)}, False, None, None)
    assert post.thread is None and post.refusal_expected
    assert "GITHUB_TOKEN" in post.why_not
    post = post_from_ci({"GITHUB_EVENT_PATH": str(event), "GITHUB_TOKEN": "t"}, False, None, None)
    assert post.thread is not None and post.refusal_expected
    assert "studio/deliveries#7" in post.thread.where


def test_repo_and_pr_need_a_github_token() -> None:
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        post_from_ci({}, False, "studio/deliveries", 7)


def test_the_commit_planned_is_the_one_ci_names_first() -> None:
    env = {"GITHUB_SHA": "merge", "CI_COMMIT_SHA": "gitlab", "RECONCILE_COMMIT": "head"}
    assert planned_commit(env) == "head"
    assert planned_commit({"GITHUB_SHA": "merge"}) == "merge"


def test_the_job_summary_is_appended_to_and_a_failure_is_said(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert write_job_summary("# one", {"GITHUB_STEP_SUMMARY": str(summary)}) is None
    assert write_job_summary("# two", {"GITHUB_STEP_SUMMARY": str(summary)}) is None
    assert summary.read_text(encoding="utf-8") == "# one\n# two\n"
    assert write_job_summary("# x", {}) is None
    problem = write_job_summary("# x", {"GITHUB_STEP_SUMMARY": str(tmp_path)})
    assert problem is not None and str(tmp_path) in problem
