"""Listings of collaborations: an item's, a group's, and the caller's pending invitations."""

from __future__ import annotations

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.routing import Call, Reply, Route, marker_page, offset_page
from reconciler.sandbox.services.access import (
    ROOT_FOLDER_ID,
    collaborations_on,
    holds,
    item_not_found,
    visible_item,
)
from reconciler.sandbox.services.collaboration_views import (
    collaboration_full,
    collaboration_view,
    sort_key,
)
from reconciler.sandbox.services.groups import get_group
from reconciler.sandbox.state import is_admin


def item_collaborations(call: Call, item_type: str, item_id: str) -> Reply:
    if item_type == "folder" and item_id == ROOT_FOLDER_ID:
        raise item_not_found(item_type, item_id)
    visible_item(call.state, call.actor.id, item_type, item_id)
    entries = [
        collaboration_view(call, c) for c in collaborations_on(call.state, item_type, item_id)
    ]
    return Reply(200, marker_page(call, entries, default_limit=100))


def handle_folder_collaborations(call: Call) -> Reply:
    return item_collaborations(call, "folder", call.args["folder_id"])


def handle_file_collaborations(call: Call) -> Reply:
    return item_collaborations(call, "file", call.args["file_id"])


def handle_pending(call: Call) -> Reply:
    status = call.param("status")
    if status != "pending":
        raise BadRequest(
            "'status' is required and must be 'pending'",
            context_info=invalid_parameter("status", status),
        )
    mine = sorted(
        (
            c
            for c in call.state.collaborations.values()
            if c.status == "pending"
            and c.accessible_by_type == "user"
            and holds(call.state, c, call.actor.id)
        ),
        key=sort_key,
    )
    entries = [collaboration_view(call, c, with_item=False) for c in mine]
    return Reply(200, offset_page(call, entries))


def handle_group_collaborations(call: Call) -> Reply:
    if not is_admin(call.actor):
        raise Forbidden()
    group = get_group(call.state, call.args["group_id"])
    held = sorted(
        (
            c
            for c in call.state.collaborations.values()
            if c.accessible_by_type == "group" and c.accessible_by_id == group.id
        ),
        key=sort_key,
    )
    entries = [collaboration_full(call.state, c) for c in held]
    return Reply(200, offset_page(call, entries))


ROUTES = [
    Route(
        "GET", "/2.0/collaborations", handle_pending, params=("status", "fields", "offset", "limit")
    ),
    Route(
        "GET",
        "/2.0/folders/<folder_id>/collaborations",
        handle_folder_collaborations,
        params=("fields", "limit", "marker"),
    ),
    Route(
        "GET",
        "/2.0/files/<file_id>/collaborations",
        handle_file_collaborations,
        params=("fields", "limit", "marker"),
    ),
    Route(
        "GET",
        "/2.0/groups/<group_id>/collaborations",
        handle_group_collaborations,
        params=("limit", "offset"),
    ),
]
