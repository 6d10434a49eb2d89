"""The JSON shapes of folders and files (mini, full, entries), with the caller's permissions."""

from __future__ import annotations

from reconciler.sandbox.routing import JSON, pick_fields
from reconciler.sandbox.services.access import (
    DOWNLOAD_ROLES,
    MANAGE_ROLES,
    ROOT_FOLDER_ID,
    UPLOAD_ROLES,
    ancestors,
    can_see,
    collaborations_on,
    effective_role,
)
from reconciler.sandbox.services.users import user_mini
from reconciler.sandbox.state import File, Folder, State, User

FOLDER_MINI = ("type", "id", "sequence_id", "etag", "name")
FILE_MINI = ("type", "id", "sequence_id", "etag", "name", "sha1", "file_version")
FOLDER_ROLES = [
    "editor",
    "viewer",
    "previewer",
    "uploader",
    "previewer uploader",
    "viewer uploader",
    "co-owner",
]
FILE_ROLES = ["editor", "viewer"]


def on_request() -> JSON:
    """Fields Box sends only when ``fields`` names them; the sandbox keeps no tags, so: none."""
    return {"tags": []}


def requested(full: JSON, mini_keys: tuple[str, ...], fields: list[str] | None) -> JSON:
    """The full view, or with ``fields`` the mini fields plus those asked for."""
    if fields is None:
        return full
    return pick_fields({**full, **on_request()}, mini_keys, fields)


def folder_mini(folder: Folder) -> JSON:
    return {
        "type": "folder",
        "id": folder.id,
        "sequence_id": None if folder.id == ROOT_FOLDER_ID else str(folder.sequence_id),
        "etag": None if folder.id == ROOT_FOLDER_ID else str(folder.sequence_id),
        "name": folder.name,
    }


def file_version(file: File) -> JSON:
    return {"type": "file_version", "id": file.version_id, "sha1": file.sha1}


def file_mini(file: File) -> JSON:
    return {
        "type": "file",
        "id": file.id,
        "sequence_id": str(file.sequence_id),
        "etag": str(file.sequence_id),
        "name": file.name,
        "sha1": file.sha1,
        "file_version": file_version(file),
    }


def visible_path(state: State, actor: User, item_type: str, item_id: str) -> list[Folder]:
    """The folders above an item as the actor sees them: "All Files", then those they can see."""
    above = [ident for kind, ident in ancestors(state, item_type, item_id)][1:]
    shown = [state.folders[i] for i in reversed(above) if can_see(state, actor.id, "folder", i)]
    return [state.folders[ROOT_FOLDER_ID], *shown]


def path_view(path: list[Folder]) -> JSON:
    return {"total_count": len(path), "entries": [folder_mini(f) for f in path]}


def has_collaborations(state: State, item_type: str, item_id: str) -> bool:
    return any(c.status != "rejected" for c in collaborations_on(state, item_type, item_id))


def item_permissions(role: str | None) -> JSON:
    manage = role in MANAGE_ROLES
    return {
        "can_delete": manage,
        "can_download": role in DOWNLOAD_ROLES,
        "can_invite_collaborator": manage,
        "can_rename": manage,
        "can_set_share_access": manage,
        "can_share": manage,
        "can_upload": role in UPLOAD_ROLES,
        "can_apply_watermark": role in ("owner", "co-owner"),
    }


def invitee_roles(role: str | None, item_roles: list[str]) -> list[str]:
    if role in ("owner", "co-owner"):
        return list(item_roles)
    if role == "editor":
        return [r for r in item_roles if r != "co-owner"]
    return []


