"""A folder's items: its children and subtree, and what a caller sees listed in it, in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.sandbox.errors import BadRequest, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, page
from reconciler.sandbox.services.access import ROOT_FOLDER_ID, can_see, holds, visible_item
from reconciler.sandbox.services.item_views import entry_view
from reconciler.sandbox.state import File, Folder, State, User

SORT_KEYS = ("id", "name", "date", "size")
ITEM_COLLECTION_LIMIT = 100


def children(state: State, folder_id: str) -> list[Folder | File]:
    folders: list[Folder | File] = [
        f for f in state.folders.values() if f.parent_id == folder_id and f.id != folder_id
    ]
    files: list[Folder | File] = [f for f in state.files.values() if f.parent_id == folder_id]
    return folders + files


def subtree(state: State, folder_id: str) -> tuple[list[str], list[str]]:
    """Folder ids (the folder first) and file ids at or below a folder."""
    folder_ids, file_ids = [folder_id], []
    for item in children(state, folder_id):
        if isinstance(item, File):
            file_ids.append(item.id)
        else:
            sub_folders, sub_files = subtree(state, item.id)
            folder_ids += sub_folders
            file_ids += sub_files
    return folder_ids, file_ids


def kind_of(item: Folder | File) -> str:
    return "file" if isinstance(item, File) else "folder"


def listed_children(state: State, actor: User, folder_id: str) -> list[Folder | File]:
    """What the actor sees in a folder. In "All Files" that is their own top-level items plus
    everything shared with them directly whose parent they cannot see (as Box shows it)."""
    inside = [
        item
        for item in children(state, folder_id)
        if can_see(state, actor.id, kind_of(item), item.id)
    ]
    if folder_id != ROOT_FOLDER_ID:
        return inside
    shared: list[Folder | File] = []
    for collab in state.collaborations.values():
        if collab.status != "accepted" or not holds(state, collab, actor.id):
            continue
        table: dict[str, Any] = state.folders if collab.item_type == "folder" else state.files
        item = table.get(collab.item_id)
        if item is None or item.parent_id == ROOT_FOLDER_ID or item in shared:
            continue
        if not can_see(state, actor.id, "folder", item.parent_id):
            shared.append(item)
    return inside + shared


def sort_items(
    items: list[Folder | File], sort: str | None, direction: str | None
) -> list[Folder | File]:
    """Folders first, then files; ``sort``/``direction`` order each group (name by default)."""
    by = sort or "name"
    if by not in SORT_KEYS:
        raise BadRequest("Invalid value for 'sort'", context_info=invalid_parameter("sort", by))
    order = (direction or "ASC").upper()
    if order not in ("ASC", "DESC"):
        raise BadRequest(
            "Invalid value for 'direction'", context_info=invalid_parameter("direction", direction)
        )
    keys: dict[str, Callable[[Folder | File], Any]] = {
        "id": lambda i: int(i.id) if i.id.isdigit() else 0,
        "name": lambda i: i.name.casefold(),
        "date": lambda i: i.modified_at,
        "size": lambda i: i.size if isinstance(i, File) else 0,
    }
    folders = sorted(
        (i for i in items if isinstance(i, Folder)), key=keys[by], reverse=order == "DESC"
    )
    files = sorted((i for i in items if isinstance(i, File)), key=keys[by], reverse=order == "DESC")
    return [*folders, *files]


# --- handlers ------------------------------------------------------------------------------


def listed(call: Call, folder_id: str) -> list[Folder | File]:
    """The folder's items the caller sees, in the order the call's ``sort``/``direction`` ask."""
    items = listed_children(call.state, call.actor, folder_id)
    return sort_items(items, call.param("sort"), call.param("direction"))


def collection_view(call: Call, folder: Folder) -> JSON:
    items = listed(call, folder.id)
    limit = call.limit(ITEM_COLLECTION_LIMIT)
    offset = call.integer("offset", 0)
    return {
        "total_count": len(items),
        "entries": [
            entry_view(call.state, call.actor, i, None) for i in items[offset : offset + limit]
        ],
        "offset": offset,
        "limit": limit,
        "order": order_view(call),
    }


def order_view(call: Call) -> list[JSON]:
    return [
        {"by": "type", "direction": "ASC"},
        {
            "by": call.param("sort") or "name",
            "direction": (call.param("direction") or "ASC").upper(),
        },
    ]


def handle_folder_items(call: Call) -> Reply:
    folder = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    marker_mode = call.flag("usemarker") or bool(call.param("marker"))
    if marker_mode and folder.id == ROOT_FOLDER_ID and call.param("sort"):
        raise BadRequest(
            "Sorting is not supported with marker paging on the root folder",
            context_info=invalid_parameter("sort", call.param("sort")),
        )
    items = listed(call, folder.id)
    fields = call.fields()
    entries = [entry_view(call.state, call.actor, i, fields) for i in items]
    body = page(call, entries, default_limit=100)
    if not marker_mode:
        body["order"] = order_view(call)
    return Reply(200, body)


ROUTES = [
    Route(
        "GET",
        "/2.0/folders/<folder_id>/items",
        handle_folder_items,
        params=("fields", "usemarker", "marker", "offset", "limit", "sort", "direction"),
    ),
]
