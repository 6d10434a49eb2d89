"""``reconcile init``: write a deliveries repository a studio can commit, from the package alone."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Annotated

import typer

from reconciler.cli.app import app
from reconciler.errors import InputError, printable
from reconciler.manifest.config import CONFIG_FILE_NAME
from reconciler.manifest.schema import schema_text

EXAMPLE_DELIVERY = ("acme", "spring-2026.yaml")


@dataclass(frozen=True)
class StudioFile:
    """One file ``init`` writes: where in the new repository, and its text."""

    path: str
    text: str


def _example(*parts: str) -> Traversable:
    found = resources.files("reconciler.example")
    for part in parts:
        found = found.joinpath(part)
    return found


def studio_files(*, gitlab: bool) -> list[StudioFile]:
    """What a new deliveries repository holds. The schemas are copied in so that the
    modelines of reconcile.yaml and the delivery work offline and match this version."""
    pipeline = (
        StudioFile(".gitlab-ci.yml", _example("gitlab-ci.yml").read_text(encoding="utf-8"))
        if gitlab
        else StudioFile(
            ".github/workflows/reconcile.yml",
            _example("github-workflow.yml").read_text(encoding="utf-8"),
        )
    )
    delivery = _example("deliveries", *EXAMPLE_DELIVERY).read_text(encoding="utf-8")
    return [
        StudioFile(CONFIG_FILE_NAME, _example("studio", CONFIG_FILE_NAME).read_text("utf-8")),
        StudioFile("/".join(("deliveries", *EXAMPLE_DELIVERY)), delivery),
        StudioFile("schemas/delivery.schema.json", schema_text("delivery")),
        StudioFile("schemas/config.schema.json", schema_text("config")),
        pipeline,
        StudioFile(".gitignore", _example("studio", "gitignore").read_text(encoding="utf-8")),
        StudioFile("README.md", _example("studio", "README.md").read_text(encoding="utf-8")),
    ]


class WouldOverwrite(InputError):
    """``init`` found files it would replace, and was not told to (--force)."""

    def __init__(self, root: Path, existing: list[str]) -> None:
        self.existing = existing
        names = ", ".join(printable(name) for name in existing)
        super().__init__(
            f"{printable(str(root))} already has {names}; nothing was written. "
            "Run again with --force to replace them, or choose an empty directory."
        )


def write_studio(root: Path, files: list[StudioFile], *, force: bool) -> list[Path]:
    """Write ``files`` below ``root``, all or nothing when one already exists and not ``force``."""
    if root.exists() and not root.is_dir():
        raise InputError(f"{printable(str(root))} is a file, not a directory")
    existing = [f.path for f in files if (root / f.path).exists()]
    if existing and not force:
        raise WouldOverwrite(root, existing)
    written = []
    for file in files:
        target = root / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text, encoding="utf-8")
        written.append(target)
    return written


@app.command(short_help="Write a new deliveries repository: settings, an example, the pipeline.")
def init(
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Where to write it (created if missing; default: .)."),
    ] = Path("."),
    gitlab: Annotated[
        bool, typer.Option("--gitlab", help="GitLab's .gitlab-ci.yml instead of GitHub's workflow.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace files of the same name that already exist.")
    ] = False,
) -> None:
    """Write a deliveries repository a studio can commit.

    reconcile.yaml with every setting (those not set are commented, with their default),
    deliveries/ with one example delivery, the JSON Schemas its editor modelines point to,
    the GitHub workflow (or GitLab's pipeline, --gitlab), .gitignore and a README for the
    studio's team. Nothing is replaced unless --force; nothing is sent to Box.

    \b
    Examples:
      reconcile init studio && cd studio && reconcile validate
      reconcile init --gitlab studio      # .gitlab-ci.yml instead of .github/workflows/
      reconcile init --force .            # write over the files of the same name here

    Exit codes: 0 written, 3 a file would be replaced (without --force) or DIR is a file.
    """
    written = write_studio(directory, studio_files(gitlab=gitlab), force=force)
    for path in written:
        typer.echo(f"wrote {path.relative_to(directory).as_posix()}")
    where = (
        ""
        if directory.resolve() == Path.cwd().resolve()
        else f"cd {shlex.quote(str(directory))} && "
    )
    typer.echo(
        f"\nNext: {where}reconcile validate; then put your Box folder ids and clients in "
        f"deliveries/, and see README.md."
    )
