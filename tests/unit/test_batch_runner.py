"""Local batches: item forms, results as they finish, bounded concurrency, the shared gate."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from brickgate.adapters.transport._sync.policies import GatedTransport
from brickgate.adapters.transport.gate import BackoffGate
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.client import AsyncClient, Client
from brickgate.domain.batch import BatchItem, BatchResult, to_batch_item
from brickgate.domain.calls.serving import endpoints_call
from brickgate.domain.chat import CallOptions, ChatResponse, Usage
from brickgate.domain.errors import (
    BadRequestError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
)
from brickgate.services._sync.batch import BatchRunner
from brickgate.testing import AsyncFakeTransport, FakeClock, FakeTransport, JsonReply

MODEL = "databricks-meta-llama-3-3-70b-instruct"
WAIT = 10.0
NO_JITTER = RetryPolicy(random=lambda: 0.0)
CHAT_OK = {
    "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def reply(text: str, tokens: int = 3) -> ChatResponse:
    return ChatResponse(text=text, model="m", usage=Usage(1, tokens - 1, tokens))


def rate_limited(retry_after: float | None = 2.0) -> RateLimitError:
    return RateLimitError(
        "slow down", status=429, error_code="REQUEST_LIMIT_EXCEEDED", retry_after=retry_after
    )


class ScriptedChat:
    """A chat function answering from a per-prompt script of errors, then the prompt echoed."""

    def __init__(self, failures: Mapping[str, list[Exception]] | None = None) -> None:
        self.failures = {key: list(value) for key, value in (failures or {}).items()}
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, model: str, conversation: Any, params: Mapping[str, Any]) -> ChatResponse:
        with self.lock:
            self.calls.append((model, conversation, dict(params)))
            key = conversation if isinstance(conversation, str) else "messages"
            queue = self.failures.get(key)
            if queue:
                raise queue.pop(0)
        return reply(f"echo {key}")


def flaky_then_dead() -> list[ServerError | JsonReply]:
    """Two 503s then a reply (the first item), then 503s only (the second)."""
    down = [ServerError("down", status=503) for _ in range(5)]
    return [*down[:2], JsonReply(CHAT_OK), *down[2:]]


def runner(chat: ScriptedChat, clock: FakeClock | None = None) -> BatchRunner:
    return BatchRunner(chat, clock or FakeClock())


def by_id(results: list[BatchResult]) -> dict[object, BatchResult]:
    assert len({r.id for r in results}) == len(results)
    return {result.id: result for result in results}


def test_every_item_form_is_accepted_and_params_merge() -> None:
    chat = ScriptedChat()
    items = [
        BatchItem("a", prompt="one", params={"temperature": 0.1}),
        ("b", "two"),
        ("c", [{"role": "user", "content": "three"}]),
        {"id": 4, "prompt": "four", "max_tokens": 9},
        {"id": "e", "messages": [{"role": "user", "content": "five"}], "params": {"top_p": 1}},
    ]
    results = by_id(list(runner(chat).run(MODEL, items, {"max_tokens": 5, "temperature": 0.9})))
    assert set(results) == {"a", "b", "c", 4, "e"}
    assert all(result.ok for result in results.values())
    sent = {
        conversation if isinstance(conversation, str) else "m": params
        for _, conversation, params in chat.calls
    }
    assert sent["one"] == {"max_tokens": 5, "temperature": 0.1}
    assert sent["four"] == {"max_tokens": 9, "temperature": 0.9}
    assert results["b"].response is not None and results["b"].response.text == "echo two"


@pytest.mark.parametrize(
    ("value", "expected_id"),
    [
        ({"prompt": "no id"}, "#1"),
        ({"id": "x"}, "x"),
        ({"id": "y", "prompt": "p", "messages": []}, "y"),
        (("z", "p", "extra"), "z"),
        (42, "#1"),
        ({"id": True, "prompt": "p"}, "#1"),
    ],
)
def test_a_bad_item_becomes_its_own_error(value: object, expected_id: object) -> None:
    chat = ScriptedChat()
    results = list(runner(chat).run(MODEL, [value, ("ok", "fine")], {}))
    bad = [r for r in results if not r.ok]
    assert [r.id for r in bad] == [expected_id]
    assert isinstance(bad[0].error, InvalidRequestError)
    assert [r.id for r in results if r.ok] == ["ok"]
    assert len(chat.calls) == 1


def test_a_repeated_id_is_an_error_and_is_not_sent_twice() -> None:
    chat = ScriptedChat()
    run = runner(chat).run(MODEL, [("a", "x"), ("a", "y"), (1, "z"), ("1", "w")], {})
    results = list(run)
    errors = [r for r in results if not r.ok]
    assert [r.id for r in errors] == ["a"]
    assert "more than once" in str(errors[0].error)
    assert sorted(c[1] for c in chat.calls) == ["w", "x", "z"]
    assert run.summary.failed == 1
    assert run.summary.errors == {"InvalidRequestError": 1}


def test_one_failure_never_stops_the_rest_and_the_summary_counts_it() -> None:
    chat = ScriptedChat({"bad": [BadRequestError("nope", status=400)]})
    run = runner(chat).run(MODEL, [(i, "bad" if i == 3 else f"p{i}") for i in range(10)], {})
    results = by_id(list(run))
    assert len(results) == 10
    assert isinstance(results[3].error, BadRequestError)
    assert results[3].attempts == 1
    summary = run.summary
    assert (summary.succeeded, summary.failed) == (9, 1)
    assert summary.errors == {"BadRequestError": 1}
    assert (summary.prompt_tokens, summary.completion_tokens, summary.total_tokens) == (9, 18, 27)


def test_the_runner_itself_never_retries() -> None:
    chat = ScriptedChat({"flaky": [ServerError("down", status=503)]})
    [result] = list(runner(chat).run(MODEL, [(1, "flaky")], {}))
    assert isinstance(result.error, ServerError)
    assert result.attempts == 1
    assert len(chat.calls) == 1


def test_transient_errors_are_retried_by_the_transport_and_attempts_count_requests() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    fake.enqueue("chat", *flaky_then_dead())
    client = Client.with_transport(fake, clock=clock, retry_policy=NO_JITTER)
    results = by_id(list(client.batch(MODEL, [(1, "flaky"), (2, "dead")], concurrency=1)))
    assert results[1].ok and results[1].attempts == 3
    assert isinstance(results[2].error, ServerError) and results[2].attempts == 3
    assert len(fake.calls) == 6
    assert clock.sleeps == [0.5, 1.0, 0.5, 1.0]


def test_a_per_call_max_retries_reaches_every_item() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    fake.enqueue("chat", *[ServerError("down", status=503) for _ in range(4)])
    client = Client.with_transport(fake, clock=clock, retry_policy=NO_JITTER)
    run = client.batch(MODEL, [(1, "a"), (2, "b")], concurrency=1, max_retries=1)
    results = by_id(list(run))
    assert [results[1].attempts, results[2].attempts] == [2, 2]
    assert not results[1].ok and not results[2].ok
    assert len(fake.calls) == 4


def test_results_come_back_as_they_finish() -> None:
    release = threading.Event()

    class Held(ScriptedChat):
        def __call__(self, model: str, conversation: Any, params: Mapping[str, Any]) -> Any:
            if conversation == "slow":
                assert release.wait(WAIT)
            return super().__call__(model, conversation, params)

    run = runner(Held()).run(MODEL, [("slow", "slow"), ("fast", "fast")], {}, concurrency=2)
    first = next(run)
    release.set()
    assert first.id == "fast"
    assert [r.id for r in run] == ["slow"]


def test_no_more_than_concurrency_requests_are_in_flight() -> None:
    lock = threading.Condition()
    state = {"now": 0, "peak": 0, "started": 0}
    release = threading.Event()

    def chat(model: str, conversation: Any, params: Mapping[str, Any]) -> ChatResponse:
        with lock:
            state["now"] += 1
            state["started"] += 1
            state["peak"] = max(state["peak"], state["now"])
            lock.notify_all()
        assert release.wait(WAIT)
        with lock:
            state["now"] -= 1
        return reply(conversation)

    clock = FakeClock()
    run = BatchRunner(chat, clock).run(MODEL, ((i, f"p{i}") for i in range(40)), {}, concurrency=3)
    collected: list[BatchResult] = []
    consumer = threading.Thread(target=lambda: collected.extend(run))
    consumer.start()
    with lock:
        assert lock.wait_for(lambda: state["started"] >= 3, timeout=WAIT)
        assert state["started"] == 3
    release.set()
    consumer.join(WAIT)
    assert len(collected) == 40
    assert state["peak"] == 3


@pytest.mark.parametrize("concurrency", [0, -1, True])
def test_concurrency_must_be_positive(concurrency: int) -> None:
    with pytest.raises(InvalidRequestError):
        runner(ScriptedChat()).run(MODEL, [], {}, concurrency=concurrency)


def test_the_gate_holds_every_waiter_until_the_pause_ends() -> None:
    clock = FakeClock()
    gate = BackoffGate(clock, default_pause=1.5, max_pause=30.0)
    assert gate.wait() == 0.0
    gate.pause(4.0)
    gate.pause(1.0)
    assert gate.wait() == pytest.approx(4.0)
    assert gate.wait() == 0.0
    gate.pause(None)
    assert gate.wait() == pytest.approx(1.5)
    gate.pause(999.0)
    assert gate.wait() == pytest.approx(30.0)
    assert gate.pauses == 4


def test_a_429_pauses_the_whole_batch_for_its_retry_after() -> None:
    clock = FakeClock()
    fake = FakeTransport(clock=clock)
    fake.enqueue(
        "chat",
        JsonReply(
            {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow"},
            status=429,
            headers={"Retry-After": "7"},
        ),
    )
    client = Client.with_transport(fake, clock=clock)
    run = client.batch(MODEL, [(i, f"p{i}") for i in range(5)], concurrency=1, max_tokens=4)
    results = by_id(list(run))
    assert all(result.ok for result in results.values())
    assert clock.sleeps == [7.0]
    assert len(fake.calls) == 6
    assert run.summary.succeeded == 5
    assert all(call.body["max_tokens"] == 4 for call in fake.calls)
    assert sorted(result.attempts for result in results.values()) == [1, 1, 1, 1, 2]


def test_a_429_seen_by_one_worker_holds_back_the_others() -> None:
    clock = FakeClock()
    gate = BackoffGate(clock)
    fake = FakeTransport(clock=clock)
    fake.enqueue("endpoints", rate_limited(5.0))
    first, other = GatedTransport(fake, gate), GatedTransport(fake, gate)
    with pytest.raises(RateLimitError):
        first.send(endpoints_call(CallOptions()))
    assert clock.monotonic() == 0.0
    other.send(endpoints_call(CallOptions()))
    assert clock.sleeps == [5.0]
    assert gate.pauses == 1
    assert len(fake.calls) == 2


def test_to_batch_item_rejects_other_types() -> None:
    with pytest.raises(InvalidRequestError, match="BatchItem"):
        to_batch_item(["id", "prompt"])
    with pytest.raises(InvalidRequestError, match="exactly one"):
        BatchItem("x")
    with pytest.raises(InvalidRequestError, match="list of messages"):
        BatchItem("x", messages="text")  # type: ignore[arg-type]


def test_closing_a_run_stops_sending() -> None:
    chat = ScriptedChat()
    with runner(chat).run(MODEL, ((i, f"p{i}") for i in range(1000)), {}, concurrency=2) as run:
        next(run)
    assert len(chat.calls) < 1000
    with pytest.raises(StopIteration):
        next(run)


async def test_the_async_batch_mirrors_the_sync_one() -> None:
    clock = FakeClock()
    fake = AsyncFakeTransport(clock=clock)
    fake.enqueue(
        "chat",
        JsonReply(
            {"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow"},
            status=429,
            headers={"Retry-After": "3"},
        ),
    )
    fake.enqueue("chat", JsonReply({"error_code": "BAD_REQUEST", "message": "no"}, status=400))

    async def items() -> Any:
        for i in range(6):
            yield (i, f"p{i}")
        yield (0, "again")

    client = AsyncClient.with_transport(fake, clock=clock)
    async with client, client.batch(MODEL, items(), concurrency=1) as run:
        results = [result async for result in run]
    assert sorted(str(r.id) for r in results) == ["0", "0", "1", "2", "3", "4", "5"]
    failures = sorted(type(r.error).__name__ for r in results if r.error is not None)
    assert failures == ["BadRequestError", "InvalidRequestError"]
    assert clock.sleeps == [3.0]
    assert run.summary.succeeded == 5
    assert sorted(r.attempts for r in results) == [0, 1, 1, 1, 1, 1, 2]
    assert len(fake.calls) == 7


async def test_the_async_batch_counts_attempts_per_item() -> None:
    clock = FakeClock()
    fake = AsyncFakeTransport(clock=clock)
    fake.enqueue("chat", *flaky_then_dead())
    client = AsyncClient.with_transport(fake, clock=clock, retry_policy=NO_JITTER)
    async with client, client.batch(MODEL, [(1, "flaky"), (2, "dead")], concurrency=1) as run:
        results = by_id([result async for result in run])
    assert results[1].ok and results[1].attempts == 3
    assert isinstance(results[2].error, ServerError) and results[2].attempts == 3
    assert len(fake.calls) == 6
