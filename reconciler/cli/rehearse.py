"""``reconcile sandbox signup|accept|review``: finish the story against a running sandbox, as the
client would in Box (sign up, accept, approve or reject), printing what Box holds after each."""

from __future__ import annotations

import os
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from reconciler.cli.sandbox import DEFAULT_PORT, sandbox_app
from reconciler.errors import BoxError, UsageError

if TYPE_CHECKING:
    from reconciler.box.people import Person

DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"

UrlOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option(
        "--url",
        metavar="URL",
        help=f"The sandbox (default: BOX_BASE_URL, else {DEFAULT_URL}).",
        show_default=False,
    ),
]
AdminOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--admin-token",
        metavar="TOKEN",
        envvar="SANDBOX_ADMIN_TOKEN",
        help="The control plane's token, when the sandbox was started with one.",
        show_default=False,
    ),
]


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"


def sandbox_url(url: str | None) -> str:
    found = (url or os.environ.get("BOX_BASE_URL") or DEFAULT_URL).rstrip("/")
    if not found.startswith(("http://", "https://")):
        raise UsageError(f"--url {found!r}: the sandbox's address starts with http://")
    return found


def control(url: str, admin: str | None, method: str, path: str, body: Any = None) -> Any:
    """One control-plane call (the sandbox's own API, not Box's)."""
    import requests

    headers = {"Authorization": f"Bearer {admin}"} if admin else {}
    try:
        answer = requests.request(
            method, f"{url}/_sandbox/{path}", json=body, headers=headers, timeout=30
        )
    except requests.RequestException as exc:
        raise BoxError(f"could not reach the sandbox at {url} ({type(exc).__name__})") from None
    if answer.status_code >= 400:
        try:
            why = answer.json().get("message", answer.text)
        except ValueError:
            why = answer.text
        raise BoxError(f"the sandbox at {url} refused {path}: {answer.status_code} {why}")
    return answer.json()


def person(url: str, admin: str | None, email: str) -> Person:
    """The person with this login, acting with their own token (read from the control plane)."""
    from reconciler.box.people import Person

    state = control(url, admin, "GET", "state")
    users = {u["id"]: u for u in state.get("users", [])}
    wanted = email.casefold()
    for token in state.get("tokens", []):
        user = users.get(token.get("user_id"))
        if user is not None and str(user.get("login", "")).casefold() == wanted:
            return Person(url, token["token"])
    raise UsageError(f"{email} has no Box account in the sandbox at {url}: sign them up first")


def show_invitations(who: Person) -> None:
    pending = who.pending_invitations()
    item = "invitation" if len(pending) == 1 else "invitations"
    typer.echo(f"{who.user.login} (Box user {who.user.id}): {len(pending)} pending {item}")
    for entry in pending:
        typer.echo(f"  pending   {what(entry)}")


def what(invitation: dict[str, Any]) -> str:
    """An invitation in words: the item when Box names it, else the invitation's id."""
    target = invitation.get("item") or {}
    if target.get("id"):
        return f"{target.get('type')} {target.get('name')!r} ({target['id']})"
    return f"invitation {invitation.get('id')}"


@sandbox_app.command("signup")
def signup(
    email: Annotated[
        str, typer.Argument(metavar="EMAIL", help="Who signs up (the invited email).")
    ],
    no_accept: Annotated[
        bool, typer.Option("--no-accept", help="Leave their invitations pending.")
    ] = False,
    url: UrlOpt = None,
    admin_token: AdminOpt = None,
) -> None:
    """An invited client creates a Box account (and accepts their invitations, unless told not).

    \b
    Examples:
      reconcile sandbox signup jane.doe@acme.example
      reconcile sandbox signup art@globex.example --no-accept
    """
    base = sandbox_url(url)
    made = control(base, admin_token, "POST", "signup", {"login": email, "accept": not no_accept})
    from reconciler.box.people import Person

    who = Person(base, made["token"])
    typer.echo(f"Box user {who.user.id} ({who.user.login}) signed up.")
    show_invitations(who)


@sandbox_app.command("accept")
def accept(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="Whose invitations to accept.")],
    url: UrlOpt = None,
    admin_token: AdminOpt = None,
) -> None:
    """A client with a Box account accepts every invitation waiting for them.

    \b
    Examples:
      reconcile sandbox accept art@globex.example
    """
    who = person(sandbox_url(url), admin_token, email)
    for entry in who.pending_invitations():
        who.accept(str(entry["id"]))
        typer.echo(f"  accepted  {what(entry)}")
    show_invitations(who)


@sandbox_app.command("review")
def review(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The reviewer.")],
    file_id: Annotated[str, typer.Argument(metavar="FILE_ID", help="The file reviewed.")],
    decision: Annotated[Decision, typer.Argument(help="approve or reject.", metavar="DECISION")],
    message: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--message", metavar="TEXT", help="What the reviewer writes with it."),
    ] = None,
    url: UrlOpt = None,
    admin_token: AdminOpt = None,
) -> None:
    """A client presses Approve or Reject on their review task for a file.

    \b
    Examples:
      reconcile sandbox review jane.doe@acme.example 1400000101 approve
      reconcile sandbox review jane.doe@acme.example 1400000104 reject --message "larger text"
    """
    who = person(sandbox_url(url), admin_token, email)
    open_ = who.assignments_on(file_id)
    if not open_:
        raise UsageError(f"{email} has no open review task on file {file_id}")
    state = "approved" if decision is Decision.APPROVE else "rejected"
    for assignment in open_:
        who.resolve(assignment.id, state, message)
    said = f": {message!r}" if message else ""
    typer.echo(f"{email} {state} file {who.file_name(file_id)!r} ({file_id}){said}")
