"""Bearer-token auth for httpx and httpx2: the workspace token on every request, refreshed once."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from functools import lru_cache
from typing import cast

import httpx

from brickgate.adapters.transport.backends import HTTPX, HttpBackend, backend_of
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.ports.tokens import AsyncTokenProvider, TokenProvider

_SCAN_BYTES = 4096
_EXPIRY_WORDS = ("expir", "invalid")


class StaticTokenProvider:
    """A token that never changes (a personal access token); serves sync and async callers."""

    __slots__ = ("_secret",)

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    @property
    def refreshable(self) -> bool:
        """Always False: asking again gives the same token."""
        return False

    def token(self) -> Secret:
        """Return the token."""
        return self._secret

    async def token_async(self) -> Secret:
        """Return the token."""
        return self._secret

    def invalidate(self, stale: Secret) -> None:
        """Do nothing: a static token cannot be refreshed."""

    def __repr__(self) -> str:
        return "StaticTokenProvider(Secret('**********'))"


class _HostGuard:
    """Attaches a token to a request only when it goes to the workspace's own origin."""

    __slots__ = ("_host", "_origin")

    def __init__(self, host: WorkspaceHost) -> None:
        self._host = host
        self._origin = _origin(httpx.URL(host.url))

    def check(self, request: httpx.Request) -> None:
        if _origin(request.url) != self._origin:
            raise ConfigurationError(
                f"refusing to send the workspace token to {_shown_origin(request.url)}: only "
                f"{self._host.url} may receive it; check the host and any proxy or base URL setting"
            )

    def attach(self, request: httpx.Request, secret: Secret) -> None:
        self.check(request)
        request.headers["Authorization"] = "Bearer " + secret.get_secret_value()


class _BearerFlow:
    """The flow of ``BearerAuth``, shared by its httpx and httpx2 classes."""

    def __init__(self, host: WorkspaceHost, provider: TokenProvider) -> None:
        self._guard = _HostGuard(host)
        self._provider = provider

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the token, send, and on an expired-token answer refresh once and resend."""
        secret = self._provider.token()
        self._guard.attach(request, secret)
        response = yield request
        if not self._provider.refreshable or not _may_be_expired(response.status_code):
            return
        if response.status_code == 403:
            response.read()
        if not _token_rejected(response):
            return
        self._provider.invalidate(secret)
        fresh = self._provider.token()
        if fresh == secret:
            return
        self._guard.attach(request, fresh)
        yield request

    def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Refuse: this auth is for ``httpx.Client``; use ``AsyncBearerAuth`` with async clients."""
        raise ConfigurationError(
            "BearerAuth works with sync clients (httpx.Client, httpx2.Client) only; use "
            "AsyncBearerAuth with an async client"
        )


class _AsyncBearerFlow:
    """The flow of ``AsyncBearerAuth``, shared by its httpx and httpx2 classes."""

    def __init__(self, host: WorkspaceHost, provider: AsyncTokenProvider) -> None:
        self._guard = _HostGuard(host)
        self._provider = provider

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach the token, send, and on an expired-token answer refresh once and resend."""
        secret = await self._provider.token_async()
        self._guard.attach(request, secret)
        response = yield request
        if not self._provider.refreshable or not _may_be_expired(response.status_code):
            return
        if response.status_code == 403:
            await response.aread()
        if not _token_rejected(response):
            return
        self._provider.invalidate(secret)
        fresh = await self._provider.token_async()
        if fresh == secret:
            return
        self._guard.attach(request, fresh)
        yield request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Refuse: this auth is for ``httpx.AsyncClient``; use ``BearerAuth`` with sync clients."""
        raise ConfigurationError(
            "AsyncBearerAuth works with async clients (httpx.AsyncClient, httpx2.AsyncClient) "
            "only; use BearerAuth with a sync client"
        )


class BearerAuth(_BearerFlow, httpx.Auth):
    """``httpx.Auth`` for ``httpx.Client``: ``Authorization: Bearer <token>`` on every request.

    The token is asked from ``provider`` for each request. On a 401, or a 403 whose message
    says the token is expired, expiring or invalid, a refreshable provider is invalidated and
    the request is sent once more with the fresh token. A request whose origin is not the
    workspace host raises ``ConfigurationError`` before any token is attached.
    """


class AsyncBearerAuth(_AsyncBearerFlow, httpx.Auth):
    """The ``httpx.AsyncClient`` twin of ``BearerAuth``, with the same behaviour."""


def bearer_auth_for(client: object, host: WorkspaceHost, provider: TokenProvider) -> httpx.Auth:
    """A ``BearerAuth`` for ``client``'s library: an ``httpx.Auth`` or an ``httpx2.Auth``."""
    auth_class = _auth_class(_BearerFlow, backend_of(client))
    return auth_class(host, provider)  # type: ignore[call-arg]


def async_bearer_auth_for(
    client: object, host: WorkspaceHost, provider: AsyncTokenProvider
) -> httpx.Auth:
    """An ``AsyncBearerAuth`` for ``client``'s library: an ``httpx.Auth`` or an ``httpx2.Auth``."""
    auth_class = _auth_class(_AsyncBearerFlow, backend_of(client))
    return auth_class(host, provider)  # type: ignore[call-arg]


@lru_cache(maxsize=8)
def _auth_class(flow: type, backend: HttpBackend) -> type[httpx.Auth]:
    """The auth class running ``flow`` for ``backend``: the same code on another ``Auth`` base."""
    if backend is HTTPX:
        return BearerAuth if flow is _BearerFlow else AsyncBearerAuth
    name = "BearerAuth" if flow is _BearerFlow else "AsyncBearerAuth"
    twin = type(name, (flow, backend.auth), {"__module__": __name__, "__qualname__": name})
    return cast("type[httpx.Auth]", twin)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _shown_origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _may_be_expired(status: int) -> bool:
    return status in (401, 403)


def _token_rejected(response: httpx.Response) -> bool:
    """True for a 401, or a 403 whose body says the token is expired, expiring or invalid."""
    if response.status_code == 401:
        return True
    text = response.content[:_SCAN_BYTES].decode("utf-8", errors="replace").lower()
    return "token" in text and any(word in text for word in _EXPIRY_WORDS)
