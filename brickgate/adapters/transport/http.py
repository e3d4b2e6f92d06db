"""The HTTP transport over httpx or httpx2 (sync), the shared TLS context, the client factories."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

import certifi
import httpx

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.backends import (
    HttpBackend,
    backend_of,
    load_backend,
    request_errors,
    stream_read_errors,
)
from brickgate.adapters.transport.http_core import (
    DEFAULT_TIMEOUTS,
    USER_AGENT,
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


class HttpChatTransport:
    """A ``ChatTransport`` that talks to one workspace through an injected ``httpx.Client``.

    Every request goes to ``host.url`` only, with ``auth`` (a ``BearerAuth``) attaching the
    token, and redirects are never followed (a 3xx is an error). ``surface`` picks the chat and
    embeddings paths: ``serving-endpoints`` (``/serving-endpoints/chat/completions``),
    ``ai-gateway`` (``/ai-gateway/mlflow/v1/...``) or ``auto``: the gateway first, falling back
    to serving endpoints on HTTP 501 or ``ENDPOINT_NOT_FOUND``, remembered per host.
    ``use_invocations`` sends chat to ``/serving-endpoints/<name>/invocations`` instead.
    Raises only brickgate errors (see the ``ChatTransport`` port). ``close()`` closes the client.
    ``client`` may be an ``httpx2.Client`` too (with ``auth`` from ``bearer_auth_for``).
    """

    def __init__(
        self,
        client: httpx.Client,
        host: WorkspaceHost,
        auth: httpx.Auth,
        *,
        surface: Surface = "auto",
        use_invocations: bool = False,
        clock: Clock | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
    ) -> None:
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

    def _run(self, flow: Flow, what: str, *, stream: bool = False) -> httpx.Response:
        request = next(flow)
        client = self._client
        if client.is_closed:
            raise TransportError("this transport is closed; make a new client to send requests")
        while True:
            try:
                response = client.send(
                    request, auth=self._auth, stream=stream, follow_redirects=False
                )
                if not response.is_success:
                    try:
                        response.read()
                    finally:
                        response.close()
            except request_errors() as exc:
                raise translated_error(exc, what) from exc
            try:
                request = flow.send(response)
            except StopIteration as settled:
                result: httpx.Response = settled.value
                return result

    def chat(self, request: ChatRequest, options: CallOptions) -> ChatResponse:
        """Send a non-streaming chat request; return the complete reply."""
        flow = self._core.chat_flow(request, options, stream=False)
        response = self._run(flow, "the chat request")
        reply = decode_chat_response(decode_json(response))
        return replace(reply, adjustments=request.adjustments) if request.adjustments else reply

    def stream(self, request: ChatRequest, options: CallOptions) -> HttpChunkStream:
        """Send a streaming chat request; return the open chunk stream (status already checked)."""
        flow = self._core.chat_flow(request, options, stream=True)
        return HttpChunkStream(self._run(flow, "the streaming chat request", stream=True))

    def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        """Embed ``request.inputs``; vectors come back in input order."""
        body = encode_embedding_body(request.inputs, request.extra_body)
        response = self._run(self._core.embed_flow(request.model, body, options), "embedding")
        return decode_embeddings(decode_json(response))

    def endpoints(self, options: CallOptions) -> list[Endpoint]:
        """List the workspace's serving endpoints."""
        response = self._run(self._core.endpoints_flow(options), "listing serving endpoints")
        return decode_endpoint_list(decode_json(response))

    def endpoint(self, name: str, options: CallOptions) -> Endpoint:
        """Describe one serving endpoint; ``NotFoundError`` if it does not exist."""
        response = self._run(self._core.endpoints_flow(options, name), "describing an endpoint")
        return decode_endpoint(decode_json(response))

    def close(self) -> None:
        """Close the httpx client and its pooled connections; idempotent."""
        self._client.close()

    def __enter__(self) -> HttpChatTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HttpChatTransport(host={self._core.host.url!r}, surface={self._core.surface!r})"


