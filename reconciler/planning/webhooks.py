"""The declared webhooks as a plan: every delivered folder carries exactly one webhook of this
app with the declared address and triggers; one on a folder no delivery declares any more, at
the declared address, is removed. It plans from its own snapshot (this app's webhooks, not a
``LiveState``), so it runs apart from ``STAGES``, for ``reconcile webhooks`` and the watcher.

Box allows one webhook per item, app and user (a second is a 409), so a webhook that is there
with other triggers or another address is changed in place, never added beside.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.model import DesiredState, ItemKind, ItemRef, LiveWebhook, WebhookSpec
from reconciler.plan import Action, Change, Kind, Plan
from reconciler.plan.payloads import Webhook

#: the delivery a removal belongs to: its delivery has ended, so none names it
ENDED = "(ended)"


def delivered_folders(state: DesiredState) -> dict[str, str]:
    """Folder id -> the first delivery (by name) that declares it."""
    owners: dict[str, str] = {}
    for delivery in sorted(state.deliveries, key=lambda d: d.name):
        for folder in delivery.folders:
            owners.setdefault(folder, delivery.name)
    return owners


def _shape(hook: LiveWebhook) -> Webhook:
    return {"address": hook.address, "triggers": sorted(hook.triggers)}


def _wanted(spec: WebhookSpec) -> Webhook:
    return {"address": spec.address, "triggers": sorted(spec.triggers)}


def _for_folder(
    spec: WebhookSpec, folder: str, delivery: str, hooks: list[LiveWebhook]
) -> Iterable[Change]:
    item = ItemRef(ItemKind.FOLDER, folder)

    def change(action: Action, reason: str, **fields: Any) -> Change:
        return Change(action, Kind.WEBHOOK, delivery, item, None, reason, **fields)

    if not hooks:
        yield change(Action.ADD, "the folder is delivered", after=_wanted(spec), origin=spec.origin)
        return
    first, *extra = hooks
    if _shape(first) != _wanted(spec):
        yield change(
            Action.CHANGE,
            "its address or triggers differ from webhooks: in reconcile.yaml",
            before=_shape(first),
            after=_wanted(spec),
            origin=spec.origin,
            box_ids={"webhook_id": first.id},
        )
    # Box refuses a second webhook per item and app; this only meets a hand-made state.
    for hook in extra:
        yield change(
            Action.REMOVE,
            "a second webhook of this app on the folder",
            before=_shape(hook),
            box_ids={"webhook_id": hook.id},
        )


def plan_webhooks(spec: WebhookSpec, state: DesiredState, live: Iterable[LiveWebhook]) -> Plan:
    """Pure: the declared webhooks against those Box has for this app and user."""
    by_folder: dict[str, list[LiveWebhook]] = {}
    for hook in sorted(live, key=lambda h: (h.target, int(h.id) if h.id.isdigit() else 0, h.id)):
        if hook.target.kind is ItemKind.FOLDER:
            by_folder.setdefault(hook.target.id, []).append(hook)
    owners = delivered_folders(state)
    changes: list[Change] = []
    for folder, delivery in sorted(owners.items()):
        changes.extend(_for_folder(spec, folder, delivery, by_folder.get(folder, [])))
    for folder, hooks in sorted(by_folder.items()):
        if folder in owners:
            continue
        # Only ours: a webhook of the same app that delivers elsewhere is someone else's.
        changes.extend(
            Change(
                Action.REMOVE,
                Kind.WEBHOOK,
                ENDED,
                ItemRef(ItemKind.FOLDER, folder),
                None,
                reason="no delivery declares this folder any more",
                before=_shape(hook),
                box_ids={"webhook_id": hook.id},
            )
            for hook in hooks
            if hook.address == spec.address
        )
    return Plan(tuple(changes))
