"""``reconcile sandbox upload|comment``: a new file for review, and a client's Box comment on
one, against a running sandbox, printing what Box holds after each."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from reconciler.cli.rehearse import AdminOpt, UrlOpt, person, sandbox_url
from reconciler.cli.sandbox import sandbox_app
from reconciler.errors import UsageError


@sandbox_app.command("upload")
def upload(
    folder_id: Annotated[str, typer.Argument(metavar="FOLDER_ID", help="Where the file goes.")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new file's name.")],
    as_email: Annotated[
        Optional[str],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
        typer.Option(
            "--as",
            metavar="EMAIL",
            help="Who uploads (default: the account of BOX_DEVELOPER_TOKEN).",
            show_default=False,
        ),
    ] = None,
    url: UrlOpt = None,
    admin_token: AdminOpt = None,
) -> None:
    """Upload a new (small, placeholder) file into a folder, as the studio or as someone else.

    \b
    Examples:
      reconcile sandbox upload 213534631621 poster-v2.pdf   # the Acme folder of --seed sample
      reconcile sandbox upload 213534631621 brief.txt --as cmo@acme.example
    """
    from reconciler.box.people import Person

    base = sandbox_url(url)
    if as_email:
        who = person(base, admin_token, as_email)
    else:
        who = Person(base, os.environ.get("BOX_DEVELOPER_TOKEN") or "sandbox")
    file_id, stored = who.upload(folder_id, name, f"{name}\n".encode())
    typer.echo(f"{who.user.login} uploaded file {stored!r} ({file_id}) into folder {folder_id}")


@sandbox_app.command("comment")
def comment(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="Who writes the comment.")],
    file_id: Annotated[str, typer.Argument(metavar="FILE_ID", help="The file commented on.")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What they write.")],
    url: UrlOpt = None,
    admin_token: AdminOpt = None,
) -> None:
    """Someone with access to a file writes a Box comment on it (a client saying what to change).

    \b
    Examples:
      reconcile sandbox comment jane.doe@acme.example 1400000102 "make the logo larger"
    """
    if not text.strip():
        raise UsageError("the comment's TEXT is empty")
    who = person(sandbox_url(url), admin_token, email)
    who.comment(file_id, text)
    held = who.comments_on(file_id)
    noun = "comment" if len(held) == 1 else "comments"
    typer.echo(f"{email} commented on file {file_id}; it has {len(held)} {noun}:")
    for c in held:
        typer.echo(f"  {c.created_at}  {c.author_login}: {c.message}")
