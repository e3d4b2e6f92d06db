"""The gateway's way upstream: calls tried surface by surface, and requests relayed unchanged.

A relayed request (a Chat Completions request to a chat model, or a body in a protocol the model
serves natively) goes to the workspace as it came, after the request rules; its answer bytes are
handed back as received, its usage counted on the way.
"""

from __future__ import annotations

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
from brickgate.domain.errors import ApiError
from brickgate.domain.protocols.choice import CHAT, MESSAGES
from brickgate.domain.protocols.native import native_body
from brickgate.domain.protocols.usage_scan import UsageScanner
from brickgate.ports._async.workspace import AsyncEventStream
from brickgate.services._async.chat import AsyncChatService
from brickgate.services.gateway_replies import (
    EVENT_STREAM,
    GatewayReply,
    Tally,
    adjustments_header,
    raw_stream,
    usage_of,
)
from brickgate.services.preparation import ChatPlan
from brickgate.services.surfaces import Route

__all__ = ["Upstream"]

T = TypeVar("T")


class Upstream:
    """Sends the gateway's calls through ``chat``'s transport, router and request preparation.

    ``send`` and ``open`` try each surface the router offers, moving on while one is absent;
    ``pass_chat`` and ``pass_native`` relay a request and return a ``GatewayReply`` of the
    workspace's own bytes. Brickgate errors propagate to the caller.
    """

    def __init__(self, chat: AsyncChatService) -> None:
        self._transport = chat.transport
        self._router = chat.router
        self._prepare = chat.preparation

    async def pass_chat(self, plan: ChatPlan, stream: bool, tally: Tally) -> GatewayReply:
        """Relay ``plan``'s Chat Completions request (``stream`` or not) to a chat surface."""
        request, host = plan.request, self._router.host
        extra = tags_header(plan.tags)

        def build(route: Route, opener: Any) -> Any:
            surface, discovering = route
            body = chat_body(request, stream=stream, with_model=surface != INVOCATIONS)
            path = chat_path(host, surface, request.model)
            return _failing(opener("POST", path, body, extra, host=host), surface, discovering)

        return await self._relay(build, CHAT, stream, tally, plan.request.adjustments)

    async def pass_native(
        self,
        model: str,
        stream: bool,
        body: Mapping[str, Any],
        protocol: str,
        tally: Tally,
        forwarded: Mapping[str, str],
    ) -> GatewayReply:
        """Relay ``body`` in ``protocol``, which ``model`` serves natively, with ``forwarded``
        headers; a missing ``max_tokens`` is filled from the catalog."""
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
            answer: Answer = await self.send(
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
        events: AsyncEventStream[bytes] = await self.open(
            lambda route: build(route, passthrough_stream_call), chat=chat
        )
        iterator = raw_stream(events, tally, UsageScanner(protocol))
        return GatewayReply(200, tally, stream=iterator, media_type=EVENT_STREAM, headers=headers)

    async def send(self, build: Callable[[Route], Call[T]], *, chat: bool) -> T:
        """The result of the call ``build`` makes for the first surface that is there."""
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

    async def open(
        self, build: Callable[[Route], StreamCall[T]], *, chat: bool
    ) -> AsyncEventStream[T]:
        """The stream the call ``build`` makes opens on the first surface that is there."""
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
