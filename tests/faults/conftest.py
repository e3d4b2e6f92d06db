"""Fixtures for the fault suite: a live FakeWorkspace, clients on a FakeClock, a leak guard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from brickgate.client import AsyncClient, Client
from brickgate.container import create_client_container
from brickgate.testing import FakeClock, FakeWorkspace

LOOPBACK = ["127.0.0.1"]
LLAMA = "databricks-meta-llama-3-3-70b-instruct"
CLAUDE = "databricks-claude-sonnet-4-5"
CHAT = "/serving-endpoints/chat/completions"
EMBED = "/serving-endpoints/embeddings"
TOKEN_PATH = "/oidc/v1/token"
ACCESS_TOKEN_PREFIX = "eyJraWQiOiJmYWtld3MiLCJhbGciOiJSUzI1NiJ9."

ClientFactory = Callable[..., Client]
AsyncClientFactory = Callable[..., AsyncClient]


def secrets_of(ws: FakeWorkspace) -> tuple[str, ...]:
    """Every secret the workspace knows: the PAT, the client secret, its access-token head."""
    return (ws.token, ws.client_secret, ACCESS_TOKEN_PREFIX)


def assert_no_secret(ws: FakeWorkspace, text: str) -> None:
    """Fail when ``text`` contains any of the workspace's secrets."""
    leaked = [index for index, secret in enumerate(secrets_of(ws)) if secret in text]
    assert not leaked, f"secret number(s) {leaked} found in output"


def paths(ws: FakeWorkspace, path: str) -> int:
    """How many requests the workspace received on ``path``."""
    return sum(1 for request in ws.requests if request.path == path)


@pytest.fixture
def ws(caplog: pytest.LogCaptureFixture) -> Iterator[FakeWorkspace]:
    """A running FakeWorkspace; after the test, no secret may appear in any captured log."""
    caplog.set_level(logging.DEBUG)
    with FakeWorkspace() as workspace:
        yield workspace
    assert_no_secret(workspace, caplog.text)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _options(
    ws: FakeWorkspace, clock: FakeClock, oauth: bool, overrides: dict[str, Any]
) -> dict[str, Any]:
    options: dict[str, Any] = {"host": ws.url, "trusted_hosts": LOOPBACK, "clock": clock}
    if oauth:
        options.update(client_id=ws.client_id, client_secret=ws.client_secret)
    else:
        options["token"] = ws.token
    options.update(overrides)
    return options


@pytest.fixture
def make_client(ws: FakeWorkspace, clock: FakeClock) -> Iterator[ClientFactory]:
    """Build Clients to ``ws`` (PAT, or OAuth M2M with ``oauth=True``) on ``clock``; closes them."""
    made: list[Client] = []

    def build(*, oauth: bool = False, **overrides: Any) -> Client:
        options = _options(ws, clock, oauth, overrides)
        client = Client(container=create_client_container(**options))
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
async def make_async_client(
    ws: FakeWorkspace, clock: FakeClock
) -> AsyncIterator[AsyncClientFactory]:
    """The AsyncClient twin of ``make_client``."""
    made: list[AsyncClient] = []

    def build(*, oauth: bool = False, **overrides: Any) -> AsyncClient:
        options = _options(ws, clock, oauth, overrides)
        client = AsyncClient(container=create_client_container(**options))
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()
