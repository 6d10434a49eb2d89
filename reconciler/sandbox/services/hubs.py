"""Box Hubs (API version 2025.0): hubs and their items, and who may see or change a hub."""

from __future__ import annotations

from reconciler.sandbox.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    NotImplementedInSandbox,
    invalid_parameter,
)
from reconciler.sandbox.routing import JSON, Call, Handler, Reply, Route, marker_page
from reconciler.sandbox.services.access import can_see, group_ids_of
from reconciler.sandbox.services.users import someone
from reconciler.sandbox.state import Hub, HubCollaboration, HubItem, State, User, is_admin

VERSION = "2025.0"
ROLES = ("viewer", "editor", "co-owner")
RANK = {"viewer": 1, "editor": 2, "co-owner": 3, "owner": 4}
MAX_TITLE = 50
SETTINGS = (
    "is_ai_enabled",
    "is_collaboration_restricted_to_enterprise",
    "can_non_owners_invite",
    "can_shared_link_be_created",
    "can_public_shared_link_be_created",
)
COPY_ACCESS = ("all", "company", "none")
#: the hub roles each ``scope`` of ``GET /hubs`` lists
SCOPES = {
    "all": ("owner", *ROLES),
    "editable": ("owner", "co-owner", "editor"),
    "view_only": ("viewer",),
}
SORT_KEYS = ("name", "updated_at", "view_count", "relevance")


# --- views ---------------------------------------------------------------------------------


def hub_view(state: State, hub: Hub) -> JSON:
    return {
        "type": "hubs",
        "id": hub.id,
        "title": hub.title,
        "description": hub.description[:200],
        "created_at": hub.created_at,
        "updated_at": hub.updated_at or hub.created_at,
        "created_by": someone(state, hub.owner_id),
        "updated_by": someone(state, hub.updated_by_id or hub.owner_id),
        "view_count": hub.view_count,
        **{name: getattr(hub, name) for name in SETTINGS},
        "copy_hub_access": hub.copy_hub_access,
    }


def item_view(state: State, item: HubItem) -> JSON:
    table = state.files if item.item_type == "file" else state.folders
    record = table.get(item.item_id)
    return {"type": item.item_type, "id": item.item_id, "name": record.name if record else ""}


def without_prev_marker(page: JSON) -> JSON:
    """The hub lists are marker-paged without a ``prev_marker`` (OpenAPI 2025.0)."""
    page.pop("prev_marker", None)
    return page


# --- access --------------------------------------------------------------------------------


def is_enterprise_admin(state: State, user: User) -> bool:
    return user.enterprise_id == state.enterprise.id and is_admin(user)


def hub_role(state: State, user: User, hub: Hub) -> str | None:
    """``owner``, or the best accepted hub collaboration held directly or through a group."""
    if hub.owner_id == user.id:
        return "owner"
    groups = group_ids_of(state, user.id)
    best: str | None = None
    for collab in collaborations_of(state, hub.id):
        mine = (collab.accessible_by_type == "user" and collab.accessible_by_id == user.id) or (
            collab.accessible_by_type == "group" and collab.accessible_by_id in groups
        )
        if mine and collab.status == "accepted" and RANK[collab.role] > RANK.get(best or "", 0):
            best = collab.role
    return best


def in_enterprise(state: State, hub: Hub) -> bool:
    owner = state.users.get(hub.owner_id)
    return owner is not None and owner.enterprise_id == state.enterprise.id


def admin_of(state: State, user: User, hub: Hub) -> bool:
    """Enterprise admins manage every hub of their enterprise (Admin Console, Content → Hubs);
    the sandbox gives them the same rights through the API."""
    return is_enterprise_admin(state, user) and in_enterprise(state, hub)


def get_hub(state: State, actor: User, hub_id: str) -> Hub:
    hub = state.hubs.get(hub_id)
    if hub is None or (hub_role(state, actor, hub) is None and not admin_of(state, actor, hub)):
        raise NotFound(
            f"Not Found: hub '{hub_id}'", context_info=invalid_parameter("hub_id", hub_id)
        )
    return hub


def require(state: State, actor: User, hub: Hub, roles: tuple[str, ...], doing: str) -> None:
    if hub_role(state, actor, hub) not in roles and not admin_of(state, actor, hub):
        raise Forbidden(f"Only the hub's {', '.join(roles)} may {doing}")


def inviters(hub: Hub) -> tuple[str, ...]:
    return ("owner", "co-owner", "editor") if hub.can_non_owners_invite else ("owner", "co-owner")


# --- hubs ----------------------------------------------------------------------------------


