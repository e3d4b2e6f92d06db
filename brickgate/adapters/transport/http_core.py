"""The I/O-free core shared by the sync and async HTTP transports: requests, surfaces, errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from brickgate._version import __version__
from brickgate.adapters.transport.backends import (
    HTTPX,
    HttpBackend,
    backend_of,
    is_timeout,
    request_errors,
    stream_read_errors,
)
from brickgate.domain.chat import CallOptions, ChatRequest
from brickgate.domain.codec import excerpt
from brickgate.domain.error_mapping import error_from_response
from brickgate.domain.errors import (
    ApiError,
    ConfigurationError,
    InvalidRequestError,
    RemoteError,
    StreamError,
    TimeoutError,
    TransportError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.clock import Clock

Surface = Literal["auto", "serving-endpoints", "ai-gateway"]
Flow = Generator[httpx.Request, httpx.Response, httpx.Response]
"""Yields each request to send, receives its response (body read unless 2xx), returns the 2xx."""

USER_AGENT = f"brickgate/{__version__}"
SERVING = "serving-endpoints"
GATEWAY = "ai-gateway"
_FORBIDDEN_HEADERS = frozenset({"authorization", "host"})
_GATEWAY_ABSENT_MARKER = b"ENDPOINT_NOT_FOUND"


def path_segment(name: str, *, what: str = "endpoint name") -> str:
    """``name`` percent-encoded as exactly one URL path segment.

    Raises ``InvalidRequestError`` for an empty name, ``.`` or ``..`` (they would change the
    path) and for a name that is not text. Every other character (``/`` included) is encoded.
    """
    check_path_segment(name, what=what)
    return quote(name, safe="")


def check_path_segment(name: str, *, what: str = "endpoint name") -> None:
    """Raise ``InvalidRequestError`` unless ``path_segment`` accepts ``name``; return nothing."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequestError(f"the {what} is empty; give the serving endpoint's name")
    if name in (".", ".."):
        raise InvalidRequestError(
            f"{name!r} is not a valid {what}; give the serving endpoint's name"
        )


