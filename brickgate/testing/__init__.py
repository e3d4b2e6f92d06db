"""Test helpers shipped with brickgate: FakeWorkspace, fake databricks/az executables
(``FakeCli``), a fake browser for browser logins (``FakeBrowser``), the fake transport, a fake
clock, in-memory backends and the port contract suites (``brickgate.testing.contracts``). Host
applications use them to test their own code against brickgate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brickgate._lazy import lazy_exports

if TYPE_CHECKING:
    from brickgate.testing._async.fake_transport import AsyncFakeTransport
    from brickgate.testing._sync.fake_transport import FakeTransport
    from brickgate.testing.clock import FakeClock
    from brickgate.testing.fake_browser import FakeBrowser
    from brickgate.testing.fake_script import JsonReply, RecordedCall, StreamReply
    from brickgate.testing.fake_tools import FakeCli
    from brickgate.testing.fake_workspace import FakeWorkspace, Fault, RecordedRequest
    from brickgate.testing.memory_keyring import MemoryKeyring
    from brickgate.testing.memory_store import MemoryCredentialStore

__all__ = [
    "AsyncFakeTransport",
    "FakeBrowser",
    "FakeCli",
    "FakeClock",
    "FakeTransport",
    "FakeWorkspace",
    "Fault",
    "JsonReply",
    "MemoryCredentialStore",
    "MemoryKeyring",
    "RecordedCall",
    "RecordedRequest",
    "StreamReply",
]

_LAZY = {
    "AsyncFakeTransport": "brickgate.testing._async.fake_transport",
    "FakeBrowser": "brickgate.testing.fake_browser",
    "FakeCli": "brickgate.testing.fake_tools",
    "FakeClock": "brickgate.testing.clock",
    "FakeTransport": "brickgate.testing._sync.fake_transport",
    "FakeWorkspace": "brickgate.testing.fake_workspace",
    "Fault": "brickgate.testing.fake_workspace",
    "JsonReply": "brickgate.testing.fake_script",
    "MemoryCredentialStore": "brickgate.testing.memory_store",
    "MemoryKeyring": "brickgate.testing.memory_keyring",
    "RecordedCall": "brickgate.testing.fake_script",
    "RecordedRequest": "brickgate.testing.fake_workspace",
    "StreamReply": "brickgate.testing.fake_script",
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
