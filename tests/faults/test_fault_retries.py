"""Rate limits and server errors from a live FakeWorkspace: waits honoured, budgets enforced."""

from __future__ import annotations

import pytest

import brickgate
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import CHAT, EMBED, LLAMA, ClientFactory, assert_no_secret, paths


def test_a_429_with_retry_after_is_waited_out_then_succeeds(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=429, retry_after="2"), times=1, path=CHAT)
    reply = make_client(max_retries=2).chat(LLAMA, "Hello")
    assert "you said Hello" in reply.text
    assert clock.sleeps == [2.0]
    assert paths(ws, CHAT) == 2


def test_an_http_date_retry_after_is_honoured(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=429, retry_after="Tue, 14 Nov 2023 22:13:25 GMT"), times=1)
    make_client(max_retries=1).embed("databricks-gte-large-en", "x")
    (wait,) = clock.sleeps
    assert wait == pytest.approx(5.0, abs=1.0)
    assert paths(ws, EMBED) == 2


def test_a_503_with_retry_after_is_waited_out_as_the_server_asks(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=503, retry_after="4"), times=2, path=CHAT)
    reply = make_client(max_retries=2).chat(LLAMA, "Hello")
    assert "you said Hello" in reply.text
    assert clock.sleeps == [4.0, 4.0]
    assert paths(ws, CHAT) == 3


def test_a_retry_after_beyond_the_cap_gives_up_at_once(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=429, retry_after="3600"), times=None)
    with pytest.raises(brickgate.RateLimitError) as caught:
        make_client(max_retries=5).chat(LLAMA, "Hello")
    assert caught.value.retry_after == 3600.0
    assert caught.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert clock.sleeps == []
    assert paths(ws, CHAT) == 1


def test_a_503_storm_exhausts_the_retries_with_a_server_error(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(status=503), times=None, path=CHAT)
    with pytest.raises(brickgate.ServerError) as caught:
        make_client(max_retries=3).chat(LLAMA, "Hello")
    error = caught.value
    assert (error.status, error.error_code) == (503, "TEMPORARILY_UNAVAILABLE")
    assert error.request_id
    assert paths(ws, CHAT) == 4
    assert len(clock.sleeps) == 3
    assert clock.sleeps == sorted(clock.sleeps)
    assert_no_secret(ws, str(error))


def test_the_time_budget_stops_retries_early(
    ws: FakeWorkspace,
    make_client: ClientFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BRICKGATE_RETRY_BUDGET", "10")
    ws.fail(Fault(status=429, retry_after="4"), times=None)
    with pytest.raises(brickgate.RateLimitError):
        make_client(max_retries=10).chat(LLAMA, "Hello")
    assert clock.sleeps == [4.0, 4.0]
    assert paths(ws, CHAT) == 3


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_other_transient_statuses_are_retried(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock, status: int
) -> None:
    ws.fail(Fault(status=status), times=2)
    assert make_client(max_retries=2).chat(LLAMA, "Hello").text
    assert paths(ws, CHAT) == 3
    assert len(clock.sleeps) == 2


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, brickgate.BadRequestError),
        (401, brickgate.AuthenticationError),
        (403, brickgate.PermissionDeniedError),
        (404, brickgate.NotFoundError),
        (409, brickgate.ConflictError),
    ],
)
def test_client_errors_fail_at_once(
    ws: FakeWorkspace,
    make_client: ClientFactory,
    clock: FakeClock,
    status: int,
    error_type: type[brickgate.ApiError],
) -> None:
    ws.fail(Fault(status=status), times=1)
    with pytest.raises(error_type) as caught:
        make_client(max_retries=3).chat(LLAMA, "Hello")
    assert caught.value.status == status
    assert paths(ws, CHAT) == 1
    assert clock.sleeps == []
    assert_no_secret(ws, str(caught.value))


def test_an_html_error_page_becomes_readable_text(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    page = "<html><head><title>Service Unavailable</title></head><body>down</body></html>"
    ws.fail(Fault(status=503, body=page), times=None)
    with pytest.raises(brickgate.ServerError) as caught:
        make_client(max_retries=0).chat(LLAMA, "Hello")
    assert "Service Unavailable" in caught.value.message
    assert "<" not in str(caught.value)
