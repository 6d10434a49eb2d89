"""A notice in words a person scans: a headline (an email's subject, a chat message's title) and
labelled lines (the reviewer's message, the delivery, the file, its result, when, the link)."""

from __future__ import annotations

from typing import Any

from reconciler.notify.notices import Notice

RESULTS = {
    "approved": "approved",
    "rejected": "rejected",
    "to_review": "still to review",
}


def _who(doc: dict[str, Any]) -> str:
    return str(doc.get("client") or "someone")


def _what(doc: dict[str, Any]) -> str:
    file = doc.get("file")
    if isinstance(file, dict):
        return str(file.get("path") or file.get("id"))
    kind, _, ident = str(doc.get("item") or "").partition(":")
    return f"{kind} {ident}".strip()


def headline(notice: Notice) -> str:
    """E.g. ``Rejected by cmo@acme.example: hero.jpg — acme-spring-2026``."""
    doc = notice.document
    delivery = doc.get("delivery", "")
    if notice.kind == "decision":
        verb = str(doc.get("decision", "decided")).capitalize()
        if doc.get("previous"):
            verb += f" (was {doc['previous']})"
        return f"{verb} by {_who(doc)}: {_what(doc)} — {delivery}"
    if notice.kind == "comment":
        return f"Comment by {_who(doc)} on {_what(doc)} — {delivery}"
    if notice.kind == "acceptance":
        return f"Accepted by {_who(doc)}: {_what(doc)} — {delivery}"
    if notice.kind == "invitation":
        return f"Invitation sent to {_who(doc)}: {_what(doc)} — {delivery}"
    return f"{notice.kind}: {_what(doc)} — {delivery}"


def result_line(doc: dict[str, Any]) -> str | None:
    result = doc.get("result")
    if not result:
        return None
    words = RESULTS.get(str(result), str(result))
    rule = doc.get("completion_rule")
    return f"{words} (completion rule: {rule})" if rule else words


def lines(notice: Notice) -> list[tuple[str, str]]:
    """Labelled lines, most telling first; empty values left out."""
    doc = notice.document
    person = _who(doc)
    if doc.get("client_name"):
        person = f"{doc['client_name']} <{person}>"
    file = doc["file"] if isinstance(doc.get("file"), dict) else {}
    found: list[tuple[str, str | None]] = [
        ("Message", doc.get("message") or None),
        ("By" if notice.kind in ("decision", "comment") else "Client", person),
        ("Decision", doc.get("decision")),
        ("Earlier decision", doc.get("previous")),
        ("Delivery", doc.get("delivery")),
        ("File", file.get("path")),
        ("Item", doc.get("item")),
        ("File's result", result_line(doc)),
        ("Start billing", "yes: this decision approved the file" if doc.get("billable") else None),
        ("When", doc.get("at") or doc.get("seen_at")),
        ("Open in Box", doc.get("link")),
    ]
    return [(label, str(value)) for label, value in found if value]


def plain(notice: Notice) -> str:
    width = max((len(label) for label, _ in lines(notice)), default=0)
    body = [headline(notice), ""]
    body += [f"{label + ':':<{width + 1}} {value}" for label, value in lines(notice)]
    return "\n".join(body) + "\n"


def short(notice: Notice) -> str:
    """A chat message: the message, the result and the link, a line each."""
    doc = notice.document
    out = []
    if doc.get("message"):
        out.append(f"“{doc['message']}”")
    result = result_line(doc)
    if result:
        out.append(f"File's result: {result}")
    if doc.get("billable"):
        out.append("Start billing: this decision approved the file.")
    if doc.get("link"):
        out.append(str(doc["link"]))
    return "\n".join(out) or headline(notice)
