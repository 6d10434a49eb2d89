"""``--changed-since REF``: the deliveries a change touches, with all that share their items."""

from __future__ import annotations

import json

import yaml

from tests.gitops.conftest import commit_all, git
from tests.integration.conftest import ACME_FOLDER, Studio

ACME = "deliveries/acme/spring-2026.yaml"
GLOBEX = "deliveries/globex/lookbook.yaml"
INITECH = "deliveries/initech/stills.yaml"


def planned(studio: Studio, *args: str) -> set[str]:
    """The deliveries a JSON plan speaks of (every sample delivery has changes at first)."""
    result = studio.cli("plan", "--format", "json", *args)
    assert result.code == 0, result.text
    return {c["delivery"] for c in json.loads(result.out)["changes"]}


def write(studio: Studio, relative: str, doc: dict[str, object]) -> None:
    target = studio.path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def test_nothing_changed_plans_nothing(repo: Studio) -> None:
    assert planned(repo, "--changed-since", "HEAD") == set()


def test_a_modified_manifest_alone(repo: Studio) -> None:
    repo.edit(GLOBEX, lambda doc: doc.update(description="now with selects"))

    assert planned(repo, "--changed-since", "HEAD") == {"globex-lookbook"}


def test_an_added_manifest_uncommitted(repo: Studio) -> None:
    write(
        repo,
        "deliveries/new/extra.yaml",
        {
            "version": 1,
            "name": "initech-extra",
            "files": ["1400000001"],
            "clients": [{"email": "cfo@initech.example", "role": "viewer"}],
        },
    )

    # The new delivery shares the Initech file, so the Initech delivery is planned with it.
    assert planned(repo, "--changed-since", "HEAD") == {"initech-extra", "initech-stills"}


def test_a_shared_folder_brings_every_claimant(repo: Studio) -> None:
    base = git(repo.workdir, "rev-parse", "HEAD")
    write(
        repo,
        "deliveries/acme/retouch-review.yaml",
        {
            "version": 1,
            "name": "acme-retouch-review",
            "folders": [ACME_FOLDER],
            "clients": [{"email": "art@acme.example", "role": "viewer"}],
        },
    )
    commit_all(repo.workdir, "a second delivery on the Acme folder")

    assert planned(repo, "--changed-since", base) == {"acme-retouch-review", "acme-spring-2026"}


def test_a_renamed_manifest_is_a_change_not_a_deletion(repo: Studio) -> None:
    base = git(repo.workdir, "rev-parse", "HEAD")
    git(repo.workdir, "mv", INITECH, "deliveries/initech/stills-2026.yaml")
    commit_all(repo.workdir, "rename")

    result = repo.cli("plan", "--changed-since", base)

    assert result.code == 0, result.text
    assert "was deleted" not in result.err
    assert planned(repo, "--changed-since", base) == {"initech-stills"}


def test_a_deleted_manifest_is_reported_loudly(repo: Studio) -> None:
    base = git(repo.workdir, "rev-parse", "HEAD")
    git(repo.workdir, "rm", "-q", GLOBEX)
    commit_all(repo.workdir, "drop globex")

    result = repo.cli("plan", "--changed-since", base)

    assert result.code == 0, result.text
    assert f"{GLOBEX} (delivery globex-lookbook) was deleted" in result.err
    assert "its collaborators, hub members and review tasks stay in Box" in result.err
    assert "set `revoke: true` in the manifest, apply, then delete it" in result.err
    assert planned(repo, "--changed-since", base) == set()


def test_validate_reports_only_what_the_change_touches(repo: Studio) -> None:
    repo.edit(GLOBEX, lambda doc: doc.update(prune="yes"))
    commit_all(repo.workdir, "globex broken before this change")
    repo.edit(INITECH, lambda doc: doc["clients"][0].update(role="owner"))

    result = repo.cli("validate", "--changed-since", "HEAD")
    everything = repo.cli("validate")

    assert result.code == 3
    assert INITECH in result.out
    assert GLOBEX not in result.out
    assert GLOBEX in everything.out


def test_apply_changed_since_touches_only_the_changed_delivery(repo: Studio) -> None:
    repo.edit(INITECH, lambda doc: doc.update(description="final"))

    result = repo.apply("--changed-since", "HEAD")

    assert result.code == 0, result.text
    emails = {c["invite_email"] for c in repo.state()["collaborations"] if c["invite_email"]}
    assert emails == {"buyer@initech.example"}


def test_an_unknown_ref_is_a_usage_error(repo: Studio) -> None:
    result = repo.cli("plan", "--changed-since", "no-such-branch")

    assert result.code == 3
    assert "--changed-since no-such-branch" in result.err
    assert "fetch-depth: 0" in result.err


def test_a_changed_config_plans_every_delivery(repo: Studio) -> None:
    repo.edit("reconcile.yaml", lambda doc: doc.update(concurrency=4))

    assert planned(repo, "--changed-since", "HEAD") == {
        "acme-spring-2026",
        "globex-lookbook",
        "initech-stills",
    }
