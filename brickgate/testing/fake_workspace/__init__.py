"""FakeWorkspace: a real loopback HTTP server that speaks the Databricks serving contract."""

from __future__ import annotations

from brickgate.testing.fake_workspace.faults import Fault
from brickgate.testing.fake_workspace.recording import RecordedRequest
from brickgate.testing.fake_workspace.workspace import FakeWorkspace

__all__ = ["FakeWorkspace", "Fault", "RecordedRequest"]
