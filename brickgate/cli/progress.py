"""Progress on standard error: a batch's bar (and why it waits), a statement's state."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

from brickgate.adapters.clock import SystemClock
from brickgate.domain.batch import BatchResult, BatchSummary
from brickgate.domain.sql import StatementStatus
from brickgate.ports.clock import Clock
from brickgate.services.batch_gate import BackoffGate


class WatchedGate(BackoffGate):
    """The batch's back-off gate, also telling how long it stays shut (for the display)."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock or SystemClock())

    def seconds_left(self) -> float:
        """Seconds until the gate opens again; 0 when it is open."""
        return max(0.0, self._remaining())


class GateColumn(ProgressColumn):
    """``rate limited, resuming in 12 s`` while the gate is shut; the rate and ETA otherwise."""

    def __init__(self, gate: WatchedGate) -> None:
        super().__init__(table_column=Column(no_wrap=True))
        self._gate = gate

    def render(self, task: Task) -> Text:
        """The column's text for ``task``."""
        waiting = self._gate.seconds_left()
        if waiting > 0:
            return Text(f"rate limited, resuming in {waiting:.0f} s", style="yellow")
        return Text(f"{task.fields.get('rate', '-')}/s")


class FileProgress:
    """A rich progress bar on stderr: done/total, rate, ETA, tokens and errors."""

    def __init__(self, console: Console, total: int, gate: WatchedGate, *, enabled: bool) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled and console.is_terminal:
            self._progress = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                GateColumn(gate),
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

    def __enter__(self) -> FileProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


class StatementWatcher:
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
