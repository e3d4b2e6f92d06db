"""The shared back-off gate of a batch: one 429 pauses every worker (see the gated transport)."""

from __future__ import annotations

import threading

from brickgate.ports.clock import Clock


class BackoffGate:
    """A pause shared by every worker of a batch: after a 429 nobody sends until it ends.

    ``pause(seconds)`` keeps the gate shut until ``seconds`` from now (the server's
    ``Retry-After``, else ``default_pause``; never beyond ``max_pause``); a later pause only
    extends it. ``wait()`` / ``wait_async()`` return once the gate is open. Thread-safe.
    """

    def __init__(
        self, clock: Clock, *, default_pause: float = 1.0, max_pause: float = 60.0
    ) -> None:
        self._clock = clock
        self._default = default_pause
        self._max = max_pause
        self._lock = threading.Lock()
        self._open_at = 0.0
        self.pauses = 0

    def pause(self, seconds: float | None) -> None:
        """Shut the gate for ``seconds`` (``None``: the default pause) from now."""
        wanted = self._default if seconds is None else max(0.0, min(seconds, self._max))
        with self._lock:
            self.pauses += 1
            self._open_at = max(self._open_at, self._clock.monotonic() + wanted)

    def _remaining(self) -> float:
        with self._lock:
            return self._open_at - self._clock.monotonic()

    def wait(self) -> float:
        """Block until the gate is open; return the seconds waited."""
        waited = 0.0
        while (remaining := self._remaining()) > 0:
            self._clock.sleep(remaining)
            waited += remaining
        return waited

    async def wait_async(self) -> float:
        """Suspend the task until the gate is open; return the seconds waited."""
        waited = 0.0
        while (remaining := self._remaining()) > 0:
            await self._clock.sleep_async(remaining)
            waited += remaining
        return waited
