"""What the CI job says about the pull request being planned: which thread to comment on (GitHub
Actions' event, or GitLab's merge-request variables), whether its token may be read-only (a
fork's), the commit planned, and the job summary the whole plan goes to.

Everything is read from the environment given, never from ``os.environ`` directly, so a caller
(or a test) decides what the job looks like.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.errors import ConfigError
from reconciler.forge import Thread
from reconciler.forge.github import DEFAULT_API, GitHubThread, PullRequest, from_event
from reconciler.forge.gitlab import TOKEN_VARIABLES, GitLabThread, token_from


@dataclass(frozen=True)
class Post:
    """Where the plan comment goes: ``thread`` is None for a fork's request, which gets no token
    to write with (``why_not`` says so); ``refusal_expected`` when the token may be read-only."""

    thread: Thread | None
    refusal_expected: bool
    why_not: str = ""


def post_from_ci(env: Mapping[str, str], gitlab: bool, repo: str | None, pr: int | None) -> Post:
    """The thread to post on, from ``--gitlab`` or ``--repo``/``--pr`` or else the GitHub event;
    a ConfigError when a token is missing where one must be."""
    if gitlab:
        fork = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "") not in (
            "",
            env.get("CI_MERGE_REQUEST_PROJECT_ID", ""),
        )
        token = token_from(env)
        if token is None:
            if fork:
                return Post(None, True, "a merge request from a fork gets no token")
            raise ConfigError(f"--gitlab needs a token in {' or '.join(TOKEN_VARIABLES)}")
        return Post(GitLabThread.from_env(env, token), fork)
    pull = PullRequest(repo, pr) if repo is not None and pr is not None else from_event(env)
    token = env.get("GITHUB_TOKEN")
    if not token:
        if pull.fork:
            return Post(None, True, "a pull request from a fork gets no GITHUB_TOKEN")
        raise ConfigError("no GITHUB_TOKEN to comment with (it needs pull-requests: write)")
    api = env.get("GITHUB_API_URL") or DEFAULT_API
    return Post(GitHubThread(api, token, pull), pull.fork)


def write_job_summary(markdown: str, env: Mapping[str, str]) -> str | None:
    """Append ``markdown`` to GitHub's job summary, if the job has one; the problem in words
    when it cannot be written (the comment still goes out), else None."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(markdown + "\n")
    except OSError as exc:
        return f"Could not write the job summary {target} ({exc.strerror})."
    return None


def planned_commit(env: Mapping[str, str]) -> str | None:
    """The commit planned: the pull request's head when CI says so, else HEAD."""
    for name in ("RECONCILE_COMMIT", "CI_COMMIT_SHA", "GITHUB_SHA"):
        if env.get(name):
            return env[name]
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
