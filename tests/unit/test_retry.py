"""RetryPolicy decisions, per-call attempts and the retrying transports, timed with a FakeClock."""

from __future__ import annotations

import logging

import pytest

from brickgate.adapters.transport._async.policies import AsyncRetryingTransport
from brickgate.adapters.transport._sync.policies import RetryingTransport
from brickgate.adapters.transport.retry_policy import Attempts, RetryPolicy
from brickgate.domain.attempts import counting_attempts
from brickgate.domain.calls import Call, Retry, WireRequest
from brickgate.domain.calls.answers import api_error, json_object
from brickgate.domain.calls.serving import (
    chat_call,
    embed_call,
    endpoint_call,
    endpoints_call,
    stream_call,
)
from brickgate.domain.calls.statements import submit_call
from brickgate.domain.chat import CallOptions, ChatRequest, EmbeddingRequest
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BrickgateError,
    ConnectError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sql import StatementRequest
from brickgate.testing import AsyncFakeTransport, FakeClock, FakeTransport, JsonReply, StreamReply

HOST = WorkspaceHost.parse("adb-1234567890123456.7.azuredatabricks.net")
OPTIONS = CallOptions()
REQUEST = ChatRequest("databricks-claude-sonnet-4-5", {"messages": []})
CHAT = chat_call(HOST, REQUEST, OPTIONS)
EMBED = embed_call(HOST, EmbeddingRequest("databricks-gte-large-en", ("a",)), OPTIONS)
NO_JITTER = RetryPolicy(random=lambda: 0.0)


def server_error(status: int = 503) -> ServerError:
    return ServerError("busy", status=status, error_code="TEMPORARILY_UNAVAILABLE")


def rate_limited(retry_after: float | None = None) -> RateLimitError:
    return RateLimitError("slow down", status=429, retry_after=retry_after)


def retrying(
    fake: FakeTransport, clock: FakeClock, policy: RetryPolicy = NO_JITTER
) -> RetryingTransport:
    return RetryingTransport(fake, policy, clock)


@pytest.mark.parametrize(
    "error",
    [
        TransportError("reset"),
        TimeoutError("read timed out"),
        ConnectError("refused"),
        ApiError("timeout", status=408),
        rate_limited(),
        ServerError("x", status=500),
        ServerError("x", status=502),
        server_error(503),
        ServerError("x", status=504),
        BadRequestError("x", status=400, error_code="REQUEST_LIMIT_EXCEEDED"),
    ],
)
def test_retryable_errors(error: BrickgateError) -> None:
    assert RetryPolicy().is_retryable(error)


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError("x", status=400),
        AuthenticationError("x", status=401),
        NotFoundError("x", status=404),
        ServerError("x", status=501),
        StreamError("cut"),
        InvalidRequestError("bad"),
    ],
)
def test_errors_that_are_not_retried(error: BrickgateError) -> None:
    assert not RetryPolicy().is_retryable(error)


def test_backoff_is_exponential_capped_and_jittered_down() -> None:
    policy = RetryPolicy(max_retries=10, random=lambda: 0.0)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    full_jitter = RetryPolicy(jitter=0.25, random=lambda: 1.0)
    assert full_jitter.backoff(0) == pytest.approx(0.375)


def test_retry_after_replaces_the_backoff() -> None:
    assert NO_JITTER.delay(0, rate_limited(retry_after=7.0), elapsed=0.0) == 7.0


def test_retry_after_above_the_cap_gives_up() -> None:
    assert NO_JITTER.delay(0, rate_limited(retry_after=61.0), elapsed=0.0) is None


def test_no_wait_may_end_past_the_total_budget() -> None:
    policy = RetryPolicy(total_budget=10.0, random=lambda: 0.0)
    assert policy.delay(0, server_error(), elapsed=9.5) == 0.5
    assert policy.delay(0, server_error(), elapsed=9.6) is None


def test_gives_up_after_max_retries() -> None:
    assert NO_JITTER.delay(1, server_error(), elapsed=0.0) == 1.0
    assert NO_JITTER.delay(2, server_error(), elapsed=0.0) is None


def test_a_call_limit_overrides_the_policys() -> None:
    assert NO_JITTER.delay(2, server_error(), elapsed=0.0, max_retries=3) == 2.0
    assert NO_JITTER.delay(0, server_error(), elapsed=0.0, max_retries=0) is None


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


def test_attempts_count_sends_and_raise_the_error_when_giving_up() -> None:
    clock = FakeClock()
    attempts = Attempts(NO_JITTER, clock, CHAT)
    last = server_error()
    with counting_attempts() as count:
        attempts.sent()
        assert attempts.next_wait(server_error()) == 0.5
        attempts.sent()
        assert attempts.next_wait(server_error()) == 1.0
        attempts.sent()
        with pytest.raises(ServerError) as caught:
            attempts.next_wait(last)
    assert caught.value is last
    assert count.sent == 3


