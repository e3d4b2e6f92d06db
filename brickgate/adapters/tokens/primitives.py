"""The primitives token sources differ in: a lock and a way to run blocking work, in both forms.

Async sources call ``async_lock``/``async_blocking``; tools/unasync.py renames them to
``lock``/``blocking`` in the generated sync sources.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["async_blocking", "async_lock", "blocking", "lock"]


def async_lock() -> asyncio.Lock:
    """A lock for one refresh flight among tasks."""
    return asyncio.Lock()


def lock() -> threading.Lock:
    """A lock for one refresh flight among threads."""
    return threading.Lock()


async def async_blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking ``function`` (a subprocess, a socket, a keyring) in a worker thread."""
    return await asyncio.to_thread(function, *args, **kwargs)


def blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking ``function`` in the calling thread."""
    return function(*args, **kwargs)
