"""Reading answers: the error for a refused request, the JSON object of an accepted one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from brickgate.domain.calls import JSON_TYPE, Answer
from brickgate.domain.codec import excerpt
from brickgate.domain.error_mapping import error_from_response
from brickgate.domain.errors import ApiError, TransportError


def api_error(answer: Answer) -> ApiError:
    """The brickgate error for a non-2xx ``answer`` (a redirect is refused, never followed)."""
    status = answer.status
    if 300 <= status < 400:
        location = urlsplit(answer.headers.get("location", ""))
        where = f" to {location.scheme}://{location.hostname}" if location.hostname else ""
        return ApiError(
            f"the workspace answered with a redirect{where}; brickgate never follows "
            "redirects, so the token cannot leave the workspace host. Check that the host "
            "is the workspace itself (not a login page, proxy or old URL)",
            status=status,
        )
    return error_from_response(status, answer.headers, answer.body, now=answer.received_at)


def json_object(answer: Answer) -> Mapping[str, Any]:
    """The JSON object in a 2xx ``answer``; ``TransportError`` when it is not one."""
    try:
        data = json.loads(answer.body)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise TransportError(
            f"the workspace answered HTTP {answer.status} with a body that is not a JSON "
            f"object (starts: {excerpt(answer.body[:200].decode('utf-8', 'replace'))}); "
            "check the host is a Databricks workspace and not a proxy or login page"
        )
    return data


def encode_json(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as sent on the wire."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def json_answer(body: Mapping[str, Any], status: int = 200) -> Answer:
    """An ``Answer`` carrying ``body`` as JSON (for fakes and tests)."""
    return Answer(status, {"content-type": JSON_TYPE}, encode_json(body))
