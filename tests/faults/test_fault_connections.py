"""Broken connections and slow answers from a live FakeWorkspace: typed errors, never a hang."""

from __future__ import annotations

import pytest

import brickgate
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import CHAT, EMBED, LLAMA, ClientFactory, assert_no_secret, paths

RESETS = [Fault(reset_before_headers=True), Fault(reset_after_headers=True)]


@pytest.mark.parametrize("fault", RESETS, ids=["before-headers", "after-headers"])
def test_a_reset_connection_is_a_transport_error(
    ws: FakeWorkspace, make_client: ClientFactory, fault: Fault
) -> None:
    ws.fail(fault, times=1)
    with pytest.raises(brickgate.TransportError) as caught:
        make_client(max_retries=0).chat(LLAMA, "Hello")
    assert not isinstance(caught.value, brickgate.TimeoutError)
    assert_no_secret(ws, str(caught.value))


RESETS = [Fault(reset_before_headers=True), Fault(reset_after_headers=True)]


@pytest.mark.parametrize("fault", RESETS, ids=["before-headers", "after-headers"])
def test_a_reset_embedding_request_is_a_transport_error(
    ws: FakeWorkspace, make_client: ClientFactory, fault: Fault
) -> None:
    ws.fail(fault, times=1, path=EMBED)
    with pytest.raises(brickgate.TransportError):
        make_client(max_retries=0).embed("databricks-gte-large-en", ["a", "b"])


def test_a_reset_before_headers_is_retried(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(reset_before_headers=True), times=2)
    reply = make_client(max_retries=2).chat(LLAMA, "Hello")
    assert "you said Hello" in reply.text
    assert paths(ws, CHAT) == 3
    assert len(clock.sleeps) == 2


def test_a_stream_reset_before_headers_fails_on_opening(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(reset_before_headers=True), times=1)
    stream = make_client(max_retries=0).stream(LLAMA, "Hello")
    with pytest.raises(brickgate.TransportError), stream:
        pytest.fail("the stream must not open")


def test_slow_headers_hit_the_call_timeout(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=1)
    with pytest.raises(brickgate.TimeoutError) as caught:
        make_client(max_retries=0).chat(LLAMA, "Hello", timeout=0.2)
    assert "timed out" in str(caught.value)
    assert paths(ws, CHAT) == 1


def test_slow_headers_hit_the_client_timeout(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=1)
    with pytest.raises(brickgate.TimeoutError):
        make_client(max_retries=0, timeout=0.2).embed("databricks-gte-large-en", "x")


def test_a_slow_stream_open_times_out(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=1)
    stream = make_client(max_retries=0).stream(LLAMA, "Hello", timeout=0.2)
    with pytest.raises(brickgate.TimeoutError), stream:
        pytest.fail("the stream must not open")


def test_a_timeout_is_retried_then_succeeds(
    ws: FakeWorkspace, make_client: ClientFactory, clock: FakeClock
) -> None:
    ws.fail(Fault(delay_before_headers=2.0), times=1)
    reply = make_client(max_retries=1).chat(LLAMA, "Hello", timeout=0.2)
    assert reply.text
    assert len(clock.sleeps) == 1


def test_a_body_that_is_not_json_is_a_clear_error(
    ws: FakeWorkspace, make_client: ClientFactory
) -> None:
    ws.fail(Fault(invalid_json=True), times=1)
    with pytest.raises(brickgate.TransportError, match="not a JSON object"):
        make_client(max_retries=0).chat(LLAMA, "Hello")


def test_a_huge_reply_still_decodes(ws: FakeWorkspace, make_client: ClientFactory) -> None:
    ws.fail(Fault(huge_body_bytes=2_000_000), times=1)
    reply = make_client(max_retries=0).chat(LLAMA, "Hello")
    assert len(reply.text) >= 1_000_000


def test_a_stopped_workspace_is_a_transport_error(make_client: ClientFactory) -> None:
    with FakeWorkspace() as gone:
        url = gone.url
    client = make_client(host=url, max_retries=0)
    with pytest.raises(brickgate.TransportError):
        client.chat(LLAMA, "Hello")
