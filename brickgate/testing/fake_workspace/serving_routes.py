"""FakeWorkspace's serving routes: chat completions, embeddings and invocations, both surfaces."""

from __future__ import annotations

import hashlib
from typing import Any

from brickgate.testing.fake_workspace.catalog import EndpointSpec, find_endpoint
from brickgate.testing.fake_workspace.exchange import Incoming, Reply, error_reply
from brickgate.testing.fake_workspace.protocol_requests import has_cache_control
from brickgate.testing.fake_workspace.protocol_routes import (
    ProtocolDesk,
    cache_use,
    chat_cache,
    responses_only_refusal,
)
from brickgate.testing.fake_workspace.render import (
    completion_body,
    embeddings_reply,
    stream_events,
)
from brickgate.testing.fake_workspace.replies import chat_problem, plan_chat

MAX_STREAM_CHUNKS = 200_000


class ServingDesk:
    """Answers chat completions, embeddings and invocations on ``/serving-endpoints/...`` and the
    AI Gateway's ``/ai-gateway/mlflow/v1/...``; ``desk`` says which protocols a model serves."""

    def __init__(self, desk: ProtocolDesk, ai_gateway: bool, stream_chunks: int | None) -> None:
        self.desk = desk
        self.ai_gateway = ai_gateway
        self.stream_chunks = stream_chunks

    def gateway(self, req: Incoming, rest: str, huge: int | None) -> Reply:
        """A ``POST`` under the AI Gateway's MLflow root (``rest`` is the path after it)."""
        if not self.ai_gateway:
            return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")
        body = req.json
        if isinstance(body, dict):
            tools: list[Any] = body["tools"] if isinstance(body.get("tools"), list) else []
            strict = any(
                isinstance(t, dict) and "strict" in (t.get("function") or {}) for t in tools
            )
            if "store" in body or strict:
                field_name = "store" if "store" in body else "tools[].function.strict"
                return error_reply(
                    400, "BAD_REQUEST", f'Bad request: json: unknown field "{field_name}"'
                )
        if rest == "chat/completions":
            return self.chat(req, None, huge)
        if rest == "embeddings":
            return self.embeddings(req, None)
        return error_reply(404, "ENDPOINT_NOT_FOUND", "Invalid path")

    def invocations(self, req: Incoming, name: str, huge: int | None) -> Reply:
        """``POST /serving-endpoints/<name>/invocations``: chat or embeddings by the endpoint."""
        spec = find_endpoint(name)
        if spec is not None and spec.is_embedding:
            return self.embeddings(req, name)
        return self.chat(req, name, huge)

    def chat(self, req: Incoming, name: str | None, huge: int | None) -> Reply:
        """A chat completion (streamed when asked) from endpoint ``name`` or the body's model."""
        resolved = resolve_endpoint(req, name)
        if isinstance(resolved, Reply):
            return resolved
        spec, body = resolved
        if spec.is_embedding:
            return error_reply(
                400,
                "BAD_REQUEST",
                f"Bad request: endpoint '{spec.name}' serves llm/v1/embeddings; "
                'send {"input": [...]} to it, not chat messages.',
            )
        if "chat" not in self.desk.protocols(spec):
            return responses_only_refusal(spec.name)
        if "input" in body and "messages" not in body:
            return error_reply(400, "BAD_REQUEST", 'Bad request: json: unknown field "input"')
        problem = chat_problem(spec, body)
        if problem is not None:
            return error_reply(400, "BAD_REQUEST", problem)
        digest = hashlib.blake2b(req.path.encode() + req.body, digest_size=16).hexdigest()
        plan = plan_chat(spec, body, digest, huge)
        headers = (("served-model-name", spec.name), ("x-request-id", digest))
        cache = cache_use(body["messages"], spec.family == "claude" and has_cache_control(body))
        if body.get("stream") is True:
            events = stream_events(spec, plan, self._chunks(req, body))
            reply = Reply(200, content_type="text/event-stream", headers=headers, events=events)
        else:
            reply = Reply(200, completion_body(spec, plan), headers=headers)
        return chat_cache(reply, cache)

    def _chunks(self, req: Incoming, body: dict[str, Any]) -> int | None:
        wanted: Any = body.get("fake_chunks", req.headers.get("x-fake-chunks", self.stream_chunks))
        try:
            count = int(wanted) if wanted is not None else None
        except (TypeError, ValueError):
            return self.stream_chunks
        return None if count is None else max(1, min(count, MAX_STREAM_CHUNKS))

    def embeddings(self, req: Incoming, name: str | None) -> Reply:
        """Embeddings from endpoint ``name`` or the body's model."""
        resolved = resolve_endpoint(req, name)
        if isinstance(resolved, Reply):
            return resolved
        spec, body = resolved
        return embeddings_reply(spec, body)


def resolve_endpoint(
    req: Incoming, name: str | None
) -> tuple[EndpointSpec, dict[str, Any]] | Reply:
    """The ready endpoint ``req`` is for (``name``, else its ``model``) and its JSON body, or the
    error reply the workspace would give."""
    body = req.json
    if not isinstance(body, dict):
        return error_reply(400, "BAD_REQUEST", "Bad request: the body must be a JSON object.")
    model = name or body.get("model")
    if not isinstance(model, str) or not model:
        return error_reply(
            400, "BAD_REQUEST", "Bad request: 'model' is required (the serving endpoint name)."
        )
    spec = find_endpoint(model)
    if spec is None:
        return no_endpoint(model)
    if not spec.ready:
        return error_reply(
            503,
            "TEMPORARILY_UNAVAILABLE",
            f"Endpoint '{spec.name}' is not ready (state NOT_READY). "
            "Wait until it is READY or use another endpoint.",
        )
    return spec, body


def no_endpoint(name: str) -> Reply:
    """The 404 for an endpoint that does not exist."""
    message = f"Endpoint with name '{name}' does not exist."
    return error_reply(404, "RESOURCE_DOES_NOT_EXIST", message)
