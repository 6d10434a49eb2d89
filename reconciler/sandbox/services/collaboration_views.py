"""How Box shows a collaboration on a file or folder: in full, by fields, in a webhook event."""

from __future__ import annotations

from reconciler.sandbox.routing import JSON, Call, pick_fields
from reconciler.sandbox.services.groups import group_mini
from reconciler.sandbox.services.item_views import file_mini, folder_mini
from reconciler.sandbox.services.users import user_collaborator
from reconciler.sandbox.state import Collaboration, State, User

COLLABORATION_MINI = ("type", "id")


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


def sort_key(collab: Collaboration) -> int:
    return int(collab.id) if collab.id.isdigit() else 0
