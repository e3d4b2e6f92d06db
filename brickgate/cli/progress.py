"""Progress on standard error: a batch's bar (and why it waits), a statement's state."""

from __future__ import annotations

import threading

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


class WatchingClock:
    """A clock that knows when the waits it is asked for end (for the progress display).

    Every wait of a batch (a retry after a 429 or a busy server, the shared back-off gate) goes
    through the clock, so ``seconds_left()`` tells how long the run will still be waiting.
    """

    def __init__(self, inner: Clock | None = None) -> None:
        self._inner: Clock = inner or SystemClock()
        self._lock = threading.Lock()
        self._until: dict[int, float] = {}

    def monotonic(self) -> float:
        """The inner clock's monotonic time."""
        return self._inner.monotonic()

    def time(self) -> float:
        """The inner clock's wall-clock time."""
        return self._inner.time()

    def sleep(self, seconds: float) -> None:
        """Wait like the inner clock, remembering until when."""
        key = threading.get_ident()
        with self._lock:
            self._until[key] = self._inner.monotonic() + max(0.0, seconds)
        try:
            self._inner.sleep(seconds)
        finally:
            with self._lock:
                self._until.pop(key, None)

    async def sleep_async(self, seconds: float) -> None:
        """Wait like the inner clock (async waits are not shown)."""
        await self._inner.sleep_async(seconds)

    def seconds_left(self) -> float:
        """Seconds until every current wait is over; 0 when nothing waits."""
        with self._lock:
            until = max(self._until.values(), default=0.0)
        return max(0.0, until - self._inner.monotonic())


class WaitColumn(ProgressColumn):
    """``rate limited or busy, resuming in 12 s`` while the run waits; the rate otherwise."""

    def __init__(self, clock: WatchingClock) -> None:
        super().__init__(table_column=Column(no_wrap=True))
        self._clock = clock

    def render(self, task: Task) -> Text:
        """The column's text for ``task``."""
        waiting = self._clock.seconds_left()
        if waiting > 0:
            return Text(f"rate limited or busy, resuming in {waiting:.0f} s", style="yellow")
        return Text(f"{task.fields.get('rate', '-')}/s")


class FileProgress:
    """A rich progress bar on stderr: done/total, rate, ETA, tokens and errors."""

    def __init__(
        self, console: Console, total: int, clock: WatchingClock, *, enabled: bool
    ) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled and console.is_terminal:
            self._progress = Progress(
                TextColumn("batch"),
                BarColumn(),
                MofNCompleteColumn(),
                WaitColumn(clock),
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
