"""Collaborations on files and folders: read, answer, change role or expiry, transfer, remove."""

from __future__ import annotations

from reconciler.sandbox.errors import BadRequest, Forbidden, NotFound, invalid_parameter
from reconciler.sandbox.expiry import changed_expiry
from reconciler.sandbox.routing import JSON, Call, Reply, Route, refuse_unimplemented
from reconciler.sandbox.services.access import MANAGE_ROLES, can_see, effective_role, get_item
from reconciler.sandbox.services.collaboration_views import collaboration_view, event
from reconciler.sandbox.services.events import record_collaboration, record_created_collaboration
from reconciler.sandbox.services.folder_items import subtree
from reconciler.sandbox.services.groups import is_member
from reconciler.sandbox.services.invitations import check_role, create_collaboration
from reconciler.sandbox.state import Collaboration, File, Folder, State, User

STATUSES = ("accepted", "rejected")


# --- state operations ----------------------------------------------------------------------


def get_collaboration(state: State, collab_id: str) -> Collaboration:
    collab = state.collaborations.get(collab_id)
    if collab is None:
        raise NotFound(
            f"Not Found: collaboration '{collab_id}'",
            context_info=invalid_parameter("collaboration", collab_id),
        )
    return collab


def is_invitee(state: State, collab: Collaboration, user: User) -> bool:
    if collab.accessible_by_type == "user":
        return collab.accessible_by_id == user.id
    return is_member(state, collab.accessible_by_id or "", user.id)


def visible_collaboration(state: State, actor: User, collab_id: str) -> Collaboration:
    """The invitee and anyone who can see the item may read it; 404 for everyone else."""
    collab = get_collaboration(state, collab_id)
    if is_invitee(state, collab, actor):
        return collab
    get_item(state, collab.item_type, collab.item_id)
    if not can_see(state, actor.id, collab.item_type, collab.item_id):
        raise NotFound(
            f"Not Found: collaboration '{collab_id}'",
            context_info=invalid_parameter("collaboration", collab_id),
        )
    return collab


def check_transfer(state: State, actor: User, collab: Collaboration) -> None:
    if get_item(state, collab.item_type, collab.item_id).owner_id != actor.id:
        raise Forbidden("Only the owner can transfer ownership")
    if collab.accessible_by_type != "user" or collab.status != "accepted":
        raise BadRequest(
            "The new owner must be a user who accepted the collaboration",
            code="new_owner_not_collaborator",
        )


def transfer_ownership(state: State, actor: User, collab: Collaboration) -> Collaboration:
    """``role: owner``: the invitee owns the item (and what the old owner held below it); the old
    owner stays on as a co-owner under a new collaboration. Returns that new collaboration."""
    item = get_item(state, collab.item_type, collab.item_id)
    old_owner, new_owner = item.owner_id, str(collab.accessible_by_id)
    if isinstance(item, File):
        item.owner_id = new_owner
    else:
        folder_ids, file_ids = subtree(state, item.id)
        held: list[Folder | File] = [state.folders[i] for i in folder_ids]
        held += [state.files[i] for i in file_ids]
        for record in held:
            if record.owner_id == old_owner:
                record.owner_id = new_owner
    del state.collaborations[collab.id]
    now = state.now()
    former = Collaboration(
        id=state.new_id(),
        item_type=collab.item_type,
        item_id=collab.item_id,
        accessible_by_type="user",
        accessible_by_id=old_owner,
        invite_email=None,
        role="co-owner",
        status="accepted",
        created_by_id=actor.id,
        created_at=now,
        modified_at=now,
        acknowledged_at=now,
    )
    state.collaborations[former.id] = former
    return former


def check_answer(state: State, actor: User, collab: Collaboration, status: object) -> None:
    """Only the invitee, and only while pending, accepts or rejects."""
    if not is_invitee(state, collab, actor) or collab.accessible_by_type != "user":
        raise Forbidden()
    if status not in STATUSES:
        raise BadRequest("Bad Request", context_info=invalid_parameter("status", status))
    if collab.status != "pending":
        raise BadRequest(
            "You can change the status only if the collaboration is pending",
            code="invalid_status",
        )


def require_manager(state: State, actor: User, collab: Collaboration) -> None:
    """403 (not 404: the caller already sees the collaboration) unless they manage its item."""
    if effective_role(state, actor.id, collab.item_type, collab.item_id) not in MANAGE_ROLES:
        raise Forbidden()


