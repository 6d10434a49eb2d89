"""What the sandbox records in Box's event streams, in Box's shapes, and which user sees what.

Services call the ``record_*`` functions right after a change is made (under the state lock);
``event_stream.py`` serves the log. Each event has an enterprise form (``admin_logs`` and
``admin_logs_streaming``: every event, Box's enterprise event names, an ``EventSource`` or Box's
collaboration source, ``additional_details``) and, when Box shows it to users, a user form
(``all`` / ``changes``: the user-event name, the item itself as the source).

======================  ==========================  =============  =============================
enterprise event_type   user event_type             user streams   who sees it in ``all`` (and
                                                                   ``changes`` where marked)
======================  ==========================  =============  =============================
UPLOAD                  ITEM_UPLOAD                 all, changes   everyone with access to the
                                                                   new file
MOVE                    ITEM_MOVE                   all, changes   everyone with access to the
                                                                   item before or after the move
COPY                    ITEM_COPY                   all, changes   everyone with access to the
                                                                   copy (a folder: one event)
COLLABORATION_INVITE    COLLAB_INVITE_COLLABORATOR  all, changes   changes: the item's owner and
                        (pending invitations only)                 whoever invited; all: also
                                                                   the invitee (with an account)
COLLABORATION_ACCEPT    COLLAB_ADD_COLLABORATOR     all, changes   as above, the collaborator in
                                                                   ``all``
COLLABORATION_ROLE_     COLLAB_ROLE_CHANGE          all, changes   as above
CHANGE
COLLABORATION_REMOVE    COLLAB_REMOVE_COLLABORATOR  all, changes   as above
TASK_ASSIGNMENT_CREATE  TASK_ASSIGNMENT_CREATE      all only       the assignee, the assigner
                                                                   and the file's owner
DOWNLOAD                ITEM_DOWNLOAD               all only       the file's owner only
TASK_ASSIGNMENT_UPDATE  (none)                      --             enterprise streams only
COMMENT_CREATE          COMMENT_CREATE              all only       the commenter (who else Box
                                                                   tells is undocumented: the
                                                                   owner may never hear of it)
DELETE_USER             (none)                      --             enterprise streams only
======================  ==========================  =============  =============================

"The collaborator" is a user; the members of a group granted access are not told. A
collaboration created already accepted (a managed user, or an account that accepts at once)
records COLLABORATION_INVITE then COLLABORATION_ACCEPT, and users see COLLAB_ADD_COLLABORATOR
only. A rejected invitation records nothing (Box has no enterprise event for it).

Sources: developer.box.com guides events/user-events/for-user ("events available in all feeds"
vs "only in the all feed"; collaboration events notify the content owner on ``changes``; "When
an item is downloaded, only the content owner gets the notification"),
events/enterprise-events/for-enterprise (the names), events/task-events (task events are in the
enterprise stream), events/event-triggers/event-source (a user source is the user; an item
source in enterprise events is ``item_type/item_id/item_name/parent/owned_by``), and Box's
enterprise collaboration sources (``folder_id``/``file_id``, ``user_id``/``group_id``, with the
collaboration's id in ``additional_details.collab_id``) as box/box-windows-sdk-v2 parses them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from reconciler.sandbox.event_log import EventRecord
from reconciler.sandbox.services.access import ROOT_FOLDER_ID, ancestors, collaborations_on
from reconciler.sandbox.state import (
    App,
    Collaboration,
    File,
    Folder,
    State,
    Task,
    TaskAssignment,
    User,
)

JSON = dict[str, Any]

#: what a collaboration change is called in each stream
COLLABORATION_TYPES = {
    "invite": ("COLLABORATION_INVITE", "COLLAB_INVITE_COLLABORATOR"),
    "accept": ("COLLABORATION_ACCEPT", "COLLAB_ADD_COLLABORATOR"),
    "role_change": ("COLLABORATION_ROLE_CHANGE", "COLLAB_ROLE_CHANGE"),
    "remove": ("COLLABORATION_REMOVE", "COLLAB_REMOVE_COLLABORATOR"),
}
ITEM_TYPES = {
    "upload": ("UPLOAD", "ITEM_UPLOAD"),
    "move": ("MOVE", "ITEM_MOVE"),
    "copy": ("COPY", "ITEM_COPY"),
}


# --- frozen views --------------------------------------------------------------------------


def person(state: State, user_id: str) -> JSON:
    """``User--Mini``; a user deleted since keeps their id."""
    user = state.users.get(user_id)
    if user is None:
        return {"type": "user", "id": user_id, "name": "", "login": ""}
    return {"type": "user", "id": user.id, "name": user.name, "login": user.login}


def parent_of(state: State, item: Folder | File) -> JSON | None:
    parent = state.folders.get(item.parent_id) if item.parent_id is not None else None
    if parent is None:
        return None
    return {"type": "folder", "id": parent.id, "name": parent.name}


def item_source(state: State, item: Folder | File) -> JSON:
    """The user-stream source: the item itself (``File`` or ``Folder``)."""
    kind = "file" if isinstance(item, File) else "folder"
    view: JSON = {
        "type": kind,
        "id": item.id,
        "sequence_id": str(item.sequence_id),
        "etag": str(item.sequence_id),
        "name": item.name,
        "parent": parent_of(state, item),
        "owned_by": person(state, item.owner_id),
    }
    if isinstance(item, File):
        view["sha1"] = item.sha1
        view["size"] = item.size
    return view


def enterprise_item_source(state: State, item: Folder | File) -> JSON:
    """Box's ``EventSource``: how enterprise events name a file or folder."""
    return {
        "item_type": "file" if isinstance(item, File) else "folder",
        "item_id": item.id,
        "item_name": item.name,
        "parent": parent_of(state, item),
        "owned_by": person(state, item.owner_id),
    }


