"""The second outside boundary: one sticky plan comment on a GitHub pull request or a GitLab
merge request, found again by its marker and its author (ours), edited in place, never posted
twice, and never someone else's comment edited.

Pipeline (README, "Developing"): manifest → model → box → planning → plan → applying → status →
session → notify → doctor → watch → render → **forge** → cli.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from reconciler.errors import ForgeError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comment:
    id: str
    body: str
    author: str | None = None  # the login that wrote it, as the forge names it


class Thread(Protocol):
    """The comments of one pull or merge request."""

    #: for messages: "pull request octo/deliveries#7"
    where: str

    def comments(self) -> Iterator[Comment]: ...

    def create(self, body: str) -> Comment: ...

    def update(self, comment_id: str, body: str) -> Comment: ...

    def me(self) -> str:
        """The login our comments are written by."""
        ...


@dataclass(frozen=True)
class Posted:
    comment: Comment
    created: bool


def post_sticky(thread: Thread, body: str, marker: str) -> Posted:
    """Edit our first comment that starts with ``marker``, or create one when there is none.

    A comment by anyone else is never edited, even when it starts with the marker; when the
    forge refuses to edit ours, a new one is posted instead.
    """
    me = thread.me()
    for comment in thread.comments():
        if not comment.body.lstrip().startswith(marker):
            continue
        if comment.author != me:
            log.info(
                "comment %s on %s carries the marker but is %r's: left alone",
                comment.id,
                thread.where,
                comment.author,
            )
            continue
        log.debug("updating comment %s on %s", comment.id, thread.where)
        try:
            return Posted(thread.update(comment.id, body), created=False)
        except ForgeError as err:
            if err.status not in (403, 404):
                raise
            log.warning("%s; posting a new comment instead", err)
            break
    return Posted(thread.create(body), created=True)
