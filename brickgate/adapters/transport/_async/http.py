"""The HTTP driver: sends calls to one workspace over an httpx (or httpx2) client it owns."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from brickgate.adapters.transport.backends import backend_of, request_errors, stream_read_errors
from brickgate.adapters.transport.wire import (
    DEFAULT_TIMEOUTS,
    USER_AGENT,
    Timeouts,
    reads_raw,
    translated_error,
    translated_stream_error,
)
from brickgate.domain.calls import (
    Answer,
    BasicAuth,
    Call,
    EventReader,
    StreamCall,
    WireAuth,
    WireRequest,
)
from brickgate.domain.errors import TransportError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.clock import Clock

T = TypeVar("T")
E = TypeVar("E")

CLOSED_MESSAGE = "this client is closed; make a new client to send requests"
_MAX_CACHED_URLS = 512


class AsyncHttpTransport:
    """The workspace port over an ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``).

    Every request goes to ``host.url`` joined with the call's path segments, each
    percent-encoded as one segment, so no call can reach another host or path; redirects are
    never followed (the call's ``fail`` turns a 3xx into an error). ``timeouts`` are the
    defaults a call's own ``timeout`` overrides. The transport owns ``client``: ``aclose()``
    closes it, once. Raises only brickgate errors (see the port).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        host: WorkspaceHost,
        clock: Clock,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        self._client = client
        self._clock = clock
        self.host = host
        self._base = host.url
        self._timeouts = timeouts
        backend = backend_of(client)
        self._build = backend.request
        self._url = backend.url
        self._urls: dict[tuple[str, ...], Any] = {}
        self._extensions: dict[tuple[bool, float | None], dict[str, Any]] = {}
        self._headers: dict[tuple[str, str | None], dict[str, str]] = {}
        self.closed = False

    def _request(self, wire: WireRequest, stream: bool) -> httpx.Request:
        url = self._urls.get(wire.path)
        if url is None:
            url = self._url(self._base + "/" + "/".join(_segment(s) for s in wire.path))
            if len(self._urls) >= _MAX_CACHED_URLS:
                self._urls.clear()
            self._urls[wire.path] = url
        if wire.query:
            url = url.copy_merge_params(dict(wire.query))
        headers = self._headers.get((wire.accept, wire.content_type))
        if headers is None:
            headers = self._base_headers(wire.accept, wire.content_type)
        extensions = self._extensions.get((stream, wire.timeout))
        if extensions is None:
            extensions = self._extensions_for(stream, wire.timeout)
        if wire.headers or wire.auth is not None:
            headers = dict(headers)
            if wire.headers:
                headers.update(wire.headers)
            if wire.auth is not None:
                headers["authorization"] = _authorization(wire.auth)
        return self._build(
            wire.method,
            url,
            content=wire.content,
            headers=headers,
            extensions=extensions,
        )

    def _base_headers(self, accept: str, content_type: str | None) -> dict[str, str]:
        """The headers every request with this ``accept`` and content type has (cached)."""
        headers = {"user-agent": USER_AGENT, "accept": accept}
        headers["accept-encoding"] = (
            "identity" if accept == "text/event-stream" else "gzip, deflate"
        )
        if content_type is not None:
            headers["content-type"] = content_type
        if len(self._headers) < 64:
            self._headers[(accept, content_type)] = headers
        return headers

    def _extensions_for(self, stream: bool, timeout: float | None) -> dict[str, Any]:
        """The timeout extension of a stream or plain request with this ``timeout`` (cached)."""
        extensions = {"timeout": self._timeouts.for_call(timeout, stream=stream)}
        if len(self._extensions) < 64:
            self._extensions[(stream, timeout)] = extensions
        return extensions

    async def _exchange(self, wire: WireRequest, what: str, stream: bool) -> httpx.Response:
        if self.closed:
            raise TransportError(CLOSED_MESSAGE)
        request = self._request(wire, stream)
        try:
            response = await self._client.send(request, stream=stream, follow_redirects=False)
            if stream and not response.is_success:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except request_errors() as exc:
            raise translated_error(exc, what) from None
        return response

    def _answer(self, response: httpx.Response) -> Answer:
        return Answer(response.status_code, response.headers, response.content, self._clock.time())

    async def send(self, call: Call[T]) -> T:
        """Send ``call``; return what it decodes from a 2xx answer, raise its failure otherwise."""
        response = await self._exchange(call.request, call.name, False)
        answer = Answer(
            response.status_code, response.headers, response.content, self._clock.time()
        )
        if 200 <= answer.status < 300:
            return call.decode(answer)
        raise call.fail(answer)

    async def open(self, call: StreamCall[E]) -> AsyncHttpEventStream[E]:
        """Send ``call``; return its open event stream once a 2xx status arrived."""
        response = await self._exchange(call.request, call.name, True)
        if not response.is_success:
            raise call.fail(self._answer(response))
        return AsyncHttpEventStream(response, call.reader())

    async def aclose(self) -> None:
        """Close the HTTP client and its pooled connections; idempotent."""
        if not self.closed:
            self.closed = True
            await self._client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self._base!r})"


class AsyncHttpEventStream(Generic[E]):
    """An open streamed answer: iterate once for events; the response is closed at the end.

    Raises what the reader reports (``StreamError``, the mapped ``ApiError``) after the events
    that arrived before it, ``StreamError`` for a broken connection and ``TimeoutError`` when the
    stream goes idle.
    """

    def __init__(self, response: httpx.Response, reader: EventReader[E]) -> None:
        self._response = response
        self._reader = reader
        self._events = self._read()
        self.closed = False

    def __aiter__(self) -> AsyncIterator[E]:
        return self._events

    async def _read(self) -> AsyncIterator[E]:
        response = self._response
        reader = self._reader
        feed = reader.feed
        pieces = response.aiter_raw() if reads_raw(response) else response.aiter_bytes()
        try:
            try:
                async for piece in pieces:
                    for event in feed(piece):
                        yield event
                    if reader.error is not None:
                        raise reader.error
                    if reader.done:
                        return
            except stream_read_errors() as exc:
                raise translated_stream_error(exc) from None
            for event in reader.finish():
                yield event
            if reader.error is not None:
                raise reader.error
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Release the connection; idempotent."""
        if not self.closed:
            self.closed = True
            await self._response.aclose()


def _segment(value: str) -> str:
    """``value`` percent-encoded as one path segment; ``.`` and ``..`` too (a URL parser would
    otherwise resolve them and change the path)."""
    if value in (".", ".."):
        return "%2E" * len(value)
    return quote(value, safe="")


def _authorization(auth: WireAuth) -> str:
    if isinstance(auth, BasicAuth):
        pair = f"{auth.user}:{auth.password.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return "Bearer " + auth.token.get_secret_value()
