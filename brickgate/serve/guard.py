"""The gateway's door: the ``Host`` header (against DNS rebinding) and the local key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from typing import Any

from brickgate.serve.keys import keys_match
from brickgate.serve.metrics import GatewayMetrics
from brickgate.services.gateway_replies import error_body

__all__ = ["ASGIApp", "Guard", "Receive", "Scope", "Send", "protocol_of", "send_json"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_OPEN_PATHS = ("/healthz",)


def protocol_of(path: str) -> str:
    """The protocol whose error shape a request on ``path`` expects."""
    if path.startswith("/v1/messages"):
        return "messages"
    if path.startswith("/v1/responses"):
        return "responses"
    return "chat"


async def send_json(
    send: Send, status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> None:
    """Send a whole JSON answer through ASGI ``send``."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: checks the ``Host`` header (every request) and the local key (every
    request but ``/healthz``), answering 421 / 401 in the path's protocol's error shape."""

    def __init__(
        self, app: ASGIApp, key: str, hosts: Collection[str], metrics: GatewayMetrics
    ) -> None:
        self._app = app
        self._key = key
        self._hosts = frozenset(host.lower() for host in hosts)
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope.get("path", "")
        protocol = protocol_of(path)
        if headers.get("host", "").lower() not in self._hosts:
            message = "the Host header names no address this gateway serves (DNS rebinding guard)"
            self._metrics.requests.labels("-", protocol, "421").inc()
            await send_json(send, 421, error_body(protocol, 421, message))
            return
        if path not in _OPEN_PATHS and scope.get("method") != "OPTIONS":
            given = headers.get("x-api-key") or ""
            auth = headers.get("authorization", "")
            if not given and auth[:7].lower() == "bearer ":
                given = auth[7:].strip()
            if not given or not keys_match(given, self._key):
                message = (
                    "missing or wrong gateway key: send it as 'Authorization: Bearer KEY' "
                    "or 'x-api-key: KEY'"
                )
                self._metrics.requests.labels("-", protocol, "401").inc()
                await send_json(send, 401, error_body(protocol, 401, message))
                return
        await self._app(scope, receive, send)
