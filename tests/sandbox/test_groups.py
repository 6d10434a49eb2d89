"""Sandbox groups and memberships through the real SDK."""

from __future__ import annotations

import requests
from box_sdk_gen import (
    BoxClient,
    CreateGroupMembershipGroup,
    CreateGroupMembershipRole,
    CreateGroupMembershipUser,
    UpdateGroupMembershipByIdRole,
)

from reconciler.sandbox.server import Sandbox
from tests.conftest import ADMIN_TOKEN, sdk_client
from tests.sandbox.test_collaborations import invite, status_of

RETOUCHERS = "30001"  # seeded with Ann (10002) as its only member


def test_groups_are_listed_with_a_prefix_filter(admin: BoxClient) -> None:
    admin.groups.create_group("Producers")
    admin.groups.create_group("Photographers")
    page = admin.groups.get_groups(filter_term="p")
    assert [g.name for g in page.entries] == ["Photographers", "Producers"]
    assert page.total_count == 2
    assert [g.name for g in admin.groups.get_groups().entries] == [
        "Photographers",
        "Producers",
        "Retouchers",
    ]


def test_a_created_group_reads_back_in_full(admin: BoxClient) -> None:
    made = admin.groups.create_group("Producers", description="the people who pay")
    group = admin.groups.get_group_by_id(made.id)
    assert (group.name, group.description, group.group_type.value) == (
        "Producers",
        "the people who pay",
        "managed_group",
    )
    assert group.invitability_level.value == "admins_only"


def test_a_duplicate_group_name_is_a_conflict(admin: BoxClient) -> None:
    assert status_of(lambda: admin.groups.create_group("retouchers"))[0] == 409


def test_a_group_is_renamed_and_deleted(admin: BoxClient) -> None:
    assert admin.groups.update_group_by_id(RETOUCHERS, name="Retouch").name == "Retouch"
    admin.groups.delete_group_by_id(RETOUCHERS)
    assert status_of(lambda: admin.groups.get_group_by_id(RETOUCHERS))[0] == 404


def test_deleting_a_group_removes_its_collaborations(studio: Sandbox, admin: BoxClient) -> None:
    invite(admin, group_id=RETOUCHERS, role="editor")
    ann = sdk_client(studio.base_url, "ann")
    assert ann.folders.get_folder_by_id("40002").name == "Acme"
    admin.groups.delete_group_by_id(RETOUCHERS)
    assert status_of(lambda: ann.folders.get_folder_by_id("40002"))[0] == 404


def test_only_admins_manage_groups(studio: Sandbox) -> None:
    ann = sdk_client(studio.base_url, "ann")
    assert status_of(lambda: ann.groups.create_group("Mine"))[0] == 403
    assert status_of(lambda: ann.groups.get_groups())[0] == 403


def test_a_member_sees_their_group_and_a_stranger_does_not(studio: Sandbox) -> None:
    assert (
        sdk_client(studio.base_url, "ann").groups.get_group_by_id(RETOUCHERS).name == "Retouchers"
    )
    assert (
        status_of(lambda: sdk_client(studio.base_url, "bob").groups.get_group_by_id(RETOUCHERS))[0]
        == 404
    )


def test_memberships_are_added_listed_changed_and_removed(admin: BoxClient) -> None:
    membership = admin.memberships.create_group_membership(
        CreateGroupMembershipUser(id="20001"),
        CreateGroupMembershipGroup(id=RETOUCHERS),
        role=CreateGroupMembershipRole.ADMIN,
    )
    assert (membership.user.id, membership.group.id, membership.role.value) == (
        "20001",
        RETOUCHERS,
        "admin",
    )
    listed = admin.memberships.get_group_memberships(RETOUCHERS)
    assert [m.user.id for m in listed.entries] == ["10002", "20001"] and listed.total_count == 2
    changed = admin.memberships.update_group_membership_by_id(
        membership.id, role=UpdateGroupMembershipByIdRole.MEMBER
    )
    assert changed.role.value == "member"
    assert admin.memberships.get_group_membership_by_id(membership.id).role.value == "member"
    admin.memberships.delete_group_membership_by_id(membership.id)
    assert [m.user.id for m in admin.memberships.get_group_memberships(RETOUCHERS).entries] == [
        "10002"
    ]


def test_a_user_is_added_to_a_group_only_once(admin: BoxClient) -> None:
    assert (
        status_of(
            lambda: admin.memberships.create_group_membership(
                CreateGroupMembershipUser(id="10002"), CreateGroupMembershipGroup(id=RETOUCHERS)
            )
        )[0]
        == 409
    )


def test_a_membership_of_an_unknown_user_or_group_is_not_found(admin: BoxClient) -> None:
    assert (
        status_of(
            lambda: admin.memberships.create_group_membership(
                CreateGroupMembershipUser(id="99999"), CreateGroupMembershipGroup(id=RETOUCHERS)
            )
        )[0]
        == 404
    )
    assert (
        status_of(
            lambda: admin.memberships.create_group_membership(
                CreateGroupMembershipUser(id="10002"), CreateGroupMembershipGroup(id="99999")
            )
        )[0]
        == 404
    )


def test_a_users_memberships_are_listed_for_them_and_admins(
    studio: Sandbox, admin: BoxClient
) -> None:
    assert [m.group.id for m in admin.memberships.get_user_memberships("10002").entries] == [
        RETOUCHERS
    ]
    ann = sdk_client(studio.base_url, "ann")
    assert ann.memberships.get_user_memberships("10002").total_count == 1
    assert status_of(lambda: ann.memberships.get_user_memberships("20001"))[0] == 403


def test_a_groups_collaborations_are_listed_with_offsets(admin: BoxClient) -> None:
    first = invite(admin, item="40002", group_id=RETOUCHERS, role="editor")
    second = invite(admin, item="50001", kind="file", group_id=RETOUCHERS, role="viewer")
    page = admin.list_collaborations.get_group_collaborations(RETOUCHERS, limit=1, offset=1)
    assert [c.id for c in page.entries] == [second.id]
    assert (page.total_count, page.limit, page.offset) == (2, 1, 1)
    assert first.accessible_by.id == RETOUCHERS


def test_configurable_permissions_are_not_implemented(studio: Sandbox) -> None:
    response = requests.post(
        f"{studio.base_url}/2.0/group_memberships",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={
            "user": {"id": "20001"},
            "group": {"id": RETOUCHERS},
            "configurable_permissions": {"can_run_reports": True},
        },
        timeout=10,
    )
    assert response.status_code == 501


def test_a_group_needs_a_name(studio: Sandbox) -> None:
    response = requests.post(
        f"{studio.base_url}/2.0/groups",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={"description": "no name"},
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