class HttpChunkStream:
    """An open streamed reply: iterate once for ``ChatChunk``s; closes the response at the end.

    Raises ``StreamError`` (no ``[DONE]``, malformed data, a broken connection), the mapped
    ``ApiError`` for an error payload, or ``TimeoutError`` when the stream goes idle.
    """

    __slots__ = ("_closed", "_response")

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._closed = False

    def __iter__(self) -> Iterator[ChatChunk]:
        response = self._response
        reader = ChunkReader()
        events, read = reader.decoder.feed, reader.read
        try:
            try:
                for piece in response.iter_raw() if reads_raw(response) else response.iter_bytes():
                    yield from read(events(piece))
                    if reader.error is not None:
                        raise reader.error
                    if reader.done:
                        return
            except stream_read_errors() as exc:
                raise translated_stream_error(exc) from exc
            yield from reader.finish()
            reader.raise_error()
        finally:
            self.close()

    def close(self) -> None:
        """Release the connection; idempotent."""
        if not self._closed:
            self._closed = True
            self._response.close()

    def __enter__(self) -> HttpChunkStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def build_http_client(
    *,
    verify: bool | str | ssl.SSLContext = True,
    proxy: str | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    max_connections: int = 100,
    max_keepalive_connections: int = 20,
    backend: str = "httpx",
) -> httpx.Client:
    """An ``httpx.Client`` for ``HttpChatTransport``: shared TLS context, no redirects.

    ``backend="httpx2"`` makes an ``httpx2.Client`` instead (same API). Proxy and CA settings
    come from the usual environment variables (``HTTPS_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE``,
    ``REQUESTS_CA_BUNDLE``...) unless given explicitly. Raises ``ConfigurationError`` when the CA
    bundle cannot be loaded, or for a backend that is unknown or not installed.
    """
    chosen = load_backend(backend)
    return chosen.client(
        **client_options(
            backend=chosen,
            verify=verify,
            proxy=proxy,
            timeouts=timeouts,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
        )
    )


def ssl_context(verify: bool | str | ssl.SSLContext = True) -> ssl.SSLContext:
    """The TLS context for ``verify``, shared by every client that asks for the same one.

    ``True`` uses ``SSL_CERT_FILE``/``SSL_CERT_DIR`` or ``REQUESTS_CA_BUNDLE`` when set, else
    certifi's bundle; a string is a CA bundle file or directory; ``False`` turns verification off;
    an ``ssl.SSLContext`` is used as given. Loading CA certificates is the slow part of making
    an HTTP client, so each distinct context is built once per process.
    """
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        return _unverified_context()
    if isinstance(verify, str):
        return _verified_context(*_ca_location(verify))
    cafile = os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    return _verified_context(cafile, capath)


def _ca_location(path: str) -> tuple[str | None, str | None]:
    return (None, path) if os.path.isdir(path) else (path, None)


@lru_cache(maxsize=8)
def _verified_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    if cafile is None and capath is None:
        cafile = certifi.where()
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"cannot load the CA certificates at {cafile or capath!r} ({exc}); check "
            "SSL_CERT_FILE, SSL_CERT_DIR, REQUESTS_CA_BUNDLE or the verify option"
        ) from exc


@lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def client_options(
    *,
    backend: HttpBackend,
    verify: bool | str | ssl.SSLContext,
    proxy: str | None,
    timeouts: Timeouts,
    max_connections: int,
    max_keepalive_connections: int,
) -> dict[str, Any]:
    """Keyword arguments for a sync or async client of ``backend`` (httpx or httpx2)."""
    return {
        "verify": ssl_context(verify),
        "proxy": proxy,
        "trust_env": True,
        "follow_redirects": False,
        "timeout": backend.timeout(timeouts.read, connect=timeouts.connect),
        "limits": backend.limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
        ),
        "headers": {"user-agent": USER_AGENT},
    }
