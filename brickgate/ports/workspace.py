"""The workspace port in both forms: async (the source) and sync (generated from it)."""

from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport
from brickgate.ports._sync.workspace import EventStream, WorkspaceTransport

__all__ = ["AsyncEventStream", "AsyncWorkspaceTransport", "EventStream", "WorkspaceTransport"]
