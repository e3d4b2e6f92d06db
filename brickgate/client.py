"""Client and AsyncClient: the façade applications hold (the sync one generated from the async)."""

from brickgate._async.client import AsyncClient
from brickgate._sync.client import Client

__all__ = ["AsyncClient", "Client"]
