"""Which manifests differ between a git revision and the working tree (``--changed-since``), and
which deliveries that change affects."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace

import yaml

from reconciler.errors import UsageError, printable
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
        path = printable(self.path)
        which = f"{path} (delivery {printable(self.name)})" if self.name else path
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
        """Whether ``file`` (a manifest as every output shows it: escaped) changed."""
        real = os.path.realpath(file)
        return real in self.changed or real in {printable(p) for p in self.changed}


def changed_since(ref: str, paths: Iterable[str], config: str | None = None) -> ManifestChanges:
    """Compare ``ref`` with the working tree (uncommitted and untracked files count) under
    ``paths``; ``config`` (the repo config, when there is one) is watched too."""
    watched = list(paths)
    _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref)
    changed: set[str] = set()
    deleted: list[DeletedManifest] = []
    # -z: paths as git stores them, never quoted (a name with "é", a tab or a quote is one
    # that git would otherwise print in C-style quotes). -M pairs a moved manifest with its
    # old path, so a rename is not a deletion.
    status = _paths(
        _git("diff", "-z", "--name-status", "-M", "--relative", ref, "--", *watched, what=ref)
    )
    for code, path in _name_status(status):
        if not path.endswith(MANIFEST_SUFFIXES):
            continue
        if code.startswith("D"):
            deleted.append(DeletedManifest(path, _old_name(ref, path)))
        else:
            changed.add(os.path.realpath(path))
    untracked = _git("ls-files", "-z", "--others", "--exclude-standard", "--", *watched, what=ref)
    changed.update(os.path.realpath(p) for p in _paths(untracked) if p.endswith(MANIFEST_SUFFIXES))
    config_changed = False
    if config is not None and os.path.exists(config):
        touched = _paths(
            _git("diff", "-z", "--name-only", "--relative", ref, "--", config, what=ref)
        )
        known = _paths(_git("ls-files", "-z", "--", config, what=ref))
        config_changed = bool(touched) or not known
    return ManifestChanges(ref, frozenset(changed), tuple(deleted), config_changed)


def _paths(raw: bytes) -> list[str]:
    """NUL-separated paths from git, decoded as the file system does (any bytes survive)."""
    return [os.fsdecode(p) for p in raw.split(b"\0") if p]


def _name_status(fields: list[str]) -> list[tuple[str, str]]:
    """(status, path) from ``diff -z --name-status``: a rename or copy is followed by two paths,
    old and new, and is about the new one."""
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(fields):
        code = fields[index]
        width = 2 if code[:1] in ("R", "C") else 1
        paths = fields[index + 1 : index + 1 + width]
        index += 1 + width
        if paths:
            out.append((code, paths[-1]))
    return out


def _old_name(ref: str, path: str) -> str | None:
    """The delivery name a deleted manifest declared, for the warning; None if unreadable."""
    prefix = os.fsdecode(_git("rev-parse", "--show-prefix", what=ref)).strip("\n")
    try:
        text = _git("show", f"{ref}:{prefix}{path}", what=ref)
        document = yaml.safe_load(text)
    except (UsageError, yaml.YAMLError):
        return None
    name = document.get("name") if isinstance(document, dict) else None
    return name if isinstance(name, str) else None


def _git(*args: str, what: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise UsageError("--changed-since needs git, and git is not installed") from None
    if done.returncode != 0:
        detail = os.fsdecode(done.stderr).strip().splitlines()
        reason = printable(detail[-1]) if detail else f"git {args[0]} failed"
        if args[0] == "rev-parse" and "--verify" in args and not detail:
            reason = (
                f"git knows no commit {what!r} here (in CI, fetch the history: "
                "actions/checkout with fetch-depth: 0, or GIT_DEPTH: 0 on GitLab)"
            )
        # The ref is what someone typed: escaped, it cannot start a forged line of the log.
        raise UsageError(f"--changed-since {printable(what)}: {reason}")
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
