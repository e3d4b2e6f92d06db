"""Local batch runs: bounded concurrency, a shared back-off gate, results as they finish."""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from brickgate.domain.batch import (
    BatchItem,
    BatchResult,
    BatchSummary,
    ItemId,
    shown_id,
    to_batch_item,
)
from brickgate.domain.chat import (
    ChatResponse,
)
from brickgate.domain.errors import (
    BrickgateError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
    TransportError,
)
from brickgate.ports.clock import Clock
from brickgate.services.batch_gate import BackoffGate

Chat = Callable[[str, Any, Mapping[str, Any]], ChatResponse]
AsyncChat = Callable[[str, Any, Mapping[str, Any]], Awaitable[ChatResponse]]
DEFAULT_CONCURRENCY = 8
_RETRYABLE = (RateLimitError, ServerError, TransportError)


class _Intake:
    """Turns caller items into ``BatchItem``s, or into error results for bad or repeated ones."""

    def __init__(self, items: Iterable[object]) -> None:
        self._source = iter(items)
        self._seen: set[tuple[type, ItemId]] = set()
        self._position = 0

    def next(self) -> BatchItem | BatchResult | None:
        """The next item, an error result for a bad one, or ``None`` when the input is done."""
        try:
            value = next(self._source)
        except StopIteration:
            return None
        return self.take(value)

    def take(self, value: object) -> BatchItem | BatchResult:
        """``value`` as an item, or an error result for it."""
        self._position += 1
        try:
            item = to_batch_item(value)
        except InvalidRequestError as error:
            return BatchResult(_fallback_id(value, self._position), None, error, 0.0, 0)
        key = (type(item.id), item.id)
        if key in self._seen:
            duplicate = InvalidRequestError(
                f"batch item id {shown_id(item.id)} appears more than once; ids must be unique"
            )
            return BatchResult(item.id, None, duplicate, 0.0, 0)
        self._seen.add(key)
        return item


def _fallback_id(value: object, position: int) -> ItemId:
    candidate: object = None
    if isinstance(value, Mapping):
        candidate = value.get("id")
    elif isinstance(value, tuple) and value:
        candidate = value[0]
    if isinstance(candidate, (str, int)) and not isinstance(candidate, bool):
        return candidate
    return f"#{position}"


class _Attempt:
    """The per-item retry rule shared by the sync and async runners."""

    def __init__(self, clock: Clock, rounds: int, backoff: float) -> None:
        self.clock = clock
        self.rounds = rounds
        self.backoff = backoff

    def wait_before_retry(self, error: BrickgateError, attempt: int) -> float | None:
        """Seconds to wait before trying again after ``error``, or ``None`` to give up."""
        if attempt >= self.rounds or not isinstance(error, _RETRYABLE):
            return None
        if isinstance(error, RateLimitError):
            return 0.0
        return float(self.backoff * 2.0 ** (attempt - 1))


