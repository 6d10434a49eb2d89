"""Manifests deleted without ``revoke``: found in git history, so ``plan`` can warn that their
people stay in Box.

Box cannot say that a manifest is gone: the reconciler reads only the items the remaining
manifests name, and a collaboration it created carries no mark of which manifest asked for it.
Git can: a manifest deleted in a commit, whose last version did not say ``revoke: true``, and
whose delivery name no remaining manifest uses (a rename or move is not an ending), was dropped
without ending it. Outside a git checkout there is nothing to look at, and nothing is reported.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger(__name__)
HOW_TO_END = "set `revoke: true`, apply, then delete the manifest"


@dataclass(frozen=True)
class DeletedManifest:
    path: str  # relative to the repository root
    commit: str
    name: str

    def warning(self) -> str:
        return (
            f"{self.path} (delivery {self.name}) was deleted in {self.commit[:8]} without "
            f"revoke: its people stay in Box. To end it, restore it (git checkout "
            f"{self.commit[:8]}^ -- {self.path}), {HOW_TO_END}"
        )


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def deleted_manifests(paths: Iterable[str], live_names: Iterable[str]) -> list[DeletedManifest]:
    """Manifests under ``paths`` that git saw deleted without ``revoke: true``, newest first."""
    cwd = Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top is None:
        return []
    root = Path(top.strip())
    names = set(live_names)
    found: dict[str, DeletedManifest] = {}
    seen: set[str] = set()  # the newest deletion of a path is the one that counts
    for path in paths:
        history = _git(
            ["log", "--diff-filter=D", "--name-only", "--format=%x00%H", "--", path], cwd
        )
        for commit, files in _deletions(history or ""):
            for file in files:
                if file in seen or (root / file).exists() or not file.endswith((".yaml", ".yml")):
                    continue
                seen.add(file)
                gone = _last_version(root, commit, file)
                if gone is not None and gone.name not in names:
                    found[file] = gone
    return list(found.values())


def _deletions(history: str) -> Iterable[tuple[str, list[str]]]:
    for block in history.split("\x00"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            yield lines[0], lines[1:]


def _last_version(root: Path, commit: str, file: str) -> DeletedManifest | None:
    text = _git(["show", f"{commit}^:{file}"], root)
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or data.get("revoke") is True:
        return None
    name = data.get("name")
    return DeletedManifest(file, commit, name) if isinstance(name, str) else None
