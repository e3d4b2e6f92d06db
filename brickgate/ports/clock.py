"""The Clock port: time and waiting, injectable so retries and expiry are testable."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """Tells time and waits.

    ``monotonic()`` is for measuring intervals, ``time()`` is wall-clock seconds since the epoch
    (for HTTP dates and token expiry). ``sleep`` and ``sleep_async`` wait at least ``seconds``
    (a fake clock just advances). Neither raises for ``seconds <= 0``; they return at once.
    """

    def monotonic(self) -> float:
        """Seconds from an arbitrary fixed point; never goes backwards."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        ...

    async def sleep_async(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...