def common_full(state: State, actor: User, item: Folder | File, kind: str) -> JSON:
    """The fields folders and files share, as the actor sees them."""
    owner = (
        actor if item.id == ROOT_FOLDER_ID and kind == "folder" else state.users.get(item.owner_id)
    )
    creator = state.users.get(item.created_by_id) or owner
    path = visible_path(state, actor, kind, item.id) if item.id != ROOT_FOLDER_ID else []
    return {
        "description": item.description,
        "path_collection": path_view(path),
        "created_at": item.created_at,
        "modified_at": item.modified_at,
        "trashed_at": None,
        "purged_at": None,
        "content_created_at": item.created_at,
        "content_modified_at": item.modified_at,
        "created_by": user_mini(creator) if creator else None,
        "modified_by": user_mini(creator) if creator else None,
        "owned_by": user_mini(owner) if owner else None,
        "parent": folder_mini(path[-1]) if path else None,
        "item_status": "active",
        "is_externally_owned": bool(owner and owner.enterprise_id != state.enterprise.id),
        "has_collaborations": has_collaborations(state, kind, item.id),
        "is_accessible_via_shared_link": False,
        "is_associated_with_app_item": False,
        "watermark_info": {
            "is_watermarked": False,
            "is_watermark_inherited": False,
            "is_watermarked_by_access_policy": False,
        },
    }


def folder_size(state: State, folder_id: str) -> int:
    total = sum(f.size for f in state.files.values() if f.parent_id == folder_id)
    for child in state.folders.values():
        if child.parent_id == folder_id and child.id != folder_id:
            total += folder_size(state, child.id)
    return total


def folder_full(state: State, actor: User, folder: Folder, collection: JSON) -> JSON:
    role = effective_role(state, actor.id, "folder", folder.id)
    return {
        **folder_mini(folder),
        **common_full(state, actor, folder, "folder"),
        "size": folder_size(state, folder.id),
        "shared_link": None,
        "item_collection": collection,
        "sync_state": "not_synced",
        "permissions": item_permissions(role),
        "can_non_owners_invite": True,
        "is_collaboration_restricted_to_enterprise": False,
        "can_non_owners_view_collaborators": True,
        "allowed_shared_link_access_levels": ["open", "company", "collaborators"],
        "allowed_invitee_roles": invitee_roles(role, FOLDER_ROLES),
    }


def file_full(state: State, actor: User, file: File) -> JSON:
    role = effective_role(state, actor.id, "file", file.id)
    permissions = item_permissions(role)
    permissions.update(
        {
            "can_annotate": role in MANAGE_ROLES,
            "can_comment": role in DOWNLOAD_ROLES,
            "can_preview": role is not None and role != "uploader",
            "can_upload": role in MANAGE_ROLES,
            "can_view_annotations_all": role in DOWNLOAD_ROLES,
            "can_view_annotations_self": role is not None,
        }
    )
    extension = file.name.rsplit(".", 1)[1] if "." in file.name else ""
    uploader = state.users.get(file.created_by_id)
    return {
        **file_mini(file),
        **common_full(state, actor, file, "file"),
        "size": file.size,
        "version_number": str(file.version_number),
        "comment_count": 0,
        "permissions": permissions,
        "lock": None,
        "extension": extension,
        "is_package": False,
        "allowed_invitee_roles": invitee_roles(role, FILE_ROLES),
        "expires_at": None,
        "uploader_display_name": uploader.name if uploader else "",
        "disposition_at": None,
    }


def file_view(state: State, actor: User, file: File, fields: list[str] | None) -> JSON:
    return requested(file_full(state, actor, file), FILE_MINI, fields)


def folder_view(
    state: State, actor: User, folder: Folder, collection: JSON, fields: list[str] | None
) -> JSON:
    return requested(folder_full(state, actor, folder, collection), FOLDER_MINI, fields)


def entry_view(state: State, actor: User, item: Folder | File, fields: list[str] | None) -> JSON:
    """A folder listing's entry: mini by default, plus the fields asked for."""
    if isinstance(item, File):
        if fields is None:
            return file_mini(item)
        return file_view(state, actor, item, fields)
    if fields is None:
        return folder_mini(item)
    return folder_view(state, actor, item, {"total_count": 0, "entries": []}, fields)
