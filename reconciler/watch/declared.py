"""The webhooks of ``reconcile.yaml`` kept on every delivered folder at each full reconcile of
the watcher, and which folder each one watches (a delivery names its webhook, not the folder):
what a webhook delivery adds to its hint."""

from __future__ import annotations

import logging

from reconciler.applying.report import Outcome
from reconciler.errors import UnsafePlan
from reconciler.model import ItemKind, ItemRef, WebhookSpec
from reconciler.session import workflow
from reconciler.watch.known import Known

log = logging.getLogger(__name__)


def declare_webhooks(
    spec: WebhookSpec, desired: workflow.Desired, connection: workflow.Connection
) -> dict[str, ItemRef] | None:
    """Plan and apply the declared webhooks; webhook id -> the folder it watches, or None when
    the removals were refused (above the safety limits) and nothing was applied."""
    plan, live = workflow.plan_declared_webhooks(desired, spec, connection)
    targets = {hook.id: hook.target for hook in live}
    try:
        report = workflow.apply_webhooks(plan, desired, connection)
    except UnsafePlan as refusal:
        log.warning("webhook removals refused: %s", refusal)
        return None
    for result in report.results:
        hook_id = result.outputs.get("webhook_id")
        if hook_id:
            targets[hook_id] = result.change.item
        if result.outcome is Outcome.FAILED:
            log.warning("failed: %s: %s", result.change.describe(), result.detail)
    if plan.has_changes:
        log.info("webhooks: %s", ", ".join(f"{k} {v}" for k, v in plan.summary().items() if v))
    return targets


class DeclaredWebhooks:
    """The webhooks as the last full pass declared them, and what a delivery of one adds to
    its hint."""

    def __init__(self, known: Known) -> None:
        self._known = known
        #: webhook id -> the folder it watches, as the last full pass found them
        self.targets: dict[str, ItemRef] = {}

    def declare(
        self, spec: WebhookSpec, desired: workflow.Desired, connection: workflow.Connection
    ) -> None:
        targets = declare_webhooks(spec, desired, connection)
        if targets is not None:
            self.targets = targets

    def items(self, payload: dict[str, object], items: tuple[ItemRef, ...]) -> tuple[ItemRef, ...]:
        """More items for a webhook delivery: the folder its webhook watches, and the delivered
        folder of a file the last read found (a task assignment names only its file)."""
        found: list[ItemRef] = []
        hook = payload.get("webhook")
        target = self.targets.get(str(hook.get("id"))) if isinstance(hook, dict) else None
        if target is not None:
            found.append(target)
        found.extend(self._known.folders_holding({r.id for r in items if r.kind is ItemKind.FILE}))
        return tuple(found)
