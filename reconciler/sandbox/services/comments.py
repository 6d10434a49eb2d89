"""Comments on files and replies to them: who may write, read, edit and delete them, and views."""

from __future__ import annotations

from reconciler.sandbox.errors import BadRequest, Forbidden, NotFound, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route, offset_page, pick_fields
from reconciler.sandbox.services.access import can_manage, can_see
from reconciler.sandbox.services.events import record_comment
from reconciler.sandbox.services.tasks import visible_file
from reconciler.sandbox.services.users import someone
from reconciler.sandbox.state import Comment, State, User

MINI_KEYS = ("type", "id")


# --- views ---------------------------------------------------------------------------------


def comment_view(comment: Comment, state: State) -> JSON:
    """Box's Comment--Full; a reply's ``item`` is the comment it answers, as Box shows it."""
    item = (
        {"type": "comment", "id": comment.reply_to_id}
        if comment.reply_to_id
        else {"type": "file", "id": comment.file_id}
    )
    return {
        "type": "comment",
        "id": comment.id,
        "is_reply_comment": comment.reply_to_id is not None,
        "message": comment.message,
        "tagged_message": comment.message,
        "created_by": someone(state, comment.created_by_id),
        "created_at": comment.created_at,
        "modified_at": comment.modified_at,
        "item": item,
    }


# --- state operations ----------------------------------------------------------------------


def comments_on(state: State, file_id: str) -> list[Comment]:
    """A file's comments and replies, oldest first (the order Box lists them in)."""
    found = [c for c in state.comments.values() if c.file_id == file_id]
    return sorted(found, key=lambda c: int(c.id) if c.id.isdigit() else 0)


def get_comment(state: State, actor: User, comment_id: str) -> Comment:
    """The comment, or 404 when it is missing or its file is hidden from the caller."""
    comment = state.comments.get(comment_id)
    if comment is None or not can_see(state, actor.id, "file", comment.file_id):
        raise NotFound(
            f"Not Found: comment '{comment_id}'",
            context_info=invalid_parameter("comment", comment_id),
        )
    return comment


def checked_message(body: JSON) -> str:
    message = body.get("message", body.get("tagged_message"))
    if not isinstance(message, str) or not message.strip():
        raise BadRequest(
            "'message' is required", context_info=invalid_parameter("message", message)
        )
    return message


def target_of(state: State, actor: User, body: JSON) -> tuple[str, str | None]:
    """(file id, answered comment id) for ``item``: a file, or a comment to reply to."""
    item = body.get("item")
    if not isinstance(item, dict) or item.get("type") not in ("file", "comment"):
        raise BadRequest(
            "'item' must be a file or a comment", context_info=invalid_parameter("item", item)
        )
    if not item.get("id"):
        raise BadRequest("'item' needs an 'id'", context_info=invalid_parameter("item", item))
    if item["type"] == "file":
        return visible_file(state, actor, str(item["id"])).id, None
    answered = get_comment(state, actor, str(item["id"]))
    # Box threads one level deep: a reply to a reply answers the same thread.
    return answered.file_id, answered.reply_to_id or answered.id


def create_comment(state: State, actor: User, body: JSON) -> Comment:
    """Anyone who can see the file may comment on it or reply to a comment on it."""
    file_id, reply_to = target_of(state, actor, body)
    now = state.now()
    comment = Comment(
        id=state.new_id(),
        file_id=file_id,
        message=checked_message(body),
        created_by_id=actor.id,
        created_at=now,
        modified_at=now,
        reply_to_id=reply_to,
    )
    state.comments[comment.id] = comment
    record_comment(state, actor, state.files[file_id], comment.id, comment.message)
    return comment


def update_comment(state: State, actor: User, comment: Comment, body: JSON) -> Comment:
    if actor.id != comment.created_by_id:
        raise Forbidden("Only the author of a comment can change it")
    comment.message = checked_message(body)
    comment.modified_at = state.now()
    return comment


def delete_comment(state: State, actor: User, comment: Comment) -> None:
    """The author, or whoever manages the file; a thread goes with its first comment."""
    if actor.id != comment.created_by_id and not can_manage(
        state, actor.id, "file", comment.file_id
    ):
        raise Forbidden("Only the author or a manager of the file can delete a comment")
    for reply in [c for c in state.comments.values() if c.reply_to_id == comment.id]:
        del state.comments[reply.id]
    del state.comments[comment.id]


# --- handlers ------------------------------------------------------------------------------


def shown(call: Call, comment: Comment) -> JSON:
    return pick_fields(comment_view(comment, call.state), MINI_KEYS, call.fields())


def handle_file_comments(call: Call) -> Reply:
    file = visible_file(call.state, call.actor, call.args["file_id"])
    entries = [shown(call, c) for c in comments_on(call.state, file.id)]
    return Reply(200, offset_page(call, entries))


def handle_create(call: Call) -> Reply:
    comment = create_comment(call.state, call.actor, call.json())
    return Reply(201, shown(call, comment))


def handle_get(call: Call) -> Reply:
    return Reply(200, shown(call, get_comment(call.state, call.actor, call.args["comment_id"])))


def handle_update(call: Call) -> Reply:
    comment = get_comment(call.state, call.actor, call.args["comment_id"])
    update_comment(call.state, call.actor, comment, call.json())
    return Reply(200, shown(call, comment))


def handle_delete(call: Call) -> Reply:
    comment = get_comment(call.state, call.actor, call.args["comment_id"])
    delete_comment(call.state, call.actor, comment)
    return Reply(204)


ROUTES = [
    Route(
        "GET",
        "/2.0/files/<file_id>/comments",
        handle_file_comments,
        params=("fields", "offset", "limit"),
    ),
    Route("POST", "/2.0/comments", handle_create, writes=True, params=("fields",)),
    Route("GET", "/2.0/comments/<comment_id>", handle_get, params=("fields",)),
    Route("PUT", "/2.0/comments/<comment_id>", handle_update, writes=True, params=("fields",)),
    Route("DELETE", "/2.0/comments/<comment_id>", handle_delete, writes=True),
]
