"""One deadline per call: a context variable every socket operation of our clients is capped by.

The driver sets ``DEADLINE`` to ``(monotonic deadline, the call's secrets)`` around what must
finish in time: sending a call and reading its whole answer, or opening a stream, then around
each read of it (the deadline moving on with each data event). ``deadline_after`` does the same
for a block.
``install_deadlines`` wraps the network backend of a client built by ``build_http_client`` so
that every connect, read and write waits at most until that deadline, whatever timeout httpcore
passes (a server trickling one byte per second cannot stretch a call). Outside a deadline the
backend behaves exactly as before.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_NONE: tuple[float | None, tuple[str, ...]] = (None, ())
DEADLINE: ContextVar[tuple[float | None, tuple[str, ...]]] = ContextVar(
    "brickgate_deadline", default=_NONE
)
"""``(monotonic deadline or None, the call's secrets)``; set and reset it around a read."""
_DEADLINE = DEADLINE


@contextmanager
def deadline_after(seconds: float | None) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now (``None``: no deadline)."""
    token = _DEADLINE.set((None if seconds is None else time.monotonic() + seconds, ()))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_secrets() -> tuple[str, ...]:
    """The secrets of the call being sent or read in this context."""
    return _DEADLINE.get()[1]


def capped(timeout: float | None, module: Any, error: str) -> float | None:
    """``timeout`` shortened to what is left of the deadline.

    Raises ``module.<error>`` (an httpcore timeout, which httpx translates) when the deadline
    has already passed.
    """
    deadline = _DEADLINE.get()[0]
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise getattr(module, error)("the call's deadline passed")
    return left if timeout is None or timeout > left else timeout


def core_module(backend: object) -> Any:
    """The httpcore (or httpcore2) module whose backend ``backend`` is."""
    return importlib.import_module(type(backend).__module__.partition(".")[0])


def install_deadlines(client: Any, *, asynchronous: bool) -> Any:
    """Wrap the network backend of every transport of ``client`` (an httpx or httpx2 client).

    Returns ``client``. Transports without a connection pool (test doubles) are left alone.
    """
    wrapper: type
    if asynchronous:
        from brickgate.adapters.transport._async.deadline import AsyncDeadlineBackend as wrapper
    else:
        from brickgate.adapters.transport._sync.deadline import DeadlineBackend as wrapper
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if pool is not None and inner is not None and not isinstance(inner, wrapper):
            pool._network_backend = wrapper(inner)
    return client