def encode_json(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as sent on the wire."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode_json(response: httpx.Response) -> Mapping[str, Any]:
    """The JSON object in a 2xx ``response``; ``TransportError`` when it is not one."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TransportError(
            f"the workspace answered HTTP {response.status_code} with a body that is not a JSON "
            f"object (starts: {excerpt(response.content[:200].decode('utf-8', 'replace'))}); "
            "check the host is a Databricks workspace and not a proxy or login page"
        )
    return data


def translated_error(exc: Exception, what: str) -> RemoteError:
    """The brickgate error for an HTTP library exception (see ``request_errors``) from ``what``."""
    if is_timeout(exc):
        return TimeoutError(
            f"{what} timed out ({type(exc).__name__}); the workspace may be busy: retry, or "
            "raise the timeout"
        )
    if isinstance(exc, backend_of(exc).stream_error):
        return StreamError(f"{what} failed: {type(exc).__name__}: {exc}")
    return TransportError(f"{what} failed: {type(exc).__name__}: {exc}")


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn HTTP library exceptions raised inside into brickgate errors, chained with ``from``."""
    try:
        yield
    except request_errors() as exc:
        raise translated_error(exc, what) from exc


def translated_stream_error(exc: Exception) -> RemoteError:
    """The brickgate error for an HTTP library exception raised while reading a stream's body."""
    if is_timeout(exc):
        return TimeoutError(
            "the stream went idle: no data arrived within the read timeout; retry, or raise the "
            "timeout"
        )
    return StreamError(
        f"the stream broke before [DONE] ({type(exc).__name__}: {exc}); retry the request"
    )


@contextmanager
def translated_stream_errors() -> Iterator[None]:
    """Like ``translated_errors`` while reading a stream: a broken connection is a StreamError."""
    try:
        yield
    except stream_read_errors() as exc:
        raise translated_stream_error(exc) from exc


def reads_raw(response: httpx.Response) -> bool:
    """True when ``response``'s body is still unread and has no content encoding.

    Its raw bytes are then its content, and ``iter_raw`` skips httpx's decoder layers.
    """
    if response.is_stream_consumed:
        return False
    encoding = response.headers.get("content-encoding")
    return encoding is None or encoding.strip().lower() in ("", "identity")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Default timeouts in seconds: ``connect``, ``read`` (a whole reply) and ``stream_idle``
    (the longest wait for the next bytes of a stream)."""

    connect: float = 10.0
    read: float = 300.0
    stream_idle: float = 60.0

    def for_call(self, options: CallOptions, *, stream: bool) -> dict[str, float]:
        """The httpx timeout extension for one call; ``options.timeout`` overrides the default."""
        wait = options.timeout
        if wait is None:
            wait = self.stream_idle if stream else self.read
        return {"connect": min(self.connect, wait), "read": wait, "write": wait, "pool": wait}


DEFAULT_TIMEOUTS = Timeouts()


class SurfaceMemory:
    """Which chat surface a host turned out to serve under ``auto`` (thread and task safe)."""

    __slots__ = ("_known", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}

    def get(self, host: str) -> str | None:
        with self._lock:
            return self._known.get(host)

    def remember(self, host: str, surface: str) -> None:
        with self._lock:
            self._known[host] = surface


@dataclass(frozen=True, slots=True)
class _Target:
    surface: str
    url: httpx.URL


_MAX_CACHED_URLS = 256


class RequestCore:
    """Builds every request for one workspace and decides what its answers mean.

    Drivers (the sync and async transports) run the ``*_flow`` generators: send each yielded
    request, read the body of any non-2xx answer, send the response back in; the flow returns
    the 2xx response or raises the mapped brickgate error. Requests are built with ``backend``'s
    classes (httpx by default), so that the client of that library can send them.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        clock: Clock,
        *,
        surface: Surface = "auto",
        use_invocations: bool = False,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        backend: HttpBackend = HTTPX,
    ) -> None:
        if surface not in ("auto", SERVING, GATEWAY):
            raise ConfigurationError(
                f"unknown surface {surface!r}; use 'auto', 'serving-endpoints' or 'ai-gateway'"
            )
        if use_invocations and surface == GATEWAY:
            raise ConfigurationError(
                "use_invocations sends to /serving-endpoints/<name>/invocations, which the AI "
                "Gateway surface does not have; choose surface='serving-endpoints' or 'auto'"
            )
        self.host = host
        self._clock = clock
        self.surface = surface
        self.use_invocations = use_invocations
        self.timeouts = timeouts
        self.memory = SurfaceMemory()
        self.backend = backend
        self._request = backend.request
        url = backend.url
        base = host.url
        gateway = base if host.is_ai_gateway else base + "/ai-gateway"
        self._chat = {
            SERVING: _Target(SERVING, url(base + "/serving-endpoints/chat/completions")),
            GATEWAY: _Target(GATEWAY, url(gateway + "/mlflow/v1/chat/completions")),
        }
        self._embed = {
            SERVING: _Target(SERVING, url(base + "/serving-endpoints/embeddings")),
            GATEWAY: _Target(GATEWAY, url(gateway + "/mlflow/v1/embeddings")),
        }
        self._invocations = base + "/serving-endpoints/{}/invocations"
        self._invocation_targets: dict[str, list[_Target]] = {}
        self._endpoints = base + "/api/2.0/serving-endpoints"
        common = {"user-agent": USER_AGENT, "accept-encoding": "gzip, deflate"}
        self._get_headers = {**common, "accept": "application/json"}
        self._post_headers = {**self._get_headers, "content-type": "application/json"}
        self._stream_headers = {
            **self._post_headers,
            "accept": "text/event-stream",
            "accept-encoding": "identity",
        }
        self._prepared_headers = {
            False: backend.headers(self._post_headers),
            True: backend.headers(self._stream_headers),
        }
        self._default_extensions = {
            stream: {"timeout": timeouts.for_call(CallOptions(), stream=stream)}
            for stream in (False, True)
        }

    def chat_flow(self, request: ChatRequest, options: CallOptions, *, stream: bool) -> Flow:
        """Send a chat request (streamed or not) to the right surface, falling back under auto."""
        if self.use_invocations:
            targets = self._invocation_target(request.model)
        else:
            check_path_segment(request.model, what="model (endpoint) name")
            targets = self._targets(self._chat)
        body = _chat_body(request, stream=stream, with_model=not self.use_invocations)
        return (yield from self._post(targets, encode_json(body), options, stream))

    def embed_flow(self, model: str, body: Mapping[str, Any], options: CallOptions) -> Flow:
        """Send an embeddings request (``body`` without ``model``) to the right surface."""
        check_path_segment(model, what="model (endpoint) name")
        content = encode_json({"model": model, **body})
        return (yield from self._post(self._targets(self._embed), content, options, False))

    def _post(
        self, targets: list[_Target], content: bytes, options: CallOptions, stream: bool
    ) -> Flow:
        if options.extra_headers:
            base = self._stream_headers if stream else self._post_headers
            headers = self.backend.headers(merged_headers(options, base))
        else:
            headers = self._prepared_headers[stream]
        if options.timeout is None:
            extensions = self._default_extensions[stream]
        else:
            extensions = {"timeout": self.timeouts.for_call(options, stream=stream)}
        last = len(targets) - 1
        for position, target in enumerate(targets):
            response = yield self._request(
                "POST", target.url, content=content, headers=headers, extensions=extensions
            )
            if self._settled(target, response, last=position == last):
                return response
        raise AssertionError("unreachable: the last target always settles")

    def _invocation_target(self, model: str) -> list[_Target]:
        targets = self._invocation_targets.get(model)
        if targets is None:
            url = self.backend.url(
                self._invocations.format(path_segment(model, what="model (endpoint) name"))
            )
            targets = [_Target(SERVING, url)]
            if len(self._invocation_targets) >= _MAX_CACHED_URLS:
                self._invocation_targets.clear()
            self._invocation_targets[model] = targets
        return targets

    def endpoints_flow(self, options: CallOptions, name: str | None = None) -> Flow:
        """``GET`` the endpoint list, or one endpoint when ``name`` is given."""
        url = self._endpoints if name is None else f"{self._endpoints}/{path_segment(name)}"
        response = yield self._request(
            "GET",
            url,
            headers=merged_headers(options, self._get_headers),
            extensions={"timeout": self.timeouts.for_call(options, stream=False)},
        )
        if not response.is_success:
            raise self.error(response)
        return response

    def error(self, response: httpx.Response) -> ApiError:
        """The brickgate error for a non-2xx ``response`` whose body has been read."""
        status = response.status_code
        if 300 <= status < 400:
            location = self.backend.url(response.headers.get("location", ""))
            where = f" to {location.scheme}://{location.host}" if location.host else ""
            return ApiError(
                f"the workspace answered with a redirect{where}; brickgate never follows "
                "redirects, so the token cannot leave the workspace host. Check that the host "
                "is the workspace itself (not a login page, proxy or old URL)",
                status=status,
            )
        return error_from_response(
            status, response.headers, response.content, now=self._clock.time()
        )

    def _targets(self, table: Mapping[str, _Target]) -> list[_Target]:
        if self.surface != "auto":
            return [table[self.surface]]
        if self.host.is_ai_gateway:
            return [table[GATEWAY]]
        known = self.memory.get(self.host.name)
        if known is not None:
            return [table[known]]
        return [table[GATEWAY], table[SERVING]]

    def _settled(self, target: _Target, response: httpx.Response, *, last: bool) -> bool:
        """True when ``response`` is final (2xx); False to try the next target; else raises."""
        if response.is_success:
            if self.surface == "auto" and not self.use_invocations:
                self.memory.remember(self.host.name, target.surface)
            return True
        if not last and target.surface == GATEWAY and _gateway_absent(response):
            self.memory.remember(self.host.name, SERVING)
            return False
        raise self.error(response)


