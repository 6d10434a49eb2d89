"""``reconcile schema``: print one of the packaged JSON Schemas."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from reconciler.cli.app import app
from reconciler.manifest.schema import schema_text


class SchemaName(str, Enum):
    DELIVERY = "delivery"
    CONFIG = "config"
    SEED = "seed"


@app.command()
def schema(
    name: Annotated[
        SchemaName,
        typer.Argument(
            metavar="NAME",
            help="delivery (a manifest), config (reconcile.yaml) or seed (sandbox).",
        ),
    ] = SchemaName.DELIVERY,
) -> None:
    """Print a JSON Schema (Draft 2020-12) for editors and other tools.

    \b
    Examples:
      reconcile schema > schemas/delivery.schema.json   # for the yaml-language-server modeline
      reconcile schema config                            # what reconcile.yaml may hold
      reconcile schema seed                              # the sandbox's seed documents
    """
    typer.echo(schema_text(name.value).rstrip("\n"))
