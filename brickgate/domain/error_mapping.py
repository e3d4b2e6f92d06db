"""Error answers to brickgate errors: body parsing, code/status mapping and Retry-After."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

_MESSAGE_CHARS = 1000

_CODES: dict[type[ApiError], str] = {
    NotFoundError: "RESOURCE_DOES_NOT_EXIST NOT_FOUND ENDPOINT_NOT_FOUND NOT_FOUND_ERROR",
    RateLimitError: "REQUEST_LIMIT_EXCEEDED RESOURCE_EXHAUSTED TOO_MANY_REQUESTS "
    "RATE_LIMIT_EXCEEDED RATE_LIMIT_ERROR",
    PermissionDeniedError: "PERMISSION_DENIED FORBIDDEN PERMISSION_ERROR",
    AuthenticationError: "UNAUTHENTICATED UNAUTHORIZED AUTHENTICATION_ERROR INVALID_API_KEY "
    "INVALID_CLIENT INVALID_TOKEN",
    BadRequestError: "INVALID_PARAMETER_VALUE BAD_REQUEST INVALID_REQUEST MALFORMED_REQUEST "
    "INVALID_STATE INVALID_REQUEST_ERROR INVALID_GRANT INVALID_SCOPE",
    ConflictError: "ALREADY_EXISTS RESOURCE_ALREADY_EXISTS RESOURCE_CONFLICT ABORTED",
    ServerError: "INTERNAL_ERROR TEMPORARILY_UNAVAILABLE DEADLINE_EXCEEDED UNAVAILABLE "
    "SERVICE_UNAVAILABLE NOT_IMPLEMENTED UNKNOWN DATA_LOSS SERVER_ERROR API_ERROR "
    "OVERLOADED_ERROR",
}
_BY_CODE: dict[str, type[ApiError]] = {
    code: cls for cls, codes in _CODES.items() for code in codes.split()
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}

_STATUS_OF: dict[type[ApiError], int] = {
    BadRequestError: 400,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    RateLimitError: 429,
    ServerError: 500,
}

_CODE_LINE = re.compile(r"([A-Z][A-Z0-9_]{2,}):\s*(.+)", re.DOTALL)
_LOOSE_CODE = re.compile(r'"error_code"\s*:\s*"([A-Za-z0-9_]+)"')
_LOOSE_MESSAGE = re.compile(r'"message"\s*:\s*"(.*)"\s*}\s*$', re.DOTALL)
_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.DOTALL | re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SECRETS = (
    (re.compile(r"dapi[0-9A-Za-z\-]{32,}"), "[REDACTED_PAT]"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), r"\1[REDACTED]"),
    (
        re.compile(
            r"(?i)((?:client_secret|access_token|api[_-]?key)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;]+"
        ),
        r"\1[REDACTED]",
    ),
)


def error_class(error_code: str | None, status: int) -> type[ApiError]:
    """The ``ApiError`` subclass for a Databricks ``error_code`` first, the HTTP status second."""
    if error_code:
        mapped = _BY_CODE.get(error_code.upper())
        if mapped is not None:
            return mapped
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: seconds or an HTTP date.

    ``now`` is the wall-clock time (epoch seconds) dates are measured from. A time in the past
    gives ``0.0``; a missing or unreadable value gives ``None``.
    """
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = moment.timestamp() - now if moment.tzinfo else _naive_utc(moment) - now
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _naive_utc(moment: datetime) -> float:
    return float(moment.replace(tzinfo=timezone.utc).timestamp())