def test_attempts_measure_the_budget_on_the_clock() -> None:
    clock = FakeClock()
    attempts = Attempts(RetryPolicy(total_budget=5.0, random=lambda: 0.0), clock, CHAT)
    clock.advance(4.6)
    with pytest.raises(ServerError):
        attempts.next_wait(server_error())


def test_sending_counts_nothing_when_nobody_is_counting() -> None:
    Attempts(NO_JITTER, FakeClock(), CHAT).sent()
    with counting_attempts() as count:
        pass
    assert count.sent == 0


def test_transient_failures_are_retried_with_backoff() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", server_error(), TransportError("reset"))
    reply = retrying(fake, clock).send(CHAT)
    assert reply.model == REQUEST.model
    assert clock.sleeps == [0.5, 1.0]
    assert len(fake.calls) == 3


def test_gives_up_with_the_last_error_after_max_retries() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    last = server_error(504)
    fake.enqueue("chat", server_error(), server_error(), last)
    with pytest.raises(ServerError) as caught:
        retrying(fake, clock).send(CHAT)
    assert caught.value is last
    assert clock.sleeps == [0.5, 1.0]
    assert len(fake.calls) == 3


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_a_calls_max_retries_overrides_the_policy(max_retries: int) -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", *[server_error() for _ in range(6)])
    call = chat_call(HOST, REQUEST, CallOptions(max_retries=max_retries))
    with counting_attempts() as count, pytest.raises(ServerError):
        retrying(fake, clock).send(call)
    assert len(fake.calls) == max_retries + 1
    assert count.sent == max_retries + 1
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0][:max_retries]


def test_without_a_call_limit_the_policy_decides() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", *[server_error() for _ in range(6)])
    with pytest.raises(ServerError):
        retrying(fake, clock, RetryPolicy(max_retries=3, random=lambda: 0.0)).send(CHAT)
    assert len(fake.calls) == 4


def unstarted(rule: str) -> Call[object]:
    request = WireRequest("POST", ("api", "2.0", "sql", "statements"))
    return Call("a write", request, json_object, api_error, retry=rule, operation="chat")


@pytest.mark.parametrize(
    "error",
    [ConnectError("refused"), rate_limited(), server_error(503)],
    ids=["connect-refused", "429", "503"],
)
def test_an_unstarted_call_is_retried_when_the_server_cannot_have_started_it(
    error: BrickgateError,
) -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", error)
    retrying(fake, clock).send(unstarted(Retry.UNSTARTED))
    assert len(fake.calls) == 2


