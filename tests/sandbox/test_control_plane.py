"""The sandbox's control plane as the content services use it: signup, seed, reset, state."""

from __future__ import annotations

from box_sdk_gen import GetCollaborationsStatus

from reconciler.sandbox.server import Sandbox
from tests.conftest import control, sdk_client
from tests.sandbox.test_collaborations import DELIVERY, captured_events, invite, studio_seed


def test_signup_accepts_the_pending_invitations_of_that_email(studio: Sandbox) -> None:
    admin = sdk_client(studio.base_url)
    events = captured_events(studio)
    collab = invite(admin, login="Dana@client.example")
    response = control(
        studio, "POST", "signup", json={"login": "dana@client.example", "name": "Dana"}
    )
    assert response.status_code == 201
    dana = sdk_client(studio.base_url, response.json()["token"])
    after = admin.user_collaborations.get_collaboration_by_id(collab.id)
    assert after.status.value == "accepted" and after.acknowledged_at is not None
    assert after.accessible_by.id == response.json()["user"]["id"]
    assert dana.folders.get_folder_by_id(DELIVERY).name == "Acme"
    accepted = [e for e in events if e["trigger"] == "COLLABORATION.ACCEPTED"]
    assert [(e["target_id"], e["source"]["id"]) for e in accepted] == [(DELIVERY, collab.id)]


def test_signup_without_accept_leaves_the_invitation_pending_for_the_new_account(
    studio: Sandbox,
) -> None:
    collab = invite(sdk_client(studio.base_url), login="dana@client.example")
    response = control(
        studio, "POST", "signup", json={"login": "dana@client.example", "accept": False}
    )
    dana = sdk_client(studio.base_url, response.json()["token"])
    pending = dana.list_collaborations.get_collaborations(GetCollaborationsStatus.PENDING)
    assert [c.id for c in pending.entries] == [collab.id]
    assert pending.entries[0].accessible_by.login == "dana@client.example"


def test_signup_of_an_existing_login_is_a_conflict(studio: Sandbox) -> None:
    response = control(studio, "POST", "signup", json={"login": "BOB@client.example"})
    assert response.status_code == 409


def test_reset_brings_back_the_seeded_tree(studio: Sandbox) -> None:
    admin = sdk_client(studio.base_url)
    admin.folders.delete_folder_by_id(DELIVERY, recursive=True)
    assert control(studio, "POST", "reset").status_code == 200
    assert admin.folders.get_folder_by_id(DELIVERY).name == "Acme"


def test_posting_a_seed_replaces_the_content(studio: Sandbox) -> None:
    seed = studio_seed()
    seed["folders"][0]["name"] = "Archive"
    assert control(studio, "POST", "seed", json=seed).status_code == 200
    assert [e.name for e in sdk_client(studio.base_url).folders.get_folder_items("0").entries] == [
        "Archive"
    ]


def test_a_bad_posted_seed_is_refused_with_the_problem_and_nothing_changes(studio: Sandbox) -> None:
    seed = studio_seed()
    seed["groups"][0]["members"] = ["777"]
    response = control(studio, "POST", "seed", json=seed)
    assert response.status_code == 400
    assert "$.groups[0].members[0]" in response.json()["message"]
    assert sdk_client(studio.base_url).folders.get_folder_by_id(DELIVERY).name == "Acme"


def test_the_state_dump_holds_the_collaborations(studio: Sandbox) -> None:
    collab = invite(sdk_client(studio.base_url), login="dana@client.example")
    dumped = control(studio, "GET", "state").json()
    assert [(c["id"], c["invite_email"]) for c in dumped["collaborations"]] == [
        (collab.id, "dana@client.example")
    ]
