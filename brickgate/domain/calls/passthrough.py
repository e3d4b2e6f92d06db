"""Raw pass-through calls: a protocol-native body sent as is, the native answer handed back.

For the local gateway: no re-encoding either way. The transport still applies auth, the host
check and retries; this module checks the method, the path (only model-serving roots, every
segment a plain name) and the headers before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from brickgate.domain.calls import (
    EVENT_STREAM,
    JSON_TYPE,
    Answer,
    Call,
    Retry,
    StreamCall,
    WireRequest,
)
from brickgate.domain.calls.answers import api_error
from brickgate.domain.calls.headers import checked_headers
from brickgate.domain.calls.routes import GATEWAY_ROUTES
from brickgate.domain.errors import ApiError, BrickgateError, InvalidRequestError
from brickgate.domain.hosts import WorkspaceHost

__all__ = ["RawReader", "passthrough_call", "passthrough_error", "passthrough_stream_call"]

METHODS = ("GET", "POST")
_ROOTS = ("serving-endpoints", "ai-gateway")
_DROPPED_ANSWER_HEADERS = frozenset({"set-cookie"})


class RawReader:
    """An ``EventReader[bytes]`` that hands every non-empty piece on unchanged.

    There is no end marker to wait for: ``done`` stays false and the end of input is a normal
    end (``error`` stays ``None``).
    """

    __slots__ = ()

    @property
    def done(self) -> bool:
        """Always false: the stream ends when its input does."""
        return False

    @property
    def error(self) -> BrickgateError | None:
        """Always ``None``: bytes are not interpreted."""
        return None

    def feed(self, piece: bytes) -> list[bytes]:
        """``[piece]``, or nothing for an empty piece."""
        return [piece] if piece else []

    def finish(self) -> list[bytes]:
        """Nothing: every byte was handed on by ``feed``."""
        return []


def passthrough_error(answer: Answer) -> ApiError:
    """The mapped error for a refused pass-through, carrying the answer in ``native_answer``."""
    error = api_error(answer)
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in _DROPPED_ANSWER_HEADERS}
    error.native_answer = Answer(answer.status, headers, answer.body, answer.received_at)
    return error


def _checked_path(host: WorkspaceHost | None, segments: Sequence[str]) -> tuple[str, ...]:
    path = tuple(segments)
    roots = GATEWAY_ROUTES if host is not None and host.is_ai_gateway else _ROOTS
    if not path or path[0] not in roots:
        raise InvalidRequestError(
            f"a pass-through path must start with one of {', '.join(roots)}; nothing was sent"
        )
    for segment in path:
        if (
            not isinstance(segment, str)
            or not segment
            or segment in (".", "..")
            or "/" in segment
            or "\\" in segment
            or any(char < " " or char == "\x7f" for char in segment)
        ):
            raise InvalidRequestError(
                "a pass-through path segment is empty, '.', '..', or has a slash or control "
                "character; nothing was sent"
            )
    return path


def _request(
    method: str,
    path_segments: Sequence[str],
    body: bytes | None,
    headers: Mapping[str, str] | None,
    *,
    host: WorkspaceHost | None,
    stream: bool,
    timeout: float | None,
) -> WireRequest:
    if method not in METHODS:
        raise InvalidRequestError(f"pass-through supports {' and '.join(METHODS)}, not {method!r}")
    checked = checked_headers(headers) or {}
    content_type = checked.pop("content-type", JSON_TYPE if body is not None else None)
    accept = checked.pop("accept", EVENT_STREAM if stream else JSON_TYPE)
    return WireRequest(
        method,
        _checked_path(host, path_segments),
        content=body,
        content_type=content_type if body is not None else None,
        accept=accept,
        headers=checked or None,
        timeout=timeout,
    )


def passthrough_call(
    method: str,
    path_segments: Sequence[str],
    body: bytes | None,
    headers: Mapping[str, str] | None = None,
    *,
    host: WorkspaceHost | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    retry: str = Retry.ALWAYS,
) -> Call[Answer]:
    """Send ``body`` unchanged to ``path_segments``; the 2xx ``Answer`` comes back as received.

    A refusal raises the mapped ``ApiError`` with ``native_answer`` set. ``host`` (when given)
    decides the allowed path roots: ``serving-endpoints``/``ai-gateway`` on a workspace,
    the gateway routes on a dedicated gateway host. Raises ``InvalidRequestError`` (nothing
    sent) for another method, an unsafe path or a forbidden header (``Authorization``...).
    """
    request = _request(
        method, path_segments, body, headers, host=host, stream=False, timeout=timeout
    )
    return Call(
        "the pass-through request",
        request,
        lambda answer: answer,
        passthrough_error,
        retry=retry,
        max_retries=max_retries,
        operation="passthrough",
    )


def passthrough_stream_call(
    method: str,
    path_segments: Sequence[str],
    body: bytes | None,
    headers: Mapping[str, str] | None = None,
    *,
    host: WorkspaceHost | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    retry: str = Retry.ALWAYS,
) -> StreamCall[bytes]:
    """As ``passthrough_call``, for a streamed answer: its body bytes, pieces unchanged."""
    request = _request(
        method, path_segments, body, headers, host=host, stream=True, timeout=timeout
    )
    return StreamCall(
        "the pass-through stream",
        request,
        RawReader,
        passthrough_error,
        retry=retry,
        max_retries=max_retries,
        operation="passthrough-stream",
    )
