"""SystemClock: the real time and real waiting, for production use of the Clock port."""

from __future__ import annotations

import time


class SystemClock:
    """The Clock port over ``time.monotonic``/``time.time``/``time.sleep``/``asyncio.sleep``."""

    __slots__ = ()

    def monotonic(self) -> float:
        """Seconds from an arbitrary fixed point; never goes backwards."""
        return time.monotonic()

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``; return at once when ``seconds <= 0``."""
        if seconds > 0:
            time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``; return at once when ``seconds <= 0``."""
        if seconds > 0:
            import asyncio

            await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"
