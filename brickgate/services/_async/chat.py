"""The chat service: prepare requests, route them to a surface, send them through the port."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from brickgate.domain.calls import Call
from brickgate.domain.calls.serving import (
    SurfaceAbsentError,
    embed_call,
    endpoint_call,
    endpoints_call,
)
from brickgate.domain.catalog import Catalog, ModelEntry, merge_with_endpoints
from brickgate.domain.chat import ChatChunk, ChatResponse, EmbeddingResponse, Endpoint
from brickgate.domain.errors import ResponsesOnlyError
from brickgate.domain.params import call_options
from brickgate.domain.protocols.choice import CHAT
from brickgate.domain.requests import validate_model_name
from brickgate.domain.streaming import DEFAULT_ASSEMBLED_LIMIT
from brickgate.ports._async.workspace import AsyncEventStream, AsyncWorkspaceTransport
from brickgate.services.preparation import ChatPlan, Messages, Preparation
from brickgate.services.surfaces import Route, SurfaceRouter

if TYPE_CHECKING:
    from brickgate.services._async.streams import AsyncStream

T = TypeVar("T")


class AsyncChatService:
    """Chat, stream, embed and list through one workspace transport; raises brickgate errors.

    ``router`` picks the serving surface of each call (AI Gateway or serving endpoints);
    ``assembled_limit`` bounds a stream's assembled response (characters).
    """

    def __init__(
        self,
        transport: AsyncWorkspaceTransport,
        catalog: Catalog,
        router: SurfaceRouter,
        *,
        tags: Mapping[str, str] | None = None,
        assembled_limit: int = DEFAULT_ASSEMBLED_LIMIT,
    ) -> None:
        self._assembled_limit = assembled_limit
        self.transport = transport
        self.router = router
        self._prepare = Preparation(catalog, router.host, tags=tags)

    @property
    def preparation(self) -> Preparation:
        """How this service builds requests (rules, protocol choice, what it has learnt)."""
        return self._prepare

    async def _routed(self, build: Callable[[Route], Call[T]], *, chat: bool) -> T:
        routes = self.router.routes(chat=chat)
        if len(routes) == 1:
            return await self.transport.send(build(routes[0]))
        for route in routes[:-1]:
            try:
                result = await self.transport.send(build(route))
            except SurfaceAbsentError:
                continue
            self.router.learnt(route[0])
            return result
        result = await self.transport.send(build(routes[-1]))
        self.router.learnt(routes[-1][0])
        return result

    async def chat(self, model: str, messages: Messages, params: Mapping[str, Any]) -> ChatResponse:
        """Send one chat request over the model's protocol; return the reply with every
        adjustment made (request rules, the protocol chosen)."""
        plan = self._prepare.chat_plan(model, messages, params, stream=False)
        try:
            return await self._routed(plan.call, chat=plan.protocol == CHAT)
        except ResponsesOnlyError:
            if not plan.may_fall_back:
                raise
        self._prepare.learn_responses_only(model)
        return await self._routed(plan.over_responses().call, chat=False)

    def stream(self, model: str, messages: Messages, params: Mapping[str, Any]) -> AsyncStream:
        """Prepare a streaming request; it is sent when the returned stream is entered."""
        plan = self._prepare.chat_plan(model, messages, params, stream=True)
        plan.check_stream()
        router, transport, prepare = self.router, self.transport, self._prepare

        async def open_over(current: ChatPlan) -> AsyncEventStream[ChatChunk]:
            routes = router.routes(chat=current.protocol == CHAT)
            for route in routes[:-1]:
                try:
                    events = await transport.open(current.stream_call(route))
                except SurfaceAbsentError:
                    continue
                router.learnt(route[0])
                return events
            events = await transport.open(current.stream_call(routes[-1]))
            router.learnt(routes[-1][0])
            return events

        async def opener() -> AsyncEventStream[ChatChunk]:
            try:
                return await open_over(plan)
            except ResponsesOnlyError:
                if not plan.may_fall_back:
                    raise
            prepare.learn_responses_only(model)
            fallback = plan.over_responses()
            stream.note_adjustments(fallback.request.adjustments)
            return await open_over(fallback)

        from brickgate.services._async.streams import AsyncStream

        stream = AsyncStream(opener, plan.request.adjustments, self._assembled_limit)
        return stream

    async def embed(
        self, model: str, inputs: str | Sequence[str], params: Mapping[str, Any]
    ) -> EmbeddingResponse:
        """Embed one text or many; vectors come back in input order."""
        request, options = self._prepare.embedding_request(model, inputs, params)
        host = self.router.host
        return await self._routed(
            lambda route: embed_call(
                host, request, options, surface=route[0], discovering=route[1]
            ),
            chat=False,
        )

    async def endpoints(self, params: Mapping[str, Any]) -> list[Endpoint]:
        """The workspace's serving endpoints."""
        return await self.transport.send(endpoints_call(call_options(params)))

    async def endpoint(self, name: str, params: Mapping[str, Any]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist.

        Raises ``InvalidRequestError`` (nothing sent) for a name that is not an endpoint name.
        """
        return await self.transport.send(
            endpoint_call(validate_model_name(name), call_options(params))
        )

    async def models(
        self, params: Mapping[str, Any], *, include_retired: bool = False
    ) -> list[ModelEntry]:
        """The built-in catalog merged with the endpoints the workspace serves."""
        endpoints = await self.endpoints(params)
        return merge_with_endpoints(
            self._prepare.catalog, endpoints, include_retired=include_retired
        )
