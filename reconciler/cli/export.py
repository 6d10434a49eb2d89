"""``reconcile export``: manifests written from what Box has now, ready to commit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from reconciler.cli.app import app
from reconciler.cli.options import AsUserOpt, BaseUrlOpt, ConfigOpt, box_settings, info
from reconciler.errors import ConfigError, ManifestError, UsageError

if TYPE_CHECKING:
    from reconciler.manifest.dump import Export
    from reconciler.model import ItemRef, LiveUser, Policy
    from reconciler.session.workflow import Connection

#: Where the modeline points: ``reconcile schema delivery > schemas/delivery.schema.json``.
SCHEMA = Path("schemas/delivery.schema.json")
IdsOpt = Optional[list[str]]  # noqa: UP045 - typer reads the annotation at run time (py3.10)


FolderOpt = Annotated[
    IdsOpt, typer.Option("--folder", metavar="ID", help="A Box folder id (repeatable).")
]
HubOpt = Annotated[IdsOpt, typer.Option("--hub", metavar="ID", help="A Box hub id (repeatable).")]
ExportOutOpt = Annotated[
    Path, typer.Option("--out", metavar="DIR", help="Where to write the manifests.")
]
NameOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--name",
        metavar="NAME",
        help="The delivery name, when one item is exported.",
        show_default=False,
    ),
]
RecursiveOpt = Annotated[
    bool, typer.Option("--recursive", help="Also every collaborated folder below --folder.")
]


@app.command(
    "export", short_help="Write manifests from who collaborates on folders or hubs in Box."
)
def export_command(
    folder: FolderOpt = None,
    hub: HubOpt = None,
    out: ExportOutOpt = Path("deliveries"),
    name: NameOpt = None,
    recursive: RecursiveOpt = False,
    config: ConfigOpt = None,
    base_url: BaseUrlOpt = None,
    as_user: AsUserOpt = None,
) -> None:
    """Write one manifest per folder or hub from who collaborates on it in Box now.

    'reconcile plan' right after an export shows no changes. Pending invitations are written by
    the email invited, people with a Box account by login, groups by id (their name in a
    comment); the reconciler's review tasks become the approval section.

    \b
    Examples:
      reconcile export --folder 213534631621 --name acme-spring-2026
      reconcile export --folder 213534600000 --recursive --out deliveries/imported
      reconcile export --hub 42037322

    Exit codes: 0 written, 1 Box error, 3 invalid input (a file that exists is never replaced).
    """
    from reconciler.manifest import load_config
    from reconciler.session import workflow

    refs = _refs(folder, hub, name, recursive)
    policy, problems = load_config(config)
    if problems:
        raise ConfigError("; ".join(str(p) for p in problems))
    connection = workflow.connect(box_settings(base_url, as_user), policy)
    me, exports = workflow.read_export(
        connection, refs, recursive=recursive, concurrency=policy.concurrency
    )
    skipped = len(refs) - len([e for e in exports if e.item.ref in refs])
    if skipped:
        info(
            f"Left out {skipped} of the items named: nobody but the reconciler collaborates there."
        )
    from reconciler.manifest.dump import manifest_files

    targets = manifest_files(exports, out, name)
    _write(exports, targets, out, me, policy)
    _report_files_left_out(connection, exports, me)
    _validate([path for _, path in targets], config)
    manifests = "manifest" if len(exports) == 1 else "manifests"
    info(f"Exported {len(exports)} {manifests} to {out}; check them with: reconcile plan")


def _report_files_left_out(connection: Connection, exports: list[Export], me: LiveUser) -> None:
    """Name each file below an exported folder that is shared on its own, and why it is not in
    a manifest: export writes folders and hubs, a file's clients go under ``files:`` by hand."""
    from reconciler.model import ItemKind
    from reconciler.session import workflow

    folders = [e.item.ref.id for e in exports if e.item.ref.kind is ItemKind.FOLDER]
    for path, item in workflow.files_shared_alone(connection, folders, me):
        people = sorted(
            c.login or c.invite_email or f"{c.principal_type}:{c.principal_id}"
            for c in item.collaborations
            if c.principal_id not in (me.id, item.owner_id)
        )
        info(
            f"Left out file {path!r} ({item.ref.id}): it is shared on its own with "
            f"{', '.join(people)}; export writes folders and hubs, so list it under files: "
            "in a manifest to manage it."
        )


def _refs(
    folder: list[str] | None, hub: list[str] | None, name: str | None, recursive: bool
) -> list[ItemRef]:
    """The items named on the command line, checked."""
    from reconciler.model import ItemKind, ItemRef

    refs = [ItemRef(ItemKind.FOLDER, i) for i in folder or []]
    refs += [ItemRef(ItemKind.HUB, i) for i in hub or []]
    for ref in refs:
        if not ref.id.isdigit():
            raise UsageError(f"--{ref.kind.value} {ref.id!r}: a Box id is digits only")
    if not refs:
        raise UsageError("name at least one --folder ID or --hub ID to export")
    if name is not None and (len(refs) > 1 or recursive):
        raise UsageError("--name names one delivery: export one item without --recursive")
    return refs


def _write(
    exports: list[Export], targets: list[tuple[str, Path]], out: Path, me: LiveUser, policy: Policy
) -> None:
    """Each manifest to its file, its path on stdout."""
    from reconciler.manifest.dump import dump

    out.mkdir(parents=True, exist_ok=True)
    for export, (delivery, path) in zip(exports, targets, strict=True):
        schema = os.path.relpath(SCHEMA.resolve(), path.parent.resolve())
        path.write_text(dump(export, delivery, me, policy, schema), encoding="utf-8")
        typer.echo(str(path))


def _validate(paths: list[Path], config: str | None) -> None:
    """Read the written manifests back as ``validate`` would: an export that does not validate
    is exit 3 with its problems, never a silent success."""
    from reconciler.manifest import check

    if not paths:
        return
    result = check([str(p) for p in paths], config)
    if result.problems:
        raise ManifestError(list(result.problems))
