"""``brickgate batch``: a JSONL file through a model locally, or a table through ``ai_query``."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from brickgate.cli.state import CliState
from brickgate.domain.batch import BatchResult, BatchSummary
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.sql import AiQueryJob, StatementStatus
from brickgate.services.batch_items import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from brickgate.services.batch_files import BatchFilePlan

EXIT_INCOMPLETE = 1
_MAX_MALFORMED_SHOWN = 20


class Engine(str, Enum):
    """Where the batch runs."""

    local = "local"
    sql = "sql"


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to ``app``."""
    app.command(name="batch")(batch)


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
        bool, typer.Option(help="Run again the items whose output line is an error (local).")
    ] = False,
    warehouse: Annotated[str | None, typer.Option(help="SQL warehouse id (sql).")] = None,
    table: Annotated[str | None, typer.Option(help="Source table cat.sch.t (sql).")] = None,
    column: Annotated[str | None, typer.Option(help="Prompt column (sql).")] = None,
    into: Annotated[str | None, typer.Option(help="Output table cat.sch.t (sql).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the output table (sql).")] = False,
    dry_run: Annotated[bool, typer.Option(help="Print the SQL and send nothing (sql).")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress display.")] = True,
) -> None:
    """Run a model over many prompts: a JSONL file here, or a table on a SQL warehouse.

    Local: `brickgate batch -m MODEL in.jsonl -o out.jsonl`; run it again after an interrupt
    to resume. SQL: `brickgate batch --engine sql --warehouse ID --table c.s.t --column prompt
    --into c.s.out -m MODEL`.
    """
    state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
    if not model:
        raise ConfigurationError("give the model with -m/--model")
    params: dict[str, Any] = {}
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    if temperature is not None:
        params["temperature"] = temperature
    if engine is Engine.sql:
        code = _run_sql(state, model, params, warehouse, table, column, into, replace, dry_run)
    else:
        if input_path is None or output is None:
            raise ConfigurationError("the local engine needs an INPUT file and -o/--output")
        from brickgate.services.batch_files import plan_batch_file
        from brickgate.services.batch_lock import lock_batch_output

        with lock_batch_output(output) as lock:
            if lock.stale_pid is not None:
                state.err.print(f"took over {lock.path} from pid {lock.stale_pid}, which is gone")
            plan = plan_batch_file(input_path, output, retry_errors=retry_errors)
            code = _run_local(state, model, params, plan, concurrency, progress)
    if code:
        raise typer.Exit(code)


def _run_local(
    state: CliState,
    model: str,
    params: dict[str, Any],
    plan: BatchFilePlan,
    concurrency: int,
    show_progress: bool,
) -> int:
    err = state.err
    _report_plan(err, plan)
    summary = BatchSummary()
    if plan.pending:
        from brickgate.services.batch_files import write_results

        client = state.client()
        try:
            run = client.batch(model, plan.pending, concurrency=concurrency, **params)
            summary = run.summary
            with _FileProgress(err, len(plan.pending), enabled=show_progress) as bar:
                try:
                    write_results(plan, run, summary, on_result=lambda r: bar.advance(r, summary))
                finally:
                    run.close()
        except KeyboardInterrupt:
            err.print(
                f"interrupted after {summary.completed} results; run the same command again "
                "to resume"
            )
            raise
        finally:
            client.close()
    summary.skipped = plan.done
    _report_summary(err, plan, summary)
    return EXIT_INCOMPLETE if summary.failed or plan.malformed else 0


def _report_plan(err: Console, plan: BatchFilePlan) -> None:
    repaired = plan.output.repaired_bytes
    if repaired:
        err.print(
            f"repaired {plan.output_path}: cut a torn last line of {repaired} bytes "
            "(an interrupted write); that item runs again"
        )
    if plan.output.retried:
        err.print(f"retrying {plan.output.retried} items whose output line was an error")
    for bad in plan.malformed[:_MAX_MALFORMED_SHOWN]:
        err.print(f"skipped {plan.input_path} line {bad.line}: {bad.reason}", markup=False)
    hidden = len(plan.malformed) - _MAX_MALFORMED_SHOWN
    if hidden > 0:
        err.print(f"skipped {hidden} more malformed lines")
    if plan.done:
        err.print(f"resuming: {plan.done} of {plan.total} items already in {plan.output_path}")


