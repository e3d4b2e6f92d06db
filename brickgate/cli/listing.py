"""``brickgate models`` and ``brickgate endpoints``: what the workspace serves."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from brickgate.cli.state import CliState

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def models(
    ctx: typer.Context,
    include_retired: Annotated[
        bool, typer.Option("--all", help="Include retired models the workspace does not serve.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Known models and whether this workspace serves them (served / not-ready / ...)."""
    from brickgate.cli.render import model_dict, models_table, to_json

    state: CliState = ctx.obj
    client, _ = state.connect()
    with client:
        entries = client.models(include_retired=include_retired)
    if json_output:
        sys.stdout.write(to_json([model_dict(entry) for entry in entries]) + "\n")
        return
    state.out.print(models_table(entries))


def endpoints(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """The workspace's serving endpoints, live."""
    from brickgate.cli.render import endpoint_dict, endpoints_table, to_json

    state: CliState = ctx.obj
    with state.client() as client:
        found = client.endpoints()
    if json_output:
        sys.stdout.write(to_json([endpoint_dict(endpoint) for endpoint in found]) + "\n")
        return
    state.out.print(endpoints_table(found))
