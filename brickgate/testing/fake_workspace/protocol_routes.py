"""FakeWorkspace's Responses and Messages routes, the per-model protocol switch, prompt caching.

Paths: ``/serving-endpoints/{responses,open-responses}``, ``/serving-endpoints/anthropic/v1/
messages`` and, with the AI Gateway on, ``/ai-gateway/{mlflow,openai,codex}/v1/responses``,
``/ai-gateway/anthropic/v1/messages`` and ``/ai-gateway/anthropic/v1/models``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from brickgate.testing.fake_workspace.catalog import ENDPOINTS, EndpointSpec
from brickgate.testing.fake_workspace.exchange import Incoming, Reply, dumps, error_reply
from brickgate.testing.fake_workspace.messages_render import (
    anthropic_error,
    messages_body,
    messages_events,
    overloaded_event,
)
from brickgate.testing.fake_workspace.protocol_requests import (
    Refusal,
    chat_from_messages,
    chat_from_responses,
    has_cache_control,
)
from brickgate.testing.fake_workspace.replies import ChatPlan, chat_problem, plan_chat, text_of
from brickgate.testing.fake_workspace.responses_render import (
    CacheUse,
    responses_body,
    responses_error_event,
    responses_events,
)

PROTOCOLS = ("chat", "responses", "messages")
RESPONSES_PATHS = frozenset(
    {
        "/serving-endpoints/responses",
        "/serving-endpoints/open-responses",
        "/ai-gateway/mlflow/v1/responses",
        "/ai-gateway/openai/v1/responses",
        "/ai-gateway/codex/v1/responses",
    }
)
MESSAGES_PATHS = frozenset(
    {"/serving-endpoints/anthropic/v1/messages", "/ai-gateway/anthropic/v1/messages"}
)
GATEWAY_CHAT_PATHS = frozenset(
    {"/ai-gateway/mlflow/v1/chat/completions", "/ai-gateway/openai/v1/chat/completions"}
)
PROTOCOL_PATHS = RESPONSES_PATHS | MESSAGES_PATHS | {"/ai-gateway/openai/v1/chat/completions"}
ANTHROPIC_MODELS_PATH = "/ai-gateway/anthropic/v1/models"
TAGS_HEADER = "databricks-ai-gateway-request-tags"

Resolve = Callable[[Incoming, str | None], tuple[EndpointSpec, dict[str, Any]] | Reply]


def default_protocols(spec: EndpointSpec) -> frozenset[str]:
    """What ``spec`` serves unless switched: codex Responses only, Claude all three, else
    Chat Completions and Responses; embedding endpoints none."""
    if spec.is_embedding:
        return frozenset()
    if "codex" in spec.name:
        return frozenset({"responses"})
    if spec.family == "claude":
        return frozenset(PROTOCOLS)
    return frozenset({"chat", "responses"})


def responses_only_refusal(name: str) -> Reply:
    """The 400 a Responses-only model answers a Chat Completions request with."""
    return error_reply(
        400,
        "BAD_REQUEST",
        f"Bad Request: Model {name} only supports the Responses API. Please use "
        "/serving-endpoints/responses instead.",
    )


def tags_problem(headers: Mapping[str, str]) -> str | None:
    """Why the request-tags header is malformed (a one-line JSON object of strings), or None."""
    raw = headers.get(TAGS_HEADER)
    if raw is None:
        return None
    try:
        tags = json.loads(raw)
    except ValueError:
        tags = None
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and "\n" not in v for k, v in tags.items()
    ):
        return "Bad request: Databricks-Ai-Gateway-Request-Tags must be a JSON object of strings."
    return None


def cache_use(messages: list[dict[str, Any]], cached: bool) -> CacheUse:
    """Prompt caching, decided from the request alone: the prefix (every message but the last)
    is written on a conversation's first turn and read on later turns, when ``cached``."""
    if not cached or len(messages) < 2:
        return CacheUse()
    prefix = sum(len(text_of(m.get("content")).split()) + 4 for m in messages[:-1])
    later_turn = any(m.get("role") in ("assistant", "tool") for m in messages)
    return CacheUse(read=prefix) if later_turn else CacheUse(created=prefix)


def with_overload(path: str, events: list[bytes], after: int) -> list[bytes]:
    """``events`` cut after ``after`` events and ended by the provider's overloaded error."""
    body = events[:-1] if events and events[-1].startswith(b"data: [DONE]") else events
    kept = body[: min(after, max(0, len(body) - 1))]
    if path in MESSAGES_PATHS:
        return [*kept, overloaded_event()]
    if path in RESPONSES_PATHS:
        return [*kept, responses_error_event("Overloaded")]
    error = {"error": {"type": "overloaded_error", "message": "Overloaded"}}
    return [*kept, b"data: " + dumps(error) + b"\n\n"]


