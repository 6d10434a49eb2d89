"""Collaborations on files and folders: invitations, acceptance, roles and ownership."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.sandbox.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    invalid_parameter,
)
from reconciler.sandbox.expiry import requested_expiry
from reconciler.sandbox.routing import (
    JSON,
    Call,
    Reply,
    Route,
    pick_fields,
    refuse_unimplemented,
)
from reconciler.sandbox.services.access import (
    MANAGE_ROLES,
    ROOT_FOLDER_ID,
    can_see,
    collaborations_on,
    effective_role,
    get_item,
    visible_item,
)
from reconciler.sandbox.services.events import record_collaboration, record_created_collaboration
from reconciler.sandbox.services.groups import get_group, group_mini, is_admin, is_member
from reconciler.sandbox.services.item_views import FILE_ROLES, FOLDER_ROLES, file_mini, folder_mini
from reconciler.sandbox.services.items import subtree
from reconciler.sandbox.services.users import find_by_login, get_user, user_collaborator
from reconciler.sandbox.state import Collaboration, File, Folder, State, User

COLLABORATION_MINI = ("type", "id")
ROLES = (*FOLDER_ROLES, "owner")
STATUSES = ("accepted", "rejected")


# --- views ---------------------------------------------------------------------------------


def grantee_view(state: State, collab: Collaboration) -> JSON | None:
    """``accessible_by``: null for an email with no Box account (Box's observed behaviour, not the
    spec); a pending invitee with an account shows the login and an empty name."""
    if collab.accessible_by_type == "group":
        group = state.groups.get(collab.accessible_by_id or "")
        return group_mini(group) if group else None
    user = state.users.get(collab.accessible_by_id or "")
    if user is None:
        return None
    view = user_collaborator(user)
    if collab.status == "pending":
        view["name"] = ""
    return view


def item_view(state: State, collab: Collaboration) -> JSON | None:
    if collab.item_type == "folder":
        folder = state.folders.get(collab.item_id)
        return folder_mini(folder) if folder else None
    file = state.files.get(collab.item_id)
    return file_mini(file) if file else None


def collaboration_full(state: State, collab: Collaboration, *, with_item: bool = True) -> JSON:
    creator = state.users.get(collab.created_by_id)
    return {
        "type": "collaboration",
        "id": collab.id,
        "item": item_view(state, collab) if with_item else None,
        "app_item": None,
        "accessible_by": grantee_view(state, collab),
        "invite_email": collab.invite_email,
        "role": collab.role,
        "expires_at": collab.expires_at,
        "is_access_only": collab.is_access_only,
        "status": collab.status,
        "created_by": user_collaborator(creator) if creator else None,
        "created_at": collab.created_at,
        "modified_at": collab.modified_at,
        "acknowledged_at": collab.acknowledged_at,
    }


def collaboration_view(call: Call, collab: Collaboration, *, with_item: bool = True) -> JSON:
    full = collaboration_full(call.state, collab, with_item=with_item)
    return pick_fields(full, COLLABORATION_MINI, call.fields())


def event(trigger: str, state: State, collab: Collaboration, actor: User) -> JSON:
    """A webhook event for the webhook service, raised once the change is committed."""
    return {
        "trigger": trigger,
        "target_type": collab.item_type,
        "target_id": collab.item_id,
        "source": collaboration_full(state, collab),
        "created_by": actor.id,
    }


# --- state operations ----------------------------------------------------------------------


def sort_key(collab: Collaboration) -> int:
    return int(collab.id) if collab.id.isdigit() else 0


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


def check_role(role: object, item_type: str) -> str:
    if not isinstance(role, str) or role not in ROLES:
        raise BadRequest(
            "Bad Request",
            context_info=invalid_parameter(
                "role",
                role,
                f"Invalid value '{role}'. 'role' must be one of: {', '.join(ROLES)}",
            ),
        )
    if item_type == "file" and role not in FILE_ROLES and role != "owner":
        raise BadRequest(
            f"The role '{role}' is not supported on files; use editor or viewer",
            code="collab_role_not_supported_on_file_type",
            context_info=invalid_parameter("role", role),
        )
    return role


def requested_item(state: State, actor: User, body: JSON) -> tuple[str, str]:
    ref = body.get("item")
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or "type" not in ref:
        raise BadRequest(
            "'item' with 'type' and 'id' is required", context_info=invalid_parameter("item", ref)
        )
    item_type, item_id = ref["type"], ref["id"]
    if item_type not in ("folder", "file"):
        raise BadRequest(
            f"Collaborations are not available on items of type '{item_type}'",
            code="invalid_collaboration_item",
            context_info=invalid_parameter("item.type", item_type),
        )
    if item_type == "folder" and item_id == ROOT_FOLDER_ID:
        raise BadRequest(
            "Collaborations are not available on the root folder",
            code="collaborations_not_available_on_root_folder",
        )
    visible_item(state, actor.id, item_type, item_id)
    if effective_role(state, actor.id, item_type, item_id) not in MANAGE_ROLES:
        raise Forbidden()
    return item_type, item_id


@dataclass(frozen=True)
class Grantee:
    """Who an invitation is for: a group, a user with a Box account, or an email without one."""

    type: str  # user | group
    user: User | None = None
    group_id: str | None = None
    email: str | None = None  # only for an email with no Box account

    @property
    def holder_id(self) -> str | None:
        return self.group_id if self.type == "group" else (self.user.id if self.user else None)


def requested_grantee(state: State, actor: User, body: JSON) -> Grantee:
    ref = body.get("accessible_by")
    if not isinstance(ref, dict) or ref.get("type") not in ("user", "group"):
        raise BadRequest(
            "'accessible_by' with type 'user' or 'group' is required",
            context_info=invalid_parameter("accessible_by", ref),
        )
    if ref["type"] == "group":
        group = get_group(state, str(ref.get("id") or ""))
        may_invite = {
            "admins_only": is_admin(actor),
            "admins_and_members": is_admin(actor) or is_member(state, group.id, actor.id),
            "all_managed_users": actor.enterprise_id == state.enterprise.id,
        }[group.invitability_level]
        if not may_invite:
            raise Forbidden("The group cannot be invited by this user")
        return Grantee("group", group_id=group.id)
    if isinstance(ref.get("id"), str) and ref["id"]:
        return Grantee("user", user=get_user(state, ref["id"]))
    login = ref.get("login")
    if not isinstance(login, str) or "@" not in login:
        raise BadRequest(
            "'accessible_by' needs an 'id' or an email 'login'",
            context_info=invalid_parameter("accessible_by.login", login),
        )
    user = find_by_login(state, login)
    return Grantee("user", user=user) if user else Grantee("user", email=login.strip())


def already_there(state: State, item_type: str, item_id: str, grantee: Grantee) -> bool:
    """The same person already holds a direct collaboration (any status), or owns the item."""
    if grantee.user is not None and get_item(state, item_type, item_id).owner_id == grantee.user.id:
        return True
    for collab in collaborations_on(state, item_type, item_id):
        if grantee.email is not None:
            if (collab.invite_email or "").casefold() == grantee.email.casefold():
                return True
        elif (collab.accessible_by_type, collab.accessible_by_id) == (
            grantee.type,
            grantee.holder_id,
        ):
            return True
    return False


def create_collaboration(state: State, actor: User, body: JSON) -> Collaboration:
    refuse_unimplemented(
        body,
        ("item", "accessible_by", "role", "is_access_only", "can_view_path", "expires_at"),
        "POST /collaborations",
    )
    expires_at = requested_expiry(state, body["expires_at"]) if "expires_at" in body else None
    item_type, item_id = requested_item(state, actor, body)
    role = check_role(body.get("role"), item_type)
    if role == "owner":
        raise BadRequest(
            "The owner role cannot be given when creating a collaboration",
            context_info=invalid_parameter("role", role),
        )
    grantee = requested_grantee(state, actor, body)
    if already_there(state, item_type, item_id, grantee):
        raise BadRequest("User is already a collaborator", code="user_already_collaborator")
    can_view_path = bool(body.get("can_view_path", False))
    if can_view_path and (
        item_type != "folder"
        or effective_role(state, actor.id, item_type, item_id) not in ("owner", "co-owner")
    ):
        raise Forbidden("Only the owner or a co-owner may set can_view_path on a folder")
    accepted = grantee.type == "group" or (grantee.user is not None and grantee.user.auto_accept)
    now = state.now()
    collab = Collaboration(
        id=state.new_id(),
        item_type=item_type,
        item_id=item_id,
        accessible_by_type=grantee.type,
        accessible_by_id=grantee.holder_id,
        invite_email=grantee.email,
        role=role,
        status="accepted" if accepted else "pending",
        created_by_id=actor.id,
        created_at=now,
        modified_at=now,
        acknowledged_at=now if accepted else None,
        is_access_only=bool(body.get("is_access_only", False)),
        can_view_path=can_view_path,
        expires_at=expires_at,
    )
    state.collaborations[collab.id] = collab
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
        requested_expiry(state, body["expires_at"])
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
        collab.expires_at = requested_expiry(state, body["expires_at"])
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