def collaboration_source(state: State, collab: Collaboration, item: Folder | File) -> JSON:
    """Box's enterprise source of a collaboration event: the item and the grantee, flattened."""
    source: JSON = {
        f"{collab.item_type}_id": item.id,
        f"{collab.item_type}_name": item.name,
        "parent": parent_of(state, item),
        "owned_by": person(state, item.owner_id),
    }
    if collab.accessible_by_type == "group":
        group = state.groups.get(collab.accessible_by_id or "")
        source["group_id"] = collab.accessible_by_id
        source["group_name"] = group.name if group is not None else ""
    else:
        user = state.users.get(collab.accessible_by_id or "")
        source["user_id"] = collab.accessible_by_id or ""
        source["user_name"] = user.name if user is not None else collab.invite_email or ""
    return source


def service_of(state: State, actor: User) -> JSON:
    """``additional_details``' service: the app whose service account acted, else the web app."""
    app: App | None = next(
        (a for a in state.apps.values() if a.service_account_id == actor.id), None
    )
    if app is None:
        return {"service_id": "web", "service_name": "Box Web App (sandbox)"}
    return {"service_id": app.client_id, "service_name": f"App {app.client_id}"}


# --- audiences -----------------------------------------------------------------------------


def with_access(state: State, item_type: str, item_id: str) -> set[str]:
    """Users who can see the item: its owner and the holders of accepted collaborations on it
    or a folder above it (groups expanded), as ``access.effective_role`` decides."""
    item = state.folders.get(item_id) if item_type == "folder" else state.files.get(item_id)
    if item is None or (item_type == "folder" and item_id == ROOT_FOLDER_ID):
        return set()
    users = {item.owner_id}
    groups: set[str] = set()
    for kind, ident in ancestors(state, item_type, item_id):
        for collab in collaborations_on(state, kind, ident):
            if collab.status != "accepted" or collab.accessible_by_id is None:
                continue
            target = users if collab.accessible_by_type == "user" else groups
            target.add(collab.accessible_by_id)
    users |= {m.user_id for m in state.memberships.values() if m.group_id in groups}
    return users


def ordered(ids: set[str]) -> list[str]:
    return sorted(i for i in ids if i)


# --- recording -----------------------------------------------------------------------------


def append(state: State, actor: User, **fields: Any) -> None:
    log = state.event_log
    log.append(
        EventRecord(
            position=log.latest + 1,
            event_id=str(uuid.uuid4()),
            created_at=state.now(),
            created_by_id=actor.id,
            **fields,
        )
    )


def record_item(
    state: State, actor: User, what: str, item: Folder | File, *, seen_before: Iterable[str] = ()
) -> None:
    """An upload, move or copy of ``item`` (after the change)."""
    enterprise_type, user_type = ITEM_TYPES[what]
    kind = "file" if isinstance(item, File) else "folder"
    details: JSON = {**service_of(state, actor)}
    if isinstance(item, File):
        details |= {"size": item.size, "version_id": item.version_id}
    audience = ordered(with_access(state, kind, item.id) | set(seen_before))
    append(
        state,
        actor,
        enterprise_type=enterprise_type,
        enterprise_source=enterprise_item_source(state, item),
        additional_details=details,
        user_type=user_type,
        user_source=item_source(state, item),
        audience_all=audience,
        audience_changes=audience,
    )


