"""SystemClock and FakeClock honour the Clock port."""

from __future__ import annotations

import asyncio

import pytest

from brickgate.adapters.clock import SystemClock
from brickgate.ports.clock import Clock
from brickgate.testing.clock import DEFAULT_START, FakeClock


def test_system_clock_monotonic_never_goes_backwards() -> None:
    clock: Clock = SystemClock()
    readings = [clock.monotonic() for _ in range(100)]
    assert readings == sorted(readings)


def test_system_clock_time_is_epoch_seconds() -> None:
    assert SystemClock().time() > 1_600_000_000


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_system_clock_returns_at_once_for_no_wait(seconds: float) -> None:
    SystemClock().sleep(seconds)


async def test_system_clock_async_sleep_of_zero_returns() -> None:
    await SystemClock().sleep_async(0)


def test_fake_clock_starts_where_told() -> None:
    clock = FakeClock(start=1000.0)
    assert (clock.time(), clock.monotonic()) == (1000.0, 0.0)
    assert FakeClock().time() == DEFAULT_START


def test_fake_clock_sleep_advances_and_records() -> None:
    clock = FakeClock(start=0.0)
    clock.sleep(1.5)
    clock.sleep(0)
    clock.sleep(-3)
    clock.sleep(2.0)
    assert clock.sleeps == [1.5, 2.0]
    assert clock.slept == 3.5
    assert (clock.time(), clock.monotonic()) == (3.5, 3.5)


def test_fake_clock_advance_moves_time_without_recording_a_sleep() -> None:
    clock = FakeClock(start=10.0)
    clock.advance(5)
    assert (clock.time(), clock.monotonic(), clock.sleeps) == (15.0, 5.0, [])


def test_fake_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        FakeClock().advance(-1)


async def test_fake_clock_async_sleep_records_and_lets_other_tasks_run() -> None:
    clock = FakeClock(start=0.0)
    order: list[str] = []

    async def sleeper() -> None:
        await clock.sleep_async(4)
        order.append("sleeper")

    async def other() -> None:
        order.append("other")

    await asyncio.gather(sleeper(), other())
    assert clock.sleeps == [4]
    assert order == ["other", "sleeper"]
