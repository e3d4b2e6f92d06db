"""Hours of calls under 1-hour tokens: no authentication error, refreshes as the policy predicts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from brickgate.testing import FakeBrowser, FakeClock, FakeWorkspace

from .conftest import Setup
from .test_sources_end_to_end import log_in

HOUR = 3600.0
MINUTE = 60.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed(clock: FakeClock) -> Iterator[FakeWorkspace]:
    with FakeWorkspace(clock=clock, token_lifetime=HOUR) as fake:
        yield fake


def test_a_three_hour_m2m_run_refreshes_every_55_minutes(
    setup: Setup, clock: FakeClock, timed: FakeWorkspace
) -> None:
    start = clock.time()
    calls = 0
    with setup.client(
        clock=clock, host=timed.url, client_id=timed.client_id, client_secret=timed.client_secret
    ) as client:
        while clock.time() < start + 3 * HOUR:
            assert client.endpoints()
            calls += 1
            clock.advance(MINUTE)
    assert calls == 180
    assert timed.tokens_issued == 4


def test_a_three_hour_run_on_a_browser_login_refreshes_silently(
    setup: Setup, clock: FakeClock, timed: FakeWorkspace, follow: FakeBrowser
) -> None:
    log_in(setup, timed, follow, "me")
    issued_by_login = timed.tokens_issued
    start = clock.time()
    with setup.client(clock=clock, profile="me") as client:
        while clock.time() < start + 3 * HOUR:
            assert client.endpoints()
            clock.advance(MINUTE)
    assert timed.tokens_issued - issued_by_login == 4
