"""Scripted faults for FakeWorkspace: what can go wrong, and the queue that hands faults out."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from brickgate.domain.errors import ConfigurationError

_DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Bad request: FakeWorkspace was scripted to reject this request."),
    401: (
        "UNAUTHENTICATED",
        "Credential was not sent or was of an unsupported type for this API.",
    ),
    403: ("PERMISSION_DENIED", "User does not have permission 'Query' on Endpoint {model}."),
    404: ("RESOURCE_DOES_NOT_EXIST", "Endpoint with name '{model}' does not exist."),
    408: ("REQUEST_TIMEOUT", "The request timed out before the model answered. Retry it."),
    409: ("RESOURCE_CONFLICT", "Endpoint {model} is being updated. Retry when it is ready."),
    429: (
        "REQUEST_LIMIT_EXCEEDED",
        "Exceeded workspace QPS rate limit for {model}. Please use a provisioned throughput "
        "Foundation Model APIs endpoint for a higher rate limit.",
    ),
    500: ("INTERNAL_ERROR", "The model server failed to process the request. Retry later."),
    501: ("NOT_IMPLEMENTED", "This API is not implemented in this workspace."),
    502: ("BAD_GATEWAY", "The upstream model provider returned an invalid response."),
    503: ("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable. Retry later."),
    504: ("DEADLINE_EXCEEDED", "The model did not answer in time. Retry with a smaller request."),
}


def default_error(status: int, model: str | None) -> tuple[str, str]:
    """Return the Databricks ``(error_code, message)`` a workspace sends with ``status``."""
    code, message = _DEFAULT_ERRORS.get(
        status,
        ("INTERNAL_ERROR", "Unexpected server error.")
        if status >= 500
        else ("BAD_REQUEST", "The request was rejected."),
    )
    return code, message.format(model=model or "unknown")


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour of the fake workspace for one request.

    ``status`` answers with that HTTP error (``body`` overrides the Databricks error body; a ``str``
    is sent as text). ``retry_after`` is sent as the ``Retry-After`` header. The other fields change
    how an otherwise normal answer travels: a pause before the headers, a socket reset before or
    after the headers, an SSE stream cut after N chunks (no ``[DONE]``), a garbage ``data:`` line
    after N chunks, a 200 body that is not JSON, or a body larger than ``huge_body_bytes`` (a
    chat answer with that much text, any other JSON answer padded with a ``fake_padding`` field).
    ``cut_after_chunks`` ends an SSE body cleanly without ``[DONE]`` and closes the connection
    (a plain body is cut in half); with ``reset_after_headers`` the cut is a TCP reset instead.
    ``overloaded_after`` ends a stream after that many events with the provider's in-stream
    overloaded error (Anthropic ``overloaded_error``, a Responses ``error`` event, or an
    ``{"error": ...}`` chunk on Chat Completions).

    Raises ``ConfigurationError`` when a value is out of range.
    """

    status: int | None = None
    body: dict[str, Any] | str | None = None
    retry_after: str | None = None
    delay_before_headers: float = 0.0
    cut_after_chunks: int | None = None
    malformed_sse_after: int | None = None
    invalid_json: bool = False
    reset_before_headers: bool = False
    reset_after_headers: bool = False
    huge_body_bytes: int | None = None
    overloaded_after: int | None = None

    def __post_init__(self) -> None:
        if self.status is not None and not 200 <= self.status <= 599:
            raise ConfigurationError(
                f"Fault.status must be an HTTP status 200-599, not {self.status}"
            )
        if self.delay_before_headers < 0:
            raise ConfigurationError("Fault.delay_before_headers must be >= 0 seconds")
        for name in (
            "cut_after_chunks",
            "malformed_sse_after",
            "huge_body_bytes",
            "overloaded_after",
        ):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigurationError(f"Fault.{name} must be >= 0, not {value}")
        if self.retry_after is not None and any(c in self.retry_after for c in "\r\n"):
            raise ConfigurationError("Fault.retry_after must be a single header line")

    @property
    def changes_wire(self) -> bool:
        """True when the answer must be sent slowly or broken, not written in one go."""
        return bool(
            self.delay_before_headers
            or self.reset_before_headers
            or self.reset_after_headers
            or self.cut_after_chunks is not None
            or self.malformed_sse_after is not None
        )


@dataclass
class _Scripted:
    fault: Fault
    remaining: int | None
    path: str | None
    model: str | None

    def matches(self, path: str, model: str | None) -> bool:
        if self.path is not None and not fnmatchcase(path, self.path):
            return False
        return self.model is None or self.model == model


class FaultQueue:
    """Scripted faults, handed out in the order they were added; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[_Scripted] = []

    def add(self, fault: Fault, times: int | None, path: str | None, model: str | None) -> None:
        """Queue ``fault`` for the next ``times`` matching requests (``None``: every one).

        ``path`` is an exact path or a glob (``/serving-endpoints/*``). Raises
        ``ConfigurationError`` when ``times`` is below 1.
        """
        if times is not None and times < 1:
            raise ConfigurationError(f"times must be >= 1 (or None for always), not {times}")
        with self._lock:
            self._items.append(_Scripted(fault, times, path, model))

    def take(self, path: str, model: str | None) -> Fault | None:
        """Return the first queued fault matching this request, using one of its ``times``."""
        if not self._items:
            return None
        with self._lock:
            for index, item in enumerate(self._items):
                if item.matches(path, model):
                    if item.remaining is not None:
                        item.remaining -= 1
                        if item.remaining == 0:
                            del self._items[index]
                    return item.fault
        return None

    def pending(self) -> int:
        """Return how many scripted entries still wait for a request."""
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        """Forget every scripted fault."""
        with self._lock:
            self._items.clear()
