"""Fixtures: a FakeWorkspace on a FakeClock, and the real HTTP transports pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from brickgate.adapters.tokens import token_source_for
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports._sync.tokens import TokenSource
from brickgate.testing import FakeClock, FakeWorkspace

LOOPBACK = "127.0.0.1"
TOKEN_PATH = "/oidc/v1/token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def workspace(clock: FakeClock) -> Iterator[FakeWorkspace]:
    with FakeWorkspace(clock=clock) as fake:
        yield fake


@pytest.fixture
def host(workspace: FakeWorkspace) -> WorkspaceHost:
    return WorkspaceHost.parse(workspace.url, trusted_hosts=[LOOPBACK])


@pytest.fixture
def transport(host: WorkspaceHost, clock: FakeClock) -> Iterator[HttpTransport]:
    driver = HttpTransport(httpx.Client(), host, clock)
    yield driver
    driver.close()


@pytest.fixture
async def async_transport(
    host: WorkspaceHost, clock: FakeClock
) -> AsyncIterator[AsyncHttpTransport]:
    driver = AsyncHttpTransport(httpx.AsyncClient(), host, clock)
    yield driver
    await driver.aclose()


SourceFor = Callable[..., TokenSource]


@pytest.fixture
def source_for(host: WorkspaceHost, transport: HttpTransport, clock: FakeClock) -> SourceFor:
    """``token_source_for(auth_type, **fields)`` at the fake workspace, over ``transport``."""

    def make(auth_type: str, **fields: Any) -> TokenSource:
        return token_source_for(auth_type, host=host, transport=transport, clock=clock, **fields)

    return make


def token_requests(workspace: FakeWorkspace, grant: str | None = None) -> list[dict[str, str]]:
    """The forms of the token requests ``workspace`` received (of ``grant`` only, if given)."""
    forms = [dict(r.form or {}) for r in workspace.requests if r.path == TOKEN_PATH]
    return [form for form in forms if grant is None or form.get("grant_type") == grant]


def grants(workspace: FakeWorkspace, grant: str) -> int:
    """How many ``grant`` token requests ``workspace`` received."""
    return len(token_requests(workspace, grant))
