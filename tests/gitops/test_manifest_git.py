"""What git says about the manifests (``reconciler.manifest.git``), in a small repository of its
own: deletions since a revision and in history share one rule and one warning, and git that is
missing, slow or refusing is a clear error, never a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import UsageError
from reconciler.manifest import git as manifest_git
from reconciler.manifest.git import DeletedManifest, changed_since, deleted_manifests
from tests.gitops.conftest import commit_all, git

KEEP = "deliveries/keep.yaml"
GONE = "deliveries/gone.yaml"
ENDED = "deliveries/ended.yaml"


def manifest(name: str, *, revoke: bool = False) -> str:
    return f"version: 1\nname: {name}\nrevoke: {'true' if revoke else 'false'}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """Three manifests committed, then two deleted in a second commit: ``gone`` as it was,
    ``ended`` after ``revoke: true``. Returns the repository and the first commit."""
    (tmp_path / "deliveries").mkdir()
    (tmp_path / KEEP).write_text(manifest("keep"), encoding="utf-8")
    (tmp_path / GONE).write_text(manifest("gone"), encoding="utf-8")
    (tmp_path / ENDED).write_text(manifest("ended", revoke=True), encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    base = commit_all(tmp_path, "three deliveries")
    (tmp_path / GONE).unlink()
    (tmp_path / ENDED).unlink()
    commit_all(tmp_path, "two deleted")
    monkeypatch.chdir(tmp_path)
    return tmp_path, base


def test_deleted_since_a_revision_without_revoke_is_reported(repo: tuple[Path, str]) -> None:
    _, base = repo

    changes = changed_since(base, ["deliveries"])

    assert changes.deleted == (DeletedManifest(GONE, "gone"),)


def test_a_manifest_moved_and_rewritten_since_a_revision_is_not_reported_deleted(
    repo: tuple[Path, str],
) -> None:
    # Moved to another folder and rewritten past git's rename detection: its delivery lives
    # on, so it is a move, not an ending. A deletion whose delivery nobody declares still is.
    root, _ = repo
    head = git(root, "rev-parse", "HEAD")
    (root / "deliveries" / "2027").mkdir()
    (root / "deliveries" / "2027" / "kept.yaml").write_text(
        "# moved from keep.yaml\n" + manifest("keep") + "".join(f"# note {n}\n" for n in range(40)),
        encoding="utf-8",
    )
    (root / KEEP).unlink()

    changes = changed_since(head, ["deliveries"])

    assert changes.deleted == ()
    assert os.path.realpath("deliveries/2027/kept.yaml") in changes.changed
    (root / "deliveries" / "2027" / "kept.yaml").write_text(manifest("other"), encoding="utf-8")
    assert changed_since(head, ["deliveries"]).deleted == (DeletedManifest(KEEP, "keep"),)


def test_deleted_in_history_without_revoke_is_reported_with_its_commit(
    repo: tuple[Path, str],
) -> None:
    root, _ = repo
    head = git(root, "rev-parse", "HEAD")

    assert deleted_manifests(["deliveries"], ["keep"]) == [DeletedManifest(GONE, "gone", head)]
    # A delivery whose name lives on in another manifest was moved, not ended.
    assert deleted_manifests(["deliveries"], ["keep", "gone"]) == []


def test_deleted_manifests_with_any_name_are_read_back_from_history(
    repo: tuple[Path, str],
) -> None:
    # git quotes a name such as "é" in its plain output; the history is read without quoting.
    root, _ = repo
    accented, spaced = "deliveries/café été.yaml", "deliveries/b one.yaml"
    (root / accented).write_text(manifest("café"), encoding="utf-8")
    (root / spaced).write_text(manifest("b one"), encoding="utf-8")
    commit_all(root, "two more")
    (root / accented).unlink()
    (root / spaced).unlink()
    commit_all(root, "both deleted")
    head = git(root, "rev-parse", "HEAD")
    first = git(root, "rev-parse", "HEAD~2")

    found = deleted_manifests(["deliveries"], ["keep"])

    assert sorted(found, key=lambda d: d.path) == [
        DeletedManifest(spaced, "b one", head),
        DeletedManifest(accented, "café", head),
        DeletedManifest(GONE, "gone", first),
    ]


def test_from_a_subdirectory_the_warnings_checkout_restores_the_manifest(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run from deliveries/: the manifest is named from there, as changed_since names it, and
    # the command the warning gives restores it when run from there.
    root, base = repo
    monkeypatch.chdir(root / "deliveries")

    found = deleted_manifests(["."], ["keep"])
    since = changed_since(base, ["."]).deleted

    assert [d.path for d in found] == ["gone.yaml"] == [d.path for d in since]
    command = found[0].warning().split("(git ", 1)[1].split(")", 1)[0]
    subprocess.run(["git", *command.split()], check=True, capture_output=True)
    assert (root / GONE).read_text(encoding="utf-8") == manifest("gone")


def test_one_warning_with_or_without_the_commit() -> None:
    since = DeletedManifest(GONE, "gone").warning()
    history = DeletedManifest(GONE, "gone", "0123456789abcdef").warning()

    assert since == (
        "deliveries/gone.yaml (delivery gone) was deleted: its collaborators, hub members and "
        "review tasks stay in Box. To end a delivery on purpose, restore the manifest, set "
        "`revoke: true` in the manifest, apply, then delete it."
    )
    assert history == since.replace("was deleted:", "was deleted in 01234567:").replace(
        "restore the manifest,",
        "restore the manifest (git checkout 01234567^ -- deliveries/gone.yaml),",
    )


def test_outside_a_checkout_nothing_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))

    assert deleted_manifests(["deliveries"], []) == []


def refuse(exc: BaseException) -> Any:
    def run(*args: object, **kwargs: object) -> object:
        raise exc

    return run


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        pytest.param(FileNotFoundError(), "git is not installed", id="git missing"),
        pytest.param(
            subprocess.TimeoutExpired(["git"], 60),
            "git rev-parse did not finish within 60 seconds",
            id="git hangs",
        ),
    ],
)
def test_git_that_cannot_answer_is_a_clear_error(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, failure: BaseException, says: str
) -> None:
    monkeypatch.setattr(manifest_git.subprocess, "run", refuse(failure))

    with pytest.raises(UsageError) as raised:
        changed_since("HEAD", ["deliveries"])
    assert str(raised.value) == f"--changed-since HEAD: {says}"
    # The plan's look at history is a courtesy: without git there is nothing to report.
    assert deleted_manifests(["deliveries"], []) == []


def test_an_unknown_revision_says_how_to_fetch_history(repo: tuple[Path, str]) -> None:
    with pytest.raises(UsageError, match="fetch-depth: 0"):
        changed_since("no-such-branch", ["deliveries"])