def check_update(state: State, actor: User, collab: Collaboration, body: JSON) -> None:
    """Every check of a PUT, made before anything changes: a refused request changes nothing."""
    refuse_unimplemented(
        body, ("role", "status", "can_view_path", "expires_at"), "PUT /collaborations/{id}"
    )
    if "expires_at" in body:
        require_manager(state, actor, collab)
        changed_expiry(state, collab, body["expires_at"])
    if "status" in body:
        check_answer(state, actor, collab, body["status"])
    owner_id = get_item(state, collab.item_type, collab.item_id).owner_id
    if "can_view_path" in body and owner_id != actor.id:
        raise Forbidden("Only the owner may change can_view_path")
    if body.get("role") == "owner":
        check_transfer(state, actor, collab)
    elif "role" in body:
        require_manager(state, actor, collab)
        check_role(body["role"], collab.item_type)


def update_collaboration(
    state: State, actor: User, collab: Collaboration, body: JSON
) -> tuple[Collaboration | None, list[JSON]]:
    """Apply a PUT; returns the collaboration (None after an ownership transfer) and its events."""
    check_update(state, actor, collab, body)
    now = state.now()
    events: list[JSON] = []
    if "status" in body:
        collab.status = str(body["status"])
        collab.acknowledged_at = collab.modified_at = now
        trigger = "ACCEPTED" if collab.status == "accepted" else "REJECTED"
        if collab.status == "accepted":
            record_collaboration(state, actor, "accept", collab)
        events.append(event(f"COLLABORATION.{trigger}", state, collab, actor))
    if "can_view_path" in body:
        collab.can_view_path = bool(body["can_view_path"])
    if body.get("role") == "owner":
        old = event("COLLABORATION.REMOVED", state, collab, actor)
        former = transfer_ownership(state, actor, collab)
        return None, [*events, old, event("COLLABORATION.CREATED", state, former, actor)]
    if "expires_at" in body:
        collab.expires_at = changed_expiry(state, collab, body["expires_at"])
        collab.modified_at = now
    if "role" in body:
        collab.role = str(body["role"])
        collab.modified_at = now
        record_collaboration(state, actor, "role_change", collab)
    if "role" in body or "expires_at" in body:
        events.append(event("COLLABORATION.UPDATED", state, collab, actor))
    return collab, events


def delete_collaboration(state: State, actor: User, collab: Collaboration) -> None:
    """Managers of the item remove anyone; an invitee may leave."""
    if not is_invitee(state, collab, actor) or collab.accessible_by_type != "user":
        require_manager(state, actor, collab)
    del state.collaborations[collab.id]


# --- handlers ------------------------------------------------------------------------------


def handle_create(call: Call) -> Reply:
    call.flag("notify")  # the sandbox sends no email either way, but the value must be a boolean
    collab = create_collaboration(call.state, call.actor, call.json())
    record_created_collaboration(call.state, call.actor, collab)
    call.events.append(event("COLLABORATION.CREATED", call.state, collab, call.actor))
    if collab.status == "accepted":
        call.events.append(event("COLLABORATION.ACCEPTED", call.state, collab, call.actor))
    return Reply(201, collaboration_view(call, collab))


def handle_get(call: Call) -> Reply:
    collab = visible_collaboration(call.state, call.actor, call.args["collaboration_id"])
    return Reply(200, collaboration_view(call, collab))


def handle_update(call: Call) -> Reply:
    collab = visible_collaboration(call.state, call.actor, call.args["collaboration_id"])
    updated, events = update_collaboration(
        call.state, call.actor, collab, call.json(required=False)
    )
    call.events.extend(events)
    if updated is None:
        return Reply(204)
    return Reply(200, collaboration_view(call, updated))


def handle_delete(call: Call) -> Reply:
    collab = visible_collaboration(call.state, call.actor, call.args["collaboration_id"])
    removed = event("COLLABORATION.REMOVED", call.state, collab, call.actor)
    delete_collaboration(call.state, call.actor, collab)
    record_collaboration(call.state, call.actor, "remove", collab)
    call.events.append(removed)
    return Reply(204)


ROUTES = [
    Route("POST", "/2.0/collaborations", handle_create, params=("fields", "notify"), writes=True),
    Route("GET", "/2.0/collaborations/<collaboration_id>", handle_get, params=("fields",)),
    Route("PUT", "/2.0/collaborations/<collaboration_id>", handle_update, writes=True),
    Route("DELETE", "/2.0/collaborations/<collaboration_id>", handle_delete, writes=True),
]
