"""Streams through the gateway: a caller going away closes the upstream stream; 200 at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport
from brickgate.testing import FakeWorkspace
from tests.serve.conftest import LLAMA, Running


class _Counted:
    def __init__(self, inner: AsyncEventStream[Any], owner: Counting) -> None:
        self._inner, self._owner, self._closed = inner, owner, False

    def __aiter__(self) -> Any:
        return self._inner.__aiter__()

    async def aclose(self) -> None:
        await self._inner.aclose()
        if not self._closed:
            self._closed = True
            self._owner.note_close()


class Counting:
    """Counts the upstream streams opened and closed through it."""

    def __init__(self, inner: AsyncWorkspaceTransport) -> None:
        self.inner = inner
        self.opened = 0
        self.closed = 0
        self.all_closed = threading.Event()
        self.lock = threading.Lock()

    async def send(self, call: Any) -> Any:
        return await self.inner.send(call)

    async def open(self, call: Any) -> Any:
        events = await self.inner.open(call)
        with self.lock:
            self.opened += 1
            self.all_closed.clear()
        return _Counted(events, self)

    def note_close(self) -> None:
        with self.lock:
            self.closed += 1
            if self.closed == self.opened:
                self.all_closed.set()

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def ws() -> Iterator[FakeWorkspace]:
    with FakeWorkspace(stream_chunks=20_000, record=False) as workspace:
        yield workspace


@pytest.fixture
def counted(start_gateway: Callable[..., Running]) -> tuple[Running, list[Counting]]:
    made: list[Counting] = []

    def wrap(inner: AsyncWorkspaceTransport) -> Counting:
        made.append(Counting(inner))
        return made[-1]

    return start_gateway(wrap), made


def _stream_body(model: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}


@pytest.mark.parametrize("path,messages", [("/v1/chat/completions", False), ("/v1/messages", True)])
def test_a_caller_leaving_mid_stream_closes_the_upstream_stream(
    counted: tuple[Running, list[Counting]], path: str, messages: bool
) -> None:
    gateway, (counter,) = counted
    body = _stream_body(LLAMA) | ({"max_tokens": 100} if messages else {})
    headers = {"authorization": f"Bearer {gateway.key}"}
    with (
        httpx.Client() as client,
        client.stream("POST", gateway.url + path, json=body, headers=headers) as answer,
    ):
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines)
    assert counter.all_closed.wait(10)
    assert (counter.opened, counter.closed) == (1, 1)
    gateway.stop()
    assert gateway.ledger.count() == 1


async def _one_stream(client: httpx.AsyncClient, gateway: Running) -> bytes:
    body = _stream_body(LLAMA)
    headers = {"authorization": f"Bearer {gateway.key}"}
    async with client.stream(
        "POST", f"{gateway.url}/v1/chat/completions", json=body, headers=headers
    ) as answer:
        assert answer.status_code == 200
        return b"".join([piece async for piece in answer.aiter_bytes()])


@pytest.fixture
def short_ws() -> Iterator[FakeWorkspace]:
    with FakeWorkspace(stream_chunks=5, record=False) as workspace:
        yield workspace


def test_two_hundred_concurrent_streams_complete(short_ws: FakeWorkspace, ledger: Any) -> None:
    from tests.serve.conftest import Running as Gateway

    gateway = Gateway(short_ws, ledger, None).start()
    try:

        async def main() -> list[bytes]:
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                return await asyncio.gather(*(_one_stream(client, gateway) for _ in range(200)))

        bodies = asyncio.run(main())
    finally:
        gateway.stop()
    assert len(bodies) == 200
    assert all(body.rstrip().endswith(b"data: [DONE]") for body in bodies)
    assert ledger.count() == 200
