"""The library's verbs end to end: load manifests, connect, read live state, plan, apply."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from reconciler import planning
from reconciler.applying.report import ApplyReport, ChangeResult
from reconciler.applying.run import apply_plan
from reconciler.box.connection import Connection as Connection
from reconciler.box.connection import connect as connect
from reconciler.box.reader import BoxReader, read_folder_files, read_items, read_live
from reconciler.errors import ManifestError, Problem
from reconciler.manifest import DEFAULT_PATHS, any_manifest, check, load_config
from reconciler.manifest.dump import Export
from reconciler.manifest.git import ManifestChanges, affected
from reconciler.model import (
    DesiredState,
    ItemKind,
    ItemRef,
    LiveItem,
    LiveState,
    LiveUser,
    LiveWebhook,
    Policy,
    WebhookSpec,
)
from reconciler.plan import Plan
from reconciler.planning import lifecycle
from reconciler.planning.webhooks import plan_webhooks


@dataclass(frozen=True)
class Desired:
    state: DesiredState
    policy: Policy
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()  # likely mistakes that do not stop the run


def load(paths: Iterable[str] | None, config_path: str | None = None) -> Desired:
    """Every manifest under ``paths``, checked; problems raise one ManifestError with all."""
    result = check(paths, config_path)
    if result.problems:
        raise ManifestError(list(result.problems))
    return Desired(result.state, result.policy, result.files, result.warnings)


def has_deliveries(paths: Iterable[str] | None) -> bool:
    """False only for a repository being set up: no paths given and no manifest under
    deliveries/ yet (the folder missing or empty)."""
    return bool(paths) or any_manifest(DEFAULT_PATHS)


def load_settings_only(config_path: str | None = None) -> Desired:
    """No deliveries, and the policy of ``reconcile.yaml``, checked: for what needs no manifest
    (``reconcile doctor``'s account checks in a repository being set up)."""
    policy, problems = load_config(config_path)
    if problems:
        raise ManifestError(problems)
    return Desired(DesiredState(()), policy, ())


def items_of(state: DesiredState) -> list[ItemRef]:
    """Every folder, file and hub the manifests mention."""
    return sorted({ref for delivery in state.deliveries for ref in delivery.refs()})


def task_folders_of(state: DesiredState) -> list[str]:
    """Folders whose files carry review tasks."""
    return sorted({f for d in state.deliveries if d.approval is not None for f in d.folders})


def ledger_items_of(state: DesiredState, policy: Policy) -> list[ItemRef]:
    """Items whose invitations the reconciler records in Box: chased, or expiring by days."""
    refs = {
        ref
        for d in state.deliveries
        if any(lifecycle.keeps_ledger(d, c, policy) for c in d.clients)
        for ref in d.items()
    }
    return sorted(refs)


def read(
    desired: Desired,
    connection: Connection,
    *,
    on_read: Callable[[], None] | None = None,
    keep_going: bool = False,
) -> LiveState:
    """The live state of every item the manifests mention; ``on_read`` ticks once per call.
    An item Box will not give raises ``ReadError``; with ``keep_going`` it is recorded in
    ``LiveState.unreadable`` instead, for ``readable_part`` to leave its deliveries out."""
    return read_live(
        BoxReader(connection.client, on_read=on_read),
        items_of(desired.state),
        task_folders=task_folders_of(desired.state),
        ledger_items=ledger_items_of(desired.state, desired.policy),
        concurrency=desired.policy.concurrency,
        where=lambda ref: where_declared(desired.state, ref),
        keep_going=keep_going,
    )


def readable_part(desired: Desired, live: LiveState) -> tuple[Desired, dict[str, list[str]]]:
    """The deliveries whose every item Box gave, and for each other one (by name) why not: one
    folder Box does not have fails that delivery, never the unrelated others. A delivery that
    shares an item with a failed one is left out too: the planner judges a shared item by every
    delivery that declares it, and without the failed one it could prune that one's clients."""
    if not live.unreadable:
        return desired, {}
    failed: dict[str, list[str]] = {}
    for delivery in desired.state.deliveries:
        why = [live.unreadable[ref] for ref in delivery.refs() if ref in live.unreadable]
        if why:
            failed[delivery.name] = why
    _leave_out_sharers(desired.state, failed)
    kept = tuple(d for d in desired.state.deliveries if d.name not in failed)
    return replace(desired, state=replace(desired.state, deliveries=kept)), failed


def _leave_out_sharers(state: DesiredState, failed: dict[str, list[str]]) -> None:
    """Add to ``failed`` every delivery linked to one in it through a shared item."""
    refs = {d.name: set(d.refs()) for d in state.deliveries}
    frontier = list(failed)
    while frontier:
        gone = frontier.pop()
        for other, theirs in refs.items():
            if other in failed:
                continue
            shared = sorted(theirs & refs[gone])
            if shared:
                failed[other] = [
                    f"{where_declared(state, shared[0])}: {shared[0].kind.value} "
                    f"{shared[0].id} is shared with delivery {gone}, which is left out (a "
                    "shared item is planned with every delivery that declares it, or not at all)"
                ]
                frontier.append(other)


def where_declared(state: DesiredState, ref: ItemRef) -> str:
    """The first manifest place that names an item, as FILE:LINE:COL."""
    places = sorted(
        str(origin)
        for delivery in state.deliveries
        if ref in delivery.refs()
        for origin in (delivery.origin_of(ref),)
        if origin is not None
    )
    return places[0] if places else "manifests"


def make_plan(desired: Desired, live: LiveState) -> Plan:
    return planning.plan(desired.state, live, desired.policy)


def check_apply(plan: Plan, desired: Desired, live: LiveState, *, force: bool = False) -> None:
    """Refuse what ``apply`` must not do: a plan that is no longer what the manifests and ``live``
    ask for (``StalePlan``: a saved plan made before Box changed), or, unless ``force``,
    removals above the policy's safety limits (``UnsafePlan``)."""
    # Planning is pure: a plan made from these very inputs is what planning them again would give.
    fresh = plan
    if not plan.made_from(desired.state, live, desired.policy):
        fresh = make_plan(desired, live)
        plan.check_current(fresh)
    if not force:
        fresh.check_safety(desired.policy)


def apply(
    plan: Plan,
    desired: Desired,
    connection: Connection,
    live: LiveState,
    *,
    force: bool = False,
    on_result: Callable[[ChangeResult], None] | None = None,
) -> ApplyReport:
    """Make the changes of ``plan`` in Box, after ``check_apply`` (which raises, writing nothing);
    ``on_result`` hears of each change as it ends."""
    check_apply(plan, desired, live, force=force)
    return apply_plan(
        plan,
        connection.writer,
        connection.reader,
        me_id=live.me.id,
        concurrency=desired.policy.concurrency,
        on_result=on_result,
    )


def narrow(desired: Desired, changes: ManifestChanges) -> Desired:
    """Only what ``changes`` affects; validation already ran over every manifest."""
    kept = affected(desired.state, changes)
    files = {d.file for d in kept}
    return Desired(
        DesiredState(kept), desired.policy, tuple(f for f in desired.files if f in files)
    )


def read_export(
    connection: Connection, refs: Iterable[ItemRef], *, recursive: bool, concurrency: int = 8
) -> tuple[LiveUser, list[Export]]:
    """The reconciler's account, and each item with its collaborators (and, for folders, the
    files below with their tasks). ``recursive`` adds the folders below. Items nobody but the
    reconciler collaborates on are left out: a delivery needs clients."""
    reader = connection.reader
    me = reader.me()
    wanted = list(dict.fromkeys(refs))
    if recursive:
        roots = [r.id for r in wanted if r.kind is ItemKind.FOLDER]
        below = [ItemRef(ItemKind.FOLDER, f) for f in subfolders(reader, roots)]
        wanted += [r for r in below if r not in wanted]
    items = read_items(reader, wanted, concurrency=concurrency)
    wanted = [r for r in wanted if _shared(items[r], me)]
    folders = [r.id for r in wanted if r.kind is ItemKind.FOLDER]
    files = read_folder_files(reader, folders, with_tasks=True, concurrency=concurrency)
    return me, [Export(items[r], files.get(r.id, ())) for r in wanted]


def files_shared_alone(
    connection: Connection, folder_ids: Iterable[str], me: LiveUser
) -> list[tuple[str, LiveItem]]:
    """Files below the folders with collaborators of their own (a collaboration made on the
    file, not the folder), each with its path below its folder: export writes manifests of
    folders and hubs, so these are reported as left out rather than lost in silence."""
    reader = connection.reader
    found: dict[ItemRef, str] = {}  # each file once, by its path below the first folder
    level = [(f, "") for f in folder_ids]
    while level:
        next_level: list[tuple[str, str]] = []
        for folder_id, prefix in level:
            for entry in reader.folder_entries(folder_id, extra=("has_collaborations",)):
                path = f"{prefix}{entry.get('name', '')}"
                if entry.get("type") == "folder":
                    next_level.append((str(entry["id"]), f"{path}/"))
                elif entry.get("type") == "file" and entry.get("has_collaborations"):
                    found.setdefault(ItemRef(ItemKind.FILE, str(entry["id"])), path)
        level = next_level
    items = read_items(reader, list(found))
    return [(path, items[ref]) for ref, path in found.items() if _shared(items[ref], me)]


def _shared(item: LiveItem, me: LiveUser) -> bool:
    return any(
        c.principal_id not in (me.id, item.owner_id) or c.principal_id is None
        for c in item.collaborations
    )


def subfolders(reader: BoxReader, roots: Iterable[str]) -> list[str]:
    """Every folder below the roots, level by level."""
    out: list[str] = []
    level = list(roots)
    while level:
        next_level = [
            str(entry["id"])
            for folder_id in level
            for entry in reader.folder_entries(folder_id)
            if entry.get("type") == "folder"
        ]
        out.extend(next_level)
        level = next_level
    return out


def plan_declared_webhooks(
    desired: Desired, spec: WebhookSpec, connection: Connection
) -> tuple[Plan, tuple[LiveWebhook, ...]]:
    """Read this app's webhooks and plan the declared ones against them. Writes nothing."""
    live = connection.reader.webhooks()
    return plan_webhooks(spec, desired.state, live), live


def apply_webhooks(
    plan: Plan,
    desired: Desired,
    connection: Connection,
    *,
    force: bool = False,
    on_result: Callable[[ChangeResult], None] | None = None,
) -> ApplyReport:
    """Apply a webhooks plan through the same executors and safety limits as collaborations
    (each removal counts against ``safety.max_removals``)."""
    if not force:
        plan.check_safety(desired.policy)
    return apply_plan(
        plan,
        connection.writer,
        connection.reader,
        concurrency=desired.policy.concurrency,
        on_result=on_result,
    )
