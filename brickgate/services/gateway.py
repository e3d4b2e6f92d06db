"""The gateway service: OpenAI- and Anthropic-shaped requests answered through one workspace.

A request in a protocol the model serves natively goes through unchanged (after the request
rules), its answer bytes relayed as received; any other is translated into a chat request and
its reply written back in the caller's protocol. Async only: it serves the ``serve`` adapter.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from brickgate.domain.errors import ApiError, BrickgateError
from brickgate.domain.protocols.anthropic_in import messages_parts
from brickgate.domain.protocols.choice import CHAT, MESSAGES, RESPONSES, is_responses_only
from brickgate.domain.protocols.native import native_protocols
from brickgate.domain.protocols.openai_in import (
    ChatParts,
    chat_parts,
    embedding_parts,
    model_of,
    stream_flag,
)
from brickgate.domain.protocols.openai_out import embeddings_json, models_json
from brickgate.domain.protocols.responses_in import responses_parts
from brickgate.services._async.chat import AsyncChatService
from brickgate.services.gateway_replies import (
    EVENT_STREAM,
    GatewayReply,
    Tally,
    adjustments_header,
    error_reply,
    json_bytes,
)
from brickgate.services.gateway_upstream import Upstream
from brickgate.services.gateway_writers import (
    ChatWriter,
    MessagesWriter,
    ReplyWriter,
    ResponsesWriter,
    translated,
)
from brickgate.services.preparation import ChatPlan

__all__ = ["GatewayService"]

_FORWARDED = {MESSAGES: ("anthropic-version", "anthropic-beta"), RESPONSES: (), CHAT: ()}


class GatewayService:
    """Answers gateway requests through ``chat``'s transport, router and request preparation.

    Every method returns a ``GatewayReply`` (errors too, in the caller's protocol's shape) and
    never raises a brickgate error. ``now`` gives the ``created`` times of replies.
    """

    def __init__(self, chat: AsyncChatService, *, now: Callable[[], float] = time.time) -> None:
        self._chat = chat
        self._upstream = Upstream(chat)
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
                return await self._upstream.pass_native(
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
                return await self._upstream.pass_native(
                    model, stream_flag(body), body, RESPONSES, tally, {}
                )
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
                return await self._upstream.pass_chat(plan, parts.stream, tally)
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
            reply = await self._upstream.send(plan.call, chat=chat)
            tally.usage = reply.usage
            headers = adjustments_header(reply.adjustments)
            return GatewayReply(200, tally, writer.whole(reply), headers=headers)
        events = await self._upstream.open(plan.stream_call, chat=chat)
        stream = translated(events, writer, tally)
        headers = adjustments_header(plan.request.adjustments)
        return GatewayReply(200, tally, stream=stream, media_type=EVENT_STREAM, headers=headers)
