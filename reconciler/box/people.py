"""Acting as a client with their own token: what the demo and rehearsals do in their place."""

from __future__ import annotations

import io
from typing import Any

from box_sdk_gen import (
    CreateCommentItem,
    CreateCommentItemTypeField,
    GetCollaborationsStatus,
    UpdateCollaborationByIdStatus,
    UpdateTaskAssignmentByIdResolutionState,
)
from box_sdk_gen.managers.uploads import UploadFileAttributes, UploadFileAttributesParentField

from reconciler.box.comments import file_comments
from reconciler.box.connect import BoxSettings, make_client
from reconciler.box.errors import call
from reconciler.box.reader import BoxReader, read_folder_files
from reconciler.box.wire import raw_json
from reconciler.model import LiveAssignment, LiveComment, LiveFile


class Person:
    """A Box user acting as themself (not as the reconciler)."""

    def __init__(self, base_url: str, token: str) -> None:
        settings = BoxSettings(base_url=base_url, developer_token=token)
        self.client = make_client(settings, retry_base_interval=0.1)
        self.reader = BoxReader(self.client)
        self.user = self.reader.me()

    def my_assignments(self, folder_id: str) -> list[tuple[LiveFile, LiveAssignment]]:
        """The incomplete review assignments of this person on the files below a folder."""
        files = read_folder_files(self.reader, [folder_id], with_tasks=True)[folder_id]
        return [
            (file, assignment)
            for file in files
            for task in file.tasks
            for assignment in task.assignments
            if assignment.assignee_id == self.user.id
            and assignment.resolution_state == "incomplete"
        ]

    def resolve(self, assignment_id: str, decision: str, message: str | None = None) -> None:
        """Press Approve or Reject in Box: ``decision`` is "approved" or "rejected", with an
        optional note to the studio."""
        state = UpdateTaskAssignmentByIdResolutionState(decision)
        call(
            f"{decision} assignment {assignment_id}",
            lambda: self.client.task_assignments.update_task_assignment_by_id(
                assignment_id, resolution_state=state, message=message
            ),
        )

    def pending_invitations(self) -> list[dict[str, Any]]:
        """The invitations waiting for this person, as Box lists them (``status=pending``)."""
        page = call(
            "list my pending invitations",
            lambda: self.client.list_collaborations.get_collaborations(
                GetCollaborationsStatus.PENDING, fields=["type", "id", "item", "status"]
            ),
        )
        return list(raw_json(page).get("entries") or [])

    def accept(self, collaboration_id: str) -> None:
        """Press Accept on an invitation."""
        call(
            f"accept invitation {collaboration_id}",
            lambda: self.client.user_collaborations.update_collaboration_by_id(
                collaboration_id, status=UpdateCollaborationByIdStatus.ACCEPTED
            ),
        )

    def assignments_on(self, file_id: str) -> list[LiveAssignment]:
        """This person's open review assignments on one file."""
        return [
            assignment
            for task in self.reader.file_tasks(file_id)
            for assignment in task.assignments
            if assignment.assignee_id == self.user.id
            and assignment.resolution_state == "incomplete"
        ]

    def open_file(self, file_id: str) -> bytes:
        """Download a file to look at it, as a client does before deciding on it (Box tells
        the file's owner: ``ITEM_DOWNLOAD`` on its ``all`` stream)."""
        stream = call(
            f"download file {file_id}",
            lambda: self.client.downloads.download_file(file_id),
        )
        return stream.read() if stream is not None else b""

    def file_name(self, file_id: str) -> str:
        """A file's name as this person sees it in Box."""
        found = call(
            f"read file {file_id}",
            lambda: self.client.files.get_file_by_id(file_id, fields=["id", "name"]),
        )
        return str(getattr(found, "name", "") or "")

    def comment(self, file_id: str, text: str) -> None:
        """Write a comment on a file, as a client asking for a change would."""
        item = CreateCommentItem(id=file_id, type=CreateCommentItemTypeField.FILE)
        call(
            f"comment on file {file_id}",
            lambda: self.client.comments.create_comment(text, item),
        )

    def comments_on(self, file_id: str) -> tuple[LiveComment, ...]:
        return file_comments(self.reader, file_id)

    def upload(self, folder_id: str, name: str, content: bytes) -> tuple[str, str]:
        """Upload a new file into a folder: its id and name as Box holds them."""
        attributes = UploadFileAttributes(name, UploadFileAttributesParentField(id=folder_id))
        files = call(
            f"upload {name!r} into folder {folder_id}",
            lambda: self.client.uploads.upload_file(attributes, io.BytesIO(content)),
        )
        entry = (raw_json(files).get("entries") or [{}])[0]
        return str(entry.get("id", "")), str(entry.get("name", name))
