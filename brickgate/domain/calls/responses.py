"""OpenAI Responses calls: a chat request over ``/serving-endpoints/responses`` or the AI Gateway.

Serving endpoints: GPT models (not GPT-OSS) use the native ``/serving-endpoints/responses``,
other models (Claude, Gemini, open models) ``/serving-endpoints/open-responses``. AI Gateway:
``codex`` models use ``/codex/v1/responses``, other GPT models ``/openai/v1/responses`` and the
rest the unified ``/mlflow/v1/responses``; ``route`` overrides the choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from brickgate.domain.calls import Answer, Call, StreamCall
from brickgate.domain.calls.answers import json_object
from brickgate.domain.calls.routes import gateway_path, model_request
from brickgate.domain.calls.serving import (
    GATEWAY,
    INVOCATIONS,
    SERVING,
    Surface,
    check_segment,
    surface_fail,
)
from brickgate.domain.chat import CallOptions, ChatChunk, ChatRequest, ChatResponse
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.model_family import ModelFamily, model_family
from brickgate.domain.protocols.responses import decode_responses_reply, encode_responses_body
from brickgate.domain.protocols.responses_stream import ResponsesEventReader

__all__ = ["responses_call", "responses_path", "responses_route", "responses_stream_call"]


def responses_route(model: str) -> str:
    """The AI Gateway route for ``model``: ``codex``, ``openai`` (other GPT) or ``mlflow``."""
    if "codex" in model.lower():
        return "codex"
    return "openai" if model_family(model) is ModelFamily.GPT else "mlflow"


def responses_path(
    host: WorkspaceHost, surface: Surface, model: str, *, route: str | None = None
) -> tuple[str, ...]:
    """The path of a Responses call for ``model`` on ``surface`` (see the module notes).

    Raises ``InvalidRequestError`` for the ``invocations`` surface or an unknown ``route``.
    """
    if surface == INVOCATIONS:
        raise InvalidRequestError(
            "the Responses API has no per-endpoint invocations path; use the serving-endpoints "
            "or ai-gateway surface"
        )
    if surface == GATEWAY:
        chosen = route or responses_route(model)
        if chosen not in ("mlflow", "openai", "codex"):
            raise InvalidRequestError(
                f"route={chosen!r} does not serve the Responses API; use mlflow, openai or codex"
            )
        return gateway_path(host, chosen, "v1", "responses")
    native = model_family(model) is ModelFamily.GPT
    return ("serving-endpoints", "responses" if native else "open-responses")


def responses_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
    route: str | None = None,
) -> Call[ChatResponse]:
    """A non-streamed chat over the Responses API; the reply carries ``request.adjustments``.

    Raises ``InvalidRequestError`` (nothing sent) for a model name that cannot be sent, a body
    the Responses API cannot carry, bad tags or extra headers.
    """
    check_segment(request.model, what="model (endpoint) name")
    body = encode_responses_body(request, stream=False)
    adjustments = request.adjustments

    def decode(answer: Answer) -> ChatResponse:
        reply = decode_responses_reply(json_object(answer))
        return replace(reply, adjustments=adjustments) if adjustments else reply

    path = responses_path(host, surface, request.model, route=route)
    return Call(
        "the Responses request",
        model_request(path, body, options, stream=False, tags=tags),
        decode,
        surface_fail(surface, discovering),
        max_retries=options.max_retries,
        operation="responses",
    )


def responses_stream_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
    tags: Mapping[str, str] | None = None,
    route: str | None = None,
) -> StreamCall[ChatChunk]:
    """A streamed chat over the Responses API, read until ``response.completed``."""
    check_segment(request.model, what="model (endpoint) name")
    body = encode_responses_body(request, stream=True)
    path = responses_path(host, surface, request.model, route=route)
    return StreamCall(
        "the streaming Responses request",
        model_request(path, body, options, stream=True, tags=tags),
        ResponsesEventReader,
        surface_fail(surface, discovering),
        max_retries=options.max_retries,
        operation="responses-stream",
    )
