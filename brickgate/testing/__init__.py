"""Test helpers shipped with brickgate: FakeWorkspace, a fake clock and in-memory backends."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brickgate.testing.clock import FakeClock
    from brickgate.testing.fake_workspace import FakeWorkspace, Fault, RecordedRequest
    from brickgate.testing.memory_keyring import MemoryKeyring

__all__ = ["FakeClock", "FakeWorkspace", "Fault", "MemoryKeyring", "RecordedRequest"]

_LAZY = {
    "FakeClock": "brickgate.testing.clock",
    "FakeWorkspace": "brickgate.testing.fake_workspace",
    "Fault": "brickgate.testing.fake_workspace",
    "RecordedRequest": "brickgate.testing.fake_workspace",
    "MemoryKeyring": "brickgate.testing.memory_keyring",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brickgate.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