@pytest.mark.parametrize(
    "error",
    [
        server_error(500),
        server_error(502),
        server_error(504),
        TimeoutError("read timed out"),
        TransportError("connection reset"),
        ApiError("timeout", status=408),
        BadRequestError("x", status=400, error_code="REQUEST_LIMIT_EXCEEDED"),
    ],
    ids=["500", "502", "504", "timeout", "reset", "408", "limit-code-400"],
)
def test_an_unstarted_call_is_not_retried_when_the_server_may_have_started_it(
    error: BrickgateError,
) -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", error)
    with pytest.raises(type(error)) as caught:
        retrying(fake, clock).send(unstarted(Retry.UNSTARTED))
    assert caught.value is error
    assert len(fake.calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("error", [ConnectError("refused"), rate_limited(), server_error(503)])
def test_a_never_call_is_sent_once(error: BrickgateError) -> None:
    fake = FakeTransport()
    fake.enqueue("chat", error)
    with pytest.raises(type(error)):
        retrying(fake, FakeClock()).send(unstarted(Retry.NEVER))
    assert len(fake.calls) == 1


def test_a_statement_submit_is_unstarted_and_keeps_its_limit() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("statement-submit", *[server_error(503) for _ in range(3)])
    with pytest.raises(ServerError):
        retrying(fake, clock).send(submit_call(StatementRequest("SELECT 1", "w")))
    assert len(fake.calls) == 3
    fake.enqueue("statement-submit", server_error(500))
    with pytest.raises(ServerError):
        retrying(fake, clock).send(submit_call(StatementRequest("SELECT 1", "w")))
    assert len(fake.calls) == 4


def test_non_retryable_error_is_raised_at_once() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", NotFoundError("no such endpoint", status=404))
    with pytest.raises(NotFoundError):
        retrying(fake, clock).send(CHAT)
    assert clock.sleeps == []


def test_429_retry_after_from_the_wire_is_honoured() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
    fake.enqueue("chat", JsonReply(body, status=429, headers={"Retry-After": "3"}))
    retrying(fake, clock).send(CHAT)
    assert clock.sleeps == [3.0]


def test_giving_up_on_429_sets_retry_after() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", rate_limited(), rate_limited(), rate_limited())
    with pytest.raises(RateLimitError) as caught:
        retrying(fake, clock).send(CHAT)
    assert caught.value.retry_after == 2.0


def test_giving_up_on_a_long_retry_after_keeps_the_servers_value() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", rate_limited(retry_after=300.0))
    with pytest.raises(RateLimitError) as caught:
        retrying(fake, clock).send(CHAT)
    assert caught.value.retry_after == 300.0
    assert clock.sleeps == []


def test_total_budget_is_measured_on_the_clock() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", rate_limited(retry_after=50.0), rate_limited(retry_after=50.0))
    policy = RetryPolicy(total_budget=60.0, random=lambda: 0.0)
    with pytest.raises(RateLimitError):
        retrying(fake, clock, policy).send(CHAT)
    assert clock.sleeps == [50.0]


def test_every_operation_is_retried() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    for operation in ("embed", "endpoints", "endpoint"):
        fake.enqueue(operation, TransportError("reset"))
    transport = retrying(fake, clock)
    transport.send(EMBED)
    transport.send(endpoints_call(OPTIONS))
    transport.send(endpoint_call("databricks-gte-large-en", OPTIONS))
    assert clock.sleeps == [0.5, 0.5, 0.5]
    transport.close()
    assert fake.closed


def test_stream_opening_is_retried_but_never_after_it_yielded() -> None:
    clock = FakeClock()
    fake = FakeTransport()
    first = {"choices": [{"index": 0, "delta": {"content": "Hel"}}]}
    fake.enqueue("stream", server_error(), StreamReply([first], done=False))
    opened = retrying(fake, clock).open(stream_call(HOST, REQUEST, OPTIONS))
    received = []
    with pytest.raises(StreamError):
        for chunk in opened:
            received.append(chunk.text)
    assert received == ["Hel"]
    assert clock.sleeps == [0.5]
    assert len(fake.calls) == 2


def test_retries_are_logged_at_debug_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    fake = FakeTransport()
    fake.enqueue("chat", server_error())
    with caplog.at_level(logging.DEBUG, logger="brickgate.retry"):
        retrying(fake, clock).send(CHAT)
    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert "retrying the chat request in 0.50 s (retry 1 of 2)" in record.getMessage()
    assert "HTTP 503 TEMPORARILY_UNAVAILABLE" in record.getMessage()


async def test_async_transient_failures_are_retried() -> None:
    clock = FakeClock()
    fake = AsyncFakeTransport()
    fake.enqueue("chat", server_error(), rate_limited(retry_after=2.0))
    reply = await AsyncRetryingTransport(fake, NO_JITTER, clock).send(CHAT)
    assert reply.model == REQUEST.model
    assert clock.sleeps == [0.5, 2.0]


async def test_async_gives_up_and_sets_retry_after() -> None:
    clock = FakeClock()
    fake = AsyncFakeTransport()
    fake.enqueue("embed", rate_limited(), rate_limited(), rate_limited())
    transport = AsyncRetryingTransport(fake, NO_JITTER, clock)
    with counting_attempts() as count, pytest.raises(RateLimitError) as caught:
        await transport.send(EMBED)
    assert caught.value.retry_after == 2.0
    assert clock.sleeps == [0.5, 1.0]
    assert count.sent == 3


async def test_async_unstarted_rules_match_the_sync_ones() -> None:
    fake = AsyncFakeTransport()
    fake.enqueue("chat", server_error(503), server_error(502))
    transport = AsyncRetryingTransport(fake, NO_JITTER, FakeClock())
    with pytest.raises(ServerError) as caught:
        await transport.send(unstarted(Retry.UNSTARTED))
    assert caught.value.status == 502
    assert len(fake.calls) == 2


async def test_async_stream_opening_retried_and_other_operations_wrapped() -> None:
    clock = FakeClock()
    fake = AsyncFakeTransport()
    fake.enqueue("stream", TransportError("reset"))
    fake.enqueue("endpoints", TransportError("reset"))
    fake.enqueue("endpoint", TransportError("reset"))
    transport = AsyncRetryingTransport(fake, NO_JITTER, clock)
    opened = await transport.open(stream_call(HOST, REQUEST, OPTIONS))
    text = "".join([chunk.text async for chunk in opened])
    assert REQUEST.model in text
    await transport.send(endpoints_call(OPTIONS))
    await transport.send(endpoint_call("x", OPTIONS))
    assert clock.sleeps == [0.5, 0.5, 0.5]
    await transport.aclose()
    assert fake.closed
