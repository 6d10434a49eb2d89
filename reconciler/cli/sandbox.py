"""``reconcile sandbox serve``: run the Box API emulator on 127.0.0.1 until interrupted."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from reconciler.cli.app import app
from reconciler.errors import ConfigError, InputError, UsageError
from reconciler.sandbox.defaults import DEFAULT_ADMIN_TOKEN

if TYPE_CHECKING:
    from reconciler.sandbox.server import Sandbox
    from reconciler.sandbox.state import State

sandbox_app = typer.Typer(
    help=(
        "The local Box API emulator (the sandbox) that tests and the demo run against.\n\n"
        "\b\nExamples:\n"
        "  reconcile sandbox serve --port 8080 --seed sample &\n"
        "  export BOX_BASE_URL=http://127.0.0.1:8080 BOX_DEVELOPER_TOKEN=sandbox\n"
        "  reconcile plan"
    ),
    short_help="A local Box API emulator to rehearse against.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

DEFAULT_PORT = 8080


def seed_document(seed_file: Path | None, admin_token: str | None) -> dict[str, Any]:
    """The seed to start from: the file given, or the default enterprise with one admin."""
    from reconciler.sandbox.errors import SandboxError
    from reconciler.sandbox.seed import default_seed, load_seed_file  # the seed's own schema

    if seed_file is None:
        return default_seed(admin_token or DEFAULT_ADMIN_TOKEN)
    try:
        return load_seed_file(seed_file)
    except SandboxError as err:
        raise InputError(f"invalid seed: {err.message}") from None


def _is_service_account(user: dict[str, Any]) -> bool:
    return bool(user.get("service_account"))


def _is_admin(user: dict[str, Any]) -> bool:
    return user.get("role") == "admin"


def service_token(seed: dict[str, Any]) -> str:
    """The token reconcile should use: the seed's service account's (the one that owns the
    delivered folders), else its first admin's, else its first user's with a token."""
    users = [u for u in seed.get("users") or [] if isinstance(u, dict) and u.get("token")]
    for wanted in (_is_service_account, _is_admin):
        found = next((u for u in users if wanted(u)), None)
        if found is not None:
            return str(found["token"])
    return str(users[0]["token"]) if users else DEFAULT_ADMIN_TOKEN


def initial_state(seed: dict[str, Any], state_file: Path | None) -> State:
    """The saved state when ``state_file`` exists (nothing written is lost), else the seed's."""
    from reconciler.sandbox.seed import build_state
    from reconciler.sandbox.state import State

    if state_file is None or not state_file.exists():
        return build_state(seed)
    try:
        return State.load(state_file)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{state_file}: not a sandbox state file ({type(exc).__name__}: {exc}); "
            "move it away to start from the seed"
        ) from None


PortOpt = Annotated[
    int,
    typer.Option(
        "--port", min=0, max=65535, metavar="N", help="Port on 127.0.0.1 (0: any free port)."
    ),
]
StateFileOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time (py3.10)
    typer.Option(
        "--state",
        metavar="FILE",
        help="Keep the state in FILE: saved after each change, loaded on start.",
    ),
]
SeedFileOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--seed",
        metavar="FILE",
        help=(
            "Start from this seed (YAML or JSON; 'reconcile schema seed'), or 'sample': the "
            "sample studio shipped with reconciler. Default: an empty enterprise, one admin."
        ),
    ),
]
AdminTokenOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--admin-token",
        metavar="TOKEN",
        help=(
            "Every control-plane call (/_sandbox/) must send this token "
            "(Authorization: Bearer T). Without --seed it is also the developer token of "
            f"the default admin account (default '{DEFAULT_ADMIN_TOKEN}')."
        ),
    ),
]


AllowHostOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--allow-host",
        metavar="NAME",
        help=(
            "Also answer requests whose Host is NAME (any port) or NAME:PORT, e.g. a TLS "
            "front on 127.0.0.1:8443 that keeps its own Host. Repeatable. Behind a front, "
            "X-Forwarded-Proto and X-Forwarded-Host shape the URLs the sandbox hands out."
        ),
    ),
]