def _report_summary(err: Console, plan: BatchFilePlan, summary: BatchSummary) -> None:
    errors = ", ".join(f"{name} {count}" for name, count in sorted(summary.errors.items()))
    err.print(
        f"done: {summary.succeeded} ok, {summary.failed} failed"
        + (f" ({errors})" if errors else "")
        + f", {summary.skipped} already done, {len(plan.malformed)} malformed lines skipped; "
        f"tokens {summary.prompt_tokens} prompt + {summary.completion_tokens} completion = "
        f"{summary.total_tokens}; results in {plan.output_path}",
        markup=False,
    )


class _FileProgress:
    """A rich progress bar on stderr: done/total, rate, ETA, tokens and errors."""

    def __init__(self, console: Console, total: int, *, enabled: bool) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled and console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[tokens]} tokens, {task.fields[errors]} errors"),
                console=console,
            )
            self._task = self._progress.add_task("batch", total=total, rate="-", tokens=0, errors=0)

    def advance(self, result: BatchResult, summary: BatchSummary) -> None:
        """Count one more result."""
        if self._progress is None or self._task is None:
            return
        rate = summary.completed / summary.elapsed if summary.elapsed > 0 else 0.0
        self._progress.update(
            self._task,
            advance=1,
            rate=f"{rate:.1f}",
            tokens=summary.total_tokens,
            errors=summary.failed,
        )

    def __enter__(self) -> _FileProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _run_sql(
    state: CliState,
    model: str,
    params: dict[str, Any],
    warehouse: str | None,
    table: str | None,
    column: str | None,
    into: str | None,
    replace: bool,
    dry_run: bool,
) -> int:
    missing = [
        flag
        for flag, value in (
            ("--warehouse", warehouse),
            ("--table", table),
            ("--column", column),
            ("--into", into),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(f"the sql engine needs {', '.join(missing)}")
    assert warehouse and table and column and into
    job = AiQueryJob.create(
        model,
        table,
        column,
        into,
        warehouse_id=warehouse,
        model_parameters=params,
        replace=replace,
    )
    if dry_run:
        sys.stdout.write(job.sql() + ";\n")
        sys.stdout.flush()
        return 0
    err = state.err
    client = state.client()
    watcher = _StatementWatcher(err)
    try:
        result = client.batch_sql(
            model,
            table,
            column,
            into,
            warehouse_id=warehouse,
            model_parameters=params,
            replace=replace,
            on_status=watcher,
        )
    except KeyboardInterrupt:
        err.print("interrupted: the statement was cancelled")
        raise
    finally:
        watcher.stop()
        client.close()
    rows = f"{result.row_count} rows" if result.row_count is not None else result.count_error
    err.print(
        f"{result.state}: statement {result.statement_id} wrote {rows} to {job.output.sql()} "
        f"in {result.elapsed:.1f} s",
        markup=False,
    )
    return 0


class _StatementWatcher:
    """Shows a statement's state as it changes: a spinner on a terminal, lines otherwise."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._last: str | None = None
        self._status = console.status("submitting") if console.is_terminal else None
        if self._status is not None:
            self._status.start()

    def __call__(self, status: StatementStatus, elapsed: float) -> None:
        text = f"statement {status.statement_id}: {status.state} ({elapsed:.0f} s)"
        if self._status is not None:
            self._status.update(text)
        elif status.state != self._last:
            self._console.print(text, markup=False)
        self._last = status.state

    def stop(self) -> None:
        """Remove the spinner."""
        if self._status is not None:
            self._status.stop()
