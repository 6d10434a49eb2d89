"""Where Box is undocumented, both readings: the quirks a sandbox acts out, set in the seed
(``quirks: {...}``) or with ``PUT /_sandbox/quirks``.

Each quirk's default is the reading hardest on a client, so a client tested against the
defaults survives real Box whichever way Box turns out to behave:

- ``task_listing``: ``mini`` (default) answers ``GET /files/{id}/tasks`` without ``fields`` with
  mini tasks ``{type, id, item, due_at}``, as Box's own SDK sample for that endpoint shows
  (box/box-node-sdk docs/tasks.md; box/box-java-sdk#673: the default answer lacks
  ``created_by`` and ``is_completed``); ``full`` answers full tasks, as the OpenAPI spec types
  them. ``fields=`` narrows either way to the mini keys plus the fields asked for.
- ``empty_page_position``: ``zero`` (default) gives an empty page of an enterprise stream
  ``next_stream_position: 0``, as Box does (box/box-node-sdk ``enterprise-event-stream.ts``:
  "The API currently returns next_stream_position = 0 if there are no events"); ``latest``
  gives the latest position.
- ``expiry_policy_days``: ``null`` (default) is no policy; ``N`` switches the enterprise's
  "Automatically remove invited collaborators" policy on from that moment: a collaboration
  created later expires N days after its creation unless the request gives ``expires_at``
  (``expiry.py`` acts it out).

A reset restores the seed's quirks (the defaults above where the seed sets none).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from reconciler.sandbox.errors import BadRequest, invalid_parameter
from reconciler.sandbox.routing import JSON, Call, Reply, Route
from reconciler.sandbox.state import Quirks, State

#: every quirk, with the values it takes (None: a positive whole number of days, or null)
CHOICES: dict[str, tuple[str, ...] | None] = {
    "task_listing": ("mini", "full"),
    "empty_page_position": ("zero", "latest"),
    "expiry_policy_days": None,
}


def quirks_view(quirks: Quirks) -> JSON:
    """The quirks as the control plane and the seed name them."""
    return {name: getattr(quirks, name) for name in CHOICES}


def checked_quirks(body: Mapping[str, Any]) -> JSON:
    """A (partial) quirks document, checked key by key; BadRequest names the field at fault."""
    unknown = sorted(set(body) - set(CHOICES))
    if unknown:
        raise BadRequest(
            f"Unknown quirk '{unknown[0]}' (known: {', '.join(CHOICES)})",
            context_info=invalid_parameter(unknown[0], body[unknown[0]], "unknown quirk"),
        )
    for name, value in body.items():
        choices = CHOICES[name]
        if choices is not None and value not in choices:
            raise BadRequest(
                f"'{name}' must be one of: {', '.join(map(repr, choices))}",
                context_info=invalid_parameter(name, value),
            )
        if choices is None and value is not None and not is_positive_int(value):
            raise BadRequest(
                f"'{name}' must be a whole number of days above 0, or null",
                context_info=invalid_parameter(name, value),
            )
    return dict(body)


def is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def set_quirks(state: State, changes: Mapping[str, Any]) -> None:
    """Apply checked changes. The expiry policy counts from the moment it is switched on;
    changing its number of days later keeps that moment."""
    quirks = state.quirks
    days = changes.get("expiry_policy_days", quirks.expiry_policy_days)
    if days is None:
        quirks.expiry_policy_from_id = None
    elif quirks.expiry_policy_days is None:
        quirks.expiry_policy_from_id = state.next_id
    state.quirks = dataclasses.replace(quirks, **changes)


def handle_get_quirks(call: Call) -> Reply:
    return Reply(200, quirks_view(call.state.quirks))


def handle_put_quirks(call: Call) -> Reply:
    set_quirks(call.state, checked_quirks(call.json()))
    return handle_get_quirks(call)


#: served by ``control.py`` under the control plane's admission rules
CONTROL_ROUTES = [
    Route("GET", "/_sandbox/quirks", handle_get_quirks),
    Route("PUT", "/_sandbox/quirks", handle_put_quirks, writes=True),
]
