"""The gateway's ASGI application: routes, the Host and key checks, body limits, relaying."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from brickgate.adapters.usage_ledger import LedgerRow, UsageLedger
from brickgate.domain.json_limits import loads_bounded
from brickgate.serve.guard import ASGIApp, Guard
from brickgate.serve.keys import key_id
from brickgate.serve.metrics import CONTENT_TYPE_LATEST, GatewayMetrics
from brickgate.serve.relay import Relay
from brickgate.services.gateway import GatewayService
from brickgate.services.gateway_replies import GatewayReply, Tally, error_body

__all__ = ["DEFAULT_MAX_BODY", "GatewayOptions", "create_app"]

DEFAULT_MAX_BODY = 32 * 1024 * 1024
log = logging.getLogger("brickgate.serve")


@dataclass(frozen=True)
class GatewayOptions:
    """How the gateway admits requests.

    ``key``: the local key callers must send (``Authorization: Bearer`` or ``x-api-key``);
    ``allowed_hosts``: the ``Host`` header values accepted (``host`` or ``host:port``, lower
    case), against DNS rebinding; ``max_body``: the largest request body, in bytes;
    ``cors_origins``: origins allowed by CORS (none by default).
    """

    key: str
    allowed_hosts: Collection[str]
    max_body: int = DEFAULT_MAX_BODY
    cors_origins: tuple[str, ...] = ()


class _TooLarge(Exception):
    pass


class _Handlers:
    def __init__(
        self,
        gateway: GatewayService,
        options: GatewayOptions,
        metrics: GatewayMetrics,
        ledger: UsageLedger | None,
        clock: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.gateway = gateway
        self.options = options
        self.metrics = metrics
        self.ledger = ledger
        self.clock = clock
        self.wall = wall
        self.key_id = key_id(options.key)

    async def _body(self, request: Request, protocol: str) -> Mapping[str, Any] | Response:
        try:
            declared = int(request.headers.get("content-length") or 0)
        except ValueError:
            declared = 0
        limit = self.options.max_body
        try:
            if declared > limit:
                raise _TooLarge
            pieces, size = [], 0
            async for piece in request.stream():
                size += len(piece)
                if size > limit:
                    raise _TooLarge
                pieces.append(piece)
        except _TooLarge:
            message = f"the request body is larger than the gateway's limit of {limit} bytes"
            return Response(error_body(protocol, 413, message), 413, media_type="application/json")
        try:
            data = loads_bounded(b"".join(pieces), what="the request body")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            message = "the request body is not a JSON object"
            return Response(error_body(protocol, 400, message), 400, media_type="application/json")
        return data

    def _finisher(self, started: float) -> Callable[[Tally], None]:
        self.metrics.in_flight.inc()

        def done(tally: Tally) -> None:
            self.metrics.in_flight.dec()
            seconds = self.clock() - started
            self.metrics.observe(tally, seconds)
            usage = tally.usage
            if self.ledger is not None:
                self.ledger.record(
                    LedgerRow(
                        at=self.wall(),
                        key_id=self.key_id,
                        model=tally.model,
                        protocol=tally.protocol,
                        upstream=tally.upstream,
                        status=tally.status,
                        prompt_tokens=usage.prompt_tokens if usage else 0,
                        completion_tokens=usage.completion_tokens if usage else 0,
                        cached_tokens=(usage.cache_read_input_tokens or 0) if usage else 0,
                        reasoning_tokens=(usage.reasoning_tokens or 0) if usage else 0,
                        latency_ms=seconds * 1000.0,
                        request_id=tally.request_id,
                    )
                )
            log.info(
                "%s %s -> %s via %s%s in %.1f ms",
                tally.protocol,
                tally.model or "-",
                tally.status,
                tally.upstream or "-",
                " (pass-through)" if tally.passthrough else "",
                seconds * 1000.0,
            )

        return done

    async def _post(
        self,
        request: Request,
        protocol: str,
        call: Callable[[Mapping[str, Any]], Awaitable[GatewayReply]],
    ) -> Response:
        started = self.clock()
        body = await self._body(request, protocol)
        if isinstance(body, Response):
            return body
        done = self._finisher(started)
        try:
            reply = await call(body)
        except BaseException:
            done(Tally(protocol, status=500, error="cancelled"))
            raise
        return Relay(reply, done)

    async def chat(self, request: Request) -> Response:
        return await self._post(request, "chat", self.gateway.chat_completions)

    async def embeddings(self, request: Request) -> Response:
        return await self._post(request, "chat", self.gateway.embeddings)

    async def responses(self, request: Request) -> Response:
        return await self._post(request, "responses", self.gateway.responses)

    async def messages(self, request: Request) -> Response:
        headers = dict(request.headers)
        return await self._post(
            request, "messages", lambda body: self.gateway.messages(body, headers)
        )

    async def models(self, request: Request) -> Response:
        done = self._finisher(self.clock())
        return Relay(await self.gateway.models(), done)

    async def healthz(self, request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def metrics_text(self, request: Request) -> Response:
        return Response(self.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def create_app(
    gateway: GatewayService,
    options: GatewayOptions,
    *,
    ledger: UsageLedger | None = None,
    metrics: GatewayMetrics | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
) -> ASGIApp:
    """The gateway ASGI app answering through ``gateway`` (see ``GatewayOptions``).

    Routes: ``POST /v1/chat/completions``, ``/v1/embeddings``, ``/v1/responses``,
    ``/v1/messages``; ``GET /v1/models``, ``/healthz`` (no key needed), ``/metrics``. Each
    finished request is counted in ``metrics`` and, with a ``ledger``, recorded there.
    """
    metrics = metrics or GatewayMetrics()
    handlers = _Handlers(gateway, options, metrics, ledger, clock, wall)
    routes = [
        Route("/v1/chat/completions", handlers.chat, methods=["POST"]),
        Route("/v1/embeddings", handlers.embeddings, methods=["POST"]),
        Route("/v1/responses", handlers.responses, methods=["POST"]),
        Route("/v1/messages", handlers.messages, methods=["POST"]),
        Route("/v1/models", handlers.models, methods=["GET"]),
        Route("/healthz", handlers.healthz, methods=["GET"]),
        Route("/metrics", handlers.metrics_text, methods=["GET"]),
    ]
    inner: ASGIApp = Starlette(routes=routes)
    guarded: ASGIApp = Guard(inner, options.key, options.allowed_hosts, metrics)
    if options.cors_origins:
        cors: Any = CORSMiddleware(
            guarded,
            allow_origins=list(options.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=[
                "authorization",
                "x-api-key",
                "content-type",
                "anthropic-version",
                "anthropic-beta",
            ],
        )
        return cors  # type: ignore[no-any-return]
    return guarded
