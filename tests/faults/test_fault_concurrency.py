"""Many concurrent async requests while the workspace fails some: every one ends, typed."""

from __future__ import annotations

import asyncio
from collections import Counter

import brickgate
from brickgate.domain.chat import ChatResponse
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import CHAT, LLAMA, AsyncClientFactory, assert_no_secret, paths

REQUESTS = 50
GUARD_SECONDS = 20.0


async def run_all(aclient: brickgate.AsyncClient) -> list[ChatResponse | BaseException]:
    calls = (aclient.chat(LLAMA, f"question {i}") for i in range(REQUESTS))
    gathered = asyncio.gather(*calls, return_exceptions=True)
    return await asyncio.wait_for(gathered, timeout=GUARD_SECONDS)


def kinds(results: list[ChatResponse | BaseException]) -> Counter[str]:
    return Counter(type(result).__name__ for result in results)


async def test_fifty_requests_with_failures_each_end_in_a_result_or_a_typed_error(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(status=503), times=8, path=CHAT)
    ws.fail(Fault(status=429, retry_after="1"), times=5, path=CHAT)
    ws.fail(Fault(reset_before_headers=True), times=4, path=CHAT)
    ws.fail(Fault(delay_before_headers=3.0), times=3, path=CHAT)
    aclient = make_async_client(max_retries=0, timeout=1.0)
    results = await run_all(aclient)
    assert kinds(results) == {
        "ChatResponse": 30,
        "ServerError": 8,
        "RateLimitError": 5,
        "TransportError": 4,
        "TimeoutError": 3,
    }
    for result in results:
        assert isinstance(result, (ChatResponse, brickgate.BrickgateError))
        assert_no_secret(ws, str(result))
    assert ws.pending_faults == 0
    assert paths(ws, CHAT) == REQUESTS


async def test_with_retries_every_request_succeeds(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=503), times=6, path=CHAT)
    ws.fail(Fault(reset_before_headers=True), times=4, path=CHAT)
    aclient = make_async_client(max_retries=10)
    results = await run_all(aclient)
    assert kinds(results) == {"ChatResponse": REQUESTS}
    said = {r.text.rsplit("you said ", 1)[-1] for r in results if isinstance(r, ChatResponse)}
    assert said == {f"question {i}" for i in range(REQUESTS)}
    assert paths(ws, CHAT) == REQUESTS + 10
    assert len(clock.sleeps) == 10


async def test_concurrent_streams_some_cut(
    ws: FakeWorkspace, make_async_client: AsyncClientFactory
) -> None:
    ws.fail(Fault(cut_after_chunks=2), times=5, path=CHAT)
    aclient = make_async_client(max_retries=0)

    async def one(i: int) -> str:
        async with aclient.stream(LLAMA, f"s{i}") as stream:
            async for _ in stream:
                pass
        return stream.response.text

    gathered = asyncio.gather(*(one(i) for i in range(20)), return_exceptions=True)
    results = await asyncio.wait_for(gathered, timeout=GUARD_SECONDS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 5
    assert all(isinstance(e, brickgate.StreamError) and e.partial is not None for e in errors)
    assert sum(1 for r in results if isinstance(r, str) and "you said s" in r) == 15
