"""Pull-request comments through GitHub's REST API (issue comments, as the PR conversation)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from reconciler.errors import ConfigError, ForgeError, UsageError
from reconciler.forge import Comment
from reconciler.forge.http import comment_of, send

DEFAULT_API = "https://api.github.com"
#: Who GITHUB_TOKEN comments as; that token may not read GET /user.
ACTIONS_BOT = "github-actions[bot]"
API_VERSION = "2022-11-28"


@dataclass(frozen=True)
class PullRequest:
    """Which pull request, and whether it comes from a fork (whose token cannot write)."""

    repo: str
    number: int
    fork: bool = False


def from_event(env: Mapping[str, str]) -> PullRequest:
    """The pull request of the event GitHub Actions is running for (GITHUB_EVENT_PATH)."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise UsageError("no GITHUB_EVENT_PATH: pass --repo OWNER/NAME --pr N")
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"GITHUB_EVENT_PATH {path}: cannot read the event ({exc})") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        raise UsageError(
            f"GITHUB_EVENT_PATH {path}: not a pull_request event; pass --repo OWNER/NAME --pr N"
        )
    base_repo = _repo_name(pull.get("base")) or env.get("GITHUB_REPOSITORY", "")
    head_repo = _repo_name(pull.get("head"))
    head = pull.get("head") or {}
    fork = bool((head.get("repo") or {}).get("fork")) or (
        head_repo is not None and head_repo != base_repo
    )
    if not base_repo:
        raise UsageError(f"GITHUB_EVENT_PATH {path}: the event names no repository")
    return PullRequest(base_repo, int(pull["number"]), fork)


def _repo_name(side: Any) -> str | None:
    repo = side.get("repo") if isinstance(side, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else None


class GitHubThread:
    """The conversation of one pull request."""

    def __init__(self, api_url: str, token: str, pull: PullRequest) -> None:
        self.api = api_url.rstrip("/")
        self.pull = pull
        self.where = f"pull request {pull.repo}#{pull.number}"
        self._me: str | None = None
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            }
        )

    def me(self) -> str:
        """The token's login (GET /user), or github-actions[bot] when the token cannot say."""
        if self._me is None:
            try:
                answer = send(self.session, "GET", f"{self.api}/user", "read the token's user")
                login = answer.json().get("login")
            except (ForgeError, ValueError, AttributeError):
                login = None
            self._me = str(login) if login else ACTIONS_BOT
        return self._me

    def comments(self) -> Iterator[Comment]:
        url: str | None = (
            f"{self.api}/repos/{self.pull.repo}/issues/{self.pull.number}/comments?per_page=100"
        )
        while url:
            page = send(self.session, "GET", url, f"list the comments of {self.where}")
            for entry in page.json():
                yield comment_of(entry)
            url = page.links.get("next", {}).get("url")

    def create(self, body: str) -> Comment:
        url = f"{self.api}/repos/{self.pull.repo}/issues/{self.pull.number}/comments"
        return comment_of(
            send(self.session, "POST", url, f"comment on {self.where}", {"body": body})
        )

    def update(self, comment_id: str, body: str) -> Comment:
        url = f"{self.api}/repos/{self.pull.repo}/issues/comments/{comment_id}"
        what = f"edit comment {comment_id} on {self.where}"
        return comment_of(send(self.session, "PATCH", url, what, {"body": body}))
