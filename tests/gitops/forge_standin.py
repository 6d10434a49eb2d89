"""A stand-in for GitHub's and GitLab's comment APIs on loopback, counting every request.

It answers the calls reconciler.forge makes, the way the real services do: GitHub's issue
comments (Link pagination, 422 for a body of 65,536 characters or more, 403 for a read-only
token) and GitLab's merge-request notes (X-Next-Page pagination, PRIVATE-TOKEN).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.receiver import Receiver

GITHUB_LIMIT = 65_536
READ_ONLY = "read-only-token"
#: who a token's comments are written by: GITHUB_TOKEN's bot, and a GitLab project token's bot
GITHUB_BOT = "github-actions[bot]"
GITLAB_BOT = "project_42_bot"
PAGE = 2  # small pages, so that finding the comment again crosses pages

_GH_LIST = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_GH_EDIT = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
_GL_LIST = re.compile(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes$")
_GL_EDIT = re.compile(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)$")


@dataclass
class Forge:
    token: str
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> comment
    next_id: int = 1000

    def bodies(self) -> list[str]:
        return [c["body"] for c in self.comments.values()]


class ForgeStandIn:
    """Serves on 127.0.0.1:<ephemeral> (a ``Receiver``, which records every request);
    ``stop()`` ends it."""

    def __init__(self, token: str) -> None:
        self.forge = Forge(token)
        self.lock = threading.Lock()
        # Someone else's comments already on the thread: the plan comment is found among them.
        for body in ("Looks good to me", "Could we add the CMO?", "Thanks!"):
            self._add("octo/deliveries#7", body, "octocat")
        self.receiver = Receiver(self._respond)

    @property
    def url(self) -> str:
        return self.receiver.base_url

    def stop(self) -> None:
        self.receiver.stop()

    def count(self, method: str) -> int:
        """How many requests of ``method`` reached the forge."""
        return sum(1 for r in self.receiver.got if r.method == method)

    def add_comment(self, thread: str, body: str, author: str) -> None:
        """A comment someone posted (``thread`` as "owner/name#7")."""
        with self.lock:
            self._add(thread, body, author)

    def _add(self, thread: str, body: str, author: str) -> dict[str, Any]:
        self.forge.next_id += 1
        comment = {
            "id": self.forge.next_id,
            "body": body,
            "thread": thread,
            "system": False,
            "author": author,
        }
        self.forge.comments[str(comment["id"])] = comment
        return comment

    def _respond(self, request: Request) -> Response:
        data = request.get_data()
        with self.lock:
            status, body, headers = self.answer(
                request.method,
                request.path,
                request.query_string.decode("latin-1"),
                json.loads(data) if data else None,
                request,
            )
        return Response(json.dumps(body), status, headers, content_type="application/json")

    def answer(
        self, method: str, path: str, query: str, body: Any, request: Request
    ) -> tuple[int, Any, dict[str, str]]:
        github = request.headers.get("Authorization", "")
        gitlab = request.headers.get("PRIVATE-TOKEN", "")
        if path.startswith("/api/v4/"):
            if gitlab != self.forge.token:
                return 401, {"message": "401 Unauthorized"}, {}
            return self._gitlab(method, path, query, body)
        if github not in (f"Bearer {self.forge.token}", f"Bearer {READ_ONLY}"):
            return 401, {"message": "Bad credentials"}, {}
        if method != "GET" and github == f"Bearer {READ_ONLY}":
            return 403, {"message": "Resource not accessible by integration"}, {}
        return self._github(method, path, query, body)

    def _page(self, thread: str, query: str) -> tuple[list[dict[str, Any]], int | None]:
        page = int(dict(p.split("=") for p in query.split("&") if "=" in p).get("page", "1"))
        entries = [c for c in self.forge.comments.values() if c["thread"] == thread]
        chunk = entries[(page - 1) * PAGE : page * PAGE]
        more = page + 1 if len(entries) > page * PAGE else None
        entries = [
            {
                "id": c["id"],
                "body": c["body"],
                "system": False,
                "user": {"login": c["author"]},  # GitHub's name for it
                "author": {"username": c["author"]},  # GitLab's
            }
            for c in chunk
        ]
        return entries, more

    def _github(
        self, method: str, path: str, query: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if (listing := _GH_LIST.match(path)) is not None:
            thread = f"{listing[1]}#{listing[2]}"
            if method == "GET":
                entries, more = self._page(thread, query)
                link = {}
                if more is not None:
                    link = {"Link": f'<{self.url}{path}?per_page=100&page={more}>; rel="next"'}
                return 200, entries, link
            if method == "POST":
                return self._write(body, lambda text: self._add(thread, text, GITHUB_BOT))
        if path == "/user" and method == "GET":  # GITHUB_TOKEN may not read it
            return 403, {"message": "Resource not accessible by integration"}, {}
        if (edit := _GH_EDIT.match(path)) is not None and method == "PATCH":
            comment = self.forge.comments.get(edit[2])
            if comment is None:
                return 404, {"message": "Not Found"}, {}
            return self._write(body, lambda text: comment.update(body=text) or comment)
        return 404, {"message": "Not Found"}, {}

    def _write(self, body: Any, store: Any) -> tuple[int, Any, dict[str, str]]:
        text = body.get("body") if isinstance(body, dict) else None
        if not isinstance(text, str):
            return 422, {"message": "Validation Failed"}, {}
        if len(text) >= GITHUB_LIMIT:
            return 422, {"message": "Body is too long (maximum is 65536 characters)"}, {}
        comment = store(text)
        return 201, {"id": comment["id"], "body": comment["body"]}, {}

    def _gitlab(
        self, method: str, path: str, query: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if (listing := _GL_LIST.match(path)) is not None:
            thread = f"gitlab:{listing[1]}!{listing[2]}"
            if method == "GET":
                entries, more = self._page(thread, query)
                return 200, entries, {"X-Next-Page": str(more or "")}
            if method == "POST":
                return self._write(body, lambda text: self._add(thread, text, GITLAB_BOT))
        if path == "/api/v4/user" and method == "GET":
            return 200, {"id": 42, "username": GITLAB_BOT}, {}
        if (edit := _GL_EDIT.match(path)) is not None and method == "PUT":
            comment = self.forge.comments.get(edit[3])
            if comment is None:
                return 404, {"message": "404 Not found"}, {}
            return self._write(body, lambda text: comment.update(body=text) or comment)
        return 404, {"message": "404 Not found"}, {}
