"""``brickgate batch``: a JSONL file through a model locally, or a table through ``ai_query``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from brickgate.cli.options import FlagHelpCommand
from brickgate.cli.state import CliState

EXIT_INCOMPLETE = 1
DEFAULT_CONCURRENCY = 8
"""``--concurrency`` when not given: the library's default (``brickgate.services.batch_items``)."""


class Engine(str, Enum):
    """Where the batch runs."""

    local = "local"
    sql = "sql"


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to ``app``."""
    app.command(name="batch", cls=FlagHelpCommand)(batch)


def batch(
    ctx: typer.Context,
    input_path: Annotated[
        Path | None, typer.Argument(help="JSONL input: one {id, prompt|messages, ...} per line.")
    ] = None,
    model: Annotated[str, typer.Option("--model", "-m", help="Serving endpoint name.")] = "",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL output (appended; resumable).")
    ] = None,
    engine: Annotated[Engine, typer.Option(help="local: this machine; sql: ai_query.")] = (
        Engine.local
    ),
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Requests in flight (local).")
    ] = DEFAULT_CONCURRENCY,
    max_tokens: Annotated[int | None, typer.Option(min=1, help="Default max_tokens.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Default temperature.")] = None,
    retry_errors: Annotated[
        bool,
        typer.Option(
            "--retry-errors", help="Run again the items whose output line is an error (local)."
        ),
    ] = False,
    warehouse: Annotated[str | None, typer.Option(help="SQL warehouse id (sql).")] = None,
    table: Annotated[str | None, typer.Option(help="Source table cat.sch.t (sql).")] = None,
    column: Annotated[str | None, typer.Option(help="Prompt column (sql).")] = None,
    into: Annotated[str | None, typer.Option(help="Output table cat.sch.t (sql).")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the output table (sql).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the SQL and send nothing (sql).")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress display.")
    ] = True,
) -> None:
    """Run a model over many prompts: a JSONL file here, or a table on a SQL warehouse.

    Local: `brickgate batch -m MODEL in.jsonl -o out.jsonl`; run it again after an interrupt
    to resume, with --retry-errors to run the failed items again.

    SQL: `brickgate batch --engine sql --warehouse ID --table c.s.t --column prompt
    --into c.s.out -m MODEL`.
    """
    from brickgate.cli import batch_run
    from brickgate.domain.errors import ConfigurationError

    state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
    if not model:
        raise ConfigurationError("give the model with -m/--model")
    params: dict[str, Any] = {}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    if temperature is not None:
        params["temperature"] = temperature
    if engine is Engine.sql:
        code = batch_run.run_sql(
            state, model, params, warehouse, table, column, into, replace, dry_run
        )
    else:
        if input_path is None or output is None:
            raise ConfigurationError("the local engine needs an INPUT file and -o/--output")
        code = batch_run.run_file(
            state, model, params, input_path, output, retry_errors, concurrency, progress
        )
    if code:
        raise typer.Exit(code)