def retry_after_from_headers(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (preferred) or ``retry-after``; ``None`` if absent.

    ``headers`` is a case-insensitive mapping (``httpx.Headers``) or a dict with lower-case keys.
    """
    millis = headers.get("retry-after-ms")
    if millis:
        seconds = parse_retry_after(millis, now=now)
        if seconds is not None:
            return seconds / 1000.0
    return parse_retry_after(headers.get("retry-after"), now=now)


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, now: float
) -> ApiError:
    """The ``ApiError`` subclass for an error answer, with a message a person can read.

    The body may be Databricks JSON (``error_code``/``message``/``details``), an OpenAI-style
    ``{"error": ...}`` envelope, ``CODE: message`` text, an HTML page or empty. ``headers`` is a
    case-insensitive mapping. ``now`` (epoch seconds) dates ``Retry-After``. Never raises.
    """
    code, message, request_id = _read_body(body.decode("utf-8", errors="replace").strip())
    if not message:
        message = _reason_phrase(status)
    request_id = request_id or headers.get("x-request-id") or headers.get("x-databricks-request-id")
    return _build(status, code, message, request_id, headers, now)


def error_from_stream_payload(data: Mapping[str, Any]) -> ApiError | None:
    """The ``ApiError`` an in-stream ``data:`` payload reports, or ``None`` for a normal chunk.

    A payload with ``error_code``, ``error`` or ``message`` and no ``choices`` is an error. The
    HTTP status was 200, so ``status`` is the one the error code stands for (429 for
    ``REQUEST_LIMIT_EXCEEDED``...), a numeric ``status_code``/``status`` in the payload if any,
    else 500 (``ServerError``).
    """
    if "choices" in data or not ("error_code" in data or "error" in data or "message" in data):
        return None
    code, message, request_id = _read_json(data)
    declared = data.get("status_code", data.get("status"))
    cls = error_class(code, declared if isinstance(declared, int) else 500)
    status = declared if isinstance(declared, int) else _STATUS_OF.get(cls, 500)
    return _build(status, code, message or "the stream reported an error", request_id, {}, 0.0)


def _build(
    status: int,
    code: str | None,
    message: str,
    request_id: str | None,
    headers: Mapping[str, str],
    now: float,
) -> ApiError:
    return error_class(code, status)(
        _clean(message),
        status=status,
        error_code=code,
        request_id=request_id,
        retry_after=retry_after_from_headers(headers, now=now) if headers else None,
    )


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP error {status} with an empty body"


def _clean(message: str) -> str:
    for pattern, replacement in _SECRETS:
        message = pattern.sub(replacement, message)
    message = message.strip()
    if len(message) > _MESSAGE_CHARS:
        return f"{message[:_MESSAGE_CHARS]}... ({len(message)} chars)"
    return message


def _read_body(text: str) -> tuple[str | None, str, str | None]:
    if not text:
        return None, "", None
    if text[0] in "{[":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return _read_loose_json(text)
        if isinstance(data, dict):
            return _read_json(data)
        return None, text, None
    if text[0] == "<":
        return None, _read_html(text), None
    match = _CODE_LINE.fullmatch(text)
    if match:
        return match.group(1), _unwrap(match.group(2)), None
    return None, text, None


def _read_json(data: Mapping[str, Any]) -> tuple[str | None, str, str | None]:
    code = _text(data.get("error_code")) or _text(data.get("errorCode"))
    message = _text(data.get("message")) or _text(data.get("errorSummary"))
    error = data.get("error")
    if isinstance(error, Mapping):
        message = message or _text(error.get("message"))
        code = code or _text(error.get("code")) or _text(error.get("type"))
    elif isinstance(error, str):
        description = _text(data.get("error_description"))
        if description:
            code = code or error
            message = message or description
        else:
            message = message or error
    if not message:
        message = _text(data.get("detail")) or _text(data.get("error_description")) or ""
    if not message and not code:
        message = f"unrecognised error body: {json.dumps(data)[:_MESSAGE_CHARS]}"
    return code, _unwrap(message), _request_id(data)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _request_id(data: Mapping[str, Any]) -> str | None:
    details = data.get("details")
    if isinstance(details, list):
        for item in details:
            if (
                isinstance(item, Mapping)
                and str(item.get("@type", "")).endswith("google.rpc.RequestInfo")
                and _text(item.get("request_id"))
            ):
                return str(item["request_id"])
    return _text(data.get("request_id"))


def _read_loose_json(text: str) -> tuple[str | None, str, str | None]:
    code = _LOOSE_CODE.search(text)
    message = _LOOSE_MESSAGE.search(text)
    if message:
        return code.group(1) if code else None, _unwrap(message.group(1)), None
    return (code.group(1) if code else None), text, None


def _unwrap(message: str, depth: int = 3) -> str:
    """The inner message when ``message`` is itself a JSON error body from the upstream provider."""
    stripped = message.strip()
    if depth and stripped.startswith("{"):
        try:
            inner = json.loads(stripped)
        except (ValueError, RecursionError):
            return message
        if isinstance(inner, Mapping):
            found = _text(inner.get("message"))
            error = inner.get("error")
            if found is None and isinstance(error, Mapping):
                found = _text(error.get("message"))
            if found is None and isinstance(error, str):
                found = _text(error)
            if found is not None:
                return _unwrap(found, depth - 1)
    return message


def _read_html(text: str) -> str:
    import html

    for pattern in (_PRE, _TITLE):
        match = pattern.search(text)
        if match:
            inner = html.unescape(_TAG.sub(" ", match.group(1)))
            readable = " ".join(inner.split())
            if readable:
                return readable
    return ""
