"""The status report as an aligned table for people, a JSON document, or CSV rows for billing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TextIO

from reconciler.errors import UsageError
from reconciler.model import PrincipalKind
from reconciler.render.colour import paint
from reconciler.render.comments import (
    COMMENT_COLUMNS,
    comment_cells,
    delivery_comment_lines,
    summary_line,
)
from reconciler.render.json import write_json
from reconciler.render.words import plural
from reconciler.status.feedback import unanswered_files
from reconciler.status.report import (
    ClientStatus,
    DeliveryStatus,
    FileState,
    FileStatus,
    Invitation,
    StatusReport,
)

CLIENT_COLUMNS: tuple[str, ...] = (
    "delivery",
    "client",
    "name",
    "kind",
    "invitation",
    "invited_at",
    "accepted_at",
    "approver",
    "approved",
    "rejected",
    "to_review",
    "waiting_for_acceptance",
    "not_assigned",
    "last_resolved_at",
    "pending_days",
    "resends",
)
#: One row per decision: an approver and a file, decided or still open (``decided`` says which).
FILE_COLUMNS: tuple[str, ...] = (
    "delivery",
    "client",
    "name",
    "kind",
    "invitation",
    "invited_at",
    "accepted_at",
    "file_id",
    "path",
    "state",
    "decided",
    "resolved_at",
    "message",
    "result",
    "completion_rule",
    "due_at",
    "overdue",
    "assignment_id",
    *COMMENT_COLUMNS,
)

#: Rejections alert the team (red); approvals start billing (green).
COLORS: Mapping[str, str] = {
    Invitation.ACCEPTED.value: "green",
    Invitation.PENDING.value: "yellow",
    Invitation.REJECTED.value: "red",
    Invitation.NOT_INVITED.value: "dim",
    Invitation.REVOKED.value: "dim",
    FileState.APPROVED.value: "green",
    FileState.TO_REVIEW.value: "cyan",
    FileState.WAITING.value: "yellow",
    FileState.NOT_ASSIGNED.value: "dim",
}
NOTHING = "-"


def render(
    report: StatusReport,
    stream: TextIO,
    *,
    format: str = "table",
    files: bool = False,
    color: bool = False,
) -> None:
    """Write ``report`` in one of ``FORMATS``; colour applies to the table only."""
    try:
        writer = FORMATS[format]
    except KeyError:
        raise UsageError(
            f"unknown status format {format!r}; choose from {sorted(FORMATS)}"
        ) from None
    writer(report, stream, files, color)


def render_json(report: StatusReport, stream: TextIO, files: bool, color: bool) -> None:
    del color  # JSON is for machines: never coloured.
    document = {**report.to_dict(files=files), "unanswered_comment_files": unanswered_files(report)}
    write_json(document, stream)


def render_csv(report: StatusReport, stream: TextIO, files: bool, color: bool) -> None:
    """One row per client per delivery, or per approver and file with ``files``."""
    del color
    columns = FILE_COLUMNS if files else CLIENT_COLUMNS
    # RFC 4180 line endings would double up on a text stream opened by Python with newline=None.
    stream.write(",".join(csv_cell(c) for c in columns) + "\n")
    rows = file_rows(report) if files else client_rows(report)
    for row in rows:
        stream.write(",".join(csv_cell(inert(row.get(c, ""))) for c in columns) + "\n")


#: What a spreadsheet runs as a formula when a cell starts with it (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = frozenset(',"\r\n')


def csv_cell(value: str) -> str:
    """One CSV field, quoted when it holds a delimiter, a quote, a CR or an LF: a bare CR would
    end the row in a spreadsheet (Python's csv module quotes only the line terminator's)."""
    if _NEEDS_QUOTES.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def inert(value: str) -> str:
    """A cell a spreadsheet shows as text: names and paths come from clients and Box, and
    ``=HYPERLINK(...)`` in a file name must not run on the billing person's machine. Spreadsheets
    skip leading blanks and controls, so the formula sign is looked for after them too."""
    start = value
    while start and (start[0].isspace() or not start[0].isprintable()):
        start = start[1:]
    if value.startswith(FORMULA_STARTS) or start.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def client_rows(report: StatusReport) -> Iterator[dict[str, str]]:
    for delivery in report.deliveries:
        for client in delivery.clients:
            counts = client.approvals
            row = {**_who(delivery, client), "approver": "true" if counts else "false"}
            row.update(
                approved=_count(counts.approved if counts else None),
                rejected=_count(counts.rejected if counts else None),
                to_review=_count(counts.to_review if counts else None),
                waiting_for_acceptance=_count(counts.waiting if counts else None),
                not_assigned=_count(counts.not_assigned if counts else None),
                last_resolved_at=(counts.last_resolved_at if counts else None) or "",
                pending_days=_count(client.pending_days),
                resends=_count(client.resends),
            )
            yield row


def file_rows(report: StatusReport) -> Iterator[dict[str, str]]:
    for delivery in report.deliveries:
        for client in delivery.clients:
            for file in client.files:
                yield {**_who(delivery, client), **_file_cells(file)}


def _who(delivery: DeliveryStatus, client: ClientStatus) -> dict[str, str]:
    return {
        "delivery": delivery.name,
        "client": client.client,
        "name": client.name,
        "kind": client.kind.value,
        "invitation": client.invitation.value,
        "invited_at": client.invited_at or "",
        "accepted_at": client.accepted_at or "",
    }


def _file_cells(file: FileStatus) -> dict[str, str]:
    return {
        "file_id": file.file_id,
        "path": file.path,
        "state": file.state.value,
        "decided": _flag(file.decided()),
        "resolved_at": file.resolved_at or "",
        "message": file.message,
        "result": file.result.value if file.result is not None else "",
        "completion_rule": file.completion_rule,
        "due_at": file.due_at or "",
        "overdue": _flag(file.overdue),
        "assignment_id": file.assignment_id or "",
        **comment_cells(file.comments),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


# --- table ---------------------------------------------------------------------------------

CLIENT_HEADINGS: tuple[str, ...] = (
    "CLIENT",
    "KIND",
    "INVITATION",
    "INVITED",
    "ACCEPTED",
    # The counts are of files, the unit named once at the first of them, as the plan's
    # headline names changes: "FILES APPROVED  REJECTED  TO REVIEW ..."
    "FILES APPROVED",
    "REJECTED",
    "TO REVIEW",
    "WAITING FOR ACCEPTANCE",
    "NOT ASSIGNED",
    "LAST DECISION",
)
FILE_HEADINGS: tuple[str, ...] = ("CLIENT", "FILE", "STATE", "DECIDED", "RESULT", "DUE", "MESSAGE")
#: Counts read best right-aligned.
_NUMERIC = frozenset(
    {"FILES APPROVED", "REJECTED", "TO REVIEW", "WAITING FOR ACCEPTANCE", "NOT ASSIGNED"}
)
#: After a delivery's title when its manifest revokes it.
REVOKED_MARK = "revoked: access removed, decisions kept"
NO_DELIVERIES = "No deliveries."


def render_table(report: StatusReport, stream: TextIO, files: bool, color: bool) -> None:
    for text in table_lines(report, files=files, color=color):
        stream.write(text + "\n")


def table_lines(report: StatusReport, *, files: bool = False, color: bool = False) -> Iterator[str]:
    if not report.deliveries:
        yield NO_DELIVERIES
        return
    for index, delivery in enumerate(report.deliveries):
        if index:
            yield ""
        mark = f"  {REVOKED_MARK}" if delivery.revoked else ""
        yield paint(f"{delivery.name}  ({delivery.manifest}){mark}", "bold", color=color)
        rows = [_client_cells(c) for c in delivery.clients]
        yield from _aligned(CLIENT_HEADINGS, rows, color)
        file_table = [_file_row(c, f) for c in delivery.clients for f in c.files]
        if files and file_table:
            yield ""
            yield from _aligned(FILE_HEADINGS, file_table, color)
            comment_lines = list(delivery_comment_lines(delivery))
            if comment_lines:
                yield ""
                yield "  Comments by clients, newest first:"
                yield from comment_lines
    rejections = report.rejections()
    if rejections:
        yield ""
        needs = "needs" if len(rejections) == 1 else "need"
        note = f"{plural(len(rejections), 'rejected file')} {needs} the team's attention:"
        yield paint(note, COLORS[FileState.REJECTED.value], color=color)
        for delivery, client, file in rejections:
            yield f"  {file.path}  ({delivery.name}, rejected by {client.client})"
    unanswered = summary_line(report)
    if unanswered:
        yield ""
        yield unanswered


def _file_row(client: ClientStatus, file: FileStatus) -> tuple[str, ...]:
    due = file.due_at or NOTHING
    return (
        client.client,
        file.path,
        file.state.value,
        file.resolved_at or NOTHING,
        file.result.value if file.result is not None else NOTHING,
        f"{due} (overdue)" if file.overdue else due,
        file.message or NOTHING,
    )


def who_words(client: ClientStatus) -> str:
    """A group by its name as well as its id (a person's name is in JSON and CSV)."""
    if client.name and client.kind is PrincipalKind.GROUP:
        return f"{client.client} ({client.name})"
    return client.client


def _client_cells(client: ClientStatus) -> tuple[str, ...]:
    counts = client.approvals
    if counts is None:
        numbers = (NOTHING,) * 6
    else:
        numbers = (
            str(counts.approved),
            str(counts.rejected),
            str(counts.to_review),
            str(counts.waiting),
            str(counts.not_assigned),
            counts.last_resolved_at or NOTHING,
        )
    return (
        who_words(client),
        client.kind.value,
        invitation_words(client),
        client.invited_at or NOTHING,
        client.accepted_at or NOTHING,
        *numbers,
    )


def invitation_words(client: ClientStatus) -> str:
    """``pending`` with its age and resends, when Box says how old it is."""
    if client.pending_days is None:
        return client.invitation.value
    resent = f", sent again {client.resends}x" if client.resends else ""
    days = "1 day" if client.pending_days == 1 else f"{client.pending_days} days"
    return f"{client.invitation.value} ({days}{resent})"


def _aligned(headings: Sequence[str], rows: Sequence[Sequence[str]], color: bool) -> Iterator[str]:
    widths = [max(len(str(r[i])) for r in [headings, *rows]) for i in range(len(headings))]
    justify: list[Callable[[str, int], str]] = [
        (str.rjust if h in _NUMERIC else str.ljust) for h in headings
    ]
    yield "  " + "  ".join(justify[i](h, widths[i]) for i, h in enumerate(headings)).rstrip()
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            code = _color_of(headings[i], value)
            cell = justify[i](value, widths[i])
            cells.append(paint(cell, code, color=color))
        yield "  " + "  ".join(cells).rstrip()


def _color_of(heading: str, value: str) -> str | None:
    if heading in ("INVITATION", "STATE"):
        return COLORS.get(value.split(" ", 1)[0])
    if heading == "REJECTED" and value not in ("0", NOTHING):
        return COLORS[FileState.REJECTED.value]
    return None


FORMATS: Mapping[str, Callable[[StatusReport, TextIO, bool, bool], None]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
}