def merged_headers(options: CallOptions, base: dict[str, str]) -> dict[str, str]:
    """``base`` with ``options.extra_headers`` on top (names lower-cased).

    Raises ``InvalidRequestError`` for ``Authorization`` or ``Host`` (brickgate sets those) and
    for an empty name or a control character; a header value is never echoed.
    """
    if not options.extra_headers:
        return base
    headers = dict(base)
    for name, value in options.extra_headers.items():
        key = name.lower()
        if key in _FORBIDDEN_HEADERS:
            raise InvalidRequestError(
                f"the {name!r} header cannot be set per call: brickgate sets it from the "
                "workspace host and credentials"
            )
        if not name or not _printable(name) or not _printable(value):
            raise InvalidRequestError(
                f"the extra header {name!r} has an empty name or a control character in its "
                "name or value"
            )
        headers[key] = value
    return headers


def _printable(text: str) -> bool:
    return isinstance(text, str) and all(" " <= char <= "~" or char == "\t" for char in text)


def _gateway_absent(response: httpx.Response) -> bool:
    """True when the answer says the AI Gateway surface is not there (501, ENDPOINT_NOT_FOUND)."""
    return response.status_code == 501 or _GATEWAY_ABSENT_MARKER in response.content


def _chat_body(request: ChatRequest, *, stream: bool, with_model: bool) -> dict[str, Any]:
    """The wire body, built in one copy: ``model`` first when asked, ``stream`` set or removed."""
    body: dict[str, Any] = {"model": request.model} if with_model else {}
    body.update(request.body)
    if with_model:
        body["model"] = request.model
    else:
        body.pop("model", None)
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    return body
