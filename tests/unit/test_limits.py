"""Limits at the seam: scrubbing by value, the assembled-reply cap, settings, the retry budget."""

from __future__ import annotations

import tracemalloc

import pytest

from brickgate.adapters.transport.deadline import capped, deadline_after
from brickgate.adapters.transport.retry_policy import Attempts, RetryPolicy
from brickgate.adapters.transport.wire import Limits
from brickgate.containers.workspace import limits_from, retry_policy_from, timeouts_from
from brickgate.domain.calls import Answer, Call, WireRequest
from brickgate.domain.chat import ChatChunk
from brickgate.domain.errors import ApiError, ResponseTooLargeError, ServerError
from brickgate.domain.scrub import MARK, scrub, scrub_error
from brickgate.domain.streaming import StreamAssembler
from brickgate.settings import load_settings
from brickgate.testing import FakeClock

SECRET = "zq9Xk2LmP4vR7tY1wB6nC3dF8hJ0sA5e"


class _Core:
    class ReadTimeout(Exception):
        pass


def test_scrub_removes_the_secret_and_every_long_piece_of_it() -> None:
    text = f"echo {SECRET} and a cut {SECRET[3:20]} and {SECRET[-12:]}"
    clean = scrub(text, [SECRET])
    assert MARK in clean
    assert not any(SECRET[i : i + 12] in clean for i in range(len(SECRET) - 11))
    assert clean.startswith("echo ")


def test_scrub_leaves_text_without_the_secret_alone() -> None:
    assert scrub("nothing to see", [SECRET]) == "nothing to see"


def test_scrub_error_cleans_the_message_and_the_attributes() -> None:
    error = ServerError(f"bad token {SECRET}", status=500)
    scrub_error(error, [SECRET])
    assert SECRET not in str(error)
    assert SECRET not in error.message


def _chunk(text: str) -> ChatChunk:
    return ChatChunk(text=text)


def test_the_assembler_stops_keeping_text_past_its_limit() -> None:
    assembler = StreamAssembler(limit=10)
    assembler.add(_chunk("12345"))
    assert assembler.response().text == "12345"
    assembler.add(_chunk("678901"))
    assert assembler.overflowed
    with pytest.raises(ResponseTooLargeError, match="BRICKGATE_MAX_RESPONSE_BYTES"):
        assembler.response()


def test_stream_idle_and_retry_budget_follow_the_client_timeout_unless_set() -> None:
    short = load_settings(timeout=3)
    assert timeouts_from(short).stream_idle == 3
    assert retry_policy_from(short).total_budget == 6
    chosen = load_settings(timeout=3, stream_idle_timeout=30, retry_budget=50)
    assert timeouts_from(chosen).stream_idle == 30
    assert retry_policy_from(chosen).total_budget == 50


def test_limits_come_from_the_settings() -> None:
    settings = load_settings(max_response_bytes=2048, max_event_bytes=1024)
    assert limits_from(settings) == Limits(body=2048, event=1024)


def test_limit_errors_name_the_setting() -> None:
    limits = Limits()
    assert "BRICKGATE_MAX_RESPONSE_BYTES" in str(limits.body_too_large("the chat request"))
    assert "64 MiB" in str(limits.body_too_large("the chat request"))
    assert "BRICKGATE_MAX_EVENT_BYTES" in str(limits.event_too_large())
    assert "BRICKGATE_MAX_COMPRESSION_RATIO" in str(limits.bomb("the chat request"))


def test_a_passed_deadline_raises_the_libraries_timeout() -> None:
    with deadline_after(-1.0), pytest.raises(_Core.ReadTimeout):
        capped(5.0, _Core, "ReadTimeout")
    with deadline_after(100.0):
        assert capped(5.0, _Core, "ReadTimeout") == 5.0
        left = capped(None, _Core, "ReadTimeout")
        assert left is not None and 0 < left <= 100.0
    assert capped(5.0, _Core, "ReadTimeout") == 5.0


def _call() -> Call[None]:
    def fail(answer: Answer) -> ApiError:
        return ServerError("busy", status=answer.status)

    return Call("the chat request", WireRequest("POST", ("x",)), lambda a: None, fail)


def test_a_retry_after_past_the_budget_gives_up_and_says_how_long() -> None:
    clock = FakeClock()
    attempts = Attempts(RetryPolicy(max_retries=2, total_budget=6), clock, _call())
    error = ServerError("busy", status=503, retry_after=30)
    with pytest.raises(ServerError) as caught:
        attempts.next_wait(error)
    assert "asked to wait 30 s" in str(caught.value)
    assert "BRICKGATE_RETRY_BUDGET" in str(caught.value)


def test_a_retry_after_within_the_budget_is_waited() -> None:
    clock = FakeClock()
    attempts = Attempts(RetryPolicy(max_retries=2, total_budget=60), clock, _call())
    assert attempts.next_wait(ServerError("busy", status=503, retry_after=3)) == 3


def test_a_long_stream_past_the_limit_holds_no_more_memory_than_the_limit() -> None:
    assembler = StreamAssembler(limit=100_000)
    tracemalloc.start()
    try:
        for _ in range(300_000):
            assembler.add(_chunk("word "))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert assembler.overflowed
    assert peak < 2_000_000


def test_many_tiny_chunks_cost_about_their_text() -> None:
    assembler = StreamAssembler()
    tracemalloc.start()
    try:
        for number in range(200_000):
            assembler.add(_chunk(f"{number % 100:02d}"))
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(assembler.response().text) == 400_000
    assert held < 2_000_000
