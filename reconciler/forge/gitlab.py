"""Merge-request notes through GitLab's REST API (v4)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import quote

import requests

from reconciler.errors import UsageError
from reconciler.forge import Comment
from reconciler.forge.http import comment_of, send

#: Where the token comes from: a project or personal access token with the ``api`` scope
#: (CI_JOB_TOKEN cannot write notes).
TOKEN_VARIABLES = ("RECONCILE_GITLAB_TOKEN", "GITLAB_TOKEN")


def token_from(env: Mapping[str, str]) -> str | None:
    return next((env[name] for name in TOKEN_VARIABLES if env.get(name)), None)


class GitLabThread:
    """The notes of one merge request."""

    def __init__(self, api_url: str, token: str, project: str, iid: str) -> None:
        self.base = f"{api_url.rstrip('/')}/projects/{quote(project, safe='')}/merge_requests/{iid}"
        self.where = f"merge request !{iid} of project {project}"
        self.session = requests.Session()
        self.session.headers.update({"PRIVATE-TOKEN": token})
        self._api = api_url.rstrip("/")
        self._me: str | None = None

    def me(self) -> str:
        """The token's user (GET /user): a project or group token is a bot user of its own."""
        if self._me is None:
            answer = send(self.session, "GET", f"{self._api}/user", "read the token's user")
            self._me = str(answer.json().get("username") or "")
        return self._me

    @classmethod
    def from_env(cls, env: Mapping[str, str], token: str) -> GitLabThread:
        missing = [
            n for n in ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID") if not env.get(n)
        ]
        if missing:
            raise UsageError(
                f"--gitlab needs {', '.join(missing)} (set by GitLab CI in merge-request pipelines)"
            )
        return cls(env["CI_API_V4_URL"], token, env["CI_PROJECT_ID"], env["CI_MERGE_REQUEST_IID"])

    def comments(self) -> Iterator[Comment]:
        page: str | None = "1"
        while page:
            url = f"{self.base}/notes?per_page=100&sort=asc&page={page}"
            answer = send(self.session, "GET", url, f"list the notes of {self.where}")
            for entry in answer.json():
                if not entry.get("system"):
                    yield comment_of(entry)
            page = answer.headers.get("X-Next-Page") or None

    def create(self, body: str) -> Comment:
        what = f"add a note to {self.where}"
        return comment_of(send(self.session, "POST", f"{self.base}/notes", what, {"body": body}))

    def update(self, comment_id: str, body: str) -> Comment:
        what = f"edit note {comment_id} on {self.where}"
        url = f"{self.base}/notes/{comment_id}"
        return comment_of(send(self.session, "PUT", url, what, {"body": body}))
