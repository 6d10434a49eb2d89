"""``reconcile demo``: the whole story against an in-process sandbox, each step titled and real."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from reconciler.cli.app import app
from reconciler.cli.options import use_color, utf8
from reconciler.cli.sandbox import DEFAULT_PORT
from reconciler.errors import InputError, ReconcilerError, printable
from reconciler.manifest.config import CONFIG_FILE_NAME

if TYPE_CHECKING:
    from reconciler.sandbox.server import Sandbox

ACME_FOLDER = "213534631621"
NEWCOMER = "jane.doe@acme.example"  # invited without a Box account; signs up during the demo


@contextmanager
def workspace(keep: Path | None = None) -> Iterator[Path]:
    """A scratch copy of the example studio's manifests and repo config, as shipped with the
    package (in a clone, the repository's own): the demo never reads or touches yours. With
    ``keep``, the copy is made there and left behind."""
    with resources.as_file(resources.files("reconciler.example")) as source:
        if keep is not None:
            copy_studio(source, keep)
            yield keep
            return
        with tempfile.TemporaryDirectory(prefix="reconcile-demo-") as tmp:
            copy_studio(source, Path(tmp))
            yield Path(tmp)


def copy_studio(source: Path, root: Path) -> None:
    taken = [name for name in ("deliveries", CONFIG_FILE_NAME) if (root / name).exists()]
    if taken:
        raise InputError(
            f"{printable(str(root))} already has {' and '.join(taken)}; nothing was written. "
            "Keep the demo's studio in a new or empty directory."
        )
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "deliveries", root / "deliveries")
    shutil.copy(source / CONFIG_FILE_NAME, root / CONFIG_FILE_NAME)


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Only these BOX_* settings while the demo runs: the caller's own (a real Box app's
    credentials, As-User) must neither leak into the sandbox run nor contradict its token."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("BOX_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(values)
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("BOX_")]:
            del os.environ[key]
        os.environ.update(saved)


class Transcript:
    """Titled steps on stdout, each followed by the real output of what it ran."""

    def __init__(self) -> None:
        self.out = utf8(sys.stdout)
        self.color = use_color(self.out)
        self.number = 0

    def step(self, title: str) -> None:
        self.number += 1
        line = f"== {self.number}. {title} "
        line = line + "=" * max(3, 78 - len(line))
        self.out.write("\n" + (typer.style(line, bold=True) if self.color else line) + "\n")
        self.out.flush()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def command(self, argv: list[str], *, expect: tuple[int, ...] = (0,)) -> int:
        from reconciler.cli.app import run

        self.say("$ reconcile " + " ".join(argv))
        sys.stderr.flush()
        code = run(argv)
        sys.stdout.flush()
        self.say(f"(exit code {code})")
        if code not in expect:
            raise DemoFailed(f"'reconcile {' '.join(argv)}' exited {code}, expected {expect}")
        return code


class DemoFailed(ReconcilerError):
    pass


@app.command(short_help="Start here: the whole story against a built-in Box sandbox.")
def demo(
    keep: Annotated[
        Optional[Path],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
        typer.Option(
            "--keep",
            metavar="DIR",
            help="Leave the demo's studio (manifests, reconcile.yaml) in DIR, to try its commands.",
        ),
    ] = None,
) -> None:
    """Run the whole story against a built-in Box sandbox, in under a minute.

    A sample studio (users, an external client with a Box account, clients without one, a
    group, a hub, photos and a video) is served on 127.0.0.1; the example manifests are
    validated, planned and applied; a client signs up and accepts, the next apply adds them to
    the hub and assigns their review tasks; they approve some files and reject one; status
    shows it; a final plan finds nothing left to change. Nothing leaves this machine.

    \b
    Examples:
      reconcile demo                 # from any directory; exits 0 when the story holds
      NO_COLOR=1 reconcile demo > demo.txt
      reconcile demo --keep studio   # then type its commands again in studio/
    """
    from reconciler.sandbox.seed import sample_seed

    started = time.monotonic()
    seed = sample_seed()
    from reconciler.sandbox.seed import build_state
    from reconciler.sandbox.server import Sandbox

    # the demo drives its sandbox in-process: nobody else needs its control plane
    box = Sandbox(build_state(seed), reset_to=seed, admin_token=secrets.token_hex(16))
    base_url = box.start()
    show = Transcript()
    try:
        with (
            workspace(keep) as root,
            environment(BOX_BASE_URL=base_url, BOX_DEVELOPER_TOKEN="sandbox"),
        ):
            previous = Path.cwd()
            os.chdir(root)
            try:
                run_story(show, box, base_url)
            finally:
                os.chdir(previous)
    finally:
        box.stop()
    show.say(
        f"\nDone in {time.monotonic() - started:.1f} s, against a sandbox on {base_url} "
        f"({len(box.request_log())} Box API requests)."
    )
    if keep is not None:
        show.say(again(keep))


def again(root: Path) -> str:
    """How to type the demo's commands again in the studio it left behind: the sandbox it ran
    against is gone, so a new one starts from the same sample studio."""
    where = shlex.quote(str(root))
    return (
        f"\nThe demo's studio is in {where}. To type its commands again:\n"
        "  reconcile sandbox serve --seed sample &   # prints the export line below\n"
        f"  export BOX_BASE_URL=http://127.0.0.1:{DEFAULT_PORT} BOX_DEVELOPER_TOKEN=sandbox\n"
        f"  cd {where}\n"
        "  reconcile validate && reconcile plan && reconcile apply --yes\n"
        f"  reconcile sandbox signup {NEWCOMER}\n"
        "  reconcile apply --yes && reconcile status"
    )


def run_story(show: Transcript, box: Sandbox, base_url: str) -> None:
    from reconciler.box.people import Person
    from reconciler.sandbox.control import sign_up

    show.say(f"A Box sandbox with the sample studio is serving on {base_url}.")
    show.step("Validate the manifests (no Box calls)")
    show.command(["validate"])

    show.step("Plan: what would change in Box")
    show.command(["plan"])

    show.step("Apply: invitations go out; people with a Box account accept at once")
    show.command(["apply", "--yes"])

    show.step(f"{NEWCOMER} creates a Box account and accepts the invitation")
    user, token = sign_up(box, NEWCOMER, "Jane Doe", True)
    show.say(f"Box user {user.id} ({user.login}) now has access to the Acme folder.")

    show.step("Apply again: hub membership and review tasks follow the acceptance")
    show.command(["apply", "--yes"])

    show.step(f"{NEWCOMER} reviews the files in Box: approves some, rejects one")
    jane = Person(base_url, token)
    assignments = sorted(jane.my_assignments(ACME_FOLDER), key=lambda pair: pair[0].path)
    if len(assignments) < 2:
        raise DemoFailed(f"expected review tasks for {NEWCOMER}, found {len(assignments)}")
    rejected = assignments[-1]
    for file, assignment in assignments:
        decision = "rejected" if (file, assignment) == rejected else "approved"
        jane.resolve(assignment.id, decision)
        show.say(f"  {decision:>8}  {file.path}")

    show.step("Status: invitations and approvals per delivery and client")
    show.command(["status"])

    show.step("Plan once more: Box matches the manifests (waiting invitations are no change)")
    show.command(["plan", "--detailed-exitcode"])