@sandbox_app.command("serve")
def serve(
    port: PortOpt = DEFAULT_PORT,
    state_file: StateFileOpt = None,
    seed_file: SeedFileOpt = None,
    admin_token: AdminTokenOpt = None,
    allow_host: AllowHostOpt = None,
) -> None:
    """Serve the Box API emulator on 127.0.0.1 until interrupted (Ctrl-C).

    The official Box SDK, and reconcile, talk to it as to Box. Its control plane (not Box) is
    under /_sandbox/: reset, seed, state, signup, faults, requests. It answers only requests
    addressed to 127.0.0.1 or localhost and the port it serves (no other Host, unless
    --allow-host names it), and takes control-plane bodies as application/json only (16 MiB
    at most; API bodies 64 MiB).

    \b
    Examples:
      reconcile sandbox serve --seed sample
      BOX_BASE_URL=http://127.0.0.1:8080 BOX_DEVELOPER_TOKEN=sandbox reconcile plan
      curl -X POST localhost:8080/_sandbox/signup -H 'Content-Type: application/json' \\
        -d '{"login": "jane.doe@acme.example", "accept": true}'
      reconcile sandbox serve --admin-token T   # control plane: -H 'Authorization: Bearer T'
      reconcile sandbox serve --state box.json   # survives restarts
      reconcile sandbox serve --allow-host 127.0.0.1:8443   # behind a TLS front on 8443
    """
    seed = seed_document(seed_file, admin_token)
    hosts = allowed_hosts(allow_host or [])
    box = start_sandbox(seed, state_file, admin_token, port, hosts)
    token = admin_token if seed_file is None and admin_token else service_token(seed)
    announce(box.base_url, token)
    serve_until_interrupted(box)


def allowed_hosts(names: list[str]) -> tuple[str, ...]:
    """The ``--allow-host`` values, checked (a usage error names the wrong one)."""
    from reconciler.sandbox.http import allowed_host

    try:
        return tuple(allowed_host(name) for name in names)
    except ValueError as exc:
        raise UsageError(f"--allow-host: {exc}") from None


def start_sandbox(
    seed: dict[str, Any],
    state_file: Path | None,
    admin_token: str | None,
    port: int,
    hosts: tuple[str, ...] = (),
) -> Sandbox:
    """The sandbox listening on 127.0.0.1:``port``, its state saved when it is kept in a file."""
    from reconciler.sandbox.server import Sandbox

    state = initial_state(seed, state_file)
    box = Sandbox(
        state, state_file=state_file, reset_to=seed, admin_token=admin_token, allowed_hosts=hosts
    )
    try:
        box.start(port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    if state_file is not None:
        box.persist()
    return box


def announce(base_url: str, token: str) -> None:
    # The export line comes first, whole, so that it can be pasted (or read by a script) as is.
    typer.echo(f"export BOX_BASE_URL={base_url} BOX_DEVELOPER_TOKEN={token}", err=True)
    typer.echo(
        f"Box sandbox on {base_url}: the line above points reconcile (or the SDK) at it. "
        "Ctrl-C stops it.",
        err=True,
    )


def serve_until_interrupted(box: Sandbox) -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        typer.echo("Stopping the sandbox.", err=True)
    finally:
        box.stop()


@sandbox_app.command("mailbox")
def mailbox(
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, metavar="N", help="Port on 127.0.0.1."),
    ] = 8025,
) -> None:
    """A local SMTP server on 127.0.0.1 that prints each email it receives (Ctrl-C stops it).

    Point an email sink at it to rehearse notifications: nothing leaves this machine.
    Needs aiosmtpd (pip install aiosmtpd).

    \b
    Examples:
      reconcile sandbox mailbox --port 8025 &
      # reconcile.yaml:  notify: [{email: {host: 127.0.0.1, port: 8025,
      #                    from: reconcile@studio.example, to: [team@studio.example]}}]
    """
    from reconciler.notify.mailbox import start_mailbox

    try:
        server = start_mailbox(port, typer.echo)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    typer.echo(f"Mailbox on 127.0.0.1:{server.port}: each email is printed here. Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        typer.echo("Stopping the mailbox.", err=True)
    finally:
        server.stop()
