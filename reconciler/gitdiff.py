"""Which manifests differ between a git revision and the working tree (``--changed-since``), and
which deliveries that change affects."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace

import yaml

from reconciler.errors import UsageError
from reconciler.manifest import Validation
from reconciler.model import Delivery, DesiredState, ItemKind, ItemRef

MANIFEST_SUFFIXES = (".yaml", ".yml")
#: Deleting a manifest never removes access (a lost file must not lock a client out).
END_ON_PURPOSE = (
    "To end a delivery on purpose, restore the manifest, set `revoke: true` in the manifest, "
    "apply, then delete it."
)


@dataclass(frozen=True)
class DeletedManifest:
    """A manifest that existed at the revision and is gone now; ``name`` as it was declared."""

    path: str
    name: str | None

    def warning(self) -> str:
        which = f"{self.path} (delivery {self.name})" if self.name else self.path
        return (
            f"{which} was deleted: its collaborators, hub members and review tasks stay in Box. "
            f"{END_ON_PURPOSE}"
        )


@dataclass(frozen=True)
class ManifestChanges:
    """Manifests added, modified or renamed since ``ref`` (by real path), and those deleted."""

    ref: str
    changed: frozenset[str]
    deleted: tuple[DeletedManifest, ...]
    config_changed: bool = False

    def touches(self, file: str) -> bool:
        return os.path.realpath(file) in self.changed


def changed_since(ref: str, paths: Iterable[str], config: str | None = None) -> ManifestChanges:
    """Compare ``ref`` with the working tree (uncommitted and untracked files count) under
    ``paths``; ``config`` (the repo config, when there is one) is watched too."""
    watched = list(paths)
    _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref)
    changed: set[str] = set()
    deleted: list[DeletedManifest] = []
    # -M pairs a moved manifest with its old path, so a rename is not a deletion.
    status = _git("diff", "--name-status", "-M", "--relative", ref, "--", *watched, what=ref)
    for line in status.splitlines():
        fields = line.split("\t")
        code, path = fields[0], fields[-1]
        if not path.endswith(MANIFEST_SUFFIXES):
            continue
        if code.startswith("D"):
            deleted.append(DeletedManifest(path, _old_name(ref, path)))
        else:
            changed.add(os.path.realpath(path))
    untracked = _git("ls-files", "--others", "--exclude-standard", "--", *watched, what=ref)
    changed.update(
        os.path.realpath(p) for p in untracked.splitlines() if p.endswith(MANIFEST_SUFFIXES)
    )
    config_changed = False
    if config is not None and os.path.exists(config):
        touched = _git("diff", "--name-only", "--relative", ref, "--", config, what=ref).strip()
        known = _git("ls-files", "--", config, what=ref).strip()
        config_changed = bool(touched) or not known
    return ManifestChanges(ref, frozenset(changed), tuple(deleted), config_changed)


def _old_name(ref: str, path: str) -> str | None:
    """The delivery name a deleted manifest declared, for the warning; None if unreadable."""
    prefix = _git("rev-parse", "--show-prefix", what=ref).strip()
    try:
        text = _git("show", f"{ref}:{prefix}{path}", what=ref)
        document = yaml.safe_load(text)
    except (UsageError, yaml.YAMLError):
        return None
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def _git(*args: str, what: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise UsageError("--changed-since needs git, and git is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        reason = detail[-1] if detail else f"git {args[0]} failed"
        if args[0] == "rev-parse" and "--verify" in args and not detail:
            reason = (
                f"git knows no commit {what!r} here (in CI, fetch the history: "
                "actions/checkout with fetch-depth: 0, or GIT_DEPTH: 0 on GitLab)"
            )
        raise UsageError(f"--changed-since {what}: {reason}")
    return done.stdout


def affected(state: DesiredState, changes: ManifestChanges) -> tuple[Delivery, ...]:
    """The deliveries whose manifests changed, and every delivery that shares a folder, file or
    hub with one of those, transitively: an item is planned with all of its claimants, or a
    pruning delivery would take the others' collaborators for undeclared ones."""
    if changes.config_changed:
        return state.deliveries
    chosen = {d.name for d in state.deliveries if changes.touches(d.file)}
    grown = True
    while grown:
        claimed = {ref for d in state.deliveries if d.name in chosen for ref in _claims(d)}
        more = {d.name for d in state.deliveries if claimed.intersection(_claims(d))}
        grown = not more <= chosen
        chosen |= more
    return tuple(d for d in state.deliveries if d.name in chosen)


def _claims(delivery: Delivery) -> set[ItemRef]:
    return {*delivery.items(), *(ItemRef(ItemKind.HUB, h) for h in delivery.hubs)}


def only_affected(result: Validation, changes: ManifestChanges) -> Validation:
    """Every manifest was checked (conflicts span files); report those the change affects, and
    anything wrong outside a delivery manifest (the config)."""
    kept = {d.file for d in affected(result.state, changes)}
    files = tuple(f for f in result.files if f in kept or changes.touches(f))
    every = set(result.files)
    problems = tuple(p for p in result.problems if p.file in files or p.file not in every)
    warnings = tuple(w for w in result.warnings if w.file in files)
    return replace(result, files=files, problems=problems, warnings=warnings)
