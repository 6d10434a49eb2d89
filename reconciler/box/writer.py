"""The writes reconciler makes in Box: one narrow method per operation, nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from box_sdk_gen import (
    BoxClient,
    CreateCollaborationAccessibleBy,
    CreateCollaborationAccessibleByTypeField,
    CreateCollaborationItem,
    CreateCollaborationItemTypeField,
    CreateCollaborationRole,
    CreateHubCollaborationV2025R0AccessibleBy,
    CreateHubCollaborationV2025R0Hub,
    CreateTaskAction,
    CreateTaskAssignmentAssignTo,
    CreateTaskAssignmentTask,
    CreateTaskCompletionRule,
    CreateTaskItem,
    CreateTaskItemTypeField,
    UpdateCollaborationByIdRole,
    UpdateTaskByIdCompletionRule,
)
from box_sdk_gen.internal.null_value import NullValue

from reconciler.box import ledger, webhooks
from reconciler.box.errors import call
from reconciler.box.reader import parse_collaboration
from reconciler.box.tasks import parse_assignment, parse_task
from reconciler.box.wire import raw_json
from reconciler.errors import EXPIRY_SETTING, BoxError, ExpiryRefused, Forbidden
from reconciler.model import (
    InvitationRecord,
    ItemKind,
    ItemRef,
    LiveAssignment,
    LiveCollaboration,
    LiveTask,
    LiveWebhook,
    Principal,
    PrincipalKind,
)


def _accessible_by(principal: Principal, user_id: str | None) -> tuple[str, dict[str, Any]]:
    """(type, {id or login}) for a principal; an email client with a known account goes by id."""
    if principal.kind is PrincipalKind.GROUP:
        return "group", {"id": principal.key}
    if principal.kind is PrincipalKind.USER:
        return "user", {"id": principal.key}
    if user_id:
        return "user", {"id": user_id}
    return "user", {"login": principal.display}


class BoxWriter:
    """Every change ``apply`` can make, one method each."""

    def __init__(self, client: BoxClient) -> None:
        self.client = client

    # -- collaborations on folders and files --

    def invite(
        self,
        item: ItemRef,
        principal: Principal,
        role: str,
        *,
        notify: bool,
        expires_at: datetime | None = None,
    ) -> LiveCollaboration:
        kind, who = _accessible_by(principal, None)
        item_type = (
            CreateCollaborationItemTypeField.FOLDER
            if item.kind is ItemKind.FOLDER
            else CreateCollaborationItemTypeField.FILE
        )
        created = call(
            f"invite {principal} to {item.kind.value} {item.id}",
            lambda: self.client.user_collaborations.create_collaboration(
                CreateCollaborationItem(type=item_type, id=item.id),
                CreateCollaborationAccessibleBy(
                    type=CreateCollaborationAccessibleByTypeField(kind), **who
                ),
                CreateCollaborationRole(role),
                notify=notify,
                expires_at=expires_at,
            ),
        )
        return parse_collaboration(raw_json(created), item)

    def change_role(self, collaboration_id: str, item: ItemRef, role: str) -> LiveCollaboration:
        updated = call(
            f"change collaboration {collaboration_id} to {role}",
            lambda: self.client.user_collaborations.update_collaboration_by_id(
                collaboration_id, role=UpdateCollaborationByIdRole(role)
            ),
        )
        return parse_collaboration(raw_json(updated), item)

    def set_expiry(
        self, collaboration_id: str, item: ItemRef, expires_at: datetime | None
    ) -> LiveCollaboration:
        """Set, move or clear (``None``: an explicit JSON null) a collaboration's expiry.

        Box's 403 here has a cause of its own (Box's API reference for ``PUT
        /collaborations/{id}``): a collaboration can be given an expiry only if it was created
        after the enterprise setting was enabled. It is raised as ``ExpiryRefused`` saying so."""
        value = cast("datetime", NullValue()) if expires_at is None else expires_at
        verb = "clear" if expires_at is None else "set"
        try:
            updated = call(
                f"{verb} the expiry of collaboration {collaboration_id}",
                lambda: self.client.user_collaborations.update_collaboration_by_id(
                    collaboration_id, expires_at=value
                ),
            )
        except Forbidden as err:
            raise expiry_refused(
                collaboration_id, item, clearing=expires_at is None, err=err
            ) from None
        return parse_collaboration(raw_json(updated), item)

    def record_invitation(
        self, item: ItemRef, email: str, invited_at: str, *, resent: bool
    ) -> None:
        """Note an invitation in the item's ledger: a first one, or one more resend."""
        entries, exists = ledger.read(self.client, item)
        key = email.casefold()
        known = entries.get(key)
        if resent and known is not None:
            entries[key] = InvitationRecord(known.invited_at, known.resends + 1)
        else:
            entries[key] = InvitationRecord(invited_at, 1 if resent else 0)
        ledger.write(self.client, item, entries, exists=exists)

    def remove(self, collaboration_id: str) -> None:
        call(
            f"remove collaboration {collaboration_id}",
            lambda: self.client.user_collaborations.delete_collaboration_by_id(collaboration_id),
        )

    # -- hubs --

    def add_to_hub(
        self, hub_id: str, principal: Principal, role: str, *, user_id: str | None
    ) -> LiveCollaboration:
        kind, who = _accessible_by(principal, user_id)
        created = call(
            f"add {principal} to hub {hub_id}",
            lambda: self.client.hub_collaborations.create_hub_collaboration_v2025_r0(
                CreateHubCollaborationV2025R0Hub(id=hub_id),
                CreateHubCollaborationV2025R0AccessibleBy(type=kind, **who),
                role,
            ),
        )
        return parse_collaboration(raw_json(created), ItemRef(ItemKind.HUB, hub_id))

    def change_hub_role(
        self, hub_collaboration_id: str, hub_id: str, role: str
    ) -> LiveCollaboration:
        updated = call(
            f"change hub collaboration {hub_collaboration_id} to {role}",
            lambda: self.client.hub_collaborations.update_hub_collaboration_by_id_v2025_r0(
                hub_collaboration_id, role=role
            ),
        )
        return parse_collaboration(raw_json(updated), ItemRef(ItemKind.HUB, hub_id))

    def remove_from_hub(self, hub_collaboration_id: str) -> None:
        call(
            f"remove hub collaboration {hub_collaboration_id}",
            lambda: self.client.hub_collaborations.delete_hub_collaboration_by_id_v2025_r0(
                hub_collaboration_id
            ),
        )

    # -- review tasks --

    def create_task(
        self, file_id: str, *, message: str, due_at: datetime | None, completion_rule: str
    ) -> LiveTask:
        created = call(
            f"create a review task on file {file_id}",
            lambda: self.client.tasks.create_task(
                CreateTaskItem(type=CreateTaskItemTypeField.FILE, id=file_id),
                action=CreateTaskAction.REVIEW,
                message=message,
                due_at=due_at,
                completion_rule=CreateTaskCompletionRule(completion_rule),
            ),
        )
        return parse_task(raw_json(created), file_id)

    def update_task(
        self,
        task_id: str,
        file_id: str,
        *,
        message: str,
        due_at: datetime | None,
        completion_rule: str,
    ) -> LiveTask:
        updated = call(
            f"update task {task_id}",
            lambda: self.client.tasks.update_task_by_id(
                task_id,
                message=message,
                due_at=due_at,
                completion_rule=UpdateTaskByIdCompletionRule(completion_rule),
            ),
        )
        return parse_task(raw_json(updated), file_id)

    def assign(self, task_id: str, user_id: str) -> LiveAssignment:
        created = call(
            f"assign task {task_id} to user {user_id}",
            lambda: self.client.task_assignments.create_task_assignment(
                CreateTaskAssignmentTask(id=task_id), CreateTaskAssignmentAssignTo(id=user_id)
            ),
        )
        return parse_assignment(raw_json(created))

    def unassign(self, assignment_id: str) -> None:
        call(
            f"remove task assignment {assignment_id}",
            lambda: self.client.task_assignments.delete_task_assignment_by_id(assignment_id),
        )

    # -- the declared webhook on a delivered folder --

    def create_webhook(
        self, folder_id: str, address: str, triggers: tuple[str, ...]
    ) -> LiveWebhook:
        return webhooks.create_webhook(self.client, folder_id, address, triggers)

    def update_webhook(self, webhook_id: str, address: str, triggers: tuple[str, ...]) -> None:
        webhooks.update_webhook(self.client, webhook_id, address, triggers)

    def delete_webhook(self, webhook_id: str) -> None:
        webhooks.delete_webhook(self.client, webhook_id)


def expiry_refused(
    collaboration_id: str, item: ItemRef, *, clearing: bool, err: BoxError
) -> ExpiryRefused:
    """Box's 403 to ``PUT expires_at``, in words that say why and what to do."""
    where = f"collaboration {collaboration_id} on {item.kind.value} {item.id}"
    if clearing:
        text = (
            f"Box refused to clear the expiry of {where}: Box does not document whether a "
            "folder owner may clear an expiry its enterprise policy set. Remove 'expires: "
            "never' for this person to leave the expiry as Box set it, or ask a Box admin"
        )
    else:
        text = (
            f"Box refused to set the expiry of {where}: Box gives a collaboration an expiry "
            "only if it was created after the enterprise setting "
            f"'{EXPIRY_SETTING}' was enabled (Box Admin Console, Enterprise Settings). If the "
            "setting is off, turn it on; if it is on, this collaboration was created before it: "
            "remove the person and invite them again (the new invitation carries the expiry), "
            "or remove expires / expires_in_days for them from the manifest"
        )
    return ExpiryRefused(text, status=err.status, code=err.code, request_id=err.request_id)
