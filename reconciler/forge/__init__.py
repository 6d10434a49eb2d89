"""The second outside boundary: one sticky plan comment on a GitHub pull request or a GitLab
merge request, found again by its marker and edited in place, never posted twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comment:
    id: str
    body: str


class Thread(Protocol):
    """The comments of one pull or merge request."""

    #: for messages: "pull request octo/deliveries#7"
    where: str

    def comments(self) -> Iterator[Comment]: ...

    def create(self, body: str) -> Comment: ...

    def update(self, comment_id: str, body: str) -> Comment: ...


@dataclass(frozen=True)
class Posted:
    comment: Comment
    created: bool


def post_sticky(thread: Thread, body: str, marker: str) -> Posted:
    """Edit the first comment that starts with ``marker``, or create it when there is none."""
    for comment in thread.comments():
        if comment.body.lstrip().startswith(marker):
            log.debug("updating comment %s on %s", comment.id, thread.where)
            return Posted(thread.update(comment.id, body), created=False)
    return Posted(thread.create(body), created=True)
