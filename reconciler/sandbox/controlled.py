"""A running sandbox as the control plane drives it (control modules need not import the server)."""

from __future__ import annotations

from typing import Any, Protocol

from reconciler.sandbox.faults import Faults
from reconciler.sandbox.routing import ServiceHooks
from reconciler.sandbox.state import State


class ControlledSandbox(Protocol):
    """A running sandbox, as the control routes see it (server.Sandbox is one)."""

    state: State
    hooks: ServiceHooks
    reset_to: dict[str, Any]

    def replace_state(self, state: State) -> None: ...
    def persist(self) -> None: ...
    def set_faults(self, faults: Faults) -> None: ...
    def request_log(self) -> list[dict[str, Any]]: ...
    def clear_request_log(self) -> None: ...
