"""Fixtures for the gateway suite: a FakeWorkspace, and the gateway in front of it on a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from brickgate.adapters.usage_ledger import UsageLedger
from brickgate.container import create_client_container
from brickgate.ports._async.workspace import AsyncWorkspaceTransport
from brickgate.serve import (
    GatewayMetrics,
    GatewayOptions,
    GatewayServer,
    allowed_hosts,
    bind_socket,
    create_app,
    new_key,
)
from brickgate.services._async.chat import AsyncChatService
from brickgate.services.gateway import GatewayService
from brickgate.testing import FakeWorkspace

LLAMA = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE = "databricks-claude-sonnet-4-5"
CODEX = "databricks-gpt-5-1-codex-max"
EMBEDDER = "databricks-gte-large-en"


Wrap = Callable[[AsyncWorkspaceTransport], AsyncWorkspaceTransport]


class Running:
    """The gateway app served by uvicorn on an event loop in a background thread."""

    def __init__(self, ws: FakeWorkspace, ledger: UsageLedger, wrap: Wrap | None) -> None:
        self.ws = ws
        self.key = new_key()
        self.metrics = GatewayMetrics()
        self.ledger = ledger
        self.wrap = wrap
        self.sock = bind_socket("127.0.0.1", 0)
        port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.hosts = allowed_hosts("127.0.0.1", port)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self.server: GatewayServer | None = None
        self.error: BaseException | None = None

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # surfaced by start()
            self.error = error
            self._ready.set()

    async def _serve(self) -> None:
        container = create_client_container(
            host=self.ws.url, token=self.ws.token, trusted_hosts=["127.0.0.1"]
        )
        session = container.async_session()
        chat = session.services.chat
        if self.wrap is not None:
            chat = AsyncChatService(self.wrap(chat.transport), container.catalog(), chat.router)
        app = create_app(
            GatewayService(chat),
            GatewayOptions(self.key, self.hosts),
            ledger=self.ledger,
            metrics=self.metrics,
        )
        self.server = GatewayServer(app, self.sock, grace=5)
        task = asyncio.ensure_future(self.server.serve())
        while not self.server.started and not task.done():
            await asyncio.sleep(0.005)
        self._ready.set()
        try:
            await task
        finally:
            await session.aclose()

    def start(self) -> Running:
        self._thread.start()
        self._ready.wait(10)
        if self.error is not None:
            raise self.error
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self._thread.join(15)


@pytest.fixture
def ws() -> Iterator[FakeWorkspace]:
    with FakeWorkspace() as workspace:
        yield workspace


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[UsageLedger]:
    book = UsageLedger(tmp_path / "usage.sqlite3")
    yield book
    book.close()


@pytest.fixture
def start_gateway(ws: FakeWorkspace, ledger: UsageLedger) -> Iterator[Callable[..., Running]]:
    """``start_gateway(wrap=None)``: a gateway before ``ws``; ``wrap`` wraps its transport."""
    started: list[Running] = []

    def start(wrap: Wrap | None = None) -> Running:
        running = Running(ws, ledger, wrap).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def gateway(start_gateway: Callable[..., Running]) -> Running:
    return start_gateway()
