"""Inviting someone to a file or folder: a POST's item, role and grantee, checked, then stored."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.sandbox.errors import BadRequest, Forbidden, invalid_parameter
from reconciler.sandbox.expiry import policy_days, policy_expiry, requested_expiry
from reconciler.sandbox.routing import JSON, refuse_unimplemented
from reconciler.sandbox.services.access import (
    MANAGE_ROLES,
    ROOT_FOLDER_ID,
    collaborations_on,
    effective_role,
    get_item,
    visible_item,
)
from reconciler.sandbox.services.groups import get_group, is_member
from reconciler.sandbox.services.item_views import FILE_ROLES, FOLDER_ROLES
from reconciler.sandbox.services.users import find_by_login, get_user
from reconciler.sandbox.state import Collaboration, State, User, is_admin

ROLES = (*FOLDER_ROLES, "owner")


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
        # with the expiry policy on, a collaboration the request gives no expiry gets one
        expires_at=expires_at or policy_expiry(state),
        expiry_by_policy=expires_at is None and policy_days(state) is not None,
    )
    state.collaborations[collab.id] = collab
    return collab
