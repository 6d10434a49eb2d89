"""Uploads (multipart, on the upload server ``/api/2.0``): new files (``POST /files/content``) and
new versions of a file (``POST /files/{id}/content``): attributes, the content part, checks,
event.

Box reads the file's content from the part after ``attributes``, whatever that part is named:
the SDKs name it ``file``, Box's own CLI (on the legacy Node SDK) ``content``.
"""

from __future__ import annotations

import hashlib
import json

from reconciler.sandbox.errors import BadRequest, PreconditionFailed, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, UploadPart, refuse_unimplemented
from reconciler.sandbox.services.access import UPLOAD_ROLES, require_role, visible_item
from reconciler.sandbox.services.events import record_item
from reconciler.sandbox.services.item_views import file_full, file_view
from reconciler.sandbox.services.items import (
    check_name,
    name_conflict,
    owner_for_new_item,
    placement,
)
from reconciler.sandbox.state import File, State, User

# --- the request's parts -------------------------------------------------------------------


def upload_attributes(call: Call, *, required: bool = True) -> JSON:
    raw = call.form.get("attributes")
    if raw is None:
        if not required:
            return {}
        raise BadRequest(
            "'attributes' is required", context_info=invalid_parameter("attributes", None)
        )
    try:
        attributes = json.loads(raw)
    except ValueError:
        raise BadRequest(
            "Could not parse 'attributes' as JSON",
            context_info=invalid_parameter("attributes", raw),
        ) from None
    if not isinstance(attributes, dict):
        raise BadRequest(
            "'attributes' must be a JSON object", context_info=invalid_parameter("attributes", raw)
        )
    return attributes


def content_part(call: Call) -> UploadPart:
    """The one uploaded part beside ``attributes``, under any name."""
    parts = [part for name, part in call.files.items() if name != "attributes"]
    if not parts:
        raise BadRequest("'file' is required", context_info=invalid_parameter("file", None))
    if len(parts) > 1:
        names = ", ".join(sorted(call.files))
        raise BadRequest(
            f"Send one file part after 'attributes', not several ({names})",
            context_info=invalid_parameter("file", names),
        )
    return parts[0]


# --- state operations ----------------------------------------------------------------------


def upload_file(state: State, actor: User, attributes: JSON, content: bytes) -> File:
    refuse_unimplemented(
        attributes,
        ("name", "parent", "content_created_at", "content_modified_at"),
        "POST /files/content",
    )
    name, parent_id = placement(state, actor, attributes)
    now = state.now()
    file = File(
        id=state.new_id(),
        name=name,
        parent_id=parent_id,
        owner_id=owner_for_new_item(state, actor, parent_id),
        size=len(content),
        sha1=hashlib.sha1(content).hexdigest(),
        version_id=state.new_id(),
        created_at=now,
        modified_at=now,
        created_by_id=actor.id,
    )
    state.files[file.id] = file
    return file


def upload_version(
    state: State, actor: User, file: File, attributes: JSON, content: bytes, if_match: str | None
) -> File:
    """A new version of ``file``: new content, version and etag; renamed when ``name`` says so."""
    refuse_unimplemented(
        attributes, ("name", "content_modified_at"), "POST /files/{file_id}/content"
    )
    require_role(state, actor.id, "file", file.id, UPLOAD_ROLES)
    if if_match is not None and if_match.strip('"') != str(file.sequence_id):
        raise PreconditionFailed()
    if "name" in attributes and attributes["name"] != file.name:
        name = check_name(str(attributes["name"]))
        name_conflict(state, file.parent_id, name, except_id=file.id)
        file.name = name
    file.size = len(content)
    file.sha1 = hashlib.sha1(content).hexdigest()
    file.version_id = state.new_id()
    file.version_number += 1
    file.sequence_id += 1
    file.modified_at = state.now()
    return file


# --- handlers ------------------------------------------------------------------------------


def uploaded(call: Call, file: File) -> JSON:
    """What every upload raises (the UPLOAD event, FILE.UPLOADED) and answers: the file."""
    record_item(call.state, call.actor, "upload", file)
    call.events.append(
        {
            "trigger": "FILE.UPLOADED",
            "target_type": "file",
            "target_id": file.id,
            "source": file_full(call.state, call.actor, file),
            "created_by": call.actor.id,
        }
    )
    return {"total_count": 1, "entries": [file_view(call.state, call.actor, file, call.fields())]}


def handle_upload(call: Call) -> Reply:
    attributes = upload_attributes(call)
    file = upload_file(call.state, call.actor, attributes, content_part(call).content)
    return Reply(201, uploaded(call, file))


def handle_upload_version(call: Call) -> Reply:
    file = visible_item(call.state, call.actor.id, "file", call.args["file_id"])
    assert isinstance(file, File)
    attributes = upload_attributes(call, required=False)
    content = content_part(call).content
    if_match = call.headers.get("If-Match")
    upload_version(call.state, call.actor, file, attributes, content, if_match)
    return Reply(200, uploaded(call, file))


ROUTES = [
    Route("POST", "/api/2.0/files/content", handle_upload, params=("fields",), writes=True),
    Route(
        "POST",
        "/api/2.0/files/<file_id>/content",
        handle_upload_version,
        params=("fields",),
        writes=True,
    ),
]
