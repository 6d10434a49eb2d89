"""Hub collaborations (API version 2025.0): who may use a hub, in which role."""

from __future__ import annotations

from reconciler.sandbox.errors import BadRequest, Forbidden, NotFound, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, marker_page
from reconciler.sandbox.services.groups import group_mini
from reconciler.sandbox.services.hubs import (
    PAGING,
    ROLES,
    collaborations_of,
    get_hub,
    hub_route,
    inviters,
    require,
    required_hub_id,
    without_prev_marker,
)
from reconciler.sandbox.services.users import find_by_login, user_mini
from reconciler.sandbox.state import HubCollaboration, State, User


def grantee_view(state: State, collab: HubCollaboration) -> JSON:
    if collab.accessible_by_type == "group":
        group = state.groups.get(collab.accessible_by_id)
        if group is None:  # deleted since: Box keeps showing the id
            return {"type": "group", "id": collab.accessible_by_id, "name": ""}
        return group_mini(group)
    user = state.users.get(collab.accessible_by_id)
    if user is None or collab.status == "pending":
        # Box hides who a pending hub invitation is for: login and name are empty
        # (Box's HubCollaboration description in the 2025.0 API).
        return {"type": "user", "id": collab.accessible_by_id, "name": "", "login": ""}
    return user_mini(user)


def collaboration_view(state: State, collab: HubCollaboration) -> JSON:
    return {
        "type": "hub_collaboration",
        "id": collab.id,
        "hub": {"type": "hubs", "id": collab.hub_id},
        "accessible_by": grantee_view(state, collab),
        "role": collab.role,
        "status": collab.status,
        "acceptance_requirements_status": {
            "strong_password_requirement": {
                "enterprise_has_strong_password_required_for_external_users": False,
                "user_has_strong_password": None,
            },
            "two_factor_authentication_requirement": {
                "enterprise_has_two_factor_auth_enabled": False,
                "user_has_two_factor_authentication_enabled": None,
            },
        },
    }


def get_collaboration(state: State, actor: User, collab_id: str) -> HubCollaboration:
    collab = state.hub_collaborations.get(collab_id)
    if collab is None:
        raise NotFound(
            f"Not Found: hub collaboration '{collab_id}'",
            context_info=invalid_parameter("hub_collaboration_id", collab_id),
        )
    get_hub(state, actor, collab.hub_id)
    return collab


def checked_role(role: object) -> str:
    if role not in ROLES:
        raise BadRequest(
            f"'role' must be one of {', '.join(ROLES)}",
            context_info=invalid_parameter("role", role),
        )
    return str(role)


def grantee(state: State, accessible_by: object) -> tuple[str, str, User | None]:
    """(type, id, user) of the person or group to add. Only people with a Box account can join a
    hub: a login with no account is refused with 404, as Box answers for an unknown user id
    (OpenAPI 2025.0 documents no other code for it)."""
    if not isinstance(accessible_by, dict) or accessible_by.get("type") not in ("user", "group"):
        raise BadRequest(
            "'accessible_by.type' must be 'user' or 'group'",
            context_info=invalid_parameter("accessible_by", accessible_by),
        )
    ident, login = accessible_by.get("id"), accessible_by.get("login")
    if accessible_by["type"] == "group":
        if not ident or str(ident) not in state.groups:
            raise NotFound(
                "Not Found: group", context_info=invalid_parameter("accessible_by", ident)
            )
        return "group", str(ident), None
    if not ident and not login:
        raise BadRequest(
            "'accessible_by' needs an 'id' or a 'login'",
            context_info=invalid_parameter("accessible_by", accessible_by),
        )
    user = state.users.get(str(ident)) if ident else find_by_login(state, str(login))
    if user is None:
        raise NotFound(
            "Not Found: hubs can only be shared with people who have a Box account",
            context_info=invalid_parameter("accessible_by", ident or login),
        )
    return "user", user.id, user


