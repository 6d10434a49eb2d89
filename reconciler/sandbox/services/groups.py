"""Groups and group memberships: admin-managed sets of users that can hold collaborations."""

from __future__ import annotations

from reconciler.sandbox.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    invalid_parameter,
)
from reconciler.sandbox.routing import (
    JSON,
    Call,
    Reply,
    Route,
    offset_page,
    pick_fields,
    refuse_unimplemented,
    require_text,
)
from reconciler.sandbox.services.users import get_user, require_admin, user_mini
from reconciler.sandbox.state import Group, Membership, State, User, is_admin

GROUP_MINI = ("type", "id", "name", "group_type")
MEMBERSHIP_MINI = ("type", "id")
LEVELS = ("admins_only", "admins_and_members", "all_managed_users")
GROUP_FIELDS = (
    "name",
    "provenance",
    "external_sync_identifier",
    "description",
    "invitability_level",
    "member_viewability_level",
)
MEMBERSHIP_ROLES = ("member", "admin")


# --- views ---------------------------------------------------------------------------------


def group_mini(group: Group) -> JSON:
    return {"type": "group", "id": group.id, "name": group.name, "group_type": group.group_type}


def group_full(group: Group, actor: User) -> JSON:
    return {
        **group_mini(group),
        "created_at": group.created_at,
        "modified_at": group.modified_at,
        "provenance": group.provenance,
        "external_sync_identifier": group.external_sync_identifier,
        "description": group.description,
        "invitability_level": group.invitability_level,
        "member_viewability_level": group.member_viewability_level,
        "permissions": {"can_invite_as_collaborator": is_admin(actor)},
    }


def group_view(call: Call, group: Group) -> JSON:
    return pick_fields(group_full(group, call.actor), GROUP_MINI, call.fields())


def membership_view(state: State, membership: Membership) -> JSON:
    return {
        "type": "group_membership",
        "id": membership.id,
        "user": user_mini(state.users[membership.user_id]),
        "group": group_mini(state.groups[membership.group_id]),
        "role": membership.role,
        "created_at": membership.created_at,
        "modified_at": membership.modified_at,
    }


# --- state operations ----------------------------------------------------------------------


def get_group(state: State, group_id: str) -> Group:
    group = state.groups.get(group_id)
    if group is None:
        raise NotFound(
            f"Not Found: group '{group_id}'",
            context_info=invalid_parameter("group", group_id, f"Invalid value 'g_{group_id}'."),
        )
    return group


def members_of(state: State, group_id: str) -> list[Membership]:
    found = [m for m in state.memberships.values() if m.group_id == group_id]
    return sorted(found, key=lambda m: int(m.id) if m.id.isdigit() else 0)


def is_member(state: State, group_id: str, user_id: str) -> bool:
    return any(m.user_id == user_id for m in members_of(state, group_id))


def visible_group(state: State, actor: User, group_id: str) -> Group:
    """Admins see every group; others only groups they belong to (404 otherwise, as Box)."""
    group = get_group(state, group_id)
    if not is_admin(actor) and not is_member(state, group_id, actor.id):
        raise NotFound(
            f"Not Found: group '{group_id}'",
            context_info=invalid_parameter("group", group_id, f"Invalid value 'g_{group_id}'."),
        )
    return group


def apply_group_fields(group: Group, body: JSON) -> None:
    for key in ("invitability_level", "member_viewability_level"):
        if key in body and body[key] not in LEVELS:
            raise BadRequest(
                f"Invalid value for '{key}'", context_info=invalid_parameter(key, body[key])
            )
    for key in GROUP_FIELDS:
        if key in body and not isinstance(body[key], str):
            raise BadRequest(
                f"Invalid value for '{key}'", context_info=invalid_parameter(key, body[key])
            )
    for key in GROUP_FIELDS:
        if key in body:
            setattr(group, key, body[key])


