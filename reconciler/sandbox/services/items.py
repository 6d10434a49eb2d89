"""Folders and files: reading, creating, renaming, moving and deleting them (listings apart)."""

from __future__ import annotations

from reconciler.sandbox.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    invalid_parameter,
)
from reconciler.sandbox.routing import (
    JSON,
    Call,
    Reply,
    Route,
    refuse_unimplemented,
    require_text,
)
from reconciler.sandbox.services.access import (
    DOWNLOAD_ROLES,
    MANAGE_ROLES,
    ROOT_FOLDER_ID,
    UPLOAD_ROLES,
    ancestors,
    require_role,
    visible_item,
)
from reconciler.sandbox.services.events import record_download, record_item, with_access
from reconciler.sandbox.services.folder_items import children, collection_view, kind_of, subtree
from reconciler.sandbox.services.item_views import (
    file_mini,
    file_view,
    folder_mini,
    folder_size,
    folder_view,
)
from reconciler.sandbox.services.trash import put_in_trash
from reconciler.sandbox.state import File, Folder, State, User

# --- request bodies ------------------------------------------------------------------------


def parent_id_of(body: JSON) -> str:
    parent = body.get("parent")
    if not isinstance(parent, dict) or not isinstance(parent.get("id"), str):
        raise BadRequest(
            "'parent.id' is required", context_info=invalid_parameter("parent", parent)
        )
    return str(parent["id"])


def check_name(name: str) -> str:
    """Box's naming rules: 1-255 characters, no slashes, not "." or "..", no edge spaces."""
    bad = (
        not name
        or len(name) > 255
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or name != name.strip()
    )
    if bad:
        raise BadRequest(
            "Item name invalid",
            code="item_name_invalid",
            context_info=invalid_parameter("name", name),
        )
    return name


# --- state operations ----------------------------------------------------------------------


def name_conflict(state: State, parent_id: str, name: str, except_id: str | None = None) -> None:
    """Names are unique in a folder, across files and folders, ignoring case (409 like Box)."""
    for item in children(state, parent_id):
        if item.id != except_id and item.name.casefold() == name.casefold():
            view = file_mini(item) if isinstance(item, File) else folder_mini(item)
            raise Conflict(
                "Item with the same name already exists",
                code="item_name_in_use",
                context_info={"conflicts": [view]},
            )


def owner_for_new_item(state: State, actor: User, parent_id: str) -> str:
    """Box gives what a collaborator adds to the folder's owner; in "All Files", the actor."""
    if parent_id == ROOT_FOLDER_ID:
        return actor.id
    return state.folders[parent_id].owner_id


def placement(state: State, actor: User, body: JSON) -> tuple[str, str]:
    """The checked name and parent of a new folder or file: the actor may add to the parent, and
    the name is valid and free there."""
    name = check_name(require_text(body, "name"))
    parent_id = parent_id_of(body)
    require_role(state, actor.id, "folder", parent_id, UPLOAD_ROLES)
    name_conflict(state, parent_id, name)
    return name, parent_id


def create_folder(state: State, actor: User, body: JSON) -> Folder:
    refuse_unimplemented(body, ("name", "parent"), "POST /folders")
    name, parent_id = placement(state, actor, body)
    now = state.now()
    folder = Folder(
        id=state.new_id(),
        name=name,
        parent_id=parent_id,
        owner_id=owner_for_new_item(state, actor, parent_id),
        created_at=now,
        modified_at=now,
        created_by_id=actor.id,
    )
    state.folders[folder.id] = folder
    return folder


def move_target(state: State, actor: User, item: Folder | File, body: JSON) -> str:
    """The new parent of a moved item, refusing moves into the item itself."""
    parent_id = parent_id_of(body)
    require_role(state, actor.id, "folder", parent_id, UPLOAD_ROLES)
    if isinstance(item, Folder) and any(
        ident == item.id for _, ident in ancestors(state, "folder", parent_id)
    ):
        raise BadRequest(
            "Cannot move a folder into itself or its subfolders",
            code="bad_request",
            context_info=invalid_parameter("parent", parent_id),
        )
    return parent_id


def update_item(state: State, actor: User, item: Folder | File, body: JSON, endpoint: str) -> None:
    """Rename, describe or move a folder or file."""
    refuse_unimplemented(body, ("name", "description", "parent"), endpoint)
    kind = kind_of(item)
    if kind == "folder" and item.id == ROOT_FOLDER_ID:
        raise Forbidden()
    require_role(state, actor.id, kind, item.id, MANAGE_ROLES)
    parent_id = move_target(state, actor, item, body) if "parent" in body else item.parent_id
    assert parent_id is not None
    name = check_name(require_text(body, "name")) if "name" in body else item.name
    description = body.get("description", item.description)
    if not isinstance(description, str):
        raise BadRequest(
            "Invalid value for 'description'",
            context_info=invalid_parameter("description", description),
        )
    name_conflict(state, parent_id, name, except_id=item.id)
    moved = parent_id != item.parent_id
    seen_before = with_access(state, kind, item.id) if moved else set()
    item.name, item.parent_id, item.description = name, parent_id, description
    item.sequence_id += 1
    item.modified_at = state.now()
    if moved:
        record_item(state, actor, "move", item, seen_before=seen_before)


