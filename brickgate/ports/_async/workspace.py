"""The workspace port: the one seam through which every call reaches a Databricks workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, TypeVar

from brickgate.domain.calls import Call, StreamCall

T = TypeVar("T")
E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)


class AsyncEventStream(Protocol[E_co]):
    """An open streamed answer: iterate for its events, then (or early) close it.

    Iteration ends normally only after the protocol's end marker. A stream that ends without
    it, or carries malformed or error data, raises ``StreamError`` (or the mapped ``ApiError``)
    after every event that arrived before the failure. Closing is idempotent and releases the
    connection; iterating to the end closes it too.
    """

    def __aiter__(self) -> AsyncIterator[E_co]: ...

    async def aclose(self) -> None: ...


class AsyncWorkspaceTransport(Protocol):
    """Sends calls to one workspace: the narrow seam every operation goes through.

    ``send(call)`` sends ``call.request`` and returns ``call.decode(answer)`` for a 2xx answer;
    any other answer (body read in full) raises ``call.fail(answer)``. ``open(call)`` sends a
    stream call and returns the open event stream once a 2xx status arrived (an error status
    raises from ``open`` itself). Both raise only brickgate errors: ``TransportError`` (and its
    ``TimeoutError``, ``ConnectError``) when no usable answer came. Path segments are sent
    percent-encoded one by one, never able to change the path or the host. Policies (auth,
    retry, the batch gate) implement this same port around an inner transport.
    ``aclose()`` releases what the transport owns; it is idempotent.
    """

    async def send(self, call: Call[T]) -> T:
        """Send ``call``; return what it decodes from the answer."""
        ...

    async def open(self, call: StreamCall[E]) -> AsyncEventStream[E]:
        """Send ``call``; return its open event stream (status already checked)."""
        ...

    async def aclose(self) -> None:
        """Release pooled connections and anything else this transport owns; idempotent."""
        ...