def check_unique_name(state: State, name: str, except_id: str | None = None) -> None:
    for other in state.groups.values():
        if other.id != except_id and other.name.casefold() == name.casefold():
            raise Conflict("Group with the same name already exists", code="conflict")


def create_group(state: State, actor: User, body: JSON) -> Group:
    require_admin(actor)
    refuse_unimplemented(body, GROUP_FIELDS, "POST /groups")
    name = require_text(body, "name").strip()
    check_unique_name(state, name)
    now = state.now()
    group = Group(id=state.new_id(), name=name, created_at=now, modified_at=now)
    apply_group_fields(group, {**body, "name": name})
    state.groups[group.id] = group
    return group


def update_group(state: State, actor: User, group: Group, body: JSON) -> Group:
    require_admin(actor)
    refuse_unimplemented(body, GROUP_FIELDS, "PUT /groups/{id}")
    if "name" in body:
        check_unique_name(state, require_text(body, "name"), except_id=group.id)
    apply_group_fields(group, body)
    group.modified_at = state.now()
    return group


def delete_group(state: State, actor: User, group: Group) -> None:
    """Its memberships and the collaborations it holds go with it."""
    require_admin(actor)
    for membership in members_of(state, group.id):
        del state.memberships[membership.id]
    for collab in [
        c
        for c in state.collaborations.values()
        if c.accessible_by_type == "group" and c.accessible_by_id == group.id
    ]:
        del state.collaborations[collab.id]
    del state.groups[group.id]


def object_id(body: JSON, key: str) -> str:
    """``{"key": {"id": "..."}}`` as Box's request bodies carry references."""
    ref = body.get(key)
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
        raise BadRequest(f"'{key}.id' is required", context_info=invalid_parameter(key, ref))
    return str(ref["id"])


def add_member(state: State, actor: User, body: JSON) -> Membership:
    require_admin(actor)
    refuse_unimplemented(body, ("user", "group", "role"), "POST /group_memberships")
    user = get_user(state, object_id(body, "user"))
    group = get_group(state, object_id(body, "group"))
    role = body.get("role", "member")
    if role not in MEMBERSHIP_ROLES:
        raise BadRequest("Invalid value for 'role'", context_info=invalid_parameter("role", role))
    if is_member(state, group.id, user.id):
        raise Conflict("User is already a member of the group", code="conflict")
    now = state.now()
    membership = Membership(
        id=state.new_id(),
        user_id=user.id,
        group_id=group.id,
        role=str(role),
        created_at=now,
        modified_at=now,
    )
    state.memberships[membership.id] = membership
    return membership


def get_membership(state: State, actor: User, membership_id: str) -> Membership:
    membership = state.memberships.get(membership_id)
    if membership is None or not (is_admin(actor) or membership.user_id == actor.id):
        raise NotFound(
            f"Not Found: group membership '{membership_id}'",
            context_info=invalid_parameter("group_membership", membership_id),
        )
    return membership


def update_member(state: State, actor: User, membership: Membership, body: JSON) -> Membership:
    require_admin(actor)
    refuse_unimplemented(body, ("role",), "PUT /group_memberships/{id}")
    if "role" in body:
        if body["role"] not in MEMBERSHIP_ROLES:
            raise BadRequest(
                "Invalid value for 'role'", context_info=invalid_parameter("role", body["role"])
            )
        membership.role = body["role"]
    membership.modified_at = state.now()
    return membership


# --- handlers ------------------------------------------------------------------------------


def handle_list(call: Call) -> Reply:
    require_admin(call.actor)
    term = (call.param("filter_term") or "").casefold()
    groups = sorted(call.state.groups.values(), key=lambda g: g.name.casefold())
    fields = call.fields()
    entries = [
        pick_fields(group_full(g, call.actor), GROUP_MINI, fields)
        for g in groups
        if g.name.casefold().startswith(term)
    ]
    body = offset_page(call, entries)
    body["order"] = [{"by": "name", "direction": "ASC"}]
    return Reply(200, body)


