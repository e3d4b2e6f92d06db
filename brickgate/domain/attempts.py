"""Counting the requests one logical call made, across the layers that send it again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class AttemptCount:
    """How many times the requests of one logical call were sent (by the retry layer)."""

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = 0


_current: ContextVar[AttemptCount | None] = ContextVar("brickgate_attempts", default=None)


@contextmanager
def counting_attempts() -> Iterator[AttemptCount]:
    """Count, in the current thread or task, every request the retry layer sends inside."""
    count = AttemptCount()
    token = _current.set(count)
    try:
        yield count
    finally:
        _current.reset(token)


def note_attempt() -> None:
    """Record one request sent, if someone is counting."""
    count = _current.get()
    if count is not None:
        count.sent += 1
