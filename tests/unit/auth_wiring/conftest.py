"""Fixtures: a FakeWorkspace, an isolated environment, and clients built on the real container."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.client import AsyncClient, Client
from brickgate.container import BrickgateContainer, create_client_container
from brickgate.testing import FakeBrowser, FakeWorkspace, MemoryKeyring

LOOPBACK = "127.0.0.1"


@pytest.fixture
def workspace() -> Iterator[FakeWorkspace]:
    with FakeWorkspace() as fake:
        yield fake


class Setup:
    """An isolated machine: its environment, home, keyring and brickgate config directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.keyring = MemoryKeyring()
        self.environ: dict[str, str] = {
            "HOME": str(home),
            "PATH": str(home / "no-tools"),
            "BRICKGATE_CONFIG_DIR": str(home / "brickgate"),
        }

    def keyring_store(self) -> KeyringStore:
        return KeyringStore(backend=self.keyring, trusted_hosts=(LOOPBACK,))

    def databrickscfg(self, text: str) -> None:
        (self.home / ".databrickscfg").write_text(text, encoding="utf-8")

    def container(self, **arguments: Any) -> BrickgateContainer:
        overrides: dict[str, Any] = {"environ": self.environ, "keyring_store": self.keyring_store()}
        overrides.update(arguments)
        overrides.setdefault("trusted_hosts", (LOOPBACK,))
        return create_client_container(**overrides)

    def client(self, **arguments: Any) -> Client:
        container = self.container(**arguments)
        container.resolution()
        return Client(container=container)

    def async_client(self, **arguments: Any) -> AsyncClient:
        container = self.container(**arguments)
        container.resolution()
        return AsyncClient(container=container)


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


@pytest.fixture
def follow() -> FakeBrowser:
    return FakeBrowser()


class Rerouted(httpx.BaseTransport):
    """Sends every request to the fake workspace whatever its host (an Azure host's test)."""

    def __init__(self, workspace: FakeWorkspace) -> None:
        self._inner = httpx.HTTPTransport()
        self._port = workspace.port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host=LOOPBACK, port=self._port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
