"""Every emulated Box service; each module holds its state operations, views and ROUTES."""

from __future__ import annotations

import importlib

from reconciler.sandbox.routing import Route
from reconciler.sandbox.server import ServiceHooks

#: modules in route-table order; a module that is not there yet is skipped
SERVICE_MODULES = (
    "users",
    "groups",
    "items",
    "collaborations",
    "tasks",
    "hubs",
    "webhooks",
    "oauth",
)


def all_routes() -> list[Route]:
    routes: list[Route] = []
    for name in SERVICE_MODULES:
        try:
            module = importlib.import_module(f"reconciler.sandbox.services.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"reconciler.sandbox.services.{name}":
                raise
            continue
        routes.extend(module.ROUTES)
    return routes


def default_hooks() -> ServiceHooks:
    hooks = ServiceHooks(routes=all_routes())
    try:
        from reconciler.sandbox.services import webhooks
    except ImportError:
        return hooks
    hooks.on_events = webhooks.deliver_events
    return hooks
