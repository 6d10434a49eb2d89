"""The trash: a deleted folder or file waits in its owner's trash until purged (restore is 501)."""

from __future__ import annotations

from reconciler.sandbox.errors import NotFound
from reconciler.sandbox.routing import JSON, Call, Reply, Route, pick_fields
from reconciler.sandbox.services.item_views import FILE_MINI, FOLDER_MINI, folder_mini
from reconciler.sandbox.services.users import user_mini
from reconciler.sandbox.state import File, Folder, State, TrashedItem, User

#: Box shows trashed items inside a folder "Trash" with this id
TRASH_FOLDER = {"type": "folder", "id": "1", "sequence_id": None, "etag": None, "name": "Trash"}


# --- state operations ----------------------------------------------------------------------


def put_in_trash(state: State, actor: User, item: Folder | File, size: int) -> None:
    """Keep what Box's trash shows of an item that is being deleted."""
    assert item.parent_id is not None, "the root folder is never deleted"
    kind = "file" if isinstance(item, File) else "folder"
    state.trashed_items[item.id] = TrashedItem(
        id=item.id,
        type=kind,
        name=item.name,
        parent_id=item.parent_id,
        owner_id=item.owner_id,
        trashed_by_id=actor.id,
        trashed_at=state.now(),
        description=item.description,
        size=size,
        created_at=item.created_at,
        modified_at=item.modified_at,
        sequence_id=item.sequence_id + 1,
        sha1=item.sha1 if isinstance(item, File) else "",
        version_id=item.version_id if isinstance(item, File) else "",
    )


def trashed(state: State, actor: User, kind: str, item_id: str) -> TrashedItem:
    """The item in the actor's trash: theirs to see only when they own it."""
    item = state.trashed_items.get(item_id)
    if item is None or item.type != kind or item.owner_id != actor.id:
        raise NotFound(f"Could not find the specified trashed {kind}")
    return item


# --- views ---------------------------------------------------------------------------------


def trashed_view(state: State, item: TrashedItem) -> JSON:
    owner = state.users.get(item.owner_id)
    trasher = state.users.get(item.trashed_by_id) or owner
    parent = state.folders.get(item.parent_id)
    view: JSON = {
        "type": item.type,
        "id": item.id,
        "sequence_id": str(item.sequence_id),
        "etag": str(item.sequence_id),
        "name": item.name,
        "description": item.description,
        "size": item.size,
        "path_collection": {"total_count": 1, "entries": [dict(TRASH_FOLDER)]},
        "created_at": item.created_at,
        "modified_at": item.modified_at,
        "trashed_at": item.trashed_at,
        "purged_at": None,
        "content_created_at": item.created_at,
        "content_modified_at": item.modified_at,
        "created_by": user_mini(owner) if owner else None,
        "modified_by": user_mini(trasher) if trasher else None,
        "owned_by": user_mini(owner) if owner else None,
        "shared_link": None,
        "parent": folder_mini(parent) if parent else None,
        "item_status": "trashed",
    }
    if item.type == "folder":
        view["folder_upload_email"] = None
    else:
        view["sha1"] = item.sha1
        view["file_version"] = {"type": "file_version", "id": item.version_id, "sha1": item.sha1}
    return view


# --- handlers ------------------------------------------------------------------------------


def handle_get(kind: str) -> Route:
    def handler(call: Call) -> Reply:
        item = trashed(call.state, call.actor, kind, call.args["item_id"])
        mini = FOLDER_MINI if kind == "folder" else FILE_MINI
        return Reply(200, pick_fields(trashed_view(call.state, item), mini, call.fields()))

    return Route("GET", f"/2.0/{kind}s/<item_id>/trash", handler, params=("fields",))


def handle_purge(kind: str) -> Route:
    def handler(call: Call) -> Reply:
        item = trashed(call.state, call.actor, kind, call.args["item_id"])
        del call.state.trashed_items[item.id]
        return Reply(204)

    return Route("DELETE", f"/2.0/{kind}s/<item_id>/trash", handler, writes=True)


ROUTES = [route for kind in ("folder", "file") for route in (handle_get(kind), handle_purge(kind))]
