"""The webhooks of ``reconcile.yaml`` kept on every delivered folder at each full reconcile of
the watcher, and which folder each one watches (a delivery names its webhook, not the folder)."""

from __future__ import annotations

import logging

from reconciler.applying.report import Outcome
from reconciler.errors import UnsafePlan
from reconciler.model import ItemRef, WebhookSpec
from reconciler.session import workflow

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
