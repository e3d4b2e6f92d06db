"""Calls: every workspace operation as pure data — how to build its request, how to read its answer.

A transport (the one workspace port) sends a ``Call`` and returns what ``call.decode`` makes of
the answer, or opens a ``StreamCall`` and yields what its ``EventReader`` makes of the body.
Nothing here does I/O; the transport supplies the host, the pool, timeouts and authentication.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from brickgate.domain.credentials import Secret
from brickgate.domain.errors import BrickgateError

T = TypeVar("T")
E = TypeVar("E")

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
EVENT_STREAM = "text/event-stream"

__all__ = [
    "EVENT_STREAM",
    "FORM_TYPE",
    "JSON_TYPE",
    "Answer",
    "BasicAuth",
    "BearerAuth",
    "Call",
    "EventReader",
    "Retry",
    "StreamCall",
    "WireRequest",
]


@dataclass(frozen=True, slots=True)
class BearerAuth:
    """``Authorization: Bearer <token>``; the token stays a ``Secret`` until the wire."""

    token: Secret


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """``Authorization: Basic base64(user:password)`` (OAuth client credentials)."""

    user: str
    password: Secret


WireAuth = BearerAuth | BasicAuth


class Retry:
    """How safe a call is to send again after a failure.

    ``ALWAYS``: repeating it has no effect the caller would mind (reads, chat completions).
    ``UNSTARTED``: only when the server cannot have started it (the connection was never made,
    429, 503). ``NEVER``: not at all.
    """

    ALWAYS = "always"
    UNSTARTED = "unstarted"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One HTTP request to the workspace host, relative to its root.

    ``path`` is a tuple of segments, each sent percent-encoded as exactly one segment (so no
    value can change the path). ``content`` is the encoded body (``content_type`` says which
    encoding), ``headers`` the caller's extra headers (already checked), ``timeout`` the
    caller's per-call timeout (``None``: the transport's default). ``auth`` is set only by
    calls that carry their own credentials (the OAuth token request); otherwise the auth
    policy attaches the workspace token.
    """

    method: str
    path: tuple[str, ...]
    content: bytes | None = None
    content_type: str | None = None
    accept: str = JSON_TYPE
    headers: Mapping[str, str] | None = None
    query: tuple[tuple[str, str], ...] = ()
    timeout: float | None = None
    auth: WireAuth | None = None

    def authorized(self, auth: WireAuth) -> WireRequest:
        """This request with ``auth`` attached."""
        return WireRequest(
            self.method,
            self.path,
            self.content,
            self.content_type,
            self.accept,
            self.headers,
            self.query,
            self.timeout,
            auth,
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back: status, headers (lower-case names) and the whole body.

    ``received_at`` is the wall-clock time (seconds since the epoch) it arrived, for reading
    ``Retry-After`` dates.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    received_at: float = 0.0

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300


class EventReader(Protocol[E]):
    """Turns the bytes of a streamed body into events, incrementally.

    ``feed`` returns the events completed by a piece (pieces may be split anywhere).
    ``finish`` returns what is left at end of input. A failure is kept in ``error`` (raise it
    after handing on the events returned with it, so nothing that arrived is lost); ``done``
    is set by the protocol's end marker, after which input is ignored. ``finish`` sets
    ``error`` when the end marker never came. A transport counts a ``feed`` that returns
    events as progress (it restarts the stream's idle timeout); bytes that complete no event
    (SSE comments, keep-alives) do not, and count towards the one-event size limit.
    """

    @property
    def done(self) -> bool: ...

    @property
    def error(self) -> BrickgateError | None: ...

    def feed(self, piece: bytes) -> list[E]: ...

    def finish(self) -> list[E]: ...


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """A request and how to read its answer.

    ``decode`` reads a 2xx answer (raising ``TransportError`` for a body it cannot use);
    ``fail`` turns any other answer (body read in full) into the brickgate error to raise.
    ``retry`` says when sending it again is safe; ``max_retries`` overrides the client's
    default for this call. ``name`` names the operation in errors and logs (``"the chat
    request"``), ``operation`` is its short id (``"chat"``), which fakes and metrics key on.
    """

    name: str
    request: WireRequest
    decode: Callable[[Answer], T]
    fail: Callable[[Answer], BrickgateError]
    retry: str = Retry.ALWAYS
    max_retries: int | None = None
    operation: str = ""

    def with_request(self, request: WireRequest) -> Call[T]:
        """This call sending ``request`` instead."""
        return replace(self, request=request)

    def authorized(self, auth: WireAuth) -> Call[T]:
        """This call with ``auth`` attached to its request."""
        return Call(
            self.name,
            self.request.authorized(auth),
            self.decode,
            self.fail,
            self.retry,
            self.max_retries,
            self.operation,
        )


@dataclass(frozen=True, slots=True)
class StreamCall(Generic[E]):
    """A request whose 2xx body is a stream of events read by a fresh ``reader()``.

    ``fail`` turns a non-2xx answer into the error to raise. Only the opening is ever retried:
    once an event has been handed on, a failure is final.
    """

    name: str
    request: WireRequest
    reader: Callable[[], EventReader[E]]
    fail: Callable[[Answer], BrickgateError]
    retry: str = Retry.ALWAYS
    max_retries: int | None = None
    operation: str = ""

    def with_request(self, request: WireRequest) -> StreamCall[E]:
        """This call sending ``request`` instead."""
        return replace(self, request=request)

    def authorized(self, auth: WireAuth) -> StreamCall[E]:
        """This call with ``auth`` attached to its request."""
        return StreamCall(
            self.name,
            self.request.authorized(auth),
            self.reader,
            self.fail,
            self.retry,
            self.max_retries,
            self.operation,
        )
