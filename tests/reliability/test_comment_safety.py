"""``reconcile comment`` on hostile file names and links: a manifest linked outside the repository
is refused by path with none of its content posted, and a backtick in a file name stays inside
its code span."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitops.forge_standin import ForgeStandIn
from tests.integration.conftest import Studio

FORGE_TOKEN = "ghs-standin-77aa"
SECRET = "ghp_secretTokenValue1234"


@pytest.fixture
def forge(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForgeStandIn]:
    standin = ForgeStandIn(FORGE_TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", standin.url)
    monkeypatch.setenv("GITHUB_TOKEN", FORGE_TOKEN)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    yield standin
    standin.stop()


def plan_comments(forge: ForgeStandIn) -> list[str]:
    return [b for b in forge.forge.bodies() if b.startswith("<!-- reconcile-plan -->")]


def test_a_link_outside_is_refused_and_nothing_of_it_is_posted(
    studio: Studio, forge: ForgeStandIn, tmp_path: Path
) -> None:
    outside = tmp_path / "home" / "credentials.yaml"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}: x\ntoken: {SECRET}\n", encoding="utf-8")
    os.symlink(outside, studio.path("deliveries/leak.yaml"))
    odd = studio.path("deliveries/we`ird | name.yaml")
    odd.write_text("version: 1\nname: odd\n", encoding="utf-8")

    result = studio.cli("comment", "--repo", "octo/deliveries", "--pr", "7")

    assert result.code == 3
    (comment,) = plan_comments(forge)
    assert SECRET not in comment and SECRET not in result.text
    assert "`deliveries/leak.yaml:1:1`" in comment
    assert "outside the repository" in comment
    # One backtick inside: the span is fenced with two, and the pipe cannot end the cell.
    assert "``deliveries/we`ird \\| name.yaml:" in comment
    for line in comment.splitlines():
        if line.startswith("| ``deliveries/we"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 3  # two cells: where, problem


def test_another_authors_marked_comment_is_left_alone(studio: Studio, forge: ForgeStandIn) -> None:
    theirs = "<!-- reconcile-plan -->\nI wrote this, not the reconciler."
    forge.add_comment("octo/deliveries#7", theirs, "mallory")

    first = studio.cli("comment", "--repo", "octo/deliveries", "--pr", "7")
    second = studio.cli("comment", "--repo", "octo/deliveries", "--pr", "7")

    assert first.code == 0, first.text
    assert second.code == 0, second.text
    by_author = [(c["author"], c["body"]) for c in forge.forge.comments.values()]
    assert ("mallory", theirs) in by_author  # untouched
    ours = [body for author, body in by_author if author == "github-actions[bot]"]
    assert len(ours) == 1 and ours[0].startswith("<!-- reconcile-plan -->\n## reconcile plan")
    assert forge.count("POST") == 1 and forge.count("PATCH") == 1
