"""Who may do what to an item: ownership, direct and inherited collaborations, group membership."""

from __future__ import annotations

from collections.abc import Iterator

from reconciler.sandbox.errors import Forbidden, NotFound, invalid_parameter
from reconciler.sandbox.state import Collaboration, File, Folder, State

ROOT_FOLDER_ID = "0"
#: higher is more access; "owner" is the item owner, who is never a collaboration
RANK = {
    "previewer": 1,
    "uploader": 1,
    "previewer uploader": 2,
    "viewer": 3,
    "viewer uploader": 4,
    "editor": 5,
    "co-owner": 6,
    "owner": 7,
}
#: roles that may invite collaborators and create tasks
MANAGE_ROLES = ("editor", "co-owner", "owner")
#: roles that may add files and folders inside a folder
UPLOAD_ROLES = ("uploader", "previewer uploader", "viewer uploader", *MANAGE_ROLES)
#: roles that may download (previewers and uploaders may not)
DOWNLOAD_ROLES = ("viewer", "viewer uploader", *MANAGE_ROLES)
ITEM_PREFIX = {"folder": "d", "file": "f"}


def item_not_found(item_type: str, item_id: str) -> NotFound:
    """Box's 404 for an item that does not exist or that the caller may not see."""
    prefix = ITEM_PREFIX.get(item_type, "x")
    return NotFound(
        "Not Found",
        context_info=invalid_parameter(
            "item",
            item_id,
            f"Invalid value '{prefix}_{item_id}'. 'item' with value '{prefix}_{item_id}' not found",
        ),
    )


def get_item(state: State, item_type: str, item_id: str) -> Folder | File:
    table = state.folders if item_type == "folder" else state.files if item_type == "file" else None
    item = table.get(item_id) if table is not None else None
    if item is None:
        raise item_not_found(item_type, item_id)
    return item


def ancestors(state: State, item_type: str, item_id: str) -> Iterator[tuple[str, str]]:
    """The item itself, then each parent folder up to the root ``0`` (excluded)."""
    kind, current = item_type, item_id
    seen: set[tuple[str, str]] = set()
    while current is not None and (kind, current) not in seen:
        seen.add((kind, current))
        if kind == "folder" and current == ROOT_FOLDER_ID:
            return
        yield kind, current
        item = state.folders.get(current) if kind == "folder" else state.files.get(current)
        if item is None:
            return
        kind, current = "folder", item.parent_id  # type: ignore[assignment]


def group_ids_of(state: State, user_id: str) -> set[str]:
    return {m.group_id for m in state.memberships.values() if m.user_id == user_id}


def collaborations_on(state: State, item_type: str, item_id: str) -> list[Collaboration]:
    """Direct collaborations on one item, pending and rejected included, in creation order."""
    found = [
        c
        for c in state.collaborations.values()
        if c.item_type == item_type and c.item_id == item_id
    ]
    return sorted(found, key=lambda c: int(c.id) if c.id.isdigit() else 0)


def holds(state: State, collab: Collaboration, user_id: str) -> bool:
    """Whether the collaboration grants to ``user_id``, directly or through one of their groups."""
    if collab.accessible_by_type == "user":
        return collab.accessible_by_id == user_id
    return collab.accessible_by_id in group_ids_of(state, user_id)


def effective_role(state: State, user_id: str, item_type: str, item_id: str) -> str | None:
    """The best access ``user_id`` has on the item: owner, or an *accepted* collaboration on it or
    on a folder above it, held directly or through a group. None when the user has no access.

    Everyone sees the root folder ``0``: it is each user's own "All Files".
    """
    if item_type == "folder" and item_id == ROOT_FOLDER_ID:
        get_item(state, item_type, item_id)
        return "owner"
    item = get_item(state, item_type, item_id)
    if item.owner_id == user_id:
        return "owner"
    best: str | None = None
    for kind, ident in ancestors(state, item_type, item_id):
        for collab in collaborations_on(state, kind, ident):
            if collab.status != "accepted" or not holds(state, collab, user_id):
                continue
            if best is None or RANK.get(collab.role, 0) > RANK.get(best, 0):
                best = collab.role
    return best


def can_manage(state: State, user_id: str, item_type: str, item_id: str) -> bool:
    """Owner, co-owner or editor (directly or inherited): may invite and create tasks."""
    return effective_role(state, user_id, item_type, item_id) in MANAGE_ROLES


def can_see(state: State, user_id: str, item_type: str, item_id: str) -> bool:
    return effective_role(state, user_id, item_type, item_id) is not None


def visible_item(state: State, user_id: str, item_type: str, item_id: str) -> Folder | File:
    """The item, or Box's 404 when it is missing or the user has no access (Box hides both)."""
    item = get_item(state, item_type, item_id)
    if not can_see(state, user_id, item_type, item_id):
        raise item_not_found(item_type, item_id)
    return item


def require_role(
    state: State, user_id: str, item_type: str, item_id: str, allowed: tuple[str, ...]
) -> str:
    """The user's role on a visible item; 404 without access, 403 when the role is too weak."""
    visible_item(state, user_id, item_type, item_id)
    role = effective_role(state, user_id, item_type, item_id)
    if role not in allowed:
        raise Forbidden()
    assert role is not None
    return role
