"""``--changed-since`` sees every file name git can hold: names git would print quoted (non-ASCII,
a tab, a quote, a backslash, a line break) are planned when changed and warned when deleted."""

from __future__ import annotations

import json

import pytest

from tests.gitops.conftest import commit_all, git
from tests.integration.conftest import Studio

NAMES = ["café.yaml", "tab\there.yaml", 'say "hi".yaml', "back\\slash.yaml", "two\nlines.yaml"]

MANIFEST = """\
version: 1
name: extra-{n}
files: ["1400000001"]
clients:
  - email: buyer@initech.example
    role: viewer
  - email: producer-{n}@initech.example
    role: viewer
"""


def planned(studio: Studio, *args: str) -> set[str]:
    result = studio.cli("plan", "--format", "json", *args)
    assert result.code == 0, result.text
    return {c["delivery"] for c in json.loads(result.out)["changes"] if c["action"] != "unmanaged"}


@pytest.mark.parametrize("n", range(len(NAMES)))
def test_a_quoted_name_changed_is_planned_and_deleted_is_warned(repo: Studio, n: int) -> None:
    name = NAMES[n]
    path = repo.path(f"deliveries/{name}")
    path.write_text(MANIFEST.format(n=n), encoding="utf-8")
    commit_all(repo.workdir, "a delivery with an unusual file name")
    assert repo.apply().code == 0
    base = git(repo.workdir, "rev-parse", "HEAD")

    # The change removes a client: the review must see it.
    path.write_text(MANIFEST.format(n=n).replace("buyer@", "new-buyer@"), encoding="utf-8")
    commit_all(repo.workdir, "swap the buyer")
    assert f"extra-{n}" in planned(repo, "--changed-since", base)

    git(repo.workdir, "rm", "-q", f"deliveries/{name}")
    commit_all(repo.workdir, "drop it")
    deleted = repo.cli("plan", "--changed-since", base)
    assert deleted.code == 0, deleted.text
    assert f"(delivery extra-{n}) was deleted" in deleted.err


def test_a_ref_with_a_line_break_forges_no_line(repo: Studio) -> None:
    result = repo.cli("plan", "--changed-since", "main\nOK: all applied")

    assert result.code == 3
    assert not any(line.startswith("OK: all applied") for line in result.err.splitlines())
    assert "main\\nOK: all applied" in result.err
