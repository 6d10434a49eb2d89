"""Valid manifests round-trip into the desired state; every piece remembers where it was written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.manifest import check, validate
from reconciler.model import (
    ApprovalRule,
    Client,
    Delivery,
    DesiredState,
    ItemKind,
    ItemRef,
    Origin,
    Policy,
    Principal,
)
from reconciler.planning.access import targets
from reconciler.session.workflow import load

CORPUS = Path(__file__).parent / "manifests"
VALID = CORPUS / "valid"
POLICY = str(CORPUS / "reconcile.yaml")
REPO = Path(__file__).resolve().parents[2]


def _at(file: str, line: int, column: int) -> Origin:
    return Origin(file, line, column)


def expected_state(root: str) -> DesiredState:
    full = f"{root}/full.yaml"
    minimal = f"{root}/minimal.yaml"
    single = f"{root}/nested/single-file.yaml"
    return DesiredState(
        (
            Delivery(
                name="full-delivery",
                file=full,
                description="Every feature of the format at once",
                folders=("1001", "1002"),
                hubs=("3001",),
                clients=(
                    Client(
                        Principal.email("Jane.Doe@Acme.example"),
                        "viewer",
                        origin=_at(full, 11, 12),
                        role_origin=_at(full, 12, 11),
                    ),
                    Client(
                        Principal.email("cmo@acme.example"),
                        "editor",
                        hub_role="editor",
                        origin=_at(full, 13, 12),
                        role_origin=_at(full, 14, 11),
                        hub_role_origin=_at(full, 15, 15),
                    ),
                    Client(
                        Principal.group("4001"),
                        "previewer",
                        approver=False,
                        origin=_at(full, 16, 12),
                        role_origin=_at(full, 17, 11),
                    ),
                    Client(
                        Principal.user("5001"),
                        "viewer uploader",
                        approver=False,
                        origin=_at(full, 18, 11),
                        role_origin=_at(full, 19, 11),
                    ),
                ),
                approval=ApprovalRule(
                    message="Approve the content?",
                    due_in_days=7,
                    completion_rule="any_assignee",
                    include=("**/*.jpg", "**/*.mp4"),
                    exclude=("_internal/**",),
                    origin=_at(full, 22, 1),
                ),
                notify=False,
                prune=True,
                origin=_at(full, 3, 7),
            ),
            Delivery(
                name="minimal",
                file=minimal,
                folders=("1003",),
                clients=(
                    Client(
                        Principal.email("art@globex.example"),
                        "viewer",
                        origin=_at(minimal, 5, 13),
                        role_origin=_at(minimal, 5, 39),
                    ),
                ),
                origin=_at(minimal, 2, 7),
            ),
            Delivery(
                name="single-file",
                file=single,
                files=("2001",),
                clients=(
                    Client(
                        Principal.email("buyer@globex.example"),
                        "editor",
                        approver=False,
                        origin=_at(single, 7, 12),
                        role_origin=_at(single, 8, 11),
                    ),
                    Client(
                        Principal.email("svc-reconciler@studio.example"),
                        "editor",
                        origin=_at(single, 10, 12),
                        role_origin=_at(single, 11, 11),
                    ),
                ),
                origin=_at(single, 3, 7),
            ),
        )
    )


def test_valid_corpus_round_trips_into_the_expected_desired_state() -> None:
    desired = load([str(VALID)], config_path=POLICY)
    state, policy = desired.state, desired.policy
    assert state == expected_state(str(VALID))
    assert policy == Policy(
        allowed_domains=("acme.example", "globex.example", "studio.example"),
        internal_domains=("studio.example",),
        max_role_external="editor",
        protected=("svc-reconciler@studio.example",),
        max_removals=5,
        max_removal_fraction=0.5,
        concurrency=2,
        max_requests_per_second=5.0,
        origin=Origin(POLICY, 1, 1),
    )


def test_emails_compare_case_insensitively_but_show_as_written() -> None:
    state = load([str(VALID / "full.yaml")], config_path=POLICY).state
    jane = state.deliveries[0].clients[0].principal
    assert jane == Principal.email("jane.doe@acme.EXAMPLE")
    assert str(jane) == "Jane.Doe@Acme.example"


def test_claims_point_back_at_the_manifest_line() -> None:
    state = load([str(VALID / "full.yaml")], config_path=POLICY).state
    folder = ItemRef(ItemKind.FOLDER, "1001")
    claims = targets(state.deliveries, hubs=False)[folder].claims
    claim = next(c for c in claims if c.principal == Principal.user("5001"))
    assert (claim.delivery.name, claim.role) == ("full-delivery", "viewer uploader")
    assert str(claim.client.origin) == f"{VALID}/full.yaml:18:11"
    hub = ItemRef(ItemKind.HUB, state.deliveries[0].hubs[0])
    hub_roles = {
        c.principal.display: c.role for c in targets(state.deliveries, hubs=True)[hub].claims
    }
    assert hub_roles == {
        "Jane.Doe@Acme.example": "viewer",
        "cmo@acme.example": "editor",
        "4001": "viewer",
        "5001": "viewer",
    }


def test_groups_and_opted_out_people_are_not_approvers() -> None:
    state = load([str(VALID / "full.yaml")], config_path=POLICY).state
    approvers = [c.principal.display for c in state.deliveries[0].approvers()]
    assert approvers == ["Jane.Doe@Acme.example", "cmo@acme.example"]


def test_paths_in_problems_and_origins_stay_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    state = load(["valid"], config_path="reconcile.yaml").state
    assert state == expected_state("valid")


def test_shipped_deliveries_validate_against_the_shipped_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = check()  # deliveries/ and ./reconcile.yaml, as the CLI defaults
    assert result.problems == ()
    assert [d.name for d in result.state.deliveries] == [
        "acme-spring-2026",
        "globex-lookbook",
        "initech-stills",
    ]
    assert result.policy.protected == ("svc-reconciler@studio.example",)
    assert result.policy.max_role_external == "editor"


def test_shipped_deliveries_start_with_the_schema_modeline() -> None:
    for path in sorted((REPO / "deliveries").rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        target = (path.parent / first[len(prefix) :]).resolve()
        assert target == REPO / "schemas" / "delivery.schema.json", path


def test_a_missing_default_config_means_no_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    os.makedirs("deliveries")
    Path("deliveries/x.yaml").write_text(
        "version: 1\nname: x\nfolders: ['1']\n"
        "clients: [{email: a@anywhere.example, role: co-owner}]\n"
    )
    assert validate() == []
