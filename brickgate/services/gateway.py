"""The gateway service: OpenAI- and Anthropic-shaped requests answered through one workspace.

A request in a protocol the model serves natively goes through unchanged (after the request
rules), its answer bytes relayed as received; any other is translated into a chat request and
its reply written back in the caller's protocol. Async only: it serves the ``serve`` adapter.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from brickgate.domain.calls import Answer, Call, StreamCall
from brickgate.domain.calls.answers import encode_json
from brickgate.domain.calls.headers import tags_header
from brickgate.domain.calls.messages import messages_path
from brickgate.domain.calls.passthrough import (
    passthrough_call,
    passthrough_error,
    passthrough_stream_call,
)
from brickgate.domain.calls.responses import responses_path
from brickgate.domain.calls.serving import (
    GATEWAY,
    INVOCATIONS,
    SERVING,
    SurfaceAbsentError,
    chat_body,
    chat_path,
    surface_fail,
)
from brickgate.domain.chat import Adjustment
from brickgate.domain.errors import ApiError, BrickgateError
from brickgate.domain.protocols.anthropic_in import messages_parts
from brickgate.domain.protocols.choice import CHAT, MESSAGES, RESPONSES, is_responses_only
from brickgate.domain.protocols.native import native_body, native_protocols
from brickgate.domain.protocols.openai_in import (
    ChatParts,
    chat_parts,
    embedding_parts,
    model_of,
    stream_flag,
)
from brickgate.domain.protocols.openai_out import embeddings_json, models_json
from brickgate.domain.protocols.responses_in import responses_parts
from brickgate.domain.protocols.usage_scan import UsageScanner
from brickgate.ports._async.workspace import AsyncEventStream
from brickgate.services._async.chat import AsyncChatService
from brickgate.services.gateway_replies import (
    EVENT_STREAM,
    GatewayReply,
    Tally,
    adjustments_header,
    error_reply,
    json_bytes,
    raw_stream,
    usage_of,
)
from brickgate.services.gateway_writers import (
    ChatWriter,
    MessagesWriter,
    ReplyWriter,
    ResponsesWriter,
    translated,
)
from brickgate.services.preparation import ChatPlan
from brickgate.services.surfaces import Route

__all__ = ["GatewayService"]

T = TypeVar("T")
_FORWARDED = {MESSAGES: ("anthropic-version", "anthropic-beta"), RESPONSES: (), CHAT: ()}


class GatewayService:
    """Answers gateway requests through ``chat``'s transport, router and request preparation.

    Every method returns a ``GatewayReply`` (errors too, in the caller's protocol's shape) and
    never raises a brickgate error. ``now`` gives the ``created`` times of replies.
    """

    def __init__(self, chat: AsyncChatService, *, now: Callable[[], float] = time.time) -> None:
        self._chat = chat
        self._transport = chat.transport
        self._router = chat.router
        self._prepare = chat.preparation
        self._now = now

    async def chat_completions(self, body: Mapping[str, Any]) -> GatewayReply:
        """``POST /v1/chat/completions``."""
        tally = Tally(CHAT)
        try:
            return await self._answer(chat_parts(body), CHAT, tally)
        except BrickgateError as error:
            return error_reply(tally, error)

    async def messages(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> GatewayReply:
        """``POST /v1/messages`` (``anthropic-version`` / ``anthropic-beta`` forwarded)."""
        tally = Tally(MESSAGES)
        try:
            forwarded = {k: headers[k] for k in _FORWARDED[MESSAGES] if k in headers}
            model = tally.model = model_of(body, "Messages")
            if MESSAGES in native_protocols(model):
                return await self._native(
                    model, stream_flag(body), body, MESSAGES, tally, forwarded
                )
            return await self._answer(messages_parts(body), MESSAGES, tally)
        except BrickgateError as error:
            return error_reply(tally, error)

    async def responses(self, body: Mapping[str, Any]) -> GatewayReply:
        """``POST /v1/responses``."""
        tally = Tally(RESPONSES)
        try:
            model = tally.model = model_of(body, "Responses")
            if RESPONSES in native_protocols(model):
                return await self._native(model, stream_flag(body), body, RESPONSES, tally, {})
            return await self._answer(responses_parts(body), RESPONSES, tally)
        except BrickgateError as error:
            return error_reply(tally, error)

    async def embeddings(self, body: Mapping[str, Any]) -> GatewayReply:
        """``POST /v1/embeddings``."""
        tally = Tally("embeddings", upstream="embeddings")
        try:
            model, inputs, extra = embedding_parts(body)
            tally.model = model
            reply = await self._chat.embed(model, inputs, {"extra_body": extra} if extra else {})
            tally.usage = reply.usage
            fmt = body.get("encoding_format")
            data = embeddings_json(
                reply, model=model, encoding_format=fmt if isinstance(fmt, str) else None
            )
            return GatewayReply(200, tally, json_bytes(data))
        except BrickgateError as error:
            return error_reply(tally, error)

    async def models(self) -> GatewayReply:
        """``GET /v1/models``: the models the workspace serves (OpenAI list format)."""
        tally = Tally("models", upstream="endpoints")
        try:
            entries = await self._chat.models({})
            names = [entry.name for entry in entries if entry.endpoint is not None]
            return GatewayReply(
                200, tally, json_bytes(models_json(names, created=int(self._now())))
            )
        except BrickgateError as error:
            return error_reply(tally, error)

    async def _answer(self, parts: ChatParts, protocol: str, tally: Tally) -> GatewayReply:
        tally.model = parts.model
        plan = self._prepare.chat_plan(
            parts.model, parts.messages, parts.params, stream=parts.stream
        )
        if plan.protocol == CHAT and protocol == CHAT:
            try:
                return await self._pass_chat(plan, parts.stream, tally)
            except ApiError as error:
                if not (plan.may_fall_back and is_responses_only(error)):
                    raise
            self._prepare.learn_responses_only(parts.model)
            plan = plan.over_responses()
        return await self._translate(plan, parts, protocol, tally)

    def _writer(self, protocol: str, model: str) -> ReplyWriter:
        token = secrets.token_hex(12)
        created = int(self._now())
        if protocol == MESSAGES:
            return MessagesWriter(model, f"msg_{token}")
        if protocol == RESPONSES:
            return ResponsesWriter(model, f"resp_{token}", created)
        return ChatWriter(model, f"chatcmpl-{token}", created)

    async def _translate(
        self, plan: ChatPlan, parts: ChatParts, protocol: str, tally: Tally
    ) -> GatewayReply:
        tally.upstream = plan.protocol
        writer = self._writer(protocol, parts.model)
        chat = plan.protocol == CHAT
        if not parts.stream:
            reply = await self._send(plan.call, chat=chat)
            tally.usage = reply.usage
            headers = adjustments_header(reply.adjustments)
            return GatewayReply(200, tally, writer.whole(reply), headers=headers)
        events = await self._open(plan.stream_call, chat=chat)
        stream = translated(events, writer, tally)
        headers = adjustments_header(plan.request.adjustments)
        return GatewayReply(200, tally, stream=stream, media_type=EVENT_STREAM, headers=headers)

    async def _pass_chat(self, plan: ChatPlan, stream: bool, tally: Tally) -> GatewayReply:
        request, host = plan.request, self._router.host
        extra = tags_header(plan.tags)

        def build(route: Route, opener: Any) -> Any:
            surface, discovering = route
            body = chat_body(request, stream=stream, with_model=surface != INVOCATIONS)
            path = chat_path(host, surface, request.model)
            return _failing(opener("POST", path, body, extra, host=host), surface, discovering)

        return await self._relay(build, CHAT, stream, tally, plan.request.adjustments)

    async def _native(
        self,
        model: str,
        stream: bool,
        body: Mapping[str, Any],
        protocol: str,
        tally: Tally,
        forwarded: Mapping[str, str],
    ) -> GatewayReply:
        spec = self._prepare.catalog.get(model)
        sent, adjustments = native_body(protocol, body, spec.max_output if spec else None)
        content = encode_json(sent)
        host = self._router.host

        def build(route: Route, opener: Any) -> Any:
            surface, discovering = route
            if surface == INVOCATIONS:
                surface, discovering = SERVING, False
            if protocol == MESSAGES:
                path = messages_path(host, surface)
            else:
                path = responses_path(host, surface, model)
            return _failing(
                opener("POST", path, content, forwarded, host=host), surface, discovering
            )

        return await self._relay(build, protocol, stream, tally, adjustments)

    async def _relay(
        self,
        build: Callable[[Route, Any], Any],
        protocol: str,
        stream: bool,
        tally: Tally,
        adjustments: Iterable[Adjustment],
    ) -> GatewayReply:
        tally.upstream, tally.passthrough = protocol, True
        headers = adjustments_header(adjustments)
        chat = protocol == CHAT
        if not stream:
            answer: Answer = await self._send(
                lambda route: build(route, passthrough_call), chat=chat
            )
            tally.usage = usage_of(protocol, answer)
            tally.request_id = answer.headers.get("x-request-id", "")
            rid = tally.request_id
            if rid.isascii() and rid.isprintable() and 0 < len(rid) <= 200:
                headers["x-request-id"] = rid
            media = answer.headers.get("content-type", "application/json")
            return GatewayReply(
                answer.status, tally, answer.body, media_type=media, headers=headers
            )
        events: AsyncEventStream[bytes] = await self._open(
            lambda route: build(route, passthrough_stream_call), chat=chat
        )
        iterator = raw_stream(events, tally, UsageScanner(protocol))
        return GatewayReply(200, tally, stream=iterator, media_type=EVENT_STREAM, headers=headers)

    async def _send(self, build: Callable[[Route], Call[T]], *, chat: bool) -> T:
        routes = self._router.routes(chat=chat)
        for route in routes[:-1]:
            try:
                result = await self._transport.send(build(route))
            except SurfaceAbsentError:
                continue
            self._router.learnt(route[0])
            return result
        result = await self._transport.send(build(routes[-1]))
        self._router.learnt(routes[-1][0])
        return result

    async def _open(
        self, build: Callable[[Route], StreamCall[T]], *, chat: bool
    ) -> AsyncEventStream[T]:
        routes = self._router.routes(chat=chat)
        for route in routes[:-1]:
            try:
                events = await self._transport.open(build(route))
            except SurfaceAbsentError:
                continue
            self._router.learnt(route[0])
            return events
        events = await self._transport.open(build(routes[-1]))
        self._router.learnt(routes[-1][0])
        return events


def _failing(call: Any, surface: Any, discovering: bool) -> Any:
    """``call`` whose refusal is ``SurfaceAbsentError`` while discovering a missing gateway."""
    if not (discovering and surface == GATEWAY):
        return call
    absent = surface_fail(surface, discovering)

    def fail(answer: Answer) -> ApiError:
        error = absent(answer)
        return error if isinstance(error, SurfaceAbsentError) else passthrough_error(answer)

    return replace(call, fail=fail)
