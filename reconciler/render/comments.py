"""The clients' Box comments in status output: lines under the file table, CSV cells, a summary."""

from __future__ import annotations

from collections.abc import Iterator

from reconciler.render.words import plural
from reconciler.status.feedback import unanswered_files
from reconciler.status.model import FileComments
from reconciler.status.report import DeliveryStatus, StatusReport

COMMENT_COLUMNS: tuple[str, ...] = ("client_comments", "unanswered_comments")


def comment_cells(comments: FileComments) -> dict[str, str]:
    """Newest first, one ``created_at author: message`` per comment, joined by `` | ``."""
    return {
        "client_comments": " | ".join(
            f"{c.created_at} {c.author}: {one_line(c.message)}" for c in comments.by_clients
        ),
        "unanswered_comments": "true" if comments.unanswered else "false",
    }


def one_line(text: str) -> str:
    return " ".join(text.split())


def delivery_comment_lines(delivery: DeliveryStatus) -> Iterator[str]:
    """Each file with client comments once, its comments newest first."""
    seen: set[str] = set()
    for client in delivery.clients:
        for file in client.files:
            if file.file_id in seen or not file.comments.by_clients:
                continue
            seen.add(file.file_id)
            waiting = "  (unanswered)" if file.comments.unanswered else ""
            yield f"  {file.path}{waiting}"
            for c in file.comments.by_clients:
                yield f"    {c.created_at}  {c.author}: {one_line(c.message)}"


def summary_line(report: StatusReport) -> str | None:
    count = unanswered_files(report)
    if not count:
        return None
    return f"{plural(count, 'file')} with unanswered client comments."
