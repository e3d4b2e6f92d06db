"""Local batch runs: bounded concurrency, results as they finish, one typed result per item."""

from __future__ import annotations

import asyncio  # async-only
from asyncio import FIRST_COMPLETED  # async-only
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

# sync-only: import threading
from brickgate.domain.attempts import counting_attempts
from brickgate.domain.batch import BatchItem, BatchResult, BatchSummary
from brickgate.domain.chat import ChatResponse
from brickgate.domain.errors import BrickgateError
from brickgate.ports.clock import Clock
from brickgate.services.batch_items import DEFAULT_CONCURRENCY, Intake, check_concurrency

AsyncChat = Callable[[str, Any, Mapping[str, Any]], Awaitable[ChatResponse]]


class AsyncBatchRunner:
    """Runs one chat request per item, at most ``concurrency`` at once; see ``run``.

    ``chat(model, conversation, params)`` sends one request through the batch's transport,
    whose retry layer is the only one: an item's ``attempts`` is the number of requests it
    made. A 429 pauses every worker (the transport's shared gate).
    """

    def __init__(self, chat: AsyncChat, clock: Clock) -> None:
        self._chat = chat
        self._clock = clock

    def run(
        self,
        model: str,
        items: Iterable[object] | AsyncIterable[object],
        params: Mapping[str, Any],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncBatchRun:
        """Start the batch; return a run yielding one ``BatchResult`` per item as each
        finishes (any order). ``params`` apply to every item; an item's own win.

        One item's failure never stops the others: it becomes that item's ``error``. Items are
        read lazily and at most ``concurrency`` requests are in flight. Raises
        ``InvalidRequestError`` for a ``concurrency`` below 1.
        """
        check_concurrency(concurrency)
        summary = BatchSummary()
        return AsyncBatchRun(self._results(model, items, params, concurrency, summary), summary)

    async def _one(
        self, model: str, item: BatchItem, params: Mapping[str, Any], slots: Any
    ) -> BatchResult:
        async with slots:
            started = self._clock.monotonic()
            with counting_attempts() as attempts:
                try:
                    response = await self._chat(model, item.conversation, {**params, **item.params})
                except BrickgateError as error:
                    latency = self._clock.monotonic() - started
                    return BatchResult(item.id, None, error, latency, max(attempts.sent, 1))
            latency = self._clock.monotonic() - started
            return BatchResult(item.id, response, None, latency, max(attempts.sent, 1))

    async def _results(
        self,
        model: str,
        items: Iterable[object] | AsyncIterable[object],
        params: Mapping[str, Any],
        concurrency: int,
        summary: BatchSummary,
    ) -> AsyncIterator[BatchResult]:
        started = self._clock.monotonic()
        intake = Intake()
        source = _aiter(items)
        slots = asyncio.Semaphore(concurrency)  # async-only
        pending: set[asyncio.Task[BatchResult]] = set()  # async-only
        # sync-only: from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait  # noqa: E501
        # sync-only: slots = threading.Semaphore(concurrency)
        # sync-only: pool = ThreadPoolExecutor(concurrency, thread_name_prefix="brickgate-batch")
        # sync-only: pending: set[Future[BatchResult]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < concurrency * 2:
                    try:
                        value = await source.__anext__()
                    except StopAsyncIteration:
                        exhausted = True
                        break
                    taken = intake.take(value)
                    if isinstance(taken, BatchResult):
                        summary.record(taken)
                        yield taken
                    else:
                        job = self._one(model, taken, params, slots)  # async-only
                        task = asyncio.ensure_future(job)  # async-only
                        # sync-only: task = pool.submit(self._one, model, taken, params, slots)
                        pending.add(task)
                if not pending:
                    return
                ended = asyncio.wait(pending, return_when=FIRST_COMPLETED)  # async-only
                done, pending = await ended  # async-only
                # sync-only: done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for task in done:
                    result = task.result()
                    summary.record(result)
                    summary.elapsed = self._clock.monotonic() - started
                    yield result
        finally:
            for task in pending:
                task.cancel()
            if pending:  # async-only
                await asyncio.gather(*pending, return_exceptions=True)  # async-only
            # sync-only: pool.shutdown(wait=False, cancel_futures=True)
            summary.elapsed = self._clock.monotonic() - started


async def _aiter(items: Iterable[object] | AsyncIterable[object]) -> AsyncIterator[object]:
    if isinstance(items, AsyncIterable):  # async-only
        async for value in items:  # async-only
            yield value  # async-only
        return  # async-only
    for value in items:
        yield value


class AsyncBatchRun:
    """The results of a running batch: iterate for ``BatchResult``s as they finish.

    ``summary`` is updated as results are taken. Closing it (or leaving a ``with`` block) stops
    sending; requests in flight are cancelled (threads: finish in the background, dropped).
    """

    def __init__(self, results: AsyncIterator[BatchResult], summary: BatchSummary) -> None:
        self._results = results
        self.summary = summary

    def __aiter__(self) -> AsyncIterator[BatchResult]:
        return self

    async def __anext__(self) -> BatchResult:
        return await self._results.__anext__()

    async def aclose(self) -> None:
        """Stop the batch; idempotent."""
        close = getattr(self._results, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> AsyncBatchRun:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
