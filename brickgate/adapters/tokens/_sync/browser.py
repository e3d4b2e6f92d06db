# Generated from adapters/tokens/_async/browser.py by tools/unasync.py: do not edit.
"""brickgate's own browser login (OAuth U2M, PKCE S256) and the token source it leaves behind."""

from __future__ import annotations

import logging
import sys
import webbrowser
from collections.abc import Callable, Iterable

from brickgate.adapters.tokens._sync.cache import RefreshingSource
from brickgate.adapters.tokens.loopback import DEFAULT_PORTS, SOURCE, LoopbackRedirect
from brickgate.adapters.tokens.primitives import blocking
from brickgate.domain.calls.oauth_grants import authorization_code_call, refresh_token_call
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import CredentialSourceError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import (
    BROWSER_CLIENT_ID,
    BROWSER_SCOPES,
    RefreshPolicy,
    TimedToken,
    authorize_url,
    new_pkce,
    new_state,
)
from brickgate.ports._sync.workspace import WorkspaceTransport
from brickgate.ports.clock import Clock
from brickgate.ports.refresh_tokens import RefreshTokenStore

LOGIN_TIMEOUT = 300.0
logger = logging.getLogger("brickgate.tokens")

__all__ = ["BrowserSource", "browser_login", "browser_login_command", "login_key"]


def login_key(host: WorkspaceHost, client_id: str, profile: str | None) -> str:
    """The store key of a browser login: the profile's name, else the host and client id."""
    return f"profile:{profile}" if profile else f"host:{host.url}|client:{client_id}"


def browser_login_command(host: WorkspaceHost, profile: str | None) -> str:
    """The command that logs in again: ``brickgate login --browser --profile P`` (or ``--host``)."""
    target = f"--profile {profile}" if profile else f"--host {host.url}"
    return f"brickgate login --browser {target}"


class BrowserSource(RefreshingSource):
    """Access tokens from the refresh token a browser login stored in ``store``.

    Each refresh posts ``grant_type=refresh_token`` (client id in the form) with the refresh
    token read from ``store`` (so logins rotated by another process are followed) and stores a
    rotated one; if storing fails, the rotated token is kept in memory for this process and a
    warning is logged. No stored login raises ``CredentialSourceError``, a dead refresh
    token (``invalid_grant``) an ``AuthenticationError``; both say which ``brickgate login
    --browser`` to run. The refresh token never appears in a log, error or repr.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        *,
        transport: WorkspaceTransport,
        clock: Clock,
        store: RefreshTokenStore,
        profile: str | None = None,
        client_id: str = BROWSER_CLIENT_ID,
        policy: RefreshPolicy | None = None,
    ) -> None:
        super().__init__(clock, policy)
        self._host = host
        self._transport = transport
        self._store = store
        self._profile = profile
        self._client_id = client_id
        self._key = login_key(host, client_id, profile)
        self._unsaved: Secret | None = None

    def describe(self) -> str:
        """``external-browser (profile P)`` or ``external-browser (host H)``."""
        target = f"profile {self._profile}" if self._profile else f"host {self._host.url}"
        return f"{SOURCE} ({target})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"

    def prime(self, token: TimedToken) -> None:
        """Start from ``token`` (the access token a login just obtained)."""
        self._current = token

    def _fetch(self, force: bool) -> TimedToken:
        command = browser_login_command(self._host, self._profile)
        refresh = self._unsaved or blocking(self._store.load, self._key)
        if refresh is None:
            raise CredentialSourceError(
                SOURCE,
                f"no browser login for {self._host.url} is stored ({self._store.describe()}); "
                f"run: {command}",
            )
        call = refresh_token_call(
            self._host, client_id=self._client_id, refresh_token=refresh, login_command=command
        )
        start = self._clock.time()
        issued = self._transport.send(call)
        if issued.refresh_token is not None and issued.refresh_token != refresh:
            self._keep(issued.refresh_token)
        return TimedToken(issued.token, start + issued.expires_in, start)

    def _keep(self, rotated: Secret) -> None:
        try:
            blocking(self._store.save, self._key, rotated)
        except CredentialSourceError as error:
            self._unsaved = rotated
            logger.warning(
                "%s: could not store the rotated refresh token (%s); keeping it in memory, so "
                "the next process will have to log in again",
                self.describe(),
                error.reason,
            )
        else:
            self._unsaved = None


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def browser_login(
    host: WorkspaceHost,
    *,
    transport: WorkspaceTransport,
    clock: Clock,
    store: RefreshTokenStore,
    profile: str | None = None,
    client_id: str = BROWSER_CLIENT_ID,
    scopes: str = BROWSER_SCOPES,
    browser: Callable[[str], object] | None = webbrowser.open,
    announce: Callable[[str], None] = _to_stderr,
    ports: Iterable[int] = DEFAULT_PORTS,
    timeout: float = LOGIN_TIMEOUT,
    policy: RefreshPolicy | None = None,
) -> BrowserSource:
    """Log in through the browser (authorization code + PKCE S256) and store the refresh token.

    Listens on 127.0.0.1 (first free port of ``ports``, redirect ``http://localhost:<port>``),
    ``announce``s the authorize URL and opens it with ``browser`` (``None``: only print it, for
    headless machines), waits up to ``timeout`` seconds for the redirect, checks its ``state``,
    exchanges the code with the verifier and saves the refresh token in ``store``. Returns the
    ``BrowserSource`` for this login, already holding the new access token. Raises
    ``CredentialSourceError`` (no port, timeout, state mismatch, no refresh token issued) or
    ``AuthenticationError`` (login or exchange refused); nothing is stored then.
    """
    state, pkce = new_state(), new_pkce()
    server = LoopbackRedirect(state, ports)
    try:
        url = authorize_url(
            host,
            client_id=client_id,
            redirect_uri=server.redirect_uri,
            scopes=scopes,
            state=state,
            challenge=pkce.challenge,
        )
        announce(f"To log in to {host.url}, open this URL in a browser:\n{url}")
        if browser is not None:
            browser(url)
        code = blocking(server.wait, timeout)
    finally:
        server.close()
    call = authorization_code_call(
        host,
        client_id=client_id,
        code=code,
        verifier=pkce.verifier,
        redirect_uri=server.redirect_uri,
    )
    start = clock.time()
    issued = transport.send(call)
    if issued.refresh_token is None:
        raise CredentialSourceError(
            SOURCE,
            f"{host.url} issued no refresh token (is 'offline_access' among the scopes?); "
            "nothing was stored",
        )
    source = BrowserSource(
        host,
        transport=transport,
        clock=clock,
        store=store,
        profile=profile,
        client_id=client_id,
        policy=policy,
    )
    blocking(store.save, login_key(host, client_id, profile), issued.refresh_token)
    source.prime(TimedToken(issued.token, start + issued.expires_in, start))
    return source