def handle_create(call: Call) -> Reply:
    group = create_group(call.state, call.actor, call.json())
    return Reply(201, group_view(call, group))


def handle_get(call: Call) -> Reply:
    return Reply(
        200, group_view(call, visible_group(call.state, call.actor, call.args["group_id"]))
    )


def handle_update(call: Call) -> Reply:
    group = get_group(call.state, call.args["group_id"])
    update_group(call.state, call.actor, group, call.json(required=False))
    return Reply(200, group_view(call, group))


def handle_delete(call: Call) -> Reply:
    group = get_group(call.state, call.args["group_id"])
    delete_group(call.state, call.actor, group)
    return Reply(204)


def memberships_page(call: Call, memberships: list[Membership]) -> JSON:
    body = offset_page(call, [membership_view(call.state, m) for m in memberships])
    body["order"] = [{"by": "id", "direction": "ASC"}]
    return body


def handle_group_memberships(call: Call) -> Reply:
    group = get_group(call.state, call.args["group_id"])
    visible = is_admin(call.actor) or (
        is_member(call.state, group.id, call.actor.id)
        and group.member_viewability_level != "admins_only"
    )
    if not visible:
        raise Forbidden()
    return Reply(200, memberships_page(call, members_of(call.state, group.id)))


def handle_user_memberships(call: Call) -> Reply:
    user = get_user(call.state, call.args["user_id"])
    if not is_admin(call.actor) and call.actor.id != user.id:
        raise Forbidden()
    mine = [m for m in call.state.memberships.values() if m.user_id == user.id]
    mine.sort(key=lambda m: int(m.id) if m.id.isdigit() else 0)
    return Reply(200, memberships_page(call, mine))


def membership_reply(call: Call, membership: Membership, status: int = 200) -> Reply:
    view = membership_view(call.state, membership)
    return Reply(status, pick_fields(view, MEMBERSHIP_MINI, call.fields()))


def handle_add_member(call: Call) -> Reply:
    return membership_reply(call, add_member(call.state, call.actor, call.json()), 201)


def handle_get_member(call: Call) -> Reply:
    membership = get_membership(call.state, call.actor, call.args["membership_id"])
    return membership_reply(call, membership)


def handle_update_member(call: Call) -> Reply:
    membership = get_membership(call.state, call.actor, call.args["membership_id"])
    update_member(call.state, call.actor, membership, call.json(required=False))
    return membership_reply(call, membership)


def handle_delete_member(call: Call) -> Reply:
    membership = get_membership(call.state, call.actor, call.args["membership_id"])
    require_admin(call.actor)
    del call.state.memberships[membership.id]
    return Reply(204)


ROUTES = [
    Route("GET", "/2.0/groups", handle_list, params=("filter_term", "fields", "limit", "offset")),
    Route("POST", "/2.0/groups", handle_create, params=("fields",), writes=True),
    Route("GET", "/2.0/groups/<group_id>", handle_get, params=("fields",)),
    Route("PUT", "/2.0/groups/<group_id>", handle_update, params=("fields",), writes=True),
    Route("DELETE", "/2.0/groups/<group_id>", handle_delete, writes=True),
    Route(
        "GET",
        "/2.0/groups/<group_id>/memberships",
        handle_group_memberships,
        params=("limit", "offset"),
    ),
    Route("POST", "/2.0/group_memberships", handle_add_member, params=("fields",), writes=True),
    Route("GET", "/2.0/group_memberships/<membership_id>", handle_get_member, params=("fields",)),
    Route(
        "PUT",
        "/2.0/group_memberships/<membership_id>",
        handle_update_member,
        params=("fields",),
        writes=True,
    ),
    Route("DELETE", "/2.0/group_memberships/<membership_id>", handle_delete_member, writes=True),
    Route(
        "GET",
        "/2.0/users/<user_id>/memberships",
        handle_user_memberships,
        params=("limit", "offset"),
    ),
]
