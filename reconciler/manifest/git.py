"""What git says about the manifests: which differ between a revision and the working tree
(``--changed-since``) and which deliveries that change affects, and which manifests were deleted
without ``revoke`` (``plan``'s warning). The one place reconciler runs git.

Box cannot say that a manifest is gone: the reconciler reads only the items the remaining
manifests name, and a collaboration it created carries no mark of which manifest asked for it.
Git can. A manifest deleted whose last version said ``revoke: true`` was ended on purpose and is
not warned about, whichever of the two asks.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from reconciler.errors import UsageError, printable
from reconciler.manifest import Validation
from reconciler.manifest.files import MANIFEST_SUFFIXES
from reconciler.model import Delivery, DesiredState, ItemKind, ItemRef

log = logging.getLogger(__name__)


def _how_to_end(restore: str = "restore the manifest") -> str:
    return (
        f"To end a delivery on purpose, {restore}, set `revoke: true` in the manifest, "
        "apply, then delete it."
    )


#: Deleting a manifest never removes access (a lost file must not lock a client out).
END_ON_PURPOSE = _how_to_end()
STAYS = "its collaborators, hub members and review tasks stay in Box."
#: git is local and quick; a minute means it waits on something (a lock, a network filesystem)
GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class DeletedManifest:
    """A manifest git saw deleted: ``path`` as git names it, ``name`` as its last version
    declared it (None when that cannot be read), and the ``commit`` that deleted it (None when
    compared with the working tree: the deletion need not be committed)."""

    path: str
    name: str | None
    commit: str | None = None

    def warning(self) -> str:
        path = printable(self.path)
        which = f"{path} (delivery {printable(self.name)})" if self.name else path
        if self.commit is None:
            return f"{which} was deleted: {STAYS} {END_ON_PURPOSE}"
        short = self.commit[:8]
        how = _how_to_end(f"restore the manifest (git checkout {short}^ -- {path})")
        return f"{which} was deleted in {short}: {STAYS} {how}"


class GitFailed(Exception):
    """git could not be run, did not finish in time, or refused; the reason in a person's words
    (``said_nothing``: git failed without a word, as ``rev-parse --verify --quiet`` does)."""

    def __init__(self, reason: str, *, said_nothing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.said_nothing = said_nothing


def run_git(*args: str, cwd: Path | None = None) -> bytes:
    """git's output for ``args`` (run in ``cwd``, default the working directory); GitFailed when
    git is missing, takes longer than GIT_TIMEOUT_SECONDS, or exits non-zero (its last line)."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=GIT_TIMEOUT_SECONDS
        )
    except FileNotFoundError:
        raise GitFailed("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitFailed(
            f"git {args[0]} did not finish within {GIT_TIMEOUT_SECONDS} seconds"
        ) from None
    except OSError as err:
        raise GitFailed(f"git could not be run: {err.strerror or type(err).__name__}") from None
    if done.returncode != 0:
        detail = os.fsdecode(done.stderr).strip().splitlines()
        if not detail:
            raise GitFailed(f"git {args[0]} failed", said_nothing=True)
        raise GitFailed(printable(detail[-1]))
    return done.stdout


@dataclass(frozen=True)
class _LastVersion:
    """What a deleted manifest's last version said: its delivery name, and whether it ended."""

    name: str | None
    revoked: bool


def _last_version(spec: str, cwd: Path | None = None) -> _LastVersion:
    """The manifest at ``spec`` (``REV:PATH``); nothing known when git or YAML cannot read it."""
    try:
        return _version_of(run_git("show", spec, cwd=cwd))
    except GitFailed:
        return _LastVersion(None, revoked=False)


def _working_version(path: str) -> _LastVersion:
    """The manifest at ``path`` in the working tree; nothing known when it cannot be read."""
    try:
        return _version_of(Path(path).read_bytes())
    except OSError:
        return _LastVersion(None, revoked=False)


