"""The typer application, its command registry, and the mapping of errors to exit codes."""

from __future__ import annotations

import logging
import signal
import sys

import typer

# typer carries its own copy of click (pyproject.toml says which typer, and why)
from typer._click.exceptions import ClickException, UsageError

from reconciler import __version__
from reconciler.errors import ExitCode, ReconcilerError

app = typer.Typer(
    name="reconcile",
    help=(
        "GitOps for Box collaborations.\n\n"
        "Manifests under deliveries/ declare who collaborates on which Box folders, files and "
        "hubs, and which files they must approve. 'plan' shows what would change in Box; "
        "'apply' makes Box match."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"reconcile {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details to stderr."),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _register_commands() -> None:
    # Each command lives in its own module and registers itself on import.
    import importlib

    # Registration order is the order of the top-level help: newcomers start with the demo.
    for name in (
        "demo",
        "init",
        "validate",
        "doctor",
        "plan",
        "apply",
        "status",
        "comment",
        "export",
        "watch",
        "notify",
        "webhooks",
        "schema",
        "sandbox",
        "rehearse",
        "feedback",
    ):
        importlib.import_module(f"reconciler.cli.{name}")


def report_error(err: ReconcilerError) -> None:
    """Print a ReconcilerError to stderr the way every command does."""
    typer.echo(f"Error: {err}", err=True)


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its documented exit code; nothing escapes as a traceback."""
    _register_commands()
    try:
        # With standalone_mode=False, typer.Exit(code) comes back as the return value.
        returned = app(args=argv, standalone_mode=False)
        if returned == ExitCode.INTERRUPTED:
            # typer turns Ctrl-C into this return value itself, silently
            typer.echo("Interrupted.", err=True)
        return returned if isinstance(returned, int) else ExitCode.OK
    except SystemExit as exc:
        if isinstance(exc.code, int):
            return exc.code
        return ExitCode.OK if exc.code is None else ExitCode.ERROR
    except (UsageError, ClickException) as exc:
        # click reports usage errors with exit 2; ours is 3 (2 means "changes pending").
        exc.show()
        return ExitCode.INVALID_INPUT
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return ExitCode.ERROR
    except typer.Exit as exc:
        return exc.exit_code
    except ReconcilerError as err:
        report_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        typer.echo(
            f"Internal error: {type(exc).__name__}: {exc} (run with -v for details)", err=True
        )
        return ExitCode.ERROR


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    code = run(argv)
    if code == ExitCode.INTERRUPTED:
        # Python puts back the default SIGINT action while it shuts down, so one more Ctrl-C
        # then would end the process by signal instead of 130; an ignored SIGINT stays ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
