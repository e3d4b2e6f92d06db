"""Serving calls: chat completions (plain and streamed), embeddings, and the endpoint listing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from brickgate.domain.calls import EVENT_STREAM, JSON_TYPE, Answer, Call, StreamCall, WireRequest
from brickgate.domain.calls.answers import api_error, encode_json, json_object
from brickgate.domain.calls.headers import checked_headers
from brickgate.domain.chat import (
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
)
from brickgate.domain.codec import (
    decode_chat_response,
    decode_embeddings,
    encode_embedding_body,
)
from brickgate.domain.errors import ApiError, InvalidRequestError, NotFoundError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.protocols.choice import responses_only_hint

Surface = Literal["serving-endpoints", "ai-gateway", "invocations"]
SERVING: Surface = "serving-endpoints"
GATEWAY: Surface = "ai-gateway"
INVOCATIONS: Surface = "invocations"
SURFACES = ("auto", SERVING, GATEWAY)
_ENDPOINTS = ("api", "2.0", "serving-endpoints")
_GATEWAY_ABSENT_MARKER = b"ENDPOINT_NOT_FOUND"


class SurfaceAbsentError(NotFoundError):
    """The AI Gateway surface is not there on this workspace (501 or ENDPOINT_NOT_FOUND).

    Raised only for calls made while the surface is being discovered (``surface="auto"``);
    the caller then sends the serving-endpoints call instead.
    """


def check_segment(name: str, *, what: str = "endpoint name") -> str:
    """``name`` if it can be sent as one path segment; ``InvalidRequestError`` otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequestError(f"the {what} is empty; give the serving endpoint's name")
    if name in (".", ".."):
        raise InvalidRequestError(
            f"{name!r} is not a valid {what}; give the serving endpoint's name"
        )
    return name


def _gateway_root(host: WorkspaceHost) -> tuple[str, ...]:
    return ("mlflow", "v1") if host.is_ai_gateway else ("ai-gateway", "mlflow", "v1")


def chat_path(host: WorkspaceHost, surface: Surface, model: str) -> tuple[str, ...]:
    """The path of a chat completion on ``surface``."""
    if surface == INVOCATIONS:
        return (
            "serving-endpoints",
            check_segment(model, what="model (endpoint) name"),
            "invocations",
        )
    if surface == GATEWAY:
        return (*_gateway_root(host), "chat", "completions")
    return ("serving-endpoints", "chat", "completions")


def _gateway_fail(answer: Answer) -> ApiError:
    error = api_error(answer)
    if answer.status == 501 or _GATEWAY_ABSENT_MARKER in answer.body:
        return SurfaceAbsentError(
            error.message,
            status=error.status,
            error_code=error.error_code,
            request_id=error.request_id,
        )
    return error


def surface_fail(surface: Surface, discovering: bool) -> Callable[[Answer], ApiError]:
    """How a call on ``surface`` reads a refusal (a missing gateway while ``discovering``)."""
    return _gateway_fail if discovering and surface == GATEWAY else api_error


def _chat_fail(surface: Surface, discovering: bool, model: str) -> Callable[[Answer], ApiError]:
    fail = surface_fail(surface, discovering)
    return lambda answer: responses_only_hint(fail(answer), model)


def chat_body(request: ChatRequest, *, stream: bool, with_model: bool) -> bytes:
    """The encoded wire body: ``model`` first when asked, ``stream`` set or removed."""
    body: dict[str, Any] = {"model": request.model} if with_model else {}
    body.update(request.body)
    if with_model:
        body["model"] = request.model
    else:
        body.pop("model", None)
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    return encode_json(body)


def _request(
    path: tuple[str, ...],
    content: bytes | None,
    options: CallOptions,
    *,
    accept: str = JSON_TYPE,
    method: str = "POST",
) -> WireRequest:
    return WireRequest(
        method,
        path,
        content=content,
        content_type=JSON_TYPE if content is not None else None,
        accept=accept,
        headers=checked_headers(options.extra_headers) if options.extra_headers else None,
        timeout=options.timeout,
    )


def chat_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
) -> Call[ChatResponse]:
    """A non-streamed chat completion; the reply carries ``request.adjustments``.

    ``discovering``: the surface is being tried under ``auto``, so a missing AI Gateway raises
    ``SurfaceAbsentError``. Raises ``InvalidRequestError`` for a model name that cannot be sent.
    """
    check_segment(request.model, what="model (endpoint) name")
    content = chat_body(request, stream=False, with_model=surface != INVOCATIONS)
    adjustments = request.adjustments

    def decode(answer: Answer) -> ChatResponse:
        reply = decode_chat_response(json_object(answer))
        return replace(reply, adjustments=adjustments) if adjustments else reply

    return Call(
        "the chat request",
        _request(chat_path(host, surface, request.model), content, options),
        decode,
        _chat_fail(surface, discovering, request.model),
        max_retries=options.max_retries,
        operation="chat",
    )


def stream_call(
    host: WorkspaceHost,
    request: ChatRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
) -> StreamCall[ChatChunk]:
    """A streamed chat completion, read as ``ChatChunk``s until ``data: [DONE]``."""
    from brickgate.domain.sse import ChunkReader

    check_segment(request.model, what="model (endpoint) name")
    content = chat_body(request, stream=True, with_model=surface != INVOCATIONS)
    return StreamCall(
        "the streaming chat request",
        _request(chat_path(host, surface, request.model), content, options, accept=EVENT_STREAM),
        ChunkReader,
        _chat_fail(surface, discovering, request.model),
        max_retries=options.max_retries,
        operation="stream",
    )


def embed_call(
    host: WorkspaceHost,
    request: EmbeddingRequest,
    options: CallOptions,
    *,
    surface: Surface = SERVING,
    discovering: bool = False,
) -> Call[EmbeddingResponse]:
    """Embeddings for ``request.inputs``, in input order."""
    check_segment(request.model, what="model (endpoint) name")
    body = {"model": request.model, **encode_embedding_body(request.inputs, request.extra_body)}
    if surface == GATEWAY:
        path: tuple[str, ...] = (*_gateway_root(host), "embeddings")
    else:
        path = ("serving-endpoints", "embeddings")
    return Call(
        "embedding",
        _request(path, encode_json(body), options),
        lambda answer: decode_embeddings(json_object(answer)),
        surface_fail(surface, discovering),
        max_retries=options.max_retries,
        operation="embed",
    )


def endpoints_call(options: CallOptions) -> Call[list[Endpoint]]:
    """The list of the workspace's serving endpoints."""
    from brickgate.domain.endpoint_codec import decode_endpoint_list

    return Call(
        "listing endpoints",
        _request(_ENDPOINTS, None, options, method="GET"),
        lambda answer: decode_endpoint_list(json_object(answer)),
        api_error,
        max_retries=options.max_retries,
        operation="endpoints",
    )


def endpoint_call(name: str, options: CallOptions) -> Call[Endpoint]:
    """One serving endpoint; its answer raises ``NotFoundError`` when it does not exist."""
    from brickgate.domain.endpoint_codec import decode_endpoint

    check_segment(name)
    return Call(
        "describing an endpoint",
        _request((*_ENDPOINTS, name), None, options, method="GET"),
        lambda answer: decode_endpoint(json_object(answer)),
        api_error,
        max_retries=options.max_retries,
        operation="endpoint",
    )
