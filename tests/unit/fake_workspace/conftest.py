"""Fixtures for the FakeWorkspace tests: a running workspace and raw httpx clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from brickgate.testing import FakeWorkspace


@pytest.fixture
def ws() -> Iterator[FakeWorkspace]:
    """A running FakeWorkspace that also serves the AI Gateway surface."""
    with FakeWorkspace(ai_gateway=True) as workspace:
        yield workspace


@pytest.fixture
def client(ws: FakeWorkspace) -> Iterator[httpx.Client]:
    """A raw httpx client for ``ws`` sending its personal access token."""
    headers = {"Authorization": f"Bearer {ws.token}"}
    with httpx.Client(base_url=ws.url, headers=headers, timeout=10) as http:
        yield http


@pytest.fixture
def http(ws: FakeWorkspace) -> Iterator[httpx.Client]:
    """A raw httpx client for ``ws`` without credentials."""
    with httpx.Client(base_url=ws.url, timeout=10) as anonymous:
        yield anonymous
