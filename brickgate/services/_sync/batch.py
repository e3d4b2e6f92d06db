# Generated from services/_async/batch.py by tools/unasync.py: do not edit.
"""Local batch runs: bounded concurrency, results as they finish, one typed result per item."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

import threading
from brickgate.domain.attempts import counting_attempts
from brickgate.domain.batch import BatchItem, BatchResult, BatchSummary
from brickgate.domain.chat import ChatResponse
from brickgate.domain.errors import BrickgateError
from brickgate.ports.clock import Clock
from brickgate.services.batch_items import DEFAULT_CONCURRENCY, Intake, check_concurrency

Chat = Callable[[str, Any, Mapping[str, Any]], ChatResponse]


class BatchRunner:
    """Runs one chat request per item, at most ``concurrency`` at once; see ``run``.

    ``chat(model, conversation, params)`` sends one request through the batch's transport,
    whose retry layer is the only one: an item's ``attempts`` is the number of requests it
    made. A 429 pauses every worker (the transport's shared gate).
    """

    def __init__(self, chat: Chat, clock: Clock) -> None:
        self._chat = chat
        self._clock = clock

    def run(
        self,
        model: str,
        items: Iterable[object] | Iterable[object],
        params: Mapping[str, Any],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> BatchRun:
        """Start the batch; return a run yielding one ``BatchResult`` per item as each
        finishes (any order). ``params`` apply to every item; an item's own win.

        One item's failure never stops the others: it becomes that item's ``error``. Items are
        read lazily and at most ``concurrency`` requests are in flight. Raises
        ``InvalidRequestError`` for a ``concurrency`` below 1.
        """
        check_concurrency(concurrency)
        summary = BatchSummary()
        return BatchRun(self._results(model, items, params, concurrency, summary), summary)

    def _one(
        self, model: str, item: BatchItem, params: Mapping[str, Any], slots: Any
    ) -> BatchResult:
        with slots:
            started = self._clock.monotonic()
            with counting_attempts() as attempts:
                try:
                    response = self._chat(model, item.conversation, {**params, **item.params})
                except BrickgateError as error:
                    latency = self._clock.monotonic() - started
                    return BatchResult(item.id, None, error, latency, max(attempts.sent, 1))
            latency = self._clock.monotonic() - started
            return BatchResult(item.id, response, None, latency, max(attempts.sent, 1))

    def _results(
        self,
        model: str,
        items: Iterable[object] | Iterable[object],
        params: Mapping[str, Any],
        concurrency: int,
        summary: BatchSummary,
    ) -> Iterator[BatchResult]:
        started = self._clock.monotonic()
        intake = Intake()
        source = _aiter(items)
        from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait  # noqa: E501
        slots = threading.Semaphore(concurrency)
        pool = ThreadPoolExecutor(concurrency, thread_name_prefix="brickgate-batch")
        pending: set[Future[BatchResult]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < concurrency * 2:
                    try:
                        value = source.__next__()
                    except StopIteration:
                        exhausted = True
                        break
                    taken = intake.take(value)
                    if isinstance(taken, BatchResult):
                        summary.record(taken)
                        yield taken
                    else:
                        task = pool.submit(self._one, model, taken, params, slots)
                        pending.add(task)
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for task in done:
                    result = task.result()
                    summary.record(result)
                    summary.elapsed = self._clock.monotonic() - started
                    yield result
        finally:
            for task in pending:
                task.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
            summary.elapsed = self._clock.monotonic() - started


def _aiter(items: Iterable[object] | Iterable[object]) -> Iterator[object]:
    for value in items:
        yield value


class BatchRun:
    """The results of a running batch: iterate for ``BatchResult``s as they finish.

    ``summary`` is updated as results are taken. Closing it (or leaving a ``with`` block) stops
    sending; requests in flight are cancelled (threads: finish in the background, dropped).
    """

    def __init__(self, results: Iterator[BatchResult], summary: BatchSummary) -> None:
        self._results = results
        self.summary = summary

    def __iter__(self) -> Iterator[BatchResult]:
        return self

    def __next__(self) -> BatchResult:
        return self._results.__next__()

    def close(self) -> None:
        """Stop the batch; idempotent."""
        close = getattr(self._results, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
