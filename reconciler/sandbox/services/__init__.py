"""Every emulated Box service; each module holds its state operations, views and ROUTES."""

from __future__ import annotations

from reconciler.sandbox.routing import Route, ServiceHooks
from reconciler.sandbox.services import (
    collaboration_listings,
    collaborations,
    comments,
    copies,
    event_stream,
    folder_items,
    groups,
    hub_collaborations,
    hubs,
    items,
    metadata,
    oauth,
    tasks,
    trash,
    uploads,
    users,
    webhook_outbox,
    webhooks,
)

#: in route-table order
SERVICES = (
    users,
    groups,
    items,
    folder_items,
    uploads,
    copies,
    trash,
    collaborations,
    collaboration_listings,
    metadata,
    tasks,
    comments,
    hubs,
    hub_collaborations,
    webhooks,
    event_stream,
    oauth,
)


def all_routes() -> list[Route]:
    return [route for service in SERVICES for route in service.ROUTES]


def default_hooks() -> ServiceHooks:
    """Every route, and webhook deliveries for the events a committed change raises."""
    return ServiceHooks(
        routes=all_routes(),
        on_events=webhooks.deliver_events,
        background=[webhook_outbox.run],
    )
