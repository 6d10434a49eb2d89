"""Fixtures for the reliability probes: the sample studio in a sandbox (the integration suite's),
and a way to run the command without root's power to read any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.server import Sandbox
from tests.integration.conftest import Result, Studio, open_studio


@pytest.fixture
def studio(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> Studio:
    return open_studio(sandbox_factory, tmp_path)


def unprivileged_prefix() -> list[str]:
    """The command prefix that runs a child without the power to read what it may not: root
    reads every folder, so as root the child drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH."""
    if os.geteuid() != 0:
        return []
    capsh = shutil.which("capsh")
    if capsh is None:
        pytest.skip("running as root without capsh: a folder root cannot read cannot be made")
    return [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--"]


def run_unprivileged(studio: Studio, *args: str) -> Result:
    """``reconcile ARGS`` in a child process that file permissions apply to."""
    prefix = unprivileged_prefix()
    command = [sys.executable, "-m", "reconciler", *args]
    if prefix:
        command = [*prefix, "-c", " ".join(_quoted(a) for a in command)]
    done = subprocess.run(
        command, cwd=studio.workdir, env=studio.env, capture_output=True, text=True, timeout=120
    )
    return Result(done.returncode, done.stdout, done.stderr)


def _quoted(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


@pytest.fixture
def repo(studio: Studio) -> Studio:
    """The studio's directory as a git repository whose first commit is the sample manifests."""
    from tests.gitops.conftest import commit_all, git

    git(studio.workdir, "init", "-q", "-b", "main")
    commit_all(studio.workdir, "the sample studio")
    return studio
