"""RetryPolicy decisions and the retrying transports, timed with a FakeClock."""

from __future__ import annotations

import logging

import pytest

from brickgate.adapters.transport.fake import (
    FakeAsyncChatTransport,
    FakeChatTransport,
    JsonReply,
    StreamReply,
)
from brickgate.adapters.transport.retry import (
    AsyncRetryingTransport,
    RetryingTransport,
    RetryPolicy,
)
from brickgate.domain.chat import CallOptions, ChatRequest, EmbeddingRequest
from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BrickgateError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.testing import FakeClock

OPTIONS = CallOptions()
REQUEST = ChatRequest("databricks-claude-sonnet-4-5", {"messages": []})
NO_JITTER = RetryPolicy(random=lambda: 0.0)


def server_error(status: int = 503) -> ServerError:
    return ServerError("busy", status=status, error_code="TEMPORARILY_UNAVAILABLE")


def rate_limited(retry_after: float | None = None) -> RateLimitError:
    return RateLimitError("slow down", status=429, retry_after=retry_after)


@pytest.mark.parametrize(
    "error",
    [
        TransportError("reset"),
        TimeoutError("read timed out"),
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


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


def test_transient_failures_are_retried_with_backoff() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", server_error(), TransportError("reset"))
    reply = RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert reply.model == REQUEST.model
    assert clock.sleeps == [0.5, 1.0]
    assert len(fake.calls) == 3


def test_gives_up_with_the_last_error_after_max_retries() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    last = server_error(504)
    fake.enqueue("chat", server_error(), server_error(), last)
    with pytest.raises(ServerError) as caught:
        RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert caught.value is last
    assert clock.sleeps == [0.5, 1.0]


def test_non_retryable_error_is_raised_at_once() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", NotFoundError("no such endpoint", status=404))
    with pytest.raises(NotFoundError):
        RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert clock.sleeps == []


def test_429_retry_after_from_the_wire_is_honoured() -> None:
    clock = FakeClock()
    fake = FakeChatTransport(clock=clock)
    body = {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Exceeded workspace QPS"}
    fake.enqueue("chat", JsonReply(body, status=429, headers={"Retry-After": "3"}))
    RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert clock.sleeps == [3.0]


def test_giving_up_on_429_sets_retry_after() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", rate_limited(), rate_limited(), rate_limited())
    with pytest.raises(RateLimitError) as caught:
        RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert caught.value.retry_after == 2.0


def test_giving_up_on_a_long_retry_after_keeps_the_servers_value() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", rate_limited(retry_after=300.0))
    with pytest.raises(RateLimitError) as caught:
        RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert caught.value.retry_after == 300.0
    assert clock.sleeps == []


def test_total_budget_is_measured_on_the_clock() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", rate_limited(retry_after=50.0), rate_limited(retry_after=50.0))
    policy = RetryPolicy(total_budget=60.0, random=lambda: 0.0)
    with pytest.raises(RateLimitError):
        RetryingTransport(fake, policy, clock).chat(REQUEST, OPTIONS)
    assert clock.sleeps == [50.0]


def test_every_operation_is_retried() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    for operation in ("embed", "endpoints", "endpoint"):
        fake.enqueue(operation, TransportError("reset"))
    retrying = RetryingTransport(fake, NO_JITTER, clock)
    retrying.embed(EmbeddingRequest("databricks-gte-large-en", ("a",)), OPTIONS)
    retrying.endpoints(OPTIONS)
    retrying.endpoint("databricks-gte-large-en", OPTIONS)
    assert clock.sleeps == [0.5, 0.5, 0.5]
    retrying.close()
    assert fake.closed


def test_stream_opening_is_retried_but_never_after_it_yielded() -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    first = {"choices": [{"index": 0, "delta": {"content": "Hel"}}]}
    fake.enqueue("stream", server_error(), StreamReply([first], done=False))
    opened = RetryingTransport(fake, NO_JITTER, clock).stream(REQUEST, OPTIONS)
    received = []
    with pytest.raises(StreamError):
        for chunk in opened:
            received.append(chunk.text)
    assert received == ["Hel"]
    assert clock.sleeps == [0.5]
    assert len(fake.calls) == 2


def test_retries_are_logged_at_debug_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    fake = FakeChatTransport()
    fake.enqueue("chat", server_error())
    with caplog.at_level(logging.DEBUG, logger="brickgate.retry"):
        RetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert "retrying chat in 0.50 s (retry 1 of 2)" in record.getMessage()
    assert "HTTP 503 TEMPORARILY_UNAVAILABLE" in record.getMessage()


async def test_async_transient_failures_are_retried() -> None:
    clock = FakeClock()
    fake = FakeAsyncChatTransport()
    fake.enqueue("chat", server_error(), rate_limited(retry_after=2.0))
    reply = await AsyncRetryingTransport(fake, NO_JITTER, clock).chat(REQUEST, OPTIONS)
    assert reply.model == REQUEST.model
    assert clock.sleeps == [0.5, 2.0]


async def test_async_gives_up_and_sets_retry_after() -> None:
    clock = FakeClock()
    fake = FakeAsyncChatTransport()
    fake.enqueue("embed", rate_limited(), rate_limited(), rate_limited())
    retrying = AsyncRetryingTransport(fake, NO_JITTER, clock)
    with pytest.raises(RateLimitError) as caught:
        await retrying.embed(EmbeddingRequest("databricks-gte-large-en", ("a",)), OPTIONS)
    assert caught.value.retry_after == 2.0
    assert clock.sleeps == [0.5, 1.0]


async def test_async_stream_opening_retried_and_other_operations_wrapped() -> None:
    clock = FakeClock()
    fake = FakeAsyncChatTransport()
    fake.enqueue("stream", TransportError("reset"))
    fake.enqueue("endpoints", TransportError("reset"))
    fake.enqueue("endpoint", TransportError("reset"))
    retrying = AsyncRetryingTransport(fake, NO_JITTER, clock)
    opened = await retrying.stream(REQUEST, OPTIONS)
    text = "".join([chunk.text async for chunk in opened])
    assert REQUEST.model in text
    await retrying.endpoints(OPTIONS)
    await retrying.endpoint("x", OPTIONS)
    assert clock.sleeps == [0.5, 0.5, 0.5]
    await retrying.aclose()
    assert fake.closed
