"""Copies of files and folders (``POST /files/{id}/copy``, ``POST /folders/{id}/copy``).

A copy needs download rights on the source and upload rights on the destination, like Box; a
folder is copied with everything below it, but never its collaborations or tasks (Box copies
neither). Each copy records one ITEM_COPY / COPY event about the new item (a folder's contents
raise none of their own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, refuse_unimplemented
from reconciler.sandbox.services.access import (
    DOWNLOAD_ROLES,
    ROOT_FOLDER_ID,
    UPLOAD_ROLES,
    ancestors,
    require_role,
    visible_item,
)
from reconciler.sandbox.services.events import record_item
from reconciler.sandbox.services.folder_items import children
from reconciler.sandbox.services.item_views import file_view
from reconciler.sandbox.services.items import (
    check_name,
    folder_reply,
    name_conflict,
    owner_for_new_item,
    parent_id_of,
)
from reconciler.sandbox.state import File, Folder, State, User

# --- state operations ----------------------------------------------------------------------


def copy_target(
    state: State, actor: User, kind: str, item: Folder | File, body: JSON
) -> tuple[str, str]:
    """The checked (name, parent id) of the copy: the actor may read the item and add to the
    parent, the name is free there, and a folder is not copied into itself."""
    require_role(state, actor.id, kind, item.id, DOWNLOAD_ROLES)
    parent_id = parent_id_of(body)
    require_role(state, actor.id, "folder", parent_id, UPLOAD_ROLES)
    if kind == "folder" and any(
        ident == item.id for _, ident in ancestors(state, "folder", parent_id)
    ):
        raise BadRequest(
            "Cannot copy a folder into itself or its subfolders",
            code="bad_request",
            context_info=invalid_parameter("parent", parent_id),
        )
    raw_name = body.get("name", item.name)
    if not isinstance(raw_name, str):
        raise BadRequest(
            "Invalid value for 'name'", context_info=invalid_parameter("name", raw_name)
        )
    name = check_name(raw_name)
    name_conflict(state, parent_id, name)
    return name, parent_id


Item = TypeVar("Item", Folder, File)


def fresh_copy(
    state: State, actor: User, item: Item, parent_id: str, owner_id: str, name: str
) -> Item:
    """The item under a new id in its new place, created now by the actor."""
    now = state.now()
    copy = replace(item, id=state.new_id(), name=name, parent_id=parent_id, owner_id=owner_id)
    copy.created_at = copy.modified_at = now
    copy.created_by_id, copy.sequence_id = actor.id, 0
    return copy


def copy_tree(
    state: State, actor: User, folder: Folder, parent_id: str, owner_id: str, name: str
) -> Folder:
    """The folder and everything in it, copied under ``parent_id``."""
    copy = fresh_copy(state, actor, folder, parent_id, owner_id, name)
    state.folders[copy.id] = copy
    for child in children(state, folder.id):
        if isinstance(child, Folder):
            copy_tree(state, actor, child, copy.id, owner_id, child.name)
        else:
            copy_file(state, actor, child, copy.id, owner_id, child.name)
    return copy


def copy_file(
    state: State, actor: User, file: File, parent_id: str, owner_id: str, name: str
) -> File:
    """The same content as a new file, with a version of its own."""
    copy = fresh_copy(state, actor, file, parent_id, owner_id, name)
    copy.version_id = state.new_id()
    state.files[copy.id] = copy
    return copy


# --- handlers ------------------------------------------------------------------------------


def handle_copy_folder(call: Call) -> Reply:
    folder = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    assert isinstance(folder, Folder)
    body = call.json()
    refuse_unimplemented(body, ("name", "parent"), "POST /folders/{id}/copy")
    if folder.id == ROOT_FOLDER_ID:
        raise Forbidden("The root folder cannot be copied", code="forbidden")
    name, parent_id = copy_target(call.state, call.actor, "folder", folder, body)
    owner_id = owner_for_new_item(call.state, call.actor, parent_id)
    copy = copy_tree(call.state, call.actor, folder, parent_id, owner_id, name)
    record_item(call.state, call.actor, "copy", copy)
    return folder_reply(call, copy, 201)


def handle_copy_file(call: Call) -> Reply:
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    body = call.json()
    refuse_unimplemented(body, ("name", "parent"), "POST /files/{id}/copy")
    name, parent_id = copy_target(call.state, call.actor, "file", file, body)
    owner_id = owner_for_new_item(call.state, call.actor, parent_id)
    copy = copy_file(call.state, call.actor, file, parent_id, owner_id, name)
    record_item(call.state, call.actor, "copy", copy)
    return Reply(201, file_view(call.state, call.actor, copy, call.fields()))


ROUTES = [
    Route(
        "POST", "/2.0/folders/<folder_id>/copy", handle_copy_folder, params=("fields",), writes=True
    ),
    Route("POST", "/2.0/files/<file_id>/copy", handle_copy_file, params=("fields",), writes=True),
]
