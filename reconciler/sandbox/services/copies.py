"""Copies of files and folders (``POST /files/{id}/copy``, ``POST /folders/{id}/copy``).

A copy needs download rights on the source and upload rights on the destination, like Box; a
folder is copied with everything below it, but never its collaborations (Box does not copy
those either). Each copy records one ITEM_COPY / COPY event, about the new item.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, pick_fields, refuse_unimplemented
from reconciler.sandbox.services.access import (
    DOWNLOAD_ROLES,
    ROOT_FOLDER_ID,
    UPLOAD_ROLES,
    ancestors,
    require_role,
    visible_item,
)
from reconciler.sandbox.services.events import record_item
from reconciler.sandbox.services.item_views import FOLDER_MINI, file_view, folder_full
from reconciler.sandbox.services.items import (
    check_name,
    children,
    collection_view,
    name_conflict,
    owner_for_new_item,
    parent_id_of,
)
from reconciler.sandbox.state import File, Folder, State, User


def destination(
    state: State, actor: User, source: Folder | File, body: JSON, endpoint: str
) -> tuple[str, str]:
    """The checked parent and name of the copy."""
    refuse_unimplemented(body, ("name", "parent"), endpoint)
    kind = "file" if isinstance(source, File) else "folder"
    require_role(state, actor.id, kind, source.id, DOWNLOAD_ROLES)
    parent_id = parent_id_of(body)
    require_role(state, actor.id, "folder", parent_id, UPLOAD_ROLES)
    raw_name = body.get("name", source.name)
    if not isinstance(raw_name, str):
        raise BadRequest(
            "Invalid value for 'name'", context_info=invalid_parameter("name", raw_name)
        )
    name = check_name(raw_name)
    name_conflict(state, parent_id, name)
    return parent_id, name


def copy_file(state: State, actor: User, source: File, parent_id: str, name: str) -> File:
    now = state.now()
    copy = replace(
        source,
        id=state.new_id(),
        name=name,
        parent_id=parent_id,
        owner_id=owner_for_new_item(state, actor, parent_id),
        version_id=state.new_id(),
        created_at=now,
        modified_at=now,
        sequence_id=0,
        created_by_id=actor.id,
    )
    state.files[copy.id] = copy
    return copy


def copy_folder(state: State, actor: User, source: Folder, parent_id: str, name: str) -> Folder:
    now = state.now()
    copy = replace(
        source,
        id=state.new_id(),
        name=name,
        parent_id=parent_id,
        owner_id=owner_for_new_item(state, actor, parent_id),
        created_at=now,
        modified_at=now,
        sequence_id=0,
        created_by_id=actor.id,
    )
    state.folders[copy.id] = copy
    for child in children(state, source.id):
        if isinstance(child, File):
            copy_file(state, actor, child, copy.id, child.name)
        else:
            copy_folder(state, actor, child, copy.id, child.name)
    return copy


# --- handlers ------------------------------------------------------------------------------


def handle_copy_file(call: Call) -> Reply:
    source = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(source, File)
    parent_id, name = destination(
        call.state, call.actor, source, call.json(), "POST /files/{id}/copy"
    )
    copy = copy_file(call.state, call.actor, source, parent_id, name)
    record_item(call.state, call.actor, "copy", copy)
    return Reply(201, file_view(call.state, call.actor, copy, call.fields()))


def handle_copy_folder(call: Call) -> Reply:
    source = visible_item(call.state, call.actor.id, "folder", call.args["folder_id"])
    assert isinstance(source, Folder)
    if source.id == ROOT_FOLDER_ID:
        raise Forbidden("The root folder cannot be copied")
    parent_id, name = destination(
        call.state, call.actor, source, call.json(), "POST /folders/{id}/copy"
    )
    if any(ident == source.id for _, ident in ancestors(call.state, "folder", parent_id)):
        raise BadRequest(
            "Cannot copy a folder into itself or its subfolders",
            context_info=invalid_parameter("parent", parent_id),
        )
    copy = copy_folder(call.state, call.actor, source, parent_id, name)
    record_item(call.state, call.actor, "copy", copy)
    full = folder_full(call.state, call.actor, copy, collection_view(call, copy))
    return Reply(201, pick_fields(full, FOLDER_MINI, call.fields()))


ROUTES = [
    Route("POST", "/2.0/files/<file_id>/copy", handle_copy_file, params=("fields",), writes=True),
    Route(
        "POST", "/2.0/folders/<folder_id>/copy", handle_copy_folder, params=("fields",), writes=True
    ),
]