def _version_of(text: bytes) -> _LastVersion:
    """What a manifest's text says of its delivery: nothing known when YAML cannot read it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return _LastVersion(None, revoked=False)
    if not isinstance(data, dict):
        return _LastVersion(None, revoked=False)
    name = data.get("name")
    return _LastVersion(name if isinstance(name, str) else None, data.get("revoke") is True)


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
    ``paths``; ``config`` (the repo config, when there is one) is watched too. A deleted
    manifest whose delivery a changed manifest now declares was moved, not ended, however much
    git's rename detection saw it change."""
    watched = list(paths)
    _since(ref, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    changed: set[str] = set()
    deleted: list[DeletedManifest] = []
    # -z: paths as git stores them, never quoted (a name with "é", a tab or a quote is one
    # that git would otherwise print in C-style quotes). -M pairs a moved manifest with its
    # old path, so a rename is not a deletion.
    status = _paths(
        _since(ref, "diff", "-z", "--name-status", "-M", "--relative", ref, "--", *watched)
    )
    prefix = os.fsdecode(_since(ref, "rev-parse", "--show-prefix")).strip("\n")
    for code, path in _name_status(status):
        if not path.endswith(MANIFEST_SUFFIXES):
            continue
        if not code.startswith("D"):
            changed.add(os.path.realpath(path))
            continue
        last = _last_version(f"{ref}:{prefix}{path}")
        if not last.revoked:
            deleted.append(DeletedManifest(path, last.name))

    untracked = _since(ref, "ls-files", "-z", "--others", "--exclude-standard", "--", *watched)
    changed.update(os.path.realpath(p) for p in _paths(untracked) if p.endswith(MANIFEST_SUFFIXES))
    if deleted:
        moved_to = {_working_version(path).name for path in changed}
        deleted = [d for d in deleted if d.name is None or d.name not in moved_to]
    config_changed = False
    if config is not None and os.path.exists(config):
        touched = _paths(_since(ref, "diff", "-z", "--name-only", "--relative", ref, "--", config))
        known = _paths(_since(ref, "ls-files", "-z", "--", config))
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


def _since(ref: str, *args: str) -> bytes:
    """git for ``--changed-since REF``: its failure is a usage error naming the ref."""
    try:
        return run_git(*args)
    except GitFailed as err:
        reason = err.reason
        if args[0] == "rev-parse" and "--verify" in args and err.said_nothing:
            reason = (
                f"git knows no commit {ref!r} here (in CI, fetch the history: "
                "actions/checkout with fetch-depth: 0, or GIT_DEPTH: 0 on GitLab)"
            )
        # The ref is what someone typed: escaped, it cannot start a forged line of the log.
        raise UsageError(f"--changed-since {printable(ref)}: {reason}") from None


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


def deleted_manifests(paths: Iterable[str], live_names: Iterable[str]) -> list[DeletedManifest]:
    """Manifests under ``paths`` that git history saw deleted without ``revoke: true``, and
    whose delivery name no remaining manifest (``live_names``) uses: a rename or a move is not
    an ending. Newest deletion first; outside a git checkout there is nothing to report."""
    try:
        top = run_git("rev-parse", "--show-toplevel")
    except GitFailed as err:
        log.debug("deleted manifests not looked for: %s", err.reason)
        return []
    root = Path(os.fsdecode(top).strip("\n"))
    names = set(live_names)
    found: list[DeletedManifest] = []
    seen: set[str] = set()  # the newest deletion of a path is the one that counts
    try:
        for path in paths:
            found.extend(_deleted_under(root, path, names, seen))
    except GitFailed as err:
        # Inside a checkout git should answer: say that the warning may be incomplete.
        log.warning("could not read git history for deleted manifests: %s", err.reason)
    return found


def _deleted_under(
    root: Path, path: str, names: set[str], seen: set[str]
) -> Iterator[DeletedManifest]:
    """The manifests git log saw deleted under ``path`` (newest first), not seen before, gone
    from the working tree, and ended neither by ``revoke: true`` nor by a rename. Each is named
    from the working directory, as ``changed_since`` names them, so the warning's
    ``git checkout`` runs where the command ran."""
    history = run_git("log", "-z", "--diff-filter=D", "--name-only", "--format=%H", "--", path)
    for commit, files in _deletions(os.fsdecode(history)):
        for file in files:
            if file in seen or not file.endswith(MANIFEST_SUFFIXES) or (root / file).exists():
                continue
            seen.add(file)
            last = _last_version(f"{commit}^:{file}", cwd=root)
            if last.name is not None and not last.revoked and last.name not in names:
                yield DeletedManifest(os.path.relpath(root / file), last.name, commit)


def _deletions(history: str) -> Iterable[tuple[str, list[str]]]:
    """(commit, files deleted) from ``log -z --name-only --format=%H``: paths as git stores
    them, never quoted (a name with "é" or a quote is read back as it is). Each commit is
    ``HASH NUL``, then its paths, the first after a newline, each ending in NUL."""
    tokens = history.split("\x00")
    commit: str | None = None
    files: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following.startswith("\n"):  # the token before a commit's first path is its hash
            if commit is not None:
                yield commit, files
            commit, files = token.strip(), []
        elif token:
            files.append(token.removeprefix("\n"))
    if commit is not None:
        yield commit, files