def chat_cache(reply: Reply, cache: CacheUse) -> Reply:
    """A Chat Completions ``reply`` with Claude's cache counts added to its (last) usage."""
    if not (cache.read or cache.created):
        return reply
    fields = {"cache_read_input_tokens": cache.read, "cache_creation_input_tokens": cache.created}
    if reply.events is None:
        body = json.loads(reply.body)
        body["usage"] = {**body.get("usage", {}), **fields}
        return replace(reply, body=dumps(body))
    events = list(reply.events)
    last = len(events) - 2
    data = json.loads(events[last][len(b"data: ") :])
    data["usage"] = {**data.get("usage", {}), **fields}
    events[last] = b"data: " + dumps(data) + b"\n\n"
    return replace(reply, events=events)


class ProtocolDesk:
    """Answers Responses and Messages requests; ``switched`` overrides a model's protocols."""

    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve
        self.switched: dict[str, frozenset[str]] = {}

    def protocols(self, spec: EndpointSpec) -> frozenset[str]:
        """The protocols ``spec`` serves now."""
        return self.switched.get(spec.name, default_protocols(spec))

    def anthropic_models(self) -> Reply:
        """``GET /ai-gateway/anthropic/v1/models``: the endpoints that speak Messages."""
        data = [
            {"type": "model", "id": spec.name, "display_name": spec.served_model}
            for spec in ENDPOINTS
            if "messages" in self.protocols(spec)
        ]
        return Reply(200, dumps({"data": data, "has_more": False}))

    def answer(self, req: Incoming, huge: int | None) -> Reply:
        """The answer to a POST on a Responses or Messages path."""
        messages = req.path in MESSAGES_PATHS
        kind = "messages" if messages else "responses"
        resolved = self._resolve(req, None)
        if isinstance(resolved, Reply):
            return _anthropic_form(resolved) if messages else resolved
        spec, body = resolved
        fail = _failure(messages)
        if spec.is_embedding or kind not in self.protocols(spec):
            api = "Anthropic Messages" if messages else "Responses"
            return fail(f"Model {spec.name} does not support the {api} API on this path.")
        try:
            chat = chat_from_messages(body) if messages else chat_from_responses(body)
        except Refusal as refusal:
            return fail(refusal.message)
        problem = chat_problem(spec, chat)
        if problem is not None:
            return fail(_plain(problem))
        digest = hashlib.blake2b(req.path.encode() + req.body, digest_size=16).hexdigest()
        plan = _with_reasoning(spec, plan_chat(spec, chat, digest, huge), body, messages)
        cached = has_cache_control(body) if messages else True
        cache = cache_use(chat["messages"], cached)
        headers = (("served-model-name", spec.name), ("x-request-id", digest))
        if body.get("stream") is True:
            render = messages_events if messages else responses_events
            events = render(spec, plan, cache)
            return Reply(200, content_type="text/event-stream", headers=headers, events=events)
        encode = messages_body if messages else responses_body
        return Reply(200, encode(spec, plan, cache), headers=headers)


def _failure(messages: bool) -> Callable[[str], Reply]:
    if messages:
        return lambda message: anthropic_error(400, message)
    return lambda message: error_reply(400, "BAD_REQUEST", message)


def _plain(problem: str) -> str:
    try:
        inner = json.loads(problem)
    except ValueError:
        return problem
    return str(inner.get("message", problem)) if isinstance(inner, dict) else problem


def _anthropic_form(reply: Reply) -> Reply:
    try:
        message = str(json.loads(reply.body).get("message", ""))
    except (ValueError, AttributeError):
        message = reply.body.decode("utf-8", "replace")
    return anthropic_error(reply.status, message)


def _with_reasoning(
    spec: EndpointSpec, plan: ChatPlan, body: dict[str, Any], messages: bool
) -> ChatPlan:
    """A Responses request asking for ``reasoning`` gets a summary from any model."""
    if messages or plan.reasoning or not isinstance(body.get("reasoning"), dict):
        return plan
    if plan.tool_call is None and plan.finish_reason == "length":
        return plan
    reasoning = f"Working out how {spec.name} should answer this."
    return replace(
        plan, reasoning=reasoning, completion_tokens=plan.completion_tokens + len(reasoning.split())
    )
