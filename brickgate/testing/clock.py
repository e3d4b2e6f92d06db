"""FakeClock: a Clock whose time moves only when told to, for tests without waiting."""

from __future__ import annotations

import asyncio
import threading

DEFAULT_START = 1_700_000_000.0


class FakeClock:
    """A Clock that never waits: ``sleep``/``sleep_async`` advance time and record the request.

    ``time()`` starts at ``start`` (epoch seconds) and ``monotonic()`` at 0; both move together
    through ``advance(seconds)`` or a sleep. ``sleeps`` lists every positive sleep, in order.
    Thread-safe.
    """

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._lock = threading.Lock()
        self._start = start
        self._elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """Seconds advanced since this clock was made."""
        with self._lock:
            return self._elapsed

    def time(self) -> float:
        """``start`` plus the seconds advanced so far."""
        with self._lock:
            return self._start + self._elapsed

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``; raises ``ValueError`` for a negative value."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._elapsed += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance time by ``seconds`` at once; ignore ``seconds <= 0``."""
        if seconds <= 0:
            return
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += seconds

    async def sleep_async(self, seconds: float) -> None:
        """Like ``sleep``, then yield once to the event loop so other tasks may run."""
        self.sleep(seconds)
        await asyncio.sleep(0)

    @property
    def slept(self) -> float:
        """The total of every recorded sleep."""
        with self._lock:
            return sum(self.sleeps)

    def __repr__(self) -> str:
        return f"FakeClock(time={self.time()!r}, sleeps={len(self.sleeps)})"
