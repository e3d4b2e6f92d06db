"""The HTTP driver: sends calls to one workspace over an httpx (or httpx2) client it owns."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

from brickgate.adapters.transport._async.http_stream import AsyncHttpEventStream
from brickgate.adapters.transport.backends import (
    backend_of,
    request_errors,
)
from brickgate.adapters.transport.deadline import DEADLINE
from brickgate.adapters.transport.wire import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUTS,
    USER_AGENT,
    Limits,
    Timeouts,
    authorization_header,
    path_segment,
    reads_raw,
    secrets_on_the_wire,
    translated_error,
)
from brickgate.domain.calls import (
    Answer,
    Call,
    StreamCall,
    WireRequest,
)
from brickgate.domain.errors import (
    BrickgateError,
    ClientClosedError,
    RemoteError,
    StreamError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.scrub import scrub_error
from brickgate.ports.clock import Clock

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
E = TypeVar("E")

CLOSED_MESSAGE = "this client is closed; make a new client to send requests"
_MAX_CACHED_URLS = 512
_RATIO_FLOOR = 1024 * 1024


class AsyncHttpTransport:
    """The workspace port over an ``httpx.AsyncClient`` (or ``httpx2.AsyncClient``).

    Every request goes to ``host.url`` joined with the call's path segments, each
    percent-encoded as one segment, so no call can reach another host or path; redirects are
    never followed (the call's ``fail`` turns a 3xx into an error). ``timeouts`` are the
    defaults a call's own ``timeout`` overrides: one deadline covers connecting, the headers
    and the whole body (enforced per socket operation by a client from ``build_http_client``).
    ``limits`` bound every body and streamed event (``ResponseTooLargeError``). Errors keep
    nothing of the request reachable and are scrubbed of its secret. The transport owns
    ``client``: ``aclose()`` closes it, once. Raises only brickgate errors (see the port).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        host: WorkspaceHost,
        clock: Clock,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._client = client
        self._limits = limits
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
            url = self._url(self._base + "/" + "/".join(path_segment(s) for s in wire.path))
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
                headers["authorization"] = authorization_header(wire.auth)
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

    def _wait(self, wire: WireRequest, stream: bool) -> float:
        if wire.timeout is not None:
            return wire.timeout
        return self._timeouts.stream_idle if stream else self._timeouts.read

    async def _exchange(self, wire: WireRequest, what: str, stream: bool) -> httpx.Response:
        if self.closed:
            raise ClientClosedError(CLOSED_MESSAGE)
        request = self._request(wire, stream)
        failure: RemoteError | None = None
        try:
            response = await self._client.send(request, stream=True, follow_redirects=False)
        except request_errors() as exc:
            failure = translated_error(exc, what)
        if failure is not None:
            raise failure
        return response

    async def _body(self, response: httpx.Response, what: str) -> bytes:
        """The whole body of ``response``, within the size limits; the response is closed."""
        limits = self._limits
        raw = reads_raw(response)
        pieces = response.aiter_raw() if raw else response.aiter_bytes()
        parts: list[bytes] = []
        size = 0
        failure: RemoteError | None = None
        try:
            async for piece in pieces:
                size += len(piece)
                if size > limits.body:
                    failure = limits.body_too_large(what)
                    break
                if (
                    not raw
                    and size > _RATIO_FLOOR
                    and size > limits.compression_ratio * response.num_bytes_downloaded
                ):
                    failure = limits.bomb(what)
                    break
                parts.append(piece)
        except request_errors() as exc:
            failure = translated_error(exc, what)
        finally:
            await response.aclose()
        if failure is not None:
            raise failure
        return b"".join(parts)

    async def _answer(self, response: httpx.Response, what: str) -> Answer:
        body = await self._body(response, what)
        return Answer(response.status_code, response.headers, body, self._clock.time())

    async def send(self, call: Call[T]) -> T:
        """Send ``call``; return what it decodes from a 2xx answer, raise its failure otherwise."""
        wire = call.request
        secrets = secrets_on_the_wire(wire.auth)
        token = DEADLINE.set((time.monotonic() + self._wait(wire, False), secrets))
        try:
            response = await self._exchange(wire, call.name, False)
            answer = await self._answer(response, call.name)
            if 200 <= answer.status < 300:
                return call.decode(answer)
            raise call.fail(answer)
        except BrickgateError as error:
            scrub_error(error, secrets)
            raise
        finally:
            DEADLINE.reset(token)

    async def open(self, call: StreamCall[E]) -> AsyncHttpEventStream[E]:
        """Send ``call``; return its open event stream once a 2xx status arrived.

        The headers and then each data event must arrive within the stream's idle timeout.
        """
        wire = call.request
        idle = self._wait(wire, True)
        first = time.monotonic() + idle
        secrets = secrets_on_the_wire(wire.auth)
        token = DEADLINE.set((first, secrets))
        try:
            response = await self._exchange(wire, call.name, True)
            if not response.is_success:
                raise call.fail(await self._answer(response, call.name))
            encoding = response.headers.get("content-encoding", "").strip().lower()
            if encoding not in ("", "identity"):
                await response.aclose()
                raise StreamError(
                    f"the server compressed the stream of {call.name} "
                    f"({encoding}) although brickgate asked for "
                    "identity; check that nothing between brickgate and the workspace "
                    "re-encodes event streams"
                )
        except BrickgateError as error:
            scrub_error(error, secrets)
            raise
        finally:
            DEADLINE.reset(token)
        return AsyncHttpEventStream(
            response,
            call.reader(),
            idle=idle,
            first=first,
            limits=self._limits,
            secrets=secrets,
        )

    async def aclose(self) -> None:
        """Close the HTTP client and its pooled connections; idempotent."""
        if not self.closed:
            self.closed = True
            await self._client.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self._base!r})"