class BatchRunner:
    """Runs chat requests for many items on a thread pool; see ``run``.

    ``chat(model, conversation, params)`` sends one request (``ChatService.chat``); the gate it
    sends through is ``gate``. An item whose request fails with a rate limit, a server error or
    a transport error is tried again, up to ``rounds`` times in all, after the gate opens.
    """

    def __init__(
        self,
        chat: Chat,
        gate: BackoffGate,
        clock: Clock,
        *,
        rounds: int = 3,
        retry_backoff: float = 1.0,
    ) -> None:
        self._chat = chat
        self._gate = gate
        self._clock = clock
        self._attempt = _Attempt(clock, rounds, retry_backoff)

    def run(
        self,
        model: str,
        items: Iterable[object],
        params: Mapping[str, Any],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> BatchRun:
        """Start the batch; return a ``BatchRun`` yielding one ``BatchResult`` per item as
        each finishes (any order). ``params`` apply to every item; an item's own win.

        One item's failure never stops the others: it becomes that item's ``error``. Items are
        read lazily and at most ``concurrency`` requests are in flight. Raises
        ``InvalidRequestError`` for a ``concurrency`` below 1.
        """
        _check_concurrency(concurrency)
        summary = BatchSummary()
        return BatchRun(self._results(model, items, params, concurrency, summary), summary)

    def _one(self, model: str, item: BatchItem, params: Mapping[str, Any]) -> BatchResult:
        started = self._clock.monotonic()
        merged = {**params, **item.params}
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._chat(model, item.conversation, merged)
            except BrickgateError as error:
                wait_for = self._attempt.wait_before_retry(error, attempt)
                if wait_for is None:
                    latency = self._clock.monotonic() - started
                    return BatchResult(item.id, None, error, latency, attempt)
                self._clock.sleep(wait_for)
                self._gate.wait()
                continue
            latency = self._clock.monotonic() - started
            return BatchResult(item.id, response, None, latency, attempt)

    def _results(
        self,
        model: str,
        items: Iterable[object],
        params: Mapping[str, Any],
        concurrency: int,
        summary: BatchSummary,
    ) -> Iterator[BatchResult]:
        started = self._clock.monotonic()
        intake = _Intake(items)
        window = concurrency * 2
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="brickgate-batch")
        pending: set[Future[BatchResult]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < window:
                    taken = intake.next()
                    if taken is None:
                        exhausted = True
                    elif isinstance(taken, BatchResult):
                        summary.record(taken)
                        yield taken
                    else:
                        pending.add(pool.submit(self._one, model, taken, params))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    summary.record(result)
                    summary.elapsed = self._clock.monotonic() - started
                    yield result
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            summary.elapsed = self._clock.monotonic() - started


class BatchRun:
    """The results of a running batch: iterate for ``BatchResult``s as they finish.

    ``summary`` is updated as results are taken. ``close()`` (or leaving a ``with`` block)
    stops sending; requests already in flight finish in the background and are dropped.
    """

    def __init__(self, results: Iterator[BatchResult], summary: BatchSummary) -> None:
        self._results = results
        self.summary = summary

    def __iter__(self) -> Iterator[BatchResult]:
        return self

    def __next__(self) -> BatchResult:
        return next(self._results)

    def close(self) -> None:
        """Stop the batch; idempotent."""
        close = getattr(self._results, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncBatchRunner:
    """The asyncio twin of ``BatchRunner``: a semaphore bounds the requests in flight."""

    def __init__(
        self,
        chat: AsyncChat,
        gate: BackoffGate,
        clock: Clock,
        *,
        rounds: int = 3,
        retry_backoff: float = 1.0,
    ) -> None:
        self._chat = chat
        self._gate = gate
        self._clock = clock
        self._attempt = _Attempt(clock, rounds, retry_backoff)

    def run(
        self,
        model: str,
        items: Iterable[object] | AsyncIterable[object],
        params: Mapping[str, Any],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> AsyncBatchRun:
        """Start the batch (as ``BatchRunner.run``); ``items`` may also be an async iterable."""
        _check_concurrency(concurrency)
        summary = BatchSummary()
        return AsyncBatchRun(self._results(model, items, params, concurrency, summary), summary)

    async def _one(
        self,
        model: str,
        item: BatchItem,
        params: Mapping[str, Any],
        slots: asyncio.Semaphore,
    ) -> BatchResult:
        async with slots:
            started = self._clock.monotonic()
            merged = {**params, **item.params}
            attempt = 0
            while True:
                attempt += 1
                try:
                    response = await self._chat(model, item.conversation, merged)
                except BrickgateError as error:
                    wait_for = self._attempt.wait_before_retry(error, attempt)
                    if wait_for is None:
                        latency = self._clock.monotonic() - started
                        return BatchResult(item.id, None, error, latency, attempt)
                    await self._clock.sleep_async(wait_for)
                    await self._gate.wait_async()
                    continue
                latency = self._clock.monotonic() - started
                return BatchResult(item.id, response, None, latency, attempt)

    async def _results(
        self,
        model: str,
        items: Iterable[object] | AsyncIterable[object],
        params: Mapping[str, Any],
        concurrency: int,
        summary: BatchSummary,
    ) -> AsyncIterator[BatchResult]:
        started = self._clock.monotonic()
        intake = _Intake(())
        source = _aiter(items)
        slots = asyncio.Semaphore(concurrency)
        window = concurrency * 2
        pending: set[asyncio.Task[BatchResult]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < window:
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
                        task = asyncio.ensure_future(self._one(model, taken, params, slots))
                        pending.add(task)
                if not pending:
                    return
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    result = task.result()
                    summary.record(result)
                    summary.elapsed = self._clock.monotonic() - started
                    yield result
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            summary.elapsed = self._clock.monotonic() - started


async def _aiter(items: Iterable[object] | AsyncIterable[object]) -> AsyncIterator[object]:
    if isinstance(items, AsyncIterable):
        async for value in items:
            yield value
    else:
        for value in items:
            yield value


class AsyncBatchRun:
    """The async twin of ``BatchRun``: ``async for result in run``; ``await run.aclose()``."""

    def __init__(self, results: AsyncIterator[BatchResult], summary: BatchSummary) -> None:
        self._results = results
        self.summary = summary

    def __aiter__(self) -> AsyncIterator[BatchResult]:
        return self

    async def __anext__(self) -> BatchResult:
        return await self._results.__anext__()

    async def aclose(self) -> None:
        """Stop the batch and cancel requests in flight; idempotent."""
        close = getattr(self._results, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> AsyncBatchRun:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be a whole number >= 1, not {concurrency!r}")
