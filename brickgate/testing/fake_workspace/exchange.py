"""The request and reply values FakeWorkspace's HTTP layer and router exchange."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

SERVING_PREFIX = "/serving-endpoints/"
API_ENDPOINTS = "/api/2.0/serving-endpoints"


def dumps(value: Any) -> bytes:
    """Return compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass
class Incoming:
    """One parsed HTTP request as the router sees it (``headers`` have lower-case names)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    body_size: int
    json: Any = None
    too_large: bool = False
    model: str | None = None


@dataclass
class Reply:
    """An answer to send: a plain body, or SSE ``events`` sent with chunked encoding."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    events: list[bytes] | None = None
    wire: bytes | None = field(default=None, repr=False)


def model_of(path: str, json_body: Any) -> str | None:
    """Return the endpoint a request is about: ``model`` in the body, else the name in the path."""
    if isinstance(json_body, dict) and isinstance(json_body.get("model"), str):
        return str(json_body["model"])
    if path.startswith(SERVING_PREFIX) and path.endswith("/invocations"):
        return path[len(SERVING_PREFIX) : -len("/invocations")] or None
    if path.startswith(API_ENDPOINTS + "/"):
        return path[len(API_ENDPOINTS) + 1 :] or None
    return None


def error_reply(
    status: int, code: str, message: str, extra: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """Return a Databricks-shaped error answer with a fresh request id."""
    request_id = str(uuid.uuid4())
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.RequestInfo",
            "request_id": request_id,
            "serving_data": "",
        }
    ]
    body = dumps({"error_code": code, "message": message, "details": details})
    return Reply(status, body, headers=(("x-request-id", request_id), *extra))
