"""The work of ``brickgate batch`` (imported when it runs): a local file run, an ai_query run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from brickgate.cli.batch import EXIT_INCOMPLETE
from brickgate.cli.progress import FileProgress, StatementWatcher, WatchingClock
from brickgate.cli.state import CliState
from brickgate.domain.batch import BatchSummary
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.sql import AiQueryJob
from brickgate.services.batch_files import BatchFilePlan, plan_batch_file, write_results
from brickgate.services.batch_lock import lock_batch_output

__all__ = ["run_file", "run_sql"]

_MAX_MALFORMED_SHOWN = 20


def run_file(
    state: CliState,
    model: str,
    params: dict[str, Any],
    input_path: Path,
    output: Path,
    retry_errors: bool,
    concurrency: int,
    show_progress: bool,
) -> int:
    """Run ``input_path`` into ``output`` under the output's lock; return the exit code.

    Raises ``ConfigurationError`` for an unusable input or output, ``KeyboardInterrupt`` on
    Ctrl-C (the output keeps every finished result, so the same command resumes).
    """
    with lock_batch_output(output) as lock:
        if lock.stale_pid is not None:
            state.err.print(f"took over {lock.path} from pid {lock.stale_pid}, which is gone")
        plan = plan_batch_file(input_path, output, retry_errors=retry_errors)
        return _run_local(state, model, params, plan, concurrency, show_progress)


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
        clock = WatchingClock()
        client = state.client(clock=clock)
        try:
            run = client.batch(model, plan.pending, concurrency=concurrency, **params)
            summary = run.summary
            with FileProgress(err, len(plan.pending), clock, enabled=show_progress) as bar:
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
    return EXIT_INCOMPLETE if summary.failed or plan.malformed or plan.output.failed else 0


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
    earlier = plan.output.failed
    err.print(
        f"done: {summary.succeeded} ok, {summary.failed} failed"
        + (f" ({errors})" if errors else "")
        + f", {summary.skipped} already done"
        + (f" ({earlier} of them failed in an earlier run)" if earlier else "")
        + f", {len(plan.malformed)} malformed lines skipped; "
        f"tokens {summary.prompt_tokens} prompt + {summary.completion_tokens} completion = "
        f"{summary.total_tokens}; results in {plan.output_path}",
        markup=False,
    )
    failed = summary.failed + earlier
    if failed:
        err.print(
            f"{failed} items failed (their output lines hold the error); run the same command "
            "with --retry-errors to try them again",
            markup=False,
        )


def run_sql(
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
    """Run the ``ai_query`` statement (or print it with ``dry_run``); return the exit code.

    Raises ``ConfigurationError`` naming the missing options, and what the statement raises.
    """
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
    watcher = StatementWatcher(err)
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
