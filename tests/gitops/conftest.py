"""The sample studio for GitOps tests (the same one the integration tests use)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import Studio, open_studio


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; fail the test on any error."""
    done = subprocess.run(
        ["git", "-c", "user.name=Studio", "-c", "user.email=ops@studio.example", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in the working tree; returns the new commit's sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(studio: Studio) -> Studio:
    """The studio's directory as a git repository whose first commit is the sample manifests."""
    git(studio.workdir, "init", "-q", "-b", "main")
    commit_all(studio.workdir, "the sample studio")
    return studio