def record_collaboration(state: State, actor: User, what: str, collab: Collaboration) -> None:
    """``invite``, ``accept``, ``role_change`` or ``remove``, with the collaboration as it is."""
    table: dict[str, Folder] | dict[str, File] = (
        state.folders if collab.item_type == "folder" else state.files
    )
    item = table.get(collab.item_id)
    if item is None:
        return
    enterprise_type, user_type = COLLABORATION_TYPES[what]
    if what == "invite" and collab.status != "pending":
        user_type_shown: str | None = None  # users see the COLLAB_ADD_COLLABORATOR that follows
    else:
        user_type_shown = user_type
    changes = {item.owner_id, actor.id}
    grantee = collab.accessible_by_id if collab.accessible_by_type == "user" else None
    append(
        state,
        actor,
        enterprise_type=enterprise_type,
        enterprise_source=collaboration_source(state, collab, item),
        additional_details={"collab_id": collab.id, "role": collab.role},
        user_type=user_type_shown,
        user_source=item_source(state, item) if user_type_shown else None,
        audience_all=ordered(changes | {grantee or ""}) if user_type_shown else [],
        audience_changes=ordered(changes) if user_type_shown else [],
    )


def record_created_collaboration(state: State, actor: User, collab: Collaboration) -> None:
    record_collaboration(state, actor, "invite", collab)
    if collab.status == "accepted":
        record_collaboration(state, actor, "accept", collab)


def record_assignment(
    state: State, actor: User, what: str, task: Task, assignment: TaskAssignment
) -> None:
    """``create`` (users see it in ``all``) or ``update`` (enterprise streams only)."""
    file = state.files.get(assignment.file_id)
    if file is None:
        return
    details: JSON = {
        "task": {
            "id": task.id,
            "action": task.action,
            "message": task.message,
            "due_at": task.due_at,
            "created_by": person(state, task.created_by_id),
        },
        "task_assignment": {
            "id": assignment.id,
            "assigned_to": person(state, assignment.assigned_to_id),
            "resolution_state": assignment.resolution_state,
            "message": assignment.message,
        },
        **service_of(state, actor),
    }
    shown = what == "create"
    audience = {assignment.assigned_to_id, assignment.assigned_by_id, file.owner_id}
    append(
        state,
        actor,
        enterprise_type=f"TASK_ASSIGNMENT_{what.upper()}",
        enterprise_source=enterprise_item_source(state, file),
        additional_details=details,
        user_type="TASK_ASSIGNMENT_CREATE" if shown else None,
        user_source=item_source(state, file) if shown else None,
        audience_all=ordered(audience) if shown else [],
    )


def record_download(state: State, actor: User, file: File) -> None:
    """Box's DOWNLOAD; users see ITEM_DOWNLOAD in ``all``, and only the file's owner does."""
    append(
        state,
        actor,
        enterprise_type="DOWNLOAD",
        enterprise_source=enterprise_item_source(state, file),
        additional_details={"version_id": file.version_id, **service_of(state, actor)},
        user_type="ITEM_DOWNLOAD",
        user_source=item_source(state, file),
        audience_all=[file.owner_id],
    )


def record_comment(state: State, actor: User, file: File, comment_id: str, message: str) -> None:
    """Box's COMMENT_CREATE: the commented file is the source, the comment in the details."""
    append(
        state,
        actor,
        enterprise_type="COMMENT_CREATE",
        enterprise_source=enterprise_item_source(state, file),
        additional_details={
            "comment": {"id": comment_id, "message": message},
            **service_of(state, actor),
        },
        user_type="COMMENT_CREATE",
        user_source=item_source(state, file),
        audience_all=[actor.id],
    )


def record_user_deleted(state: State, actor: User, user: User) -> None:
    """Box's DELETE_USER: its source is the deleted user."""
    append(
        state,
        actor,
        enterprise_type="DELETE_USER",
        enterprise_source={"type": "user", "id": user.id, "name": user.name, "login": user.login},
        additional_details=service_of(state, actor),
    )