def forget_items(state: State, folder_ids: list[str], file_ids: list[str]) -> None:
    """Remove items and everything that hangs on them: collaborations, tasks, hub entries."""
    gone = {("folder", i) for i in folder_ids} | {("file", i) for i in file_ids}
    for collab in [c for c in state.collaborations.values() if (c.item_type, c.item_id) in gone]:
        del state.collaborations[collab.id]
    for task in [t for t in state.tasks.values() if t.file_id in file_ids]:
        del state.tasks[task.id]
    for assignment in [a for a in state.task_assignments.values() if a.file_id in file_ids]:
        del state.task_assignments[assignment.id]
    for hook in [w for w in state.webhooks.values() if (w.target_type, w.target_id) in gone]:
        del state.webhooks[hook.id]
    state.hub_items = [h for h in state.hub_items if (h.item_type, h.item_id) not in gone]
    for folder_id in folder_ids:
        del state.folders[folder_id]
    for file_id in file_ids:
        del state.files[file_id]


def delete_folder(state: State, actor: User, folder: Folder, *, recursive: bool) -> None:
    if folder.id == ROOT_FOLDER_ID:
        raise Forbidden()
    require_role(state, actor.id, "folder", folder.id, MANAGE_ROLES)
    folder_ids, file_ids = subtree(state, folder.id)
    if (len(folder_ids) > 1 or file_ids) and not recursive:
        raise BadRequest("Folder is not empty", code="folder_not_empty")
    put_in_trash(state, actor, folder, folder_size(state, folder.id))
    forget_items(state, folder_ids, file_ids)


def delete_file(state: State, actor: User, file: File) -> None:
    require_role(state, actor.id, "file", file.id, MANAGE_ROLES)
    put_in_trash(state, actor, file, file.size)
    forget_items(state, [], [file.id])


def not_modified(call: Call, item: Folder | File) -> bool:
    etag = call.headers.get("if-none-match")
    return etag is not None and etag.strip('"') == str(item.sequence_id)


# --- handlers ------------------------------------------------------------------------------


def folder_reply(call: Call, folder: Folder, status: int = 200) -> Reply:
    view = folder_view(call.state, call.actor, folder, collection_view(call, folder), call.fields())
    return Reply(status, view)


def handle_get_folder(call: Call) -> Reply:
    folder = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    assert isinstance(folder, Folder)
    if not_modified(call, folder):
        return Reply(304)
    return folder_reply(call, folder, 200)


def handle_create_folder(call: Call) -> Reply:
    folder = create_folder(call.state, call.actor, call.json())
    return folder_reply(call, folder, 201)


def handle_update_folder(call: Call) -> Reply:
    folder = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    update_item(call.state, call.actor, folder, call.json(required=False), "PUT /folders/{id}")
    assert isinstance(folder, Folder)
    return folder_reply(call, folder, 200)


def handle_delete_folder(call: Call) -> Reply:
    folder = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    assert isinstance(folder, Folder)
    delete_folder(call.state, call.actor, folder, recursive=call.flag("recursive"))
    return Reply(204)


def handle_get_file(call: Call) -> Reply:
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    if not_modified(call, file):
        return Reply(304)
    return Reply(200, file_view(call.state, call.actor, file, call.fields()))


def handle_download_file(call: Call) -> Reply:
    """``GET /files/{id}/content``: Box answers with a redirect to its download server; the
    sandbox keeps no content, so it answers the bytes of a placeholder at once. The download
    is an event for the file's owner (``ITEM_DOWNLOAD``)."""
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    require_role(call.state, call.actor.id, "file", file.id, DOWNLOAD_ROLES)
    record_download(call.state, call.actor, file)
    return Reply(200, f"{file.name}\n".encode())


def handle_update_file(call: Call) -> Reply:
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    update_item(call.state, call.actor, file, call.json(required=False), "PUT /files/{id}")
    return Reply(200, file_view(call.state, call.actor, file, call.fields()))


def handle_delete_file(call: Call) -> Reply:
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    delete_file(call.state, call.actor, file)
    return Reply(204)


ROUTES = [
    Route(
        "GET",
        "/2.0/folders/<folder_id>",
        handle_get_folder,
        params=("fields", "sort", "direction", "offset", "limit"),
    ),
    Route("POST", "/2.0/folders", handle_create_folder, params=("fields",), writes=True),
    Route("PUT", "/2.0/folders/<folder_id>", handle_update_folder, params=("fields",), writes=True),
    Route(
        "DELETE",
        "/2.0/folders/<folder_id>",
        handle_delete_folder,
        params=("recursive",),
        writes=True,
    ),
    Route("GET", "/2.0/files/<file_id>", handle_get_file, params=("fields",)),
    Route(
        "GET",
        "/2.0/files/<file_id>/content",
        handle_download_file,
        params=("version", "access_token"),
        writes=True,  # the event it records
    ),
    Route("PUT", "/2.0/files/<file_id>", handle_update_file, params=("fields",), writes=True),
    Route("DELETE", "/2.0/files/<file_id>", handle_delete_file, writes=True),
]
