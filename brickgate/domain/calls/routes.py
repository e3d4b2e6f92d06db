"""Where protocol calls go (serving-endpoints and AI Gateway routes) and how their request is built.

AI Gateway routes (reference §8) live under ``/ai-gateway/<route>/...`` on the workspace host,
or directly under ``/<route>/...`` on a dedicated ``<id>.ai-gateway.cloud.databricks.com`` host.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brickgate.domain.calls import EVENT_STREAM, JSON_TYPE, WireRequest
from brickgate.domain.calls.answers import encode_json
from brickgate.domain.calls.headers import checked_headers, tags_header
from brickgate.domain.chat import CallOptions
from brickgate.domain.hosts import WorkspaceHost

GATEWAY_ROUTES = ("mlflow", "openai", "codex", "anthropic", "gemini")


def gateway_path(host: WorkspaceHost, route: str, *tail: str) -> tuple[str, ...]:
    """The path of ``tail`` under the AI Gateway ``route`` for ``host``'s form of base URL."""
    root = (route,) if host.is_ai_gateway else ("ai-gateway", route)
    return (*root, *tail)


def model_request(
    path: tuple[str, ...],
    body: Mapping[str, Any],
    options: CallOptions,
    *,
    stream: bool,
    tags: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> WireRequest:
    """A POST of ``body`` as JSON to ``path``.

    Headers: ``defaults`` (protocol headers such as ``anthropic-version``), then the request
    tags, then the caller's ``options.extra_headers`` (checked; they win). Raises
    ``InvalidRequestError`` for a forbidden extra header or malformed tags.
    """
    headers: dict[str, str] = dict(defaults or {})
    headers.update(tags_header(tags))
    headers.update(checked_headers(options.extra_headers) or {})
    return WireRequest(
        "POST",
        path,
        content=encode_json(body),
        content_type=JSON_TYPE,
        accept=EVENT_STREAM if stream else JSON_TYPE,
        headers=headers or None,
        timeout=options.timeout,
    )
