"""Transport ports: how chat, streaming, embedding and endpoint calls reach a workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Protocol

from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)


class ChunkStream(Protocol):
    """An open streamed reply: iterate for ``ChatChunk``s, then (or early) ``close()``.

    Iteration ends normally only after the server's end-of-stream marker. A stream that ends
    without it, or carries malformed or error data, raises ``StreamError`` (or the mapped
    ``ApiError``). ``close()`` is idempotent and releases the connection.
    """

    def __iter__(self) -> Iterator[ChatChunk]: ...

    def close(self) -> None: ...


class AsyncChunkStream(Protocol):
    """The async twin of ``ChunkStream``: ``async for`` chunks, ``await aclose()``."""

    def __aiter__(self) -> AsyncIterator[ChatChunk]: ...

    async def aclose(self) -> None: ...


class ChatTransport(Protocol):
    """Sends prepared requests to one workspace and returns domain values.

    Every method raises only brickgate errors: ``ApiError`` subclasses for error answers
    (``error_code`` mapped first, HTTP status second), ``TransportError``/``TimeoutError`` when
    no usable answer came, ``StreamError`` for broken streams. ``stream`` has sent the request
    and checked the status when it returns, so an error answer raises from ``stream`` itself.
    Endpoint names are sent as one path segment, never able to change the path.
    """

    def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """Send a non-streaming chat request; return the complete reply.

        The reply carries ``request.adjustments`` (what the request rules changed).
        """
        ...

    def stream(self, request: ChatRequest, options: CallOptions) -> ChunkStream:
        """Send a streaming chat request; return the open chunk stream."""
        ...

    def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """Embed ``request.inputs``; vectors come back in input order."""
        ...

    def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """List the workspace's serving endpoints."""
        ...

    def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """Describe one serving endpoint; ``NotFoundError`` if it does not exist."""
        ...

    def close(self) -> None:
        """Release pooled connections; idempotent."""
        ...


class AsyncChatTransport(Protocol):
    """The async twin of ``ChatTransport``, with the same contract."""

    async def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse: ...

    async def stream(self, request: ChatRequest, options: CallOptions) -> AsyncChunkStream: ...

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse: ...

    async def endpoints(self, options: CallOptions) -> list[Endpoint]: ...

    async def endpoint(self, name: str, options: CallOptions) -> Endpoint: ...

    async def aclose(self) -> None: ...