def create_collaboration(state: State, actor: User, body: JSON) -> HubCollaboration:
    hub_ref = body.get("hub")
    if not isinstance(hub_ref, dict) or not hub_ref.get("id"):
        raise BadRequest("'hub' is required", context_info=invalid_parameter("hub", hub_ref))
    hub = get_hub(state, actor, str(hub_ref["id"]))
    role = checked_role(body.get("role"))
    require(state, actor, hub, inviters(hub), "invite collaborators")
    if role == "co-owner":
        require(state, actor, hub, ("owner", "co-owner"), "make co-owners")
    kind, ident, user = grantee(state, body.get("accessible_by"))
    if (
        user is not None
        and hub.is_collaboration_restricted_to_enterprise
        and (user.enterprise_id != state.enterprise.id)
    ):
        raise Forbidden("This hub can only be shared inside the enterprise")
    if (kind == "user" and ident == hub.owner_id) or any(
        (c.accessible_by_type, c.accessible_by_id) == (kind, ident)
        for c in collaborations_of(state, hub.id)
    ):
        raise BadRequest("User is already a collaborator", code="user_already_collaborator")
    # People with a Box account accept at once unless they turned auto-accept off
    # (support.box.com/hc/en-us/articles/360044195073).
    accepted = user is None or user.auto_accept
    collab = HubCollaboration(
        id=state.new_id(),
        hub_id=hub.id,
        accessible_by_type=kind,
        accessible_by_id=ident,
        role=role,
        status="accepted" if accepted else "pending",
        created_by_id=actor.id,
        created_at=state.now(),
    )
    state.hub_collaborations[collab.id] = collab
    return collab


def update_collaboration(state: State, actor: User, collab: HubCollaboration, body: JSON) -> None:
    hub = state.hubs[collab.hub_id]
    role = checked_role(body.get("role"))
    require(state, actor, hub, ("owner", "co-owner"), "change roles")
    collab.role = role


def delete_collaboration(state: State, actor: User, collab: HubCollaboration) -> None:
    hub = state.hubs[collab.hub_id]
    leaving = collab.accessible_by_type == "user" and collab.accessible_by_id == actor.id
    if not leaving:
        require(state, actor, hub, ("owner", "co-owner"), "remove collaborators")
    del state.hub_collaborations[collab.id]


def handle_list_collaborations(call: Call) -> Reply:
    hub = get_hub(call.state, call.actor, required_hub_id(call))
    entries = [collaboration_view(call.state, c) for c in collaborations_of(call.state, hub.id)]
    return Reply(200, without_prev_marker(marker_page(call, entries)))


def handle_create_collaboration(call: Call) -> Reply:
    collab = create_collaboration(call.state, call.actor, call.json())
    return Reply(201, collaboration_view(call.state, collab))


def handle_get_collaboration(call: Call) -> Reply:
    collab = get_collaboration(call.state, call.actor, call.args["collab_id"])
    return Reply(200, collaboration_view(call.state, collab))


def handle_update_collaboration(call: Call) -> Reply:
    collab = get_collaboration(call.state, call.actor, call.args["collab_id"])
    update_collaboration(call.state, call.actor, collab, call.json())
    return Reply(200, collaboration_view(call.state, collab))


def handle_delete_collaboration(call: Call) -> Reply:
    collab = get_collaboration(call.state, call.actor, call.args["collab_id"])
    delete_collaboration(call.state, call.actor, collab)
    return Reply(204)


ROUTES = [
    hub_route("GET", "/2.0/hub_collaborations", handle_list_collaborations, ("hub_id", *PAGING)),
    hub_route("POST", "/2.0/hub_collaborations", handle_create_collaboration, writes=True),
    hub_route("GET", "/2.0/hub_collaborations/<collab_id>", handle_get_collaboration),
    hub_route(
        "PUT", "/2.0/hub_collaborations/<collab_id>", handle_update_collaboration, writes=True
    ),
    hub_route(
        "DELETE", "/2.0/hub_collaborations/<collab_id>", handle_delete_collaboration, writes=True
    ),
]
