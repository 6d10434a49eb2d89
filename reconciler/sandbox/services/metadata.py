"""Metadata on folders and files: the free-form ``global.properties`` instance, where apps keep
their own key/value notes on an item (get, create, JSON-Patch update, delete).

Other templates need template definitions the sandbox does not keep: they are refused with 501.
Box answers 200 to the GET of an instance, although its description documents 201
(box/box-openapi#392); the sandbox answers as Box does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from reconciler.sandbox.errors import BadRequest, Conflict, NotFound, NotImplementedInSandbox
from reconciler.sandbox.routing import JSON, Call, Reply, Route
from reconciler.sandbox.services.access import MANAGE_ROLES, require_role, visible_item
from reconciler.sandbox.state import MetadataInstance, State

SCOPE, TEMPLATE = "global", "properties"
_PATCH_OPS = ("add", "replace", "remove")


def _target(call: Call, item_type: str) -> tuple[str, str]:
    item_id = call.args[f"{item_type}_id"]
    if (call.args["scope"], call.args["template_key"]) != (SCOPE, TEMPLATE):
        raise NotImplementedInSandbox(
            "Only the global.properties metadata template is implemented by the sandbox"
        )
    return item_type, item_id


def _find(state: State, item_type: str, item_id: str) -> MetadataInstance | None:
    return next(
        (
            m
            for m in state.metadata.values()
            if (m.item_type, m.item_id, m.scope, m.template)
            == (item_type, item_id, SCOPE, TEMPLATE)
        ),
        None,
    )


def _existing(state: State, item_type: str, item_id: str) -> MetadataInstance:
    found = _find(state, item_type, item_id)
    if found is None:
        raise NotFound("Instance not found", code="instance_not_found")
    return found


def view(instance: MetadataInstance) -> JSON:
    return {
        "$canEdit": True,
        "$id": instance.id,
        "$parent": f"{instance.item_type}_{instance.item_id}",
        "$scope": instance.scope,
        "$template": instance.template,
        "$type": f"{instance.template}-{instance.id[:12]}",
        "$typeVersion": 2,
        "$version": instance.version,
        **instance.values,
    }


def _values(body: JSON) -> dict[str, Any]:
    reserved = sorted(k for k in body if k.startswith("$"))
    if reserved:
        raise BadRequest(f"Key '{reserved[0]}' is reserved", code="bad_request")
    return dict(body)


def _patch(values: dict[str, Any], raw: bytes) -> dict[str, Any]:
    try:
        ops = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("Could not parse JSON-Patch body", code="bad_request") from None
    if not isinstance(ops, list):
        raise BadRequest("A metadata update is a JSON-Patch array", code="bad_request")
    out = dict(values)
    for op in ops:
        kind = op.get("op") if isinstance(op, dict) else None
        path = op.get("path") if isinstance(op, dict) else None
        if kind not in _PATCH_OPS:
            raise NotImplementedInSandbox(f"JSON-Patch op {kind!r} is not implemented")
        if not isinstance(path, str) or not path.startswith("/") or "/" in path[1:]:
            raise BadRequest(f"Invalid JSON-Patch path {path!r}", code="bad_request")
        key = path[1:]
        if kind in ("remove", "replace") and key not in out:
            raise BadRequest(f"No key '{key}' to {kind}", code="bad_request")
        if kind == "remove":
            del out[key]
        else:
            out[key] = op.get("value")
    return out


def _handlers(item_type: str) -> list[Route]:
    base = f"/2.0/{item_type}s/<{item_type}_id>/metadata/<scope>/<template_key>"

    def get(call: Call) -> Reply:
        kind, item_id = _target(call, item_type)
        visible_item(call.state, call.actor.id, kind, item_id)
        return Reply(200, view(_existing(call.state, kind, item_id)))

    def create(call: Call) -> Reply:
        kind, item_id = _target(call, item_type)
        require_role(call.state, call.actor.id, kind, item_id, MANAGE_ROLES)
        if _find(call.state, kind, item_id) is not None:
            raise Conflict("A metadata instance exists already", code="tuple_already_exists")
        instance = MetadataInstance(
            id=str(uuid.uuid4()),
            item_type=kind,
            item_id=item_id,
            scope=SCOPE,
            template=TEMPLATE,
            values=_values(call.json()),
        )
        call.state.metadata[instance.id] = instance
        return Reply(201, view(instance))

    def update(call: Call) -> Reply:
        kind, item_id = _target(call, item_type)
        require_role(call.state, call.actor.id, kind, item_id, MANAGE_ROLES)
        instance = _existing(call.state, kind, item_id)
        instance.values = _values(_patch(instance.values, call.raw_body))
        instance.version += 1
        return Reply(200, view(instance))

    def delete(call: Call) -> Reply:
        kind, item_id = _target(call, item_type)
        require_role(call.state, call.actor.id, kind, item_id, MANAGE_ROLES)
        del call.state.metadata[_existing(call.state, kind, item_id).id]
        return Reply(204)

    return [
        Route("GET", base, get),
        Route("POST", base, create, writes=True),
        Route("PUT", base, update, writes=True),
        Route("DELETE", base, delete, writes=True),
    ]


ROUTES = [*_handlers("folder"), *_handlers("file")]
