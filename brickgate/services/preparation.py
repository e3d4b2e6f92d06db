"""Turning what a caller passed into domain requests: rules, catalog caps, per-call options."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from brickgate.domain.calls import Call, StreamCall
from brickgate.domain.calls.protocol import protocol_call, protocol_stream_call
from brickgate.domain.calls.serving import INVOCATIONS, SERVING
from brickgate.domain.catalog import Catalog
from brickgate.domain.chat import (
    Adjustment,
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    EmbeddingRequest,
    Message,
)
from brickgate.domain.errors import InvalidRequestError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.params import call_options, split_params
from brickgate.domain.protocols.choice import (
    CHAT,
    MESSAGES,
    RESPONSES,
    Protocol,
    ProtocolChoice,
    decide_protocol,
)
from brickgate.domain.requests import build_chat_request, validate_model_name

log = logging.getLogger("brickgate")

Messages = str | Sequence[Message | Mapping[str, Any]]
Route = tuple[Any, bool]


@dataclass(frozen=True)
class ChatPlan:
    """A prepared chat request and how it goes out: its protocol and AI Gateway tags.

    ``may_fall_back``: the protocol was chosen automatically, so a "Responses only" refusal is
    answered by sending the same request over Responses once.
    """

    host: WorkspaceHost
    request: ChatRequest
    options: CallOptions
    protocol: Protocol
    tags: Mapping[str, str] | None
    may_fall_back: bool

    def _surface(self, route: Route) -> tuple[Any, bool]:
        surface, discovering = route
        if surface == INVOCATIONS and self.protocol != CHAT:
            return SERVING, False
        return surface, discovering

    def call(self, route: Route) -> Call[ChatResponse]:
        """The non-streamed call on ``route`` (a surface, and whether it is being discovered)."""
        surface, discovering = self._surface(route)
        return protocol_call(
            self.protocol,
            self.host,
            self.request,
            self.options,
            surface=surface,
            discovering=discovering,
            tags=self.tags,
        )

    def stream_call(self, route: Route) -> StreamCall[ChatChunk]:
        """The streamed call on ``route``."""
        surface, discovering = self._surface(route)
        return protocol_stream_call(
            self.protocol,
            self.host,
            self.request,
            self.options,
            surface=surface,
            discovering=discovering,
            tags=self.tags,
        )

    def check_stream(self) -> None:
        """Encode the streamed body once, so what the protocol cannot carry raises
        ``InvalidRequestError`` when the stream is made, not when it is entered."""
        self.stream_call((SERVING, False))

    def over_responses(self) -> ChatPlan:
        """The same request over Responses, after the server said it only speaks that."""
        reason = f"{self.request.model} only supports the Responses API (learned)"
        adjustments = (*self.request.adjustments, Adjustment("protocol", reason))
        request = replace(self.request, adjustments=adjustments)
        return replace(self, request=request, protocol=RESPONSES, may_fall_back=False)


class Preparation:
    """Builds chat and embedding requests the same way for every service.

    It remembers the models the host refused Chat Completions for (thread and task safe).
    """

    def __init__(
        self,
        catalog: Catalog,
        host: WorkspaceHost,
        *,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.host = host
        self._tags = dict(tags) if tags else None
        self._lock = threading.Lock()
        self._responses_only: frozenset[str] = frozenset()

    def learn_responses_only(self, model: str) -> None:
        """Remember that ``model`` only speaks the Responses API on this host."""
        with self._lock:
            self._responses_only = self._responses_only | {model}

    def chat_plan(
        self, model: str, messages: Messages, params: Mapping[str, Any], *, stream: bool
    ) -> ChatPlan:
        """The request, its protocol (``params["protocol"]``, default ``"auto"``) and tags.

        Raises ``InvalidRequestError`` (nothing sent) for a request that cannot be built or a
        protocol that cannot carry it.
        """
        request, options = self.chat_request(model, messages, params, stream=stream)
        requested = params.get("protocol") or "auto"
        spec = self.catalog.get(model)
        choice = decide_protocol(
            model, requested, body=request.body, responses_only=self._responses_only
        )
        if choice.protocol == CHAT and requested == "auto" and spec and spec.responses_only:
            choice = ProtocolChoice(RESPONSES, f"{model} only supports the Responses API")
        if choice.reason:
            adjustment = Adjustment("protocol", choice.reason)
            request = replace(request, adjustments=(*request.adjustments, adjustment))
        if choice.protocol == MESSAGES:
            from brickgate.domain.protocols.anthropic import with_max_tokens

            request = with_max_tokens(request, spec.max_output if spec is not None else None)
        call_tags = params.get("tags")
        tags = {**(self._tags or {}), **call_tags} if call_tags else self._tags
        return ChatPlan(
            self.host,
            request,
            options,
            choice.protocol,
            tags,
            requested == "auto" and choice.protocol != RESPONSES,
        )

    def chat_request(
        self, model: str, messages: Messages, params: Mapping[str, Any], *, stream: bool
    ) -> tuple[ChatRequest, CallOptions]:
        """The request (with the rules' adjustments, logged at DEBUG) and its call options."""
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
        """The embedding request for one text or many, and its call options."""
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
