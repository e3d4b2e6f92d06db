"""The chat service: prepare requests (rules, catalog caps), send them, return domain values."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from brickgate.domain.catalog import Catalog, ModelEntry, merge_with_endpoints
from brickgate.domain.chat import (
    CallOptions,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    EmbeddingResponse,
    Endpoint,
    Message,
)
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.params import call_options, split_params
from brickgate.domain.requests import build_chat_request, validate_model_name
from brickgate.ports.transport import AsyncChatTransport, ChatTransport
from brickgate.services.streams import AsyncStream, Stream

log = logging.getLogger("brickgate")

Messages = str | Sequence[Message | Mapping[str, Any]]


class _Preparation:
    """Request preparation shared by the sync and async services."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def chat_request(
        self, model: str, messages: Messages, params: Mapping[str, Any], *, stream: bool
    ) -> tuple[ChatRequest, CallOptions]:
        body_params, extra_body, options = split_params(params)
        request = build_chat_request(
            model,
            messages,
            params=body_params,
            extra_body=extra_body,
            stream=stream,
            spec=self.catalog.get(model),
        )
        if request.adjustments and log.isEnabledFor(logging.DEBUG):
            for adjustment in request.adjustments:
                log.debug("request to %s adjusted by %s", model, adjustment)
        return request, options

    @staticmethod
    def embedding_request(
        model: str, inputs: str | Sequence[str], params: Mapping[str, Any]
    ) -> tuple[EmbeddingRequest, CallOptions]:
        validate_model_name(model)
        items = (inputs,) if isinstance(inputs, str) else tuple(inputs)
        if not items:
            raise InvalidRequestError("embed() needs at least one input text")
        for position, item in enumerate(items):
            if not isinstance(item, str):
                raise InvalidRequestError(
                    f"embedding input {position} is {type(item).__name__}, expected text"
                )
        extra = params.get("extra_body") or {}
        return EmbeddingRequest(model=model, inputs=items, extra_body=dict(extra)), call_options(
            params
        )

    def models(self, endpoints: Sequence[Endpoint], include_retired: bool) -> list[ModelEntry]:
        return merge_with_endpoints(self.catalog, endpoints, include_retired=include_retired)


class ChatService:
    """Chat, stream, embed and list through one ``ChatTransport``; raises brickgate errors only."""

    def __init__(self, transport: ChatTransport, catalog: Catalog) -> None:
        self.transport = transport
        self._prepare = _Preparation(catalog)

    def chat(self, model: str, messages: Messages, params: Mapping[str, Any]) -> ChatResponse:
        """Send one chat request; return the reply with the request rules' adjustments."""
        request, options = self._prepare.chat_request(model, messages, params, stream=False)
        return self.transport.chat(request, options)

    def stream(self, model: str, messages: Messages, params: Mapping[str, Any]) -> Stream:
        """Prepare a streaming request; it is sent when the returned ``Stream`` is entered."""
        request, options = self._prepare.chat_request(model, messages, params, stream=True)
        return Stream(lambda: self.transport.stream(request, options), request.adjustments)

    def embed(
        self, model: str, inputs: str | Sequence[str], params: Mapping[str, Any]
    ) -> EmbeddingResponse:
        """Embed one text or many; vectors come back in input order."""
        request, options = self._prepare.embedding_request(model, inputs, params)
        return self.transport.embed(request, options)

    def endpoints(self, params: Mapping[str, Any]) -> list[Endpoint]:
        """The workspace's serving endpoints."""
        return self.transport.endpoints(call_options(params))

    def endpoint(self, name: str, params: Mapping[str, Any]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist.

        Raises ``InvalidRequestError`` (nothing sent) for a name that is not an endpoint name.
        """
        return self.transport.endpoint(validate_model_name(name), call_options(params))

    def models(
        self, params: Mapping[str, Any], *, include_retired: bool = False
    ) -> list[ModelEntry]:
        """The built-in catalog merged with the endpoints the workspace serves."""
        return self._prepare.models(self.endpoints(params), include_retired)

    def close(self) -> None:
        """Release the transport's connections."""
        self.transport.close()


class AsyncChatService:
    """The async twin of ``ChatService``."""

    def __init__(self, transport: AsyncChatTransport, catalog: Catalog) -> None:
        self.transport = transport
        self._prepare = _Preparation(catalog)

    async def chat(self, model: str, messages: Messages, params: Mapping[str, Any]) -> ChatResponse:
        """Send one chat request; return the reply with the request rules' adjustments."""
        request, options = self._prepare.chat_request(model, messages, params, stream=False)
        return await self.transport.chat(request, options)

    def stream(self, model: str, messages: Messages, params: Mapping[str, Any]) -> AsyncStream:
        """Prepare a streaming request; it is sent when the returned stream is entered."""
        request, options = self._prepare.chat_request(model, messages, params, stream=True)
        return AsyncStream(lambda: self.transport.stream(request, options), request.adjustments)

    async def embed(
        self, model: str, inputs: str | Sequence[str], params: Mapping[str, Any]
    ) -> EmbeddingResponse:
        """Embed one text or many; vectors come back in input order."""
        request, options = self._prepare.embedding_request(model, inputs, params)
        return await self.transport.embed(request, options)

    async def endpoints(self, params: Mapping[str, Any]) -> list[Endpoint]:
        """The workspace's serving endpoints."""
        return await self.transport.endpoints(call_options(params))

    async def endpoint(self, name: str, params: Mapping[str, Any]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist.

        Raises ``InvalidRequestError`` (nothing sent) for a name that is not an endpoint name.
        """
        return await self.transport.endpoint(validate_model_name(name), call_options(params))

    async def models(
        self, params: Mapping[str, Any], *, include_retired: bool = False
    ) -> list[ModelEntry]:
        """The built-in catalog merged with the endpoints the workspace serves."""
        return self._prepare.models(await self.endpoints(params), include_retired)

    async def aclose(self) -> None:
        """Release the transport's connections."""
        await self.transport.aclose()
