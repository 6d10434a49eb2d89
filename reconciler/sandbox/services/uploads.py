"""Uploads of new files (``POST /api/2.0/files/content``, multipart): attributes, checks, event."""

from __future__ import annotations

import hashlib
import json

from reconciler.sandbox.errors import BadRequest, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, refuse_unimplemented
from reconciler.sandbox.services.events import record_item
from reconciler.sandbox.services.item_views import file_full, file_view
from reconciler.sandbox.services.items import owner_for_new_item, placement
from reconciler.sandbox.state import File, State, User

# --- state operations ----------------------------------------------------------------------


def upload_attributes(call: Call) -> JSON:
    raw = call.form.get("attributes")
    if raw is None:
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


# --- handlers ------------------------------------------------------------------------------


def handle_upload(call: Call) -> Reply:
    attributes = upload_attributes(call)
    part = call.files.get("file")
    if part is None:
        raise BadRequest("'file' is required", context_info=invalid_parameter("file", None))
    file = upload_file(call.state, call.actor, attributes, part.content)
    record_item(call.state, call.actor, "upload", file)
    view = file_view(call.state, call.actor, file, call.fields())
    call.events.append(
        {
            "trigger": "FILE.UPLOADED",
            "target_type": "file",
            "target_id": file.id,
            "source": file_full(call.state, call.actor, file),
            "created_by": call.actor.id,
        }
    )
    return Reply(201, {"total_count": 1, "entries": [view]})


ROUTES = [
    Route("POST", "/api/2.0/files/content", handle_upload, params=("fields",), writes=True),
]
