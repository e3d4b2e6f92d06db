"""The HTTP transport over httpx or httpx2 (async): the twin of ``http.py`` on the same core."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.backends import (
    backend_of,
    load_backend,
    request_errors,
    stream_read_errors,
)
from brickgate.adapters.transport.http import client_options
from brickgate.adapters.transport.http_core import (
    DEFAULT_TIMEOUTS,
    Flow,
    RequestCore,
    Surface,
    Timeouts,
    decode_json,
    reads_raw,
    translated_error,
    translated_stream_error,
)
from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.codec import (
    decode_chat_response,
    decode_embeddings,
    decode_endpoint,
    decode_endpoint_list,
    encode_embedding_body,
)
from brickgate.domain.errors import ConfigurationError, TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.sse import ChunkReader
from brickgate.ports.clock import Clock

DEFAULT_MAX_IN_FLIGHT: int | None = None
"""No limit by default: LLM calls take seconds, and a cap would queue them behind each other."""


class AsyncHttpChatTransport:
    """An ``AsyncChatTransport`` over an injected ``httpx.AsyncClient``.

    Same behaviour as ``HttpChatTransport`` (paths, surfaces, auth, errors); ``auth`` is an
    ``AsyncBearerAuth`` (``async_bearer_auth_for`` for an ``httpx2.AsyncClient``). ``aclose()``
    closes the client. At most ``max_in_flight`` requests
    (``None``: no limit) are sent at once on an event loop; the others wait their turn. A
    stream counts only until its status line arrives, not while its body is read. Raises
    ``ConfigurationError`` for a ``max_in_flight`` below 1.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        host: WorkspaceHost,
        auth: httpx.Auth,
        *,
        surface: Surface = "auto",
        use_invocations: bool = False,
        clock: Clock | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ConfigurationError(
                f"max_in_flight must be 1 or more (or None for no limit), got {max_in_flight!r}"
            )
        self._client = client
        self._auth = auth
        self._core = RequestCore(
            host,
            clock or SystemClock(),
            surface=surface,
            use_invocations=use_invocations,
            timeouts=timeouts,
            backend=backend_of(client),
        )
        self._max_in_flight = max_in_flight
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None

    def _in_flight_gate(self) -> asyncio.Semaphore | None:
        """The semaphore bounding requests in flight on the running event loop (made lazily)."""
        if self._max_in_flight is None:
            return None
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate = asyncio.Semaphore(self._max_in_flight)
            self._gate_loop = loop
        return self._gate

    async def _run(self, flow: Flow, what: str, *, stream: bool = False) -> httpx.Response:
        request = next(flow)
        client = self._client
        if client.is_closed:
            raise TransportError("this transport is closed; make a new client to send requests")
        gate = self._in_flight_gate()
        while True:
            try:
                if gate is None:
                    response = await self._send(client, request, stream)
                else:
                    async with gate:
                        response = await self._send(client, request, stream)
            except request_errors() as exc:
                raise translated_error(exc, what) from exc
            try:
                request = flow.send(response)
            except StopIteration as settled:
                result: httpx.Response = settled.value
                return result

    async def _send(
        self, client: httpx.AsyncClient, request: httpx.Request, stream: bool
    ) -> httpx.Response:
        response = await client.send(
            request, auth=self._auth, stream=stream, follow_redirects=False
        )
        if not response.is_success:
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response

    async def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """Send a non-streaming chat request; return the complete reply."""
        flow = self._core.chat_flow(request, options, stream=False)
        response = await self._run(flow, "the chat request")
        reply = decode_chat_response(decode_json(response))
        return replace(reply, adjustments=request.adjustments) if request.adjustments else reply

    async def stream(self, request: ChatRequest, options: CallOptions) -> AsyncHttpChunkStream:
        """Send a streaming chat request; return the open chunk stream (status already checked)."""
        flow = self._core.chat_flow(request, options, stream=True)
        response = await self._run(flow, "the streaming chat request", stream=True)
        return AsyncHttpChunkStream(response)

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """Embed ``request.inputs``; vectors come back in input order."""
        body = encode_embedding_body(request.inputs, request.extra_body)
        flow = self._core.embed_flow(request.model, body, options)
        return decode_embeddings(decode_json(await self._run(flow, "embedding")))

    async def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """List the workspace's serving endpoints."""
        flow = self._core.endpoints_flow(options)
        return decode_endpoint_list(decode_json(await self._run(flow, "listing endpoints")))

    async def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """Describe one serving endpoint; ``NotFoundError`` if it does not exist."""
        flow = self._core.endpoints_flow(options, name)
        return decode_endpoint(decode_json(await self._run(flow, "describing an endpoint")))

    async def aclose(self) -> None:
        """Close the httpx client and its pooled connections; idempotent."""
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHttpChatTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        host, surface = self._core.host.url, self._core.surface
        return f"AsyncHttpChatTransport(host={host!r}, surface={surface!r})"


class AsyncHttpChunkStream:
    """The async twin of ``HttpChunkStream``: ``async for`` chunks, ``await aclose()``."""

    __slots__ = ("_closed", "_response")

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._closed = False

    def __aiter__(self) -> AsyncIterator[ChatChunk]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[ChatChunk]:
        response = self._response
        reader = ChunkReader()
        events, read = reader.decoder.feed, reader.read
        pieces = response.aiter_raw() if reads_raw(response) else response.aiter_bytes()
        try:
            try:
                async for piece in pieces:
                    for chunk in read(events(piece)):
                        yield chunk
                    if reader.error is not None:
                        raise reader.error
                    if reader.done:
                        return
            except stream_read_errors() as exc:
                raise translated_stream_error(exc) from exc
            for chunk in reader.finish():
                yield chunk
            reader.raise_error()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Release the connection; idempotent."""
        if not self._closed:
            self._closed = True
            await self._response.aclose()

    async def __aenter__(self) -> AsyncHttpChunkStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def build_async_http_client(
    *,
    verify: bool | str | ssl.SSLContext = True,
    proxy: str | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    max_connections: int = 100,
    max_keepalive_connections: int = 20,
    backend: str = "httpx",
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` twin of ``build_http_client`` (same TLS context and settings).

    ``backend="httpx2"`` makes an ``httpx2.AsyncClient``. Raises ``ConfigurationError`` as
    ``build_http_client`` does.
    """
    chosen = load_backend(backend)
    return chosen.async_client(
        **client_options(
            backend=chosen,
            verify=verify,
            proxy=proxy,
            timeouts=timeouts,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
        )
    )
