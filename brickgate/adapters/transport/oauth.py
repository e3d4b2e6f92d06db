"""OAuth machine-to-machine tokens: client credentials exchanged at the workspace, cached."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from brickgate.adapters.transport.backends import HttpBackend, backend_of
from brickgate.adapters.transport.http_core import USER_AGENT, translated_errors
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.error_mapping import error_from_response
from brickgate.domain.errors import ApiError, AuthenticationError, InvalidCredentialError
from brickgate.ports.clock import Clock

logger = logging.getLogger("brickgate.oauth")

TOKEN_PATH = "/oidc/v1/token"  # noqa: S105 (a URL path)
REFRESH_MARGIN = 40.0
DEFAULT_LIFETIME = 3600.0
TOKEN_TIMEOUT = 30.0


class _TokenExchange:
    """The I/O-free half of the client-credentials grant: the request, the answer, the cache."""

    __slots__ = ("_backend", "_cached", "_clock", "_credentials", "_margin")

    def __init__(
        self,
        credentials: OAuthClientCredentials,
        clock: Clock,
        margin: float,
        backend: HttpBackend,
    ) -> None:
        self._backend = backend
        self._credentials = credentials
        self._clock = clock
        self._margin = margin
        self._cached: tuple[Secret, float] | None = None

    def fresh(self) -> Secret | None:
        """The cached token while more than ``margin`` seconds remain before it expires."""
        cached = self._cached
        if cached is not None and self._clock.time() < cached[1] - self._margin:
            return cached[0]
        return None

    def forget(self, stale: Secret) -> None:
        cached = self._cached
        if cached is not None and cached[0] == stale:
            self._cached = None

    def request(self) -> httpx.Request:
        credentials = self._credentials
        pair = f"{credentials.client_id}:{credentials.client_secret.get_secret_value()}"
        return self._backend.request(
            "POST",
            credentials.host.url + TOKEN_PATH,
            headers={
                "authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii"),
                "accept": "application/json",
                "content-type": "application/x-www-form-urlencoded",
                "user-agent": USER_AGENT,
            },
            content=urlencode(
                {"grant_type": "client_credentials", "scope": credentials.scopes}
            ).encode(),
            extensions={
                "timeout": dict.fromkeys(("connect", "read", "write", "pool"), TOKEN_TIMEOUT)
            },
        )

    def accept(self, response: httpx.Response) -> Secret:
        """Cache and return the token in ``response``; raise the mapped error otherwise."""
        if not response.is_success:
            raise self._refusal(response)
        data = _json_object(response.content)
        raw = data.get("access_token") if data else None
        if not isinstance(raw, str) or not raw:
            raise AuthenticationError(
                "the OAuth token endpoint answered without an access_token; check that the host "
                "is the workspace the service principal belongs to",
                status=response.status_code,
            )
        try:
            token = Secret(raw, what="OAuth access token")
        except InvalidCredentialError as exc:
            raise AuthenticationError(str(exc), status=response.status_code) from None
        lifetime = data.get("expires_in") if data else None
        seconds = float(lifetime) if isinstance(lifetime, (int, float)) else DEFAULT_LIFETIME
        self._cached = (token, self._clock.time() + seconds)
        logger.debug("fetched an OAuth token for %s, valid %.0f s", self._who(), seconds)
        return token

    def _refusal(self, response: httpx.Response) -> ApiError:
        mapped = error_from_response(
            response.status_code, response.headers, response.content, now=self._clock.time()
        )
        if response.status_code >= 500 or response.status_code == 429:
            return mapped
        return AuthenticationError(
            f"the OAuth token endpoint refused the client credentials of {self._who()}: "
            f"{mapped.message}. Check the client id and secret (and that the service principal "
            "has access to this workspace)",
            status=response.status_code,
            error_code=mapped.error_code,
            request_id=mapped.request_id,
        )

    def _who(self) -> str:
        return f"client id {self._credentials.client_id!r} at {self._credentials.host.url}"


def _json_object(body: bytes) -> Mapping[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class OAuthTokenSource:
    """A ``TokenProvider`` for a service principal (OAuth M2M, client credentials).

    ``token()`` posts ``grant_type=client_credentials&scope=<scopes>`` with HTTP Basic client
    id/secret to ``<host>/oidc/v1/token`` and caches the access token until 40 s before it
    expires (measured with ``clock``). Concurrent callers share one refresh. Raises
    ``AuthenticationError`` with the server's reason when the endpoint refuses,
    ``TransportError``/``TimeoutError`` when it cannot be reached. The secret is never logged.
    ``client`` may be an ``httpx2.Client`` too.
    """

    def __init__(
        self,
        credentials: OAuthClientCredentials,
        client: httpx.Client,
        clock: Clock,
        *,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._exchange = _TokenExchange(credentials, clock, refresh_margin, backend_of(client))
        self._client = client
        self._lock = threading.Lock()

    @property
    def refreshable(self) -> bool:
        """Always True: a new token can be fetched."""
        return True

    def token(self) -> Secret:
        """The cached token, or a newly fetched one."""
        cached = self._exchange.fresh()
        if cached is not None:
            return cached
        with self._lock:
            cached = self._exchange.fresh()
            if cached is not None:
                return cached
            with translated_errors("the OAuth token request"):
                response = self._client.send(self._exchange.request(), follow_redirects=False)
            return self._exchange.accept(response)

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        self._exchange.forget(stale)


class AsyncOAuthTokenSource:
    """The ``AsyncTokenProvider`` twin of ``OAuthTokenSource`` over an ``httpx.AsyncClient``."""

    def __init__(
        self,
        credentials: OAuthClientCredentials,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        refresh_margin: float = REFRESH_MARGIN,
    ) -> None:
        self._exchange = _TokenExchange(credentials, clock, refresh_margin, backend_of(client))
        self._client = client
        self._lock = asyncio.Lock()

    @property
    def refreshable(self) -> bool:
        """Always True: a new token can be fetched."""
        return True

    async def token_async(self) -> Secret:
        """The cached token, or a newly fetched one."""
        cached = self._exchange.fresh()
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._exchange.fresh()
            if cached is not None:
                return cached
            with translated_errors("the OAuth token request"):
                request = self._exchange.request()
                response = await self._client.send(request, follow_redirects=False)
            return self._exchange.accept(response)

    def invalidate(self, stale: Secret) -> None:
        """Forget ``stale`` if it is still the cached token."""
        self._exchange.forget(stale)