def checked_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip() or len(title) >= MAX_TITLE:
        raise BadRequest(
            f"'title' must be non-empty and shorter than {MAX_TITLE} characters",
            context_info=invalid_parameter("title", title),
        )
    return title


def create_hub(state: State, actor: User, body: JSON) -> Hub:
    now = state.now()
    hub = Hub(
        id=state.new_id(),
        title=checked_title(body.get("title")),
        owner_id=actor.id,
        description=str(body.get("description") or ""),
        created_at=now,
        updated_at=now,
        updated_by_id=actor.id,
    )
    state.hubs[hub.id] = hub
    return hub


def update_hub(state: State, actor: User, hub: Hub, body: JSON) -> Hub:
    require(state, actor, hub, ("owner", "co-owner"), "change it")
    if "title" in body:
        hub.title = checked_title(body["title"])
    if "description" in body:
        hub.description = str(body["description"] or "")
    for name in SETTINGS:
        if name in body:
            if not isinstance(body[name], bool):
                raise BadRequest(
                    f"Invalid {name}", context_info=invalid_parameter(name, body[name])
                )
            setattr(hub, name, body[name])
    if "copy_hub_access" in body:
        if body["copy_hub_access"] not in COPY_ACCESS:
            raise BadRequest(
                "Invalid copy_hub_access",
                context_info=invalid_parameter("copy_hub_access", body["copy_hub_access"]),
            )
        hub.copy_hub_access = body["copy_hub_access"]
    hub.updated_at, hub.updated_by_id = state.now(), actor.id
    return hub


def delete_hub(state: State, actor: User, hub: Hub) -> None:
    require(state, actor, hub, ("owner",), "delete it")
    for collab in collaborations_of(state, hub.id):
        del state.hub_collaborations[collab.id]
    state.hub_items = [i for i in state.hub_items if i.hub_id != hub.id]
    del state.hubs[hub.id]


def sorted_hubs(call: Call, hubs: list[Hub]) -> list[Hub]:
    query = (call.param("query") or "").casefold()
    found = [h for h in hubs if query in h.title.casefold() or query in h.description.casefold()]
    sort = call.param("sort") or "relevance"
    if sort not in SORT_KEYS:
        # last_accessed_at needs a history of visits the sandbox does not keep
        raise NotImplementedInSandbox(f"Sorting hubs by '{sort}' is not implemented by the sandbox")
    direction = (call.param("direction") or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise BadRequest(
            "Invalid direction", context_info=invalid_parameter("direction", direction)
        )
    keys = {
        "name": lambda h: (h.title.casefold(), id_order(h.id)),
        "updated_at": lambda h: (h.updated_at, id_order(h.id)),
        "view_count": lambda h: (h.view_count, id_order(h.id)),
        # no search ranking to speak of: creation order is as relevant as any
        "relevance": lambda h: (0, id_order(h.id)),
    }
    return sorted(found, key=keys[sort], reverse=direction == "DESC")


def id_order(ident: str) -> int:
    return int(ident) if ident.isdigit() else 0


def hubs_of(state: State, actor: User, scope: str) -> list[Hub]:
    if scope not in SCOPES:
        raise BadRequest("Invalid scope", context_info=invalid_parameter("scope", scope))
    return [h for h in state.hubs.values() if hub_role(state, actor, h) in SCOPES[scope]]


# --- hub membership ------------------------------------------------------------------------


def collaborations_of(state: State, hub_id: str) -> list[HubCollaboration]:
    found = [c for c in state.hub_collaborations.values() if c.hub_id == hub_id]
    return sorted(found, key=lambda c: id_order(c.id))


# --- hub items -----------------------------------------------------------------------------


def items_of(state: State, hub_id: str) -> list[HubItem]:
    return [i for i in state.hub_items if i.hub_id == hub_id]


def apply_operation(state: State, actor: User, hub: Hub, operation: object) -> JSON:
    """One ``manage_items`` operation: its result carries its own status, as in a 207 reply."""
    if not isinstance(operation, dict):
        return {"status": 400, "error": "An operation must be an object"}
    action, item = operation.get("action"), operation.get("item")
    result: JSON = {"action": action, "item": item}
    if "parent_id" in operation:
        result["parent_id"] = operation["parent_id"]
        return {
            **result,
            "status": 501,
            "error": "Item list blocks are not implemented by the sandbox",
        }
    if action not in ("add", "remove") or not isinstance(item, dict):
        return {**result, "status": 400, "error": "'action' must be add or remove, with an 'item'"}
    kind, ident = item.get("type"), str(item.get("id", ""))
    if kind == "web_link":
        return {**result, "status": 501, "error": "Web links are not implemented by the sandbox"}
    table = state.files if kind == "file" else state.folders if kind == "folder" else None
    if table is None or ident not in table or not can_see(state, actor.id, str(kind), ident):
        return {**result, "status": 404, "error": "Item not found"}
    present = [i for i in items_of(state, hub.id) if (i.item_type, i.item_id) == (kind, ident)]
    if action == "add":
        if present:
            return {**result, "status": 409, "error": "The item is already in the hub"}
        state.hub_items.append(HubItem(hub_id=hub.id, item_type=str(kind), item_id=ident))
    else:
        if not present:
            return {**result, "status": 404, "error": "The item is not in the hub"}
        state.hub_items.remove(present[0])
    return {**result, "status": 200}


# --- handlers ------------------------------------------------------------------------------


def handle_list_hubs(call: Call) -> Reply:
    hubs = sorted_hubs(call, hubs_of(call.state, call.actor, call.param("scope") or "all"))
    return Reply(
        200, without_prev_marker(marker_page(call, [hub_view(call.state, h) for h in hubs]))
    )


def handle_enterprise_hubs(call: Call) -> Reply:
    if not is_enterprise_admin(call.state, call.actor):
        raise Forbidden("Only enterprise admins can list the enterprise's hubs")
    hubs = sorted_hubs(call, [h for h in call.state.hubs.values() if in_enterprise(call.state, h)])
    return Reply(
        200, without_prev_marker(marker_page(call, [hub_view(call.state, h) for h in hubs]))
    )


def handle_create_hub(call: Call) -> Reply:
    return Reply(201, hub_view(call.state, create_hub(call.state, call.actor, call.json())))


def handle_get_hub(call: Call) -> Reply:
    return Reply(200, hub_view(call.state, get_hub(call.state, call.actor, call.args["hub_id"])))


def handle_update_hub(call: Call) -> Reply:
    hub = get_hub(call.state, call.actor, call.args["hub_id"])
    update_hub(call.state, call.actor, hub, call.json(required=False))
    return Reply(200, hub_view(call.state, hub))


def handle_delete_hub(call: Call) -> Reply:
    delete_hub(call.state, call.actor, get_hub(call.state, call.actor, call.args["hub_id"]))
    return Reply(204)


def required_hub_id(call: Call) -> str:
    hub_id = call.param("hub_id")
    if not hub_id:
        raise BadRequest("'hub_id' is required", context_info=invalid_parameter("hub_id", hub_id))
    return hub_id


def handle_list_items(call: Call) -> Reply:
    hub = get_hub(call.state, call.actor, required_hub_id(call))
    entries = [item_view(call.state, i) for i in items_of(call.state, hub.id)]
    return Reply(200, without_prev_marker(marker_page(call, entries)))


def handle_manage_items(call: Call) -> Reply:
    hub = get_hub(call.state, call.actor, call.args["hub_id"])
    require(call.state, call.actor, hub, ("owner", "co-owner", "editor"), "change its items")
    operations = call.json().get("operations")
    if not isinstance(operations, list):
        raise BadRequest(
            "'operations' must be a list", context_info=invalid_parameter("operations", operations)
        )
    results = [apply_operation(call.state, call.actor, hub, op) for op in operations]
    return Reply(207, {"operations": results})


PAGING = ("marker", "limit")
HUB_LIST = ("query", "sort", "direction", *PAGING)


def hub_route(
    method: str, rule: str, handler: Handler, params: tuple[str, ...] = (), *, writes: bool = False
) -> Route:
    """Every hub endpoint answers only calls that send ``box-version: 2025.0``."""
    return Route(method, rule, handler, params=params, box_version=VERSION, writes=writes)


ROUTES = [
    hub_route("GET", "/2.0/hubs", handle_list_hubs, ("scope", *HUB_LIST)),
    hub_route("POST", "/2.0/hubs", handle_create_hub, writes=True),
    hub_route("GET", "/2.0/enterprise_hubs", handle_enterprise_hubs, HUB_LIST),
    hub_route("GET", "/2.0/hubs/<hub_id>", handle_get_hub),
    hub_route("PUT", "/2.0/hubs/<hub_id>", handle_update_hub, writes=True),
    hub_route("DELETE", "/2.0/hubs/<hub_id>", handle_delete_hub, writes=True),
    hub_route("GET", "/2.0/hub_items", handle_list_items, ("hub_id", *PAGING)),
    hub_route("POST", "/2.0/hubs/<hub_id>/manage_items", handle_manage_items, writes=True),
]
